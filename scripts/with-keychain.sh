#!/usr/bin/env bash
# Usage: scripts/with-keychain.sh COMMAND [ARGS...]
# Runs COMMAND inside a private D-Bus session with a headless, unlocked gnome-keyring (the
# Secret Service the `os` keyring backend talks to on Linux), then stops both.
# Example: scripts/with-keychain.sh npx jest test/integration
set -euo pipefail

if [[ "${AWSDIR_IN_KEYCHAIN:-}" == 1 ]]; then exec "$@"; fi

for tool in dbus-run-session gnome-keyring-daemon dbus-send; do
  command -v "$tool" >/dev/null || { echo "with-keychain: $tool is missing; install: apt-get install dbus gnome-keyring" >&2; exit 1; }
done

# A fresh data and runtime directory, so no older, locked login keyring is found.
scratch="$(mktemp -d "${TMPDIR:-/tmp}/awsdir-keychain.XXXXXX")"
mkdir -m 700 "$scratch/runtime" "$scratch/data"
trap 'rm -rf "$scratch"' EXIT

export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/runtime" AWSDIR_IN_KEYCHAIN=1
dbus-run-session -- bash -c '
  set -euo pipefail
  printf %s awsdir-test | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
  daemon=$!
  trap "kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true" EXIT
  for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
        string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then
      ready=1; break
    fi
    sleep 0.05
  done
  [[ "${ready:-}" == 1 ]] || { echo "with-keychain: gnome-keyring did not start" >&2; exit 1; }
  "$@"
' with-keychain "$@"
