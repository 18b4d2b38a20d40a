import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import type { AwsSdk } from '../aws/loadAwsSdk';
import { explainAwsError, isExpiredToken, isInvalidToken } from '../aws/errors';
import { endpointOverride } from '../aws/endpoints';
import { findCredentialsInEffect, type CredentialsInEffect } from './credentialsInEffect';

export interface WhoamiResult {
  Account: string;
  Arn: string;
  UserId: string;
  AccountAlias?: string;
  Source: string;
  /** Present when the credentials are the ones awsdir exported for a directory. */
  Awsdir?: {
    Label?: string;
    RoleArn: string;
    Config?: string;
    Expiration?: string;
    SecondsLeft?: number;
  };
}

/** The awsdir fields, when the identity is the role awsdir exported (not merely AWSDIR_* left over). */
function awsdirFields(env: Env, arn: string, found: CredentialsInEffect, nowMs: number): WhoamiResult['Awsdir'] {
  const roleArn = env.AWSDIR_ROLE_ARN;
  const inCredentialProcessMode = Boolean(env.AWSDIR_CONFIG && env.AWS_PROFILE?.startsWith('awsdir-') && found.origin.includes('credential_process'));
  // A permission set's session (IAM Identity Center): its role ARN is known only now, from GetCallerIdentity.
  const ssoSession = !roleArn && Boolean(env.AWSDIR_CONFIG) && env.AWSDIR_ACCOUNT === arn.split(':')[4] && /:assumed-role\/AWSReservedSSO_/.test(arn);
  if (!(roleArn && roleArn === arn) && !inCredentialProcessMode && !ssoSession) return undefined;
  const expiresMs = env.AWSDIR_EXPIRES && /^\d+$/.test(env.AWSDIR_EXPIRES) ? Number(env.AWSDIR_EXPIRES) * 1000 : found.credentials.expiration?.getTime();
  return {
    ...(env.AWSDIR_LABEL ? { Label: env.AWSDIR_LABEL } : {}),
    RoleArn: roleArn ?? arn,
    ...(env.AWSDIR_CONFIG ? { Config: env.AWSDIR_CONFIG } : {}),
    ...(expiresMs !== undefined && Number.isFinite(expiresMs)
      ? { Expiration: new Date(expiresMs).toISOString().replace(/\.\d{3}Z$/, 'Z'), SecondsLeft: Math.max(0, Math.floor((expiresMs - nowMs) / 1000)) }
      : {}),
  };
}

export interface WhoamiDeps {
  env: Env;
  /** Milliseconds since the epoch, for the time left of an awsdir session. */
  now: () => number;
  reporter: Reporter;
  loadAws: () => AwsSdk;
}

/**
 * Who the credentials in effect belong to: GetCallerIdentity, the account alias when IAM tells it,
 * where the credentials came from, and the awsdir directory when they are the role awsdir exported.
 */
export async function whoami(deps: WhoamiDeps): Promise<WhoamiResult> {
  const { env, reporter } = deps;
  const found = await findCredentialsInEffect(env, reporter);
  reporter.debug(`credentials from ${found.origin}`);
  const aws = deps.loadAws();
  const sts = aws.createSts({ credentials: found.credentials, region: found.region, env });
  let identity: { account: string; arn: string; userId: string };
  try {
    identity = await sts.getCallerIdentity();
  } catch (error) {
    throw explainCallerError(error, found, env, deps.now());
  } finally {
    sts.destroy();
  }
  const alias = await accountAlias(aws, found, env, reporter);
  const fields = awsdirFields(env, identity.arn, found, deps.now());
  return {
    Account: identity.account,
    Arn: identity.arn,
    UserId: identity.userId,
    ...(alias ? { AccountAlias: alias } : {}),
    Source: found.origin,
    ...(fields ? { Awsdir: fields } : {}),
  };
}

/** iam:ListAccountAliases is often denied to roles and never allowed to a session without MFA: absent, not an error. */
async function accountAlias(aws: AwsSdk, found: CredentialsInEffect, env: Env, reporter: Reporter): Promise<string | undefined> {
  const iam = aws.createIam({ credentials: found.credentials, region: found.region, env, maxAttempts: 1 });
  try {
    return (await iam.listAccountAliases())[0];
  } catch (error) {
    reporter.debug(`no account alias: ${(error as Error).name}: ${(error as Error).message}`);
    return undefined;
  } finally {
    iam.destroy();
  }
}

function explainCallerError(error: unknown, found: CredentialsInEffect, env: Env, nowMs: number): AwsdirError {
  const fromAwsdir = Boolean(env.AWSDIR_ROLE_ARN);
  // Refused while awsdir still counts them valid: its cache would hand the same ones back.
  const expiresMs = env.AWSDIR_EXPIRES && /^\d+$/.test(env.AWSDIR_EXPIRES) ? Number(env.AWSDIR_EXPIRES) * 1000 : undefined;
  const endedEarly = fromAwsdir && (isInvalidToken(error) || (expiresMs !== undefined && expiresMs > nowMs));
  const refresh = endedEarly
    ? 'AWS ended them before their time (revoked, or a clock corrected since), and awsdir\'s cache still holds them: run `awsdir clear`, then `direnv reload` (or `eval "$(awsdir export --refresh)"`) in the directory for a new session; no code is asked while the MFA session lasts'
    : fromAwsdir
      ? 'run `direnv reload` in the directory (or `eval "$(awsdir export)"`) for fresh ones'
      : found.origin.startsWith('environment')
        ? 'set fresh keys in the environment, or use a directory with a .awsdir.yaml'
        : 'fix the keys of the profile';
  if (isExpiredToken(error)) {
    return new AwsdirError(`credentials from ${found.origin} have expired (ExpiredToken); ${refresh}`, { cause: error });
  }
  if (isInvalidToken(error)) {
    return new AwsdirError(
      `credentials from ${found.origin} are not valid (InvalidClientTokenId: AWS does not know this access key or session token); ${refresh}`,
      { cause: error },
    );
  }
  return explainAwsError(error, {
    action: 'GetCallerIdentity',
    endpoint: endpointOverride(env, 'sts')?.url ?? `https://sts.${found.region}.amazonaws.com`,
  });
}
