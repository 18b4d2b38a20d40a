import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { ROOT } from '../support/cli';
import { lockPath, processStartTime, withLock } from '../../src/credentials/lock';

// A real node process that takes the lock around a critical section and records when it entered
// and left, so overlaps between processes can be seen. A hold of 'stdin' lasts until its stdin ends.
const WORKER = `
import { appendFileSync } from 'node:fs';
import { withLock } from ${JSON.stringify(join(ROOT, 'src/credentials/lock.ts'))};
const [dir, log, holdMs] = process.argv.slice(2);
withLock('mfa-session-test', async () => {
  appendFileSync(log, JSON.stringify({ pid: process.pid, at: Date.now(), what: 'enter' }) + '\\n');
  if (process.env.SIGNAL_READY) process.stdout.write('held\\n');
  await new Promise((r) => (holdMs === 'stdin' ? process.stdin.on('end', r).resume() : setTimeout(r, Number(holdMs))));
  appendFileSync(log, JSON.stringify({ pid: process.pid, at: Date.now(), what: 'exit' }) + '\\n');
}, { dir, onWait: (o) => process.stderr.write('waiting for pid ' + o.pid + '\\n') }).then(() => process.exit(0), (e) => { process.stderr.write(String(e)); process.exit(1); });
`;

let work: string;
let worker: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'awsdir-lock-'));
  worker = join(work, 'worker.cjs');
  buildSync({ stdin: { contents: WORKER, resolveDir: ROOT, loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', outfile: worker, logLevel: 'error' });
});

function run(dir: string, log: string, holdMs: number | 'stdin', env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [worker, dir, log, String(holdMs)], {
    env: { ...process.env, ...env },
    stdio: [holdMs === 'stdin' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const waiting = new Promise<void>((resolve) =>
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('waiting for pid')) resolve();
    }),
  );
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { child, waiting, done };
}

function events(log: string): Array<{ pid: number; at: number; what: string }> {
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

test('ten processes never hold the lock at the same time, and none is left behind', async () => {
  const dir = join(work, 'ten');
  const log = join(work, 'ten.log');
  // The first holds the lock until all the others have found it held and said so, so they contend
  // however fast or slow they start; then they fight over it among themselves.
  const first = run(dir, log, 'stdin', { SIGNAL_READY: '1' });
  await new Promise<void>((resolve) => first.child.stdout!.once('data', () => resolve()));
  const rest = Array.from({ length: 9 }, () => run(dir, log, 60));
  await Promise.all(rest.map((r) => r.waiting));
  first.child.stdin!.end();
  const results = await Promise.all([first, ...rest].map((r) => r.done));
  expect(results.map((r) => r.code)).toEqual(Array(10).fill(0));
  const seen = events(log);
  expect(seen).toHaveLength(20);
  // In the order written, every enter is followed by the exit of the same process.
  for (let i = 0; i < seen.length; i += 2) {
    expect(seen[i]!.what).toBe('enter');
    expect(seen[i + 1]).toMatchObject({ what: 'exit', pid: seen[i]!.pid });
  }
  expect(seen[0]!.pid).toBe(first.child.pid);
  expect(readdirSync(dir)).toEqual([]);
  // Each of the others waited, and said for whom it waited first.
  for (const r of results.slice(1)) expect(r.stderr).toContain(`waiting for pid ${first.child.pid}`);
}, 60000);

test('a lock naming a dead process is taken over at once', async () => {
  const dir = join(work, 'dead');
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.on('close', r));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(lockPath(dir, 'x'), JSON.stringify({ v: 1, pid: dead.pid, start: '1' }));
  let waited = false;
  const result = await withLock('x', async () => 'ran', { dir, onWait: () => (waited = true) });
  expect(result).toBe('ran');
  // Waiting is announced before the first pause: none was announced, so none was taken.
  expect(waited).toBe(false);
  expect(existsSync(lockPath(dir, 'x'))).toBe(false);
});

test('a live pid with another start time (pid reuse) is stale; the same start time is not', async () => {
  const dir = join(work, 'reuse');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  // pid 1 is alive, but did not start at tick 1.
  writeFileSync(lockPath(dir, 'r'), JSON.stringify({ v: 1, pid: 1, start: '1' }));
  await expect(withLock('r', async () => 'ok', { dir })).resolves.toBe('ok');

  writeFileSync(lockPath(dir, 'r'), JSON.stringify({ v: 1, pid: 1, start: processStartTime(1) }));
  const controller = new AbortController();
  let owner = 0;
  setTimeout(() => controller.abort(), 400);
  await expect(withLock('r', async () => 'stolen', { dir, signal: controller.signal, onWait: (o) => (owner = o.pid) })).rejects.toMatchObject({
    kind: 'cancelled',
  });
  expect(owner).toBe(1);
  // The wait gave up; the owner's lock is untouched.
  expect(JSON.parse(readFileSync(lockPath(dir, 'r'), 'utf8')).pid).toBe(1);
});

test('a lock held by a live process blocks until it is released, however long that takes', async () => {
  const dir = join(work, 'live');
  const log = join(work, 'live.log');
  const holder = run(dir, log, 1500, { SIGNAL_READY: '1' });
  await new Promise<void>((resolve) => holder.child.stdout!.on('data', () => resolve()));
  const waitedFor: number[] = [];
  await withLock(
    'mfa-session-test',
    async () => {
      // The holder has left its critical section before we enter ours: an order, whatever the speed.
      expect(events(log).map((e) => e.what)).toEqual(['enter', 'exit']);
    },
    { dir, onWait: (o) => waitedFor.push(o.pid) },
  );
  expect(waitedFor).toEqual([holder.child.pid]);
  expect((await holder.done).code).toBe(0);
});

test('a lock left by a SIGKILLed process is taken over', async () => {
  const dir = join(work, 'killed');
  const log = join(work, 'killed.log');
  const holder = run(dir, log, 60000, { SIGNAL_READY: '1' });
  await new Promise<void>((resolve) => holder.child.stdout!.on('data', () => resolve()));
  holder.child.kill('SIGKILL');
  await holder.done;
  const result = await withLock('mfa-session-test', async () => 'mine', { dir });
  expect(result).toBe('mine');
});

test('the lock is released when the critical section throws', async () => {
  const dir = join(work, 'throws');
  await expect(
    withLock(
      't',
      async () => {
        throw new Error('boom');
      },
      { dir },
    ),
  ).rejects.toThrow('boom');
  expect(existsSync(lockPath(dir, 't'))).toBe(false);
  await expect(withLock('t', async () => 'again', { dir })).resolves.toBe('again');
});
