import type { Env } from '../core/context';
import { readAwsConfig, readAwsCredentials, valueOf } from '../config/awsSharedFiles';
import { awsConfigFile, awsCredentialsFile } from '../config/paths';

const DEFAULT_CONFIG_CREDENTIALS = ['aws_access_key_id', 'credential_process', 'role_arn', 'sso_start_url', 'sso_session', 'web_identity_token_file'];

/**
 * Where the [default] profile gives credentials that the AWS CLI and SDKs take before the
 * container endpoint (their chains ask the shared files first); undefined when it gives none.
 */
export function defaultProfileShadowing(env: Env): string | undefined {
  const quietly = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch {
      return undefined;
    }
  };
  const credentials = quietly(() => readAwsCredentials(env).profiles.get('default'));
  if (valueOf(credentials, 'aws_access_key_id')) return `[default] of ${awsCredentialsFile(env)} holds keys`;
  const config = quietly(() => readAwsConfig(env).profiles.get('default'));
  const key = DEFAULT_CONFIG_CREDENTIALS.find((k) => valueOf(config, k));
  return key ? `[default] of ${awsConfigFile(env)} sets ${key}` : undefined;
}
