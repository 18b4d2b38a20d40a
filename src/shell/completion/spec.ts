/**
 * What the completion scripts know of the command line, as the argument parser defines it
 * (src/cli/commands/completion.ts derives it from the program): each shell's script is rendered
 * from this, so a new command or flag reaches every shell the next time the script is printed.
 */

/** What a word may be. */
export type Values =
  | { kind: 'words'; words: readonly string[] }
  /** The source names of the user file, asked of `awsdir completion --list sources` on Tab. */
  | { kind: 'sources' }
  | { kind: 'directories' }
  | { kind: 'files' }
  /** A program on PATH (exec's command). */
  | { kind: 'programs' }
  /** The arguments of the program named before them (exec's args): its own completion where the shell has one. */
  | { kind: 'program-arguments' }
  /** Free text: nothing to offer. */
  | { kind: 'none' };

export interface CompletionOption {
  /** Short and long forms, such as ['-h', '--help']. */
  flags: string[];
  description: string;
  /** What its value is, for an option that takes one; absent for a switch. */
  value?: Values & { name: string };
}

export interface CompletionCommand {
  name: string;
  description: string;
  options: CompletionOption[];
  /** Its positional arguments in order; `rest` is what any further one is. */
  args: Array<Values & { name: string; optional: boolean }>;
  rest?: Values & { name: string };
}

export interface CompletionSpec {
  program: string;
  version: string;
  options: CompletionOption[];
  commands: CompletionCommand[];
}

export type CompletionShell = 'bash' | 'zsh' | 'fish';
export const completionShells: readonly CompletionShell[] = ['bash', 'zsh', 'fish'];

/** Scripts hold words unquoted in lists split on blanks: names and choices are plain words. */
const WORD = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

export function checkWord(word: string, what: string): string {
  if (!WORD.test(word)) throw new Error(`completion: ${what} ${JSON.stringify(word)} is not a plain word`);
  return word;
}

/** Every name and fixed word of the spec, checked once before a script is rendered. */
export function checkSpec(spec: CompletionSpec): void {
  const checkFlag = (flag: string): void => void checkWord(flag.replace(/^--?/, ''), 'flag');
  const checkValues = (values: Values): void => {
    if (values.kind === 'words') for (const w of values.words) checkWord(w, 'value');
  };
  for (const option of spec.options) option.flags.forEach(checkFlag);
  for (const command of spec.commands) {
    checkWord(command.name, 'command');
    for (const option of command.options) {
      option.flags.forEach(checkFlag);
      if (option.value) checkValues(option.value);
    }
    for (const arg of command.args) checkValues(arg);
    if (command.rest) checkValues(command.rest);
  }
}

/** The first sentence-like line of a description, for the one-line lists shells show. */
export function summary(description: string): string {
  return description.split('\n')[0]?.trim() ?? '';
}
