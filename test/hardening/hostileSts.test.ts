/**
 * Hostile strings returned by STS, end to end: the emulator's fault hook makes AssumeRole answer
 * with credential values and an assumed-role ARN that real STS never sends, the built CLI exports
 * them for bash, zsh and fish, and the real shell evaluates the output. Nothing may run, and every
 * value must reach the environment of the shell's children byte for byte, fresh from STS and again
 * from the keychain cache (the hit path, a separate bundle). A NUL cannot be among them: XML 1.0
 * cannot carry one, raw or as &#0;, so no STS answer can hold it (the hook refuses it; the
 * renderer's own NUL refusal is tested in test/integration/shell-quoting.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesHolding } from '../support/secrets';
import { useWorld } from '../support/world';

jest.setTimeout(120_000);

// Each value would create CANARY in the shell's directory if any part of it were run.
const HOSTILE = {
  AccessKeyId: 'ASIA$(touch CANARY)`touch CANARY`\'"\\',
  SecretAccessKey: '$(touch CANARY)`touch CANARY`\'"\\; touch CANARY | touch CANARY & touch CANARY %s %n ${HOME} * ~ {a,b} !!',
  SessionToken: "line one\nline two\r\n'; touch CANARY; echo '\t€ 日本語 🔑🚀 \\' \\\\ $((1+1)) %F{red} \"$(touch CANARY)\"\n",
};
// The account stays right: awsdir refuses a session from another account than the project's.
const HOSTILE_ARN = 'arn:aws:sts::222222222222:assumed-role/admin/$(touch CANARY)`touch CANARY`\'"\\;|&% 日本 🎉\nnext line';

const EXPECTED: Record<string, string> = {
  AWS_ACCESS_KEY_ID: HOSTILE.AccessKeyId,
  AWS_SECRET_ACCESS_KEY: HOSTILE.SecretAccessKey,
  AWS_SESSION_TOKEN: HOSTILE.SessionToken,
  AWSDIR_ROLE_ARN: HOSTILE_ARN,
};

const world = useWorld('hostile', { privateKeychain: true, source: 'hostile' });
let production: string;

const sts = async (): Promise<string[]> => (await world.emu.calls()).filter((c) => c.service === 'sts').map((c) => `${c.action}:${c.code}`);

/** `refresh_window: 1h` makes the next export replace the cached one-hour role session. */
const forceRefresh = (on: boolean): void => world.writeUserFile(on ? 'refresh_window: 1h\n' : '');

