import { closeSync, fchmodSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { sectionHeader } from '../config/awsSharedFiles';
import { awsCredentialsFile } from '../config/paths';
import { writeFileAtomic } from '../core/writeFileAtomic';
import { shellQuote } from '../credentials/credentialProcessProfile';

const KEY_LINE = /^\s*(aws_access_key_id|aws_secret_access_key|aws_session_token|aws_security_token)\s*=/i;

/**
 * The shared credentials file without the key lines of one profile (and without its header when
 * nothing else is left in it). Other profiles, comments and settings stay as they were.
 */
export function withoutProfileKeys(text: string, profile: string): { text: string; removed: number } {
  const lines = text.split(/(?<=\n)/);
  const out: string[] = [];
  let removed = 0;
  let inTarget = false;
  let header: { index: number } | undefined;
  let kept = 0;
  const closeSection = (): void => {
    if (inTarget && header && kept === 0) out.splice(header.index, 1);
  };
  for (const line of lines) {
    // The reader's own idea of a header, so the section removed is the one the key was read from.
    const h = sectionHeader(line);
    if (h !== undefined) {
      closeSection();
      inTarget = h === profile;
      header = inTarget ? { index: out.length } : undefined;
      kept = 0;
      out.push(line);
      continue;
    }
    if (inTarget && KEY_LINE.test(line)) {
      removed++;
      continue;
    }
    if (inTarget && line.trim() !== '' && !/^\s*[#;]/.test(line)) kept++;
    out.push(line);
  }
  closeSection();
  return { text: out.join(''), removed };
}

function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

const BACKUP_INFIX = '.awsdir-backup-';

/** The backups --remove-from-file left beside the shared credentials file; each holds a key in plain text. */
export function credentialBackups(file: string): string[] {
  const prefix = `${basename(file)}${BACKUP_INFIX}`;
  try {
    return readdirSync(dirname(file))
      .filter((name) => name.startsWith(prefix))
      .sort()
      .map((name) => join(dirname(file), name));
  } catch {
    return [];
  }
}

/** How to delete a backup for good; shred first, since the file held a key. */
export function deleteBackupHint(backup: string): string {
  return `shred -u ${shellQuote(backup)} (or rm ${shellQuote(backup)})`;
}

/**
 * Takes a profile's keys out of the shared credentials file, first copying the whole file to a
 * backup only its owner can read (0600, never overwriting an existing file). Call it only once the
 * key is proven to be in the keychain. A credentials file that is a link (into a dotfiles
 * repository) stays one: its target is rewritten, and `target` names it. The backup goes beside
 * the name awsdir was given, not into the target's directory, which may be under version control.
 */
export function removeProfileKeys(env: Env, profile: string, now: number): { file: string; target: string; backup: string } {
  const file = awsCredentialsFile(env);
  const original = readFileSync(file, 'utf8');
  const { text, removed } = withoutProfileKeys(original, profile);
  if (removed === 0) throw new AwsdirError(`--remove-from-file: [${profile}] of ${file} holds no key lines any more; nothing to remove`);
  const backup = `${file}${BACKUP_INFIX}${stamp(now)}`;
  let fd: number;
  try {
    fd = openSync(backup, 'wx', 0o600);
  } catch (error) {
    throw new AwsdirError(
      `--remove-from-file: cannot create the backup ${backup} (${(error as NodeJS.ErrnoException).code ?? String(error)}); the file was left as it was; try again in a second`,
      { cause: error },
    );
  }
  try {
    // The umask may have taken bits away, never added them; set exactly 0600 anyway.
    fchmodSync(fd, 0o600);
    writeSync(fd, original);
  } finally {
    closeSync(fd);
  }
  const target = writeFileAtomic(file, text, { personal: true });
  return { file, target, backup };
}
