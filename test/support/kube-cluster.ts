/**
 * A real, throwaway Kubernetes control plane on loopback for integration tests.
 *
 * Binaries come from `scripts/testbed/kube.sh build` (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, kubectl, kwok), cached outside the
 * repository. Nothing here builds them: call `kubeBinariesAvailable()` and FAIL
 * the test with its `reason` when they are missing (never skip: a missing peer
 * must be loud).
 *
 * What runs:
 *  - etcd on free loopback ports, data in a temp dir (no fsync).
 *  - kube-apiserver on https://127.0.0.1:<free port> (with realNodes: the default-route IPv4, which the
 *    `kubernetes` Service then points at, so pods reach it), serving cert from a CA
 *    made with the openssl CLI, static bearer tokens, authorization Node,RBAC,
 *    service-account issuer/keys, default admission plugins (PodSecurity on).
 *  - kube-controller-manager (opts.controllers, default true): deployment,
 *    replicaset, job, namespace, serviceaccount(-token), garbage collector, ...
 *    with per-controller service-account credentials, no cloud.
 *  - kube-scheduler + kwok (opts.kwok, default false): one fake node
 *    (`kwok-node-0`) that kwok keeps Ready; kwok stages make pods Running/Ready,
 *    and pods owned by a Job Succeeded, so Deployments become Available and
 *    Jobs Complete.
 *
 * All processes are started in their own process groups; `stop()` kills the
 * groups and removes the temp dir. If the test process exits without calling
 * `stop()` an exit handler kills them, and if it is killed outright (SIGKILL) a
 * small detached watchdog, whose stdin is a pipe from this process, sees EOF and
 * does the same.
 *
 * Only node: builtins are used.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants as fsConstants,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Components, startWatchdog, testbedScript } from './component-processes.js';

export interface KubeTestClusterOptions {
  /** Start kube-controller-manager. Default true (forced on when kwok is on). */
  controllers?: boolean | undefined;
  /** Start kube-scheduler and kwok with one fake Ready node. Default false. */
  kwok?: boolean | undefined;
  /** Start kube-scheduler (without kwok, for real nodes). Default: on when kwok is on. */
  scheduler?: boolean | undefined;
  /**
   * Let the apiserver reach real kubelets (see kube-node.ts): a kubelet client certificate (CN
   * kube-apiserver-kubelet-client, O system:masters), kubelet serving certs verified against the test CA, and
   * `--kubelet-preferred-address-types=InternalIP`. Default false.
   */
  realNodes?: boolean | undefined;
  /**
   * Address kube-apiserver binds to and advertises: the endpoint of the `kubernetes` Service (10.96.0.1:443), so
   * it must be reachable from pods. Default: with `realNodes`, this machine's default-route IPv4 (traffic to it
   * stays on this machine; pods reach it through the CNI bridge's gateway); otherwise 127.0.0.1.
   */
  apiAddress?: string | undefined;
  /**
   * A token webhook the apiserver asks about bearer tokens it does not know (`--authentication-token-webhook-*`), e.g.
   * EKS's authenticator (eks-authenticator.ts). Its answers are cached for 10 s. Default none.
   */
  tokenWebhook?: { readonly url: string; readonly caPem: string } | undefined;
  /** Name of the fake node when kwok is on. Default "kwok-node-0". */
  nodeName?: string | undefined;
  /** Bound on the whole start-up. Default 120 s. */
  startTimeoutMs?: number | undefined;
  /** Override the bin dir (default: `scripts/testbed/kube.sh path`, or $KUBE_TESTBED_BIN). */
  binDir?: string | undefined;
  /** Keep the temp dir (logs, certs, etcd data) after stop(). Default false. */
  keepDir?: boolean | undefined;
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubeTestCluster {
  /** kubeconfig (JSON, which every YAML loader reads) for the admin user; context "kube-test". */
  kubeconfigPath: string;
  /** https://<apiAddress>:<port> (127.0.0.1 unless realNodes/apiAddress). */
  server: string;
  /** Admin bearer token (user "admin", group system:masters). */
  token: string;
  /** Bearer token of user "test-user" (only group system:authenticated; no RBAC grants). */
  unprivilegedToken: string;
  /** PEM of the CA that signed the apiserver's serving cert (also in the kubeconfig). */
  caPem: string;
  /** Temp dir holding certs, logs (<name>.log) and etcd data. */
  dir: string;
  /** The test CA's certificate and key (PEM files in `dir`); `issueCert` signs with them. */
  caCertFile: string;
  caKeyFile: string;
  binDir: string;
  /** Name of the kwok fake node, when kwok is on. */
  nodeName?: string;
  /** How long start-up took, in ms. */
  startMs: number;
  /** Milliseconds since the start at which each start-up wait was satisfied. */
  startPhases: Record<string, number>;
  /** Authenticated JSON request to the apiserver (admin token unless `token` is given). */
  request<T = unknown>(
    method: string,
    apiPath: string,
    body?: unknown,
    opts?: { token?: string; contentType?: string },
  ): Promise<KubeResponse<T>>;
  /** Run the cached kubectl against this cluster. Never throws on a non-zero exit. */
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Last lines of a component's log: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok. */
  logTail(component: string, lines?: number): string;
  stop(): Promise<void>;
}

