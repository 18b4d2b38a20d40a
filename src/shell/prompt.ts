export type PromptShell = 'bash' | 'zsh' | 'fish';
export const promptShells: readonly PromptShell[] = ['bash', 'zsh', 'fish'];

/*
 * The prompt segment runs at every prompt, so it is plain shell: no awsdir (Node) process, the
 * shell's own clock where it has one. It prints `[label account 42m] ` ("!" first for production: a label containing "prod", or AWSDIR_CONFIRM=1, which
 * the export sets for `confirm: true`), or nothing outside an awsdir directory. Once past
 * AWSDIR_EXPIRES the time left becomes what to do, since a shell left open holds the keys it was
 * given: "expired: direnv reload" under direnv (DIRENV_DIR is set), "expired: awsdir export" for
 * keys exported by hand.
 *
 * The time left is what surely remains, in whole minutes, as the summary line counts it: the shell's
 * clock drops the fraction of the current second, so one second less than expiry minus now. Without
 * that, a one-hour session would show "1h00m" in the second it was issued, beside a summary line
 * saying "59m left".
 *
 * The variables are data, never code:
 * - AWSDIR_EXPIRES reaches arithmetic only after matching ^[0-9]+$, because bash and zsh evaluate
 *   a variable's content as an expression there (`a[$(cmd)]` would run cmd).
 * - Control characters become "?", so no label can move the cursor or retitle the terminal.
 * - bash: the text comes out of `$(awsdir_prompt)` in PS1, and bash never expands the result of a
 *   command substitution again, nor decodes its backslashes.
 * - zsh: with PROMPT_SUBST, zsh does apply %-escapes to the substituted text, so every % is doubled.
 * - fish: fish_prompt's output is printed as it is.
 *
 * The bash segment is bash 3.2 (macOS's /bin/bash): no ${x,,} (so "prod" in any case is matched
 * letter by letter), and EPOCHSECONDS (bash 5) only with date(1) as the fallback.
 */

const bash =
  String.raw`# awsdir prompt segment. Add to ~/.bashrc after this function: PS1='$(awsdir_prompt)'"$PS1"  (single quotes: the function must run at each prompt)
awsdir_prompt() {
  [[ -n "\${AWSDIR_LABEL:-}\${AWSDIR_ACCOUNT:-}" ]] || return 0
  local label="\${AWSDIR_LABEL:-}" account="\${AWSDIR_ACCOUNT:-}" expires="\${AWSDIR_EXPIRES:-}" now left="" mark=""
  label="\${label//[[:cntrl:]]/?}"
  account="\${account//[[:cntrl:]]/?}"
  if [[ "$label" == *[Pp][Rr][Oo][Dd]* || "\${AWSDIR_CONFIRM:-}" == 1 ]]; then mark="! "; fi
  if [[ "$expires" =~ ^[0-9]{1,15}$ ]]; then
    now="\${EPOCHSECONDS:-}"
    [[ -n "$now" ]] || now="$(date +%s)"
    left=$(( 10#$expires - now - 1 ))
    if (( left < 0 )); then left="expired: awsdir export"; [[ -n "\${DIRENV_DIR:-}" ]] && left="expired: direnv reload"
    elif (( left >= 3600 )); then printf -v left '%dh%02dm' $(( left / 3600 )) $(( left % 3600 / 60 ))
    elif (( left < 60 )); then left="<1m"
    else left="$(( left / 60 ))m"
    fi
  fi
  local text="$label"
  [[ -n "$account" ]] && text="\${text:+$text }$account"
  [[ -n "$left" ]] && text="$text $left"
  printf '[%s%s] ' "$mark" "$text"
}
`.replace(/\\\$/g, '$');

const zsh =
  String.raw`# awsdir prompt segment. Add to ~/.zshrc after this function: setopt PROMPT_SUBST; PROMPT='$(awsdir_prompt)'"$PROMPT"  (single quotes: the function must run at each prompt)
awsdir_prompt() {
  emulate -L zsh
  [[ -n "\${AWSDIR_LABEL-}\${AWSDIR_ACCOUNT-}" ]] || return 0
  zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null
  local label="\${AWSDIR_LABEL-}" account="\${AWSDIR_ACCOUNT-}" expires="\${AWSDIR_EXPIRES-}" now left="" mark=""
  label="\${label//[[:cntrl:]]/?}"
  account="\${account//[[:cntrl:]]/?}"
  if [[ "\${(L)label}" == *prod* || "\${AWSDIR_CONFIRM-}" == 1 ]]; then mark="! "; fi
  if [[ "$expires" =~ '^[0-9]{1,15}$' ]]; then
    now="\${EPOCHSECONDS-}"
    [[ -n "$now" ]] || now="$(date +%s)"
    left=$(( 10#$expires - now - 1 ))
    if (( left < 0 )); then left="expired: awsdir export"; [[ -n "\${DIRENV_DIR-}" ]] && left="expired: direnv reload"
    elif (( left >= 3600 )); then left="$(( left / 3600 ))h\${(l:2::0:)$(( left % 3600 / 60 ))}m"
    elif (( left < 60 )); then left="<1m"
    else left="$(( left / 60 ))m"
    fi
  fi
  local text="$label"
  [[ -n "$account" ]] && text="\${text:+$text }$account"
  [[ -n "$left" ]] && text="$text $left"
  print -rn -- "[$mark\${text//\%/%%}] "
}
`.replace(/\\\$/g, '$');

const fish = String.raw`# awsdir prompt segment. Add to ~/.config/fish/config.fish after this function: function fish_right_prompt; awsdir_prompt; end  (or call awsdir_prompt in your fish_prompt)
function awsdir_prompt --description 'awsdir: label, account and time left of the AWS identity in effect'
    set -q AWSDIR_LABEL; or set -q AWSDIR_ACCOUNT; or return 0
    set -l label (string replace -ra '[[:cntrl:]]' '?' -- "$AWSDIR_LABEL")
    set -l account (string replace -ra '[[:cntrl:]]' '?' -- "$AWSDIR_ACCOUNT")
    set -l mark ''
    if string match -qi '*prod*' -- "$label"; or test "$AWSDIR_CONFIRM" = 1
        set mark '! '
    end
    set -l text (string join ' ' -- (string match -v '' -- "$label" "$account"))
    if string match -qr '^[0-9]{1,15}$' -- "$AWSDIR_EXPIRES"
        set -l left (math "$AWSDIR_EXPIRES" - (date +%s) - 1)
        if test $left -lt 0; and set -q DIRENV_DIR
            set text "$text expired: direnv reload"
        else if test $left -lt 0
            set text "$text expired: awsdir export"
        else if test $left -ge 3600
            set text "$text "(math -s0 $left / 3600)h(string pad -c 0 -w 2 -- (math -s0 $left % 3600 / 60))m
        else if test $left -lt 60
            set text "$text <1m"
        else
            set text "$text "(math -s0 $left / 60)m
        end
    end
    printf '[%s%s] ' "$mark" "$text"
end
`;

/** The prompt function for one shell, with a one-line comment on how to add it to the prompt. */
export function renderPrompt(shell: PromptShell): string {
  switch (shell) {
    case 'bash':
      return bash;
    case 'zsh':
      return zsh;
    case 'fish':
      return fish;
  }
}
