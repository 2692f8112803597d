#!/usr/bin/env bash
# Testbed helpers for the real Docker engine, locally built base images and a
# local htpasswd-protected registry (stand-in for ECR). See README.md beside this file.
#
#   docker.sh engine                     install docker.io if needed, start dockerd, wait for it
#   docker.sh base-image                 build local/bookworm:base (debootstrap minbase + docker import)
#   docker.sh python-image               build local/python:3.11-bookworm (base + Debian python3)
#   docker.sh registry USER PASSWORD_FILE PORT DATA_DIR
#                                        start docker-registry on 127.0.0.1:PORT with htpasswd auth,
#                                        print its PID
#
# Cache dir: ${AIRFLOW_AWS_CACHE:-/var/cache/airflow-aws}. Needs root (apt-get, dockerd, debootstrap).
set -euo pipefail

CACHE_DIR="${AIRFLOW_AWS_CACHE:-/var/cache/airflow-aws}"
DOCKERD_WAIT_SECONDS="${DOCKERD_WAIT_SECONDS:-60}"
REGISTRY_WAIT_SECONDS="${REGISTRY_WAIT_SECONDS:-20}"
BASE_IMAGE="local/bookworm:base"
PYTHON_IMAGE="local/python:3.11-bookworm"
SUITE="bookworm"

