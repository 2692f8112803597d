/**
 * A REAL single Kubernetes worker node for integration tests: a separate containerd (CRI v1, runc, cgroupfs),
 * kubelet and kube-proxy (nftables mode) joined to a control plane from kube-cluster.ts, so pods really run.
 *
 * Host side comes from scripts/testbed/node.sh (packages, the containerd config and CNI config under its own state
 * dir, the local pause image, image import, cleanup); kubelet and kube-proxy from kube.sh's cache. Start the
 * control plane with `{ realNodes: true, scheduler: true }` (apiserver → kubelet client cert, InternalIP first).
 *
 * What the kubelet gets (see scripts/testbed/README.md, "kube node"):
 *  - identity system:node:<name> in system:nodes (client cert from the test CA), so the Node authorizer and
 *    NodeRestriction apply as on a real cluster; serving cert for the node IP signed by the same CA, which the
 *    apiserver verifies (`--kubelet-certificate-authority`);
 *  - webhook authn/authz (anonymous off), `failCgroupV1: false` + cgroupfs (this host is cgroup v1),
 *    `failSwapOn: false`, address = the node IP;
 *  - the node IP is this machine's default-route IPv4 (traffic to it stays on this machine); the control plane
 *    binds and advertises it too (kube-cluster.ts with realNodes), so pods reach the apiserver through the
 *    `kubernetes` Service with their projected service-account token;
 *  - cluster DNS: CoreDNS as a host process on <nodeIp>:53 (kubernetes plugin, `cluster.local`), the kubelet's
 *    `clusterDNS`.
 *
 * One node per machine at a time (a lock file in node.sh's run dir): the bridge, the containerd socket and the
 * kubelet root are fixed. `stop()` stops kube-proxy and kubelet, then runs `node.sh cleanup` (containers, shims,
 * containerd, mounts, bridge, nftables tables, CNI iptables chains, pod cgroups). If the test process dies a
 * detached watchdog runs the same cleanup.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { Components, startWatchdog, testbedScript } from './component-processes.js';
import { defaultRouteIpv4, freePorts, isExecutable, issueCert, kubeBinariesAvailable, type KubeTestCluster } from './kube-cluster.js';

export { defaultRouteIpv4 };

export interface KubeTestNodeOptions {
  /** Node name. Default "node-0". */
  nodeName?: string | undefined;
  /** Node IP. Default: the IPv4 address of the default-route interface. */
  nodeIp?: string | undefined;
  /** Docker images to copy into the node's containerd before the kubelet starts (imagePullPolicy Never). */
  images?: readonly string[] | undefined;
  /**
   * A registry the node pulls from the way an EKS node pulls from ECR: containerd reaches `host` over plain HTTP
   * (a loopback registry, hosts.toml), and the kubelet gets the login from an image credential provider plugin
   * (EKS nodes run ecr-credential-provider with the node role), so pods need no imagePullSecrets. The password is
   * read from `passwordFile` once, into a 0600 file the plugin prints; never into argv or a manifest.
   */
  registry?: { host: string; username: string; passwordFile: string } | undefined;
  /** Start kube-proxy (nftables). Default true. */
  kubeProxy?: boolean | undefined;
  /**
   * Cluster DNS: CoreDNS (kube.sh's cache) as a host process on `<nodeIp>:53` serving `cluster.local` from the
   * apiserver (kubernetes plugin) and forwarding the rest to this machine's resolvers; the kubelet's `clusterDNS`
   * points at it. Default true.
   */
  clusterDns?: boolean | undefined;
  /**
   * Static hostPath PersistentVolumes to create (no StorageClass, ReadWriteOnce, `persistentVolumeSize` each), so
   * a PVC without a class (e.g. in-cluster PostgreSQL's) binds. Their directories are mode 0777, as the
   * local-path provisioner makes them, so non-root pods can write. Default 2.
   */
  persistentVolumes?: number | undefined;
  /** Capacity of each static PV. Default "20Gi". */
  persistentVolumeSize?: string | undefined;
  /** Bound on the whole start-up. Default 240 s (the first image import alone takes ~15 s). */
  startTimeoutMs?: number | undefined;
  /** Keep the per-run dir (logs, configs) after stop(). Default false. */
  keepDir?: boolean | undefined;
}

