import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Env } from './context';
import { AwsdirError, CancelledError } from './errors';
import type { Reporter } from './reporter';
import { childEnvironment } from './childEnvironment';

export interface PrivatePageOptions {
  platform: NodeJS.Platform;
  env: Env;
  signal: AbortSignal;
  reporter: Reporter;
  /** Where the page's directory goes when there is no XDG_RUNTIME_DIR (awsdir's state directory). */
  stateDir: string;
  /** Leads every message: what the page is for (`console`, `sign-in to corp`). */
  subject: string;
  /** The page's title while the browser moves on. */
  title: string;
  /** Names the page's directory (`console` gives awsdir-console-XXXXXX). */
  dirTag: string;
  /** Ends every failure: what the person can do without the opener. */
  fallback: string;
  timeoutMs?: number;
  onOpened?: () => void;
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
function makePageDir(options: PrivatePageOptions): string {
  const state = options.stateDir;
  const runtime = options.env.XDG_RUNTIME_DIR;
  const bases = [...(runtime && isAbsolute(runtime) ? [runtime] : []), state];
  let failure: NodeJS.ErrnoException | undefined;
  for (const base of bases) {
    try {
      // The runtime directory is the session's to create; awsdir's own state directory is awsdir's.
      if (base === state) mkdirSync(base, { recursive: true, mode: 0o700 });
      return mkdtempSync(join(base, `awsdir-${options.dirTag}-`));
    } catch (error) {
      failure = error as NodeJS.ErrnoException;
    }
  }
  throw new AwsdirError(
    `${options.subject}: no private directory for the page the browser opens could be made in ${bases.join(' or ')} (${failure?.code ?? failure?.message}); make ${state} writable, or ${options.fallback}`,
  );
}

/** The page the browser opens: it goes on to the loopback link at once, and tells the next page nothing of where it came from. */
function redirectPage(link: string, title: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<script>location.replace(${JSON.stringify(link)});</script>
<noscript><meta http-equiv="refresh" content="0;url=${link}"></noscript>
</head><body><p>${title}&hellip; <a href="${link}" rel="noreferrer">continue</a></p></body></html>
`;
}

/**
 * Opens the browser on a page in a 0600 file of a fresh 0700 directory. The page sends the browser
 * to a random 127.0.0.1 path that answers once with a redirect to `url` and then stops listening.
 * The opener's argv (readable by every local user) holds only the file's path, which nobody else
 * can read, and `url` is in no file: only the person's browser can get it, and awsdir knows when
 * it has. The page is removed once used, or when the browser does not come for it.
 */
export async function openThroughOneShotRedirect(url: string, options: PrivatePageOptions): Promise<void> {
  const path = `/${randomBytes(24).toString('hex')}`;
  const server = createServer();
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const timeoutMs = options.timeoutMs ?? 120_000;
  const { subject, fallback } = options;
  let pageDir: string | undefined;

  try {
    pageDir = makePageDir(options);
    const page = join(pageDir, 'signin.html');
    writeFileSync(page, redirectPage(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, options.title), { mode: 0o600, flag: 'wx' });
    const opener = openerFor(options.platform, pathToFileURL(page).href);
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
              `${subject}: the browser did not open the sign-in page within ${timeoutMs / 1000}s, so nothing was signed in and the page is removed; ${fallback}`,
            ),
          ),
        timeoutMs,
      );
      timer.unref();
      options.signal.addEventListener('abort', () => fail(new CancelledError()), { once: true });

      options.reporter.debug(`opening the browser with ${opener.command}`);
      // The opener needs none of awsdir's secrets; it may outlive awsdir (some openers wait for the browser).
      const child = spawn(opener.command, opener.args, {
        env: childEnvironment(options.env),
        stdio: 'ignore',
        detached: true,
      });
      child.once('spawn', () => options.onOpened?.());
      child.once('error', (error: NodeJS.ErrnoException) => {
        fail(
          new AwsdirError(
            error.code === 'ENOENT'
              ? `${subject}: no browser opener (${opener.command}) is installed; ${fallback}`
              : `${subject}: ${opener.command} could not be started (${error.code ?? error.message}); ${fallback}`,
          ),
        );
      });
      child.once('exit', (code) => {
        if (code !== 0 && code !== null && !served) fail(new AwsdirError(`${subject}: ${opener.command} failed (exit ${code}) to open a browser; ${fallback}`));
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
