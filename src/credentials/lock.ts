import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { abortableSleep } from '../core/abortableSleep';
import { CancelledError } from '../core/errors';
import { readProcStat } from '../core/procStat';
import { childEnvironment } from '../core/childEnvironment';

/** Who holds a lock: enough to tell a live owner from a dead one or from a reused pid. */
export interface LockOwner {
  pid: number;
  /** The owner's process start time as the OS reports it; '' when it could not be read. */
  start: string;
}

export interface LockOptions {
  /** Where lock files live (lockDir(env)). Created 0700 when missing. */
  dir: string;
  /** Aborting stops the wait with a CancelledError (Ctrl-C while another awsdir asks for a code). */
  signal?: AbortSignal;
  /** Called once, when the lock is found held, so the caller can tell the person what it waits for. */
  onWait?: (owner: LockOwner) => void;
  /** This process; tests hand in a pid of their own choosing. */
  pid?: number;
  platform?: NodeJS.Platform;
}

/**
 * Runs `fn` while holding the lock `name`, so that concurrent awsdir processes needing the same
 * MFA session produce one prompt: the others wait here and then, inside `fn`, read the cache the
 * first one filled. The lock is stale only when its owner process is gone (or its pid now belongs
 * to another process), never because it is old: an MFA prompt may take minutes and must not be
 * stolen. Always released, also when `fn` throws.
 */
export async function withLock<T>(name: string, fn: () => Promise<T>, options: LockOptions): Promise<T> {
  const path = lockPath(options.dir, name);
  const held = await acquire(path, options);
  try {
    return await fn();
  } finally {
    release(path, held);
  }
}

export function lockPath(dir: string, name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
  return join(dir, `${safe}.lock`);
}

/** The inode of the lock file this process created: release removes that file and no other. */
interface Held {
  ino: number;
}

async function acquire(path: string, options: LockOptions): Promise<Held> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const pid = options.pid ?? process.pid;
  const platform = options.platform ?? process.platform;
  const me: LockOwner = { pid, start: processStartTime(pid, platform) };
  let delay = 20;
  let announced = false;
  for (;;) {
    if (options.signal?.aborted) throw new CancelledError('cancelled while waiting for another awsdir to finish');
    const held = tryCreate(path, me);
    if (held) return held;

    const found = readOwner(path);
    if (found === 'gone') continue; // released between our attempt and our read: try again at once
    if (found.owner && !isAlive(found.owner, platform)) {
      removeStale(path, found.ino);
      continue;
    }
    if (!announced && found.owner) {
      announced = true;
      options.onWait?.(found.owner);
    }
    await abortableSleep(delay, options.signal, 'cancelled while waiting for another awsdir to finish');
    delay = Math.min(Math.round(delay * 1.5), 250);
  }
}

/**
 * The lock file appears with its content already in it: written to a private temp file, then
 * hard-linked to the lock name, which like O_EXCL fails when the name exists. A plain O_EXCL create
 * would leave a window where the lock exists but is empty, and an owner killed in that window
 * would leave a lock nobody could judge.
 */
function tryCreate(path: string, me: LockOwner): Held | null {
  const temp = `${path}.${me.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify({ v: 1, pid: me.pid, start: me.start }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return { ino: statSync(temp).ino };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function readOwner(path: string): 'gone' | { owner: LockOwner | null; ino: number } {
  try {
    const ino = statSync(path).ino;
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return { owner: null, ino };
    return { owner: { pid: parsed.pid, start: typeof parsed.start === 'string' ? parsed.start : '' }, ino };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    // Unreadable or not ours: treat as held by someone we cannot judge, and keep waiting.
    return { owner: null, ino: -1 };
  }
}

/**
 * Removes the stale lock whose inode we judged, and only that one: another waiter may already have
 * replaced it with a live lock, which a plain unlink would destroy. The rename moves whatever is
 * there aside atomically; if it was not the stale file, it is put back.
 */
function removeStale(path: string, ino: number): void {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if (statSync(aside).ino !== ino) {
      try {
        linkSync(aside, path);
      } catch {
        // A third process took the free name in the meantime; the lock it holds is a good one.
      }
    }
  } finally {
    unlinkSync(aside);
  }
}

function release(path: string, held: Held): void {
  try {
    if (statSync(path).ino === held.ino) unlinkSync(path);
  } catch {
    // Already gone: nothing to release.
  }
}

export function isAlive(owner: LockOwner, platform: NodeJS.Platform = process.platform): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.start === '') return true;
  const now = processStartTime(owner.pid, platform);
  // A start time we cannot read now is no proof of pid reuse: keep waiting rather than steal.
  return now === '' || now === owner.start;
}

/** Linux: field 22 of /proc/PID/stat (clock ticks since boot); elsewhere what `ps` reports. */
export function processStartTime(pid: number, platform: NodeJS.Platform = process.platform): string {
  try {
    if (platform === 'linux') {
      return readProcStat(pid)?.startTime ?? '';
    }
    // ps needs nothing of the caller's, and without a locale of theirs every awsdir reads the same lstart text.
    const env = childEnvironment({}, { set: { PATH: '/bin:/usr/bin' } });
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}
