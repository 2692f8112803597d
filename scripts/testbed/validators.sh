#!/usr/bin/env bash
# Pinned CloudFormation validators for the validator tests (test/integ/validators): cfn-lint and checkov, each in
# its own virtualenv (checkov pins its own cfn-lint range), installed from PyPI.
#
# Cached OUTSIDE the repository:
#   ${AIRFLOW_AWS_CACHE:-/var/cache/airflow-aws}/validators/<tool>-<version>/bin/<tool>
#
# Usage:
#   scripts/testbed/validators.sh install   # idempotent; installs what is missing, then prints the paths
#   scripts/testbed/validators.sh path      # prints "cfn-lint=<path>" and "checkov=<path>"; exit 1 if one is missing
#   scripts/testbed/validators.sh status    # versions of what is installed
#
# Needs python3 (3.9+) with the venv module (Debian: apt-get install python3-venv).
set -euo pipefail

readonly CFN_LINT_VERSION="1.58.0"
readonly CHECKOV_VERSION="3.3.30"
readonly CACHE_DIR="${AIRFLOW_AWS_CACHE:-/var/cache/airflow-aws}/validators"
readonly PYTHON="${PYTHON:-python3}"

tool_dir() { # tool version
  printf '%s/%s-%s\n' "$CACHE_DIR" "$1" "$2"
}

tool_bin() { # tool version
  printf '%s/bin/%s\n' "$(tool_dir "$1" "$2")" "$1"
}

install_tool() { # tool version
  local tool="$1" version="$2" dir bin tmp
  dir="$(tool_dir "$tool" "$version")"
  bin="$(tool_bin "$tool" "$version")"
  if [[ -x "$bin" ]]; then
    return 0
  fi
  mkdir -p "$CACHE_DIR"
  # Build in a temporary directory and rename at the end, so an interrupted install never looks complete.
  tmp="${dir}.partial"
  rm -rf "$tmp"
  echo "validators: installing ${tool}==${version} into ${dir}" >&2
  "$PYTHON" -m venv "$tmp"
  "$tmp/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${tool}==${version}" >&2
  rm -rf "$dir"
  mv "$tmp" "$dir"
  # A venv's scripts carry the absolute path of their interpreter; rewrite it after the move.
  sed -i "1s|^#!.*python.*$|#!${dir}/bin/python|" "$dir/bin/$tool"
  if ! "$bin" --version >/dev/null 2>&1; then
    echo "validators: ${bin} does not run after installation" >&2
    return 1
  fi
}

print_paths() {
  local missing=0 tool version bin
  for pair in "cfn-lint:${CFN_LINT_VERSION}" "checkov:${CHECKOV_VERSION}"; do
    tool="${pair%%:*}"
    version="${pair#*:}"
    bin="$(tool_bin "$tool" "$version")"
    if [[ -x "$bin" ]]; then
      printf '%s=%s\n' "$tool" "$bin"
    else
      echo "validators: ${tool} ${version} is not installed (run: scripts/testbed/validators.sh install)" >&2
      missing=1
    fi
  done
  return "$missing"
}

status() {
  local bin
  bin="$(tool_bin cfn-lint "$CFN_LINT_VERSION")"
  if [[ -x "$bin" ]]; then echo "cfn-lint: $("$bin" --version)"; else echo "cfn-lint: missing"; fi
  bin="$(tool_bin checkov "$CHECKOV_VERSION")"
  if [[ -x "$bin" ]]; then echo "checkov: $("$bin" --version)"; else echo "checkov: missing"; fi
}

main() {
  case "${1:-}" in
    install)
      install_tool cfn-lint "$CFN_LINT_VERSION"
      install_tool checkov "$CHECKOV_VERSION"
      print_paths
      ;;
    path) print_paths ;;
    status) status ;;
    *)
      echo "usage: $0 install|path|status" >&2
      return 2
      ;;
  esac
}

main "$@"