const findKubeSh = (): string => testbedScript('kube.sh');

const REQUIRED = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl'] as const;
const FOR_KWOK = ['kube-scheduler', 'kwok'] as const;

function resolveBinDir(override?: string): string {
  if (override) return override;
  const fromEnv = process.env['KUBE_TESTBED_BIN'];
  if (fromEnv) return fromEnv;
  return execFileSync('bash', [findKubeSh(), 'path'], { encoding: 'utf8' }).trim();
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the cached binaries are present. `reason` says how to get them, so a
 * failing test can say what to install. Checks etcd, kube-apiserver, kube-controller-manager, kubectl;
 * pass `{ kwok: true }` to also require kube-scheduler and kwok.
 */
export function kubeBinariesAvailable(
  opts: { kwok?: boolean | undefined; binDir?: string | undefined } = {},
): { ok: true; binDir: string } | { ok: false; reason: string } {
  let binDir: string;
  try {
    binDir = resolveBinDir(opts.binDir);
  } catch (err) {
    return { ok: false, reason: `cannot resolve the kube bin dir (scripts/testbed/kube.sh path): ${String(err)}` };
  }
  const names: string[] = [...REQUIRED, ...(opts.kwok ? FOR_KWOK : [])];
  const missing = names.filter((n) => !isExecutable(path.join(binDir, n)));
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `missing ${missing.join(', ')} in ${binDir}; run: bash scripts/testbed/kube.sh build (10-25 min on 2 cores, once per machine)`,
    };
  }
  if (!isExecutable('/usr/bin/openssl') && !commandExists('openssl')) {
    return { ok: false, reason: 'openssl CLI not found (needed to make the test CA)' };
  }
  return { ok: true, binDir };
}

function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function freePorts(n: number): Promise<number[]> {
  // Hold all listeners open at once so the ports are distinct.
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      srv.unref();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve());
      });
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') throw new Error('no port');
      ports.push(addr.port);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
  return ports;
}

function etcdHealthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(res.statusCode === 200 && /"health":\s*"true"/.test(text)));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}


function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** IPv4 of the interface that carries the default route. */
export function defaultRouteIpv4(): string {
  const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
  const route = execFileSync('ip', ['-4', 'route', 'show', 'default'], { encoding: 'utf8', env });
  const dev = /\bdev (\S+)/.exec(route)?.[1];
  if (!dev) throw new Error(`no IPv4 default route (ip route: ${route.trim() || 'empty'}); pass nodeIp/apiAddress`);
  const addr = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'dev', dev, 'scope', 'global'], { encoding: 'utf8', env });
  const ip = /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(addr)?.[1];
  if (!ip) throw new Error(`no global IPv4 address on ${dev}; pass nodeIp/apiAddress`);
  return ip;
}

