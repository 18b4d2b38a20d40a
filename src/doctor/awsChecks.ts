import type { Env } from '../core/context';
import type { AwsSdk } from '../aws/loadAwsSdk';
import type { AwsCredentials } from '../aws/types';
import { explainAwsError, isAccessDenied } from '../aws/errors';
import type { SourceConfig } from '../config/types';
import { fail, pass, warn, type CheckId, type CheckResult } from './checkResult';
import { findExtraGrants, type AppliedPolicy } from './findExtraGrants';

export const MAX_KEY_AGE_DAYS = 90;
export const MAX_UNUSED_DAYS = 90;
/** Beyond this, TOTP codes made on this machine (mfa_process) start to miss AWS's window. */
export const SKEW_WARN_SECONDS = 30;
/** Beyond this, the AWS CLI's requests start to fail ("Signature expired" comes at 15 minutes). */
export const SKEW_FAIL_SECONDS = 5 * 60;
const DAY = 86_400_000;

export interface AwsCheckDeps {
  env: Env;
  aws: AwsSdk;
  sourceName: string;
  source: SourceConfig;
  keys: AwsCredentials;
  /** Given with --mfa-code: IAM reads then run in an MFA session, as a policy that requires MFA wants. */
  mfaCode?: string;
  stsRegion: string;
  now: () => number;
}

const AWS_IDS: CheckId[] = ['base-user-permissions', 'key-age', 'mfa-device', 'clock-skew'];

/** The four checks that ask AWS, all answered even when an early step fails. */
export async function runAwsChecks(deps: AwsCheckDeps): Promise<CheckResult[]> {
  const client = { credentials: deps.keys, region: deps.stsRegion, env: deps.env };
  let identity: Awaited<ReturnType<AwsSdk['getCallerIdentityWithServerDate']>>;
  try {
    identity = await deps.aws.getCallerIdentityWithServerDate(client, deps.now);
  } catch (error) {
    const explained = explainAwsError(error, { action: 'GetCallerIdentity', sourceName: deps.sourceName });
    return AWS_IDS.map((id) =>
      fail(
        id,
        `source '${deps.sourceName}': its key could not be checked with AWS, so neither could this: ${explained.message}`,
        'fix what the message names first (the key, the network or the endpoint), then run doctor again',
      ),
    );
  }
  const results: CheckResult[] = [];
  const skew = clockSkew(identity);

  const user = /^arn:[\w-]+:iam::(\d{12}):user\/(?:.*\/)?([\w+=,.@-]+)$/.exec(identity.arn);
  if (/:root$/.test(identity.arn)) {
    const message = `source '${deps.sourceName}' is the account's root user (${identity.arn}); root keys can do anything and cannot be limited by any policy`;
    const fix =
      'create an IAM user with templates/iam/base-user-policy.json, `awsdir add` its key, and delete the root access key in the console (Security credentials)';
    return [fail('base-user-permissions', message, fix), fail('key-age', message, fix), fail('mfa-device', message, fix), skew];
  }
  if (!user) {
    const message = `source '${deps.sourceName}' is ${identity.arn}, not an IAM user, so there is no user to check`;
    return [
      ...['base-user-permissions', 'key-age', 'mfa-device'].map((id) => warn(id as CheckId, message, 'point the source at an IAM user key (`awsdir add`)')),
      skew,
    ];
  }
  const userName = user[2] ?? '';

  let iamKeys: AwsCredentials = deps.keys;
  if (deps.mfaCode) {
    const serial = deps.source.mfaSerial;
    if (!serial) {
      return [
        ...['base-user-permissions', 'key-age', 'mfa-device'].map((id) =>
          warn(id as CheckId, `--mfa-code was given but source '${deps.sourceName}' has no mfa_serial`, `record it with \`awsdir add ${deps.sourceName}\``),
        ),
        skew,
      ];
    }
    try {
      const sts = deps.aws.createSts(client);
      iamKeys = await sts.getSessionToken({ durationSeconds: 900, serialNumber: serial, tokenCode: deps.mfaCode });
      sts.destroy();
    } catch (error) {
      const explained = explainAwsError(error, { action: 'GetSessionToken', mfaSerial: serial, sourceName: deps.sourceName });
      return [
        ...['base-user-permissions', 'key-age', 'mfa-device'].map((id) =>
          fail(id as CheckId, `could not get an MFA session: ${explained.message}`, 'run doctor again with the next code'),
        ),
        skew,
      ];
    }
  }
  const iamOptions = { credentials: iamKeys, region: 'us-east-1', env: deps.env };
  const iam = deps.aws.createIam(iamOptions);
  const reader = deps.aws.createIamPolicyReader(iamOptions);
  try {
    results.push(await checkBasePermissions(userName, iam, reader, Boolean(deps.mfaCode)));
    results.push(await checkKeyAge(userName, deps.keys.accessKeyId, iam, deps.now, Boolean(deps.mfaCode)));
    results.push(await checkMfaDevice(userName, deps, iam));
  } finally {
    iam.destroy();
    reader.destroy();
  }
  results.push(skew);
  return results;
}

