import type { IssuedCredentials } from '../aws/types';

/** What a project contributes to the exported environment (a subset of ResolvedProject). */
export interface ExportedProject {
  region: string;
  label: string;
  account: string;
  confirm: boolean;
}

/** The environment `use aws` gives a shell (docs/configuration.md lists it), exactly: what to set and what to unset. */
export function exportVariables(
  project: ExportedProject,
  credentials: IssuedCredentials,
  assumedRoleArn: string,
  configPath: string,
): { set: Record<string, string>; unset: string[] } {
  const set: Record<string, string> = {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_CREDENTIAL_EXPIRATION: rfc3339(credentials.expiration),
    AWS_REGION: project.region,
    AWS_DEFAULT_REGION: project.region,
    AWSDIR_LABEL: project.label,
    AWSDIR_ACCOUNT: project.account,
    // GetRoleCredentials (IAM Identity Center) names no role ARN: none is better than another directory's.
    ...(assumedRoleArn ? { AWSDIR_ROLE_ARN: assumedRoleArn } : {}),
    AWSDIR_EXPIRES: String(Math.floor(credentials.expiration.getTime() / 1000)),
    AWSDIR_CONFIG: configPath,
  };
  const unset = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE'];
  if (!assumedRoleArn) unset.push('AWSDIR_ROLE_ARN');
  if (project.confirm) set.AWSDIR_CONFIRM = '1';
  else unset.push('AWSDIR_CONFIRM');
  return { set, unset };
}

/** RFC 3339 without milliseconds, as the AWS CLI and SDKs print it. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
