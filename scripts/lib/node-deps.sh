#!/usr/bin/env bash
# Sourced by scripts/quickstart.sh and scripts/test.sh: `npm ci` only when node_modules does not match the lock.
#
# npm ci deletes and reinstalls node_modules every time (minutes on a loaded machine). After a successful install
# we record the lock's hash, with the Node major it was installed for, inside node_modules; a later run with the same
# lock and Node reuses it. A lock change, a Node upgrade or a half-finished install (no stamp) reinstalls.

node_deps_stamp() { # root
  printf '%s\n' "$1/node_modules/.airflow-aws-lock"
}

node_deps_key() { # root
  local lock_hash node_major
  lock_hash="$(sha256sum "$1/package-lock.json" | cut -d' ' -f1)"
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  printf 'lock=%s node=%s\n' "${lock_hash}" "${node_major}"
}

ensure_node_modules() { # root
  local root="$1" stamp key
  stamp="$(node_deps_stamp "${root}")"
  key="$(node_deps_key "${root}")"
  if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${key}" ]]; then
    printf 'node_modules matches package-lock.json; skipping npm ci\n' >&2
    return 0
  fi
  (cd "${root}" && npm ci --no-audit --no-fund)
  printf '%s\n' "${key}" >"${stamp}"
}
