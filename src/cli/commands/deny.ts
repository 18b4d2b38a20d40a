import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Context } from '../../core/context';
import type { RegisterCommand } from '../program';
import { createReporter } from '../../core/reporter';
import { describeSelection } from '../../config/approval';
import { denyDirectory } from '../../config/denyDirectory';

export const registerDeny: RegisterCommand = (program: Command, ctx: Context) => {
  program
    .command('deny')
    .argument('[dir]', 'the directory whose .awsdir.yaml (nearest one walking up) to forget', '.')
    .description('forget the approval of a project file; awsdir refuses it until it is allowed again')
    .addHelpText(
      'after',
      `
In a directory whose allowed .awsdir.yaml was deleted, deny forgets that file, and the directory
is left to the nearest file above it: used if that one is allowed, refused if not.

Example:
  $ awsdir deny ~/production/app
  awsdir: denied /home/alice/production/app/.awsdir.yaml; \`awsdir allow\` approves it again`,
    )
    .action(async (dir: string) => {
      await deny(ctx, resolve(ctx.cwd, dir));
    });
};

export async function deny(ctx: Pick<Context, 'env' | 'io'>, dir: string): Promise<void> {
  const { projectFile, removed, vanished, successor } = await denyDirectory(dir, ctx.env);
  const reporter = createReporter(ctx);
  if (!successor) {
    reporter.info(removed ? `denied ${projectFile}; \`awsdir allow\` approves it again` : `${projectFile} was not allowed; nothing to forget`);
    return;
  }
  // The directory's refusal ends here: say which file governs it now, and whether that one is used.
  const denied = `denied ${vanished.join(' and ')}, which ${vanished.length === 1 ? 'is' : 'are'} gone`;
  if (successor.project && successor.allowed) {
    reporter.info(
      `${denied}; ${dir} now uses ${projectFile}, which you allowed: ${describeSelection(successor.project)}; \`awsdir deny ${dirname(projectFile)}\` forgets that one too`,
    );
  } else {
    reporter.info(`${denied}; ${dir} now falls to ${projectFile}, which is not allowed as it is, so awsdir refuses it until \`awsdir allow ${dir}\``);
  }
}
