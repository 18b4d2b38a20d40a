import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { AwsSdk } from '../aws/loadAwsSdk';
import type { AwsCredentials } from '../aws/types';
import { explainAwsError, isAccessDenied, isExpiredToken, isInvalidToken, isNetworkError } from '../aws/errors';
import { recordSource } from '../config/userConfig';
import type { Workspace } from '../credentials/workspace';
import { serializeSource, sourceEntryName } from '../credentials/sourceCredentials';
import { credentialsOf, isFresh, sessionEndpoint, sourceMfaSessionEntryName, type CacheEntry, type CachedSession } from '../credentials/sessionStore';
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

/** A cached session needs this much time left to sign a rotation (which may wait a minute for the new key). */
const CACHED_SESSION_MIN_LEFT_SECONDS = 300;

/** IAM refused the cached MFA session (a policy that wants a more recent MFA, a session AWS ended): a code will do. */
class CachedSessionRefused extends Error {
  constructor(readonly refusal: unknown) {
    super(refusal instanceof Error ? refusal.message : String(refusal));
    this.name = 'CachedSessionRefused';
  }
}

function refusedCached(error: unknown): CachedSessionRefused | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof CachedSessionRefused) return e;
  }
  return undefined;
}

const isRefusal = (error: unknown): boolean => isAccessDenied(error) || isExpiredToken(error) || isInvalidToken(error);

/**
 * Replaces the key of a keychain source (rotateAccessKey), with IAM signed by the source's cached
 * MFA session when there is one (no code: the day's code already proved the MFA), else by a new
 * MFA session. Temporary credentials stay valid until they end when the key that made them is
 * deleted (AWS does not revoke them), so the MFA session is carried over to the new key's name and
 * serves every directory as before.
 */
