/**
 * The whole flow with known secrets, on the built CLI against the emulator and a private
 * gnome-keyring: add, allow, export (its code from mfa_process), exec, credential-process under the
 * real AWS CLI, whoami, status, clear — all with AWSDIR_DEBUG=1. The secrets may be in the
 * keychain and in the stdout that asked for them; they must be in no file under HOME or the temp
 * directory, in no stderr, in no other stdout, and in the argv of no process awsdir starts (a
 * poller reads /proc/<pid>/cmdline of every process on the machine while the flow runs).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runProcess, type CliResult } from '../support/cli';
import { watchCommandLines } from '../support/commandLines';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { keychainEntries, startPrivateKeychain, type PrivateKeychain } from '../support/privateKeychain';
import { filesHolding, sessionOf, walk } from '../support/secrets';
import { makeWorld } from '../support/world';

jest.setTimeout(180_000);

let emu: TestEmulator;
let keychain: PrivateKeychain;

beforeAll(async () => {
  emu = await startTestEmulator();
  keychain = await startPrivateKeychain(mkdtempSync(join(tmpdir(), 'awsdir-secrets-keychain-')));
});

let stopPoller: (() => Promise<Map<string, string>>) | undefined;

afterAll(async () => {
  await stopPoller?.();
  await keychain?.stop();
  await emu?.close();
});

// Every command line of this flow's processes, and the environment of the ones awsdir is expected
// to start (a sleep, mfa_process, the keychain listing). Told apart by the private keychain's bus
// address: other test files run at the same time, and one of them hands an MFA code to
// `awsdir rotate --mfa-code` on purpose (codes of the same seed are the same in every emulator).
async function startPoller(): Promise<() => Promise<Map<string, string>>> {
  const stop = await watchCommandLines(keychain.env.DBUS_SESSION_BUS_ADDRESS!, /^sleep |mfaCode|findCredentials/);
  return () => {
    stopPoller = undefined;
    return stop();
  };
}

test('the whole flow: secrets only in the keychain and the stdout that asked for them', async () => {
  stopPoller = await startPoller();
  const world = await makeWorld('secrets', { emu, source: 'known', env: { ...keychain.env, AWSDIR_DEBUG: '1' } });
  const sourceSecret = emu.keys('alice').secretAccessKey;
  const codes: string[] = [];
  const outputs: Array<{ what: string; result: CliResult; stdoutMayHoldSecrets: boolean }> = [];
  const step = async (what: string, run: Promise<CliResult>, stdoutMayHoldSecrets = false): Promise<CliResult> => {
    const result = await run;
    outputs.push({ what, result, stdoutMayHoldSecrets });
    expect({ what, exit: result.exitCode, stderr: result.exitCode === 0 ? '' : result.stderr }).toEqual({ what, exit: 0, stderr: '' });
    return result;
  };

  // mfa_process: a program that prints the emulator's current code, as `ykman oath accounts code` would.
  const mfaScript = join(world.home, 'bin', 'mfaCode.cjs');
  mkdirSync(join(world.home, 'bin'));
  writeFileSync(mfaScript, `fetch(process.argv[2]).then((r) => r.json()).then((j) => process.stdout.write(j.code + '\\n'));\n`);
  const totpUrl = emu.totpUrl();
  const user = readFileSync(world.userFile, 'utf8');
  writeFileSync(world.userFile, user.replace('  known:\n', `  known:\n    mfa_process: ${JSON.stringify(`${process.execPath} ${mfaScript} ${totpUrl}`)}\n`));

  const dir = world.writeProject(
    'flow',
    'session_name: flow\nrole: arn:aws:iam::222222222222:role/admin\naccount: "222222222222"\nregion: ap-northeast-1\nlabel: flow\n',
  );
  await step('allow', world.run(['allow', dir], { cwd: dir }));
  codes.push(((await (await fetch(totpUrl)).json()) as { code: string }).code);
  const exported = await step('export', world.run(['export', '--shell', 'bash'], { cwd: dir }), true);
  expect(exported.stderr).toContain('[debug]');
  const role = sessionOf(exported.stdout);
  await step('export json (cache hit)', world.run(['export', '--shell', 'json'], { cwd: dir }), true);
  const execed = await step('exec', world.run(['exec', '--', 'sleep', '1'], { cwd: dir }));
  expect(execed.stdout).toBe('');

  const awsConfig = join(world.home, '.aws', 'config');
  mkdirSync(join(world.home, '.aws'), { recursive: true });
  writeFileSync(awsConfig, `[profile flow]\ncredential_process = ${process.execPath} ${CLI} credential-process --dir ${dir}\nregion = us-east-1\n`);
  const viaCli = await step(
    'credential-process under the AWS CLI',
    runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--endpoint-url', emu.url, '--profile', 'flow', '--query', 'Arn', '--output', 'text'], {
      env: { ...world.env, AWS_CONFIG_FILE: awsConfig, AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      cwd: dir,
    }),
  );
  expect(viaCli.stdout.trim()).toBe('arn:aws:sts::222222222222:assumed-role/admin/flow');
  const direct = await step('credential-process', world.run(['credential-process', '--dir', dir]), true);
  expect(JSON.parse(direct.stdout)).toMatchObject({ Version: 1, SecretAccessKey: role.secretAccessKey });

  // whoami reports the credentials in effect: those of exec's child here.
  const who = await step('exec -- awsdir whoami', world.run(['exec', '--', process.execPath, CLI, 'whoami', '--json'], { cwd: dir }));
  expect(who.stdout).toContain('assumed-role/admin/flow');
  await step('status', world.run(['status'], { cwd: dir }));
  await step('status --json', world.run(['status', '--json'], { cwd: dir }));

  // What the keychain holds now is every secret there is: the source and each session.
  const secrets = new Set([sourceSecret, role.secretAccessKey, role.sessionToken]);
  for (const value of keychainEntries(keychain.env).values()) {
    const v = JSON.parse(value) as { secretAccessKey?: string; sessionToken?: string };
    if (v.secretAccessKey) secrets.add(v.secretAccessKey);
    if (v.sessionToken) secrets.add(v.sessionToken);
  }
  expect(secrets.size).toBeGreaterThanOrEqual(5); // source, MFA session key and token, role key and token

  await step('clear --dir', world.run(['clear', '--dir', dir]));
  await step('clear --all', world.run(['clear', '--all']));
  await step('remove', world.run(['remove', 'known']));
  const seen = await (stopPoller as () => Promise<Map<string, string>>)();

  // The poller saw the children awsdir started: the command run by exec, and mfa_process.
  const lines = [...seen.keys()];
  expect(lines.some((l) => l === 'sleep 1')).toBe(true);
  expect(lines.some((l) => l.includes('mfaCode.cjs'))).toBe(true);
  for (const line of lines) {
    for (const s of secrets) expect({ line: line.slice(0, 80), leaked: line.includes(s) }).toEqual({ line: line.slice(0, 80), leaked: false });
    for (const code of codes) expect({ line: line.slice(0, 80), code: line.split(' ').includes(code) }).toEqual({ line: line.slice(0, 80), code: false });
  }
  // exec's child has the role session (that is its purpose) but never the source key, a code or a passphrase.
  const sleepEnv = seen.get('sleep 1') ?? '';
  expect(sleepEnv).toContain(`AWS_SECRET_ACCESS_KEY=${role.secretAccessKey}`);
  expect(sleepEnv).not.toContain(sourceSecret);
  expect(sleepEnv).not.toMatch(/AWSDIR_MFA_CODE|AWSDIR_FILE_PASSPHRASE/);
  const mfaEnv = [...seen].find(([l]) => l.includes('mfaCode.cjs'))?.[1] ?? '';
  for (const s of secrets) expect(mfaEnv.includes(s)).toBe(false);

  for (const { what, result, stdoutMayHoldSecrets } of outputs) {
    for (const s of secrets) {
      expect({ what, stream: 'stderr', leaked: result.stderr.includes(s) }).toEqual({ what, stream: 'stderr', leaked: false });
      if (!stdoutMayHoldSecrets) expect({ what, stream: 'stdout', leaked: result.stdout.includes(s) }).toEqual({ what, stream: 'stdout', leaked: false });
    }
  }
  expect(filesHolding([world.home, world.tmp], secrets)).toEqual([]);
  for (const file of [...walk(world.home), ...walk(world.tmp)]) {
    const text = readFileSync(file, 'latin1');
    for (const code of codes) expect({ file, code: text.includes(code) }).toEqual({ file, code: false });
  }
});

describe('the file keyring', () => {
  test('0600 files in a 0700 directory that reveal nothing; a wrong passphrase is a clear error and loses nothing', async () => {
    const passphrase = 'correct horse battery staple';
    const world = await makeWorld('secrets-file', { emu, source: 'filed', keyring: 'file', env: { AWSDIR_FILE_PASSPHRASE: passphrase } });
    const dir = world.writeProject('filed', 'role: arn:aws:iam::333333333333:role/readonly\nregion: eu-west-1\nlabel: filed\n', 'filed');
    await world.allow(dir);
    const first = await world.exportIn(dir, { AWSDIR_MFA_CODE: await emu.totp() });
    expect(first.exitCode).toBe(0);
    const role = sessionOf(first.stdout);

    const keyringDir = join(world.home, '.local', 'share', 'awsdir', 'keyring');
    expect(statSync(keyringDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(keyringDir);
    expect(files.length).toBeGreaterThanOrEqual(4); // verifier, source, MFA session, role session
    for (const f of files) expect({ f, mode: (statSync(join(keyringDir, f)).mode & 0o777).toString(8) }).toEqual({ f, mode: '600' });
    const needles = [
      emu.keys('alice').secretAccessKey,
      emu.keys('alice').accessKeyId,
      role.secretAccessKey,
      role.sessionToken,
      role.accessKeyId,
      passphrase,
      'source/',
      'role/',
      'mfa-session/',
      'filed',
      'secretAccessKey',
      '333333333333',
    ];
    for (const f of files) {
      expect(f).not.toMatch(/source|role|session|filed/);
      const bytes = readFileSync(join(keyringDir, f));
      for (const n of needles) expect({ f, n: n.slice(0, 12), found: bytes.includes(n) }).toEqual({ f, n: n.slice(0, 12), found: false });
    }
    expect(filesHolding([world.home, world.tmp], [emu.keys('alice').secretAccessKey, role.secretAccessKey, role.sessionToken, passphrase])).toEqual([]);

    const snapshot = () =>
      readdirSync(keyringDir)
        .sort()
        .map((f) => [f, readFileSync(join(keyringDir, f)).toString('base64'), statSync(join(keyringDir, f)).mtimeMs]);
    const before = snapshot();
    const status = await world.run(['status', '--json'], { cwd: dir, env: { AWSDIR_FILE_PASSPHRASE: 'Tr0ub4dor&3' } });
    expect(JSON.parse(status.stdout)).toMatchObject({
      keyring: { backend: 'file', error: expect.stringMatching(/^file keyring: wrong passphrase/) },
      sessions: [],
    });
    for (const args of [['export'], ['clear', '--all'], ['remove', 'filed']]) {
      const wrong = await world.run(args, { cwd: dir, env: { AWSDIR_FILE_PASSPHRASE: 'Tr0ub4dor&3' } });
      expect({ args, exit: wrong.exitCode, stdout: wrong.stdout }).toEqual({ args, exit: 1, stdout: '' });
      expect(wrong.stderr).toMatch(/^awsdir: file keyring: wrong passphrase for .*nothing was changed; check AWSDIR_FILE_PASSPHRASE/);
    }
    const none = await world.run(['export'], { cwd: dir, env: { AWSDIR_FILE_PASSPHRASE: undefined } });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain('AWSDIR_FILE_PASSPHRASE');
    expect(snapshot()).toEqual(before);
    await emu.clearCalls();
    const again = await world.exportIn(dir);
    expect(again.exitCode).toBe(0);
    expect(sessionOf(again.stdout)).toEqual(role);
    expect((await emu.calls()).filter((c) => c.service === 'sts')).toEqual([]);
  });
});
