/** The real kube-apiserver testbed for these tests: fails (never skips) with what to install when it is missing. */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../../src/adapters/kube/client.js';
import { kubeBinariesAvailable, startKubeTestCluster, type KubeTestCluster } from '../../support/kube-cluster.js';

export async function startCluster(opts: { kwok?: boolean; tokenWebhook?: { url: string; caPem: string } } = {}): Promise<KubeTestCluster> {
  const avail = kubeBinariesAvailable({ kwok: opts.kwok });
  if (!avail.ok) {
    throw new Error(`the Kubernetes testbed is missing: ${avail.reason}. Set it up with: bash scripts/testbed/kube.sh build`);
  }
  return startKubeTestCluster({ kwok: opts.kwok, tokenWebhook: opts.tokenWebhook, startTimeoutMs: 180_000 });
}

/** A client for the cluster as admin, or as whoever `token` belongs to. Fast retries: tests should not wait. */
export function clientFor(cluster: KubeTestCluster, token?: string): KubeClient {
  const kc = new KubeConfig();
  if (token === undefined) {
    kc.loadFromFile(cluster.kubeconfigPath);
  } else {
    kc.loadFromOptions({
      clusters: [{ name: 'kube-test', server: cluster.server, caData: Buffer.from(cluster.caPem).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'u', token }],
      contexts: [{ name: 'kube-test', cluster: 'kube-test', user: 'u' }],
      currentContext: 'kube-test',
    });
  }
  return new KubeClient(kc, { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 });
}

/** A client aimed at a port where nothing listens. */
export function unreachableClient(cluster: KubeTestCluster, port: number): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gone', server: `https://127.0.0.1:${port}`, caData: Buffer.from(cluster.caPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'gone', cluster: 'gone', user: 'u' }],
    currentContext: 'gone',
  });
  return new KubeClient(kc, { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 });
}
