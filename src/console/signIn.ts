import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, Env } from '../core/context';
import { AwsdirError, CancelledError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { childEnvironment } from '../core/childEnvironment';
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

function openerFor(platform: NodeJS.Platform, target: string): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [target] };
  // `start` is a cmd built-in; its first quoted argument is a window title.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', target] };
  return { command: 'xdg-open', args: [target] };
}

/**
 * A fresh directory only this user can enter, under the user's runtime directory (else awsdir's
 * state directory): mkdtemp picks a name nobody can claim first and creates it 0700, which a path
 * guessed in a shared /tmp would not guarantee.
 */
function makePageDir(env: Env): string {
  const state = stateDir(env);
  const bases = [...(env.XDG_RUNTIME_DIR && isAbsolute(env.XDG_RUNTIME_DIR) ? [env.XDG_RUNTIME_DIR] : []), state];
  let failure: NodeJS.ErrnoException | undefined;
  for (const base of bases) {
    try {
      // The runtime directory is the session's to create; awsdir's own state directory is awsdir's.
      if (base === state) mkdirSync(base, { recursive: true, mode: 0o700 });
      return mkdtempSync(join(base, 'awsdir-console-'));
    } catch (error) {
      failure = error as NodeJS.ErrnoException;
    }
  }
  throw new AwsdirError(
    `console: no private directory for the sign-in page could be made in ${bases.join(' or ')} (${failure?.code ?? failure?.message}); make ${state} writable, or run \`awsdir console --print\` and open the URL yourself`,
  );
}

/** The page the browser opens: it goes on to the loopback link at once, and tells the sign-in page nothing of where it came from. */
function signInPage(link: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>AWS console sign-in</title>
<script>location.replace(${JSON.stringify(link)});</script>
<noscript><meta http-equiv="refresh" content="0;url=${link}"></noscript>
</head><body><p>Signing in to the AWS console&hellip; <a href="${link}" rel="noreferrer">continue</a></p></body></html>
`;
}

/**
 * Opens the browser on a page in a 0600 file of a fresh 0700 directory. The page sends the browser
 * to a random 127.0.0.1 path that answers once with a redirect to the sign-in URL and then stops
 * listening. The opener's argv (readable by every local user) holds only the file's path, which
 * nobody else can read, and the token is in no file: only the person's browser can get it, and
 * awsdir knows when it has. The page is removed once used, or when the browser does not come for it.
 */
export async function openThroughOneShotRedirect(
  url: string,
  deps: { platform: NodeJS.Platform; env: Env; signal: AbortSignal; reporter: Reporter; timeoutMs?: number; onOpened?: () => void },
): Promise<void> {
  const path = `/${randomBytes(24).toString('hex')}`;
  const server = createServer();
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const timeoutMs = deps.timeoutMs ?? 120_000;
  let pageDir: string | undefined;

  try {
    pageDir = makePageDir(deps.env);
    const page = join(pageDir, 'signin.html');
    writeFileSync(page, signInPage(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`), { mode: 0o600, flag: 'wx' });
    const opener = openerFor(deps.platform, pathToFileURL(page).href);
    await new Promise<void>((done, fail) => {
      let served = false;
      server.on('request', (req, res) => {
        if (served || req.method !== 'GET' || req.url !== path) {
          // A favicon request or a stranger guessing: nothing here for them.
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
          return;
        }
        served = true;
        res.writeHead(302, { location: url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', connection: 'close' });
        res.end(() => done());
      });
      const timer = setTimeout(
        () =>
          fail(
            new AwsdirError(
              `console: the browser did not open the sign-in page within ${timeoutMs / 1000}s, so nothing was signed in and the page is removed; run \`awsdir console --print\` and open the URL in a browser yourself`,
            ),
          ),
        timeoutMs,
      );
      timer.unref();
      deps.signal.addEventListener('abort', () => fail(new CancelledError()), { once: true });

      deps.reporter.debug(`opening the browser with ${opener.command}`);
      // The opener needs none of awsdir's secrets; it may outlive awsdir (some openers wait for the browser).
      const child = spawn(opener.command, opener.args, {
        env: childEnvironment(deps.env),
        stdio: 'ignore',
        detached: true,
      });
      child.once('spawn', () => deps.onOpened?.());
      child.once('error', (error: NodeJS.ErrnoException) => {
        fail(
          new AwsdirError(
            error.code === 'ENOENT'
              ? `console: no browser opener (${opener.command}) is installed; run \`awsdir console --print\` and open the URL in a browser yourself`
              : `console: ${opener.command} could not be started (${error.code ?? error.message}); run \`awsdir console --print\` and open the URL yourself`,
          ),
        );
      });
      child.once('exit', (code) => {
        if (code !== 0 && code !== null && !served) {
          fail(new AwsdirError(`console: ${opener.command} failed (exit ${code}) to open a browser; run \`awsdir console --print\` and open the URL yourself`));
        }
      });
      child.unref();
    });
  } finally {
    server.close();
    server.closeAllConnections();
    // Used or not, the link in it is dead now that the server is closed.
    if (pageDir) rmSync(pageDir, { recursive: true, force: true });
  }
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
