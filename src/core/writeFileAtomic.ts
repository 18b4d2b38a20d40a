import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readlinkSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface WriteFileAtomicOptions {
  /** The mode of a file that does not exist yet, less the umask. Default 0600. */
  mode?: number;
  /**
   * For files that belong to the person rather than to awsdir (~/.aws/credentials, the user file,
   * .envrc, the direnv helper): a symbolic link is followed and its target replaced, and an
   * existing file keeps its mode. Dotfiles managers (stow, chezmoi, yadm) make such files links
   * into a repository; replacing the link would leave the old content, secrets included, there.
   */
  personal?: boolean;
}

/** Prefix of the temp files, with the writer's process id so a sweeper can tell a dead writer's litter. */
export const TEMP_PREFIX = '.tmp-';

/**
 * Replaces `file` with `text` atomically: a temp file in the same directory, synced, then renamed
 * over the file, and the directory synced, so readers see the old content or the new, never half,
 * and a failed write leaves the old file and no temp. Returns the path actually written (a
 * personal file's link target).
 */
export function writeFileAtomic(file: string, text: string | Uint8Array, options: WriteFileAtomicOptions = {}): string {
  const target = options.personal ? linkTarget(file) : file;
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keptMode = options.personal ? existingMode(target) : undefined;
  const temp = join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}-${basename(target)}`);
  let fd: number | undefined;
  try {
    // Born owner-only when it will take an existing file's mode: never looser than the file while it fills.
    fd = openSync(temp, 'wx', keptMode === undefined ? (options.mode ?? 0o600) : 0o600);
    if (keptMode !== undefined) fchmodSync(fd, keptMode);
    writeSync(fd, typeof text === 'string' ? Buffer.from(text) : text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw error;
  }
  syncDir(dir);
  return target;
}

/**
 * The file a chain of symbolic links ends at (which may not exist yet), with the directories on
 * the way left as they are: a rename in a linked directory lands in the directory it links to.
 */
export function linkTarget(file: string): string {
  let path = resolve(file);
  for (let hops = 0; ; hops++) {
    let isLink: boolean;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return path;
      throw error;
    }
    if (!isLink) return path;
    if (hops >= 40) throw Object.assign(new Error(`${file}: too many levels of symbolic links`), { code: 'ELOOP' });
    path = resolve(dirname(path), readlinkSync(path));
  }
}

function existingMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** Makes a rename in `dir` durable where the filesystem allows it (the file keyring's link too). */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not every filesystem lets a directory be synced; the rename is atomic all the same.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