/** Evaluates exports in the real shell, then reads its children's environment back through `env -0`. */
function evaluate(shell: 'bash' | 'zsh' | 'fish', exports: string): { env: Record<string, string>; files: string[] } {
  const scratch = mkdtempSync(join(tmpdir(), `awsdir-hostile-${shell}-`));
  const script = `${exports}\nenv -0 > out\n`;
  const args = shell === 'fish' ? ['--no-config', '-c', script] : shell === 'zsh' ? ['-f', '-c', script] : ['--norc', '--noprofile', '-c', script];
  // HOME elsewhere: fish makes its config directories there, and only the canary may appear here.
  const home = mkdtempSync(join(tmpdir(), `awsdir-hostile-${shell}-home-`));
  const run = spawnSync(shell, args, { cwd: scratch, env: { PATH: process.env.PATH ?? '', HOME: home, LC_ALL: 'C.UTF-8' } });
  if (run.status !== 0) throw new Error(`${shell} exited ${run.status}: ${run.stderr.toString()}`);
  const env: Record<string, string> = {};
  for (const entry of readFileSync(join(scratch, 'out')).toString('utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { env, files: readdirSync(scratch) };
}

const pick = (env: Record<string, string | undefined>): Record<string, string | undefined> => Object.fromEntries(Object.keys(EXPECTED).map((k) => [k, env[k]]));

beforeAll(async () => {
  production = world.writeProject(
    'production',
    'role: arn:aws:iam::222222222222:role/admin\naccount: "222222222222"\nregion: ap-northeast-1\nlabel: production\n',
  );
  await world.allow(production);
  const first = await world.exportIn(production, { AWSDIR_MFA_CODE: await world.emu.totp() });
  expect(first.exitCode).toBe(0);
  for (const value of Object.values(HOSTILE)) world.secrets.add(value);
});

afterEach(async () => {
  await world.emu.clearFaults();
  forceRefresh(false);
});

test('the emulator refuses a value no XML answer can carry (NUL), and awsdir is never shown one', async () => {
  const res = await fetch(`${world.emu.url}/__emulator/faults`, {
    method: 'POST',
    body: JSON.stringify({ action: 'AssumeRole', credentials: { SessionToken: 'a\u0000b' } }),
  });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toMatch(/^credentials\.SessionToken holds a character no XML 1\.0 answer can carry \(NUL/);
});

test('an answer with an empty session token is refused with a clear error; the cached session survives', async () => {
  forceRefresh(false);
  const cached = await world.exportIn(production);
  expect(cached.exitCode).toBe(0);
  forceRefresh(true);
  await world.emu.fault({ action: 'AssumeRole', count: 1, credentials: { SessionToken: '' } });
  await world.emu.clearCalls();
  const r = await world.exportIn(production);
  expect({ exit: r.exitCode, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({ exit: 1, stdout: '', lines: 1 });
  expect(r.stderr).toMatch(
    /^awsdir: AssumeRole: \S+ answered without a complete set of credentials \(access key id, secret key, session token, expiration\), so nothing was stored or exported; check that AWS_ENDPOINT_URL_STS/,
  );
  expect(await sts()).toEqual(['AssumeRole:OK']);
  forceRefresh(false);
  await world.emu.clearCalls();
  const after = await world.exportIn(production);
  expect({ exit: after.exitCode, stdout: after.stdout }).toEqual({ exit: 0, stdout: cached.stdout });
  expect(await sts()).toEqual([]);
});

test.each(['bash', 'zsh', 'fish'] as const)(
  '%s: hostile credentials and ARN from STS run nothing and come back byte for byte, fresh and from the cache',
  async (shell) => {
    forceRefresh(true);
    await world.emu.fault({ action: 'AssumeRole', count: 1, credentials: HOSTILE, assumedRoleArn: HOSTILE_ARN });
    await world.emu.clearCalls();
    const fresh = await world.run(['export', '--shell', shell], { cwd: production });
    // The alias is the account's, remembered from the first export: the hostile session is not sent to IAM.
    expect({ exit: fresh.exitCode, stderr: fresh.stderr }).toEqual({
      exit: 0,
      stderr: expect.stringMatching(
        new RegExp(
          `^awsdir: production · admin @ 222222222222 \\(acme-production\\) · ap-northeast-1 · \\d+m left · endpoint ${world.emu.url.replace(/[.]/g, '\\.')}\\n$`,
        ),
      ),
    });
    expect(await sts()).toEqual(['AssumeRole:OK']);
    const shown = evaluate(shell, fresh.stdout);
    expect(shown.files).toEqual(['out']);
    expect(pick(shown.env)).toEqual(EXPECTED);

    // The cache-hit path prints the same bytes, without asking STS.
    forceRefresh(false);
    await world.emu.clearCalls();
    const hit = await world.run(['export', '--shell', shell], { cwd: production });
    expect({ exit: hit.exitCode, stdout: hit.stdout }).toEqual({ exit: 0, stdout: fresh.stdout });
    expect(await sts()).toEqual([]);
    const again = evaluate(shell, hit.stdout);
    expect(again.files).toEqual(['out']);
    expect(pick(again.env)).toEqual(EXPECTED);

    expect(filesHolding([world.home, world.tmp], world.secrets)).toEqual([]);
  },
);

test('json: the same values parse back byte for byte', async () => {
  forceRefresh(true);
  await world.emu.fault({ action: 'AssumeRole', count: 1, credentials: HOSTILE, assumedRoleArn: HOSTILE_ARN });
  const r = await world.run(['export', '--shell', 'json'], { cwd: production });
  expect(r.exitCode).toBe(0);
  expect(pick(JSON.parse(r.stdout) as Record<string, string>)).toEqual(EXPECTED);
});
