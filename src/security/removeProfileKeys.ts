import { chmodSync, closeSync, fchmodSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { awsCredentialsFile } from '../config/paths';
import { writeFileAtomic } from '../config/writeFileAtomic';

const KEY_LINE = /^\s*(aws_access_key_id|aws_secret_access_key|aws_session_token|aws_security_token)\s*=/i;
const HEADER = /^\s*\[([^\]]*)\]\s*$/;

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
    const h = HEADER.exec(line);
    if (h) {
      closeSection();
      inTarget = (h[1] ?? '').trim() === profile;
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
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * Takes a profile's keys out of the shared credentials file, first copying the whole file to a
 * backup only its owner can read (0600, never overwriting an existing file). Call it only once the
 * key is proven to be in the keychain.
 */
export function removeProfileKeys(env: Env, profile: string, now: number): { file: string; backup: string } {
  const file = awsCredentialsFile(env);
  const original = readFileSync(file, 'utf8');
  const { text, removed } = withoutProfileKeys(original, profile);
  if (removed === 0) throw new AwsdirError(`--remove-from-file: [${profile}] of ${file} holds no key lines any more; nothing to remove`);
  const backup = `${file}.awsdir-backup-${stamp(now)}`;
  let fd: number;
  try {
    fd = openSync(backup, 'wx', 0o600);
  } catch (error) {
    throw new AwsdirError(`--remove-from-file: cannot create the backup ${backup} (${(error as NodeJS.ErrnoException).code ?? String(error)}); the file was left as it was; try again in a second`, { cause: error });
  }
  try {
    // The umask may have taken bits away, never added them; set exactly 0600 anyway.
    fchmodSync(fd, 0o600);
    writeSync(fd, original);
  } finally {
    closeSync(fd);
  }
  const mode = statSync(file).mode & 0o777;
  writeFileAtomic(file, text, mode & 0o600);
  chmodSync(file, mode & 0o666);
  return { file, backup };
}
