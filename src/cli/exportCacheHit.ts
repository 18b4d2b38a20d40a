import { resolve } from 'node:path';
import type { Context } from '../core/context';
import { ExitCode } from './exitCodes';
import { createReporter } from '../core/reporter';
import { exportCommand } from './commands/export';
import type { Engine } from '../credentials/createEngine';
import { roleCredentials } from '../credentials/chain';
import { NotOnHitPath, offHitPath } from '../credentials/fetcher';
import { guardProduction } from '../credentials/guard';
import { loadUserConfig } from '../config/loadUserConfig';
import { resolveAllowedProject } from '../config/approval';
import { stateDir } from '../config/paths';
import { openKeyring } from '../keyring/openKeyring';
import { sessionStore } from '../credentials/sessionStore';
import { shellNames, type ShellName } from '../shell/render';

/**
 * The cache-hit path of `awsdir export`, which every `cd` into an awsdir directory pays: served
 * without the argument parser, the other commands, YAML, zod or the AWS SDK, through the same
 * functions the full command uses (exportCommand, resolveRoleCredentials). It serves only what is
 * already known: the resolved-config cache, an approved project, a fresh cached role session. On
 * anything else (another command or flag, a miss, any error) it returns undefined having written
 * nothing, and the full CLI runs the command from the start, with its prompts and its messages.
 */
export async function exportCacheHit(argv: readonly string[], ctx: Context): Promise<number | undefined> {
  const flags = parseFlags(argv);
  if (!flags) return undefined;
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
    const engine = await hitEngine(quiet);
    if (!engine) return undefined;
    text = await exportCommand({ dir: resolve(ctx.cwd, flags.dir ?? '.'), shell: flags.shell, direnv: flags.direnv }, engine, () => ctx.now(), (project) =>
      guardProduction(project, { env: ctx.env, pid: ctx.pid, stateDir: stateDir(ctx.env), yes: flags.yes, ask: undefined, reporter: engine.reporter }),
    );
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

const miss = (): never => {
  throw new NotOnHitPath('the full engine');
};

/** An Engine that answers from caches only; undefined when the keyring still has to be picked. */
async function hitEngine(ctx: Context): Promise<Engine | undefined> {
  const reporter = createReporter(ctx);
  const userConfig = await loadUserConfig(ctx.env);
  const preference = ctx.env.AWSDIR_KEYRING || userConfig.keyring;
  // `auto` probes the keychain and records its pick once: the full CLI's job.
  if (preference === 'auto') return undefined;
  const keyring = await openKeyring({ env: ctx.env, preference: userConfig.keyring, recordPick: miss, reporter, node: ctx.self.node, platform: ctx.platform });
  const sessions = sessionStore(keyring, (message) => reporter.debug(message));
  return {
    keyring,
    userConfig,
    reporter,
    resolveDirectory: (dir) => resolveAllowedProject(dir, ctx.env, userConfig),
    credentialsFor: (project) =>
      roleCredentials(project, { env: ctx.env, reporter, now: () => ctx.now(), stsRegion: userConfig.stsRegion, fetch: offHitPath, store: sessions, windowSeconds: userConfig.refreshWindowSeconds }),
    sourceCredentials: miss,
    mfaCodes: miss,
    sessions,
  };
}
