import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { AwsCredentials } from '../aws/types';
import { readAwsCredentials, valueOf, type AwsCredentialsFile } from '../config/awsSharedFiles';
import { awsCredentialsFile } from '../config/paths';

/**
 * The long-term key of a profile of the shared credentials file, for `awsdir add --from-profile`.
 * Temporary credentials are refused: they expire, so storing them as a source would break tomorrow.
 */
export async function readProfileKeys(env: Env, profile: string): Promise<AwsCredentials> {
  const file = awsCredentialsFile(env);
  let credentials: AwsCredentialsFile;
  try {
    credentials = readAwsCredentials(env);
  } catch (error) {
    throw new AwsdirError(
      `--from-profile: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path, or point AWS_SHARED_CREDENTIALS_FILE at the file`,
      { cause: error },
    );
  }
  if (!credentials.exists)
    throw new AwsdirError(`--from-profile: cannot read ${file} (ENOENT); check the path, or point AWS_SHARED_CREDENTIALS_FILE at the file`);
  const section = credentials.profiles.get(profile);
  const id = valueOf(section, 'aws_access_key_id');
  const secret = valueOf(section, 'aws_secret_access_key');
  if (id === undefined || secret === undefined) {
    const names = [...credentials.profiles.values()].filter((s) => valueOf(s, 'aws_secret_access_key') !== undefined).map((s) => s.header);
    throw new AwsdirError(
      `--from-profile: ${file} has no [${profile}] with aws_access_key_id and aws_secret_access_key${names.length ? ` (profiles with keys: ${names.join(', ')})` : ''}; name one of those`,
    );
  }
  if (valueOf(section, 'aws_session_token') !== undefined || id.startsWith('ASIA')) {
    throw new AwsdirError(
      `--from-profile: [${profile}] of ${file} holds temporary credentials (a session token), which expire; import an IAM user's long-term key (AKIA...) instead`,
    );
  }
  return { accessKeyId: id, secretAccessKey: secret };
}
