import { resolve } from 'node:path';
import type { Context } from '../core/context';
import { ExitCode } from './exitCodes';
import { exportText, refreshAsked } from './commands/export';
import { enterDirectory } from '../credentials/enterDirectory';
import { shellNames, type ShellName } from '../shell/render';

/**
 * The cache-hit path of `awsdir export`, which every `cd` into an awsdir directory pays: served
 * without the argument parser, the other commands, YAML, zod or the AWS SDK, through the same
 * functions the full command uses (enterDirectory, with a fetcher that answers NotOnHitPath, and
 * exportText). It serves only what is already known: the resolved-config cache, an approved project,
 * a fresh cached role session. On anything else (another command or flag, a miss, any error) it
 * returns undefined having written nothing, and the full CLI runs the command from the start, with
 * its prompts and its messages.
 */
export async function exportCacheHit(argv: readonly string[], ctx: Context): Promise<number | undefined> {
  const flags = parseFlags(argv);
  // A refresh is a miss by definition (--refresh, like any flag not listed, fails parseFlags).
  if (!flags || refreshAsked(ctx.env)) return undefined;
  // Messages wait until the hit is certain: a fall-through must not print anything twice.
  const held: string[] = [];
  // Getters, not a spread: a spread asks every descriptor whether it is a terminal, and asking about
  // a character device (a terminal, /dev/null) loads node:tty: milliseconds of a cd that needs no answer.
  const io = ctx.io;
  const quiet: Context = {
    ...ctx,
    io: {
      stdout: (text) => io.stdout(text),
      stderr: (text) => void held.push(text),
      get stdinIsTTY() {
        return io.stdinIsTTY;
      },
      get stderrIsTTY() {
        return io.stderrIsTTY;
      },
      get stdoutColumns() {
        return io.stdoutColumns;
      },
    },
  };
  let text: string;
  try {
    const identity = await enterDirectory(quiet, { dir: resolve(ctx.cwd, flags.dir ?? '.'), command: 'export', yes: flags.yes }, { onHitPath: true });
    text = exportText({ shell: flags.shell, direnv: flags.direnv }, identity, () => ctx.now());
  } catch {
    return undefined;
  }
  for (const line of held) ctx.io.stderr(line);
  ctx.io.stdout(text);
  return ExitCode.ok;
}

interface HitFlags {
  shell: ShellName;
  dir?: string;
  direnv: boolean;
  yes: boolean;
}

/** `export` with flags of its own only; anything else (help, a typo, another command) is the full CLI's. */
export function parseFlags(argv: readonly string[]): HitFlags | undefined {
  if (argv[0] !== 'export') return undefined;
  const flags: HitFlags = { shell: 'bash', direnv: false, yes: false };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--direnv' || arg === '--yes') {
      flags[arg === '--direnv' ? 'direnv' : 'yes'] = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (name !== '--shell' && name !== '--dir' && name !== '--mfa-code') return undefined;
    const value = name === arg ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') return undefined;
    if (name === '--shell') {
      if (!(shellNames as readonly string[]).includes(value)) return undefined;
      flags.shell = value as ShellName;
    } else if (name === '--dir') flags.dir = value;
    // --mfa-code: a hit needs no code, as in the full command.
  }
  return flags;
}
