import { closeSync, lstatSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { chmodSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer, type Server as ControlServer, type Socket } from 'node:net';
import { isAbsolute } from 'node:path';
import type { Context, Env } from '../core/context';
import { NEVER_INHERITED } from '../core/childEnvironment';
import { AwsdirError } from '../core/errors';
import { redact } from '../core/redact';
import { writeFileAtomic } from '../core/writeFileAtomic';
import { loadAwsSdk } from '../aws/loadAwsSdk';
import { formatDuration } from '../config/duration';
import { askServer, idleSecondsOf, MAX_LINE, prepareServerDir, SERVER_PROTOCOL, serverPaths, type ControlAnswer, type ServerPaths } from './control';
import { directorySource, type DirectorySource } from './directorySource';
import { newToken, startEndpoint, tokenDigest, type TokenOwner } from './endpoint';
import { SHADOWING } from './serverExports';

/**
 * What a registration never hands the server: awsdir's own secrets, and the credentials (or the
 * token of another directory) the shell held before this `cd`. The rest of the shell's
 * environment goes along, so that endpoints, shared files and mfa_process behave in the server
 * as in that shell.
 */
export const NOT_REGISTERED: readonly string[] = [...NEVER_INHERITED, ...SHADOWING, 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'];

/** What makes two registrations of one directory different identities (the rest may differ freely). */
const IDENTITY_VARIABLES = [
  'HOME',
  'USER',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'AWSDIR_KEYRING',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ENDPOINT_URL_IAM',
];

/** A server with no directory stops this long after it was last asked anything (less when idle is shorter). */
const EMPTY_GRACE_MS = 60_000;
/** A registration may renew a session, which can take the SDK's retries. */
const CONTROL_TIMEOUT_MS = 60_000;

interface Registration {
  dir: string;
  token: string;
  digest: string;
  source: DirectorySource;
  /** Why the last request got no credentials; cleared by the next that does. */
  trouble?: string;
  owner: TokenOwner;
  /** Monotonic milliseconds of the last request with its token, or of its last registration. */
  lastUse: number;
}

export interface UserServerOptions {
  /** A descriptor to write `ready` on once the server answers (how `export --server` knows). */
  notifyFd?: number;
  /** Monotonic milliseconds for idle times: a wall clock that jumps must neither stop nor keep the server. */
  monotonic?: () => number;
}

/**
 * The per-user credential server of `use aws --server`: one loopback endpoint for every directory
 * a shell registered, each under a token of its own, renewing role sessions from the cached MFA
 * session without asking anyone. It runs detached (started by `awsdir export --server` with
 * nothing secret on its command line) until no tool has used any of its directories for the idle
 * time (AWSDIR_SERVER_IDLE, one hour), until `awsdir server stop`, or until SIGTERM.
 */
export async function runUserServer(ctx: Context, options: UserServerOptions = {}): Promise<void> {
  const paths = serverPaths(ctx.env);
  prepareServerDir(paths);
  const idleMs = idleSecondsOf(ctx.env) * 1000;
  const idleText = formatDuration(idleMs / 1000);
  const mono = options.monotonic ?? (() => performance.now());
  const log = (line: string): void => ctx.io.stderr(`${new Date(ctx.now()).toISOString()} awsdir server[${ctx.pid}]: ${redact(line)}\n`);
  const byKey = new Map<string, Registration>();
  const byDigest = new Map<string, Registration>();
  let lastActivity = mono();
  let stop: (reason: string) => void = () => undefined;

  const endpoint = await startEndpoint({
    owner(digest) {
      const found = byDigest.get(digest);
      if (!found) return undefined;
      found.lastUse = lastActivity = mono();
      return found.owner;
    },
    refusal:
      'awsdir server: this token is not registered (the server restarted, or forgot a directory no tool used for a while); run `direnv reload` in the directory',
    log,
  });

  const register = async (dir: unknown, registered: unknown): Promise<ControlAnswer> => {
    if (typeof dir !== 'string' || !isAbsolute(dir) || !isStringRecord(registered))
      return { ok: false, message: 'awsdir server: a registration needs an absolute directory and an environment' };
    const env = withoutUnregistered(registered);
    const key = identityKey(dir, env);
    const source = directorySource({
      ctx: { ...ctx, env, cwd: dir },
      dir,
      what: 'use aws --server',
      codeNeeded: (why) => `awsdir server: ${why}, which the server cannot ask for; run \`direnv reload\` in ${dir} (or cd into it again) to enter the code`,
    });
    let entry = byKey.get(key);
    const known = entry !== undefined;
    if (!entry) {
      const token = newToken();
      const created: Registration = {
        dir,
        token,
        digest: tokenDigest(token),
        source,
        lastUse: mono(),
        // Tools ask again and again when refused: the log says each new trouble once.
        owner: {
          async credentials() {
            try {
              const credentials = await created.source.credentials();
              if (created.trouble) log(`serving ${dir} again`);
              created.trouble = undefined;
              return credentials;
            } catch (error) {
              const message = redact((error as Error).message);
              if (message !== created.trouble) log(`could not serve ${dir}: ${message}`);
              created.trouble = message;
              throw error;
            }
          },
        },
      };
      entry = created;
      byKey.set(key, entry);
    }
    entry.source = source;
    entry.trouble = undefined;
    // The shell is told to use the server only once the server has served the directory.
    try {
      await source.credentials();
    } catch (error) {
      const message = redact((error as Error).message);
      log(`could not register ${dir}: ${message}`);
      if (!byDigest.has(entry.digest)) byKey.delete(key);
      return { ok: false, message };
    }
    entry.lastUse = mono();
    byDigest.set(entry.digest, entry);
    // Every `cd` registers again: only the first is news.
    if (!known) log(`registered ${dir} (${source.last?.assumedRoleArn ?? 'role'})`);
    return { ok: true, url: endpoint.url, token: entry.token };
  };

  const handle = async (request: unknown): Promise<ControlAnswer> => {
    lastActivity = mono();
    const r = (request ?? {}) as Record<string, unknown>;
    // Any version may stop any other: that is how a server of another version is replaced.
    if (r.op === 'stop') {
      setImmediate(() => stop('asked to stop (awsdir server stop)'));
      return { ok: true, stopping: true };
    }
    if (r.protocol !== SERVER_PROTOCOL) {
      return {
        ok: false,
        protocol: SERVER_PROTOCOL,
        message: `awsdir server (pid ${ctx.pid}) belongs to another version of awsdir; run \`awsdir server stop\`, then cd again`,
      };
    }
    switch (r.op) {
      case 'register':
        return register(r.dir, r.env);
      case 'status':
        return {
          ok: true,
          pid: ctx.pid,
          url: endpoint.url,
          directories: [...new Set([...byDigest.values()].map((e) => e.dir))].sort(),
          troubles: Object.fromEntries([...byDigest.values()].filter((e) => e.trouble).map((e) => [e.dir, e.trouble!])),
          idleSeconds: Math.floor((mono() - lastActivity) / 1000),
          protocol: SERVER_PROTOCOL,
        };
      default:
        return { ok: false, message: `awsdir server: no such request ${JSON.stringify(r.op)}` };
    }
  };

  let control: ControlServer;
  try {
    control = await listenControl(paths, handle);
  } catch (error) {
    await endpoint.close();
    throw error;
  }
  const socketInode = lstatSync(paths.socket).ino;
  writeFileAtomic(
    paths.state,
    `${JSON.stringify({ pid: ctx.pid, url: endpoint.url, protocol: SERVER_PROTOCOL, started: new Date(ctx.now()).toISOString() })}\n`,
  );
  log(`started: credentials at ${endpoint.url}, registrations on ${paths.socket}; stops when no directory was used for ${idleText}`);
  notify(options.notifyFd);
  // Loading the AWS SDK takes a moment: now, rather than in the first renewal a client waits for.
  setTimeout(() => {
    try {
      loadAwsSdk();
    } catch (error) {
      log(`could not load the AWS SDK yet: ${(error as Error).message}`);
    }
  }, 0);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const timer = setInterval(
      () => {
        const now = mono();
        for (const [key, entry] of byKey) {
          if (now - entry.lastUse < idleMs) continue;
          byKey.delete(key);
          byDigest.delete(entry.digest);
          log(`forgot ${entry.dir}: no request for ${idleText}`);
        }
        if (byDigest.size === 0 && now - lastActivity >= Math.min(idleMs, EMPTY_GRACE_MS)) stop(`no directory used for ${idleText}`);
        else if (!sameInode(paths.socket, socketInode)) stop(`${paths.socket} was removed or replaced`);
      },
      Math.max(250, Math.min(idleMs / 3, 60_000)),
    );
    stop = (reason) => {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      log(`stopping: ${reason}`);
      control.close();
      if (sameInode(paths.socket, socketInode)) unlinkQuietly(paths.socket);
      if (statePid(paths) === ctx.pid) unlinkQuietly(paths.state);
      void endpoint.close().then(() => {
        log('stopped');
        resolve();
      });
    };
    if (ctx.signal.aborted) stop('signal');
    ctx.signal.addEventListener('abort', () => stop('signal'));
  });
}

