import type { Context } from '../../core/context';
import { AwsdirError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { loadAwsSdk } from '../../aws/loadAwsSdk';
import type { AwsCredentials } from '../../aws/types';
import { explainAwsError, isInvalidToken, isNetworkError } from '../../aws/errors';
import { recordSource } from '../../config/userConfig';
import { createEngine } from '../../credentials/createEngine';
import { serializeSource, sourceEntryName } from '../../credentials/sourceCredentials';
import { rotateAccessKey } from '../../security/rotateAccessKey';

const DEFAULT_WAIT_SECONDS = 60;

export const registerRotate: RegisterCommand = (program, ctx) => {
  program
    .command('rotate')
    .description("replace a source's IAM access key with a new one, never losing the working key")
    .argument('[source]', 'the source of the user file whose key to replace', 'default')
    .option('--mfa-code <code>', 'an MFA code (key management needs an MFA session under the base-user policy)')
    .addHelpText(
      'after',
      `
Example:
  $ awsdir rotate                      # the source 'default'
  $ awsdir rotate work --mfa-code 123456

Steps: get an MFA session (when the source has an MFA device), create a new key, wait until AWS
accepts it (up to AWSDIR_ROTATE_WAIT_SECONDS, default ${DEFAULT_WAIT_SECONDS}), store it in the keychain and
the user file, then delete the old key. A failure before the new key is stored deletes the new key
and leaves the old one working and in the keychain. AWS allows two keys per user: with two already,
rotate names the other key and how to delete it.`,
    )
    .action(async (source: string, options: { mfaCode?: string }) => {
      await rotate(source, options, ctx);
    });
};

function errorName(error: unknown): string {
  const e = error as { name?: unknown; Code?: unknown };
  return typeof e?.Code === 'string' ? e.Code : typeof e?.name === 'string' ? e.name : '';
}

export async function rotate(sourceName: string, options: { mfaCode?: string }, ctx: Context): Promise<void> {
  const engine = await createEngine(ctx, options.mfaCode ? { mfaCode: options.mfaCode } : {});
  const { reporter, keyring, userConfig } = engine;
  const source = userConfig.sources[sourceName];
  if (!source) throw new AwsdirError(`rotate: there is no source '${sourceName}' in ${userConfig.file}; store a key with \`awsdir add ${sourceName}\``);
  if (source.kind === 'sso') {
    throw new AwsdirError(`rotate: source '${sourceName}' signs in through IAM Identity Center and has no access key to rotate; its sign-in is renewed with \`awsdir login ${sourceName}\``);
  }
  if (source.kind !== 'keychain') {
    throw new AwsdirError(`rotate: source '${sourceName}' takes its key from ${source.kind === 'env' ? 'the environment' : `profile [${source.profile}] of the shared credentials file`}, which awsdir does not write; move it into the keychain with \`awsdir add ${sourceName}${source.kind === 'credentials-profile' ? ` --from-profile ${source.profile}` : ' --from-env'}\` first`);
  }
  const old = await engine.sourceCredentials(sourceName);
  // The new key must be storable: find out before spending an MFA code and creating anything.
  await keyring.probeWrite();

  const aws = loadAwsSdk();
  const region = userConfig.stsRegion;
  let iamCredentials: AwsCredentials = old;
  if (source.mfaSerial) {
    const mfa = engine.mfaCodes();
    const sts = aws.createSts({ credentials: old, region, env: ctx.env });
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

  const iam = aws.createIam({ credentials: iamCredentials, region, env: ctx.env });
  const waitSeconds = Number(ctx.env.AWSDIR_ROTATE_WAIT_SECONDS) > 0 ? Number(ctx.env.AWSDIR_ROTATE_WAIT_SECONDS) : DEFAULT_WAIT_SECONDS;
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
        const sts = aws.createSts({ credentials, region, env: ctx.env, maxAttempts: 1 });
        try {
          return (await sts.getCallerIdentity()).arn;
        } finally {
          sts.destroy();
        }
      },
      store: (credentials) => keyring.set(sourceEntryName(sourceName), serializeSource(credentials)),
      record: (accessKeyId) => recordSource(ctx.env, sourceName, { accessKeyId, ...(source.mfaSerial ? { mfaSerial: source.mfaSerial } : {}) }),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => ctx.now(),
      waitSeconds,
      isLimitExceeded: (error) => /LimitExceeded/.test(errorName(error)),
      isNotYetValid: (error) => isInvalidToken(error) || errorName(error) === 'SignatureDoesNotMatch' || isNetworkError(error),
      describe: (error, action) => explainAwsError(error, { action, sourceName }).message,
    });
    // Cached sessions are named after the old key id: nothing will read them again.
    const stale = (await engine.cacheEntries()).filter((e) => e.sourceName === sourceName);
    for (const entry of stale) await keyring.delete(entry.name).catch(() => false);
    reporter.info(`rotated source '${sourceName}' (user ${result.userName}): the new key ${result.newKeyId} is in the keychain and works; the old key ${result.oldKeyId} is deleted`);
  } finally {
    iam.destroy();
  }
}
