import type { Env } from '../core/context';
import { AwsdirError, UsageError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import type { AwsSdk } from '../aws/loadAwsSdk';
import type { AwsCredentials } from '../aws/types';
import { explainAwsError } from '../aws/errors';
import { isAwsdirExport, serializeSource, sourceEntryName } from '../credentials/sourceCredentials';
import { stsEndpoint } from '../credentials/chainProject';
import { readProfileKeys } from './readProfileKeys';
import { removeImportedProfile } from './removeImportedProfile';

const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
export const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** STS takes only TOTP devices: virtual or hardware, whose serial is an ARN of an `mfa/` resource. */
const TOTP_SERIAL = /^arn:aws[\w-]*:iam::\d{12}:mfa\/[\w+=,.@/-]+$/;

export interface AddInput {
  name: string;
  fromEnv: boolean;
  mfaSerial?: string;
  /** --from-profile: take the key from this profile of ~/.aws/credentials. */
  fromProfile?: string;
  /** --remove-from-file: then take it out of that file, keeping a 0600 backup. */
  removeFromFile?: boolean;
}

export interface AddDeps {
  env: Env;
  reporter: Reporter;
  /** Asks on the terminal; `secret` hides what is typed. */
  ask: (prompt: string, secret: boolean) => Promise<string>;
  store: (name: string, value: string) => Promise<void>;
  backendName: string;
  stsRegion: string;
  record: (name: string, fields: { accessKeyId: string; mfaSerial?: string }) => Promise<void>;
  /** Reads a keychain entry back (proves the key is stored before --remove-from-file). */
  readBack?: (name: string) => Promise<string | null>;
  now?: () => number;
  loadAws: () => AwsSdk;
}

/**
 * Stores an IAM user's access key as a source: the key is proven to work with GetCallerIdentity,
 * its MFA device found (or the one given checked), and only then written to the keychain and the
 * user file; a key imported from a profile is then taken out of that file when asked to.
 */
export async function addSource(input: AddInput, deps: AddDeps): Promise<void> {
  if (!SOURCE_NAME.test(input.name)) throw new UsageError(`source name '${input.name}' is not valid; use letters, digits, '.', '_' or '-' (at most 64)`);
  if (input.mfaSerial !== undefined && !TOTP_SERIAL.test(input.mfaSerial)) {
    throw new UsageError(`--mfa-serial ${input.mfaSerial} is not the ARN of a TOTP MFA device (arn:aws:iam::ACCOUNT:mfa/NAME); STS cannot use other devices`);
  }
  const keys = input.fromProfile ? await readProfileKeys(deps.env, input.fromProfile) : input.fromEnv ? keysFromEnv(deps.env) : await keysFromTerminal(deps);
  if (!ACCESS_KEY_ID.test(keys.accessKeyId)) {
    throw new UsageError(
      `access key id ${keys.accessKeyId.slice(0, 4)}... is not an IAM user's long-term key (AKIA followed by 16 characters); create one in IAM > Users > Security credentials`,
    );
  }
  if (!keys.secretAccessKey || /\s/.test(keys.secretAccessKey)) throw new UsageError('the secret access key is empty or holds spaces; paste it again');

  const aws = deps.loadAws();
  const sts = aws.createSts({ credentials: keys, region: deps.stsRegion, env: deps.env });
  let identity: { arn: string; account: string };
  try {
    identity = await sts.getCallerIdentity();
  } catch (error) {
    throw explainAwsError(error, { action: 'GetCallerIdentity', sourceName: input.name, endpoint: stsEndpoint(deps.env, deps.stsRegion) });
  } finally {
    sts.destroy();
  }
  deps.reporter.info(`the key works: ${identity.arn}`);

  const mfaSerial = input.mfaSerial ?? (await findMfaDevice(keys, deps));
  await deps.store(sourceEntryName(input.name), serializeSource(keys));
  await deps.record(input.name, { accessKeyId: keys.accessKeyId, ...(mfaSerial ? { mfaSerial } : {}) });
  deps.reporter.info(
    `added source '${input.name}' (${identity.arn}${mfaSerial ? `, MFA ${mfaSerial}` : ', no MFA device'}); keys stored in the ${deps.backendName}`,
  );
  if (input.fromProfile) await removeImportedProfile({ source: input.name, profile: input.fromProfile, keys, remove: Boolean(input.removeFromFile) }, deps);
}

function keysFromEnv(env: Env): AwsCredentials {
  if (isAwsdirExport(env)) {
    throw new AwsdirError(
      "--from-env: the AWS_* variables here were exported by awsdir (a role session), not an IAM user's key; run it from a shell outside awsdir's directories",
    );
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (!accessKeyId || !secretAccessKey)
    throw new UsageError('--from-env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment; set both, or leave out --from-env to type them');
  return { accessKeyId, secretAccessKey };
}

async function keysFromTerminal(deps: AddDeps): Promise<AwsCredentials> {
  const accessKeyId = (await deps.ask('Access key ID: ', false)).trim();
  const secretAccessKey = (await deps.ask('Secret access key (not shown): ', true)).trim();
  return { accessKeyId, secretAccessKey };
}

async function findMfaDevice(keys: AwsCredentials, deps: AddDeps): Promise<string | undefined> {
  const iam = deps.loadAws().createIam({ credentials: keys, region: deps.stsRegion, env: deps.env });
  let devices: Array<{ serialNumber: string }>;
  try {
    devices = await iam.listMfaDevices();
  } catch (error) {
    const explained = explainAwsError(error, { action: 'ListMFADevices' });
    deps.reporter.warn(`could not list MFA devices (${explained.message}); pass --mfa-serial to record one`);
    return undefined;
  } finally {
    iam.destroy();
  }
  const usable = devices.filter((d) => TOTP_SERIAL.test(d.serialNumber));
  for (const d of devices) {
    if (!usable.includes(d))
      deps.reporter.info(`skipping MFA device ${d.serialNumber}: STS takes codes only from virtual or hardware TOTP devices, not FIDO security keys`);
  }
  if (usable.length === 0) {
    deps.reporter.warn(
      'this user has no TOTP MFA device; roles that require MFA will refuse it (add one in IAM, then run `awsdir add` again, or use `mfa: false` for roles that do not require it)',
    );
    return undefined;
  }
  if (usable.length === 1) return usable[0]?.serialNumber;
  const list = usable.map((d, i) => `  ${i + 1}) ${d.serialNumber}`).join('\n');
  const answer = await deps.ask(`Several MFA devices:\n${list}\nWhich one (1-${usable.length})? `, false).catch((error: unknown) => {
    throw new UsageError(`several MFA devices and no terminal to choose on (${(error as Error).message}); choose with --mfa-serial`);
  });
  const chosen = usable[Number(answer.trim()) - 1];
  if (!chosen) throw new UsageError(`'${answer.trim()}' is not one of 1-${usable.length}; run again, or choose with --mfa-serial`);
  return chosen.serialNumber;
}
