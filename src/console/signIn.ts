import type { Context, Env } from '../core/context';
import type { Reporter } from '../core/reporter';
import { openThroughOneShotRedirect as openPrivatePage } from '../core/openInBrowser';
import { assertFederable, consoleDestination, federationEndpoint, getSigninToken, loginUrl } from '../aws/federation';
import { stateDir } from '../config/paths';
import { isChainedSession } from '../credentials/chain';
import type { DirectoryIdentity } from '../credentials/enterDirectory';

/**
 * The sign-in URL for a directory's role session, through the federation endpoint (it carries a
 * token worth a console session); `destination` is the console page to land on.
 */
export async function consoleUrl(identity: DirectoryIdentity, destination: string | undefined, ctx: Pick<Context, 'env' | 'now'>): Promise<string> {
  const { project, reporter } = identity;
  assertFederable(identity.credentials, identity.assumedRoleArn);
  const endpoint = federationEndpoint(ctx.env, project.role.partition);
  const chained = isChainedSession(project, ctx.env);
  const secondsLeft = Math.floor((identity.credentials.expiration.getTime() - ctx.now()) / 1000);
  reporter.debug(
    chained
      ? 'chained role session: no SessionDuration (the federation endpoint refuses it)'
      : `role session from long-term keys: SessionDuration ${secondsLeft}s`,
  );
  const token = await getSigninToken({
    credentials: identity.credentials,
    endpoint,
    ...(chained ? {} : { sessionDurationSeconds: secondsLeft }),
  });
  return loginUrl(endpoint, token, destination ?? consoleDestination(project.role.partition, project.region));
}

/** The console's one-shot page (core/openInBrowser), worded for `awsdir console`. */
export function openThroughOneShotRedirect(
  url: string,
  deps: { platform: NodeJS.Platform; env: Env; signal: AbortSignal; reporter: Reporter; timeoutMs?: number; onOpened?: () => void },
): Promise<void> {
  return openPrivatePage(url, {
    ...deps,
    stateDir: stateDir(deps.env),
    subject: 'console',
    title: 'AWS console sign-in',
    dirTag: 'console',
    fallback: 'run `awsdir console --print` and open the URL in a browser yourself',
  });
}

/**
 * Opens the console in the person's browser as the directory's role (openThroughOneShotRedirect),
 * waiting AWSDIR_CONSOLE_WAIT_SECONDS (default 120) for the browser to come for the page.
 */
export async function openConsole(url: string, identity: DirectoryIdentity, ctx: Pick<Context, 'env' | 'platform' | 'signal'>): Promise<void> {
  const { project, reporter } = identity;
  const waitSeconds = Number(ctx.env.AWSDIR_CONSOLE_WAIT_SECONDS);
  await openThroughOneShotRedirect(url, {
    ...(waitSeconds > 0 ? { timeoutMs: waitSeconds * 1000 } : {}),
    platform: ctx.platform,
    env: ctx.env,
    signal: ctx.signal,
    reporter,
    onOpened: () => reporter.info(`opening the AWS console as ${project.role.name} @ ${project.account} (${project.label}) in your browser`),
  });
}
