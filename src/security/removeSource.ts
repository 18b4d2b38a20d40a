import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { removeSource as removeFromUserFile } from '../config/updateUserConfig';
import type { Workspace } from '../credentials/workspace';
import { sourceEntryName } from '../credentials/sourceCredentials';

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