export async function rotateSource(sourceName: string, workspace: Workspace, deps: RotateSourceDeps): Promise<void> {
  const { reporter, keyring, userConfig } = workspace;
  const source = userConfig.sources[sourceName];
  if (!source) throw new AwsdirError(`rotate: there is no source '${sourceName}' in ${userConfig.file}; store a key with \`awsdir add ${sourceName}\``);
  if (source.kind === 'sso') {
    throw new AwsdirError(
      `rotate: source '${sourceName}' signs in through IAM Identity Center and has no access key to rotate; its sign-in is renewed with \`awsdir login ${sourceName}\``,
    );
  }
  if (source.kind !== 'keychain') {
    throw new AwsdirError(
      `rotate: source '${sourceName}' takes its key from ${source.kind === 'env' ? 'the environment' : `profile [${source.profile}] of the shared credentials file`}, which awsdir does not write; move it into the keychain with \`awsdir add ${sourceName}${source.kind === 'credentials-profile' ? ` --from-profile ${source.profile}` : ' --from-env'}\` first`,
    );
  }
  const old = await workspace.sourceKeys(sourceName);
  // The new key must be storable: find out before spending an MFA code and creating anything.
  await keyring.probeWrite();

  const aws = deps.loadAws();
  const region = userConfig.stsRegion;
  const recordedKeyId = source.accessKeyId ?? '';
  const mfaSessionName = (accessKeyId: string, endpoint: string | undefined, mfaSerial: string): string =>
    sourceMfaSessionEntryName({ sourceName, accessKeyId, mfaSerial, sessionDurationSeconds: source.sessionDurationSeconds, ...(endpoint ? { endpoint } : {}) });

  let cachedSession: CachedSession | undefined;
  if (source.mfaSerial) {
    const found = await workspace.sessions.read(mfaSessionName(recordedKeyId, sessionEndpoint(deps.env).endpoint, source.mfaSerial), 'mfa-session');
    if (found && isFresh(found, deps.now(), CACHED_SESSION_MIN_LEFT_SECONDS)) cachedSession = found;
  }

  const newMfaSession = async (serial: string): Promise<AwsCredentials> => {
    const sts = aws.createSts({ credentials: old, region, env: deps.env });
    try {
      return await workspace.fetch.mfa.use(
        serial,
        source.mfaProcess,
        (code) => sts.getSessionToken({ durationSeconds: 900, serialNumber: serial, tokenCode: code }),
        {
          action: 'GetSessionToken',
          mfaSerial: serial,
          sourceName,
        },
      );
    } finally {
      sts.destroy();
    }
  };

  const rotateWith = async (iamCredentials: AwsCredentials, fromCache: boolean) => {
    const iam = aws.createIam({ credentials: iamCredentials, region, env: deps.env });
    // Before the new key exists, a refusal of the cached session is worth one more try with a code.
    const orCode = (error: unknown): unknown => (fromCache && isRefusal(error) ? new CachedSessionRefused(error) : error);
    const waitSeconds = Number(deps.env.AWSDIR_ROTATE_WAIT_SECONDS) > 0 ? Number(deps.env.AWSDIR_ROTATE_WAIT_SECONDS) : DEFAULT_ROTATE_WAIT_SECONDS;
    try {
      return await rotateAccessKey(sourceName, old, {
        reporter,
        iam: {
          getUserName: async () => {
            try {
              const user = await iam.getUser();
              if (!user?.UserName)
                throw new AwsdirError(
                  `rotate: source '${sourceName}' is not an IAM user's key (the account's root user has no user name); rotate root keys in the console, better delete them`,
                );
              return user.UserName;
            } catch (error) {
              if (error instanceof AwsdirError) throw error;
              const refused = orCode(error);
              throw refused instanceof CachedSessionRefused ? refused : explainAwsError(error, { action: 'GetUser', sourceName });
            }
          },
          listAccessKeys: async (userName) => {
            try {
              return await iam.listAccessKeys(userName);
            } catch (error) {
              const refused = orCode(error);
              throw refused instanceof CachedSessionRefused ? refused : explainAwsError(error, { action: 'ListAccessKeys', sourceName });
            }
          },
          createAccessKey: async (userName) => {
            try {
              return await iam.createAccessKey(userName);
            } catch (error) {
              throw orCode(error);
            }
          },
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
        describe: (error, action) => explainAwsError(error instanceof CachedSessionRefused ? error.refusal : error, { action, sourceName }).message,
      });
    } finally {
      iam.destroy();
    }
  };

  let result: Awaited<ReturnType<typeof rotateAccessKey>>;
  if (cachedSession) {
    reporter.debug(`IAM calls signed by the cached MFA session of source '${sourceName}' (expires ${cachedSession.expiration}): no code needed`);
    try {
      result = await rotateWith(credentialsOf(cachedSession), true);
    } catch (error) {
      const refused = refusedCached(error);
      if (!refused || !source.mfaSerial) throw error;
      reporter.info(`IAM refused the cached MFA session of source '${sourceName}' for key management (${errorName(refused.refusal)}); asking for a code`);
      result = await rotateWith(await newMfaSession(source.mfaSerial), false);
    }
  } else if (source.mfaSerial) {
    result = await rotateWith(await newMfaSession(source.mfaSerial), false);
  } else {
    reporter.warn(`source '${sourceName}' has no MFA device recorded; managing keys without MFA (a policy that requires MFA will refuse)`);
    result = await rotateWith(old, false);
  }

  const carried = await carrySessions(workspace, sourceName, (entry) =>
    entry.mfaSerial && mfaSessionName(recordedKeyId, entry.endpoint, entry.mfaSerial) === entry.name
      ? mfaSessionName(result.newKeyId, entry.endpoint, entry.mfaSerial)
      : undefined,
  );
  reporter.info(
    `rotated source '${sourceName}' (user ${result.userName}): the new key ${result.newKeyId} is in the keychain and works; the old key ${result.oldKeyId} is deleted` +
      (carried ? '; the MFA session stays in use until it ends (deleting a key does not end the sessions it made), so no code is needed before then' : ''),
  );
}

/**
 * Cache entries are named after the source's key id. The MFA session goes over to the new key's
 * name (`rename` gives it); role sessions, whose names need what only their projects know, are
 * removed: nothing would read them under the old name, and each directory assumes its role again
 * from the MFA session, without a code. True when an MFA session was carried over.
 */
async function carrySessions(workspace: Workspace, sourceName: string, rename: (entry: CacheEntry) => string | undefined): Promise<boolean> {
  const { sessions, reporter } = workspace;
  let carried = false;
  for (const entry of await sessions.entries()) {
    if (entry.sourceName !== sourceName) continue;
    const to = entry.kind === 'mfa-session' && !entry.malformed ? rename(entry) : undefined;
    try {
      const session = to ? await sessions.read(entry.name, 'mfa-session') : null;
      if (to && session) {
        await sessions.write(to, session);
        carried = true;
        reporter.debug(`carried MFA session ${entry.name} over to ${to}`);
      }
      await sessions.remove(entry.name);
    } catch (error) {
      reporter.debug(`cache entry ${entry.name}: ${(error as Error).message}`);
    }
  }
  return carried;
}
