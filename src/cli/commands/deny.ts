import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Context } from '../../core/context';
import type { RegisterCommand } from '../program';
import { createReporter } from '../../core/reporter';
import { denyProject } from '../../config/approval';

export const registerDeny: RegisterCommand = (program: Command, ctx: Context) => {
  program
    .command('deny')
    .argument('[dir]', 'the directory whose .awsdir.yaml (nearest one walking up) to forget', '.')
    .description("forget the approval of a project file; awsdir refuses it until it is allowed again")
    .addHelpText(
      'after',
      `
Example:
  $ awsdir deny ~/production/app
  awsdir: denied /home/alice/production/app/.awsdir.yaml; \`awsdir allow\` approves it again`,
    )
    .action((dir: string) => {
      deny(ctx, resolve(ctx.cwd, dir));
    });
};

export function deny(ctx: Pick<Context, 'env' | 'io'>, dir: string): void {
  const { projectFile, removed } = denyProject(dir, ctx.env);
  createReporter(ctx).info(
    removed ? `denied ${projectFile}; \`awsdir allow\` approves it again` : `${projectFile} was not allowed; nothing to forget`,
  );
}
