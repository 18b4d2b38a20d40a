/**
 * Two hundred exports at once on the built CLI, against the emulator and a private gnome-keyring:
 * one GetSessionToken for the MFA session they share, one AssumeRole per role session, every
 * process gets the same session as its neighbours, and every cache entry is whole afterwards.
 * Processes run in a pool the two-core machine can take; the ones waiting for a lock stay alive
 * meanwhile, so they really do contend.
 */
import type { CliResult } from '../support/cli';
import { keychainEntries } from '../support/privateKeychain';
import { filesHolding, sessionOf } from '../support/secrets';
import { useWorld } from '../support/world';

jest.setTimeout(300_000);

const POOL = 24;

const world = useWorld('concurrency', { privateKeychain: true, source: 'crowd' });

/** Runs the jobs with at most POOL processes alive at a time. */
async function pool<T>(jobs: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: POOL }, worker));
  return results;
}

const sts = async (): Promise<string[]> => (await world.emu.calls()).filter((c) => c.service === 'sts').map((c) => `${c.action}:${c.code}`);

function expectAllGood(results: CliResult[]): void {
  const bad = results.filter((r) => r.exitCode !== 0).map((r) => r.stderr.slice(0, 200));
  expect(bad).toEqual([]);
}

test('200 exports at once for one role: one GetSessionToken, one AssumeRole, the same session for all', async () => {
  const dir = world.writeProject('same', 'role: arn:aws:iam::222222222222:role/admin\naccount: "222222222222"\nregion: eu-central-1\nlabel: same\n');
  await world.allow(dir);
  await world.emu.clearCalls();
  const code = await world.emu.totp();
  const started = Date.now();
  const results = await pool(Array.from({ length: 200 }, () => () => world.exportIn(dir, { AWSDIR_MFA_CODE: code }, 120_000)));
  process.stderr.write(`concurrency: 200 exports of one role in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  expectAllGood(results);
  const calls = await sts();
  expect(calls).toEqual(['GetSessionToken:OK', 'AssumeRole:OK']);
  const keys = new Set(results.map((r) => sessionOf(r.stdout).secretAccessKey));
  expect(keys.size).toBe(1);
  for (const k of keys) world.secrets.add(k);
  // Some of them did wait for the one that fetched, and said so.
  expect(results.filter((r) => r.stderr.includes('waiting for another awsdir')).length).toBeGreaterThan(0);
});

test('200 exports at once across 20 role sessions: one GetSessionToken, one AssumeRole each, nothing corrupted', async () => {
  const roles = ['arn:aws:iam::222222222222:role/admin', 'arn:aws:iam::333333333333:role/admin', 'arn:aws:iam::333333333333:role/readonly'];
  const dirs: string[] = [];
  for (let i = 0; i < 20; i++) {
    // The session name is part of what makes a role session distinct: 20 cache entries.
    const dir = world.writeProject(`many-${i}`, `role: ${roles[i % roles.length]}\nregion: us-west-2\nlabel: many-${i}\n`, 'crowd2');
    dirs.push(dir);
  }
  // A second source: its MFA session is not cached yet, so the crowd must share one fetch again.
  await world.addSource('crowd2');
  for (const dir of dirs) await world.allow(dir);
  await world.emu.clearCalls();
  const code = await world.emu.totp();
  const jobs = Array.from({ length: 200 }, (_, i) => ({ dir: dirs[i % dirs.length] as string }));
  const started = Date.now();
  const results = await pool(jobs.map((j) => () => world.exportIn(j.dir, { AWSDIR_MFA_CODE: code }, 120_000)));
  process.stderr.write(`concurrency: 200 exports of 20 role sessions in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  expectAllGood(results);
  const calls = await sts();
  expect(calls.filter((c) => c.startsWith('GetSessionToken'))).toEqual(['GetSessionToken:OK']);
  expect(calls.filter((c) => c.startsWith('AssumeRole'))).toEqual(Array.from({ length: 20 }, () => 'AssumeRole:OK'));
  const byDir = new Map<string, Set<string>>();
  results.forEach((r, i) => {
    const dir = jobs[i]?.dir as string;
    const set = byDir.get(dir) ?? new Set<string>();
    set.add(sessionOf(r.stdout).secretAccessKey);
    byDir.set(dir, set);
  });
  for (const [dir, set] of byDir) expect({ dir, sessions: set.size }).toEqual({ dir, sessions: 1 });

  // Every entry whole; a new process for each directory reads exactly what the crowd was given.
  for (const [name, value] of keychainEntries(world.env)) {
    const v = JSON.parse(value) as { v?: number; secretAccessKey?: string; sessionToken?: string };
    if (name.startsWith('role/') || name.startsWith('mfa-session/')) expect({ name, v: v.v }).toEqual({ name, v: 1 });
    if (v.secretAccessKey) world.secrets.add(v.secretAccessKey);
    if (v.sessionToken) world.secrets.add(v.sessionToken);
  }
  await world.emu.clearCalls();
  for (const dir of dirs.slice(0, 5)) {
    const r = await world.exportIn(dir);
    expect(r.exitCode).toBe(0);
    expect(byDir.get(dir)?.has(sessionOf(r.stdout).secretAccessKey)).toBe(true);
  }
  expect(await sts()).toEqual([]);
  expect(filesHolding([world.home, world.tmp], world.secrets)).toEqual([]);
});
