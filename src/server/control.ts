/**
 * How awsdir talks to the per-user credential server: one JSON line each way over a unix socket
 * in a 0700 directory of the state directory (the socket itself 0600), so that only the person's
 * own processes can register a directory and learn its token. Nothing secret travels on any
 * command line or through any file.
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import type { Env } from '../core/context';
import { AwsdirError, ConfigError } from '../core/errors';
import { parseDuration } from '../config/duration';
import { stateDir } from '../config/paths';

/** Bumped when requests or answers change shape: a server of another protocol is stopped and replaced. */
export const SERVER_PROTOCOL = 1;

export interface ServerPaths {
  dir: string;
  /** The control socket (0600). */
  socket: string;
  /** pid, port and URI of the running server (0600; nothing secret). */
  state: string;
  /** What the server says while it runs: starts, registrations, refusals, errors; never a secret. */
  log: string;
}

export function serverPaths(env: Env): ServerPaths {
  const dir = join(stateDir(env), 'server');
  return { dir, socket: join(dir, 'server.sock'), state: join(dir, 'server.json'), log: join(dir, 'server.log') };
}

/** The server's directory, 0700 and really a directory: a link there could send the socket elsewhere. */
export function prepareServerDir(paths: ServerPaths): void {
  try {
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(paths.dir);
    if (!st.isDirectory()) throw new AwsdirError(`${paths.dir} is not a directory; remove it so that awsdir can keep its server's socket there`);
    chmodSync(paths.dir, 0o700);
  } catch (error) {
    if (error instanceof AwsdirError) throw error;
    throw new AwsdirError(
      `${paths.dir}: cannot prepare the server directory (${(error as NodeJS.ErrnoException).code}); check the permissions of ${dirname(paths.dir)}`,
      { cause: error },
    );
  }
}

/** One hour: a directory whose token no tool used for this long is forgotten; with none left the server stops. */
export const DEFAULT_IDLE_SECONDS = 3600;

/** AWSDIR_SERVER_IDLE, a duration, else one hour. */
export function idleSecondsOf(env: Env): number {
  const text = env.AWSDIR_SERVER_IDLE;
  if (text === undefined || text === '') return DEFAULT_IDLE_SECONDS;
  try {
    return parseDuration(text);
  } catch {
    throw new ConfigError(`AWSDIR_SERVER_IDLE=${JSON.stringify(text)} is not a duration; give one such as 90s, 15m or 1h, or unset it for 1h`);
  }
}

export type ControlRequest =
  { op: 'register'; protocol: number; dir: string; env: Record<string, string> } | { op: 'status'; protocol: number } | { op: 'stop'; protocol: number };

export type ControlAnswer =
  | { ok: true; url: string; token: string }
  | { ok: true; pid: number; url: string; directories: string[]; troubles: Record<string, string>; idleSeconds: number; protocol: number }
  | { ok: true; stopping: true }
  | { ok: false; message: string; protocol?: number };

/** The most a request or answer may hold: a registration carries an environment, nothing more. */
export const MAX_LINE = 1024 * 1024;

/**
 * Sends one request and reads one answer; 'absent' when no server listens on the socket (none
 * ever started, or one that died and left its socket behind).
 */
export function askServer(socket: string, request: ControlRequest, timeoutMs: number): Promise<ControlAnswer | 'absent'> {
  return new Promise((resolve, reject) => {
    let text = '';
    let settled = false;
    const done = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      fn();
    };
    const conn = connect(socket);
    const timer = setTimeout(
      () =>
        done(() =>
          reject(new AwsdirError(`awsdir server: no answer on ${socket} within ${Math.round(timeoutMs / 1000)}s; run \`awsdir server stop\` and cd again`)),
        ),
      timeoutMs,
    );
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify(request)}\n`));
    conn.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_LINE)
        return done(() => reject(new AwsdirError(`awsdir server: its answer on ${socket} is too long; run \`awsdir server stop\` and cd again`)));
      const end = text.indexOf('\n');
      if (end < 0) return undefined;
      return done(() => {
        try {
          resolve(JSON.parse(text.slice(0, end)) as ControlAnswer);
        } catch (error) {
          reject(new AwsdirError(`awsdir server: an answer on ${socket} that is not JSON; run \`awsdir server stop\` and cd again`, { cause: error }));
        }
      });
    });
    conn.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') return done(() => resolve('absent'));
      return done(() =>
        reject(
          new AwsdirError(`awsdir server: cannot connect to ${socket} (${error.code ?? error.message}); check its permissions, or remove it and cd again`, {
            cause: error,
          }),
        ),
      );
    });
    conn.on('end', () => done(() => reject(new AwsdirError(`awsdir server: it closed ${socket} without answering; see ${join(socket, '..', 'server.log')}`))));
  });
}
