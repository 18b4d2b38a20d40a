#!/usr/bin/env bash
# Usage: bash scripts/test.sh [JEST ARGS...]
# Installs what the tests need (Debian packages when run as root where apt exists, then npm ci),
# builds and lints awsdir (types, ESLint, the layers of DESIGN.md section 8), starts a headless
# keychain for the run, runs every test, then a short benchmark.
# Example: sudo bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/install-debian-packages.sh
source scripts/lib/install-debian-packages.sh
install_debian_packages test direnv gnome-keyring dbus libsecret-1-0 libsecret-tools awscli zsh fish tmux shellcheck hyperfine procps || exit 1

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "test: Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none)); see https://nodejs.org" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
npm run --silent lint
scripts/with-keychain.sh npx jest "$@"

# A short benchmark for the log: ratios only, never a failure on timing (shared, noisy machines);
# it fails only when the cache-hit path loads a module it must not. Skipped for a partial run.
if (($# == 0)); then
  echo "test: ---- benchmark (bench/run.sh; ratios for the log, fails only on a hit-path module violation) ----" >&2
  bench/run.sh --no-build --runs 5 --suites help,hit --guard
fi