/** How a refused IAM read is reported: without MFA it may be the policy's MFA rule, so offer --mfa-code. */
function refused(id: CheckId, what: string, error: unknown, withMfa: boolean): CheckResult {
  if (isAccessDenied(error)) {
    return withMfa
      ? warn(
          id,
          `IAM refused ${what} even with MFA`,
          'grant the reads of templates/iam/base-user-policy.json (statement ReadOwnUserForSetupAndDoctor), or ask an administrator to check',
        )
      : warn(id, `IAM refused ${what} without MFA (your policy may require it)`, 'run `awsdir doctor --mfa-code CODE` with a code from your MFA device');
  }
  return fail(
    id,
    `could not read ${what}: ${explainAwsError(error, { action: 'IAM' }).message}`,
    'run doctor again; if it persists, check the network and the IAM endpoint',
  );
}

type Iam = ReturnType<AwsSdk['createIam']>;
type Reader = ReturnType<AwsSdk['createIamPolicyReader']>;

async function checkBasePermissions(userName: string, iam: Iam, reader: Reader, withMfa: boolean): Promise<CheckResult> {
  const id: CheckId = 'base-user-permissions';
  const applied: AppliedPolicy[] = [];
  const unreadable: string[] = [];
  const managed: Array<{ arn: string; label: string }> = [];
  try {
    for (const p of await iam.listAttachedUserPolicies(userName)) managed.push({ arn: p.arn, label: `${p.name} (attached to user ${userName})` });
    for (const name of await iam.listUserPolicies(userName)) {
      try {
        applied.push({ label: `inline policy '${name}' of user ${userName}`, document: await reader.getUserPolicy(userName, name) });
      } catch {
        unreadable.push(`inline policy '${name}' of user ${userName}`);
      }
    }
    for (const group of await reader.listGroupsForUser(userName)) {
      try {
        for (const p of await reader.listAttachedGroupPolicies(group)) managed.push({ arn: p.arn, label: `${p.name} (attached to group ${group})` });
        for (const name of await reader.listGroupPolicies(group)) {
          try {
            applied.push({ label: `inline policy '${name}' of group ${group}`, document: await reader.getGroupPolicy(group, name) });
          } catch {
            unreadable.push(`inline policy '${name}' of group ${group}`);
          }
        }
      } catch {
        unreadable.push(`the policies of group ${group}`);
      }
    }
  } catch (error) {
    return refused(id, `the list of user ${userName}'s policies`, error, withMfa);
  }
  for (const m of managed) {
    try {
      applied.push({ label: m.label, document: await reader.getManagedPolicyDocument(m.arn) });
    } catch {
      unreadable.push(m.label);
    }
  }
  const extra = findExtraGrants(applied);
  if (extra.length) {
    const byPolicy = new Map<string, string[]>();
    for (const e of extra) byPolicy.set(e.policy, [...(byPolicy.get(e.policy) ?? []), e.action]);
    const list = [...byPolicy].map(
      ([policy, actions]) => `${policy}: ${actions.slice(0, 8).join(', ')}${actions.length > 8 ? ` and ${actions.length - 8} more` : ''}`,
    );
    return fail(
      id,
      `user ${userName} may do more than assume roles and manage its own MFA device and keys: ${list.join('; ')}${unreadable.length ? `; not readable: ${unreadable.join(', ')}` : ''}`,
      'detach these policies from the user and its groups, attach templates/iam/base-user-policy.json, and grant the rest through roles that require MFA',
    );
  }
  if (unreadable.length) {
    return warn(
      id,
      `nothing beyond the base-user template in what could be read, but not readable: ${unreadable.join(', ')}`,
      withMfa
        ? 'allow the policy reads of templates/iam/base-user-policy.json'
        : 'run `awsdir doctor --mfa-code CODE`, or allow the policy reads of templates/iam/base-user-policy.json',
    );
  }
  return pass(
    id,
    `user ${userName} may only assume roles and manage its own MFA device and keys (${applied.length} polic${applied.length === 1 ? 'y' : 'ies'} read)`,
  );
}

function days(ms: number): number {
  return Math.floor(ms / DAY);
}

