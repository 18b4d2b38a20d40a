import { readFileSync } from 'node:fs';
import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { AwsCredentials } from '../aws/types';
import { awsCredentialsFile } from '../config/paths';

/**
 * The long-term key of a profile of the shared credentials file, for `awsdir add --from-profile`.
 * Temporary credentials are refused: they expire, so storing them as a source would break tomorrow.
 */
export async function readProfileKeys(env: Env, profile: string): Promise<AwsCredentials> {
  const file = awsCredentialsFile(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AwsdirError(`--from-profile: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path, or point AWS_SHARED_CREDENTIALS_FILE at the file`, { cause: error });
  }
  const ini = (await import('ini')).parse(text) as Record<string, Record<string, unknown> | undefined>;
  const section = ini[profile];
  const id = section?.aws_access_key_id;
  const secret = section?.aws_secret_access_key;
  if (typeof id !== 'string' || typeof secret !== 'string') {
    const names = Object.keys(ini).filter((k) => typeof ini[k]?.aws_secret_access_key === 'string');
    throw new AwsdirError(`--from-profile: ${file} has no [${profile}] with aws_access_key_id and aws_secret_access_key${names.length ? ` (profiles with keys: ${names.join(', ')})` : ''}; name one of those`);
  }
  if (typeof section?.aws_session_token === 'string' || id.trim().startsWith('ASIA')) {
    throw new AwsdirError(`--from-profile: [${profile}] of ${file} holds temporary credentials (a session token), which expire; import an IAM user's long-term key (AKIA...) instead`);
  }
  return { accessKeyId: id.trim(), secretAccessKey: secret.trim() };
}
