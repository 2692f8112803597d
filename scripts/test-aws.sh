#!/usr/bin/env bash
# Opt-in end-to end test on a REAL AWS account (never run by CI): up -> example DAG through the API -> status -> down.
# It creates billable resources: about 40-60 minutes and $1-2 with the defaults (see docs/up.md), and removes them
# at the end, including the data bucket and images (down --delete-data); the RDS final snapshot is kept and named.
#
#   AIRFLOW_AWS_TEST_ACCOUNT=123456789012 [AIRFLOW_AWS_TEST_REGION=us-east-1] npm run test:aws
#
# It refuses to run unless AIRFLOW_AWS_TEST_ACCOUNT is exactly the account of the current credentials.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly REGION="${AIRFLOW_AWS_TEST_REGION:-us-east-1}"
readonly PORT="${AIRFLOW_AWS_TEST_PORT:-18080}"

die() { printf 'test-aws: %s\n' "$*" >&2; exit 2; }

caller_account() {
  node --input-type=module -e "
    import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
    const id = await new STSClient({ region: '${REGION}' }).send(new GetCallerIdentityCommand({}));
    console.log(id.Account);" 2>/dev/null
}

main() {
  [[ -n "${AIRFLOW_AWS_TEST_ACCOUNT:-}" ]] || die 'set AIRFLOW_AWS_TEST_ACCOUNT to the 12-digit account this may bill (see the header of this script)'
  cd "${ROOT}"
  # shellcheck source=scripts/lib/node-deps.sh
  source "${ROOT}/scripts/lib/node-deps.sh"
  ensure_node_modules "${ROOT}"
  npx tsc -p tsconfig.json
  local account
  account="$(caller_account)" || die 'no AWS credentials resolve (try: aws sso login, or AWS_PROFILE=...)'
  [[ "${account}" == "${AIRFLOW_AWS_TEST_ACCOUNT}" ]] || die "credentials are for account ${account}, not AIRFLOW_AWS_TEST_ACCOUNT=${AIRFLOW_AWS_TEST_ACCOUNT}"

  local dir name cli=("node" "${ROOT}/bin/airflow-aws.js")
  dir="$(mktemp -d)"
  name="e2e$(date +%s | tail -c 7)"
  printf 'test-aws: project %s, deployment %s in %s (account %s)\n' "${dir}" "${name}" "${REGION}" "${account}" >&2
  "${cli[@]}" init --dir "${dir}" --name "${name}" --region "${REGION}"
  cd "${dir}"
  trap 'printf "test-aws: stopped; to remove what was created: cd %s && %s down --yes --delete-data\n" "${dir}" "${cli[*]}" >&2' EXIT

  "${cli[@]}" image lock
  "${cli[@]}" up --yes
  "${cli[@]}" kubeconfig --kubeconfig "${dir}/kubeconfig" --no-set-current
  "${cli[@]}" open --no-browser --port "${PORT}" >/dev/null &
  local forward=$!
  sleep 5
  node "${ROOT}/scripts/aws/run-example-dag.mjs" "${dir}/kubeconfig" airflow "http://127.0.0.1:${PORT}"
  kill "${forward}" 2>/dev/null || true
  "${cli[@]}" status
  "${cli[@]}" down --yes --delete-data
  trap - EXIT
  printf 'test-aws: passed\n' >&2
}

main "$@"
