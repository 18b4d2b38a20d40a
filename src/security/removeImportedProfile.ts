import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import type { AwsCredentials } from '../aws/types';
import { awsCredentialsFile } from '../config/paths';
import { sourceEntryName } from '../credentials/sourceCredentials';
import { removeProfileKeys } from './removeProfileKeys';

/**
 * After `awsdir add --from-profile`: with --remove-from-file, proves the key reads back from the
 * keychain unchanged and only then takes it out of the shared credentials file (keeping a 0600
 * backup); without it, says that the key still sits in plain text and how to remove it.
 */
export async function removeImportedProfile(
  input: { source: string; profile: string; keys: AwsCredentials; remove: boolean },
  deps: { env: Env; reporter: Reporter; readBack?: (name: string) => Promise<string | null>; now?: () => number },
): Promise<void> {
  const file = awsCredentialsFile(deps.env);
  if (!input.remove) {
    deps.reporter.warn(
      `the key is still in plain text in ${file} [${input.profile}]; remove it with \`awsdir add ${input.source} --from-profile ${input.profile} --remove-from-file\` (keeps a 0600 backup)`,
    );
    return;
  }
  const stored = deps.readBack ? await deps.readBack(sourceEntryName(input.source)) : null;
  let same = false;
  try {
    const value = JSON.parse(stored ?? 'null') as { accessKeyId?: string; secretAccessKey?: string } | null;
    same = value?.accessKeyId === input.keys.accessKeyId && value?.secretAccessKey === input.keys.secretAccessKey;
  } catch {
    same = false;
  }
  if (!same) {
    throw new AwsdirError(`--remove-from-file: the key did not read back from the keychain as stored, so ${file} was left unchanged; check the keychain (\`awsdir doctor\`) and run the command again`);
  }
  const { backup } = removeProfileKeys(deps.env, input.profile, (deps.now ?? Date.now)());
  deps.reporter.info(`removed the key of [${input.profile}] from ${file}; the previous file is kept in ${backup} (mode 0600): delete it once you no longer need it`);
}
