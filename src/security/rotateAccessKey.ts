import { AwsdirError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import type { AwsCredentials } from '../aws/types';

/** What rotation needs from AWS, the keychain and the user file; each a plain function. */
export interface RotateDeps {
  reporter: Reporter;
  /** IAM signed with credentials allowed to manage the user's keys (an MFA session when the policy wants one). */
  iam: {
    getUserName(): Promise<string>;
    listAccessKeys(userName: string): Promise<Array<{ accessKeyId: string; status: string }>>;
    createAccessKey(userName: string): Promise<AwsCredentials>;
    deleteAccessKey(accessKeyId: string, userName: string): Promise<void>;
  };
  /** GetCallerIdentity signed with the given key: proves a key works. */
  callerArn(credentials: AwsCredentials): Promise<string>;
  /** Writes the keychain entry of the source (atomically: a failed write leaves the old value). */
  store(credentials: AwsCredentials): Promise<void>;
  /** Records the new access key id in the user file. */
  record(accessKeyId: string): Promise<void>;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** How long a new key may take to start working (IAM is eventually consistent). */
  waitSeconds: number;
  isLimitExceeded(error: unknown): boolean;
  /** An error of a new key not known yet (InvalidClientTokenId, SignatureDoesNotMatch), worth retrying. */
  isNotYetValid(error: unknown): boolean;
  describe(error: unknown, action: string): string;
}

export interface RotateResult {
  userName: string;
  oldKeyId: string;
  newKeyId: string;
}

function deleteCommand(userName: string, keyId: string): string {
  return `/usr/bin/aws iam delete-access-key --user-name ${userName} --access-key-id ${keyId}`;
}

/**
 * Replaces a source's access key without ever losing a working one: the new key is created, proven
 * to work, and stored before the old one is deleted; any failure before the store removes the new
 * key again and leaves the old key in AWS and in the keychain.
 */
export async function rotateAccessKey(sourceName: string, old: AwsCredentials, deps: RotateDeps): Promise<RotateResult> {
  const r = deps.reporter;
  const userName = await deps.iam.getUserName();
  const existing = await deps.iam.listAccessKeys(userName);
  const others = existing.filter((k) => k.accessKeyId !== old.accessKeyId);
  const limit = (other: string | undefined): AwsdirError =>
    new AwsdirError(
      `rotate: user ${userName} already has two access keys (${old.accessKeyId}, used by source '${sourceName}', and ${other ?? 'another'}), and AWS allows two; delete the other one first if nothing uses it: ${deleteCommand(userName, other ?? 'KEY')}, then run \`awsdir rotate ${sourceName}\` again`,
    );
  if (existing.length >= 2) throw limit(others[0]?.accessKeyId);

  let created: AwsCredentials;
  try {
    created = await deps.iam.createAccessKey(userName);
  } catch (error) {
    if (deps.isLimitExceeded(error)) throw limit(others[0]?.accessKeyId);
    throw new AwsdirError(
      `rotate: IAM did not create a new key (${deps.describe(error, 'CreateAccessKey')}); nothing changed, the old key ${old.accessKeyId} still works; try again`,
      { cause: error },
    );
  }
  r.info(`created the new access key ${created.accessKeyId} for ${userName}; waiting until AWS accepts it`);

  const undo = async (what: string, cause: unknown): Promise<never> => {
    let cleanup: string;
    try {
      await deps.iam.deleteAccessKey(created.accessKeyId, userName);
      cleanup = `the new key ${created.accessKeyId} was deleted again`;
    } catch (error) {
      cleanup = `the new key ${created.accessKeyId} could not be deleted (${deps.describe(error, 'DeleteAccessKey')}): delete it with ${deleteCommand(userName, created.accessKeyId)}`;
    }
    throw new AwsdirError(`rotate: ${what}; ${cleanup}; the old key ${old.accessKeyId} is untouched, still in the keychain and still works`, { cause });
  };

  // IAM takes a few seconds before a new key signs anything: retry only the errors that mean "not yet".
  const deadline = deps.now() + deps.waitSeconds * 1000;
  for (let attempt = 1, delay = 500; ; attempt++, delay = Math.min(delay * 2, 4000)) {
    try {
      await deps.callerArn(created);
      break;
    } catch (error) {
      if (!deps.isNotYetValid(error)) await undo(`the new key failed its first use (${deps.describe(error, 'GetCallerIdentity')})`, error);
      if (deps.now() + delay > deadline)
        await undo(`AWS did not accept the new key within ${deps.waitSeconds}s (${deps.describe(error, 'GetCallerIdentity')})`, error);
      r.info(`the new key is not accepted yet (attempt ${attempt}); retrying in ${(delay / 1000).toFixed(1)}s`);
      await deps.sleep(delay);
    }
  }

  try {
    await deps.store(created);
  } catch (error) {
    await undo(`the new key could not be stored in the keychain (${error instanceof Error ? error.message : String(error)})`, error);
  }
  try {
    await deps.record(created.accessKeyId);
  } catch (error) {
    r.warn(
      `the new key is in the keychain, but the user file still names ${old.accessKeyId} (${error instanceof Error ? error.message : String(error)}); run \`awsdir add ${sourceName}\` to record it`,
    );
  }

  try {
    await deps.iam.deleteAccessKey(old.accessKeyId, userName);
  } catch (error) {
    throw new AwsdirError(
      `rotate: the new key ${created.accessKeyId} works and is in the keychain, but the old key ${old.accessKeyId} could not be deleted (${deps.describe(error, 'DeleteAccessKey')}); delete it with ${deleteCommand(userName, old.accessKeyId)}`,
      { cause: error },
    );
  }
  return { userName, oldKeyId: old.accessKeyId, newKeyId: created.accessKeyId };
}
