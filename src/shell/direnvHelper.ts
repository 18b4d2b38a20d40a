import { readFileSync } from 'node:fs';
import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { loadBundledText } from '../core/bundledText';
import { writeFileAtomic } from '../core/writeFileAtomic';
import { direnvLibFile } from '../config/paths';

/** The direnv helper, which defines `use aws`. */
export function direnvHelper(): Promise<string> {
  return loadBundledText('direnv/awsdir.sh');
}

/**
 * Puts the helper in direnv's lib directory, where direnv loads it by itself; `written` is false
 * when the file there is this very helper already.
 */
export async function installDirenvHelper(env: Env): Promise<{ target: string; written: boolean }> {
  const helper = await direnvHelper();
  const target = direnvLibFile(env);
  if (readOrNull(target) === helper) return { target, written: false };
  writeAtomically(target, helper);
  return { target, written: true };
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Atomically, so direnv never sources a half-written helper; through a link, since direnv's lib
 * directory is often kept in a dotfiles repository.
 */
function writeAtomically(target: string, text: string): void {
  try {
    writeFileAtomic(target, text, { mode: 0o644, personal: true });
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String((error as NodeJS.ErrnoException).code) : String(error);
    throw new AwsdirError(
      `${target} could not be written (${reason}); check that the directory is writable, or print the helper with \`awsdir hook direnv\` and save it there yourself`,
      { cause: error },
    );
  }
}
