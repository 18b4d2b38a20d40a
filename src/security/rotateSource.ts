import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { AwsSdk } from '../aws/loadAwsSdk';
import type { AwsCredentials } from '../aws/types';
import { explainAwsError, isInvalidToken, isNetworkError } from '../aws/errors';
import { recordSource } from '../config/userConfig';
import type { Workspace } from '../credentials/workspace';
import { serializeSource, sourceEntryName } from '../credentials/sourceCredentials';
import { rotateAccessKey } from './rotateAccessKey';

export const DEFAULT_ROTATE_WAIT_SECONDS = 60;

function errorName(error: unknown): string {
  const e = error as { name?: unknown; Code?: unknown };
  return typeof e?.Code === 'string' ? e.Code : typeof e?.name === 'string' ? e.name : '';
}

export interface RotateSourceDeps {
  env: Env;
  now: () => number;
  /** Waits between tries of the new key. */
  sleep: (ms: number) => Promise<void>;
  loadAws: () => AwsSdk;
}

/**
 * Replaces the key of a keychain source (rotateAccessKey) with IAM signed by an MFA session when
 * the source has an MFA device, then forgets the sessions made from the old key.
 */
export async function rotateSource(sourceName: string, workspace: Workspace, deps: RotateSourceDeps): Promise<void> {
  const { reporter, keyring, userConfig } = workspace;
  const source = userConfig.sources[sourceName];
  if (!source) throw new AwsdirError(`rotate: there is no source '${sourceName}' in ${userConfig.file}; store a key with \`awsdir add ${sourceName}\``);
  if (source.kind === 'sso') {
    throw new AwsdirError(`rotate: source '${sourceName}' signs in through IAM Identity Center and has no access key to rotate; its sign-in is renewed with \`awsdir login ${sourceName}\``);
  }
  if (source.kind !== 'keychain') {
    throw new AwsdirError(`rotate: source '${sourceName}' takes its key from ${source.kind === 'env' ? 'the environment' : `profile [${source.profile}] of the shared credentials file`}, which awsdir does not write; move it into the keychain with \`awsdir add ${sourceName}${source.kind === 'credentials-profile' ? ` --from-profile ${source.profile}` : ' --from-env'}\` first`);
  }
  const old = await workspace.sourceKeys(sourceName);
  // The new key must be storable: find out before spending an MFA code and creating anything.
  await keyring.probeWrite();

  const aws = deps.loadAws();
  const region = userConfig.stsRegion;
  let iamCredentials: AwsCredentials = old;
  if (source.mfaSerial) {
    const mfa = workspace.fetch.mfa;
    const sts = aws.createSts({ credentials: old, region, env: deps.env });
    try {
      iamCredentials = await mfa.use(source.mfaSerial, source.mfaProcess, (code) => sts.getSessionToken({ durationSeconds: 900, serialNumber: source.mfaSerial, tokenCode: code }), {
        action: 'GetSessionToken',
        mfaSerial: source.mfaSerial,
        sourceName,
      });
    } finally {
      sts.destroy();
    }
  } else {
    reporter.warn(`source '${sourceName}' has no MFA device recorded; managing keys without MFA (a policy that requires MFA will refuse)`);
  }

  const iam = aws.createIam({ credentials: iamCredentials, region, env: deps.env });
  const waitSeconds = Number(deps.env.AWSDIR_ROTATE_WAIT_SECONDS) > 0 ? Number(deps.env.AWSDIR_ROTATE_WAIT_SECONDS) : DEFAULT_ROTATE_WAIT_SECONDS;
  try {
    const result = await rotateAccessKey(sourceName, old, {
      reporter,
      iam: {
        getUserName: async () => {
          try {
            const user = await iam.getUser();
            if (!user?.UserName) throw new AwsdirError(`rotate: source '${sourceName}' is not an IAM user's key (the account's root user has no user name); rotate root keys in the console, better delete them`);
            return user.UserName;
          } catch (error) {
            if (error instanceof AwsdirError) throw error;
            throw explainAwsError(error, { action: 'GetUser', sourceName });
          }
        },
        listAccessKeys: async (userName) => {
          try {
            return await iam.listAccessKeys(userName);
          } catch (error) {
            throw explainAwsError(error, { action: 'ListAccessKeys', sourceName });
          }
        },
        createAccessKey: (userName) => iam.createAccessKey(userName),
        deleteAccessKey: (keyId, userName) => iam.deleteAccessKey(keyId, userName),
      },
      callerArn: async (credentials) => {
        const sts = aws.createSts({ credentials, region, env: deps.env, maxAttempts: 1 });
        try {
          return (await sts.getCallerIdentity()).arn;
        } finally {
          sts.destroy();
        }
      },
      store: (credentials) => keyring.set(sourceEntryName(sourceName), serializeSource(credentials)),
      record: (accessKeyId) => recordSource(deps.env, sourceName, { accessKeyId, ...(source.mfaSerial ? { mfaSerial: source.mfaSerial } : {}) }),
      sleep: deps.sleep,
      now: deps.now,
      waitSeconds,
      isLimitExceeded: (error) => /LimitExceeded/.test(errorName(error)),
      isNotYetValid: (error) => isInvalidToken(error) || errorName(error) === 'SignatureDoesNotMatch' || isNetworkError(error),
      describe: (error, action) => explainAwsError(error, { action, sourceName }).message,
    });
    // Cached sessions are named after the old key id: nothing will read them again.
    const stale = (await workspace.sessions.entries()).filter((e) => e.sourceName === sourceName);
    for (const entry of stale) await keyring.delete(entry.name).catch(() => false);
    reporter.info(`rotated source '${sourceName}' (user ${result.userName}): the new key ${result.newKeyId} is in the keychain and works; the old key ${result.oldKeyId} is deleted`);
  } finally {
    iam.destroy();
  }
}