/** CA + apiserver serving cert (ECDSA P-256, also valid for `apiAddress`) + service-account RSA key pair. */
function makePki(dir: string, apiAddress: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, [
    'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
    '-subj', '/CN=kube-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  openssl(dir, ['req', ...ec, '-keyout', 'apiserver.key', '-out', 'apiserver.csr', '-subj', '/CN=kube-apiserver']);
  writeFileSync(
    path.join(dir, 'apiserver.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=IP:127.0.0.1,IP:10.96.0.1${apiAddress === '127.0.0.1' ? '' : `,IP:${apiAddress}`},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local`,
      '',
    ].join('\n'),
  );
  openssl(dir, [
    'x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'apiserver.crt', '-days', '2', '-extfile', 'apiserver.ext',
  ]);
  openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key']);
  openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

export interface IssuedCert {
  certFile: string;
  keyFile: string;
}

/**
 * Issues an ECDSA P-256 certificate signed by the test CA in `dir` (ca.crt/ca.key), written as `<name>.crt` and
 * `<name>.key`. A client certificate's CN is the Kubernetes user name and each O a group; a server certificate
 * carries the given IP/DNS subject alternative names.
 */
export function issueCert(
  dir: string,
  name: string,
  opts: { cn: string; orgs?: readonly string[]; client?: boolean; serverIps?: readonly string[]; serverDns?: readonly string[] },
): IssuedCert {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const subj = `${(opts.orgs ?? []).map((o) => `/O=${o}`).join('')}/CN=${opts.cn}`;
  openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj]);
  const sans = [...(opts.serverIps ?? []).map((ip) => `IP:${ip}`), ...(opts.serverDns ?? []).map((d) => `DNS:${d}`)];
  const server = sans.length > 0;
  const usages = [...(opts.client ? ['clientAuth'] : []), ...(server ? ['serverAuth'] : [])];
  if (usages.length === 0) throw new Error(`issueCert ${name}: neither client nor server`);
  writeFileSync(
    path.join(dir, `${name}.ext`),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usages.join(',')}`,
      ...(server ? [`subjectAltName=${sans.join(',')}`] : []),
      '',
    ].join('\n'),
  );
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`,
  ]);
  return { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
}

function randomToken(): string {
  return randomBytes(24).toString('hex');
}


// Every live cluster, so one process-level exit handler can kill them all.
const live = new Set<{ killNow(): void }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.killNow();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      for (const c of live) c.killNow();
      // Behave as if we were not here: if nobody else handles the signal,
      // re-raise it with the default action.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.once(sig, handler);
  }
}

const WATCHDOG = `
pg=()
while IFS= read -r line; do
  case "$line" in
    done) break ;;
    *) pg+=("$line") ;;
  esac
done
for p in "\${pg[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
if [ "\${KEEP_DIR:-0}" != 1 ]; then rm -rf -- "$DIR"; fi
`;

