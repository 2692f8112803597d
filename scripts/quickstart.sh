#!/usr/bin/env bash
# One command from a fresh clone to a DAG run on this machine — no AWS account needed:
#   installs the CLI (npm ci), writes a demo project (the embedded default config + example DAG) into ./quickstart,
#   validates it, shows the AWS plan offline, writes the artifacts, locks Airflow, starts Airflow locally,
#   runs example_pipeline to success and stops Airflow again (the run history is kept for the next `dev up`).
#
# Needs Node 20.19+, Python 3.10+ with venv, and PostgreSQL server binaries (as root on Debian, this script
# installs the missing ones). Docker is not needed: the demo uses native mode. First run: ~5-6 min (Airflow is
# installed into a cached virtualenv); later runs: ~1-2.5 min (npm ci is skipped while node_modules matches the lock).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly DEMO="${ROOT}/quickstart"

step() { printf '\n==> %s\n' "$*" >&2; }

# shellcheck source=scripts/lib/node-deps.sh
source "${ROOT}/scripts/lib/node-deps.sh"

cd "${ROOT}"
step "installing the CLI (npm ci, unless node_modules already matches the lock) and compiling it"
ensure_node_modules "${ROOT}"
npm run --silent build

if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  step "checking local prerequisites (PostgreSQL binaries, python3-venv)"
  bash scripts/testbed/dev.sh deps
fi

cli() { node "${ROOT}/bin/airflow-aws.js" "$@"; }
# The local virtualenv is built with this machine's Python, so the demo locks Airflow for that minor version.
PYTHON_MINOR="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
readonly PYTHON_MINOR

mkdir -p "${DEMO}"
cd "${DEMO}"
if [[ ! -f airflow-aws.yaml ]]; then
  step "writing the demo project (airflow-aws init)"
  cli init --name quickstart --region us-east-1 --python "${PYTHON_MINOR}"
fi
step "validating the config"
cli validate
step "what would be created in AWS (offline plan)"
cli plan --offline
step "writing the deployment artifacts to quickstart/out"
cli synth --out out >/dev/null
step "locking Airflow and its providers"
cli image lock
step "starting Airflow locally (native mode)"
trap 'cli dev down >/dev/null 2>&1 || true' EXIT
cli dev up --native --detach --python "$(command -v python3)"
step "running the example DAG"
cli dev run-dag example_pipeline
step "stopping Airflow (run history kept; 'airflow-aws dev down --purge' deletes it)"
cli dev down
trap - EXIT
step "done: the demo project is in ./quickstart; see README.md for deploying to AWS"
