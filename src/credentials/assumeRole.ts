import { AwsdirError } from '../core/errors';
import type { AwsCredentials, IssuedCredentials } from '../aws/types';
import { explainAwsError, isAccessDenied, isExpiredToken, isInvalidToken, type AwsErrorContext } from '../aws/errors';
import type { CachedProvider, SessionProvider } from './cached';
import { call, requireSerial, stsEndpoint, type ChainProject, type ProviderDeps } from './chainProject';
import type { StsCalls } from './fetcher';
import { credentialsOf, sessionEndpoint, toCachedSession } from './sessionStore';

type Assumed = IssuedCredentials & { assumedRoleArn: string };
type AssumeRoleInput = Parameters<StsCalls['assumeRole']>[0];

/** The role session of a project from the source keys, with no MFA (`mfa: false`). */
export function assumeRoleFromKeys(project: ChainProject, sourceKeys: () => Promise<AwsCredentials>, deps: ProviderDeps): SessionProvider {
  return roleSession(project, deps, false, async (request, context) => {
    deps.reporter.debug(`mfa: false in ${project.projectFile}: AssumeRole straight from the source keys`);
    const source = await sourceKeys();
    return call(() => deps.fetch.sts(source).assumeRole(request), context);
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
    return deps.fetch.mfa.use(serial, project.source.mfaProcess, (code) => deps.fetch.sts(source).assumeRole({ ...request, serialNumber: serial, tokenCode: code }), context);
  });
}

/**
 * The role session of a project assumed from its source's MFA session. A cached MFA session that
 * STS refuses is replaced once: expired or unknown, it is discarded; refused by a role that wants
 * a more recent MFA (aws:MultiFactorAuthAge), a new one is fetched with a new code and the old one
 * stays for the roles that accept it.
 */
export function assumeRoleFromSession(project: ChainProject, mfaSession: CachedProvider, deps: ProviderDeps): SessionProvider {
  return roleSession(project, deps, false, async (request, context) => {
    requireSerial(project);
    let served = await mfaSession.get();
    try {
      return await deps.fetch.sts(credentialsOf(served.session)).assumeRole(request);
    } catch (error) {
      if (!served.fromCache) throw explainAwsError(error, context);
      if (isExpiredToken(error) || isInvalidToken(error)) {
        deps.reporter.debug(`the cached MFA session was refused (${(error as Error).name}); discarding it`);
        served = await mfaSession.renew(served.session, { remove: true });
      } else if (isAccessDenied(error)) {
        deps.reporter.info(`role ${project.role.arn} refused the MFA session from earlier (it demands a recent MFA); asking for a new code`);
        served = await mfaSession.renew(served.session);
      } else {
        throw explainAwsError(error, context);
      }
      return call(() => deps.fetch.sts(credentialsOf(served.session)).assumeRole(request), context);
    }
  });
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
      const alias = await deps.fetch.accountAlias(assumed);
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
