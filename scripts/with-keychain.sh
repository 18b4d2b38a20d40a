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

# The session bus starts no service on demand: were the daemon to die, D-Bus would otherwise start
# a second one with the keyring locked (and no prompter to unlock it), and every later test would
# fail on it. The keeper below starts it again, unlocked, on the same keyring file instead.
cat >"$scratch/bus.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF

export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/runtime" AWSDIR_IN_KEYCHAIN=1 KEYCHAIN_SCRATCH="$scratch"
# shellcheck disable=SC2016 # the script is expanded by the inner bash, inside the session
dbus-run-session --config-file="$scratch/bus.conf" -- bash -c '
  set -euo pipefail
  log="$KEYCHAIN_SCRATCH/daemon.log"
  # gnome-keyring-daemon has been seen to abort (a GLib fatal error) under a full test run: it is
  # started again at once, unlocked with the same password, and says so; what it printed is shown.
  (
    while :; do
      printf %s awsdir-test | gnome-keyring-daemon --foreground --unlock --components=secrets >>"$log" 2>&1 &
      echo $! >"$KEYCHAIN_SCRATCH/daemon.pid"
      rc=0
      wait $! || rc=$?
      [[ -e "$KEYCHAIN_SCRATCH/stop" ]] && exit 0
      # Nor once the session is gone (dbus-run-session killed): the keeper would outlive it.
      kill -0 "$PPID" 2>/dev/null || exit 0
      echo "with-keychain: gnome-keyring-daemon exited (status $rc); starting it again, unlocked. It printed:" >&2
      tail -n 20 "$log" >&2 || true
      : >"$log"
      sleep 0.1
    done
  ) &
  keeper=$!
  trap "touch \"\$KEYCHAIN_SCRATCH/stop\"; kill \$(cat \"\$KEYCHAIN_SCRATCH/daemon.pid\" 2>/dev/null) 2>/dev/null; wait $keeper 2>/dev/null || true" EXIT
  for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
        string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then
      ready=1; break
    fi
    sleep 0.05
  done
  [[ "${ready:-}" == 1 ]] || { echo "with-keychain: gnome-keyring did not start" >&2; cat "$log" >&2; exit 1; }
  "$@"
' with-keychain "$@"
