import { Argument, Option, type Command } from 'commander';
import { loadUserConfig } from '../../config/loadUserConfig';
import { UsageError } from '../../core/errors';
import {
  completionShells,
  renderCompletion,
  type CompletionCommand,
  type CompletionOption,
  type CompletionShell,
  type CompletionSpec,
  type Values,
} from '../../shell/completion';
import { promptShells } from '../../shell/prompt';
import { shellNames } from '../../shell/render';
import { sourceList } from '../completionList';
import { version, type RegisterCommand } from '../program';
import { integrations } from './hook';

export const registerCompletion: RegisterCommand = (program, ctx) => {
  program
    .command('completion')
    .description('print the Tab completion script for bash, zsh or fish')
    .addArgument(new Argument('[shell]', 'the shell').choices(completionShells))
    // What the scripts ask on Tab; served without the argument parser (completionList.ts).
    .addOption(new Option('--list <what>', 'print the names a script offers').choices(['sources']).hideHelp())
    .addHelpText(
      'after',
      `
Install, once (print it again after upgrading awsdir):
  $ awsdir completion bash > ~/.local/share/bash-completion/completions/awsdir
  $ awsdir completion zsh > ~/.zfunc/_awsdir       # with fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc
  $ awsdir completion fish > ~/.config/fish/completions/awsdir.fish

It completes commands, their flags, source names from your user file (read on Tab, never the
keychain), --shell values and directories for --dir.`,
    )
    .action(async (shell: CompletionShell | undefined, options: { list?: string }) => {
      if (options.list !== undefined) {
        ctx.io.stdout(sourceList(await loadUserConfig(ctx.env)));
        return;
      }
      if (shell === undefined)
        throw new UsageError('completion needs a shell; run `awsdir completion bash`, `awsdir completion zsh` or `awsdir completion fish`');
      ctx.io.stdout(renderCompletion(shell, completionSpec(program)));
    });
};

/** The command line as the program defines it: every visible command, flag and argument. */
export function completionSpec(program: Command): CompletionSpec {
  const help = program.createHelp();
  const commands = help.visibleCommands(program);
  const names = commands.map((c) => c.name());
  return {
    program: program.name(),
    version: version(),
    options: help.visibleOptions(program).map((o) => option(o, '')),
    commands: commands.map((c): CompletionCommand => {
      const args = c.registeredArguments;
      const last = args.at(-1);
      const rest = last?.variadic ? last : undefined;
      return {
        name: c.name(),
        description: c.summary() || c.description(),
        options: help.visibleOptions(c).map((o) => option(o, c.name())),
        args: args.filter((a) => a !== rest).map((a) => ({ name: a.name(), optional: !a.required, ...argumentValues(c.name(), a, names) })),
        ...(rest ? { rest: { name: rest.name(), ...argumentValues(c.name(), rest, names) } } : {}),
      };
    }),
  };
}

function option(o: Option, command: string): CompletionOption {
  const flags = [o.short, o.long].filter((f): f is string => f !== undefined);
  if (!o.required && !o.optional) return { flags, description: o.description };
  const name = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1] ?? 'value';
  return { flags, description: o.description, value: { name, ...optionValues(command, o) } };
}

/** What a flag's value is, by the flag's name: one not named here takes free text. */
function optionValues(command: string, o: Option): Values {
  if (o.argChoices) return { kind: 'words', words: o.argChoices };
  switch (o.long) {
    case '--dir':
      return { kind: 'directories' };
    case '--source':
      return { kind: 'sources' };
    case '--fixture':
      return { kind: 'files' };
    case '--shell':
      // The lists each command checks its --shell against.
      return { kind: 'words', words: command === 'export' ? shellNames : promptShells };
    default:
      return { kind: 'none' };
  }
}

/** What a positional argument is, by its name. */
function argumentValues(command: string, a: Argument, commandNames: string[]): Values {
  if (a.argChoices) return { kind: 'words', words: a.argChoices };
  switch (a.name()) {
    case 'source':
      return { kind: 'sources' };
    case 'dir':
      return { kind: 'directories' };
    case 'integration':
      return { kind: 'words', words: integrations };
    case 'command':
      return command === 'help' ? { kind: 'words', words: commandNames.filter((n) => n !== 'help') } : { kind: 'programs' };
    case 'args':
      return { kind: 'program-arguments' };
    default:
      return { kind: 'none' };
  }
}
