import { AwsdirError } from '../core/errors';
import type { AwsCredentials, IssuedCredentials } from '../aws/types';
import { explainAwsError, isExpiredToken, isInvalidToken, type AwsErrorContext } from '../aws/errors';
import type { CachedProvider, SessionProvider } from './cached';
import { call, requireSerial, stsEndpoint, type ChainProject, type ProviderDeps } from './chainProject';
import type { StsCalls } from './fetcher';
import {
  ageWords,
  explainRoleRefusal,
  isRoleRefusal,
  MFA_AGE_PLAUSIBLE_SECONDS,
  mfaSessionAgeSeconds,
  refusalStatesItsReason,
  type MfaAgeVerdict,
} from './refusal';
import { credentialsOf, sessionEndpoint, toCachedSession } from './sessionStore';

type Assumed = IssuedCredentials & { assumedRoleArn: string };
type AssumeRoleInput = Parameters<StsCalls['assumeRole']>[0];

/** The role session of a project from the source keys, with no MFA (`mfa: false`). */
export function assumeRoleFromKeys(project: ChainProject, sourceKeys: () => Promise<AwsCredentials>, deps: ProviderDeps): SessionProvider {
  return roleSession(project, deps, false, async (request, context) => {
    deps.reporter.debug(`mfa: false in ${project.projectFile}: AssumeRole straight from the source keys`);
    const source = await sourceKeys();
    return refusalsExplained(() => call(() => deps.fetch.sts(source).assumeRole(request), context), project, { kind: 'no-mfa' });
  });
}

/** The role session of a project from the source keys with an MFA code of its own: a code at each refresh. */
export function assumeRoleWithCode(project: ChainProject, sourceKeys: () => Promise<AwsCredentials>, deps: ProviderDeps): SessionProvider {
  return roleSession(project, deps, true, async (request, context) => {
    const serial = requireSerial(project);
    deps.reporter.debug(
      `skipping GetSessionToken: duration ${project.durationSeconds}s is above the 1 hour cap on roles assumed from a session, so AssumeRole takes the MFA code directly (a code at each refresh)`,
    );
    const source = await sourceKeys();
    return refusalsExplained(
      () =>
        deps.fetch.mfa.use(
          serial,
          project.source.mfaProcess,
          (code) => deps.fetch.sts(source).assumeRole({ ...request, serialNumber: serial, tokenCode: code }),
          context,
        ),
      project,
      { kind: 'code-just-given' },
    );
  });
}

/**
 * The role session of a project assumed from its source's MFA session. A cached MFA session that
 * STS refuses is replaced once: expired or unknown, it is discarded; refused by the role while old
 * enough for aws:MultiFactorAuthAge to be the reason, a new one is fetched with a new code and the
 * old one stays for the roles that accept it. Any other refusal ends at once: a new code would not
 * change the answer (explainRoleRefusal says what would).
 */
export function assumeRoleFromSession(project: ChainProject, mfaSession: CachedProvider, deps: ProviderDeps): SessionProvider {
  return roleSession(project, deps, false, async (request, context) => {
    requireSerial(project);
    let served = await mfaSession.get();
    try {
      return await deps.fetch.sts(credentialsOf(served.session)).assumeRole(request);
    } catch (error) {
      if (!served.fromCache) throw isRoleRefusal(error) ? explainRoleRefusal(error, project, { kind: 'code-just-given' }) : explainAwsError(error, context);
      if (isExpiredToken(error) || isInvalidToken(error)) {
        deps.reporter.debug(`the cached MFA session was refused (${(error as Error).name}); discarding it`);
        served = await mfaSession.renew(served.session, { remove: true });
      } else if (isRoleRefusal(error)) {
        const ageSeconds = mfaSessionAgeSeconds(served.session, deps.now(), project.source.sessionDurationSeconds);
        if (ageSeconds < MFA_AGE_PLAUSIBLE_SECONDS || refusalStatesItsReason(error)) throw explainRoleRefusal(error, project, { kind: 'young', ageSeconds });
        deps.reporter.info(
          `role ${project.role.arn} refused the MFA session of ${ageWords(ageSeconds)} ago; a role that demands a recent MFA accepts a new one: asking for a code`,
        );
        served = await mfaSession.renew(served.session);
        return refusalsExplained(() => call(() => deps.fetch.sts(credentialsOf(served.session)).assumeRole(request), context), project, {
          kind: 'new-session-refused-too',
        });
      } else {
        throw explainAwsError(error, context);
      }
      return call(() => deps.fetch.sts(credentialsOf(served.session)).assumeRole(request), context);
    }
  });
}

/** Runs an AssumeRole whose refusal is explained with what is known about the MFA. */
async function refusalsExplained<T>(fn: () => Promise<T>, project: ChainProject, mfa: MfaAgeVerdict): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw isRoleRefusal(error) ? explainRoleRefusal(error, project, mfa) : error;
  }
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** What every role session shares: the request, the account check, the alias, the cached form. */
function roleSession(
  project: ChainProject,
  deps: ProviderDeps,
  spendsCode: boolean,
  assume: (request: AssumeRoleInput, context: AwsErrorContext) => Promise<Assumed>,
): SessionProvider {
  return {
    kind: 'role',
    spendsCode,
    async fetch() {
      const request: AssumeRoleInput = {
        roleArn: project.role.arn,
        roleSessionName: project.sessionName,
        durationSeconds: project.durationSeconds,
        ...(project.externalId ? { externalId: project.externalId } : {}),
        ...(project.sourceIdentity ? { sourceIdentity: project.sourceIdentity } : {}),
      };
      const context: AwsErrorContext = {
        action: 'AssumeRole',
        roleArn: project.role.arn,
        sourceName: project.sourceName,
        durationSeconds: project.durationSeconds,
        endpoint: stsEndpoint(deps.env, deps.stsRegion),
        projectFile: project.projectFile,
      };
      const issuedAt = deps.now();
      const assumed = await assume(request, context);
      const account = accountOf(assumed.assumedRoleArn);
      if (account && account !== project.account) {
        throw new AwsdirError(
          `role ${project.role.arn}: AWS answered with a session in account ${account}, not ${project.account} as ${project.projectFile} says; check \`role:\` and \`account:\` there`,
        );
      }
      const alias = await deps.fetch.accountAlias(assumed, project.account);
      return toCachedSession('role', assumed, {
        sourceName: project.sourceName,
        issuedAt,
        roleArn: project.role.arn,
        assumedRoleArn: assumed.assumedRoleArn,
        ...(alias ? { accountAlias: alias } : {}),
        ...(project.mfa && project.mfaSerial ? { mfaSerial: project.mfaSerial } : {}),
        ...sessionEndpoint(deps.env),
      });
    },
  };
}
