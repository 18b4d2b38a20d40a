import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Context } from '../../core/context';
import type { RegisterCommand } from '../program';
import { createReporter } from '../../core/reporter';
import { allowProject, describeSelection } from '../../config/approval';
import { shortHostName } from '../../config/resolveProject';

export const registerAllow: RegisterCommand = (program: Command, ctx: Context) => {
  program
    .command('allow')
    .argument('[dir]', 'the directory whose .awsdir.yaml (nearest one walking up) to approve', '.')
    .description("approve a project file's exact content (and every file it extends) for use")
    .addHelpText(
      'after',
      `
A project file is used only once you have allowed its exact content, as direnv does with .envrc:
a pulled commit that changes the role is refused until you look at it and allow it again. What is
allowed is also what the file selects through the files it extends, the ~/.aws/config profile it
names and the source in your user file (role, account, region, source, MFA device, external id,
duration, session name): a change there is refused too. When an allowed .awsdir.yaml is deleted,
its directories are refused until you allow, there, the file that would govern them now.
An invalid file is refused (exit 3) and nothing is recorded.

Example:
  $ cd ~/production/app && awsdir allow
  awsdir: allowed /home/alice/production/app/.awsdir.yaml: role admin @ 222222222222 (...), region eu-west-1, ...
  $ awsdir allow ~/development`,
    )
    .action(async (dir: string) => {
      await allow(ctx, resolve(ctx.cwd, dir));
    });
};

export async function allow(ctx: Pick<Context, 'env' | 'io' | 'now'>, dir: string): Promise<void> {
  const { project, replaced } = await allowProject(dir, ctx.env, { host: shortHostName(), now: new Date(ctx.now()) });
  const chain = project.files.length > 1 ? ` (with ${project.files.slice(1).join(', ')})` : '';
  const place =
    replaced.length > 0 ? ` for ${dirname(replaced[0]!)} in place of ${replaced.join(' and ')}, which ${replaced.length === 1 ? 'is' : 'are'} gone` : '';
  createReporter(ctx).info(`allowed ${project.projectFile}${chain}${place}: ${describeSelection(project)}`);
}
