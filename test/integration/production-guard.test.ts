/**
 * The production guard beyond `export`: `exec` and `console` hand out a `confirm: true`
 * directory's role too, so they ask the same question (here: refuse without a terminal, naming
 * AWSDIR_YES and their own --yes); `credential-process` never asks. The built CLI runs under
 * setsid, so it has no controlling terminal whatever the test runner has.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess, type CliResult } from '../support/cli';
import { PRODUCTION_PROJECT } from '../support/fixture';
import { useWorld } from '../support/world';

jest.setTimeout(60_000);

const REFUSED =
  /^awsdir: production \(admin @ 222222222222\) asks before entering, and there is no terminal to ask on; to enter without asking, set AWSDIR_YES=1 /;

const w = useWorld('guard', { projects: { production: `${PRODUCTION_PROJECT}confirm: true\n` } });

/** The built CLI in a new session: /dev/tty cannot be opened, as under cron, CI or an IDE task. */
const noTerminal = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
  runProcess('setsid', ['-w', process.execPath, w.cli, ...args], { env: { ...w.env, ...extra }, cwd: w.dirs.production });

describe('exec in a confirm: true directory', () => {
  test('no terminal: refused with the question unasked, naming AWSDIR_YES and `awsdir exec --yes`; the command never runs and AWS is not called', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'awsdir-guard-exec-'));
    await w.emu.clearCalls();
    const r = await noTerminal(['exec', '--', 'touch', join(scratch, 'ran')], { AWSDIR_MFA_CODE: await w.emu.totp() });
    expect({ exit: r.exitCode, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({ exit: 1, stdout: '', lines: 1 });
    expect(r.stderr).toMatch(REFUSED);
    expect(r.stderr).toContain('`AWSDIR_YES=1 awsdir exec -- CMD`');
    expect(r.stderr).toContain('`awsdir exec --yes`');
    expect(existsSync(join(scratch, 'ran'))).toBe(false);
    expect(await w.emu.calls()).toEqual([]);
  });

  test('AWSDIR_YES=1 enters without asking: the command runs as the role; --yes does the same', async () => {
    const r = await noTerminal(['exec', '--', 'sh', '-c', 'printf "%s %s" "$AWSDIR_ROLE_ARN" "$AWSDIR_CONFIRM"'], {
      AWSDIR_YES: '1',
      AWSDIR_MFA_CODE: await w.emu.totp(),
    });
    expect({ exit: r.exitCode, stderr: r.stderr }).toEqual({ exit: 0, stderr: '' });
    expect(r.stdout).toBe('arn:aws:sts::222222222222:assumed-role/admin/alice-production 1');
    const yes = await noTerminal(['exec', '--yes', '--', 'sh', '-c', 'printf %s "$AWSDIR_ROLE_ARN"']);
    expect({ exit: yes.exitCode, stderr: yes.stderr, stdout: yes.stdout }).toEqual({
      exit: 0,
      stderr: '',
      stdout: 'arn:aws:sts::222222222222:assumed-role/admin/alice-production',
    });
  });
});

describe('console in a confirm: true directory', () => {
  test('no terminal: refused naming AWSDIR_YES and `awsdir console --yes`; no URL, no AWS call', async () => {
    await w.emu.clearCalls();
    const r = await noTerminal(['console', '--print']);
    expect({ exit: r.exitCode, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({ exit: 1, stdout: '', lines: 1 });
    expect(r.stderr).toMatch(REFUSED);
    expect(r.stderr).toContain('`awsdir console --yes`');
    expect(await w.emu.calls()).toEqual([]);
  });

  test.each([
    ['AWSDIR_YES=1', [], { AWSDIR_YES: '1' }],
    ['--yes', ['--yes'], {}],
  ])('%s: the sign-in URL is printed', async (_, flags, extra) => {
    const r = await noTerminal(['console', '--print', ...flags], { ...extra, AWSDIR_MFA_CODE: await w.emu.totp() });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/federation\?Action=login&.*SigninToken=/);
  });
});

test('credential-process in a confirm: true directory never asks: the AWS CLI hides its stderr and runs it on every call', async () => {
  const r = await noTerminal(['credential-process'], { AWSDIR_MFA_CODE: await w.emu.totp() });
  expect({ exit: r.exitCode, stderr: r.stderr }).toEqual({ exit: 0, stderr: '' });
  expect(JSON.parse(r.stdout)).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) });
});
