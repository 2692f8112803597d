/**
 * The whole real single-node cluster, started once and shared: an htpasswd registry (as ECR), a control plane from
 * kube-cluster.ts and one kubelet/containerd node from kube-node.ts with everything any test of it needs (kube-proxy,
 * cluster DNS, static PVs, the registry's credential provider). Starting it costs ~17 s plus the registry, so
 * test/e2e/k8s/real-node.test.ts starts it once and runs every real-node suite on it; each suite works in its own
 * namespaces, imports its own images, and leaves the cluster as it found it (`cleanNamespaces`).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startRegistry, type Registry } from './docker-testbed.js';
import { CACHE_DIR } from './image-project.js';
import { startKubeTestCluster, type KubeTestCluster } from './kube-cluster.js';
import { kubeNodeAvailable, startKubeTestNode, type KubeTestNode } from './kube-node.js';

/** The registry's login user: ECR's token decodes to `AWS:<password>`. */
export const REGISTRY_USER = 'AWS';

export interface RealNode {
  cluster: KubeTestCluster;
  node: KubeTestNode;
  /** The registry the node pulls from (login `REGISTRY_USER` / the first line of `passwordFile`). */
  registry: Registry & { passwordFile: string };
  /** ms to start registry + control plane + node. */
  startMs: number;
  stop(): Promise<void>;
}

/**
 * Starts registry, control plane and node. Fails, never skips, when something is missing (the message says what to
 * run). Two PVs: an in-cluster PostgreSQL claims one per Airflow deployment, and `cleanNamespaces` recycles them.
 */
export async function startRealNode(): Promise<RealNode> {
  const t0 = Date.now();
  const avail = kubeNodeAvailable();
  if (!avail.ok) throw new Error(`real kubelet harness unavailable: ${avail.reason}`);
  let registry: RealNode['registry'] | undefined;
  let cluster: KubeTestCluster | undefined;
  let node: KubeTestNode | undefined;
  const stop = async (): Promise<void> => {
    try {
      await node?.stop();
    } finally {
      try {
        await cluster?.stop();
      } finally {
        await registry?.stop();
      }
    }
  };
  try {
    // Storage kept between runs, so a warm push uploads only the layers that changed (the DAGs).
    registry = await startRegistry(REGISTRY_USER, randomBytes(24).toString('hex'), { storageDir: path.join(CACHE_DIR, 'node-registry') });
    cluster = await startKubeTestCluster({ realNodes: true, scheduler: true, startTimeoutMs: 240_000 });
    node = await startKubeTestNode(cluster, {
      registry: { host: registry.host, username: REGISTRY_USER, passwordFile: registry.passwordFile },
      persistentVolumes: 2,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  process.stderr.write(`# real node: control plane ${cluster.startMs} ms, node ${node.startMs} ms ${JSON.stringify(node.startPhases)}\n`);
  return { cluster, node, registry, startMs: Date.now() - t0, stop };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Creates namespace `name` (with `labels`) and waits for its default ServiceAccount, which pods need. */
export async function createNamespace(cluster: KubeTestCluster, name: string, labels: Record<string, string> = {}): Promise<void> {
  const res = await cluster.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  if (res.status !== 201) throw new Error(`POST namespace ${name}: ${res.status} ${res.text}`);
  const until = Date.now() + 60_000;
  while ((await cluster.request('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).status !== 200) {
    if (Date.now() > until) throw new Error(`no default ServiceAccount in ${name} after 60 s`);
    await sleep(200);
  }
}

/**
 * Deletes `names` and waits until they are gone (their pods stopped on the node), then makes the PVs their claims
 * held reusable: the next suite finds the node as it was started.
 */
export async function cleanNamespaces(harness: RealNode, names: readonly string[], timeoutMs = 300_000): Promise<void> {
  const { cluster, node } = harness;
  for (const name of names) {
    const res = await cluster.request('DELETE', `/api/v1/namespaces/${name}`);
    if (res.status !== 200 && res.status !== 202 && res.status !== 404) throw new Error(`DELETE namespace ${name}: ${res.status} ${res.text}`);
  }
  const until = Date.now() + timeoutMs;
  for (const name of names) {
    while ((await cluster.request('GET', `/api/v1/namespaces/${name}`)).status !== 404) {
      if (Date.now() > until) {
        const left = await cluster.kubectl(['-n', name, 'get', 'all,pvc', '-o', 'wide']);
        throw new Error(`namespace ${name} still there after ${timeoutMs / 1000} s:\n${left.stdout}\nkubelet:\n${node.logTail('kubelet', 20)}`);
      }
      await sleep(500);
    }
  }
  // The PV controller marks a volume Released some moments after its claim went with the namespace.
  type Pv = { metadata: { name: string }; spec: { claimRef?: { namespace?: string } }; status?: { phase?: string } };
  for (;;) {
    const pvs = await cluster.request<{ items: Pv[] }>('GET', '/api/v1/persistentvolumes');
    const pending = pvs.body.items.filter((pv) => names.includes(pv.spec.claimRef?.namespace ?? '') && pv.status?.phase !== 'Released');
    if (pending.length === 0) break;
    if (Date.now() > until) throw new Error(`PVs not Released after ${timeoutMs / 1000} s: ${JSON.stringify(pending)}`);
    await sleep(500);
  }
  const recycled = await node.recycleVolumes();
  // Claimable again only once the PV controller has seen the cleared claimRef.
  for (const name of recycled) {
    while ((await cluster.request<Pv>('GET', `/api/v1/persistentvolumes/${name}`)).body.status?.phase !== 'Available') {
      if (Date.now() > until) throw new Error(`PV ${name} not Available after recycling`);
      await sleep(500);
    }
  }
  if (recycled.length > 0) process.stderr.write(`# recycled PVs ${recycled.join(', ')}\n`);
}
