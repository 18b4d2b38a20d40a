import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { splitCommandLine } from '../core/splitCommandLine';
import { childEnvironment } from '../core/childEnvironment';
import type { AwsCredentials } from '../aws/types';
import { readAwsConfig, readAwsCredentials, valueOf } from '../config/awsSharedFiles';
import { awsConfigFile, awsCredentialsFile } from '../config/paths';

/** Credentials as the AWS CLI would find them, and where from. */
export interface CredentialsInEffect {
  credentials: AwsCredentials;
  /** For the person: "environment (AWS_ACCESS_KEY_ID)", "profile prod of ~/.aws/credentials", ... */
  origin: string;
  region: string;
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
    return {
      credentials: await runCredentialProcess(credentialProcess, env, profile),
      origin: `profile ${profile} of ${configFile} (credential_process)`,
      region,
    };
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
  const [file, ...args] = splitCommandLine(
    command,
    (quote) => new AwsdirError(`credential_process: unbalanced ${quote} in ${JSON.stringify(command)}; fix the quoting in your AWS config`),
  );
  if (!file) throw new AwsdirError(`profile ${profile}: credential_process is empty; fix it in your AWS config`);
  const { execa } = await import('execa');
  // stdin and stderr stay the person's: an MFA prompt on /dev/tty and its messages must reach them.
  const result = await execa(file, args, {
    env: childEnvironment(env),
    extendEnv: false,
    stdin: 'inherit',
    stderr: 'inherit',
    reject: false,
    timeout: 300_000,
  });
  if (result.failed) {
    throw new AwsdirError(
      `profile ${profile}: its credential_process ${result.code === 'ENOENT' ? 'was not found' : `failed (exit ${result.exitCode ?? result.signal})`}; run it by hand to see why: ${command}`,
    );
  }
  let data: { Version?: unknown; AccessKeyId?: unknown; SecretAccessKey?: unknown; SessionToken?: unknown; Expiration?: unknown };
  try {
    data = JSON.parse(String(result.stdout)) as typeof data;
  } catch {
    throw new AwsdirError(`profile ${profile}: its credential_process printed something that is not JSON; run it by hand to see why: ${command}`);
  }
  if (data.Version !== 1 || typeof data.AccessKeyId !== 'string' || typeof data.SecretAccessKey !== 'string') {
    throw new AwsdirError(
      `profile ${profile}: its credential_process did not print Version 1 JSON with AccessKeyId and SecretAccessKey; fix the command: ${command}`,
    );
  }
  return {
    accessKeyId: data.AccessKeyId,
    secretAccessKey: data.SecretAccessKey,
    ...(typeof data.SessionToken === 'string' ? { sessionToken: data.SessionToken } : {}),
    ...(typeof data.Expiration === 'string' ? { expiration: new Date(data.Expiration) } : {}),
  };
}