function listenControl(paths: ServerPaths, handle: (request: unknown) => Promise<ControlAnswer>): Promise<ControlServer> {
  const server = createServer((conn) => serveConnection(conn, handle));
  server.maxConnections = 64;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(paths.socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const attempt = async (): Promise<ControlServer> => {
    try {
      await listen();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE') {
        throw new AwsdirError(
          `awsdir server: cannot listen on ${paths.socket} (${code ?? (error as Error).message}); a path over 100 characters is too long for a socket: set XDG_STATE_HOME to a shorter directory`,
          { cause: error },
        );
      }
      // A socket left by a server that died answers nothing: take its place. A live one keeps it.
      if ((await askServer(paths.socket, { op: 'status', protocol: SERVER_PROTOCOL }, 2000).catch(() => 'absent' as const)) !== 'absent') {
        throw new AwsdirError(`awsdir server: another one is running on ${paths.socket}; \`awsdir server status\` names it`);
      }
      unlinkQuietly(paths.socket);
      await listen();
    }
    // The directory is 0700 already; the socket is the person's alone as well.
    chmodSync(paths.socket, 0o600);
    return server;
  };
  return attempt();
}

function serveConnection(conn: Socket, handle: (request: unknown) => Promise<ControlAnswer>): void {
  let text = '';
  conn.setEncoding('utf8');
  conn.setTimeout(CONTROL_TIMEOUT_MS, () => conn.destroy());
  conn.on('error', () => undefined);
  conn.on('data', (chunk: string) => {
    text += chunk;
    if (text.length > MAX_LINE) return void conn.destroy();
    const end = text.indexOf('\n');
    if (end < 0) return undefined;
    conn.removeAllListeners('data');
    let request: unknown;
    try {
      request = JSON.parse(text.slice(0, end));
    } catch {
      request = undefined;
    }
    return void handle(request).then(
      (answer) => conn.end(`${JSON.stringify(answer)}\n`),
      (error: unknown) => conn.end(`${JSON.stringify({ ok: false, message: redact(error instanceof Error ? error.message : String(error)) })}\n`),
    );
  });
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

function withoutUnregistered(env: Record<string, string>): Env {
  const out: Record<string, string> = { ...env };
  for (const name of NOT_REGISTERED) delete out[name];
  return out;
}

function identityKey(dir: string, env: Env): string {
  return createHash('sha256')
    .update(JSON.stringify([dir, ...IDENTITY_VARIABLES.map((name) => env[name] ?? '')]))
    .digest('hex');
}

function notify(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    writeSync(fd, 'ready\n');
    closeSync(fd);
  } catch {
    // Started by hand, without the descriptor: nobody is waiting.
  }
}

function sameInode(path: string, inode: number): boolean {
  try {
    return lstatSync(path).ino === inode;
  } catch {
    return false;
  }
}

function statePid(paths: ServerPaths): number | undefined {
  try {
    return (JSON.parse(readFileSync(paths.state, 'utf8')) as { pid?: number }).pid;
  } catch {
    return undefined;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}
