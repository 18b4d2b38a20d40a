import type { Context } from '../../core/context';
import { AwsdirError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { createEngine, type Engine } from '../../credentials/createEngine';
import { sourceEntryName } from '../../credentials/sourceCredentials';
import { removeSource } from '../../config/updateUserConfig';
import type { Env } from '../../core/context';
import type { SsoSourceConfig } from '../../config/ssoConfig';
import { ssoEntryNames, ssoLogout } from '../../credentials/sso';
import { ssoDeps, ssoTargetOf, terminalSignInUi } from '../ssoSignIn';
import { othersSharing } from './login';

/** Forgets a source: its keychain entry, its user-file entry and every session made from it. */
export async function removeCommand(name: string, engine: Engine, env: Env): Promise<void> {
  const known = name in engine.userConfig.sources;
  const sessions = (await engine.cacheEntries()).filter((e) => e.sourceName === name);
  const hadKeys = await engine.keyring.delete(sourceEntryName(name));
  if (!known && !hadKeys) {
    throw new AwsdirError(`source '${name}' is neither in ${engine.userConfig.file} nor in the keychain; \`awsdir status\` lists the sources`);
  }
  for (const s of sessions) await engine.keyring.delete(s.name);
  if (known) await removeSource(env, name);
  engine.reporter.info(
    `removed source '${name}'${hadKeys ? ' and its keys from the keychain' : ''}${sessions.length ? `, ${sessions.length} cached session(s)` : ''}; the IAM key itself still exists in AWS (deactivate it in IAM if it is no longer needed)`,
  );
}

/**
 * Forgets an IAM Identity Center source: signs it out (tokens and registration leave the
 * keychain) unless another source shares its sign-in, then takes it out of the user file.
 */
async function removeSsoSource(source: SsoSourceConfig, engine: Engine, ctx: Context): Promise<void> {
  const { reporter, userConfig } = engine;
  let signedOut = '';
  try {
    const target = ssoTargetOf(source, ctx, userConfig.file);
    const sharing = othersSharing(source.name, userConfig.sources, ctx, userConfig.file, ssoEntryNames(target, ctx.env).hash);
    if (sharing.length) signedOut = `; the sign-in stays, as ${sharing.join(', ')} use${sharing.length === 1 ? 's' : ''} it too`;
    else if ((await ssoLogout(target, ssoDeps(ctx, engine, terminalSignInUi(ctx, reporter, { browser: false })))).signedIn) signedOut = ' and signed it out (its tokens are removed from the keychain)';
  } catch (error) {
    // Its [sso-session] is gone, say: the tokens cannot be found, but the source can still go.
    reporter.warn(`could not sign out ${source.name} (${(error as Error).message}); removing it anyway`);
  }
  await removeSource(ctx.env, source.name);
  reporter.info(`removed source '${source.name}'${signedOut}`);
}

export const registerRemove: RegisterCommand = (program, ctx: Context) => {
  program
    .command('remove <source>')
    .description('forget a source: its keys (or IAM Identity Center sign-in) in the keychain, its entry in the user file, its cached sessions')
    .addHelpText(
      'after',
      `
Example:
  $ awsdir remove legacy`,
    )
    .action(async (name: string) => {
      const engine = await createEngine(ctx);
      const source = engine.userConfig.sources[name];
      if (source?.kind === 'sso') await removeSsoSource(source, engine, ctx);
      else await removeCommand(name, engine, ctx.env);
    });
};
