import { resolve } from 'node:path';
import type { Context, Env } from '../../core/context';
import { UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { resolveAllowedProject } from '../../config/approval';
import { openWorkspace, type Workspace } from '../../credentials/workspace';
import { projectEntryNames } from '../../credentials/sessionStore';

/** Removes cached sessions (never sources) and says what it removed. */
export async function clearCommand(input: { all: boolean; dir: string }, workspace: Workspace, env: Env): Promise<string[]> {
  const project = input.all ? undefined : await resolveAllowedProject(input.dir, env, workspace.userConfig);
  const removed = await workspace.sessions.clear(project ? projectEntryNames(project, env) : 'all');
  if (removed.length === 0) workspace.reporter.info(input.all ? 'no cached sessions' : `no cached sessions for ${project?.role.arn}`);
  for (const name of removed) workspace.reporter.info(`removed ${name.startsWith('role/') ? 'role session' : 'MFA session'} ${name}`);
  return removed;
}

export const registerClear: RegisterCommand = (program, ctx: Context) => {
  program
    .command('clear')
    .description("remove cached sessions: the directory's role session and its MFA session, or all of them (never the keys of a source)")
    .option('--all', 'every cached session')
    .option('--dir <dir>', 'the directory whose sessions to remove (default: the current one)')
    .addHelpText(
      'after',
      `
Example:
  $ awsdir clear                  # this directory's sessions: the next export asks AWS again
  $ awsdir clear --all            # every cached session; the next export asks for an MFA code`,
    )
    .action(async (opts: { all?: boolean; dir?: string }) => {
      if (opts.all && opts.dir !== undefined) throw new UsageError('clear takes --all or --dir, not both');
      await clearCommand({ all: Boolean(opts.all), dir: resolve(ctx.cwd, opts.dir ?? '.') }, await openWorkspace(ctx), ctx.env);
    });
};
