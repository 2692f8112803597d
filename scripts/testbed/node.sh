#!/usr/bin/env bash
# A real single-node Kubernetes worker for the integration tests (see test/support/kube-node.ts): a SEPARATE
# containerd instance (own socket, root and state; Docker's containerd is never touched), Debian's CNI plugins and
# a locally built sandbox ("pause") image. kubelet and kube-proxy come from kube.sh's cache.
#
# Usage (root, Debian 12):
#   node.sh deps          install containernetworking-plugins, conntrack, nftables, iptables (idempotent)
#   node.sh paths         print the layout as KEY=VALUE lines (what the TypeScript harness reads)
#   node.sh config        write the containerd config and the CNI config into the state dir
#   node.sh containerd    write the config, then exec the separate containerd in the foreground
#   node.sh pause-image   build the local sandbox image (docker build FROM local/bookworm:base) if missing
#   node.sh import IMG..  copy Docker images into the running k8s containerd (docker save | ctr import);
#                         skipped when the same Docker image ID is already there
#   node.sh forget IMG..  remove image references from the k8s containerd (the next pod pulls them)
#   node.sh cleanup       kill everything this node left behind: containers and shims of our containerd, mounts
#                         under the state dirs, the CNI bridge, kube-proxy's nftables tables, pod cgroups, the
#                         static PVs' data
#   node.sh status        what is installed and what is running
#
# State (configs, containerd root with imported images, kubelet root): ${AIRFLOW_AWS_NODE_DIR:-/var/lib/airflow-aws/node}
# Runtime state and sockets: ${AIRFLOW_AWS_NODE_RUN:-/run/airflow-aws-node}. Never inside the repository.
set -euo pipefail

readonly NODE_DIR="${AIRFLOW_AWS_NODE_DIR:-/var/lib/airflow-aws/node}"
readonly RUN_DIR="${AIRFLOW_AWS_NODE_RUN:-/run/airflow-aws-node}"
readonly CTRD_CONFIG="${NODE_DIR}/containerd/config.toml"
readonly CTRD_ROOT="${NODE_DIR}/containerd/root"
readonly CTRD_STATE="${RUN_DIR}/containerd"
readonly CTRD_SOCK="${RUN_DIR}/containerd.sock"
# Registry hosts (containerd hosts.toml, one dir per host:port): the harness adds the test registry here.
readonly CTRD_HOSTS_DIR="${NODE_DIR}/containerd/certs.d"
readonly CNI_CONF_DIR="${NODE_DIR}/cni/net.d"
readonly CNI_IPAM_DIR="${NODE_DIR}/cni/ipam"
readonly CNI_BIN_DIR="/usr/lib/cni"
readonly KUBELET_ROOT="${NODE_DIR}/kubelet"
# Static hostPath PersistentVolumes (kube-node.ts creates one directory per PV below it).
readonly PV_DIR="${NODE_DIR}/pv"
# Pods get addresses from this range on a bridge of our own; Docker uses 172.17.0.0/16.
readonly POD_CIDR="10.244.0.0/24"
readonly CLUSTER_CIDR="10.244.0.0/16"
readonly BRIDGE="aaw-cni0"
readonly CNI_NETWORK="airflow-aws-node"
readonly PAUSE_IMAGE="local/pause:bookworm"
readonly BASE_IMAGE="local/bookworm:base"
readonly NS="k8s.io"
# kube-proxy (nftables mode) owns these tables.
readonly NFT_TABLES=("ip kube-proxy" "ip6 kube-proxy")

log() { printf '[node.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit "${1:-2}"
}

need_root() { [[ "$(id -u)" == 0 ]] || die "must run as root"; }

