import { resolve } from 'node:path';
import type { Context } from '../core/context';
import { ExitCode } from './exitCodes';
import { reportError } from './reportError';
import { exportText, refreshAsked } from './commands/export';
import { credentialProcessJson } from './commands/credentialProcess';
import { enterDirectory } from '../credentials/enterDirectory';
import { shellNames, type ShellName } from '../shell/render';

/**
 * The cache-hit path of `awsdir export`, which every `cd` into an awsdir directory pays, and of
 * `awsdir credential-process`, which the AWS CLI runs for every command (several times when the
 * credentials end within its refresh window): served without the argument parser, the other
 * commands, YAML, zod or the AWS SDK, through the same functions the full commands use
 * (enterDirectory, exportText and credentialProcessJson). It serves what is already known: the
 * resolved-config cache, an approved project, a fresh cached role session. On anything else before
 * the session (another command or flag, a project that is not approved or asks first, any error) it
 * returns undefined having written nothing, and the full CLI runs the command from the start, with
 * its prompts and its messages.
 *
 * A role session that is not cached (or inside its refresh window) is fetched here instead, by the
 * fetcher of the STS chunk (dist/sts.cjs), so that the cold path of a `cd` (an MFA session cached,
 * the role session not) loads neither the full CLI nor the full AWS SDK. From the moment the cache
 * has nothing fresh the command is committed: held messages are written, prompts and waits speak
 * as they happen, and an error is reported here, never run a second time by the full CLI.
 */
export async function exportCacheHit(argv: readonly string[], ctx: Context): Promise<number | undefined> {
  const flags = parseFlags(argv);
  // A refresh is a miss by definition (--refresh, like any flag not listed, fails parseFlags).
  if (!flags || refreshAsked(ctx.env)) return undefined;
  // Messages wait until the hit is certain: a fall-through must not print anything twice.
  const held: string[] = [];
  let committed = false;
  const commit = (): void => {
    committed = true;
    for (const line of held.splice(0)) ctx.io.stderr(line);
  };
  // Getters, not a spread: a spread asks every descriptor whether it is a terminal, and asking about
  // a character device (a terminal, /dev/null) loads node:tty: milliseconds of a cd that needs no answer.
  const io = ctx.io;
  const quiet: Context = {
    ...ctx,
    io: {
      stdout: (text) => io.stdout(text),
      stderr: (text) => (committed ? io.stderr(text) : void held.push(text)),
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
    const identity = await enterDirectory(
      quiet,
      { dir: resolve(ctx.cwd, flags.dir ?? '.'), command: flags.command, yes: flags.yes, ...(flags.mfaCode !== undefined ? { mfaCode: flags.mfaCode } : {}) },
      { onHitPath: true, onCold: commit },
    );
    text = flags.command === 'export' ? exportText({ shell: flags.shell, direnv: flags.direnv }, identity, () => ctx.now()) : credentialProcessJson(identity);
  } catch (error) {
    return committed ? reportError(error, ctx) : undefined;
  }
  commit();
  ctx.io.stdout(text);
  return ExitCode.ok;
}

interface HitFlags {
  command: 'export' | 'credential-process';
  shell: ShellName;
  dir?: string;
  mfaCode?: string;
  direnv: boolean;
  yes: boolean;
}

/**
 * `export` or `credential-process` with flags of their own only (credential-process has no --shell,
 * --direnv or --yes); anything else (help, a typo, another command) is the full CLI's.
 */
export function parseFlags(argv: readonly string[]): HitFlags | undefined {
  const command = argv[0];
  if (command !== 'export' && command !== 'credential-process') return undefined;
  const flags: HitFlags = { command, shell: 'bash', direnv: false, yes: false };
  const valued = command === 'export' ? ['--shell', '--dir', '--mfa-code'] : ['--dir', '--mfa-code'];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if ((arg === '--direnv' || arg === '--yes') && command === 'export') {
      flags[arg === '--direnv' ? 'direnv' : 'yes'] = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!valued.includes(name)) return undefined;
    const value = name === arg ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') return undefined;
    if (name === '--shell') {
      if (!(shellNames as readonly string[]).includes(value)) return undefined;
      flags.shell = value as ShellName;
    } else if (name === '--dir') flags.dir = value;
    else flags.mfaCode = value;
  }
  return flags;
}
