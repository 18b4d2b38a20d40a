import type { Context, Env } from '../../core/context';
import { AwsdirError } from '../../core/errors';
import { createReporter, type Reporter } from '../../core/reporter';
import type { RegisterCommand } from '../program';
import { loadAwsSdk } from '../../aws/loadAwsSdk';
import type { AwsCredentials } from '../../aws/types';
import { explainAwsError, isExpiredToken, isInvalidToken } from '../../aws/errors';
import { endpointOverride } from '../../aws/endpoints';
import { readAwsConfig, readAwsCredentials, valueOf } from '../../config/awsSharedFiles';
import { awsConfigFile, awsCredentialsFile } from '../../config/paths';
import { formatDuration } from '../../config/duration';
import { splitCommandLine } from '../../core/splitCommandLine';
import { childEnvironment } from '../../core/childEnvironment';

/** Credentials as the AWS CLI would find them, and where from. */
export interface CredentialsInEffect {
  credentials: AwsCredentials;
  /** For the person: "environment (AWS_ACCESS_KEY_ID)", "profile prod of ~/.aws/credentials", ... */
  origin: string;
  region: string;
}

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

/** A shared file that cannot be read counts as absent here, as the AWS CLI would find nothing in it either. */
function readOrNothing<T>(read: () => T, nothing: T): T {
  try {
    return read();
  } catch {
    return nothing;
  }
}

/**
 * The AWS CLI's order: the environment first, then the profile (AWS_PROFILE, else `default`) in the
 * shared credentials file and the config file, static keys or credential_process.
 */
export async function findCredentialsInEffect(env: Env, reporter: Reporter): Promise<CredentialsInEffect> {
  const envRegion = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (id || secret) {
    if (!id || !secret) {
      throw new AwsdirError(
        `credentials in the environment: ${id ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} is missing while ${id ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is set; set both, or unset both to use a profile`,
      );
    }
    const token = env.AWS_SESSION_TOKEN || env.AWS_SECURITY_TOKEN;
    return {
      credentials: { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) },
      origin: 'environment (AWS_ACCESS_KEY_ID)',
      region: envRegion || 'us-east-1',
    };
  }

  const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || 'default';
  const credentialsFile = awsCredentialsFile(env);
  const configFile = awsConfigFile(env);
  const config = readOrNothing(() => readAwsConfig(env).profiles.get(profile), undefined);
  const region = envRegion || valueOf(config, 'region') || 'us-east-1';
  const fromCredentials = readOrNothing(() => readAwsCredentials(env).profiles.get(profile), undefined);
  for (const [section, file] of [
    [fromCredentials, credentialsFile],
    [config, configFile],
  ] as const) {
    const id = valueOf(section, 'aws_access_key_id');
    const secret = valueOf(section, 'aws_secret_access_key');
    if (id && secret) {
      const token = valueOf(section, 'aws_session_token');
      return {
        credentials: { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) },
        origin: `profile ${profile} of ${file}`,
        region,
      };
    }
  }
  const credentialProcess = valueOf(config, 'credential_process');
  if (credentialProcess) {
    reporter.debug(`profile ${profile} of ${configFile}: running its credential_process`);
    return { credentials: await runCredentialProcess(credentialProcess, env, profile), origin: `profile ${profile} of ${configFile} (credential_process)`, region };
  }
  const roleArn = valueOf(config, 'role_arn');
  if (roleArn || valueOf(config, 'sso_start_url') || valueOf(config, 'sso_session')) {
    throw new AwsdirError(
      `profile ${profile} of ${configFile} gets its credentials through ${roleArn ? 'role_arn' : 'SSO'}, which awsdir whoami does not follow; run \`/usr/bin/aws sts get-caller-identity --profile ${profile}\`, or give the directory a .awsdir.yaml`,
    );
  }
  const named = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE;
  throw new AwsdirError(
    named
      ? `profile ${profile} (AWS_PROFILE) has no keys in ${credentialsFile} or ${configFile}; fix the profile, or unset AWS_PROFILE`
      : 'no AWS credentials are in effect (no AWS_ACCESS_KEY_ID, no AWS_PROFILE, no [default] profile); cd into a directory with a .awsdir.yaml (direnv runs `use aws`), or run `awsdir exec -- awsdir whoami`',
  );
}