cmd_deps() {
  need_root
  local wanted=(containernetworking-plugins conntrack nftables iptables iproute2) missing=() p
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # iproute2: `ip` for the bridge cleanup here and the Pod Identity agent's address (test/support/pod-identity.ts).
  # containerd and runc come with Debian's docker.io (docker.sh engine installs it).
  command -v containerd >/dev/null 2>&1 || die "containerd not found: run scripts/testbed/docker.sh engine first"
  command -v runc >/dev/null 2>&1 || die "runc not found: run scripts/testbed/docker.sh engine first"
  local plugin
  for plugin in bridge host-local loopback portmap firewall; do
    [[ -x "${CNI_BIN_DIR}/${plugin}" ]] || die "CNI plugin ${CNI_BIN_DIR}/${plugin} missing"
  done
  log "ok: $(containerd --version | awk '{print $3}') containerd, $(runc --version | head -n1), CNI in ${CNI_BIN_DIR}"
}

cmd_paths() {
  cat <<EOF
NODE_DIR=${NODE_DIR}
RUN_DIR=${RUN_DIR}
CONTAINERD_CONFIG=${CTRD_CONFIG}
CONTAINERD_SOCK=${CTRD_SOCK}
CONTAINERD_HOSTS_DIR=${CTRD_HOSTS_DIR}
CNI_CONF_DIR=${CNI_CONF_DIR}
CNI_BIN_DIR=${CNI_BIN_DIR}
KUBELET_ROOT=${KUBELET_ROOT}
PV_DIR=${PV_DIR}
POD_CIDR=${POD_CIDR}
CLUSTER_CIDR=${CLUSTER_CIDR}
BRIDGE=${BRIDGE}
PAUSE_IMAGE=${PAUSE_IMAGE}
EOF
}

cmd_config() {
  mkdir -p "${NODE_DIR}/containerd" "${CTRD_HOSTS_DIR}" "${CTRD_ROOT}" "${CNI_CONF_DIR}" "${CNI_IPAM_DIR}" "${KUBELET_ROOT}" "${CTRD_STATE}"
  chmod 0711 "${NODE_DIR}" "${RUN_DIR}"
  # restrict_oom_score_adj: this VM lacks CAP_SYS_RESOURCE in the bounding set; without it runc fails with
  # "can't get final child's PID from pipe". SystemdCgroup=false: cgroupfs, as kubelet's cgroupDriver (no systemd).
  cat >"${CTRD_CONFIG}.tmp" <<EOF
# Generated by scripts/testbed/node.sh; do not edit.
version = 2
root = "${CTRD_ROOT}"
state = "${CTRD_STATE}"
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "${CTRD_SOCK}"

[ttrpc]
  address = ""

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "${NODE_DIR}/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/${PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  enable_selinux = false
  disable_apparmor = true
  max_container_log_line_size = 16384

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    discard_unpacked_layers = false

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = "${CNI_CONF_DIR}"
    max_conf_num = 1

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "${CTRD_HOSTS_DIR}"
EOF
  mv "${CTRD_CONFIG}.tmp" "${CTRD_CONFIG}"
  # firewall: accepts pod traffic in FORWARD ahead of Docker's FORWARD DROP policy. portmap: hostPort.
  cat >"${CNI_CONF_DIR}/10-${CNI_NETWORK}.conflist.tmp" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "${CNI_NETWORK}",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "${BRIDGE}",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "${CNI_IPAM_DIR}",
        "ranges": [[{ "subnet": "${POD_CIDR}" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "firewall" }
  ]
}
EOF
  mv "${CNI_CONF_DIR}/10-${CNI_NETWORK}.conflist.tmp" "${CNI_CONF_DIR}/10-${CNI_NETWORK}.conflist"
}

cmd_containerd() {
  need_root
  cmd_config
  exec containerd --config "${CTRD_CONFIG}" --log-level "${CONTAINERD_LOG_LEVEL:-info}"
}

ctr_() { ctr --address "${CTRD_SOCK}" --namespace "${NS}" "$@"; }

