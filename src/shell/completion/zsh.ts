import { checkSpec, summary, type CompletionCommand, type CompletionOption, type CompletionSpec, type Values } from './spec';

/**
 * The zsh script, for compinit: installed as `_awsdir` on fpath, or evaluated after compinit
 * (then it registers itself with compdef). Each command's flags and arguments become one
 * _arguments call; only source names are asked of awsdir, on Tab.
 */
export function renderZsh(spec: CompletionSpec): string {
  checkSpec(spec);
  const p = spec.program;
  const commands = spec.commands.map((c) => `    ${sq(`${c.name}:${summary(c.description)}`)}`);
  const cases = spec.commands.map(
    (c) =>
      `    (${c.name})\n      _arguments -S : \\\n${commandSpecs(c, p)
        .map((s) => `        ${s} \\\n`)
        .join('')}        && ret=0\n      ;;`,
  );
  return `#compdef ${p}
# ${p} completion for zsh, printed by \`${p} completion zsh\` (${p} ${spec.version}).
# Install: ${p} completion zsh > ~/.zfunc/_${p}   with ~/.zfunc on fpath before compinit runs,
# or, after compinit in ~/.zshrc: eval "$(${p} completion zsh)"
# Print it again after upgrading ${p}: the commands and flags below are this version's.

(( $+functions[_${p}_sources] )) ||
_${p}_sources() {
  local -a sources
  sources=(\${(f)"$(_call_program sources ${p} completion --list sources 2>/dev/null)"})
  _wanted sources expl source compadd -a sources
}

${spec.commands.some((c) => c.rest?.kind === 'program-arguments') ? programFunction(p) : ''}_${p}() {
  local curcontext=$curcontext state state_descr line ret=1
  typeset -A opt_args
  # Not \`commands\`: that name is zsh's table of the programs on PATH.
  local -a subcommands
  subcommands=(
${commands.join('\n')}
  )
  _arguments -C : \\
${spec.options.map((o) => `    ${optionSpec(o, p)} \\\n`).join('')}    '1: :->command' \\
    '*:: :->argument' \\
    && ret=0
  case $state in
  (command)
    _describe -t commands '${p} command' subcommands && ret=0
    ;;
  (argument)
    curcontext=\${curcontext%:*:*}:${p}-$words[1]:
    case $words[1] in
${cases.join('\n')}
    esac
    ;;
  esac
  return ret
}

if [[ $funcstack[1] == _${p} ]]; then
  _${p} "$@"
else
  compdef _${p} ${p}
fi
`;
}

/** The program exec runs and its arguments, completed as zsh's own nice and nohup do (_normal). */
function programFunction(p: string): string {
  return `(( $+functions[_${p}_program] )) ||
_${p}_program() {
  if [[ $words[1] == -- ]]; then
    shift words
    (( CURRENT-- ))
  fi
  _normal
}

`;
}

function commandSpecs(command: CompletionCommand, p: string): string[] {
  const specs = command.options.map((o) => optionSpec(o, p));
  const runs = command.rest?.kind === 'program-arguments';
  // A program and its arguments (exec) are completed as a command line of their own
  // (_awsdir_program): after `*::`, words holds only them.
  const args = runs ? command.args.filter((a) => a.kind !== 'programs') : command.args;
  args.forEach((a, i) => specs.push(sq(`${i + 1}:${a.optional ? ':' : ''}${a.name}:${action(a, p)}`)));
  if (command.rest) specs.push(runs ? sq(`*::${command.rest.name}: _${p}_program`) : sq(`*:${command.rest.name}:${action(command.rest, p)}`));
  return specs;
}

function optionSpec(option: CompletionOption, p: string): string {
  const description = `[${bracketed(summary(option.description))}]`;
  const value = option.value ? `:${option.value.name}:${action(option.value, p)}` : '';
  const [only] = option.flags;
  if (option.flags.length === 1 && only) return sq(`${only}${option.value && only.startsWith('--') ? '=' : ''}${description}${value}`);
  // -h and --help: either one, and not both.
  const forms = option.flags.map((f) => `${f}${option.value && f.startsWith('--') ? '=' : ''}`);
  return `${sq(`(${option.flags.join(' ')})`)}{${forms.join(',')}}${sq(`${description}${value}`)}`;
}

function action(values: Values, p: string): string {
  switch (values.kind) {
    case 'words':
      return `(${values.words.join(' ')})`;
    case 'sources':
      return `_${p}_sources`;
    case 'directories':
      return '_files -/';
    case 'files':
      return '_files';
    case 'programs':
      // A leading space: called as written, with no options inserted before its -e.
      return ' _command_names -e';
    case 'program-arguments':
      return ` _${p}_program`;
    case 'none':
      return ' ';
  }
}

/** Inside _arguments' [description]: brackets and backslashes escaped. */
function bracketed(text: string): string {
  return text.replace(/[\\[\]]/g, (c) => `\\${c}`);
}

function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