async function runCredentialProcess(command: string, env: Env, profile: string): Promise<AwsCredentials> {
  const [file, ...args] = splitCommandLine(command, (quote) => new AwsdirError(`credential_process: unbalanced ${quote} in ${JSON.stringify(command)}; fix the quoting in your AWS config`));
  if (!file) throw new AwsdirError(`profile ${profile}: credential_process is empty; fix it in your AWS config`);
  const { execa } = await import('execa');
  // stdin and stderr stay the person's: an MFA prompt on /dev/tty and its messages must reach them.
  const result = await execa(file, args, { env: childEnvironment(env), extendEnv: false, stdin: 'inherit', stderr: 'inherit', reject: false, timeout: 300_000 });
  if (result.failed) {
    throw new AwsdirError(`profile ${profile}: its credential_process ${result.code === 'ENOENT' ? 'was not found' : `failed (exit ${result.exitCode ?? result.signal})`}; run it by hand to see why: ${command}`);
  }
  let data: { Version?: unknown; AccessKeyId?: unknown; SecretAccessKey?: unknown; SessionToken?: unknown; Expiration?: unknown };
  try {
    data = JSON.parse(String(result.stdout)) as typeof data;
  } catch {
    throw new AwsdirError(`profile ${profile}: its credential_process printed something that is not JSON; run it by hand to see why: ${command}`);
  }
  if (data.Version !== 1 || typeof data.AccessKeyId !== 'string' || typeof data.SecretAccessKey !== 'string') {
    throw new AwsdirError(`profile ${profile}: its credential_process did not print Version 1 JSON with AccessKeyId and SecretAccessKey; fix the command: ${command}`);
  }
  return {
    accessKeyId: data.AccessKeyId,
    secretAccessKey: data.SecretAccessKey,
    ...(typeof data.SessionToken === 'string' ? { sessionToken: data.SessionToken } : {}),
    ...(typeof data.Expiration === 'string' ? { expiration: new Date(data.Expiration) } : {}),
  };
}

/** The awsdir fields, when the identity is the role awsdir exported (not merely AWSDIR_* left over). */
function awsdirFields(env: Env, arn: string, found: CredentialsInEffect, nowMs: number): WhoamiResult['Awsdir'] {
  const roleArn = env.AWSDIR_ROLE_ARN;
  const inCredentialProcessMode = Boolean(env.AWSDIR_CONFIG && env.AWS_PROFILE?.startsWith('awsdir-') && found.origin.includes('credential_process'));
  if (!(roleArn && roleArn === arn) && !inCredentialProcessMode) return undefined;
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

export async function whoami(ctx: Pick<Context, 'env' | 'now'>, reporter: Reporter): Promise<WhoamiResult> {
  const found = await findCredentialsInEffect(ctx.env, reporter);
  reporter.debug(`credentials from ${found.origin}`);
  const aws = loadAwsSdk();
  const sts = aws.createSts({ credentials: found.credentials, region: found.region, env: ctx.env });
  let identity: { account: string; arn: string; userId: string };
  try {
    identity = await sts.getCallerIdentity();
  } catch (error) {
    throw explainCallerError(error, found, ctx.env);
  } finally {
    sts.destroy();
  }
  const alias = await accountAlias(aws, found, ctx.env, reporter);
  const fields = awsdirFields(ctx.env, identity.arn, found, ctx.now());
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
async function accountAlias(aws: ReturnType<typeof loadAwsSdk>, found: CredentialsInEffect, env: Env, reporter: Reporter): Promise<string | undefined> {
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

function explainCallerError(error: unknown, found: CredentialsInEffect, env: Env): AwsdirError {
  const fromAwsdir = Boolean(env.AWSDIR_ROLE_ARN);
  const refresh = fromAwsdir
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

export function formatWhoami(result: WhoamiResult, color = false): string {
  const rows: Array<[string, string]> = [
    ['account', result.AccountAlias ? `${result.Account} (${result.AccountAlias})` : result.Account],
    ['arn', result.Arn],
    ['user id', result.UserId],
    ['source', result.Source],
  ];
  const a = result.Awsdir;
  if (a) {
    if (a.Label) rows.push(['label', a.Label]);
    rows.push(['role', a.RoleArn]);
    if (a.Config) rows.push(['config', a.Config]);
    if (a.SecondsLeft !== undefined) rows.push(['expires', `${a.Expiration} (${a.SecondsLeft > 0 ? `${formatDuration(a.SecondsLeft)} left` : 'expired'})`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${color ? `\u001b[1m${k.padEnd(width)}\u001b[0m` : k.padEnd(width)}  ${v}\n`).join('');
}

export const registerWhoami: RegisterCommand = (program, ctx) => {
  program
    .command('whoami')
    .description('who the AWS credentials in effect belong to: account, alias, ARN, and the awsdir directory they came from')
    .option('--json', 'print the GetCallerIdentity fields plus AccountAlias, Source and Awsdir as JSON')
    .addHelpText(
      'after',
      `
Credentials are found the way the AWS CLI finds them: AWS_ACCESS_KEY_ID and friends first, then
the AWS_PROFILE (or [default]) profile's keys or credential_process.

Example:
  $ cd ~/production/app && awsdir whoami
  account  222222222222 (acme-production)
  arn      arn:aws:sts::222222222222:assumed-role/admin/alice-app
  ...
  $ awsdir whoami --json | jq -r .Account`,
    )
    .action(async (opts: { json?: boolean }) => {
      const reporter = createReporter(ctx);
      const result = await whoami(ctx, reporter);
      ctx.io.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : formatWhoami(result, false));
    });
};
