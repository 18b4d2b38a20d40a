// Imports nothing but a type: `awsdir export` renders these on the cache-hit path's module graph.
import type { ExportedProject } from '../credentials/exportVariables';

/** Where a directory's credentials are served: the endpoint's URI and the directory's own token. */
export interface ServedAt {
  url: string;
  token: string;
}

/**
 * Variables any AWS SDK or CLI would take before the container endpoint, or that would send it
 * elsewhere: they are unset, so the endpoint is what every tool uses. (A [default] profile with
 * keys in ~/.aws/credentials still comes first: shadowing.ts finds it, and awsdir warns.)
 */
export const SHADOWING = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  // The SDKs take the relative URI, and the JS SDK a token file, over the variables set here.
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];

/**
 * The environment of the server modes (`use aws --server`, `exec --server`): the endpoint and
 * the token instead of keys, and the directory's region and labels as `export` gives them. No
 * AWSDIR_EXPIRES: the server renews, so nothing in the shell runs out.
 */
export function serverVariables(
  project: ExportedProject & { projectFile: string },
  assumedRoleArn: string,
  at: ServedAt,
): { set: Record<string, string>; unset: string[] } {
  const set: Record<string, string> = {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: at.url,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: at.token,
    AWS_REGION: project.region,
    AWS_DEFAULT_REGION: project.region,
    AWSDIR_LABEL: project.label,
    AWSDIR_ACCOUNT: project.account,
    AWSDIR_ROLE_ARN: assumedRoleArn,
    AWSDIR_CONFIG: project.projectFile,
  };
  const unset = [...SHADOWING, 'AWSDIR_EXPIRES'];
  if (project.confirm) set.AWSDIR_CONFIRM = '1';
  else unset.push('AWSDIR_CONFIRM');
  return { set, unset };
}
