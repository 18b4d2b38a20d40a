import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { removeSource as removeFromUserFile } from '../config/updateUserConfig';
import type { Engine } from '../credentials/createEngine';
import { sourceEntryName } from '../credentials/sourceCredentials';

/** Forgets a source: its keychain entry, its user-file entry and every session made from it. */
export async function removeSource(name: string, engine: Engine, env: Env): Promise<void> {
  const known = name in engine.userConfig.sources;
  const sessions = (await engine.cacheEntries()).filter((e) => e.sourceName === name);
  const hadKeys = await engine.keyring.delete(sourceEntryName(name));
  if (!known && !hadKeys) {
    throw new AwsdirError(`source '${name}' is neither in ${engine.userConfig.file} nor in the keychain; \`awsdir status\` lists the sources`);
  }
  for (const s of sessions) await engine.keyring.delete(s.name);
  if (known) await removeFromUserFile(env, name);
  engine.reporter.info(
    `removed source '${name}'${hadKeys ? ' and its keys from the keychain' : ''}${sessions.length ? `, ${sessions.length} cached session(s)` : ''}; the IAM key itself still exists in AWS (deactivate it in IAM if it is no longer needed)`,
  );
}
