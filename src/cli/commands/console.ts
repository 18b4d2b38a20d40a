import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, Env } from '../../core/context';
import { AwsdirError, CancelledError, UsageError } from '../../core/errors';
import type { Reporter } from '../../core/reporter';
import type { RegisterCommand } from '../program';
import { assertFederable, consoleDestination, federationEndpoint, getSigninToken, loginUrl } from '../../aws/federation';
import { isChainedSession } from '../../credentials/chain';
import { enterDirectory, type DirectoryIdentity } from '../../credentials/enterDirectory';
import { stateDir } from '../../config/paths';
import { childEnvironment } from '../../core/childEnvironment';

export interface ConsoleInput {
  print: boolean;
  destination?: string;
}

/** The sign-in URL for the directory's role session (it carries a token worth a console session). */
export async function consoleUrl(input: ConsoleInput, identity: DirectoryIdentity, ctx: Pick<Context, 'env' | 'now'>): Promise<string> {
  const { project, reporter } = identity;
  assertFederable(identity.credentials, identity.assumedRoleArn);
  const endpoint = federationEndpoint(ctx.env, project.role.partition);
  const chained = isChainedSession(project, ctx.env);
  const secondsLeft = Math.floor((identity.credentials.expiration.getTime() - ctx.now()) / 1000);
  reporter.debug(
    chained ? 'chained role session: no SessionDuration (the federation endpoint refuses it)' : `role session from long-term keys: SessionDuration ${secondsLeft}s`,
  );
  const token = await getSigninToken({
    credentials: identity.credentials,
    endpoint,
    ...(chained ? {} : { sessionDurationSeconds: secondsLeft }),
  });
  return loginUrl(endpoint, token, input.destination ?? consoleDestination(project.role.partition, project.region));
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

export const registerConsole: RegisterCommand = (program, ctx) => {
  program
    .command('console')
    .description("sign in to the AWS console as the directory's role, through the federation endpoint")
    .option('--dir <dir>', 'the directory whose .awsdir.yaml to use (default: the current one)')
    .option('--print', 'print the sign-in URL on stdout instead of opening a browser (it holds a sign-in token)')
    .option('--destination <url>', 'the console page to land on (default: the console home of the directory\'s region)')
    .option('--mfa-code <code>', 'the 6-digit MFA code, if one is needed (or AWSDIR_MFA_CODE)')
    .option('--yes', 'sign in for a `confirm: true` directory without asking (or AWSDIR_YES=1)')
    .addHelpText(
      'after',
      `
The browser is given a page only you can read (a 0600 file in a fresh 0700 directory under
XDG_RUNTIME_DIR, else the state directory) that leads it to a one-shot http://127.0.0.1 link, which
redirects once to the sign-in URL: nothing in any process's arguments is enough to get the token.
The page is removed once the browser has used it; if the browser does not come for it within
AWSDIR_CONSOLE_WAIT_SECONDS (default 120), awsdir removes it and exits 1. Only role sessions can
sign in: long-term keys and GetSessionToken sessions are refused. AWSDIR_FEDERATION_ENDPOINT
overrides the endpoint.

Example:
  $ cd ~/production/app && awsdir console
  $ awsdir console --dir ~/production/app --destination https://console.aws.amazon.com/s3/home
  $ awsdir console --print | xclip -selection clipboard`,
    )
    .action(async (opts: { dir?: string; print?: boolean; destination?: string; mfaCode?: string; yes?: boolean }) => {
      if (opts.destination !== undefined && !/^https?:\/\/[^\s]+$/.test(opts.destination)) {
        throw new UsageError(`--destination ${JSON.stringify(opts.destination)} is not an http(s) URL; give a console URL such as https://console.aws.amazon.com/s3/home`);
      }
      // A console session acts as the role just as exported keys do: the same question first.
      const identity = await enterDirectory(ctx, {
        dir: resolve(ctx.cwd, opts.dir ?? '.'),
        command: 'console',
        yes: Boolean(opts.yes),
        ...(opts.mfaCode !== undefined ? { mfaCode: opts.mfaCode } : {}),
      });
      const { project, reporter } = identity;
      const input: ConsoleInput = { print: Boolean(opts.print), ...(opts.destination ? { destination: opts.destination } : {}) };
      const url = await consoleUrl(input, identity, ctx);
      if (input.print) {
        reporter.warn('the URL below holds a sign-in token: whoever has it can open the console as this role for 15 minutes; do not paste it where others can read it');
        ctx.io.stdout(`${url}\n`);
        return;
      }
      const waitSeconds = Number(ctx.env.AWSDIR_CONSOLE_WAIT_SECONDS);
      await openThroughOneShotRedirect(url, {
        ...(waitSeconds > 0 ? { timeoutMs: waitSeconds * 1000 } : {}),
        platform: ctx.platform,
        env: ctx.env,
        signal: ctx.signal,
        reporter: reporter,
        onOpened: () => reporter.info(`opening the AWS console as ${project.role.name} @ ${project.account} (${project.label}) in your browser`),
      });
    });
};
