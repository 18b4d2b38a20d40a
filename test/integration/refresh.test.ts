/**
 * A role session that AWS ended before its time (revoked, or a clock corrected since) is still
 * fresh in awsdir's cache, which hands it back until it ends. whoami says how to get a new one, and
 * `export --refresh` (AWSDIR_REFRESH=1, also through direnv's `use aws`) gets it without a code
 * while the MFA session lasts. The built CLI, the real keychain, the real direnv, the emulator.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quotePosix } from '../../src/shell/render';
import { CLI, runCli, runProcess, type CliResult } from '../support/cli';
import { addProject, closeWorld, makeWorld, PRODUCTION_PROJECT, type World } from '../helpers/world';

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';

let w: World;
let dir: string;
beforeAll(async () => {
  w = await makeWorld('refresh');
  dir = await addProject(w, 'production', PRODUCTION_PROJECT);
}, 60_000);
afterAll(() => closeWorld(w));

const exportIn = (extra: Record<string, string> = {}, args: string[] = []): Promise<CliResult> =>
  runCli(['export', '--shell', 'json', ...args], { env: { ...w.env, ...extra }, cwd: dir });
const exported = (r: CliResult): Record<string, string> => JSON.parse(r.stdout) as Record<string, string>;
const calls = async (): Promise<string[]> => (await w.emu.calls()).map((c) => `${c.action}:${c.code}`);

test('a session AWS ended early: whoami says how to get a new one, and --refresh or AWSDIR_REFRESH=1 gets it without a code', async () => {
  const first = await exportIn({ AWSDIR_MFA_CODE: await w.emu.totp(SERIAL) });
  expect(first.exitCode).toBe(0);
  const dead = exported(first);

  // AWS's clock is two hours on: the one-hour role session is over there, the 12-hour MFA session is not.
  await w.emu.advanceClock(2 * 3600);
  const who = await runCli(['whoami'], { env: { ...w.env, ...dead } });
  expect(who.exitCode).toBe(1);
  expect(who.stderr).toContain('AWS ended them before their time (revoked, or a clock corrected since)');
  expect(who.stderr).toMatch(/run `awsdir clear`, then `direnv reload` \(or `eval "\$\(awsdir export --refresh\)"`\)/);

  // The cache still serves it: from this machine's clock it has most of an hour left.
  await w.emu.clearCalls();
  const hit = await exportIn();
  expect(exported(hit).AWS_ACCESS_KEY_ID).toBe(dead.AWS_ACCESS_KEY_ID);
  expect(await calls()).toEqual([]);

  // --refresh: a new role session from the MFA session, no code.
  const refreshed = await exportIn({}, ['--refresh']);
  expect(refreshed.exitCode).toBe(0);
  expect(exported(refreshed).AWS_ACCESS_KEY_ID).not.toBe(dead.AWS_ACCESS_KEY_ID);
  expect((await calls()).filter((c) => c.startsWith('GetSessionToken') || c.startsWith('AssumeRole'))).toEqual(['AssumeRole:OK']);
  const works = await runCli(['whoami', '--json'], { env: { ...w.env, ...exported(refreshed) } });
  expect(works.exitCode).toBe(0);

  // AWSDIR_REFRESH=1 is not served from the cache either: the cache-hit path hands it to the full CLI.
  await w.emu.clearCalls();
  const again = await exportIn({ AWSDIR_REFRESH: '1' });
  expect(again.exitCode).toBe(0);
  expect(exported(again).AWS_ACCESS_KEY_ID).not.toBe(exported(refreshed).AWS_ACCESS_KEY_ID);
  expect((await calls()).filter((c) => c.startsWith('AssumeRole'))).toEqual(['AssumeRole:OK']);
});

test('under direnv, `use aws` passes AWSDIR_REFRESH=1 on: `direnv exec` gets a new session', async () => {
  const bin = join(w.home, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'awsdir'), `#!/bin/sh\nexec ${quotePosix(process.execPath)} ${quotePosix(CLI)} "$@"\n`);
  chmodSync(join(bin, 'awsdir'), 0o755);
  const env = { ...w.env, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  expect((await runCli(['hook', 'direnv', '--install'], { env })).exitCode).toBe(0);
  writeFileSync(join(dir, '.envrc'), 'use aws\n');
  expect((await runProcess('direnv', ['allow', dir], { env })).exitCode).toBe(0);
  const keyIn = async (extra: Record<string, string> = {}): Promise<string> => {
    const r = await runProcess('direnv', ['exec', dir, 'sh', '-c', 'printf %s "$AWS_ACCESS_KEY_ID"'], { env: { ...env, ...extra }, cwd: dir });
    expect(r.exitCode).toBe(0);
    return r.stdout;
  };
  const cached = await keyIn();
  expect(cached).toMatch(/^ASIA/);
  expect(await keyIn()).toBe(cached);
  const fresh = await keyIn({ AWSDIR_REFRESH: '1' });
  expect(fresh).toMatch(/^ASIA/);
  expect(fresh).not.toBe(cached);
});
