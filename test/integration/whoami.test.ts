/**
 * `awsdir whoami` through the built CLI against the emulator: credentials found the way the AWS
 * CLI finds them, the account alias, the awsdir fields when the identity is the role awsdir
 * exported, and expired or invalid credentials said in plain words.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCTION_PROJECT } from '../support/fixture';
import { useWorld } from '../support/world';

const w = useWorld('whoami', { projects: { production: PRODUCTION_PROJECT } });

test('with no credentials anywhere it says so and how to get some (exit 1, nothing on stdout)', async () => {
  const r = await w.run(['whoami'], { cwd: w.home });
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^awsdir: no AWS credentials are in effect .*awsdir exec -- awsdir whoami`\n$/);
  expect(r.exitCode).toBe(1);
});

test('long-term keys in the environment: the user, the account and its alias', async () => {
  const keys = w.emu.keys('alice');
  const r = await w.run(['whoami'], { env: { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey } });
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('111111111111 (acme-identity)');
  expect(r.stdout).toContain('arn:aws:iam::111111111111:user/alice');
  expect(r.stdout).toContain('environment (AWS_ACCESS_KEY_ID)');
  expect(r.stdout).not.toContain(keys.secretAccessKey);
});

test('AWS_PROFILE with static keys in the shared credentials file, alias silently absent when IAM refuses', async () => {
  const keys = w.emu.keys('bob');
  const creds = join(w.home, 'credentials-bob');
  writeFileSync(creds, `[bob]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`);
  await w.emu.fault({ action: 'ListAccountAliases', code: 'AccessDenied', status: 403, count: 1 });
  const r = await w.run(['whoami', '--json'], { env: { AWS_PROFILE: 'bob', AWS_SHARED_CREDENTIALS_FILE: creds } });
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(out).toEqual({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/bob', UserId: expect.any(String), Source: `profile bob of ${creds}` });
});

test('inside awsdir exec: the role session, with the project file, label, role and time left', async () => {
  const r = await w.run(['exec', '--', process.execPath, w.cli, 'whoami', '--json'], {
    env: { AWSDIR_MFA_CODE: await w.emu.totp() },
    cwd: w.dirs.production,
  });
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  const out = JSON.parse(r.stdout) as {
    Account: string;
    Arn: string;
    AccountAlias: string;
    Awsdir: { Label: string; RoleArn: string; Config: string; SecondsLeft: number; Expiration: string };
  };
  expect(out.Account).toBe('222222222222');
  expect(out.AccountAlias).toBe('acme-production');
  expect(out.Arn).toMatch(/^arn:aws:sts::222222222222:assumed-role\/admin\/alice-production$/);
  expect(out.Awsdir.Label).toBe('production');
  expect(out.Awsdir.RoleArn).toBe(out.Arn);
  expect(out.Awsdir.Config).toBe(join(w.dirs.production, '.awsdir.yaml'));
  expect(out.Awsdir.SecondsLeft).toBeGreaterThan(3000);
  expect(out.Awsdir.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  const human = await w.run(['exec', '--', process.execPath, w.cli, 'whoami'], { cwd: w.dirs.production });
  expect(human.exitCode).toBe(0);
  expect(human.stdout).toMatch(/^account +222222222222 \(acme-production\)$/m);
  expect(human.stdout).toMatch(/^label +production$/m);
  expect(human.stdout).toMatch(/^expires .*\((59m|5\dm\d+s|1h) left\)$/m);
});

test("in credential-process mode (AWS_PROFILE of a generated profile) it runs the profile's credential_process", async () => {
  const exported = await w.run(['export', '--credential-process', '--shell', 'json'], { cwd: w.dirs.production });
  expect(exported.exitCode).toBe(0);
  const vars = Object.fromEntries(
    Object.entries(JSON.parse(exported.stdout) as Record<string, string | null>).filter((e): e is [string, string] => e[1] !== null),
  );
  const r = await w.run(['whoami', '--json'], { env: vars });
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  const out = JSON.parse(r.stdout) as { Arn: string; Source: string; Awsdir: { Label: string; SecondsLeft: number } };
  expect(out.Arn).toBe('arn:aws:sts::222222222222:assumed-role/admin/alice-production');
  expect(out.Source).toBe(`profile awsdir-production of ${vars.AWS_CONFIG_FILE} (credential_process)`);
  expect(out.Awsdir.Label).toBe('production');
  expect(out.Awsdir.SecondsLeft).toBeGreaterThan(900);
});

test("a profile's credential_process gets neither the MFA code nor the file keyring's passphrase of the caller", async () => {
  const keys = w.emu.keys('alice');
  const dump = join(w.home, 'credential-process-env');
  const script = join(w.home, 'dump-env.sh');
  writeFileSync(
    script,
    `#!/bin/sh\nenv > '${dump}'\nprintf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"%s"}' '${keys.accessKeyId}' '${keys.secretAccessKey}'\n`,
  );
  chmodSync(script, 0o755);
  const config = join(w.home, 'aws-config-dumper');
  writeFileSync(config, `[profile dumper]\ncredential_process = ${script}\n`);
  const r = await w.run(['whoami', '--json'], {
    env: {
      AWS_PROFILE: 'dumper',
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWSDIR_MFA_CODE: '424242',
      AWSDIR_FILE_PASSPHRASE: 'correct horse battery',
    },
  });
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  expect((JSON.parse(r.stdout) as { Arn: string }).Arn).toBe('arn:aws:iam::111111111111:user/alice');
  const seen = readFileSync(dump, 'utf8');
  // The dump is the child's whole environment: the profile it runs for is there, awsdir's own secrets are not.
  expect(seen).toMatch(/^AWS_PROFILE=dumper$/m);
  expect(seen).not.toMatch(/AWSDIR_MFA_CODE|AWSDIR_FILE_PASSPHRASE|424242|correct horse battery/);
});

test('an unknown access key is called invalid, with what to do', async () => {
  const r = await w.run(['whoami'], { env: { AWS_ACCESS_KEY_ID: 'AKIAZZZZZZZZZZZZZZZZ', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) } });
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^awsdir: credentials from environment \(AWS_ACCESS_KEY_ID\) are not valid \(InvalidClientTokenId/);
  expect(r.exitCode).toBe(1);
});

test('role credentials AWS counts expired before awsdir does say so and name `awsdir clear` before `direnv reload` (last: it moves the emulator clock)', async () => {
  const exported = await w.run(['export', '--shell', 'json'], { cwd: w.dirs.production });
  expect(exported.exitCode).toBe(0);
  const vars = JSON.parse(exported.stdout) as Record<string, string>;
  await w.emu.advanceClock(2 * 3600);
  const r = await w.run(['whoami'], { env: vars });
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(
    /^awsdir: credentials from environment \(AWS_ACCESS_KEY_ID\) have expired \(ExpiredToken\); AWS ended them before their time .* run `awsdir clear`, then `direnv reload`/,
  );
  expect(r.exitCode).toBe(1);
});

test('a shell left open past the end of its keys is told to run `direnv reload` (after the test above: the emulator clock is 2 h on)', async () => {
  const exported = await w.run(['export', '--shell', 'json'], { cwd: w.dirs.production });
  expect(exported.exitCode).toBe(0);
  // What the shell still holds an hour later: keys whose end, by its own AWSDIR_EXPIRES, has passed.
  const vars = { ...(JSON.parse(exported.stdout) as Record<string, string>), AWSDIR_EXPIRES: String(Math.floor(Date.now() / 1000) - 60) };
  const r = await w.run(['whoami'], { env: vars });
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^awsdir: credentials from environment \(AWS_ACCESS_KEY_ID\) have expired \(ExpiredToken\); run `direnv reload` in the directory/);
  expect(r.stderr).not.toContain('awsdir clear');
  expect(r.exitCode).toBe(1);
});