export interface KubeTestNode {
  nodeName: string;
  nodeIp: string;
  /** The cluster DNS server pods use (CoreDNS on the node IP), when `clusterDns` is on. */
  dnsIp?: string;
  /** Per-run dir with configs and logs (containerd.log, kubelet.log, kube-proxy.log, coredns.log). */
  dir: string;
  /** ms to start (containerd + images + kubelet + kube-proxy + node Ready). */
  startMs: number;
  startPhases: Record<string, number>;
  /** Copy Docker images into the node's containerd (no-op for those already there). */
  importImages(images: readonly string[]): Promise<void>;
  /** Remove image names (full references) from the node's containerd, so the next pod using one pulls it. */
  forgetImages(images: readonly string[]): Promise<void>;
  /**
   * Makes this node's static PVs that are `Released` (their claim was deleted; `Retain` keeps them from binding
   * again) `Available` once more, with empty directories: what the deprecated `Recycle` policy did. Lets one node
   * serve several tests that each claim storage. Returns the names recycled.
   */
  recycleVolumes(): Promise<string[]>;
  logTail(component: string, lines?: number): string;
  stop(): Promise<void>;
}

const findNodeSh = (): string => testbedScript('node.sh');

/** Name of the credential provider plugin (the kubelet runs the binary of that name from its bin dir). */
const CREDENTIAL_PLUGIN = 'registry-login';

/**
 * Lets the node pull from `registry`: a containerd hosts.toml (plain HTTP to a loopback registry) and a kubelet image
 * credential provider whose plugin answers every request with the registry's login. Returns the kubelet flags.
 * @see https://kubernetes.io/docs/tasks/administer-cluster/kubelet-credential-provider/
 * @see https://github.com/containerd/containerd/blob/main/docs/hosts.md
 */
function registryAccess(dir: string, hostsDir: string, registry: { host: string; username: string; passwordFile: string }): string[] {
  const { host, username, passwordFile } = registry;
  const hostDir = path.join(hostsDir, host);
  mkdirSync(hostDir, { recursive: true });
  writeFileSync(path.join(hostDir, 'hosts.toml'), `server = "http://${host}"\n\n[host."http://${host}"]\n  capabilities = ["pull", "resolve"]\n`);
  const binDir = path.join(dir, 'credential-providers');
  mkdirSync(binDir, { recursive: true });
  const password = readFileSync(passwordFile, 'utf8').split('\n')[0] ?? '';
  const answer = path.join(binDir, 'answer.json');
  const response = {
    apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
    kind: 'CredentialProviderResponse',
    cacheKeyType: 'Registry',
    cacheDuration: '10m',
    auth: { [host]: { username, password } },
  };
  writeFileSync(answer, JSON.stringify(response), { mode: 0o600 });
  // The kubelet writes a CredentialProviderRequest to stdin; the answer is the same for every image of the registry.
  writeFileSync(path.join(binDir, CREDENTIAL_PLUGIN), `#!/bin/sh\ncat >/dev/null\nexec cat '${answer}'\n`, { mode: 0o700 });
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1',
    kind: 'CredentialProviderConfig',
    providers: [{ name: CREDENTIAL_PLUGIN, matchImages: [host], defaultCacheDuration: '10m', apiVersion: 'credentialprovider.kubelet.k8s.io/v1' }],
  };
  const configFile = path.join(dir, 'credential-provider.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return [`--image-credential-provider-config=${configFile}`, `--image-credential-provider-bin-dir=${binDir}`];
}

const SYS_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap', 'firewall'];
const SETUP_HINT = 'run: bash scripts/testbed/setup.sh (as root; node.sh deps + kube.sh build)';


function onPath(cmd: string): boolean {
  return SYS_PATH.split(':').some((d) => isExecutable(path.join(d, cmd)));
}

/**
 * Whether everything a real node needs is installed: control-plane binaries, kubelet, kube-proxy, containerd, runc,
 * ctr, docker, nft, the CNI plugins, and root. `reason` says what is missing and to run setup.sh.
 */