// kwok's stock stages (sigs.k8s.io/kwok v0.8.0, kustomize/stage/{node,pod}/fast
// and node/heartbeat-with-lease; Apache-2.0). The stand-alone kwok binary has no
// built-in stages: kwokctl injects these, so we pass them via --config.
const KWOK_STAGES = String.raw`
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-initialize
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values:
      - 'True'
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $lastTransitionTime := or .metadata.creationTimestamp $now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $lastTransitionTime | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type  | Quote}}
      {{ end }}

      {{ $hasInternalIP := false }}
      {{ $hasHostname := false }}
      {{ range .status.addresses }}
        {{ if eq .type "InternalIP" }}
          {{ $hasInternalIP = true }}
        {{ end }}
        {{ if eq .type "Hostname" }}
          {{ $hasHostname = true }}
        {{ end }}
      {{ end }}
      {{ if or (not $hasInternalIP) (not $hasHostname) }}
      addresses:
      {{ end }}
      {{ if not $hasInternalIP }}
      {{ with NodeIP }}
      - address: {{ . | Quote }}
        type: InternalIP
      {{ end }}
      {{ end }}
      {{ if not $hasHostname }}
      {{ with NodeName }}
      - address: {{ . | Quote }}
        type: Hostname
      {{ end }}
      {{ end }}

      {{ with NodePort }}
      daemonEndpoints:
        kubeletEndpoint:
          Port: {{ . }}
      {{ end }}

      allocatable:
      {{ with .status.allocatable }}
      {{ YAML . 1 }}
      {{ else }}
        cpu: 1k
        memory: 1Ti
        pods: 1M
      {{ end }}
      capacity:
      {{ with .status.capacity }}
      {{ YAML . 1 }}
      {{ else }}
        cpu: 1k
        memory: 1Ti
        pods: 1M
      {{ end }}

      {{ $nodeInfo := .status.nodeInfo }}
      {{ $kwokVersion := printf "kwok-%s" Version }}
      nodeInfo:
        architecture: {{ or $nodeInfo.architecture "amd64" }}
        bootID: {{ or $nodeInfo.bootID ${'`'}""${'`'} }}
        containerRuntimeVersion: {{ or $nodeInfo.containerRuntimeVersion $kwokVersion }}
        kernelVersion: {{ or $nodeInfo.kernelVersion $kwokVersion }}
        kubeProxyVersion: {{ or $nodeInfo.kubeProxyVersion $kwokVersion }}
        kubeletVersion: {{ or $nodeInfo.kubeletVersion $kwokVersion }}
        machineID: {{ or $nodeInfo.machineID ${'`'}""${'`'} }}
        operatingSystem: {{ or $nodeInfo.operatingSystem "linux" }}
        osImage: {{ or $nodeInfo.osImage ${'`'}""${'`'} }}
        systemUUID: {{ or $nodeInfo.systemUUID ${'`'}""${'`'} }}
      phase: Running
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-heartbeat-with-lease
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Running'
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'In'
      values:
      - 'True'
  delay:
    durationMilliseconds: 600000
    jitterDurationMilliseconds: 610000
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $lastTransitionTime := or .metadata.creationTimestamp $now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $lastTransitionTime | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type | Quote }}
      {{ end }}

      addresses:
      {{ with .status.addresses }}
      {{ YAML . 1 }}
      {{ else }}
      {{ with NodeIP }}
      - address: {{ . | Quote }}
        type: InternalIP
      {{ end }}
      {{ with NodeName }}
      - address: {{ . | Quote }}
        type: Hostname
      {{ end }}
      {{ end }}

      {{ with NodePort }}
      daemonEndpoints:
        kubeletEndpoint:
          Port: {{ . }}
      {{ end }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Pending'
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values:
      - 'True'
  next:
    statusTemplate: |
      {{ $now := Now }}

      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      {{ range .spec.readinessGates }}
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: {{ .conditionType | Quote }}
      {{ end }}

      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}

      initContainerStatuses:
      {{ range .spec.initContainers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        {{ if eq .restartPolicy "Always" }}
        started: true
        state:
          running:
            startedAt: {{ $now | Quote }}
        {{ else }}
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
        {{ end }}
      {{ end }}
      {{ $hostIPs := NodeIPsWith .spec.nodeName }}
      {{ with $hostIPs }}
      hostIP: {{ index . 0 | Quote }}
      hostIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      {{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
      {{ with $podIPs }}
      podIP: {{ index . 0 | Quote }}
      podIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-complete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Running'
    - key: '.metadata.ownerReferences.[].kind'
      operator: 'In'
      values:
      - 'Job'
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $root := . }}
      containerStatuses:
      {{ range $index, $item := .spec.containers }}
      {{ $origin := index $root.status.containerStatuses $index }}
      - image: {{ $item.image | Quote }}
        name: {{ $item.name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
      {{ end }}
      phase: Succeeded
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    delete: true
`;

