import { resolve } from 'node:path';
import type { Context, Env } from '../../core/context';
import { UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { resolveAllowedProject } from '../../config/approval';
import { openWorkspace, type Workspace } from '../../credentials/workspace';
import { projectEntryNames, roleEntryName } from '../../credentials/sessionStore';

/**
 * Removes cached sessions (never sources) and says what it removed. A directory's MFA session is
 * its source's, which every other directory assumes its role from: it goes only when asked for.
 */
export async function clearCommand(input: { all: boolean; dir: string; withMfaSession: boolean }, workspace: Workspace, env: Env): Promise<string[]> {
  const { reporter } = workspace;
  const project = input.all ? undefined : await resolveAllowedProject(input.dir, env, workspace.userConfig);
  const names = project ? (input.withMfaSession ? projectEntryNames(project, env) : [roleEntryName(project, env)]) : 'all';
  const removed = await workspace.sessions.clear(names);
  if (removed.length === 0)
    reporter.info(input.all ? 'no cached sessions' : `no cached ${input.withMfaSession ? 'sessions' : 'role session'} for ${project?.role.arn}`);
  for (const name of removed) reporter.info(`removed ${name.startsWith('role/') ? 'role session' : 'MFA session'} ${name}`);
  if (project?.mfa && !input.withMfaSession) {
    reporter.info(
      `kept the MFA session of source '${project.sourceName}': every directory of the source assumes its role from it without a code (\`awsdir clear --with-mfa-session\` removes it too)`,
    );
  }
  return removed;
}

export const registerClear: RegisterCommand = (program, ctx: Context) => {
  program
    .command('clear')
    .description(
      "remove cached sessions: the directory's role session (with --with-mfa-session its source's MFA session too), or all of them; never the keys of a source",
    )
    .option('--all', 'every cached session, MFA sessions included')
    .option('--dir <dir>', 'the directory whose role session to remove (default: the current one)')
    .option('--with-mfa-session', "also the MFA session of the directory's source, which every directory of that source uses")
    .addHelpText(
      'after',
      `
Example:
  $ awsdir clear                      # this directory's role session: the next export assumes the
                                      # role again from the MFA session, without a code
  $ awsdir clear --with-mfa-session   # and the source's MFA session: the next export asks for a code
  $ awsdir clear --all                # every cached session; the next export asks for an MFA code

A session that AWS ended early (revoked, or the clock was corrected) stays in the cache until its
expiration: \`awsdir clear\` then \`direnv reload\` gets a new one.`,
    )
    .action(async (opts: { all?: boolean; dir?: string; withMfaSession?: boolean }) => {
      if (opts.all && opts.dir !== undefined) throw new UsageError('clear takes --all or --dir, not both');
      await clearCommand(
        { all: Boolean(opts.all), dir: resolve(ctx.cwd, opts.dir ?? '.'), withMfaSession: Boolean(opts.withMfaSession) },
        await openWorkspace(ctx),
        ctx.env,
      );
    });
};
