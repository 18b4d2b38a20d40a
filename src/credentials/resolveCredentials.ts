import type { Env } from '../core/context';
import { AwsdirError, ConfigError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import type { AwsCredentials, IssuedCredentials } from '../aws/types';
import type { StsApi } from '../aws/sdk';
import { explainAwsError, isAccessDenied, isExpiredToken, isInvalidToken } from '../aws/errors';
import { endpointOverride } from '../aws/endpoints';
import type { Keyring } from '../keyring/keyring';
import type { MfaCodeProvider } from '../mfa/createMfaCodeProvider';
import type { SourceLike } from './sourceCredentials';
import { credentialsOf, isFresh, mfaSessionEntryName, roleEntryName, sessionEndpoint, sessionStore, toCachedSession, type CachedSession } from './sessionStore';

/** STS caps a role session assumed with session credentials at one hour. */
export const CHAIN_LIMIT_SECONDS = 3600;
const MFA_SESSION_MIN_LEFT_SECONDS = 300;

/** The part of a resolved project the chain needs. */
export interface ChainProject {
  projectFile: string;
  role: { arn: string; account: string; partition: string };
  account: string;
  durationSeconds: number;
  sourceName: string;
  source: SourceLike & { mfaSerial?: string; mfaProcess?: string; sessionDurationSeconds: number };
  sessionName: string;
  externalId?: string;
  sourceIdentity?: string;
  mfa: boolean;
  mfaSerial?: string;
}

export interface ChainDeps {
  env: Env;
  keyring: Keyring;
  reporter: Reporter;
  now: () => number;
  stsRegion: string;
  mfa: MfaCodeProvider;
  /** An STS client signed with the given credentials (loads the SDK chunk). */
  sts: (credentials: AwsCredentials) => StsApi;
  /**
   * The account alias the role session may read (iam:ListAccountAliases), for the summary line;
   * asked once per new role session and cached with it, so a hit never calls IAM.
   */
  accountAlias?: (credentials: AwsCredentials) => Promise<string | undefined>;
  /** Runs fn holding the named inter-process lock. */
  lock: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  readSource: (source: SourceLike) => Promise<AwsCredentials>;
}

export interface RoleCredentials {
  credentials: IssuedCredentials;
  assumedRoleArn: string;
  fromCache: boolean;
  accountAlias?: string;
  /** The STS endpoint that issued the session, when the environment names one instead of AWS's. */
  endpoint?: string;
}

export function stsEndpoint(env: Env, region: string): string {
  return endpointOverride(env, 'sts')?.url ?? `https://sts.${region}.amazonaws.com`;
}

/** A cached session, or null when absent; a malformed entry is removed (it is proven bad) and reported in debug. */
function readCache(deps: ChainDeps, name: string, kind: CachedSession['kind']): Promise<CachedSession | null> {
  return sessionStore(deps.keyring, (m) => deps.reporter.debug(m)).read(name, kind);
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/**
 * The chain of DESIGN.md section 2 for one project: the cached role session when fresh, else an
 * AssumeRole from the (cached) MFA session, or directly with a code above the one-hour chain cap,
 * or straight from the source keys with `mfa: false`.
 */
export async function resolveRoleCredentials(project: ChainProject, deps: ChainDeps, windowSeconds: number): Promise<RoleCredentials> {
  const roleName = roleEntryName(project, deps.env);
  const hit = await readCache(deps, roleName, 'role');
  if (hit && isFresh(hit, deps.now(), windowSeconds)) {
    deps.reporter.debug(`cache hit ${roleName} for ${project.role.arn}, expires ${hit.expiration}`);
    return fromSession(hit, true, deps.env);
  }
  deps.reporter.debug(hit ? `cached role session ${roleName} is inside the refresh window; refreshing` : `no cached role session ${roleName}`);

  return deps.lock(roleName.replace('/', '-'), async () => {
    // Another process may have refreshed it while this one waited for the lock.
    const again = await readCache(deps, roleName, 'role');
    if (again && isFresh(again, deps.now(), windowSeconds)) {
      deps.reporter.debug(`another awsdir refreshed ${roleName} meanwhile`);
      return fromSession(again, true, deps.env);
    }
    const issuedAt = deps.now();
    const assumed = await assumeRole(project, deps);
    const account = accountOf(assumed.assumedRoleArn);
    if (account && account !== project.account) {
      throw new AwsdirError(
        `role ${project.role.arn}: AWS answered with a session in account ${account}, not ${project.account} as ${project.projectFile} says; check \`role:\` and \`account:\` there`,
      );
    }
    const alias = await deps.accountAlias?.(assumed);
    const session = toCachedSession('role', assumed, {
      sourceName: project.sourceName,
      issuedAt,
      roleArn: project.role.arn,
      assumedRoleArn: assumed.assumedRoleArn,
      ...(alias ? { accountAlias: alias } : {}),
      ...(project.mfa && project.mfaSerial ? { mfaSerial: project.mfaSerial } : {}),
      ...sessionEndpoint(deps.env),
    });
    try {
      await deps.keyring.set(roleName, JSON.stringify(session));
    } catch (error) {
      deps.reporter.warn(`could not cache the role session (${(error as Error).message}); the next export will ask AWS again`);
    }
    return fromSession(session, false, deps.env);
  });
}

function fromSession(session: CachedSession, fromCache: boolean, env: Env): RoleCredentials {
  return {
    credentials: credentialsOf(session),
    assumedRoleArn: session.assumedRoleArn ?? '',
    fromCache,
    ...(session.accountAlias ? { accountAlias: session.accountAlias } : {}),
    // From the environment, not the entry: the entry's name already ties it to this endpoint.
    ...sessionEndpoint(env),
  };
}

function requireSerial(project: ChainProject): string {
  if (project.mfaSerial) return project.mfaSerial;
  throw new ConfigError(
    `source '${project.sourceName}' has no mfa_serial, and ${project.projectFile} asks for MFA; run \`awsdir add ${project.sourceName}\` to find the device, set mfa_serial for the source in the user file, or set \`mfa: false\` for a role that does not require MFA`,
  );
}

async function assumeRole(project: ChainProject, deps: ChainDeps): Promise<IssuedCredentials & { assumedRoleArn: string }> {
  const context = {
    action: 'AssumeRole',
    roleArn: project.role.arn,
    sourceName: project.sourceName,
    durationSeconds: project.durationSeconds,
    endpoint: stsEndpoint(deps.env, deps.stsRegion),
    projectFile: project.projectFile,
  };
  const request = {
    roleArn: project.role.arn,
    roleSessionName: project.sessionName,
    durationSeconds: project.durationSeconds,
    ...(project.externalId ? { externalId: project.externalId } : {}),
    ...(project.sourceIdentity ? { sourceIdentity: project.sourceIdentity } : {}),
  };

  if (!project.mfa) {
    deps.reporter.debug(`mfa: false in ${project.projectFile}: AssumeRole straight from the source keys`);
    const source = await deps.readSource(project.source);
    return call(() => deps.sts(source).assumeRole(request), context);
  }

  const serial = requireSerial(project);
  if (project.durationSeconds > CHAIN_LIMIT_SECONDS) {
    deps.reporter.debug(
      `skipping GetSessionToken: duration ${project.durationSeconds}s is above the 1 hour cap on roles assumed from a session, so AssumeRole takes the MFA code directly (a code at each refresh)`,
    );
    const source = await deps.readSource(project.source);
    await deps.keyring.probeWrite();
    return deps.mfa.use(serial, project.source.mfaProcess, (code) => deps.sts(source).assumeRole({ ...request, serialNumber: serial, tokenCode: code }), context);
  }

  let mfaSession = await getMfaSession(project, deps, serial);
  try {
    return await deps.sts(credentialsOf(mfaSession.session)).assumeRole(request);
  } catch (error) {
    if (!mfaSession.fromCache) throw explainAwsError(error, context);
    if (isExpiredToken(error) || isInvalidToken(error)) {
      deps.reporter.debug(`the cached MFA session was refused (${(error as Error).name}); discarding it`);
      mfaSession = await getMfaSession(project, deps, serial, { discard: mfaSession.session.accessKeyId, deleteBad: true });
    } else if (isAccessDenied(error)) {
      deps.reporter.info(`role ${project.role.arn} refused the MFA session from earlier (it demands a recent MFA); asking for a new code`);
      mfaSession = await getMfaSession(project, deps, serial, { discard: mfaSession.session.accessKeyId });
    } else {
      throw explainAwsError(error, context);
    }
    return call(() => deps.sts(credentialsOf(mfaSession.session)).assumeRole(request), context);
  }
}

async function call<T>(fn: () => Promise<T>, context: Parameters<typeof explainAwsError>[1]): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw explainAwsError(error, context);
  }
}

