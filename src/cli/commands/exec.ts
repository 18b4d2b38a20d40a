import { constants } from 'node:os';
import { resolve } from 'node:path';
import type { Context } from '../../core/context';
import { UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { enterDirectory, type DirectoryIdentity } from '../../credentials/enterDirectory';
import { exportVariables } from '../../credentials/exportVariables';
import { childEnvironment } from '../../core/childEnvironment';
import { assertServerKeyring } from '../../server/directorySource';
import { startExecServer } from '../../server/execServer';

/** What a shell answers for a command it cannot find or cannot run; scripts already test for these. */
export const EXIT_NOT_FOUND = 127;
export const EXIT_NOT_EXECUTABLE = 126;

/** Signals a person or a supervisor sends to stop or nudge the command; awsdir passes them on. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

export interface ExecInput {
  /** Where the command runs: the caller's directory, whichever project --dir chose. */
  cwd: string;
  command: string;
  args: string[];
}

/**
 * Runs the command with the directory's credentials (or, with `vars`, what stands for them);
 * resolves to its exit code (128+n when a signal ended it).
 */
export async function execCommand(
  input: ExecInput,
  identity: DirectoryIdentity,
  ctx: Pick<Context, 'env' | 'io' | 'onSignal'>,
  vars = exportVariables(identity.project, identity.credentials, identity.assumedRoleArn, identity.project.projectFile),
): Promise<number> {
  const { reporter } = identity;
  const env = childEnvironment(ctx.env, vars);
  reporter.debug(`exec ${input.command} as ${identity.assumedRoleArn} (${identity.fromCache ? 'cached' : 'fresh'} session)`);

  const { execa } = await import('execa');
  // Listening before the command starts: a signal that came while execa was still setting it up
  // would otherwise end awsdir by its default action (SIGHUP, SIGQUIT, SIGUSR2) and leave the
  // command running on its own. A handler runs from the event loop, after this block has started it.
  let child: { kill(signal: NodeJS.Signals): boolean } | undefined;
  const unsubscribe = FORWARDED.map((signal) =>
    ctx.onSignal(signal, () => {
      reporter.debug(`forwarding ${signal} to ${input.command}`);
      child?.kill(signal);
    }),
  );
  try {
    // No shell: the arguments reach the command exactly as given.
    const started = execa(input.command, input.args, { env, extendEnv: false, stdio: 'inherit', reject: false, cwd: input.cwd });
    child = started;
    const outcome = await started;
    if (outcome.exitCode !== undefined) return outcome.exitCode;
    if (outcome.signal) return 128 + (constants.signals[outcome.signal] ?? 0);
    const code = (outcome as { code?: string }).code;
    if (code === 'ENOENT') {
      ctx.io.stderr(`awsdir: exec: ${input.command}: command not found; check the name or give its full path\n`);
      return EXIT_NOT_FOUND;
    }
    if (code === 'EACCES') {
      ctx.io.stderr(`awsdir: exec: ${input.command}: permission denied; make it executable (chmod +x) or run it through its interpreter\n`);
      return EXIT_NOT_EXECUTABLE;
    }
    ctx.io.stderr(`awsdir: exec: ${input.command} could not be started (${code ?? outcome.shortMessage}); check the command\n`);
    return EXIT_NOT_FOUND;
  } finally {
    for (const off of unsubscribe) off();
  }
}

export const registerExec: RegisterCommand = (program, ctx, outcome) => {
  program
    .command('exec')
    .description("run a command with the directory's role credentials and region in its environment")
    .argument('<command>', 'the program to run (no shell: use `sh -c` for shell syntax)')
    .argument('[args...]', 'its arguments')
    .option('--dir <dir>', 'the directory whose .awsdir.yaml to use (default: the current one); the command still runs in the current directory')
    .option('--mfa-code <code>', 'the 6-digit MFA code, if one is needed (or AWSDIR_MFA_CODE)')
    .option('--yes', 'run in a `confirm: true` directory without asking (or AWSDIR_YES=1)')
    .option(
      '--server',
      'give the command a loopback credential server (AWS_CONTAINER_CREDENTIALS_FULL_URI and a token) instead of keys; it renews role sessions while the command runs',
    )
    .addHelpText(
      'after',
      `
Put -- before the command so that its own options are not taken for awsdir's.
The command gets the same variables as \`awsdir export\` (AWS_ACCESS_KEY_ID, ..., AWS_REGION),
never AWSDIR_MFA_CODE or AWSDIR_FILE_PASSPHRASE. Its exit code is awsdir's; a command ended by a
signal gives 128+n, a command that is not found 127 and one that cannot be run 126, as in a shell.
SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGUSR2 sent to awsdir are passed on to the command.
With --server the command gets AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN instead of keys: the AWS CLI and SDKs ask awsdir for
credentials whenever theirs run out, for as long as the command runs. A new MFA session needs
the code before the command starts (or mfa_process).

Example:
  $ awsdir exec -- aws s3 ls
  $ awsdir exec --dir ~/production/app -- terraform plan
  $ awsdir exec -- sh -c 'echo "$AWS_REGION"'
  $ awsdir exec --server -- terraform apply        # runs for hours: credentials never go stale`,
    )
    .action(async (command: string, args: string[], opts: { dir?: string; mfaCode?: string; yes?: boolean; server?: boolean }) => {
      if (command === '') throw new UsageError('exec: the command is empty; give one after --, e.g. `awsdir exec -- aws s3 ls`');
      const dir = resolve(ctx.cwd, opts.dir ?? '.');
      if (opts.server) await assertServerKeyring(ctx.env, 'exec --server');
      // The command gets the same keys `export` would print, after the same question.
      const identity = await enterDirectory(ctx, {
        dir,
        command: 'exec',
        // The server hands them to the AWS tools, which refresh 15 minutes before the end.
        forCredentialProcess: Boolean(opts.server),
        yes: Boolean(opts.yes),
        ...(opts.mfaCode !== undefined ? { mfaCode: opts.mfaCode } : {}),
      });
      if (!opts.server) {
        outcome.exitCode = await execCommand({ cwd: ctx.cwd, command, args }, identity, ctx);
        return;
      }
      const server = await startExecServer(ctx, dir, identity, command);
      try {
        outcome.exitCode = await execCommand({ cwd: ctx.cwd, command, args }, identity, ctx, server.variables);
      } finally {
        await server.close();
      }
    });
};
