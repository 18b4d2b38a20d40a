import { basename } from 'node:path';
import { promptShells, renderPrompt, type PromptShell } from '../../shell/prompt';
import type { Env } from '../../core/context';
import { UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';

export const registerPrompt: RegisterCommand = (program, ctx) => {
  program
    .command('prompt')
    .description('print a prompt function showing the label, account and time left of the AWS identity in effect')
    .option('--shell <shell>', `bash, zsh or fish (default: from $SHELL)`)
    .addHelpText(
      'after',
      `
Example:
  $ awsdir prompt --shell bash >> ~/.bashrc   # then below it: PS1='$(awsdir_prompt)'"$PS1"
  $ awsdir prompt --shell zsh >> ~/.zshrc     # then: setopt PROMPT_SUBST; PROMPT='$(awsdir_prompt)'"$PROMPT"
  $ awsdir prompt --shell fish >> ~/.config/fish/config.fish   # then: function fish_right_prompt; awsdir_prompt; end

The segment reads AWSDIR_LABEL, AWSDIR_ACCOUNT and AWSDIR_EXPIRES and starts no awsdir process:
  [production 222222222222 42m]      "!" first for a production label or confirm: true
  [production 222222222222 expired: direnv reload]   the shell's keys ended: what to run
\`direnv reload\` (or \`awsdir export\` again, for keys exported by hand) fetches fresh ones; with
\`use aws --credential-process\` or \`use aws --server\` in .envrc the AWS tools fetch them
themselves, nothing goes stale and the segment shows no time.`,
    )
    .action((options: { shell?: string }) => {
      ctx.io.stdout(prompt(options.shell, ctx.env));
    });
};

export function prompt(shell: string | undefined, env: Env): string {
  const chosen = shell ?? (env.SHELL ? basename(env.SHELL) : undefined);
  if (chosen === undefined) throw new UsageError('prompt needs a shell and $SHELL is not set; name it: awsdir prompt --shell bash|zsh|fish');
  if (!promptShells.includes(chosen as PromptShell)) {
    throw new UsageError(`prompt --shell ${JSON.stringify(chosen)} is not supported; choose bash, zsh or fish`);
  }
  return renderPrompt(chosen as PromptShell);
}