/**
 * The MFA session of the project's source: cached, or fetched with one code under a lock, so that
 * many processes at once give one prompt and one GetSessionToken.
 */
async function getMfaSession(
  project: ChainProject,
  deps: ChainDeps,
  serial: string,
  options: { discard?: string; deleteBad?: boolean } = {},
): Promise<{ session: CachedSession; fromCache: boolean }> {
  const name = mfaSessionEntryName(project, deps.env);
  // An MFA session needs a little time left to be worth assuming a role from.
  const usable = (s: CachedSession | null): boolean => s !== null && s.accessKeyId !== options.discard && isFresh(s, deps.now(), MFA_SESSION_MIN_LEFT_SECONDS);
  if (!options.discard) {
    const cached = await readCache(deps, name, 'mfa-session');
    if (cached && usable(cached)) {
      deps.reporter.debug(`using cached MFA session ${name}, expires ${cached.expiration}`);
      return { session: cached, fromCache: true };
    }
  }
  return deps.lock(name.replace('/', '-'), async () => {
    const cached = await readCache(deps, name, 'mfa-session');
    if (cached && usable(cached)) {
      deps.reporter.debug(`another awsdir fetched MFA session ${name} meanwhile`);
      return { session: cached, fromCache: true };
    }
    if (options.deleteBad && cached && cached.accessKeyId === options.discard) await deps.keyring.delete(name).catch(() => false);
    const source = await deps.readSource(project.source);
    // A locked keychain answers reads with null and fails only on write: find out before a code is spent.
    await deps.keyring.probeWrite();
    const issuedAt = deps.now();
    const durationSeconds = project.source.sessionDurationSeconds;
    deps.reporter.debug(`GetSessionToken for source '${project.sourceName}' with MFA ${serial}, ${durationSeconds}s`);
    const credentials = await deps.mfa.use(
      serial,
      project.source.mfaProcess,
      (code) => deps.sts(source).getSessionToken({ durationSeconds, serialNumber: serial, tokenCode: code }),
      { action: 'GetSessionToken', sourceName: project.sourceName, durationSeconds, endpoint: stsEndpoint(deps.env, deps.stsRegion) },
    );
    const session = toCachedSession('mfa-session', credentials, { sourceName: project.sourceName, issuedAt, mfaSerial: serial, ...sessionEndpoint(deps.env) });
    try {
      await deps.keyring.set(name, JSON.stringify(session));
    } catch (error) {
      // The code is spent: a keychain that locked since the probe must not cost this export too.
      deps.reporter.warn(`could not cache the MFA session (${(error as Error).message}); the next export will ask for a code again`);
    }
    return { session, fromCache: false };
  });
}
