import { spawn } from 'node:child_process';
import { closeSync, fchmodSync, openSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Context } from '../core/context';
import { childEnvironment } from '../core/childEnvironment';
import { AwsdirError } from '../core/errors';
import { lockDir } from '../config/paths';
import type { DirectoryIdentity } from '../credentials/enterDirectory';
import { withLock } from '../credentials/lock';
import { askServer, idleSecondsOf, prepareServerDir, SERVER_PROTOCOL, serverPaths, type ControlAnswer, type ControlRequest, type ServerPaths } from './control';
import type { ServedAt } from './serverExports';
import { defaultProfileShadowing } from './shadowing';
import { NOT_REGISTERED } from './userServer';

/** A registration may wait for the server to renew a session (STS with the SDK's retries). */
const REGISTER_TIMEOUT_MS = 60_000;
/** From spawn to `ready`: a Node start and the SDK-free part of awsdir, on a busy machine. */
const START_TIMEOUT_MS = 20_000;
/** The log starts over beyond this, so a server that runs for months cannot fill the disk. */
const MAX_LOG_BYTES = 1024 * 1024;

/**
 * `use aws --server`: registers the directory with the person's awsdir server, starting one when
 * none runs (one at a time, under a lock, so two shells entering directories at once start one),
 * and returns where its credentials are served and its token. Called after the directory was
 * entered as `export` enters it, so the production question and the MFA prompt happened here, in
 * the shell, and the server finds a fresh session in the keychain.
 */
export async function serveDirectory(ctx: Context, dir: string, identity: DirectoryIdentity): Promise<ServedAt> {
  const { project, reporter } = identity;
  if (project.source.kind === 'env') {
    throw new AwsdirError(
      `use aws --server: source '${project.sourceName}' takes its keys from this shell's environment, which the shared awsdir server does not keep; use \`use aws\` for ${dir}, or \`awsdir exec --server\``,
    );
  }
  // Before anything starts: a server that cannot read its idle time would die at once.
  idleSecondsOf(ctx.env);
  const paths = serverPaths(ctx.env);
  prepareServerDir(paths);
  const request: ControlRequest = { op: 'register', protocol: SERVER_PROTOCOL, dir, env: childEnvironment(ctx.env, { unset: NOT_REGISTERED }) };
  let answer = await askServer(paths.socket, request, REGISTER_TIMEOUT_MS);
  if (answer === 'absent') {
    answer = await withLock(
      'server-start',
      async (): Promise<ControlAnswer | 'absent'> => {
        const again = await askServer(paths.socket, request, REGISTER_TIMEOUT_MS);
        if (again !== 'absent') return again;
        await startUserServer(ctx, paths);
        return askServer(paths.socket, request, REGISTER_TIMEOUT_MS);
      },
      { dir: lockDir(ctx.env), signal: ctx.signal, onWait: () => reporter.debug('another awsdir is starting the server; waiting for it') },
    );
  }
  if (answer === 'absent') throw new AwsdirError(`awsdir server: started, but nothing answers on ${paths.socket}; see ${paths.log}`);
  if (!answer.ok) throw new AwsdirError(answer.message.replace(/^awsdir:? /, ''));
  if (!('token' in answer)) throw new AwsdirError(`awsdir server: an answer without a token on ${paths.socket}; run \`awsdir server stop\` and cd again`);
  reporter.debug(`served by the awsdir server at ${answer.url}`);
  const shadow = defaultProfileShadowing(ctx.env);
  if (shadow)
    reporter.warn(
      `${shadow}, which the AWS CLI and SDKs take before the awsdir server; move it to a named profile so that commands here act as ${project.label}`,
    );
  return { url: answer.url, token: answer.token };
}

/**
 * Starts `awsdir server run` detached from this process, its terminal and direnv: its own
 * session, the log file for output, no secret in its arguments or environment. Resolves once it
 * says `ready` on a pipe of its own.
 */
export async function startUserServer(ctx: Pick<Context, 'env' | 'self'>, paths: ServerPaths): Promise<void> {
  let logFd: number;
  try {
    const big = (() => {
      try {
        return statSync(paths.log).size > MAX_LOG_BYTES;
      } catch {
        return false;
      }
    })();
    logFd = openSync(paths.log, big ? 'w' : 'a', 0o600);
    fchmodSync(logFd, 0o600);
  } catch (error) {
    throw new AwsdirError(`awsdir server: cannot open its log ${paths.log} (${(error as NodeJS.ErrnoException).code}); check the permissions of ${paths.dir}`, {
      cause: error,
    });
  }
  try {
    const child = spawn(ctx.self.node, [ctx.self.script, 'server', 'run', '--notify-fd', '3'], {
      detached: true,
      cwd: '/',
      stdio: ['ignore', logFd, logFd, 'pipe'],
      env: childEnvironment(ctx.env, { unset: NOT_REGISTERED }),
    });
    const pipe = child.stdio[3] as Readable;
    await new Promise<void>((resolve, reject) => {
      let said = '';
      const fail = (why: string): void => {
        clearTimeout(timer);
        if (child.exitCode === null) child.kill();
        reject(new AwsdirError(`awsdir server: ${why}; see ${paths.log}`));
      };
      const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS / 1000}s`), START_TIMEOUT_MS);
      pipe.on('data', (chunk: Buffer) => {
        said += chunk.toString();
        if (!said.includes('ready\n')) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve();
      });
      pipe.on('error', () => undefined);
      child.once('exit', (code) => fail(`exited (${code ?? 'signal'}) before it was ready`));
      child.once('error', (error) => fail(`could not be started (${error.message})`));
    });
    pipe.destroy();
    child.unref();
  } finally {
    closeSync(logFd);
  }
}
