import { existsSync } from 'node:fs';
import type { Context } from '../../core/context';
import { AwsdirError, UsageError } from '../../core/errors';
import { abortableSleep } from '../../core/abortableSleep';
import type { RegisterCommand } from '../program';
import { askServer, SERVER_PROTOCOL, serverPaths } from '../../server/control';
import { runUserServer } from '../../server/userServer';

const ASK_TIMEOUT_MS = 10_000;

export const registerServer: RegisterCommand = (program, ctx: Context) => {
  const server = program
    .command('server')
    .description('the per-user credential server of `use aws --server`: status, stop, run')
    .addHelpText(
      'after',
      `
\`use aws --server\` in an .envrc starts the server on the first cd (one per user), registers the
directory, and exports AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN.
It stops by itself once no directory was used for AWSDIR_SERVER_IDLE (default 1h).

Example:
  $ awsdir server status
  $ awsdir server stop`,
    );

  server.action(() => {
    throw new UsageError('server: give what to do: `awsdir server status`, `awsdir server stop` or `awsdir server run`');
  });

  server
    .command('status')
    .description('whether the server runs, its pid, URI and the directories it serves (no token)')
    .option('--json', 'the status as JSON')
    .action(async (opts: { json?: boolean }) => {
      const paths = serverPaths(ctx.env);
      const answer = await askServer(paths.socket, { op: 'status', protocol: SERVER_PROTOCOL }, ASK_TIMEOUT_MS);
      if (answer === 'absent' || !answer.ok || !('directories' in answer)) {
        const why = answer !== 'absent' && !answer.ok ? answer.message : undefined;
        ctx.io.stdout(
          opts.json ? `${JSON.stringify({ running: answer !== 'absent', ...(why ? { error: why } : {}) })}\n` : `${why ?? 'awsdir server: not running'}\n`,
        );
        return;
      }
      const { pid, url, directories, troubles, idleSeconds } = answer;
      if (opts.json) {
        ctx.io.stdout(`${JSON.stringify({ running: true, pid, url, directories, troubles, idleSeconds, log: paths.log }, null, 2)}\n`);
        return;
      }
      // The JavaScript SDK hides the server's message behind "Could not load credentials from any providers": here it is.
      const list = directories.length ? directories.map((d) => `\n  ${d}${troubles[d] ? `\n    ${troubles[d]}` : ''}`).join('') : ' none';
      ctx.io.stdout(`awsdir server: running, pid ${pid}, ${url}, last used ${idleSeconds}s ago, log ${paths.log}\ndirectories:${list}\n`);
    });

  server
    .command('stop')
    .description('stop the server; shells in `use aws --server` directories get a new one at their next `direnv reload` or cd')
    .action(async () => {
      const paths = serverPaths(ctx.env);
      const answer = await askServer(paths.socket, { op: 'stop', protocol: SERVER_PROTOCOL }, ASK_TIMEOUT_MS);
      if (answer === 'absent') {
        ctx.io.stderr('awsdir: the server is not running\n');
        return;
      }
      if (!answer.ok) throw new AwsdirError(`${answer.message.replace(/^awsdir:? /, '')}`);
      for (let waited = 0; existsSync(paths.socket); waited += 100) {
        if (waited > ASK_TIMEOUT_MS)
          throw new AwsdirError(`the awsdir server said it would stop, and ${paths.socket} is still there after 10s; see ${paths.log}`);
        await abortableSleep(100, ctx.signal, 'cancelled while waiting for the server to stop');
      }
      ctx.io.stderr('awsdir: the server stopped\n');
    });

  server
    .command('run')
    .description('run the server in the foreground (what `export --server` starts, detached)')
    .option('--notify-fd <fd>', 'write `ready` on this descriptor once it answers')
    .action(async (opts: { notifyFd?: string }) => {
      const fd = opts.notifyFd === undefined ? undefined : Number(opts.notifyFd);
      if (fd !== undefined && !(Number.isInteger(fd) && fd > 2)) throw new UsageError(`--notify-fd ${opts.notifyFd}: give a descriptor number above 2`);
      await runUserServer(ctx, { ...(fd !== undefined ? { notifyFd: fd } : {}) });
    });
};
