#!/usr/bin/env bash
# The project's one test command, on a fresh Debian 12 machine as root or on a prepared one:
#   1. installs and starts every real peer the tests use (scripts/testbed/setup.sh; idempotent, a few seconds when
#      everything is there, ~35-45 min the first time: Kubernetes is built from source),
#   2. installs the npm dependencies unless node_modules already matches package-lock.json,
#   3. compiles afresh and runs every test (scripts/run-tests.mjs); its last line is `N passed, N failed, N skipped`.
# Arguments are test-file filters, e.g. `bash scripts/test.sh integ/k8s`.
# Not root, or not Debian: step 1 is skipped with a note; the peers must then be installed already.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
# shellcheck source=scripts/lib/node-deps.sh
source "${ROOT}/scripts/lib/node-deps.sh"

export AIRFLOW_AWS_CACHE="${AIRFLOW_AWS_CACHE:-/var/cache/airflow-aws}"

if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  bash "${ROOT}/scripts/testbed/setup.sh"
else
  printf 'test.sh: not root on Debian; skipping scripts/testbed/setup.sh (the real peers must already be installed)\n' >&2
fi
ensure_node_modules "${ROOT}"
cd "${ROOT}"
exec node scripts/run-tests.mjs "$@"
