import { Command } from 'commander';
import type { Context } from '../core/context';
import { commands } from './commands';

declare const AWSDIR_VERSION: string | undefined;

/** What a command can tell main.ts beyond success or an error: the exit code of `exec`'s child. */
export interface Outcome {
  exitCode: number;
}

export type RegisterCommand = (program: Command, ctx: Context, outcome: Outcome) => void;

export function version(): string {
  if (typeof AWSDIR_VERSION !== 'undefined') return AWSDIR_VERSION;
  return (require('../../package.json') as { version: string }).version;
}

export function createProgram(ctx: Context, outcome: Outcome): Command {
  const program = new Command('awsdir')
    .description('Give every directory its own AWS identity: MFA-protected role sessions per directory, keys only in the OS keychain.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout(text),
      writeErr: (text) => ctx.io.stderr(text),
      // main.ts prints every error as one `awsdir: ...` line.
      outputError: () => undefined,
    })
    .addHelpText(
      'after',
      `
Getting started:
  $ awsdir add                                  # store your IAM user's key in the OS keychain
  $ awsdir hook direnv --install                # teach direnv \`use aws\`
  $ cd ~/production/app && awsdir init --role arn:aws:iam::222222222222:role/admin --region eu-west-1

Environment: AWSDIR_MFA_CODE, AWSDIR_KEYRING=auto|os|file, AWSDIR_FILE_PASSPHRASE, AWSDIR_DEBUG=1, NO_COLOR.
Exit codes: 0 ok, 1 failure (AWS, network, keychain), 2 usage, 3 invalid configuration, 130 cancelled.`,
    );
  for (const register of commands) register(program, ctx, outcome);
  return program;
}