log() { printf '[docker.sh] %s\n' "$*" >&2; }
die() { printf '[docker.sh] error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Make sure the given commands exist; install the Debian package (second word of each pair) if not.
need() { # need CMD PKG [CMD PKG ...]
  local missing=()
  while [ "$#" -ge 2 ]; do
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
    shift 2
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

docker_answers() { docker info >/dev/null 2>&1; }

cmd_engine() {
  need dockerd docker.io
  if docker_answers; then
    log "docker engine already answers"
    return 0
  fi
  mkdir -p "$CACHE_DIR"
  local logfile="$CACHE_DIR/dockerd.log"
  # A stale pid file from a killed daemon makes dockerd refuse to start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  log "starting dockerd (log: $logfile)"
  # setsid + nohup: the daemon must outlive the shell (and process group) that started it.
  setsid nohup dockerd >>"$logfile" 2>&1 </dev/null &
  local pid=$! waited=0
  until docker_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$logfile" >&2 || true
      die "dockerd exited early, see $logfile"
    fi
    if [ "$waited" -ge "$DOCKERD_WAIT_SECONDS" ]; then
      die "dockerd did not answer within ${DOCKERD_WAIT_SECONDS}s, see $logfile"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "dockerd up after ~${waited}s (pid $pid; stop it with: kill $pid)"
  echo "$pid"
}

# First Debian mirror (not -security) from the apt sources, deb822 or one-line format.
debian_mirror() {
  local f uri=""
  shopt -s nullglob
  for f in /etc/apt/sources.list.d/*.sources; do
    uri="$(awk '
      /^[[:space:]]*$/ { if (u != "" && s ~ /(^|[[:space:]])'"$SUITE"'([[:space:]]|$)/) { print u; exit } u=""; s=""; next }
      /^URIs:/   { u=$2 }
      /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); s=$0 }
      END { if (u != "" && s ~ /(^|[[:space:]])'"$SUITE"'([[:space:]]|$)/) print u }
    ' "$f" | head -n 1)"
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      uri="$(awk '$1 == "deb" && $0 !~ /\[/ && $3 == "'"$SUITE"'" { print $2; exit }
                  $1 == "deb" && $0 ~ /\[/ { for (i = 2; i <= NF; i++) if ($i ~ /\]$/) { if ($(i+2) == "'"$SUITE"'") { print $(i+1); exit } break } }' "$f")"
      [ -n "$uri" ] && break
    done
  fi
  shopt -u nullglob
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

cmd_base_image() {
  cmd_engine >/dev/null
  if image_exists "$BASE_IMAGE"; then
    log "$BASE_IMAGE already exists"
    return 0
  fi
  local tarball="$CACHE_DIR/rootfs/$SUITE-minbase.tar"
  if [ ! -s "$tarball" ]; then
    need debootstrap debootstrap
    local mirror rootfs
    mirror="$(debian_mirror)"
    mkdir -p "$CACHE_DIR/rootfs"
    rootfs="$(mktemp -d "$CACHE_DIR/rootfs/build.XXXXXX")"
    log "debootstrap --variant=minbase $SUITE from $mirror"
    if ! debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$CACHE_DIR/rootfs/debootstrap.log" 2>&1; then
      tail -n 20 "$CACHE_DIR/rootfs/debootstrap.log" >&2 || true
      rm -rf "$rootfs"
      die "debootstrap failed, see $CACHE_DIR/rootfs/debootstrap.log"
    fi
    # Smaller image, same behaviour: apt lists and caches are refreshed by any RUN apt-get update.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  else
    log "using cached rootfs $tarball"
  fi
  docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    "$tarball" "$BASE_IMAGE" >/dev/null
  log "built $BASE_IMAGE"
}

cmd_python_image() {
  cmd_base_image
  if image_exists "$PYTHON_IMAGE"; then
    log "$PYTHON_IMAGE already exists"
    return 0
  fi
  local ctx
  ctx="$(mktemp -d)"
  # Stand-in for python:3.X-slim-bookworm: Debian's python3 (3.11), plus links so that
  # /usr/local/bin/python3 (the official image's path) works too.
  cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_IMAGE
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \\
 && rm -rf /var/lib/apt/lists/* \\
 && ln -s /usr/bin/python3 /usr/local/bin/python3 \\
 && ln -s /usr/bin/python3 /usr/local/bin/python
ENV LANG=C.UTF-8
CMD ["python3"]
EOF
  if ! DOCKER_BUILDKIT=0 docker build -q -t "$PYTHON_IMAGE" "$ctx" >/dev/null; then
    rm -rf "$ctx"
    die "building $PYTHON_IMAGE failed"
  fi
  rm -rf "$ctx"
  log "built $PYTHON_IMAGE"
}

port_in_use() { # port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cmd_registry() {
  [ "$#" -eq 4 ] || usage
  local user="$1" password_file="$2" port="$3" data_dir="$4"
  if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    die "bad port: $port"
  fi
  [ -r "$password_file" ] || die "cannot read password file: $password_file"
  need docker-registry docker-registry htpasswd apache2-utils
  if port_in_use "$port"; then die "127.0.0.1:$port is already in use"; fi

  mkdir -p "$data_dir/storage"
  data_dir="$(cd "$data_dir" && pwd)"
  # bcrypt (-B) is the only scheme distribution's htpasswd auth accepts; -i reads stdin, so the
  # password never appears in argv. Only the first line of the file is the password.
  ( umask 077; head -n 1 "$password_file" | tr -d '\r\n' | htpasswd -iBc "$data_dir/htpasswd" "$user" 2>/dev/null )
  cat >"$data_dir/config.yml" <<EOF
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $data_dir/storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$port
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: airflow-aws-testbed
    path: $data_dir/htpasswd
EOF
  setsid nohup docker-registry serve "$data_dir/config.yml" >"$data_dir/registry.log" 2>&1 </dev/null &
  local pid=$! waited=0
  echo "$pid" >"$data_dir/registry.pid"
  until port_in_use "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$data_dir/registry.log" >&2 || true
      die "docker-registry exited early, see $data_dir/registry.log"
    fi
    if [ "$waited" -ge "$((REGISTRY_WAIT_SECONDS * 5))" ]; then
      kill "$pid" 2>/dev/null || true
      die "docker-registry did not listen on 127.0.0.1:$port within ${REGISTRY_WAIT_SECONDS}s"
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  log "registry on 127.0.0.1:$port (user $user, data $data_dir, log $data_dir/registry.log)"
  echo "$pid"
}

main() {
  [ "$#" -ge 1 ] || usage
  local sub="$1"
  shift
  case "$sub" in
    engine) cmd_engine "$@" ;;
    base-image) cmd_base_image "$@" ;;
    python-image) cmd_python_image "$@" ;;
    registry) cmd_registry "$@" ;;
    -h | --help | help) usage ;;
    *) die "unknown subcommand: $sub" ;;
  esac
}

main "$@"