async function checkKeyAge(userName: string, currentKeyId: string, iam: Iam, now: () => number, withMfa: boolean): Promise<CheckResult> {
  const id: CheckId = 'key-age';
  let keys: Awaited<ReturnType<Iam['listAccessKeys']>>;
  try {
    keys = await iam.listAccessKeys(userName);
  } catch (error) {
    return refused(id, `the access keys of user ${userName}`, error, withMfa);
  }
  const old: string[] = [];
  const idle: string[] = [];
  for (const key of keys) {
    const mine = key.accessKeyId === currentKeyId;
    const name = `${key.accessKeyId}${mine ? ' (this source)' : ''}`;
    const age = key.createDate ? days(now() - key.createDate.getTime()) : 0;
    if (key.status !== 'Active') {
      idle.push(`${name} is inactive`);
      continue;
    }
    if (age > MAX_KEY_AGE_DAYS) old.push(`${name} is ${age} days old`);
    if (mine) continue;
    let lastUsed: Date | undefined;
    try {
      lastUsed = (await iam.getAccessKeyLastUsed(key.accessKeyId)).lastUsedDate;
    } catch {
      continue;
    }
    if (!lastUsed && age > 7) idle.push(`${name} was never used`);
    else if (lastUsed && days(now() - lastUsed.getTime()) > MAX_UNUSED_DAYS) idle.push(`${name} was last used ${days(now() - lastUsed.getTime())} days ago`);
  }
  if (old.length) {
    return fail(
      id,
      `access keys older than ${MAX_KEY_AGE_DAYS} days: ${old.join(', ')}${idle.length ? `; also ${idle.join(', ')}` : ''}`,
      'rotate with `awsdir rotate` (new key into the keychain, old key deleted)',
    );
  }
  if (idle.length) {
    return warn(
      id,
      `keys you may not need: ${idle.join(', ')}`,
      `delete them: \`/usr/bin/aws iam delete-access-key --user-name ${userName} --access-key-id KEY\` (or in the console), after checking nothing uses them`,
    );
  }
  return pass(id, `${keys.length} access key${keys.length === 1 ? '' : 's'}, none older than ${MAX_KEY_AGE_DAYS} days`);
}

async function checkMfaDevice(userName: string, deps: AwsCheckDeps, iam: Iam): Promise<CheckResult> {
  const id: CheckId = 'mfa-device';
  let devices: Awaited<ReturnType<Iam['listMfaDevices']>>;
  try {
    devices = await iam.listMfaDevices(userName);
  } catch (error) {
    return refused(id, `the MFA devices of user ${userName}`, error, Boolean(deps.mfaCode));
  }
  const serials = devices.map((d) => d.serialNumber);
  if (!serials.length) {
    return fail(
      id,
      `user ${userName} has no MFA device, so no role that requires MFA can be assumed`,
      `assign a virtual MFA device (console: IAM > Users > ${userName} > Security credentials), then \`awsdir add ${deps.sourceName}\` to record it`,
    );
  }
  const recorded = deps.source.mfaSerial;
  if (!recorded) {
    return warn(
      id,
      `user ${userName} has an MFA device (${serials.join(', ')}) but source '${deps.sourceName}' records none`,
      `run \`awsdir add ${deps.sourceName}\` to record it, or set mfa_serial for the source in the user file`,
    );
  }
  if (!serials.includes(recorded)) {
    return fail(
      id,
      `source '${deps.sourceName}' names MFA device ${recorded}, but user ${userName} has ${serials.join(', ')}`,
      `set mfa_serial of source '${deps.sourceName}' to ${serials[0]} (or run \`awsdir add ${deps.sourceName}\`)`,
    );
  }
  return pass(id, `MFA device ${recorded} is assigned to user ${userName}`);
}

function clockSkew(identity: { serverDate?: Date; sentAt: number; receivedAt: number }): CheckResult {
  const id: CheckId = 'clock-skew';
  if (!identity.serverDate)
    return warn(id, 'STS sent no Date header, so the clock could not be compared', 'compare your clock with an NTP server by hand (`timedatectl`, `sntp`)');
  // The Date header has whole seconds: compare with the middle of the round trip.
  const local = (identity.sentAt + identity.receivedAt) / 2;
  const skew = Math.round((local - identity.serverDate.getTime()) / 1000);
  const size = Math.abs(skew);
  const direction = skew > 0 ? 'ahead of' : 'behind';
  const why =
    "the AWS SDK corrects for it silently, but the AWS CLI does not (it fails with 'Signature expired' at 15 minutes), and MFA codes computed on this machine (mfa_process) go wrong";
  const fix = 'turn on time synchronisation (`timedatectl set-ntp true`, or your OS settings)';
  if (size > SKEW_FAIL_SECONDS) return fail(id, `this machine's clock is ${size}s ${direction} AWS; ${why}`, fix);
  if (size > SKEW_WARN_SECONDS) return warn(id, `this machine's clock is ${size}s ${direction} AWS; ${why}`, fix);
  return pass(id, `clock within ${Math.max(size, 1)}s of AWS`);
}
