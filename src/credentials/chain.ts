import type { Env } from '../core/context';
import type { IssuedCredentials } from '../aws/types';
import { assumeRoleFromKeys, assumeRoleFromSession, assumeRoleWithCode } from './assumeRole';
import { cached, type CachedProvider, type SessionProvider } from './cached';
import type { ChainProject, ProviderDeps } from './chainProject';
import { mfaSession } from './mfaSession';
import { ssoRoleProvider } from './ssoRole';
import { credentialsOf, mfaSessionEntryName, roleEntryName, sessionEndpoint, type SessionStore } from './sessionStore';

export type { ChainProject } from './chainProject';

/** STS caps a role session assumed with session credentials at one hour. */
export const CHAIN_LIMIT_SECONDS = 3600;
/** An MFA session needs a little time left to be worth assuming a role from. */
const MFA_SESSION_MIN_LEFT_SECONDS = 300;

export interface ChainDeps extends ProviderDeps {
  store: SessionStore;
  /** A cached role session is served while more than this is left. */
  windowSeconds: number;
}

/**
 * Which providers a project's role session comes from (docs/architecture.md, "The credential chain"). Each one is asked
 * only when the cache in front of it has nothing fresh: on the cache-hit path, whose fetcher
 * answers NotOnHitPath, that is the end of the hit.
 */
export function roleSessionProvider(project: ChainProject, deps: ChainDeps): CachedProvider {
  const sourceKeys = () => deps.fetch.sourceKeys(project.source);
  const role = (provider: SessionProvider): CachedProvider =>
    cached({ name: roleEntryName(project, deps.env), freshSeconds: deps.windowSeconds, subject: project.role.arn }, provider, deps);

  // IAM Identity Center: GetRoleCredentials with the sign-in's token; no keys, no code, no MFA session.
  if (project.sso) return role(ssoRoleProvider({ ...project, sso: project.sso }, deps));

  // `mfa: false`: the role trusts the source keys alone; no code, no MFA session.
  if (!project.mfa) return role(assumeRoleFromKeys(project, sourceKeys, deps));

  // Longer than the one hour STS allows a role assumed from a session: AssumeRole takes the code
  // itself, from the source keys, at each refresh.
  if (project.durationSeconds > CHAIN_LIMIT_SECONDS) return role(assumeRoleWithCode(project, sourceKeys, deps));

  // The usual: one MFA session per source (one code for hours and any number of roles), each role
  // assumed from it.
  const session = cached(
    { name: mfaSessionEntryName(project, deps.env), freshSeconds: MFA_SESSION_MIN_LEFT_SECONDS, subject: `source '${project.sourceName}'` },
    mfaSession(project, sourceKeys, deps),
    deps,
  );
  return role(assumeRoleFromSession(project, session, deps));
}

export interface RoleCredentials {
  credentials: IssuedCredentials;
  assumedRoleArn: string;
  fromCache: boolean;
  accountAlias?: string;
  /** The STS endpoint that issued the session, when the environment names one instead of AWS's. */
  endpoint?: string;
}

/**
 * The project's role credentials, cached or fresh. `refresh` passes over the cached role session
 * (AWS may have ended it early), not the MFA session it is assumed from: no code while that lasts.
 */
export async function roleCredentials(project: ChainProject, deps: ChainDeps, options: { refresh?: boolean } = {}): Promise<RoleCredentials> {
  const provider = roleSessionProvider(project, deps);
  const { session, fromCache } = await (options.refresh ? provider.refresh() : provider.get());
  return {
    credentials: credentialsOf(session),
    assumedRoleArn: session.assumedRoleArn ?? '',
    fromCache,
    ...(session.accountAlias ? { accountAlias: session.accountAlias } : {}),
    // From the environment, not the entry: the entry's name already ties it to this endpoint.
    ...sessionEndpoint(deps.env),
  };
}

/**
 * A role session assumed with session credentials is "chained", and the console's federation
 * endpoint refuses SessionDuration for it: the usual MFA-session path is chained, a role assumed
 * straight from long-term keys (above the one-hour cap, or `mfa: false`) is not.
 */
export function isChainedSession(project: Pick<ChainProject, 'mfa' | 'durationSeconds' | 'source'>, env: Env): boolean {
  if (project.mfa) return project.durationSeconds <= CHAIN_LIMIT_SECONDS;
  return project.source.kind === 'env' && Boolean(env.AWS_SESSION_TOKEN);
}
