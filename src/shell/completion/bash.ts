import { checkSpec, type CompletionSpec, type Values } from './spec';

/**
 * The bash script. It must run in bash 3.2 (what macOS ships): no associative arrays, no case
 * conversion expansions, no mapfile, no compopt without a fallback. Everything it knows is in two
 * case statements rendered from the spec; only source names are asked of awsdir, on Tab.
 */
export function renderBash(spec: CompletionSpec): string {
  checkSpec(spec);
  const p = spec.program;
  const commandNames = spec.commands.map((c) => c.name).join(' ');
  const specCases = [
    `    '') _${p}_flags=${sq(flagList(spec.options))} _${p}_valued=' ' ;;`,
    ...spec.commands.map(
      (c) =>
        `    ${c.name}) _${p}_flags=${sq(flagList(c.options))} _${p}_valued=${sq(` ${c.options.flatMap((o) => (o.value ? o.flags : [])).join(' ')} `)} _${p}_through=${c.rest?.kind === 'program-arguments' ? 1 : "''"} ;;`,
    ),
  ];
  const kindCases: string[] = [];
  for (const c of spec.commands) {
    for (const o of c.options) {
      if (o.value && o.value.kind !== 'none') kindCases.push(`    ${o.flags.map((f) => sq(`${c.name} ${f}`)).join('|')}) _${p}_kind=${sq(kind(o.value))} ;;`);
    }
    c.args.forEach((a, i) => kindCases.push(`    ${sq(`${c.name} @${i}`)}) _${p}_kind=${sq(kind(a))} ;;`));
    if (c.rest) kindCases.push(`    ${sq(`${c.name} @`)}*) _${p}_kind=${sq(kind(c.rest))} ;;`);
  }
  return `# ${p} completion for bash (3.2 and later), printed by \`${p} completion bash\` (${p} ${spec.version}).
# Install: ${p} completion bash > ~/.local/share/bash-completion/completions/${p}
# or, without the bash-completion package, in ~/.bashrc: eval "$(${p} completion bash)"
# Print it again after upgrading ${p}: the commands and flags below are this version's.

_${p}_commands=${sq(commandNames)}

# What command $1 takes ('' is ${p} itself): _${p}_flags, its flags; _${p}_valued, those that take
# a value; _${p}_through, set when the words after its first argument belong to the program it runs.
_${p}_spec() {
  _${p}_through=
  case $1 in
${specCases.join('\n')}
    *) return 1 ;;
  esac
}

# Sets _${p}_kind to what the word after flag $2 of command $1 is, or with $2 = @N what the
# command's argument N is (from 0): words LIST, sources, directories, files, programs, text (free
# text, nothing to offer) or none (no such flag or argument).
_${p}_kind() {
  case "$1 $2" in
${kindCases.join('\n')}
    *) _${p}_kind=none ;;
  esac
}

# Lets readline take the words as file names: quoted where needed, a / after a directory
# (compopt is bash 4; in bash 3.2 calling compgen -f in the function has the same effect).
_${p}_filenames() {
  compopt -o filenames 2>/dev/null || compgen -f /non-existing-dir/ >/dev/null
}

# Sets COMPREPLY to the words of kind $1 that start with $2.
_${p}_complete() {
  local IFS='
'
  case $1 in
    words\\ *) COMPREPLY=($(IFS=' '; compgen -W "\${1#words }" -- "$2")) ;;
    sources) COMPREPLY=($(compgen -W "$(${p} completion --list sources 2>/dev/null)" -- "$2")) ;;
    directories) _${p}_filenames; COMPREPLY=($(compgen -d -- "$2")) ;;
    files) _${p}_filenames; COMPREPLY=($(compgen -f -- "$2")) ;;
    programs) COMPREPLY=($(compgen -c -- "$2")) ;;
  esac
}

_${p}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} word command= pending= ended= position=0 i=1
  local _${p}_flags _${p}_valued _${p}_through _${p}_kind
  COMPREPLY=()
  _${p}_spec ''
  # The words before the cursor: the command, how many arguments it has, and whether the last
  # word is a flag still waiting for its value.
  while [ "$i" -lt "$COMP_CWORD" ]; do
    word=\${COMP_WORDS[i]}
    i=$((i + 1))
    if [ -n "$pending" ]; then
      # bash splits --flag=value at the = (COMP_WORDBREAKS): then the value is the word after it.
      [ "$word" = = ] || pending=
    elif [ -z "$ended" ] && [ "$word" = -- ]; then
      ended=1
    elif [ -z "$ended" ] && [ "\${word#-}" != "$word" ]; then
      case $_${p}_valued in *" $word "*) pending=$word ;; esac
    elif [ -z "$command" ]; then
      command=$word
      _${p}_spec "$command" || return 0
    else
      position=$((position + 1))
      [ -n "$_${p}_through" ] && ended=1
    fi
  done
  if [ -n "$pending" ]; then
    [ "$cur" = = ] && cur=
    _${p}_kind "$command" "$pending"
    _${p}_complete "$_${p}_kind" "$cur"
    return 0
  fi
  if [ -z "$ended" ]; then
    case $cur in
      --*=*)
        # --flag=value as one word (COMP_WORDBREAKS without =): complete the value, keep the flag.
        word=\${cur%%=*}
        _${p}_kind "$command" "$word"
        _${p}_complete "$_${p}_kind" "\${cur#*=}"
        [ \${#COMPREPLY[@]} -gt 0 ] && COMPREPLY=("\${COMPREPLY[@]/#/$word=}")
        return 0
        ;;
      -*)
        COMPREPLY=($(compgen -W "$_${p}_flags" -- "$cur"))
        return 0
        ;;
    esac
  fi
  if [ -z "$command" ]; then
    COMPREPLY=($(compgen -W "$_${p}_commands" -- "$cur"))
    return 0
  fi
  _${p}_kind "$command" "@$position"
  if [ "$_${p}_kind" = none ]; then
    # No argument goes here: offer the flags instead.
    [ -z "$ended" ] && COMPREPLY=($(compgen -W "$_${p}_flags" -- "$cur"))
    return 0
  fi
  _${p}_complete "$_${p}_kind" "$cur"
}

complete -F _${p} ${p}
`;
}

function kind(values: Values): string {
  switch (values.kind) {
    case 'words':
      return `words ${values.words.join(' ')}`;
    case 'program-arguments':
      return 'files';
    case 'none':
      return 'text';
    default:
      return values.kind;
  }
}

function flagList(options: CompletionSpec['options']): string {
  return options.flatMap((o) => o.flags).join(' ');
}

/** Single-quoted for bash; the words here are plain (checkSpec), the quotes are for the blanks. */
function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