// Controllers for kube-controller-manager: every on-by-default controller
// (deployment, replicaset, job, cronjob, statefulset, daemonset, namespace,
// serviceaccount, serviceaccount-token, garbage-collector, root-ca publisher,
// node-lifecycle, ...) except those that need a cloud, node IPAM or real
// kubelets. node-lifecycle must stay on: it removes the not-ready:NoSchedule
// taint that admission puts on every new node (kwok renews the node lease).
const KCM_CONTROLLERS = [
  '*',
  '-node-ipam-controller',
  '-cloud-node-lifecycle-controller',
  '-node-route-controller',
  '-service-lb-controller',
  '-persistentvolume-attach-detach-controller',
].join(',');

/** Starts a fresh cluster. Throws (after cleaning up) with log tails if it does not come up in time. */
export async function startKubeTestCluster(opts: KubeTestClusterOptions = {}): Promise<KubeTestCluster> {
  const t0 = Date.now();
  const kwok = opts.kwok ?? false;
  const controllers = kwok || (opts.controllers ?? true);
  const scheduler = opts.scheduler ?? kwok;
  const realNodes = opts.realNodes ?? false;
  const nodeName = opts.nodeName ?? 'kwok-node-0';
  const deadline = t0 + (opts.startTimeoutMs ?? 120_000);
  const apiAddress = opts.apiAddress ?? (realNodes ? defaultRouteIpv4() : '127.0.0.1');
  const avail = kubeBinariesAvailable({ kwok: kwok || scheduler, binDir: opts.binDir });
  if (!avail.ok) throw new Error(avail.reason);
  const { binDir } = avail;

  const dir = mkdtempSync(path.join(os.tmpdir(), 'kube-test-'));
  let stopped = false;

  // Watchdog: kills the process groups and removes the dir when our end of its
  // stdin pipe closes (i.e. this process died, however it died).
  const watchdog = startWatchdog(WATCHDOG, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', DIR: dir, KEEP_DIR: opts.keepDir ? '1' : '0' });

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const p of [...components.all].reverse()) await components.stop(p, 5000);
    live.delete(handle);
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
    watchdog.done();
  };
  const components = new Components({
    dir,
    label: 'kube test cluster',
    t0,
    deadline,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir },
    pollMs: 200,
    onStart: (pid) => watchdog.write(String(pid)),
    onFail: stop,
  });
  const killNow = (): void => {
    components.killAll();
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  const handle = { killNow };
  live.add(handle);
  installExitHook();

  const startProc = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) => components.start(name, path.join(binDir, name), args, env);
  const logTail = (component: string, lines = 40): string => components.logTail(component, lines);
  const waitFor = (what: string, names: string[], check: () => Promise<boolean>): Promise<void> => components.waitFor(what, names, check);
  const startPhases = components.startPhases;

  try {
    makePki(dir, apiAddress);
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    await stop();
    throw new Error(`kube test cluster: openssl failed: ${e.stderr?.toString() ?? e.message}`);
  }
  const caPem = readFileSync(path.join(dir, 'ca.crt'), 'utf8');
  // The apiserver's identity towards kubelets (logs, exec, port-forward); kubelets authorize system:masters.
  const kubeletClient = realNodes
    ? issueCert(dir, 'apiserver-kubelet-client', { cn: 'kube-apiserver-kubelet-client', orgs: ['system:masters'], client: true })
    : undefined;
  const token = randomToken();
  const unprivilegedToken = randomToken();
  const kcmToken = randomToken();
  const schedulerToken = randomToken();
  const kwokToken = randomToken();
  writeFileSync(
    path.join(dir, 'tokens.csv'),
    [
      `${token},admin,uid-admin,"system:masters"`,
      `${unprivilegedToken},test-user,uid-test-user`,
      `${kcmToken},system:kube-controller-manager,uid-kcm`,
      `${schedulerToken},system:kube-scheduler,uid-scheduler`,
      `${kwokToken},kwok-controller,uid-kwok,"system:masters"`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort] = (await freePorts(5)) as [
    number, number, number, number, number,
  ];
  const server = `https://${apiAddress}:${apiPort}`;

  const writeKubeconfig = (file: string, user: string, tok: string): string => {
    const full = path.join(dir, file);
    const cfg = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'kube-test', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } },
      ],
      users: [{ name: user, user: { token: tok } }],
      contexts: [{ name: 'kube-test', context: { cluster: 'kube-test', user, namespace: 'default' } }],
      'current-context': 'kube-test',
      preferences: {},
    };
    writeFileSync(full, JSON.stringify(cfg, null, 2), { mode: 0o600 });
    return full;
  };
  const kubeconfigPath = writeKubeconfig('kubeconfig', 'admin', token);
  // The webhook's own kubeconfig: its URL as the "cluster", trusted through its CA; no client credentials.
  const tokenWebhook = opts.tokenWebhook
    ? (() => {
        const file = path.join(dir, 'token-webhook.kubeconfig');
        const cfg = {
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'webhook', cluster: { server: opts.tokenWebhook.url, 'certificate-authority-data': Buffer.from(opts.tokenWebhook.caPem).toString('base64') } }],
          users: [{ name: 'apiserver', user: {} }],
          contexts: [{ name: 'webhook', context: { cluster: 'webhook', user: 'apiserver' } }],
          'current-context': 'webhook',
        };
        writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 });
        return file;
      })()
    : undefined;

  const request = <T = unknown>(
    method: string,
    apiPath: string,
    body?: unknown,
    ropts: { token?: string; contentType?: string } = {},
  ): Promise<KubeResponse<T>> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = https.request(
        `${server}${apiPath}`,
        {
          method,
          ca: caPem,
          headers: {
            Authorization: `Bearer ${ropts.token ?? token}`,
            Accept: 'application/json',
            ...(payload !== undefined
              ? { 'Content-Type': ropts.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) }
              : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T, text });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout ${method} ${apiPath}`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });

  const kubectl = (args: string[], kopts: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(path.join(binDir, 'kubectl'), ['--kubeconfig', kubeconfigPath, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir },
        timeout: kopts.timeoutMs ?? 60_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(kopts.input ?? '');
    });

  // ---- etcd ----
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  startProc('etcd', [
    '--name=kube-test',
    `--data-dir=${path.join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=kube-test=http://127.0.0.1:${etcdPeer}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
    '--quota-backend-bytes=1073741824',
  ]);
  await waitFor('etcd /health', ['etcd'], () => etcdHealthy(`${etcdUrl}/health`));

  // ---- kube-apiserver ----
  startProc('kube-apiserver', [
    `--etcd-servers=${etcdUrl}`,
    `--bind-address=${apiAddress}`,
    `--advertise-address=${apiAddress}`,
    `--secure-port=${apiPort}`,
    `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${path.join(dir, 'apiserver.crt')}`,
    `--tls-private-key-file=${path.join(dir, 'apiserver.key')}`,
    `--client-ca-file=${path.join(dir, 'ca.crt')}`,
    // Front-proxy settings, so the extension-apiserver-authentication configmap
    // is complete (the scheduler and controller-manager read it).
    `--requestheader-client-ca-file=${path.join(dir, 'ca.crt')}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
    '--authorization-mode=Node,RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    // Let Pod Security admission (not the legacy flag) decide about privileged pods.
    '--allow-privileged=true',
    '--profiling=false',
    ...(tokenWebhook ? [`--authentication-token-webhook-config-file=${tokenWebhook}`, '--authentication-token-webhook-version=v1', '--authentication-token-webhook-cache-ttl=10s'] : []),
    ...(kubeletClient
      ? [
          `--kubelet-client-certificate=${kubeletClient.certFile}`,
          `--kubelet-client-key=${kubeletClient.keyFile}`,
          `--kubelet-certificate-authority=${path.join(dir, 'ca.crt')}`,
          '--kubelet-preferred-address-types=InternalIP',
        ]
      : []),
    '--v=1',
  ]);
  await waitFor('kube-apiserver /readyz', ['kube-apiserver', 'etcd'], async () => {
    const res = await request('GET', '/readyz');
    return res.status === 200;
  });

  // ---- kube-controller-manager ----
  if (controllers) {
    const kcmKubeconfig = writeKubeconfig('kcm.kubeconfig', 'system:kube-controller-manager', kcmToken);
    startProc('kube-controller-manager', [
      `--kubeconfig=${kcmKubeconfig}`,
      `--authentication-kubeconfig=${kcmKubeconfig}`,
      `--authorization-kubeconfig=${kcmKubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--cert-dir=${path.join(dir, 'kcm-certs')}`,
      '--leader-elect=false',
      `--controllers=${KCM_CONTROLLERS}`,
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${path.join(dir, 'sa.key')}`,
      `--root-ca-file=${path.join(dir, 'ca.crt')}`,
      `--cluster-signing-cert-file=${path.join(dir, 'ca.crt')}`,
      `--cluster-signing-key-file=${path.join(dir, 'ca.key')}`,
      '--cluster-name=kube-test',
      '--profiling=false',
      '--v=1',
    ]);
  }

  if (scheduler) {
    const schedKubeconfig = writeKubeconfig('scheduler.kubeconfig', 'system:kube-scheduler', schedulerToken);
    startProc('kube-scheduler', [
      `--kubeconfig=${schedKubeconfig}`,
      `--authentication-kubeconfig=${schedKubeconfig}`,
      `--authorization-kubeconfig=${schedKubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
      `--cert-dir=${path.join(dir, 'scheduler-certs')}`,
      '--leader-elect=false',
      '--profiling=false',
      '--v=1',
    ]);
  }

  if (kwok) {
    const kwokKubeconfig = writeKubeconfig('kwok.kubeconfig', 'kwok-controller', kwokToken);
    const kwokConfig = path.join(dir, 'kwok.yaml');
    writeFileSync(
      kwokConfig,
      `${KWOK_STAGES.trim()}\n`,
    );
    startProc('kwok', [
      `--config=${kwokConfig}`,
      `--kubeconfig=${kwokKubeconfig}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--cidr=10.244.0.1/16',
      '--node-ip=10.0.0.1',
      '--node-lease-duration-seconds=40',
    ]);
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: nodeName,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': nodeName,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node-role.kubernetes.io/agent': '',
          type: 'kwok',
        },
      },
      spec: {},
    };
    await waitFor(`node ${nodeName} created`, ['kube-apiserver'], async () => {
      const res = await request('POST', '/api/v1/nodes', node);
      return res.status === 201 || res.status === 409;
    });
    await waitFor(`node ${nodeName} Ready and untainted (kwok, node-lifecycle)`, ['kwok', 'kube-controller-manager'], async () => {
      const res = await request<{
        spec?: { taints?: { key: string }[] };
        status?: { conditions?: { type: string; status: string }[] };
      }>('GET', `/api/v1/nodes/${nodeName}`);
      const ready = res.body.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      const tainted = (res.body.spec?.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/'));
      return ready && !tainted;
    });
  }

  if (controllers) {
    // The serviceaccount controller creates "default" in every namespace; pods
    // cannot be created before it exists, so wait for it.
    await waitFor('serviceaccount default/default (kube-controller-manager)', ['kube-controller-manager'], async () => {
      const res = await request('GET', '/api/v1/namespaces/default/serviceaccounts/default');
      return res.status === 200;
    });
  }

  return {
    kubeconfigPath,
    server,
    token,
    unprivilegedToken,
    caPem,
    dir,
    caCertFile: path.join(dir, 'ca.crt'),
    caKeyFile: path.join(dir, 'ca.key'),
    binDir,
    ...(kwok ? { nodeName } : {}),
    startMs: Date.now() - t0,
    startPhases,
    request,
    kubectl,
    logTail,
    stop,
  };
}
