#!/usr/bin/env bash
# Usage: bench/run.sh [--runs N] [--suites help,hit,process,cd,modes,cold,scale,memory,file] [--out FILE] [--no-build]
# Builds awsdir, then measures it against `node -e 0`, a `node -e 0` .envrc and an AWS CLI .envrc
# inside a private headless keychain (scripts/with-keychain.sh), printing a Markdown report of
# ratios taken in one interleaved run. NODE_EXTRA_CA_CERTS is unset for every command alike
# (it adds ~38 ms to each node start where it is set).
# Example: bench/run.sh --runs 40 --out /tmp/bench.md
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in node direnv /usr/bin/aws /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing; install: apt-get install direnv awscli time" >&2; exit 1; }
done
build=1
pass=()
for a in "$@"; do
  if [[ $a == --no-build ]]; then build=0; else pass+=("$a"); fi
done
if ((build)); then npm run --silent build; fi
unset NODE_EXTRA_CA_CERTS NODE_OPTIONS
exec scripts/with-keychain.sh node bench/bench.cjs "${pass[@]}"
