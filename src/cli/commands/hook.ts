import type { Context, Env } from '../../core/context';
import { UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { createReporter, type Reporter } from '../../core/reporter';
import { direnvHelper, installDirenvHelper } from '../../shell/direnvHelper';

/** What `awsdir hook` can hook into. */
export const integrations: readonly string[] = ['direnv'];

export const registerHook: RegisterCommand = (program, ctx) => {
  program
    .command('hook')
    .description('print or install the direnv helper that defines `use aws`')
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
  if (!integrations.includes(integration)) {
    throw new UsageError(`hook ${JSON.stringify(integration)} is not known; the one integration is direnv: awsdir hook direnv --install`);
  }
  if (!options.install) {
    deps.io.stdout(await direnvHelper());
    return;
  }
  const { target, written } = await installDirenvHelper(deps.env);
  deps.reporter.info(
    written
      ? `wrote the direnv helper to ${target}; direnv loads it by itself, so \`use aws\` in an .envrc now works`
      : `the direnv helper at ${target} is already up to date; \`use aws\` in an .envrc loads this directory's AWS identity`,
  );
}
