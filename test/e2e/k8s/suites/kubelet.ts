/**
 * Real pods on a real kubelet (the shared node of real-node.test.ts: control plane from kube-cluster.ts, one node
 * from kube-node.ts with its separate containerd, runc, CNI bridge, kube-proxy nftables). Proves that a
 * restricted-Pod-Security pod from a locally built image runs to completion, that its log comes back through
 * apiserver → kubelet, that a memory limit is enforced (OOMKilled), that a pod reaches the apiserver through the
 * `kubernetes` Service with its own service-account token, and that cluster DNS (CoreDNS) resolves Service names.
 *
 * Never skipped: a missing binary or package fails with what to run (scripts/testbed/setup.sh).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { KubeTestCluster } from '../../../support/kube-cluster.js';
import type { KubeTestNode } from '../../../support/kube-node.js';
import { cleanNamespaces, createNamespace, type RealNode } from '../../../support/real-node.js';

const NS = 'kubelet-smoke';
const IMAGE = 'local/kubelet-smoke:1';
const BASE_IMAGE = 'local/bookworm:base';
/** Python stand-in (scripts/testbed/docker.sh): urllib + ssl speak to the apiserver, socket resolves names. */
const PY_IMAGE = 'local/python:3.11-bookworm';
const POD_TIMEOUT_MS = 180_000;

interface ContainerState {
  terminated?: { exitCode: number; reason?: string };
  waiting?: { reason?: string; message?: string };
  running?: unknown;
}
interface PodStatus {
  phase?: string;
  podIP?: string;
  containerStatuses?: { name: string; state?: ContainerState; lastState?: ContainerState }[];
}
interface Pod {
  status?: PodStatus;
}

/** The workload image: the local Debian base with a non-root user baked in (restricted Pod Security). */
function buildImage(): void {
  execFileSync('docker', ['image', 'inspect', BASE_IMAGE], { stdio: 'ignore' });
  const dockerfile = `FROM ${BASE_IMAGE}\nUSER 65534:65534\nLABEL org.opencontainers.image.title=kubelet-smoke\n`;
  execFileSync('docker', ['build', '-q', '-t', IMAGE, '-'], {
    input: dockerfile,
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
}

/** A pod that passes `restricted` Pod Security: non-root, no escalation, no capabilities, RuntimeDefault seccomp. */
function pod(
  name: string,
  command: string[],
  memory: string,
  opts: { image?: string; serviceAccountToken?: boolean } = {},
): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: 'kubelet-smoke' } },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: opts.serviceAccountToken ?? false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 1,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 65534,
        runAsGroup: 65534,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'main',
          image: opts.image ?? IMAGE,
          imagePullPolicy: 'Never',
          command,
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
          resources: {
            requests: { cpu: '50m', memory },
            limits: { cpu: '500m', memory },
          },
        },
      ],
    },
  };
}

/** Registers the suite; `harness` returns the shared node once real-node.test.ts's before() has started it. */
export function kubeletSuite(harness: () => RealNode): void {
  describe('a real kubelet (containerd + runc + CNI + kube-proxy) runs our pods', { timeout: 900_000 }, () => kubeletTests(harness));
}

