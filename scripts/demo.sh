#!/usr/bin/env bash
# Usage: bash scripts/demo.sh [--no-install] [DEMO ARGS...]
# Installs what awsdir needs on a fresh Debian/Ubuntu machine (Debian packages when run as root
# where apt exists, then npm ci and a build), starts a headless keychain, and runs `awsdir demo`:
# the whole flow on a local AWS emulator, in a private HOME. --no-install skips the installing.
# Example: sudo bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

install=1
if [[ "${1:-}" == --no-install ]]; then install=0; shift; fi

if ((install)); then
  # shellcheck source=scripts/lib/install-debian-packages.sh
  source scripts/lib/install-debian-packages.sh
  # Without them the demo still runs: it falls back to its file keyring and skips the direnv part.
  install_debian_packages demo direnv gnome-keyring dbus libsecret-1-0 awscli || echo "demo: going on without them" >&2
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "demo: Node.js 24 or 22 is needed (20 still works, past its end of life; found: $(node --version 2>/dev/null || echo none)); see https://nodejs.org" >&2
  exit 1
fi

if ((install)); then
  npm ci --no-audit --no-fund --loglevel=error
  npm run --silent build
fi
[[ -f dist/awsdir.cjs ]] || { echo "demo: dist/awsdir.cjs is missing; run npm ci && npm run build (or leave out --no-install)" >&2; exit 1; }

# A private, unlocked keychain for the demo, so it never asks to unlock yours. Without gnome-keyring
# the demo falls back to its own encrypted file keyring.
if command -v gnome-keyring-daemon >/dev/null && command -v dbus-run-session >/dev/null; then
  exec scripts/with-keychain.sh node dist/awsdir.cjs demo "$@"
fi
exec node dist/awsdir.cjs demo "$@"
