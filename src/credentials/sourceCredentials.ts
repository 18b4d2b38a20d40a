import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { AwsCredentials } from '../aws/types';
import type { Keyring } from '../keyring/keyring';
import { readAwsCredentials, valueOf, type AwsCredentialsFile } from '../config/awsSharedFiles';
import { awsCredentialsFile } from '../config/paths';

/** The fields of a source this module needs (SourceConfig of the user file). */
export type SourceLike =
  | { kind: 'keychain'; name: string; accessKeyId?: string }
  | { kind: 'credentials-profile'; name: string; profile: string }
  | { kind: 'env'; name: string }
  | { kind: 'sso'; name: string };

export const sourceEntryName = (name: string): string => `source/${name}`;

/** The value of a `source/<name>` keychain entry. */
export interface StoredSource {
  v: 1;
  accessKeyId: string;
  secretAccessKey: string;
}

export function serializeSource(credentials: AwsCredentials): string {
  const value: StoredSource = { v: 1, accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey };
  return JSON.stringify(value);
}

/**
 * True when the environment holds credentials awsdir itself exported: taking them as a source
 * would chain a role from a role, and leave a directory's identity to the one visited before it.
 */
export function isAwsdirExport(env: Env): boolean {
  const key = env.AWS_ACCESS_KEY_ID ?? '';
  if (!key) return false;
  if (env.AWSDIR_ROLE_ARN && env.AWS_SESSION_TOKEN) return true;
  return (
    key.startsWith('ASIA') &&
    Object.keys(env).some(
      (k) => k.startsWith('AWSDIR_') && k !== 'AWSDIR_DEBUG' && k !== 'AWSDIR_MFA_CODE' && k !== 'AWSDIR_KEYRING' && k !== 'AWSDIR_FILE_PASSPHRASE',
    )
  );
}

/** The non-secret key id that names cache entries, read without touching any secret. */
export function sourceKeyId(source: SourceLike, env: Env): string {
  switch (source.kind) {
    case 'keychain':
      return source.accessKeyId ?? '';
    case 'credentials-profile':
      return `profile:${source.profile}`;
    case 'env':
      return isAwsdirExport(env) ? '' : (env.AWS_ACCESS_KEY_ID ?? '');
    case 'sso':
      return `sso:${source.name}`;
  }
}

/** The long-term keys of a source, from the keychain, ~/.aws/credentials or the environment. */
export async function readSourceCredentials(source: SourceLike, deps: { keyring: Keyring; env: Env }): Promise<AwsCredentials> {
  switch (source.kind) {
    case 'keychain': {
      const text = await deps.keyring.get(sourceEntryName(source.name));
      if (text === null) {
        throw new AwsdirError(
          `source '${source.name}': no keys in the ${deps.keyring.backend === 'os' ? 'OS keychain' : 'file keyring'}; store them with \`awsdir add ${source.name}\``,
        );
      }
      let data: Partial<StoredSource> = {};
      try {
        data = JSON.parse(text) as Partial<StoredSource>;
      } catch {
        // reported below
      }
      if (data.v !== 1 || typeof data.accessKeyId !== 'string' || typeof data.secretAccessKey !== 'string') {
        throw new AwsdirError(
          `source '${source.name}': the keychain entry source/${source.name} is not in awsdir's format; store the keys again with \`awsdir add ${source.name}\``,
        );
      }
      return { accessKeyId: data.accessKeyId, secretAccessKey: data.secretAccessKey };
    }
    case 'credentials-profile': {
      const file = awsCredentialsFile(deps.env);
      let credentials: AwsCredentialsFile;
      try {
        credentials = readAwsCredentials(deps.env);
      } catch (error) {
        throw new AwsdirError(
          `source '${source.name}': cannot read ${file} (${(error as NodeJS.ErrnoException).code}); create it or point AWS_SHARED_CREDENTIALS_FILE at it`,
          { cause: error },
        );
      }
      if (!credentials.exists)
        throw new AwsdirError(`source '${source.name}': cannot read ${file} (ENOENT); create it or point AWS_SHARED_CREDENTIALS_FILE at it`);
      const section = credentials.profiles.get(source.profile);
      const id = valueOf(section, 'aws_access_key_id');
      const secret = valueOf(section, 'aws_secret_access_key');
      if (id === undefined || secret === undefined) {
        throw new AwsdirError(
          `source '${source.name}': profile [${source.profile}] of ${file} has no aws_access_key_id and aws_secret_access_key; add them, or choose another credentials_profile`,
        );
      }
      const token = valueOf(section, 'aws_session_token');
      return { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
    }
    case 'env': {
      if (isAwsdirExport(deps.env)) {
        throw new AwsdirError(
          `source '${source.name}': the AWS_* variables in the environment were exported by awsdir itself, not given by you; run from a shell without them (leave the directory, or unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN)`,
        );
      }
      const id = deps.env.AWS_ACCESS_KEY_ID;
      const secret = deps.env.AWS_SECRET_ACCESS_KEY;
      if (!id || !secret) {
        throw new AwsdirError(`source '${source.name}' takes keys from the environment, and AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set; set both`);
      }
      return { accessKeyId: id, secretAccessKey: secret, ...(deps.env.AWS_SESSION_TOKEN ? { sessionToken: deps.env.AWS_SESSION_TOKEN } : {}) };
    }
    case 'sso':
      throw new AwsdirError(
        `source '${source.name}' signs in through IAM Identity Center and holds no access keys; sign in with \`awsdir login ${source.name}\`, and use a source with keys (\`awsdir add NAME\`) where keys are needed`,
      );
  }
}
