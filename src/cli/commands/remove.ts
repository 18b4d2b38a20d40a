import type { Context } from '../../core/context';
import type { RegisterCommand } from '../program';
import { openWorkspace } from '../../credentials/workspace';
import { removeSource, removeSsoSource } from '../../security/removeSource';

export const registerRemove: RegisterCommand = (program, ctx: Context) => {
  program
    .command('remove <source>')
    .description('forget a source: its keys in the keychain, its entry in the user file, its cached sessions')
    .addHelpText(
      'after',
      `
Example:
  $ awsdir remove legacy`,
    )
    .action(async (name: string) => {
      const workspace = await openWorkspace(ctx);
      const source = workspace.userConfig.sources[name];
      if (source?.kind === 'sso') await removeSsoSource(source, workspace, ctx);
      else await removeSource(name, workspace, ctx.env);
    });
};
