/**
 * The credential engine end to end: the built CLI, the real OS keychain (gnome-keyring through
 * scripts/with-keychain.sh), the real AWS CLI, against the emulator. The call log proves which
 * STS calls a command made.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess, type CliResult } from '../support/cli';
import { MFA_SERIAL } from '../support/fixture';
import { filesHolding, sessionOf } from '../support/secrets';
import { useWorld } from '../support/world';

const secrets: string[] = [];

// The source is added by the first beforeAll below, whose output is checked.
const w = useWorld('engine', { addSource: false });

async function exportIn(dir: string, extra: Record<string, string> = {}): Promise<CliResult> {
  const r = await w.exportIn(dir, extra);
  for (const s of secrets) {
    expect(r.stderr).not.toContain(s);
  }
  return r;
}

const sessionSecretOf = (stdout: string): string => sessionOf(stdout).secretAccessKey;

const actions = async (): Promise<string[]> => (await w.emu.calls()).filter((c) => c.service === 'sts').map((c) => `${c.action}:${c.code}`);

let production: string;
let development: string;

beforeAll(async () => {
  const keys = w.emu.keys('alice');
  secrets.push(keys.secretAccessKey);
  const added = await w.addSource(w.source);
  expect(added.stderr).toContain(MFA_SERIAL);
  expect(added.exitCode).toBe(0);
  expect(added.stdout).toBe('');
  const user = readFileSync(w.userFile, 'utf8');
  expect(user).toContain(keys.accessKeyId);
  expect(user).not.toContain(keys.secretAccessKey);

  production = await w.addProject(
    'production',
    'role: arn:aws:iam::222222222222:role/admin\naccount: "222222222222"\nregion: ap-northeast-1\nlabel: production\nduration: 1h\n',
  );
  development = await w.addProject('development', 'role: arn:aws:iam::333333333333:role/admin\nregion: eu-west-1\nlabel: development\n');
}, 60_000);

describe('the chain against the emulator', () => {
  test('a first export asks once: one GetSessionToken and one AssumeRole; the exports work in bash with the AWS CLI', async () => {
    await w.emu.clearCalls();
    const r = await exportIn(production, { AWSDIR_MFA_CODE: await w.emu.totp() });
    // The emulator is not AWS, and the line says so.
    expect(r.stderr).toMatch(
      new RegExp(
        `^awsdir: production · admin @ 222222222222 \\(acme-production\\) · ap-northeast-1 · (5\\dm|1h) left · endpoint http://127\\.0\\.0\\.1:${w.emu.port}\\n$`,
      ),
    );
    expect(r.exitCode).toBe(0);
    expect(await actions()).toEqual(['GetSessionToken:OK', 'AssumeRole:OK']);
    secrets.push(sessionSecretOf(r.stdout));
    expect(r.stdout).toContain("export AWSDIR_ACCOUNT='222222222222'");
    expect(r.stdout).toContain("export AWS_REGION='ap-northeast-1'");
    expect(r.stdout).toContain('unset AWS_PROFILE');

    // What a shell does with it: eval, then the real AWS CLI.
    const script = `eval "$(cat)"; /usr/bin/aws sts get-caller-identity --endpoint-url "$EMU" --query Arn --output text`;
    const shell = await runProcess('bash', ['-c', script], {
      input: r.stdout,
      env: { HOME: w.home, EMU: w.emu.url, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    expect(shell.stderr).toBe('');
    expect(shell.stdout.trim()).toBe('arn:aws:sts::222222222222:assumed-role/admin/alice-production');
  });

  test('a second export in a new process makes no AWS call and needs no code', async () => {
    await w.emu.clearCalls();
    const r = await exportIn(production);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('AWS_SESSION_TOKEN=');
    expect(await actions()).toEqual([]);
  });

  test('another directory with another role makes one AssumeRole and asks nothing', async () => {
    await w.emu.clearCalls();
    const r = await exportIn(development);
    expect(r.stderr).toContain('development · admin @ 333333333333 (acme-development) · eu-west-1');
    expect(r.exitCode).toBe(0);
    expect(await actions()).toEqual(['AssumeRole:OK']);
    secrets.push(sessionSecretOf(r.stdout));
  });

  test('a changed project file is refused until allowed, and nothing is exported', async () => {
    const file = join(development, '.awsdir.yaml');
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, before.replace('role/admin', 'role/readonly'));
    try {
      const refused = await exportIn(development);
      expect(refused.exitCode).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain('awsdir allow');
      expect(refused.stderr).toContain('readonly');
      await w.allow(development);
      const r = await exportIn(development);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('assumed-role/readonly/');
    } finally {
      writeFileSync(file, before);
      await w.allow(development);
    }
  });

  test('a malformed cache entry is replaced, not fatal', async () => {
    const staging = w.writeProject(
      'malformed',
      'role: arn:aws:iam::333333333333:role/readonly\nregion: eu-west-1\nlabel: malformed\nsession_name: malformed\n',
    );
    await w.allow(staging);
    expect((await exportIn(staging)).exitCode).toBe(0);
    const status = await w.run(['export', '--shell', 'json'], { env: { AWSDIR_DEBUG: '1' }, cwd: staging });
    const entry = /cache hit (role\/[0-9a-f]+)/.exec(status.stderr)?.[1];
    expect(entry).toBeDefined();
    // Overwrite the entry with something that is not a session, as a broken older version might.
    execFileSync(process.execPath, ['-e', setEntryScript(entry ?? '', '{"v":1,"kind":"role","accessKeyId":')], { env: { ...process.env } });
    await w.emu.clearCalls();
    const r = await exportIn(staging, { AWSDIR_DEBUG: '1' });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('malformed');
    expect(await actions()).toEqual(['AssumeRole:OK']);
    await w.emu.clearCalls();
    expect((await exportIn(staging)).exitCode).toBe(0);
    expect(await actions()).toEqual([]);
  });

  test('duration above 1 hour: AssumeRole directly with a code, no GetSessionToken', async () => {
    const long = w.writeProject('long', 'role: arn:aws:iam::222222222222:role/longadmin\nregion: us-west-2\nduration: 2h\nlabel: long\n');
    await w.allow(long);
    await w.emu.clearCalls();
    const without = await exportIn(long);
    expect(without.exitCode).toBe(1);
    expect(without.stderr).toContain('AWSDIR_MFA_CODE');
    expect(without.stderr).toContain('mfa_process');
    const r = await exportIn(long, { AWSDIR_MFA_CODE: await w.emu.totp(), AWSDIR_DEBUG: '1' });
    expect(r.stderr).toContain('1 hour');
    expect(r.exitCode).toBe(0);
    expect(await actions()).toEqual(['AssumeRole:OK']);
    expect(r.stderr).toMatch(/· 1h5\dm left/);
  });

  test('an expired MFA session is replaced', async () => {
    const fresh = w.writeProject('expired', 'role: arn:aws:iam::333333333333:role/admin\nregion: eu-west-1\nlabel: expired\nsession_name: expired\n');
    await w.allow(fresh);
    await w.emu.advanceClock(13 * 3600);
    await w.emu.clearCalls();
    const r = await exportIn(fresh, { AWSDIR_MFA_CODE: await w.emu.totp() });
    expect(r.exitCode).toBe(0);
    expect(await actions()).toEqual(['AssumeRole:ExpiredToken', 'GetSessionToken:OK', 'AssumeRole:OK']);
  });

  test("a project naming a profile of AWS_CONFIG_FILE whose source_profile has a dotted name takes that profile's keys from AWS_SHARED_CREDENTIALS_FILE", async () => {
    // Outside HOME, which the next test searches for secrets: these files hold alice's key on purpose.
    const awsDir = mkdtempSync(join(tmpdir(), 'awsdir-engine-aws-'));
    const keyProfile = `acme${process.pid}.dev`;
    const keys = w.emu.keys('alice');
    const files = { AWS_CONFIG_FILE: join(awsDir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(awsDir, 'credentials') };
    writeFileSync(
      files.AWS_CONFIG_FILE,
      `[profile ${keyProfile}]\nregion = us-east-1\n\n[profile prod.admin]\nrole_arn = arn:aws:iam::222222222222:role/admin\nsource_profile = ${keyProfile}\nmfa_serial = ${MFA_SERIAL}\nregion = eu-west-2\n`,
    );
    writeFileSync(
      files.AWS_SHARED_CREDENTIALS_FILE,
      `[${keyProfile}]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    const dir = join(w.home, 'projects', 'viaprofile');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.awsdir.yaml'), 'version: 1\nprofile: prod.admin\nlabel: viaprofile\n');
    try {
      expect((await w.run(['allow', dir], { env: files })).exitCode).toBe(0);
      await w.emu.clearCalls();
      const r = await exportIn(dir, { ...files, AWSDIR_MFA_CODE: await w.emu.totp() });
      expect(r.stderr).toMatch(/^awsdir: viaprofile · admin @ 222222222222 \(acme-production\) · eu-west-2 · /);
      expect(r.exitCode).toBe(0);
      secrets.push(sessionSecretOf(r.stdout));
      const sts = (await w.emu.calls()).filter((c) => c.service === 'sts');
      expect(sts.map((c) => `${c.action}:${c.code}`)).toEqual(['GetSessionToken:OK', 'AssumeRole:OK']);
      expect(sts[0]?.accessKeyId).toBe(keys.accessKeyId);
    } finally {
      await w.run(['clear', '--dir', dir, '--with-mfa-session'], { env: files });
      rmSync(awsDir, { recursive: true, force: true });
    }
  });

  test('no secret in any file under HOME or the temp directory, nor in debug output', async () => {
    const debug = await exportIn(production, { AWSDIR_DEBUG: '1' });
    expect(debug.exitCode).toBe(0);
    expect(debug.stderr).toContain('[debug]');
    for (const s of secrets) expect(debug.stderr).not.toContain(s);
    expect(filesHolding([w.home, w.tmp], secrets)).toEqual([]);
  });
});

describe('concurrency', () => {
  test('10 concurrent exports from a cold cache make one GetSessionToken', async () => {
    const dir = w.writeProject('concurrent', 'role: arn:aws:iam::222222222222:role/admin\nregion: eu-central-1\nlabel: concurrent\nsession_name: concurrent\n');
    await w.allow(dir);
    // Only this directory's sessions (and so its MFA session): other test files share the keychain.
    const cleared = await w.run(['clear', '--dir', dir, '--with-mfa-session']);
    expect(cleared.exitCode).toBe(0);
    await w.emu.clearCalls();
    const code = await w.emu.totp();
    const results = await Promise.all(Array.from({ length: 10 }, () => exportIn(dir, { AWSDIR_MFA_CODE: code })));
    for (const r of results) expect({ exit: r.exitCode, stderr: r.stderr }).toEqual({ exit: 0, stderr: expect.stringContaining('concurrent · admin') });
    const calls = await actions();
    expect(calls.filter((c) => c.startsWith('GetSessionToken'))).toEqual(['GetSessionToken:OK']);
    expect(calls.filter((c) => c.startsWith('AssumeRole'))).toEqual(['AssumeRole:OK']);
  }, 60_000);
});

/** A node script that writes one keychain entry through the same library awsdir uses. */
function setEntryScript(name: string, value: string): string {
  return `const { Entry } = require(${JSON.stringify(require.resolve('@napi-rs/keyring'))});
new Entry('awsdir', ${JSON.stringify(name)}, { linux: { store: 'secret-service' } }).setPassword(${JSON.stringify(value)});`;
}