export function kubeNodeAvailable(): { ok: true; binDir: string } | { ok: false; reason: string } {
  const cp = kubeBinariesAvailable({ kwok: true });
  if (!cp.ok) return { ok: false, reason: `${cp.reason}; or ${SETUP_HINT}` };
  const missing: string[] = [];
  for (const b of ['kubelet', 'kube-proxy', 'coredns']) if (!isExecutable(path.join(cp.binDir, b))) missing.push(path.join(cp.binDir, b));
  for (const c of ['containerd', 'runc', 'ctr', 'docker', 'nft', 'iptables', 'conntrack', 'ip', 'setpriv']) if (!onPath(c)) missing.push(c);
  for (const p of CNI_PLUGINS) if (!isExecutable(path.join('/usr/lib/cni', p))) missing.push(`/usr/lib/cni/${p}`);
  if (missing.length > 0) return { ok: false, reason: `missing ${missing.join(', ')}; ${SETUP_HINT}` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'a real kubelet needs root (mounts, cgroups, netns)' };
  return { ok: true, binDir: cp.binDir };
}

function nodeSh(args: string[], timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [findNodeSh(), ...args],
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20, env: { ...process.env, PATH: SYS_PATH } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`node.sh ${args.join(' ')} failed: ${err.message}\n${stderr.slice(-2000)}`));
        else resolve(stdout);
      },
    );
  });
}

function readPaths(): Record<string, string> {
  const out = execFileSync('bash', [findNodeSh(), 'paths'], { encoding: 'utf8' });
  const kv: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1);
  }
  return kv;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One node per machine: a lock file holding our pid; a stale one (dead pid) is taken over. */
