import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import type { AwsCredentials } from '../aws/types';
import { awsCredentialsFile } from '../config/paths';
import { sourceEntryName } from '../credentials/sourceCredentials';
import { deleteBackupHint, removeProfileKeys } from './removeProfileKeys';

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
  let same: boolean;
  try {
    const value = JSON.parse(stored ?? 'null') as { accessKeyId?: string; secretAccessKey?: string } | null;
    same = value?.accessKeyId === input.keys.accessKeyId && value?.secretAccessKey === input.keys.secretAccessKey;
  } catch {
    same = false;
  }
  if (!same) {
    throw new AwsdirError(
      `--remove-from-file: the key did not read back from the keychain as stored, so ${file} was left unchanged; check the keychain (\`awsdir doctor\`) and run the command again`,
    );
  }
  const { target, backup } = removeProfileKeys(deps.env, input.profile, (deps.now ?? Date.now)());
  const where = target === file ? file : `${file} (a link; its target ${target} was rewritten and the link kept)`;
  deps.reporter.info(
    `removed the key of [${input.profile}] from ${where}; the previous file is kept in ${backup} (mode 0600) and holds the key in plain text: delete it when you no longer need it, with ${deleteBackupHint(backup)}`,
  );
  if (target !== file) {
    deps.reporter.info(
      `if ${target} is under version control (a dotfiles repository), the key stays in its history: replace it with \`awsdir rotate ${input.source}\``,
    );
  }
}
