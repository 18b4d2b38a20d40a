import { readFileSync } from 'node:fs';
import { direnvLibFile } from '../../config/paths';
import { writeFileAtomic } from '../../core/writeFileAtomic';
import { loadBundledText } from '../../core/bundledText';
import type { Context, Env } from '../../core/context';
import { AwsdirError, UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { createReporter, type Reporter } from '../../core/reporter';

export const registerHook: RegisterCommand = (program, ctx) => {
  program
    .command('hook')
    .description("print or install the direnv helper that defines `use aws`")
    .argument('<integration>', 'what to hook into: direnv')
    .option('--install', "write it to direnv's lib directory, where direnv loads it by itself")
    .addHelpText(
      'after',
      `
Example:
  $ awsdir hook direnv --install          # once; direnv then knows \`use aws\`
  $ echo 'use aws' >> .envrc && direnv allow
  $ awsdir hook direnv | less             # read the helper first

direnv runs .envrc again on entry and whenever a watched file changes (the project file, its
extends chain, the user file). \`direnv reload\` fetches fresh credentials when the current ones run
out; \`use aws --credential-process\` never goes stale at all.`,
    )
    .action(async (integration: string, options: { install?: boolean }) => {
      await hook(integration, { install: options.install === true }, { env: ctx.env, io: ctx.io, reporter: createReporter(ctx) });
    });
};

export interface HookDeps {
  env: Env;
  io: Context['io'];
  reporter: Reporter;
}

export async function hook(integration: string, options: { install: boolean }, deps: HookDeps): Promise<void> {
  if (integration !== 'direnv') {
    throw new UsageError(`hook ${JSON.stringify(integration)} is not known; the one integration is direnv: awsdir hook direnv --install`);
  }
  const direnvHelper = await loadBundledText('direnv/awsdir.sh');
  if (!options.install) {
    deps.io.stdout(direnvHelper);
    return;
  }
  const target = direnvLibFile(deps.env);
  if (readOrNull(target) === direnvHelper) {
    deps.reporter.info(`the direnv helper at ${target} is already up to date; \`use aws\` in an .envrc loads this directory's AWS identity`);
    return;
  }
  writeAtomically(target, direnvHelper);
  deps.reporter.info(`wrote the direnv helper to ${target}; direnv loads it by itself, so \`use aws\` in an .envrc now works`);
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
    throw new AwsdirError(`${target} could not be written (${reason}); check that the directory is writable, or print the helper with \`awsdir hook direnv\` and save it there yourself`, { cause: error });
  }
}
