#!/usr/bin/env bash
# Entrypoint of the airflow-aws image (PID 1 is dumb-init, which forwards signals to what this script execs).
#
#   api-server | webserver     the UI/API: `airflow api-server` on Airflow 3, `airflow webserver` on Airflow 2
#   scheduler | dag-processor | triggerer
#                              the long-running components (wait for the database first)
#   migrate                    `airflow db migrate` (run it once per upgrade, as a Kubernetes Job)
#   create-admin               create the FAB admin user if missing; password from AIRFLOW_ADMIN_PASSWORD_FILE
#                              or AIRFLOW_ADMIN_PASSWORD (never from argv)
#   wait-for-db                only wait for the metadata database (init containers)
#   airflow ... | python ... | any command
#                              run as is; `airflow tasks run` (Airflow 2 workers) waits for the database,
#                              Airflow 3 workers (`python -m airflow.sdk.execution_time.execute_workload`) do not
#                              need it and start at once
#
# Knobs (environment):
#   AIRFLOW_AWS_DB_WAIT_SECONDS   how long to wait for the database (default 60; 0 = do not wait)
#   AIRFLOW_AWS_DB_WAIT_INTERVAL  seconds between attempts (default 2)
set -euo pipefail

readonly DB_WAIT_SECONDS="${AIRFLOW_AWS_DB_WAIT_SECONDS:-60}"
readonly DB_WAIT_INTERVAL="${AIRFLOW_AWS_DB_WAIT_INTERVAL:-2}"
readonly HELPERS_DIR="${AIRFLOW_AWS_HELPERS_DIR:-/usr/local/lib/airflow-aws}"
readonly AIRFLOW_UID_EXPECTED=50000

log() { printf '[entrypoint] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Airflow's own image rule: an arbitrary UID is fine only with GID 0 (group-writable AIRFLOW_HOME).
check_uid_gid() {
  local uid gid
  uid="$(id -u)"
  gid="$(id -g)"
  if [[ "$uid" != "$AIRFLOW_UID_EXPECTED" && "$gid" != "0" ]]; then
    die "running as uid ${uid} gid ${gid}: use uid ${AIRFLOW_UID_EXPECTED} or any uid with gid 0 (runAsGroup: 0)"
  fi
}

# Major version of the installed Airflow (decides api-server vs webserver).
airflow_major() {
  python -c 'import importlib.metadata as m; print(m.version("apache-airflow").split(".")[0])'
}

# Bounded wait: the helper retries until the deadline and prints the last failure before giving up.
wait_for_db() {
  if [[ ! "$DB_WAIT_SECONDS" =~ ^[0-9]+$ ]]; then
    die "AIRFLOW_AWS_DB_WAIT_SECONDS must be a whole number of seconds, got '${DB_WAIT_SECONDS}'"
  fi
  if [[ "$DB_WAIT_SECONDS" -eq 0 ]]; then
    return 0
  fi
  python "${HELPERS_DIR}/wait-for-db.py" --timeout "$DB_WAIT_SECONDS" --interval "$DB_WAIT_INTERVAL"
}

run_airflow() {
  exec airflow "$@"
}

main() {
  check_uid_gid
  if [[ "$#" -eq 0 ]]; then
    set -- airflow version
  fi
  local cmd="$1"
  shift
  case "$cmd" in
    api-server | webserver)
      wait_for_db
      if [[ "$(airflow_major)" -ge 3 ]]; then
        run_airflow api-server "$@"
      else
        run_airflow webserver "$@"
      fi
      ;;
    scheduler | dag-processor | triggerer)
      wait_for_db
      run_airflow "$cmd" "$@"
      ;;
    migrate)
      wait_for_db
      run_airflow db migrate "$@"
      ;;
    create-admin)
      wait_for_db
      exec python "${HELPERS_DIR}/create-admin.py" "$@"
      ;;
    wait-for-db)
      wait_for_db
      ;;
    airflow)
      if [[ "${1:-}" == "tasks" && "${2:-}" == "run" ]]; then
        wait_for_db
      fi
      run_airflow "$@"
      ;;
    *)
      exec "$cmd" "$@"
      ;;
  esac
}

main "$@"
