# shellcheck shell=bash
#
# awsdir's direnv helper: gives every directory its own AWS identity.
# Installed by `awsdir hook direnv --install` into direnv's lib directory, which direnv sources
# before every .envrc. Printed by `awsdir hook direnv`.

# Usage: use aws [ARGS]
#
# Loads the AWS identity that the nearest .awsdir.yaml gives this directory: short-lived,
# MFA-protected role credentials, or with --credential-process a generated profile whose
# credentials the AWS tools fetch from awsdir themselves, or with --server the address and token
# of your awsdir credential server (started on the first cd), so they never go stale. ARGS are
# passed to `awsdir export`. Nothing is exported unless awsdir succeeds; its own message says why not.
# The project file, its extends chain and the user file are watched: editing them reloads.
# `direnv reload` fetches fresh credentials once the current ones are near their end. When AWS
# ended them early (revoked, a clock corrected since), `awsdir clear` then `direnv reload` gets a
# new session; so does AWSDIR_REFRESH=1 in the environment of one run (`AWSDIR_REFRESH=1 direnv
# exec DIR CMD`), which awsdir export reads like --refresh. `AWSDIR_REFRESH=1 direnv reload` does
# not: direnv runs the .envrc later, from the shell's prompt, without it.
#
# Example:
#
#    # .envrc
#    use aws
#
#    # or, for credentials that never go stale:
#    use aws --credential-process
#    use aws --server
#
# Set AWSDIR_BIN to the awsdir command when it is not on PATH.
use_aws() {
  local _awsdir_path output status
  # Sets _awsdir_path in this function's scope: a $(...) would fork a subshell on every cd.
  if ! _awsdir_bin; then
    if [[ -n ${AWSDIR_BIN:-} ]]; then
      log_error "awsdir: AWSDIR_BIN=$AWSDIR_BIN is not an executable command; point it at the awsdir command or unset it"
    else
      log_error "awsdir: command not found on PATH; install it (in a checkout of awsdir: npm ci && npm pack && npm install --global ./awsdir-*.tgz) or set AWSDIR_BIN to its path"
    fi
    _awsdir_watch_config
    return 1
  fi
  # stderr and /dev/tty stay with the person: the MFA prompt and every message reach them as is.
  if output=$("$_awsdir_path" export --shell bash --direnv "$@"); then
    eval "$output"
  else
    status=$?
    # Watch what would fix the failure, so that saving the fix reloads.
    _awsdir_watch_config
    return "$status"
  fi
}

# Sets _awsdir_path to the awsdir command: $AWSDIR_BIN when set, else awsdir on PATH.
_awsdir_bin() {
  if [[ -n ${AWSDIR_BIN:-} ]]; then
    if [[ -x $AWSDIR_BIN ]] || command -v "$AWSDIR_BIN" >/dev/null 2>&1; then
      _awsdir_path=$AWSDIR_BIN
      return 0
    fi
    return 1
  fi
  command -v awsdir >/dev/null 2>&1 || return 1
  _awsdir_path=awsdir
}

# Watches the nearest .awsdir.yaml (or where a new one would appear) and the user file.
_awsdir_watch_config() {
  local dir=$PWD config_home
  while [[ ! -e $dir/.awsdir.yaml && $dir != / && -n $dir ]]; do
    dir=${dir%/*}
    [[ -z $dir ]] && dir=/
  done
  if [[ -e $dir/.awsdir.yaml ]]; then
    watch_file "$dir/.awsdir.yaml"
  else
    watch_file "$PWD/.awsdir.yaml"
  fi
  # A relative XDG_CONFIG_HOME is invalid by the XDG spec and ignored, as awsdir itself does.
  config_home=${XDG_CONFIG_HOME:-}
  [[ $config_home == /* ]] || config_home=$HOME/.config
  watch_file "$config_home/awsdir/config.yaml"
}