function takeLock(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch {
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isFinite(holder) && holder !== process.pid && pidAlive(holder)) {
        throw new Error(`another kube test node is running (pid ${holder}, lock ${file}); one per machine`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take ${file}`);
}

// Runs node.sh cleanup when our end of its stdin closes without "done" (this process died).
const WATCHDOG = `
while IFS= read -r line; do
  [ "$line" = done ] && exit 0
done
bash "$NODE_SH" cleanup >/dev/null 2>&1 || true
rm -f -- "$LOCK"
if [ "\${KEEP_DIR:-0}" != 1 ]; then rm -rf -- "$DIR"; fi
`;

/** Starts containerd, kubelet and kube-proxy for `cluster` and waits for the Node to be Ready. */
export async function startKubeTestNode(cluster: KubeTestCluster, opts: KubeTestNodeOptions = {}): Promise<KubeTestNode> {
  const t0 = Date.now();
  const deadline = t0 + (opts.startTimeoutMs ?? 240_000);
  const avail = kubeNodeAvailable();
  if (!avail.ok) throw new Error(avail.reason);
  const { binDir } = avail;
  const nodeName = opts.nodeName ?? 'node-0';
  const nodeIp = opts.nodeIp ?? defaultRouteIpv4();
  const paths = readPaths();
  const need = (k: string): string => {
    const v = paths[k];
    if (!v) throw new Error(`node.sh paths: no ${k}`);
    return v;
  };
  const nodeDir = need('NODE_DIR');
  const lockFile = path.join(need('RUN_DIR'), 'harness.lock');
  takeLock(lockFile);

  mkdirSync(path.join(nodeDir, 'runs'), { recursive: true });
  const dir = mkdtempSync(path.join(nodeDir, 'runs', 'kube-node-'));
  let stopped = false;

  const watchdog = startWatchdog(WATCHDOG, { PATH: SYS_PATH, NODE_SH: findNodeSh(), LOCK: lockFile, DIR: dir, KEEP_DIR: opts.keepDir ? '1' : '0' });

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const name of ['kube-proxy', 'kubelet', 'coredns']) {
      const p = components.find(name);
      if (p) await components.stop(p, 5000);
    }
    // Containers, shims, containerd itself, mounts, bridge, nftables, CNI chains, cgroups.
    let cleanupError: unknown;
    try {
      await nodeSh(['cleanup'], 120_000);
    } catch (err) {
      cleanupError = err;
    }
    for (const p of components.all) await components.stop(p, 5000);
    rmSync(lockFile, { force: true });
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
    watchdog.done();
    if (cleanupError) throw cleanupError;
  };
  // No proxy variables: every connection here is local.
  const components = new Components({ dir, label: 'kube test node', t0, deadline, env: { PATH: SYS_PATH, HOME: dir }, pollMs: 250, onFail: stop });
  const startPhases = components.startPhases;
  const logTail = (component: string, lines = 40): string => components.logTail(component, lines);
  const startProc = (name: string, cmd: string, args: string[]) => components.start(name, cmd, args);
  const fail = (what: string, names: string[]): Promise<never> => components.fail(what, names);
  const waitFor = (what: string, names: string[], check: () => Promise<boolean>): Promise<void> => components.waitFor(what, names, check);

  const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
      startPhases[what] = Date.now() - t0;
    } catch (err) {
      await fail(`${what}: ${(err as Error).message}`, ['containerd']);
    }
  };

  const importImages = async (images: readonly string[]): Promise<void> => {
    if (images.length > 0) await nodeSh(['import', ...images]);
  };

  // Leftovers of an earlier run that died (its watchdog may not have finished).
  await step('stale state cleaned', () => nodeSh(['cleanup'], 120_000));

  // ---- containerd (separate instance; Docker's is untouched) ----
  startProc('containerd', 'bash', [findNodeSh(), 'containerd']);
  const sock = need('CONTAINERD_SOCK');
  await waitFor('containerd answers', ['containerd'], async () => {
    if (!existsSync(sock)) return false;
    execFileSync('ctr', ['--address', sock, 'version'], { stdio: 'ignore', timeout: 5000, env: { PATH: SYS_PATH } });
    return true;
  });
  const pause = need('PAUSE_IMAGE');
  await step('pause image built', () => nodeSh(['pause-image']));
  await step('images imported', () => importImages([pause, ...(opts.images ?? [])]));

  // ---- certificates and kubeconfigs ----
  const pki = cluster.dir; // issueCert signs with the cluster's CA (ca.crt/ca.key there)
  const kubeletClient = issueCert(pki, `kubelet-${nodeName}-client`, { cn: `system:node:${nodeName}`, orgs: ['system:nodes'], client: true });
  const kubeletServing = issueCert(pki, `kubelet-${nodeName}-serving`, { cn: `system:node:${nodeName}`, serverIps: [nodeIp], serverDns: [nodeName] });
  const proxyClient = issueCert(pki, `kube-proxy-${nodeName}`, { cn: 'system:kube-proxy', client: true });
  const kubeconfig = (file: string, user: string, cert: { certFile: string; keyFile: string }): string => {
    const full = path.join(dir, file);
    const cfg = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kube-test', cluster: { server: cluster.server, 'certificate-authority': cluster.caCertFile } }],
      users: [{ name: user, user: { 'client-certificate': cert.certFile, 'client-key': cert.keyFile } }],
      contexts: [{ name: 'kube-test', context: { cluster: 'kube-test', user } }],
      'current-context': 'kube-test',
    };
    writeFileSync(full, JSON.stringify(cfg, null, 2), { mode: 0o600 });
    return full;
  };
  const kubeletKubeconfig = kubeconfig('kubelet.kubeconfig', `system:node:${nodeName}`, kubeletClient);
  const proxyKubeconfig = kubeconfig('kube-proxy.kubeconfig', 'system:kube-proxy', proxyClient);

  const [kubeletPort, healthzPort, proxyHealthz, proxyMetrics] = (await freePorts(4)) as [number, number, number, number];
  const kubeletRoot = need('KUBELET_ROOT');

  // ---- kubelet ----
  // @see https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
  // ---- cluster DNS (CoreDNS as a host process) ----
  const clusterDns = opts.clusterDns ?? true;
  if (clusterDns) {
    // The permissions of upstream's system:coredns ClusterRole, bound to the identity in CoreDNS's kubeconfig.
    const rbac: [string, unknown][] = [
      [
        '/apis/rbac.authorization.k8s.io/v1/clusterroles',
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'system:coredns' },
          rules: [
            { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
            { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
          ],
        },
      ],
      [
        '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'system:coredns' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:coredns' }],
        },
      ],
    ];
    await step('coredns RBAC', async () => {
      for (const [url, body] of rbac) {
        const res = await cluster.request('POST', url, body);
        if (res.status !== 201 && res.status !== 409) throw new Error(`POST ${url}: ${res.status} ${res.text}`);
      }
    });
    const dnsClient = issueCert(pki, `coredns-${nodeName}`, { cn: 'system:coredns', client: true });
    const dnsKubeconfig = kubeconfig('coredns.kubeconfig', 'system:coredns', dnsClient);
    const [dnsHealth, dnsReady] = (await freePorts(2)) as [number, number];
    // @see https://coredns.io/plugins/kubernetes/ — the Corefile kubeadm deploys, bound to the node IP.
    const corefile = [
      '.:53 {',
      `  bind ${nodeIp}`,
      '  errors',
      `  health 127.0.0.1:${dnsHealth}`,
      `  ready 127.0.0.1:${dnsReady}`,
      '  kubernetes cluster.local in-addr.arpa ip6.arpa {',
      `    kubeconfig ${dnsKubeconfig} kube-test`,
      '    pods insecure',
      '    fallthrough in-addr.arpa ip6.arpa',
      '    ttl 30',
      '  }',
      '  forward . /etc/resolv.conf',
      '  cache 30',
      '}',
      '',
    ].join('\n');
    const corefileFile = path.join(dir, 'Corefile');
    writeFileSync(corefileFile, corefile);
    startProc('coredns', path.join(binDir, 'coredns'), ['-conf', corefileFile]);
    // /ready answers 200 once the kubernetes plugin has synced its caches from the apiserver.
    await waitFor('coredns ready', ['coredns'], async () => (await fetch(`http://127.0.0.1:${dnsReady}/ready`)).status === 200);
  }

  const kubeletConfig = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // This host is cgroup v1; kubelet 1.35 refuses it unless told otherwise.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    failSwapOn: false,
    address: nodeIp,
    port: kubeletPort,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort,
    tlsCertFile: kubeletServing.certFile,
    tlsPrivateKeyFile: kubeletServing.keyFile,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: cluster.caCertFile },
    },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${sock}`,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    registerNode: true,
    maxPods: 30,
    // Keep everything under the node's state dir (not /var/log/pods, /usr/libexec).
    podLogsDir: path.join(kubeletRoot, 'pod-logs'),
    volumePluginDir: path.join(kubeletRoot, 'volume-plugins'),
    // A shared 2-core test machine: never evict for disk, never garbage-collect the imported images.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    containerLogMaxSize: '1Mi',
    nodeStatusUpdateFrequency: '5s',
    shutdownGracePeriod: '0s',
    resolvConf: '/etc/resolv.conf',
    ...(clusterDns ? { clusterDNS: [nodeIp], clusterDomain: 'cluster.local' } : {}),
    hairpinMode: 'hairpin-veth',
  };
  const kubeletConfigFile = path.join(dir, 'kubelet.json');
  writeFileSync(kubeletConfigFile, JSON.stringify(kubeletConfig, null, 2));
  const credentialArgs = opts.registry ? registryAccess(dir, need('CONTAINERD_HOSTS_DIR'), opts.registry) : [];
  startProc('kubelet', path.join(binDir, 'kubelet'), [
    `--config=${kubeletConfigFile}`,
    `--kubeconfig=${kubeletKubeconfig}`,
    `--root-dir=${kubeletRoot}`,
    `--cert-dir=${path.join(dir, 'kubelet-pki')}`,
    `--hostname-override=${nodeName}`,
    `--node-ip=${nodeIp}`,
    ...credentialArgs,
    '--v=1',
  ]);

  // ---- kube-proxy ----
  if (opts.kubeProxy ?? true) {
    // @see https://kubernetes.io/docs/reference/config-api/kube-proxy-config.v1alpha1/
    const proxyConfig = {
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      mode: 'nftables',
      clientConnection: { kubeconfig: proxyKubeconfig },
      hostnameOverride: nodeName,
      clusterCIDR: need('CLUSTER_CIDR'),
      healthzBindAddress: `127.0.0.1:${proxyHealthz}`,
      metricsBindAddress: `127.0.0.1:${proxyMetrics}`,
      nodePortAddresses: [`${nodeIp}/32`],
      // Leave the host's conntrack sysctls alone.
      conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    };
    const proxyConfigFile = path.join(dir, 'kube-proxy.json');
    writeFileSync(proxyConfigFile, JSON.stringify(proxyConfig, null, 2));
    startProc('kube-proxy', path.join(binDir, 'kube-proxy'), [`--config=${proxyConfigFile}`, '--v=1']);
  }

  const nodeComponents = ['kubelet', 'containerd', ...(opts.kubeProxy ?? true ? ['kube-proxy'] : [])];
  await waitFor(`node ${nodeName} Ready and untainted`, nodeComponents, async () => {
    const res = await cluster.request<{
      spec?: { taints?: { key: string }[] };
      status?: { conditions?: { type: string; status: string }[] };
    }>('GET', `/api/v1/nodes/${nodeName}`);
    if (res.status !== 200) return false;
    const ready = res.body.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    const tainted = (res.body.spec?.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/'));
    return ready && !tainted;
  });
  if (opts.kubeProxy ?? true) {
    await waitFor('kube-proxy healthz', ['kube-proxy'], async () => {
      const res = await fetch(`http://127.0.0.1:${proxyHealthz}/healthz`);
      return res.status === 200;
    });
  }

  // ---- static hostPath PVs ----
  const pvCount = opts.persistentVolumes ?? 2;
  const pvDir = need('PV_DIR');
  const pvLabel = `airflow-aws.test/node=${nodeName}`;
  for (let i = 0; i < pvCount; i++) {
    const hostDir = path.join(pvDir, `pv-${i}`);
    mkdirSync(hostDir, { recursive: true });
    chmodSync(hostDir, 0o777);
    const pv = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `${nodeName}-pv-${i}`, labels: { 'airflow-aws.test/node': nodeName } },
      spec: {
        capacity: { storage: opts.persistentVolumeSize ?? '20Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        volumeMode: 'Filesystem',
        hostPath: { path: hostDir, type: 'Directory' },
        nodeAffinity: {
          required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] },
        },
      },
    };
    await step(`PV ${pv.metadata.name}`, async () => {
      const res = await cluster.request('POST', '/api/v1/persistentvolumes', pv);
      if (res.status !== 201 && res.status !== 409) throw new Error(`POST PV: ${res.status} ${res.text}`);
    });
  }

  return {
    nodeName,
    nodeIp,
    ...(clusterDns ? { dnsIp: nodeIp } : {}),
    dir,
    startMs: Date.now() - t0,
    startPhases,
    importImages,
    forgetImages: async (images) => {
      if (images.length > 0) await nodeSh(['forget', ...images]);
    },
    recycleVolumes: async () => {
      type Pv = { metadata: { name: string }; spec: { hostPath?: { path: string } }; status?: { phase?: string } };
      const list = await cluster.request<{ items: Pv[] }>('GET', `/api/v1/persistentvolumes?labelSelector=${encodeURIComponent(pvLabel)}`);
      if (list.status !== 200) throw new Error(`GET PVs: ${list.status} ${list.text}`);
      const recycled: string[] = [];
      for (const pv of list.body.items) {
        const hostDir = pv.spec.hostPath?.path;
        if (pv.status?.phase !== 'Released' || !hostDir?.startsWith(pvDir + path.sep)) continue;
        // Empty the directory, keep it (the PV's hostPath type is Directory) with the mode pods rely on.
        for (const entry of readdirSync(hostDir)) rmSync(path.join(hostDir, entry), { recursive: true, force: true });
        chmodSync(hostDir, 0o777);
        const res = await cluster.request('PATCH', `/api/v1/persistentvolumes/${pv.metadata.name}`, { spec: { claimRef: null } }, { contentType: 'application/merge-patch+json' });
        if (res.status !== 200) throw new Error(`PATCH PV ${pv.metadata.name}: ${res.status} ${res.text}`);
        recycled.push(pv.metadata.name);
      }
      return recycled;
    },
    logTail,
    stop,
  };
}
