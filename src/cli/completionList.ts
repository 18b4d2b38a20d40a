import type { Context } from '../core/context';
import { loadUserConfig } from '../config/loadUserConfig';
import type { UserConfig } from '../config/types';
import { ExitCode } from './exitCodes';

/**
 * `awsdir completion --list sources`, which the completion scripts run on Tab: served like the
 * cache-hit export, without the argument parser or any command, from the user file's cached parse.
 * It reads no keychain entry and calls nothing. When the cache cannot answer (the file changed
 * since awsdir last read it) the full CLI answers, and caches the file for the next Tab.
 */
export async function completionList(argv: readonly string[], ctx: Context): Promise<number | undefined> {
  if (argv.length !== 3 || argv[0] !== 'completion' || argv[1] !== '--list' || argv[2] !== 'sources') return undefined;
  let text: string;
  try {
    text = sourceList(await loadUserConfig(ctx.env));
  } catch {
    return undefined;
  }
  ctx.io.stdout(text);
  return ExitCode.ok;
}

/** Plain words only: bash expands the words it completes, so `$(...)` must never reach it. */
const PLAIN = /^[\w.-]+$/;

/** The user file's source names, one a line (its schema admits no other names; this makes sure). */
export function sourceList(config: UserConfig): string {
  return Object.keys(config.sources)
    .filter((name) => PLAIN.test(name))
    .map((name) => `${name}\n`)
    .join('');
}
