import type { Context, Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { removeSource as removeFromUserFile } from '../config/updateUserConfig';
import type { SsoSourceConfig } from '../config/ssoConfig';
import type { Workspace } from '../credentials/workspace';
import { sourceEntryName } from '../credentials/sourceCredentials';
import { logoutSource, othersSharing, ssoTargetOf } from '../credentials/ssoSignIn';
import { ssoEntryNames } from '../credentials/sso';

/** Forgets a source: its keychain entry, its user-file entry and every session made from it. */
export async function removeSource(name: string, workspace: Workspace, env: Env): Promise<void> {
  const known = name in workspace.userConfig.sources;
  const sessions = (await workspace.sessions.entries()).filter((e) => e.sourceName === name);
  const hadKeys = await workspace.keyring.delete(sourceEntryName(name));
  if (!known && !hadKeys) {
    throw new AwsdirError(`source '${name}' is neither in ${workspace.userConfig.file} nor in the keychain; \`awsdir status\` lists the sources`);
  }
  await workspace.sessions.clear(sessions.map((s) => s.name));
  if (known) await removeFromUserFile(env, name);
  workspace.reporter.info(
    `removed source '${name}'${hadKeys ? ' and its keys from the keychain' : ''}${sessions.length ? `, ${sessions.length} cached session(s)` : ''}; the IAM key itself still exists in AWS (deactivate it in IAM if it is no longer needed)`,
  );
}

/**
 * Forgets an IAM Identity Center source: signs it out (tokens and registration leave the
 * keychain) unless another source shares its sign-in, then takes it out of the user file.
 */
export async function removeSsoSource(source: SsoSourceConfig, workspace: Workspace, ctx: Context): Promise<void> {
  const { reporter, userConfig } = workspace;
  let signedOut = '';
  try {
    const target = ssoTargetOf(source, ctx, userConfig.file);
    const sharing = othersSharing(source.name, userConfig.sources, ctx, userConfig.file, ssoEntryNames(target, ctx.env).hash);
    if (sharing.length) signedOut = `; the sign-in stays, as ${sharing.join(', ')} use${sharing.length === 1 ? 's' : ''} it too`;
    else if ((await logoutSource(source.name, workspace, ctx)).signedIn) signedOut = ' and signed it out (its tokens are removed from the keychain)';
  } catch (error) {
    // Its [sso-session] is gone, say: the tokens cannot be found, but the source can still go.
    reporter.warn(`could not sign out ${source.name} (${(error as Error).message}); removing it anyway`);
  }
  await removeFromUserFile(ctx.env, source.name);
  reporter.info(`removed source '${source.name}'${signedOut}`);
}