cmd_pause_image() {
  need_root
  if docker image inspect "${PAUSE_IMAGE}" >/dev/null 2>&1; then
    log "${PAUSE_IMAGE} already built"
    return 0
  fi
  docker image inspect "${BASE_IMAGE}" >/dev/null 2>&1 || die "${BASE_IMAGE} missing: run scripts/testbed/docker.sh base-image"
  # No image can be pulled here, so the sandbox process is bookworm's sleep: it only has to hold the pod's
  # namespaces open (containerd stops sandboxes with SIGKILL, so no signal handling is needed).
  printf 'FROM %s\nENTRYPOINT ["/bin/sleep", "infinity"]\n' "${BASE_IMAGE}" |
    DOCKER_BUILDKIT=0 docker build -q -t "${PAUSE_IMAGE}" - >/dev/null 2>&1 ||
    die "docker build of ${PAUSE_IMAGE} failed"
  log "built ${PAUSE_IMAGE}"
}

cmd_import() {
  need_root
  (($#)) || die "usage: node.sh import IMAGE..."
  [[ -S "${CTRD_SOCK}" ]] || die "k8s containerd is not running (no ${CTRD_SOCK})"
  local img ref id have
  for img in "$@"; do
    id="$(docker image inspect -f '{{.Id}}' "${img}" 2>/dev/null)" || die "no Docker image ${img}"
    ref="docker.io/${img}"
    [[ "${img}" == */*/* || "${img}" == *.*/* ]] && ref="${img}"
    # The Docker image ID is the config digest; we keep it as a label to know whether a re-import is needed.
    have="$(ctr_ images ls "name==${ref}" 2>/dev/null | awk -v r="${ref}" '$1 == r {print $NF}')"
    if [[ "${have}" == *"airflow-aws.docker-id=${id}"* ]]; then
      log "${img}: already imported"
      continue
    fi
    docker save "${img}" | ctr_ images import --no-unpack=false - >/dev/null
    ctr_ images label "${ref}" "airflow-aws.docker-id=${id}" >/dev/null
    log "${img}: imported as ${ref}"
  done
}

# Drop image names from the node (a later pod then pulls them); content no image uses is garbage-collected.
cmd_forget() {
  need_root
  (($#)) || die "usage: node.sh forget IMAGE..."
  [[ -S "${CTRD_SOCK}" ]] || die "k8s containerd is not running (no ${CTRD_SOCK})"
  local img
  for img in "$@"; do
    if ctr_ images rm "${img}" >/dev/null 2>&1; then log "${img}: forgotten"; fi
  done
}

# Unmount every mount point at or below $1, deepest first (kubelet bind-mounts its root dir onto itself).
unmount_below() {
  local base="$1" mp
  [[ -d "${base}" ]] || return 0
  awk -v b="${base}" '$2 == b || index($2, b "/") == 1 {print $2}' /proc/self/mounts | sort -r | while IFS= read -r mp; do
    umount "${mp}" 2>/dev/null || umount -l "${mp}" 2>/dev/null || log "could not unmount ${mp}"
  done
}

# Remove empty cgroup directories below NAME in every v1 hierarchy (and v2), deepest first.
remove_cgroups() {
  local name="$1" hier
  for hier in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [[ -d "${hier}${name}" ]] || continue
    find "${hier}${name}" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

cmd_cleanup() {
  need_root
  local pid t c
  # With our containerd still answering, remove its containers first (kills them, drops their snapshots).
  if [[ -S "${CTRD_SOCK}" ]] && ctr_ version >/dev/null 2>&1; then
    for c in $(ctr_ containers ls -q 2>/dev/null); do
      ctr_ tasks rm -f "${c}" >/dev/null 2>&1 || true
      ctr_ containers rm "${c}" >/dev/null 2>&1 || true
    done
  fi
  # Shims of OUR containerd carry its socket path in their command line (-address ...); Docker's do not.
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address ${CTRD_SOCK}" || true); do
    # Kill the containers the shim runs (its children), then the shim itself.
    pkill -KILL -P "${pid}" 2>/dev/null || true
    kill -KILL "${pid}" 2>/dev/null || true
  done
  # Processes we may have started that outlived their parent: match our own socket/state paths only.
  for pid in $(pgrep -f "containerd --config ${CTRD_CONFIG}" || true); do kill -KILL "${pid}" 2>/dev/null || true; done
  for pid in $(pgrep -f "kubelet .*--root-dir=${KUBELET_ROOT}" || true); do kill -KILL "${pid}" 2>/dev/null || true; done
  for pid in $(pgrep -f "kube-proxy .*--config=${NODE_DIR}/" || true); do kill -KILL "${pid}" 2>/dev/null || true; done
  sleep 0.2
  rm -f "${CTRD_SOCK}" "${CTRD_SOCK}.ttrpc"
  unmount_below "${KUBELET_ROOT}"
  unmount_below "${CTRD_STATE}"
  unmount_below "${CTRD_ROOT}/io.containerd.grpc.v1.cri/sandboxes"
  # A fresh kubelet root for the next run (pods of a discarded cluster), but never while anything is still mounted
  # below it (a hostPath bind mount would be followed by rm).
  if ! awk -v b="${KUBELET_ROOT}" '$2 == b || index($2, b "/") == 1 {found=1} END {exit !found}' /proc/self/mounts; then
    rm -rf "${KUBELET_ROOT:?}"
    mkdir -p "${KUBELET_ROOT}"
  else
    log "mounts remain under ${KUBELET_ROOT}; not removing it"
  fi
  # Network namespaces containerd created for pods (/run/netns/cni-*; Docker keeps its own elsewhere): drop those
  # no process lives in any more.
  if [[ -d /run/netns ]]; then
    for t in /run/netns/cni-*; do
      [[ -e "${t}" ]] || continue
      [[ -z "$(ip netns pids "${t##*/}" 2>/dev/null)" ]] || continue
      umount "${t}" 2>/dev/null || true
      rm -f "${t}" 2>/dev/null || true
    done
  fi
  if ip link show "${BRIDGE}" >/dev/null 2>&1; then ip link delete "${BRIDGE}" || log "could not delete ${BRIDGE}"; fi
  rm -rf "${CNI_IPAM_DIR:?}/${CNI_NETWORK}"
  for t in "${NFT_TABLES[@]}"; do
    # shellcheck disable=SC2086 # "family name" splits on purpose
    if nft list table ${t} >/dev/null 2>&1; then nft delete table ${t}; fi
  done
  cleanup_cni_iptables
  # Data of the static PVs (e.g. in-cluster PostgreSQL) belongs to the discarded cluster.
  if ! awk -v b="${PV_DIR}" '$2 == b || index($2, b "/") == 1 {found=1} END {exit !found}' /proc/self/mounts; then
    rm -rf "${PV_DIR:?}"
  fi
  remove_cgroups kubepods
  rm -rf "${RUN_DIR:?}/kubelet"
  # The registries of the last run (their ports were free ports of that run).
  rm -rf "${CTRD_HOSTS_DIR:?}"
  log "cleaned up"
}

# Delete one rule as iptables-save/-S prints it ("-A CHAIN ..."). Its words are shell-quoted (comments such as
# "CNI firewall plugin rules"), so xargs splits them, not the shell: a plain ${rule} would keep the quotes and the
# delete would silently miss the rule (it did: CNI-FORWARD then stayed referenced and could not be removed).
delete_rule() {
  printf '%s\n' "${2#-A }" | xargs iptables -t "$1" -D 2>/dev/null || true
}

# The bridge plugin's ipMasq and the firewall/portmap plugins add iptables chains named CNI-* (per container, with
# comments naming our network). Remove the rules that jump to them, then the chains.
cleanup_cni_iptables() {
  command -v iptables-save >/dev/null 2>&1 || return 0
  local table rule chain
  for table in nat filter; do
    { iptables-save -t "${table}" 2>/dev/null | grep -E '^-A .* -j CNI-' || true; } | while IFS= read -r rule; do
      delete_rule "${table}" "${rule}"
    done
    iptables-save -t "${table}" 2>/dev/null | awk '/^:CNI-/ {sub(/^:/, "", $1); print $1}' | while IFS= read -r chain; do
      # The firewall plugin's CNI-FORWARD/CNI-ADMIN chains are shared with other CNI users; only flush per-pod ones.
      case "${chain}" in
        CNI-FORWARD | CNI-ADMIN) continue ;;
      esac
      iptables -t "${table}" -F "${chain}" 2>/dev/null || true
      iptables -t "${table}" -X "${chain}" 2>/dev/null || true
    done
    # What remains in CNI-FORWARD are the firewall plugin's per-pod rules for our pod range.
    if iptables -t "${table}" -S CNI-FORWARD >/dev/null 2>&1; then
      { iptables -t "${table}" -S CNI-FORWARD | grep -F -- "${POD_CIDR%.*}." || true; } | while IFS= read -r rule; do
        delete_rule "${table}" "${rule}"
      done
    fi
  done
  # The firewall plugin's shared chains: dropped once nothing but its own admin jump is left in them (no other CNI
  # user on the machine then).
  # Leaving them is harmless (empty chains match nothing), so a chain the kernel still calls busy (a jump another
  # chain or a late CNI DEL re-added) is logged, not fatal: cleanup must not fail a test run over an empty chain.
  if iptables -S CNI-FORWARD >/dev/null 2>&1 &&
    [[ "$(iptables -S CNI-FORWARD | grep -vc -e '^-N CNI-FORWARD' -e '-j CNI-ADMIN$')" == 0 ]] &&
    [[ "$(iptables -S CNI-ADMIN 2>/dev/null | grep -vc '^-N CNI-ADMIN')" == 0 ]]; then
    local attempt
    for attempt in 1 2 3; do
      # Every jump to the shared chains, from any chain (not only FORWARD's commented one).
      { iptables-save -t filter 2>/dev/null | grep -E -- '-j CNI-(FORWARD|ADMIN)$' || true; } | while IFS= read -r rule; do
        delete_rule filter "${rule}"
      done
      iptables -F CNI-FORWARD 2>/dev/null || true
      if iptables -X CNI-FORWARD 2>/dev/null; then break; fi
      if ((attempt < 3)); then sleep 0.5; else log "CNI-FORWARD still referenced; left empty"; fi
    done
    iptables -X CNI-ADMIN 2>/dev/null || true
  fi
}

cmd_status() {
  local p
  for p in containernetworking-plugins conntrack nftables iptables; do
    printf '%-28s %s\n' "${p}" "$(dpkg-query -W -f='${Version}' "${p}" 2>/dev/null || echo missing)"
  done
  printf '%-28s %s\n' "pause image" "$(docker image inspect -f '{{.Id}}' "${PAUSE_IMAGE}" 2>/dev/null || echo missing)"
  printf '%-28s %s\n' "k8s containerd" "$(ctr_ version >/dev/null 2>&1 && echo "running, ${CTRD_SOCK}" || echo 'not running')"
  printf '%-28s %s\n' "shims" "$(pgrep -cf "containerd-shim-runc-v2 .*-address ${CTRD_SOCK}" || true)"
  printf '%-28s %s\n' "bridge ${BRIDGE}" "$(ip link show "${BRIDGE}" >/dev/null 2>&1 && echo present || echo absent)"
  printf '%-28s %s\n' "mounts under state" "$(awk -v a="${NODE_DIR}/" -v b="${RUN_DIR}/" 'index($2, a) == 1 || index($2, b) == 1' /proc/self/mounts | wc -l)"
}

main() {
  local cmd="${1:-}"
  [[ -n "${cmd}" ]] || usage
  shift
  case "${cmd}" in
    deps) cmd_deps ;;
    paths) cmd_paths ;;
    config) need_root; cmd_config ;;
    containerd) cmd_containerd ;;
    pause-image) cmd_pause_image ;;
    import) cmd_import "$@" ;;
    forget) cmd_forget "$@" ;;
    cleanup) cmd_cleanup ;;
    status) cmd_status ;;
    -h | --help | help) usage 0 ;;
    *) usage ;;
  esac
}

main "$@"
