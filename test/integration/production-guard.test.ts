/**
 * The production guard beyond `export`: `exec` and `console` hand out a `confirm: true`
 * directory's role too, so they ask the same question (here: refuse without a terminal, naming
 * AWSDIR_YES and their own --yes); `credential-process` never asks. The built CLI runs under
 * setsid, so it has no controlling terminal whatever the test runner has.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, makeHome, runCli, runProcess, type CliResult } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

jest.setTimeout(60_000);

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';
const REFUSED = /^awsdir: production \(admin @ 222222222222\) asks before entering, and there is no terminal to ask on; to enter without asking, set AWSDIR_YES=1 /;

let emu: TestEmulator;
let env: Record<string, string>;
let production: string;
let source: string;

/** The built CLI in a new session: /dev/tty cannot be opened, as under cron, CI or an IDE task. */
const noTerminal = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
  runProcess('setsid', ['-w', process.execPath, CLI, ...args], { env: { ...env, ...extra }, cwd: production });

beforeAll(async () => {
  emu = await startTestEmulator();
  const made = makeHome('awsdir-guard-');
  env = { ...made.env, ...emu.env, USER: 'alice' };
  source = `guard${process.pid}`;
  mkdirSync(join(made.home, '.config', 'awsdir'), { recursive: true });
  writeFileSync(join(made.home, '.config', 'awsdir', 'config.yaml'), 'version: 1\nkeyring: os\n');
  const keys = emu.keys('alice');
  const added = await runCli(['add', source, '--from-env'], { env: { ...env, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey } });
  expect(added.exitCode).toBe(0);
  production = join(made.home, 'production');
  mkdirSync(production);
  writeFileSync(join(production, '.awsdir.yaml'), `version: 1\nsource: ${source}\nrole: arn:aws:iam::222222222222:role/admin\nregion: ap-northeast-1\nlabel: production\nconfirm: true\n`);
  const allowed = await runCli(['allow', production], { env, cwd: production });
  expect(allowed.exitCode).toBe(0);
});

afterAll(async () => {
  await runCli(['remove', source], { env });
  await emu?.close();
});

describe('exec in a confirm: true directory', () => {
  test('no terminal: refused with the question unasked, naming AWSDIR_YES and `awsdir exec --yes`; the command never runs and AWS is not called', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'awsdir-guard-exec-'));
    await emu.clearCalls();
    const r = await noTerminal(['exec', '--', 'touch', join(scratch, 'ran')], { AWSDIR_MFA_CODE: await emu.totp(SERIAL) });
    expect({ exit: r.exitCode, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({ exit: 1, stdout: '', lines: 1 });
    expect(r.stderr).toMatch(REFUSED);
    expect(r.stderr).toContain('`AWSDIR_YES=1 awsdir exec -- CMD`');
    expect(r.stderr).toContain('`awsdir exec --yes`');
    expect(existsSync(join(scratch, 'ran'))).toBe(false);
    expect(await emu.calls()).toEqual([]);
  });

  test('AWSDIR_YES=1 enters without asking: the command runs as the role; --yes does the same', async () => {
    const r = await noTerminal(['exec', '--', 'sh', '-c', 'printf "%s %s" "$AWSDIR_ROLE_ARN" "$AWSDIR_CONFIRM"'], { AWSDIR_YES: '1', AWSDIR_MFA_CODE: await emu.totp(SERIAL) });
    expect({ exit: r.exitCode, stderr: r.stderr }).toEqual({ exit: 0, stderr: '' });
    expect(r.stdout).toBe('arn:aws:sts::222222222222:assumed-role/admin/alice-production 1');
    const yes = await noTerminal(['exec', '--yes', '--', 'sh', '-c', 'printf %s "$AWSDIR_ROLE_ARN"']);
    expect({ exit: yes.exitCode, stderr: yes.stderr, stdout: yes.stdout }).toEqual({ exit: 0, stderr: '', stdout: 'arn:aws:sts::222222222222:assumed-role/admin/alice-production' });
  });
});

describe('console in a confirm: true directory', () => {
  test('no terminal: refused naming AWSDIR_YES and `awsdir console --yes`; no URL, no AWS call', async () => {
    await emu.clearCalls();
    const r = await noTerminal(['console', '--print']);
    expect({ exit: r.exitCode, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({ exit: 1, stdout: '', lines: 1 });
    expect(r.stderr).toMatch(REFUSED);
    expect(r.stderr).toContain('`awsdir console --yes`');
    expect(await emu.calls()).toEqual([]);
  });

  test.each([
    ['AWSDIR_YES=1', [], { AWSDIR_YES: '1' }],
    ['--yes', ['--yes'], {}],
  ])('%s: the sign-in URL is printed', async (_, flags, extra) => {
    const r = await noTerminal(['console', '--print', ...flags], { ...extra, AWSDIR_MFA_CODE: await emu.totp(SERIAL) });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/federation\?Action=login&.*SigninToken=/);
  });
});

test('credential-process in a confirm: true directory never asks: the AWS CLI hides its stderr and runs it on every call', async () => {
  const r = await noTerminal(['credential-process'], { AWSDIR_MFA_CODE: await emu.totp(SERIAL) });
  expect({ exit: r.exitCode, stderr: r.stderr }).toEqual({ exit: 0, stderr: '' });
  expect(JSON.parse(r.stdout)).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) });
});
