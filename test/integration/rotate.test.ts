import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { baseUserPolicy } from '../../src/security/baseUserPolicy';
import { runCli } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { MFA_DEVICE, MFA_SERIAL as SERIAL } from '../support/fixture';
import { makeWorld, type World } from '../support/world';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// The keychain is shared by every test file of the run: source names of our own.
let n = 0;
const newSource = () => `rotate${process.pid}n${++n}`;

describe('awsdir rotate and add --from-profile', () => {
  let emu: TestEmulator;
  beforeEach(async () => {
    emu = await startTestEmulator({
      accounts: {
        '111111111111': {
          users: { alice: { mfa: MFA_DEVICE, inline_policies: { base: baseUserPolicy } } },
        },
      },
    });
  });
  const worlds: World[] = [];
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.close();
    await emu.close();
  });

  /** A HOME with no user file yet (AWSDIR_KEYRING picks the keychain), with alice's key as its source or none. */
  async function machine(addSource: boolean): Promise<World> {
    const w = await makeWorld('rotate', { emu, source: newSource(), userFile: false, addSource, env: { AWSDIR_KEYRING: 'os' } });
    worlds.push(w);
    return w;
  }

  const callerArn = async (keys: { accessKeyId: string; secretAccessKey: string }) =>
    (await new STSClient({ region: 'us-east-1', endpoint: emu.url, credentials: keys, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}))).Arn;

  async function setup(): Promise<{ name: string; env: Record<string, string>; old: { accessKeyId: string; secretAccessKey: string } }> {
    const old = emu.keys('alice');
    const w = await machine(true);
    return { name: w.source, env: w.env, old };
  }
  const userFile = (env: Record<string, string>) => readFileSync(join(env.XDG_CONFIG_HOME!, 'awsdir', 'config.yaml'), 'utf8');
  // The access key id the user file records for the source; the keychain's key is proven by signing with it (doctor).
  const recordedKeyId = (env: Record<string, string>, name: string) =>
    /access_key_id: (AKIA\w+)/.exec(userFile(env).slice(userFile(env).indexOf(`${name}:`)))?.[1];

  test('the new key works, the old one is refused, and the keychain and user file hold the new one', async () => {
    const { name, env, old } = await setup();
    const r = await runCli(['rotate', name, '--mfa-code', await emu.totp(SERIAL)], { env, timeoutMs: 60000 });
    expect(r.stderr).toMatch(/rotated source .* the new key AKIA\w+ is in the keychain and works; the old key AKIA\w+ is deleted/);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    await expect(callerArn(old)).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    const newId = recordedKeyId(env, name);
    expect(newId).toMatch(/^AKIA/);
    expect(newId).not.toBe(old.accessKeyId);
    const world = emu.emulator.world.findUser('alice')!;
    const fresh = world.accessKeys.find((k) => k.id === newId)!;
    expect(await callerArn({ accessKeyId: fresh.id, secretAccessKey: fresh.secret })).toBe('arn:aws:iam::111111111111:user/alice');
    // The keychain entry is the new key: doctor (which reads it) signs with it successfully.
    const doctor = JSON.parse((await runCli(['doctor', '--json', '--source', name], { env })).stdout) as Array<{ id: string; status: string }>;
    expect(doctor.find((c) => c.id === 'mfa-device')?.status).toBe('pass');
    expect(r.stderr).not.toContain(fresh.secret);
  });

  test.each([
    ['CreateAccessKey refused', { action: 'CreateAccessKey', code: 'ServiceFailure', status: 500, count: 5 }, /IAM did not create a new key/],
    [
      'the new key never works',
      { action: 'GetCallerIdentity', code: 'InvalidClientTokenId', status: 403, count: 50 },
      /did not accept the new key within 3s.*the new key AKIA\w+ was deleted again; the old key AKIA\w+ is untouched/,
    ],
  ])('a failed rotate (%s) leaves the old key working and in the keychain', async (_label, fault, message) => {
    const { name, env, old } = await setup();
    const code = await emu.totp(SERIAL);
    await emu.fault(fault);
    const r = await runCli(['rotate', name, '--mfa-code', code], { env: { ...env, AWSDIR_ROTATE_WAIT_SECONDS: '3' }, timeoutMs: 60000 });
    expect(r.stderr).toMatch(message);
    expect(r.exitCode).toBe(1);
    emu.emulator.world.faults.splice(0);
    expect(await callerArn(old)).toBe('arn:aws:iam::111111111111:user/alice');
    expect(emu.emulator.world.findUser('alice')!.accessKeys.map((k) => k.id)).toEqual([old.accessKeyId]);
    expect(recordedKeyId(env, name)).toBe(old.accessKeyId);
    const doctor = JSON.parse((await runCli(['doctor', '--json', '--source', name], { env })).stdout) as Array<{ id: string; status: string }>;
    expect(doctor.find((c) => c.id === 'mfa-device')?.status).toBe('pass'); // the keychain still signs with the old key
  });

  test('two keys already: a clear message naming the other key and how to delete it', async () => {
    const { name, env, old } = await setup();
    const alice = emu.emulator.world.findUser('alice')!;
    alice.accessKeys.push({ id: 'AKIAOTHERKEY23456777', secret: 'x'.repeat(40), status: 'Active', created: new Date() });
    const r = await runCli(['rotate', name, '--mfa-code', await emu.totp(SERIAL)], { env, timeoutMs: 60000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`already has two access keys (${old.accessKeyId}`);
    expect(r.stderr).toContain('/usr/bin/aws iam delete-access-key --user-name alice --access-key-id AKIAOTHERKEY23456777');
  });

  test('add --from-profile imports the key; --remove-from-file leaves a 0600 backup and a file without it', async () => {
    const { home, env } = await machine(false);
    const keys = emu.keys('alice');
    mkdirSync(join(home, '.aws'));
    const file = join(home, '.aws', 'credentials');
    writeFileSync(
      file,
      `# work keys\n[old]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n\n[other]\naws_access_key_id = AKIAKEEPMEKEEPME2345\naws_secret_access_key = keepmekeepmekeepme\n`,
      { mode: 0o600 },
    );
    const name = newSource();
    const kept = await runCli(['add', name, '--from-profile', 'old'], { env });
    expect(kept.exitCode).toBe(0);
    expect(kept.stderr).toContain('--remove-from-file');
    expect(readFileSync(file, 'utf8')).toContain(keys.secretAccessKey);

    const r = await runCli(['add', name, '--from-profile', 'old', '--remove-from-file'], { env });
    expect(r.exitCode).toBe(0);
    const after = readFileSync(file, 'utf8');
    expect(after).not.toContain(keys.secretAccessKey);
    expect(after).not.toContain(keys.accessKeyId);
    expect(after).toContain('[other]');
    expect(after).toContain('AKIAKEEPMEKEEPME2345');
    const backups = readdirSync(join(home, '.aws')).filter((f) => f.startsWith('credentials.awsdir-backup-'));
    expect(backups).toHaveLength(1);
    const backup = join(home, '.aws', backups[0]!);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(readFileSync(backup, 'utf8')).toContain(keys.secretAccessKey);
    expect(r.stderr).not.toContain(keys.secretAccessKey);
    // The key now comes from the keychain: doctor signs with it, and sees no plaintext key of it.
    const doctor = JSON.parse((await runCli(['doctor', '--json', '--source', name], { env })).stdout) as Array<{ id: string; status: string; message: string }>;
    expect(doctor.find((c) => c.id === 'mfa-device')?.status).toBe('pass');
    expect(doctor.find((c) => c.id === 'plaintext-credentials')?.message).toContain('profile other');
    expect(existsSync(file)).toBe(true);
    await runCli(['remove', name], { env });
  });

  test('add --from-profile takes the key of a dotted profile name ([acme.dev]), and --remove-from-file removes only that one', async () => {
    const { home, env } = await machine(false);
    const keys = emu.keys('alice');
    mkdirSync(join(home, '.aws'));
    const file = join(home, '.aws', 'credentials');
    // `[acme]` is what a reader that nests sections on dots would make of `[acme.dev]`.
    writeFileSync(
      file,
      `[acme]\nregion = eu-west-1\n\n[acme.dev]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n\n[acme.prod]\naws_access_key_id = AKIAKEEPMEKEEPME2345\naws_secret_access_key = keepmekeepmekeepme\n`,
      { mode: 0o600 },
    );
    const name = newSource();
    const r = await runCli(['add', name, '--from-profile', 'acme.dev', '--remove-from-file'], { env });
    expect(r.stderr).toContain('the key works: arn:aws:iam::111111111111:user/alice');
    expect(r.exitCode).toBe(0);
    expect(recordedKeyId(env, name)).toBe(keys.accessKeyId);
    const after = readFileSync(file, 'utf8');
    expect(after).not.toContain(keys.secretAccessKey);
    expect(after).toContain('[acme.prod]\naws_access_key_id = AKIAKEEPMEKEEPME2345');
    // A name that is not there lists the dotted profiles that hold keys.
    const missing = await runCli(['add', newSource(), '--from-profile', 'acme'], { env });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain(
      `${file} has no [acme] with aws_access_key_id and aws_secret_access_key (profiles with keys: acme.prod); name one of those`,
    );
    await runCli(['remove', name], { env });
  });

  test('add --remove-from-file without --from-profile is a usage error naming --from-profile NAME; nothing is stored or changed', async () => {
    const { home, env } = await machine(false);
    const keys = emu.keys('alice');
    mkdirSync(join(home, '.aws'));
    const file = join(home, '.aws', 'credentials');
    const text = `[default]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`;
    writeFileSync(file, text, { mode: 0o600 });
    const name = newSource();
    const r = await runCli(['add', name, '--from-env', '--remove-from-file'], {
      env: { ...env, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey },
    });
    expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 2, stdout: '' });
    expect(r.stderr).toMatch(/^awsdir: --remove-from-file .*`--from-profile NAME`.*\n$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(existsSync(join(home, '.config', 'awsdir', 'config.yaml'))).toBe(false);
    expect(await emu.calls()).toEqual([]);
  });
});
