#!/usr/bin/env zsh
# Usage: zsh -f zshCompletions.zsh FUNCTION_DIR LINE
# Prints, one per line, what zsh's completion system offers after LINE when Tab is pressed: an
# interactive zsh on a pseudo-terminal loads compinit with FUNCTION_DIR first on fpath, gets LINE
# and a Tab, and every word handed to compadd that matches what is typed is printed. The shell
# exits after that one completion.
zmodload zsh/zpty || exit 2
fdir=$1 line=$2

zpty z zsh -f -i
# The markers are split in the text typed to the shell, which echoes it: only what the shell
# prints itself holds them whole.
zpty -w z "PS1= PROMPT= RPROMPT= PROMPT_EOL_MARK=; fpath=(${(q)fdir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi; local -a __m; builtin compadd -O __m "$@"; local m; for m in $__m; do print -r -- "<<""match>>$m<<""/match>>"; done; builtin compadd "$@"; }'
zpty -w z '__capture_done() { print -r -- "<<""end>>"; exit }; comppostfuncs=(__capture_done)'
zpty -w z "bindkey '^I' complete-word"
zpty -w -n z "$line"$'\t'

out=
while zpty -r z chunk; do
  out+=$chunk
  [[ $out == *'<<end>>'* ]] && break
done
zpty -d z
[[ $out == *'<<end>>'* ]] || { print -u2 -r -- "no completion ran; the shell said: $out"; exit 3; }
# Line editing may write its own escapes before a printed line: take only what is between markers.
for l in ${(f)out//$'\r'/}; do
  [[ $l == *'<<match>>'*'<</match>>'* ]] && { l=${l#*'<<match>>'}; print -r -- ${l%%'<</match>>'*} }
done
exit 0
