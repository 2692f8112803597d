#!/usr/bin/env bash
# Testbed for `airflow-aws dev` (native mode) on Debian 12 as root. Idempotent.
#
#   dev.sh deps     PostgreSQL server binaries (initdb/postgres) and python3-venv from apt; uv (the resolver
#                   `airflow-aws image lock` runs) from PyPI into ${AIRFLOW_AWS_CACHE}/tools/uv, linked onto PATH
#
# Docker mode additionally needs: docker.sh engine, docker.sh base-image, docker.sh python-image.
set -euo pipefail

readonly CACHE="${AIRFLOW_AWS_CACHE:-/var/cache/airflow-aws}"
readonly UV_VERSION="0.13.9"

log() { printf '[dev.sh] %s\n' "$*" >&2; }

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

have_postgres() {
  command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

cmd_deps() {
  local missing=()
  have_postgres || missing+=(postgresql)
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if ! command -v uv >/dev/null 2>&1; then
    local venv="${CACHE}/tools/uv"
    if [[ ! -x "${venv}/bin/uv" ]]; then
      log "installing uv ${UV_VERSION} into ${venv}"
      rm -rf "${venv}"
      python3 -m venv "${venv}"
      "${venv}/bin/pip" install --quiet --disable-pip-version-check --no-input "uv==${UV_VERSION}" >&2
    fi
    ln -sf "${venv}/bin/uv" /usr/local/bin/uv
  fi
  log "ready: $(uv --version), PostgreSQL $(compgen -G '/usr/lib/postgresql/*/bin' | sed 's#.*/postgresql/\([0-9]*\)/bin#\1#' | sort -n | tail -1), $(python3 --version)"
}

case "${1:-}" in
  deps) cmd_deps ;;
  *) usage ;;
esac
