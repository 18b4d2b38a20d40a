import { checkSpec, summary, type CompletionOption, type CompletionSpec, type Values } from './spec';

/**
 * The fish script: one `complete` line per command, flag and argument, each under a condition
 * (__awsdir_at) that reads the words typed so far. Only source names are asked of awsdir, on Tab.
 */
export function renderFish(spec: CompletionSpec): string {
  checkSpec(spec);
  const p = spec.program;
  const lines: string[] = [];
  for (const o of spec.options) lines.push(optionLine(p, '""', o));
  for (const c of spec.commands) lines.push(`complete -c ${p} -n '__${p}_at "" 0' -a ${c.name} -d ${fq(summary(c.description))}`);
  for (const c of spec.commands) {
    lines.push('');
    for (const o of c.options) lines.push(optionLine(p, c.name, o));
    const program = c.rest?.kind === 'program-arguments' ? c.args.findIndex((a) => a.kind === 'programs') : -1;
    c.args.forEach((a, i) => {
      if (program < 0 || i < program) lines.push(`complete -c ${p} -n '__${p}_at ${c.name} ${i}' ${argument(a, p)}`);
    });
    if (program >= 0) {
      lines.push(`complete -c ${p} -n '__${p}_at ${c.name} ${program}+' -a '(__${p}_program ${program})'`);
    } else if (c.rest) {
      lines.push(`complete -c ${p} -n '__${p}_at ${c.name} ${c.args.length}+' ${argument(c.rest, p)}`);
    }
  }
  const valued = spec.commands
    .map((c) => [c.name, c.options.flatMap((o) => (o.value ? o.flags : []))] as const)
    .filter(([, flags]) => flags.length > 0)
    .map(([name, flags]) => `        case ${name}\n            printf '%s\\n' ${flags.join(' ')}`);
  const through = spec.commands.filter((c) => c.rest?.kind === 'program-arguments').map((c) => c.name);
  return `# ${p} completion for fish, printed by \`${p} completion fish\` (${p} ${spec.version}).
# Install: ${p} completion fish > ~/.config/fish/completions/${p}.fish
# Print it again after upgrading ${p}: the commands and flags below are this version's.

# The flags of command $argv[1] that take a value.
function __${p}_valued
    switch $argv[1]
${valued.join('\n')}
    end
end

# Succeeds when the word being completed belongs to ${p} command $argv[1] ('' for ${p} itself):
# as a flag, or, with $argv[2] = N, as its argument N (from 0; N+ for N and every later one).
function __${p}_at
    set -l words (commandline -opc)
    set -e words[1]
    set -l command ''
    set -l valued
    set -l position 0
    set -l pending 0
    set -l ended 0
    for word in $words
        if test $pending = 1
            set pending 0
        else if test $ended = 0 -a "$word" = --
            set ended 1
        else if test $ended = 0; and string match -q -- '-*' $word
            contains -- $word $valued; and set pending 1
        else if test -z "$command"
            set command $word
            set valued (__${p}_valued $command)
        else
            set position (math $position + 1)
            # The words after the program a command runs (exec) are that program's.
            contains -- $command ${through.join(' ') || "''"}; and set ended 1
        end
    end
    test "$command" = "$argv[1]"; or return 1
    if not set -q argv[2]
        test $ended = 0
        return
    end
    test $pending = 0; or return 1
    switch $argv[2]
        case '*+'
            test $position -ge (string trim -r -c + -- $argv[2])
        case '*'
            test $position = $argv[2]
    end
end

# Completes the program a command runs (exec) and its arguments as a command line of their own, as
# fish's nice does: without ${p}, the command, its flags and its first $argv[1] arguments.
function __${p}_program
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    set -l valued (__${p}_valued $words[1])
    set -e words[1]
    set -l skip $argv[1]
    set -l pending 0
    # The last word is the one being completed: it always stays.
    while set -q words[2]
        if test $pending = 1
            set pending 0
        else if test "$words[1]" = --
            set -e words[1]
            break
        else if string match -q -- '-*' $words[1]
            contains -- $words[1] $valued; and set pending 1
        else if test $skip -gt 0
            set skip (math $skip - 1)
        else
            break
        end
        set -e words[1]
    end
    __fish_complete_subcommand --commandline $words
end

complete -c ${p} -f
${lines.join('\n')}
`;
}

function optionLine(p: string, command: string, option: CompletionOption): string {
  const forms = option.flags.map((f) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`)).join(' ');
  const value = option.value ? ` ${valueArguments(option.value, p)}` : '';
  return `complete -c ${p} -n '__${p}_at ${command}' ${forms}${value} -d ${fq(summary(option.description))}`;
}

/** The arguments of `complete` for a flag's value: it requires one, and this is what it is. */
function valueArguments(values: Values, p: string): string {
  switch (values.kind) {
    case 'files':
      return '-r -F';
    case 'none':
      return '-x';
    default:
      return `-x ${candidates(values, p)}`;
  }
}

function argument(values: Values, p: string): string {
  return values.kind === 'files' || values.kind === 'program-arguments' ? '-F' : values.kind === 'none' ? '' : candidates(values, p);
}

function candidates(values: Values, p: string): string {
  switch (values.kind) {
    case 'words':
      return `-a ${fq(values.words.join(' '))}`;
    case 'sources':
      return `-a '(${p} completion --list sources 2>/dev/null)'`;
    case 'directories':
      return `-a '(__fish_complete_directories)'`;
    case 'programs':
      return `-a '(__fish_complete_command)'`;
    default:
      return '';
  }
}

/** Single-quoted for fish, where only \\ and ' are special inside quotes. */
function fq(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}