function kubeletTests(harness: () => RealNode): void {
  let cluster: KubeTestCluster | undefined;
  let node: KubeTestNode | undefined;
  const t0 = Date.now();

  before(async () => {
    ({ cluster, node } = harness());
    buildImage();
    try {
      execFileSync('docker', ['image', 'inspect', PY_IMAGE], { stdio: 'ignore' });
    } catch {
      assert.fail(`Docker image ${PY_IMAGE} missing: run bash scripts/testbed/docker.sh (python stand-in image)`);
    }
    await node.importImages([IMAGE, PY_IMAGE]);
    await createNamespace(cluster, NS, { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' });
  });

  after(async () => {
    await cleanNamespaces(harness(), [NS]);
    process.stderr.write(`# kubelet suite wall time ${Date.now() - t0} ms\n`);
  });

  const c = (): KubeTestCluster => {
    assert.ok(cluster);
    return cluster;
  };

  async function create(body: unknown): Promise<void> {
    const res = await c().request('POST', `/api/v1/namespaces/${NS}/pods`, body);
    assert.equal(res.status, 201, res.text);
  }

  /** Polls the pod until `done(status)`, failing with the pod status, events and the kubelet's log tail. */
  async function waitPod(name: string, done: (s: PodStatus) => boolean): Promise<PodStatus> {
    const until = Date.now() + POD_TIMEOUT_MS;
    let last: PodStatus = {};
    for (;;) {
      const res = await c().request<Pod>('GET', `/api/v1/namespaces/${NS}/pods/${name}`);
      last = res.body.status ?? {};
      if (done(last)) return last;
      if (Date.now() > until) {
        const events = await c().request('GET', `/api/v1/namespaces/${NS}/events`);
        assert.fail(
          `pod ${name} not done after ${POD_TIMEOUT_MS} ms: ${JSON.stringify(last)}\nevents: ${events.text.slice(-3000)}\n` +
            `kubelet: ${node?.logTail('kubelet', 30) ?? ''}\ncontainerd: ${node?.logTail('containerd', 20) ?? ''}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  const terminal = (s: PodStatus): boolean => s.phase === 'Succeeded' || s.phase === 'Failed';

  it('runs a restricted pod from a locally built image to Succeeded and serves its log through the apiserver', async () => {
    const t = Date.now();
    await create(
      pod('hello', ['sh', '-c', 'echo "hello from uid $(id -u) in $(hostname)"; grep -c . /proc/self/cgroup'], '32Mi'),
    );
    const status = await waitPod('hello', terminal);
    const main = status.containerStatuses?.find((x) => x.name === 'main');
    assert.equal(status.phase, 'Succeeded', JSON.stringify(status));
    assert.equal(main?.state?.terminated?.exitCode, 0, JSON.stringify(main));
    // An address from the node's CNI bridge range (node.sh POD_CIDR), i.e. a real network namespace.
    assert.match(status.podIP ?? '', /^10\.244\.0\.\d+$/, JSON.stringify(status));
    const log = await c().request('GET', `/api/v1/namespaces/${NS}/pods/hello/log?container=main`);
    assert.equal(log.status, 200, log.text);
    assert.match(log.text, /^hello from uid 65534 in hello$/m);
    process.stderr.write(`# pod hello Succeeded + log in ${Date.now() - t} ms\n`);
  });

  it('kills a container that allocates past its 64Mi memory limit: OOMKilled', async () => {
    const t = Date.now();
    // tail buffers its last 10 lines; /dev/zero has no newline, so the main process itself grows without bound
    // (on cgroup v1 OOMKilled is reported only when the container's main process is the one killed).
    await create(pod('hog', ['tail', '/dev/zero'], '64Mi'));
    const status = await waitPod('hog', terminal);
    const main = status.containerStatuses?.find((x) => x.name === 'main');
    const term = main?.state?.terminated ?? main?.lastState?.terminated;
    assert.equal(status.phase, 'Failed', JSON.stringify(status));
    assert.equal(term?.reason, 'OOMKilled', JSON.stringify(main));
    assert.equal(term?.exitCode, 137, JSON.stringify(main));
    process.stderr.write(`# pod hog OOMKilled in ${Date.now() - t} ms\n`);
  });

  it('a pod reaches the apiserver through the kubernetes Service with its projected service-account token', async () => {
    const t = Date.now();
    // Env vars, not DNS: KUBERNETES_SERVICE_HOST/PORT are injected into every container (even without service links).
    const script = [
      'import json, os, ssl, urllib.request',
      "sa = '/var/run/secrets/kubernetes.io/serviceaccount'",
      "host, port = os.environ['KUBERNETES_SERVICE_HOST'], os.environ['KUBERNETES_SERVICE_PORT']",
      "ctx = ssl.create_default_context(cafile=sa + '/ca.crt')",
      "body = json.dumps({'apiVersion': 'authentication.k8s.io/v1', 'kind': 'SelfSubjectReview'}).encode()",
      "req = urllib.request.Request(f'https://{host}:{port}/apis/authentication.k8s.io/v1/selfsubjectreviews', data=body,",
      "    headers={'Authorization': 'Bearer ' + open(sa + '/token').read(), 'Content-Type': 'application/json'})",
      "info = json.load(urllib.request.urlopen(req, context=ctx, timeout=20))['status']['userInfo']",
      "print(f'endpoint {host}:{port}')",
      "print('user ' + info['username'])",
      "print('namespace ' + open(sa + '/namespace').read())",
    ].join('\n');
    await create(pod('whoami', ['python3', '-c', script], '64Mi', { image: PY_IMAGE, serviceAccountToken: true }));
    const status = await waitPod('whoami', terminal);
    const log = await c().request('GET', `/api/v1/namespaces/${NS}/pods/whoami/log?container=main`);
    assert.equal(status.phase, 'Succeeded', `${JSON.stringify(status)}\nlog: ${log.text}`);
    assert.match(log.text, /^endpoint 10\.96\.0\.1:443$/m);
    assert.match(log.text, new RegExp(`^user system:serviceaccount:${NS}:default$`, 'm'));
    assert.match(log.text, new RegExp(`^namespace ${NS}$`, 'm'));
    process.stderr.write(`# pod whoami (SelfSubjectReview through 10.96.0.1) in ${Date.now() - t} ms\n`);
  });

  it('a pod resolves Service names through cluster DNS (CoreDNS, cluster.local)', async () => {
    const t = Date.now();
    const script = [
      'import socket',
      "for name in ('kubernetes.default.svc.cluster.local', 'kubernetes.default'):",
      "    print(name, socket.gethostbyname(name))",
      "print('resolv', open('/etc/resolv.conf').read().replace(chr(10), ' | '))",
    ].join('\n');
    await create(pod('dns', ['python3', '-c', script], '64Mi', { image: PY_IMAGE }));
    const status = await waitPod('dns', terminal);
    const log = await c().request('GET', `/api/v1/namespaces/${NS}/pods/dns/log?container=main`);
    assert.equal(status.phase, 'Succeeded', `${JSON.stringify(status)}\nlog: ${log.text}\ncoredns: ${node?.logTail('coredns', 20) ?? ''}`);
    assert.match(log.text, /^kubernetes\.default\.svc\.cluster\.local 10\.96\.0\.1$/m);
    // The search path (NS.svc.cluster.local svc.cluster.local cluster.local) from the kubelet's clusterDomain.
    assert.match(log.text, /^kubernetes\.default 10\.96\.0\.1$/m);
    assert.match(log.text, new RegExp(`nameserver ${(node?.dnsIp ?? '?').replace(/\./g, '\\.')}`));
    process.stderr.write(`# pod dns resolved kubernetes.default in ${Date.now() - t} ms\n`);
  });

  it('kube-proxy (nftables mode) programs the kubernetes Service', async () => {
    const until = Date.now() + 60_000;
    let table = '';
    for (;;) {
      try {
        table = execFileSync('nft', ['list', 'table', 'ip', 'kube-proxy'], { encoding: 'utf8' });
      } catch {
        table = '';
      }
      if (/10\.96\.0\.1\b/.test(table)) return;
      assert.ok(Date.now() < until, `no 10.96.0.1 in nft table ip kube-proxy after 60 s:\n${table.slice(0, 2000)}\n${node?.logTail('kube-proxy', 20) ?? ''}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  });
}
