# shellcheck shell=bash
# Sourced by scripts/test.sh and scripts/demo.sh, which differ only in the packages they need and
# in what they do when some cannot be installed.

# Usage: install_debian_packages NAME PACKAGE...
# Installs the packages that are not installed yet, when run as root where apt-get exists; NAME
# leads every message; a failing apt-get ends the script. Otherwise says which are missing and how to
# install them, and returns 1.
# Example: install_debian_packages test direnv awscli || exit 1
install_debian_packages() {
  local name=$1 p
  shift
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "$name: installing ${missing[*]}" >&2
    # Called after `||`, where set -e does not act: a failing apt-get stops the script by hand.
    apt-get update -qq || exit
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || exit
    return 0
  fi
  echo "$name: missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]} (or run this script with sudo)" >&2
  return 1
}
