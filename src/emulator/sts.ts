import type { User } from './fixture';
import { evaluate } from './policy';
import { acceptedStep } from './totp';
import { principalAccount, principalArn, type Caller, type Session, type World } from './world';
import { ApiError, type XmlValue } from './xml';

export const STS_ACTIONS = ['GetSessionToken', 'AssumeRole', 'GetCallerIdentity', 'GetAccessKeyInfo'] as const;

type Params = URLSearchParams;
type Result = { [name: string]: XmlValue } | undefined;

export function handleSts(world: World, action: string, params: Params, caller: Caller): Result {
  // GetSessionToken credentials are meant only for assuming roles and proving who you are.
  if (caller.kind === 'session' && caller.session.type === 'session-token' && action !== 'AssumeRole' && action !== 'GetCallerIdentity') {
    throw new ApiError(403, 'AccessDenied', `Cannot call ${action} with session credentials`);
  }
  switch (action) {
    case 'GetCallerIdentity':
      return callerIdentity(caller);
    case 'GetAccessKeyInfo':
      return accessKeyInfo(world, params);
    case 'GetSessionToken':
      return getSessionToken(world, params, caller);
    case 'AssumeRole':
      return assumeRole(world, params, caller);
    default:
      throw new ApiError(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
  }
}

function callerIdentity(caller: Caller): Result {
  if (caller.kind === 'session' && caller.session.type === 'role' && caller.session.role) {
    const s = caller.session;
    return { UserId: `${s.role!.id}:${s.sessionName}`, Account: s.role!.account, Arn: principalArn(caller) };
  }
  const user = caller.kind === 'user' ? caller.user : caller.session.user;
  if (!user) throw new Error('a session with neither a role nor an IAM user');
  return { UserId: user.id, Account: user.account, Arn: user.arn };
}

function accessKeyInfo(world: World, params: Params): Result {
  const id = params.get('AccessKeyId') ?? '';
  validate('accessKeyId', id, { min: 16, max: 128, pattern: /^[\w]*$/ });
  const owner =
    world.findLongTermKey(id)?.user.account ?? (world.sessions.get(id) ? principalAccount({ kind: 'session', session: world.sessions.get(id)! }) : undefined);
  if (!owner) throw new ApiError(400, 'InvalidParameterValue', `The access key ${id} is not known to this emulator.`);
  return { Account: owner };
}

function getSessionToken(world: World, params: Params, caller: Caller): Result {
  if (caller.kind !== 'user') throw new ApiError(403, 'AccessDenied', 'Cannot call GetSessionToken with session credentials');
  const duration = integer('durationSeconds', params.get('DurationSeconds'), 900, 129600) ?? 43200;
  const mfa = mfaParams(params);
  if (mfa) verifyMfa(world, caller.user, mfa.serial, mfa.code);
  const seconds = Math.min(duration, world.fixture.issueSeconds.GetSessionToken ?? Infinity);
  const session = world.issue({ type: 'session-token', user: caller.user, chained: false, ...(mfa ? { mfaAuthAt: world.now() } : {}) }, seconds);
  return { Credentials: credentials(session) };
}

function assumeRole(world: World, params: Params, caller: Caller): Result {
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  if (roleArn === null)
    throw new ApiError(400, 'ValidationError', "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
  if (sessionName === null)
    throw new ApiError(
      400,
      'ValidationError',
      "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
    );
  validate('roleArn', roleArn, { min: 20, max: 2048 });
  validate('roleSessionName', sessionName, { min: 2, max: 64, pattern: /^[\w+=,.@-]*$/ });
  const duration = integer('durationSeconds', params.get('DurationSeconds'), 900, 43200);
  const externalId = params.get('ExternalId');
  if (externalId !== null) validate('externalId', externalId, { min: 2, max: 1224, pattern: /^[\w+=,.@:/-]*$/ });
  const sourceIdentity = params.get('SourceIdentity');
  if (sourceIdentity !== null) validate('sourceIdentity', sourceIdentity, { min: 2, max: 64, pattern: /^[\w+=,.@-]*$/ });
  const mfa = mfaParams(params);

  const callerArn = principalArn(caller);
  const notAuthorized = () => new ApiError(403, 'AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  const role = world.findRole(roleArn);
  if (!role) throw notAuthorized();

  // Role chaining is assuming a role with another role's credentials; GetSessionToken
  // credentials are not a role, so an MFA session may still open a 12-hour role session.
  const chained = caller.kind === 'session' && caller.session.type === 'role';
  if (duration !== undefined && chained && duration > 3600) {
    throw new ApiError(400, 'ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (duration !== undefined && duration > role.maxSessionDuration) {
    throw new ApiError(400, 'ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }

  const rootUser = caller.kind === 'user' ? caller.user : caller.session.user;
  let mfaNow: number | undefined;
  if (mfa) {
    // A role session has no MFA device of its own: its serial can never be "associated with this user".
    const owner: User | undefined = caller.kind === 'session' && caller.session.type === 'role' ? undefined : rootUser;
    verifyMfa(world, owner, mfa.serial, mfa.code);
    mfaNow = world.now();
  }

  world.authorizeIdentity(caller, 'sts:AssumeRole', role.arn);

  const keys = world.conditionKeys(caller, mfaNow);
  if (externalId !== null) keys['sts:ExternalId'] = externalId;
  const principalArns = [callerArn];
  if (caller.kind === 'session' && caller.session.role) principalArns.push(caller.session.role.arn);
  const facts = { principalArns, principalAccount: principalAccount(caller), resource: role.arn, keys };
  const actions = sourceIdentity !== null ? ['sts:AssumeRole', 'sts:SetSourceIdentity'] : ['sts:AssumeRole'];
  for (const action of actions) {
    if (evaluate([role.trustPolicy], { ...facts, action }, { trust: true }) !== 'allow') {
      throw new ApiError(403, 'AccessDenied', `User: ${callerArn} is not authorized to perform: ${action} on resource: ${roleArn}`);
    }
  }

  const requested = duration ?? 3600;
  const seconds = Math.min(requested, world.fixture.issueSeconds.AssumeRole ?? Infinity);
  const mfaAuthAt = mfaNow ?? (caller.kind === 'session' ? caller.session.mfaAuthAt : undefined);
  const session = world.issue(
    {
      type: 'role',
      user: rootUser,
      role,
      sessionName,
      chained,
      ...(mfaAuthAt !== undefined ? { mfaAuthAt } : {}),
      ...(sourceIdentity !== null ? { sourceIdentity } : {}),
    },
    seconds,
  );
  return {
    Credentials: credentials(session),
    AssumedRoleUser: { AssumedRoleId: `${role.id}:${sessionName}`, Arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${sessionName}` },
    ...(sourceIdentity !== null ? { SourceIdentity: sourceIdentity } : {}),
  };
}

function credentials(session: Session): XmlValue {
  return {
    AccessKeyId: session.accessKeyId,
    SecretAccessKey: session.secretAccessKey,
    SessionToken: session.sessionToken,
    Expiration: new Date(session.expiresAt),
  };
}

function mfaParams(params: Params): { serial: string; code: string } | undefined {
  const serial = params.get('SerialNumber');
  const code = params.get('TokenCode');
  if (serial !== null) validate('serialNumber', serial, { min: 9, max: 256, pattern: /^[\w+=/:,.@-]*$/ });
  if (code !== null) validate('tokenCode', code, { min: 6, max: 6, pattern: /^[\d]*$/ });
  if (serial === null && code === null) return undefined;
  if (serial === null || code === null) {
    throw new ApiError(403, 'AccessDenied', 'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.');
  }
  return { serial, code };
}

/** Checks the code against the device's seed; a good code moves the device past its step for good. */
function verifyMfa(world: World, owner: User | undefined, serial: string, code: string): void {
  const device = owner?.mfa.find((d) => d.serial === serial);
  if (!device) {
    throw new ApiError(
      403,
      'AccessDenied',
      'MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.',
    );
  }
  const step = acceptedStep(device.seed, code, world.now(), world.lastAcceptedStep.get(serial));
  if (step === undefined) throw new ApiError(403, 'AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.');
  world.lastAcceptedStep.set(serial, step);
}

function validate(name: string, value: string, rule: { min: number; max: number; pattern?: RegExp }): void {
  const shown = value.length > 64 ? `${value.slice(0, 64)}...` : value;
  if (value.length < rule.min)
    throw new ApiError(
      400,
      'ValidationError',
      `1 validation error detected: Value '${shown}' at '${name}' failed to satisfy constraint: Member must have length greater than or equal to ${rule.min}`,
    );
  if (value.length > rule.max)
    throw new ApiError(
      400,
      'ValidationError',
      `1 validation error detected: Value '${shown}' at '${name}' failed to satisfy constraint: Member must have length less than or equal to ${rule.max}`,
    );
  if (rule.pattern && !rule.pattern.test(value)) {
    const source = rule.pattern.source.replace(/^\^/, '').replace(/\$$/, '');
    throw new ApiError(
      400,
      'ValidationError',
      `1 validation error detected: Value '${shown}' at '${name}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${source}`,
    );
  }
}

function integer(name: string, raw: string | null, min: number, max: number): number | undefined {
  if (raw === null) return undefined;
  if (!/^-?\d+$/.test(raw))
    throw new ApiError(
      400,
      'ValidationError',
      `1 validation error detected: Value '${raw}' at '${name}' failed to satisfy constraint: Member must be an integer`,
    );
  const value = Number(raw);
  if (value < min)
    throw new ApiError(
      400,
      'ValidationError',
      `1 validation error detected: Value '${value}' at '${name}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  if (value > max)
    throw new ApiError(
      400,
      'ValidationError',
      `1 validation error detected: Value '${value}' at '${name}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  return value;
}
