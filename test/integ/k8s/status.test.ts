/**
 * `airflow-aws status`, `logs` and `open` as a user runs them (the real binary) against a real kube-apiserver whose
 * pods kwok keeps Running/Ready: ready counts, the degraded verdict and its exit code, "nothing deployed", and the
 * failures a user meets first (a mistyped component, a task pod that is gone, a busy local port).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { selectorLabels, type KubeComponent } from '../../../src/k8s/labels.js';
import { runCli, tempDir } from '../../support/cli.js';
import type { KubeTestCluster } from '../../support/kube-cluster.js';
import { startCluster } from './cluster.js';

const NS = 'airflow';
const NAME = 'kwokdemo';
const IMAGE = 'registry.example/airflow:3-test';

function deployment(component: KubeComponent, replicas: number, extra: Record<string, unknown> = {}): unknown {
  const labels = selectorLabels({ name: NAME }, component);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `airflow-${component}`, namespace: NS, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: component, image: IMAGE, ports: component === 'api-server' ? [{ name: 'api', containerPort: 8080 }] : [] }],
          ...extra,
        },
      },
    },
  };
}

describe('airflow-aws status / logs / open on a kwok cluster (CLI)', { timeout: 300_000 }, () => {
  let cluster: KubeTestCluster;
  let project: string;

  before(async () => {
    cluster = await startCluster({ kwok: true });
    project = tempDir();
    writeFileSync(path.join(project, 'airflow-aws.yaml'), `name: ${NAME}\nregion: eu-west-1\n`);
  });
  after(async () => {
    await cluster?.stop();
  });

  const kube = () => ['--kube-context', 'kube-test', '--kubeconfig', cluster.kubeconfigPath];
  // No AWS credential source at all: with a kube context, status must answer from the cluster alone.
  const env = () => ({ HOME: project, AWS_ACCESS_KEY_ID: '', AWS_PROFILE: '', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
  const cli = (args: string[]) => runCli(args, { cwd: project, env: env(), killAfterMs: 90_000 });

  async function post(apiPath: string, body: unknown): Promise<void> {
    const r = await cluster.request('POST', apiPath, body);
    assert.equal(r.status, 201, r.text);
  }

  async function waitReady(component: KubeComponent, ready: number): Promise<void> {
    const until = Date.now() + 60_000;
    for (;;) {
      const d = await cluster.request<{ status?: { readyReplicas?: number } }>('GET', `/apis/apps/v1/namespaces/${NS}/deployments/airflow-${component}`);
      if ((d.body.status?.readyReplicas ?? 0) >= ready) return;
      assert.ok(Date.now() < until, `airflow-${component} not ${ready} ready after 60 s: ${d.text.slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  it('says "nothing deployed" (exit 3) when the namespace does not exist and AWS is not configured', async () => {
    const r = await cli(['status', ...kube()]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^nothing deployed: kwokdemo \(Airflow [\d.]+\) — nothing of ours in namespace airflow \(context kube-test\)$/m);
    assert.doesNotMatch(r.stderr, /reading stack/);
  });

  it('reports ready counts per component and is degraded (exit 1) while a component cannot schedule and health is unreachable', async () => {
    await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await post(`/apis/apps/v1/namespaces/${NS}/deployments`, deployment('api-server', 1));
    await post(`/apis/apps/v1/namespaces/${NS}/deployments`, deployment('scheduler', 2));
    await post(`/apis/apps/v1/namespaces/${NS}/deployments`, deployment('triggerer', 1));
    // No node carries this label: the pod stays Pending (Unschedulable).
    await post(`/apis/apps/v1/namespaces/${NS}/deployments`, deployment('dag-processor', 1, { nodeSelector: { 'no-such-node': 'true' } }));
    // A KubernetesExecutor task pod, as the executor labels it.
    await post(`/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'etl-extract-abc',
        namespace: NS,
        labels: { ...selectorLabels({ name: NAME }, 'worker'), kubernetes_executor: 'True' },
        annotations: { dag_id: 'etl', task_id: 'extract', run_id: 'manual__1', try_number: '1' },
      },
      spec: { containers: [{ name: 'base', image: IMAGE }] },
    });
    await waitReady('api-server', 1);
    await waitReady('scheduler', 2);
    await waitReady('triggerer', 1);

    const r = await cli(['status', ...kube()]);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^degraded: kwokdemo/m);
    assert.match(r.stdout, /^ {2}api-server {5}1\/1 ready {2}registry\.example\/airflow:3-test$/m);
    assert.match(r.stdout, /^ {2}scheduler {6}2\/2 ready/m);
    assert.match(r.stdout, /^ {2}dag-processor {2}0\/1 ready/m);
    assert.match(r.stdout, /^ {2}task pods {6}running 1, queued 0$/m);
    assert.match(r.stdout, /^ {2}- dag-processor: 0\/1 pods ready \(airflow-dag-processor-[\w-]+: Pending: Unschedulable\)$/m);
    assert.match(r.stdout, /^ {2}- Airflow health endpoint unreachable: HTTP 404/m);

    const j = await cli(['status', ...kube(), '--json']);
    assert.equal(j.code, 1, j.stderr);
    const data = JSON.parse(j.stdout) as {
      state: string;
      aws?: unknown;
      kube: { components: { component: string; ready: number; desired: number; images: string[] }[]; tasks: { running: number } };
    };
    assert.equal(data.state, 'degraded');
    assert.equal(data.aws, undefined);
    assert.deepEqual(
      data.kube.components.map((c) => [c.component, c.ready, c.desired]),
      [['api-server', 1, 1], ['scheduler', 2, 2], ['dag-processor', 0, 1], ['triggerer', 1, 1]],
    );
    assert.equal(data.kube.tasks.running, 1);
    assert.match(j.stderr, /reading namespace airflow on context kube-test/);
  });

  it('refuses an unknown component with "did you mean" (exit 2)', async () => {
    const r = await cli(['logs', 'schedulr', ...kube()]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown component "schedulr" — did you mean "scheduler"\?/);
  });

  it('says clearly when a task\'s pod is gone (exit 1), and which tries still have one', async () => {
    const gone = await cli(['logs', ...kube(), '--dag', 'etl', '--run', 'manual__2', '--task', 'extract']);
    assert.equal(gone.code, 1, gone.stderr);
    assert.match(gone.stderr, /no pod of task extract in run manual__2 of DAG etl in namespace airflow/);
    assert.match(gone.stderr, /then the log is read from the stack's bucket \(not with --kube-context/);
    const otherTry = await cli(['logs', ...kube(), '--dag', 'etl', '--run', 'manual__1', '--task', 'extract', '--try', '2']);
    assert.equal(otherTry.code, 1, otherTry.stderr);
    assert.match(otherTry.stderr, /pods remain for try 1: pass --try N/);
    const partial = await cli(['logs', ...kube(), '--dag', 'etl']);
    assert.equal(partial.code, 2, partial.stderr);
    assert.match(partial.stderr, /needs all of --dag, --run and --task/);
  });

  it('open: exit 1 without the UI Service, exit 2 naming --port when the local port is busy', async () => {
    const none = await cli(['open', ...kube(), '--no-browser', '--port', '1']);
    assert.equal(none.code, 1, none.stderr);
    assert.match(none.stderr, /no Service airflow\/airflow-api-server/);

    await post(`/api/v1/namespaces/${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'airflow-api-server', namespace: NS },
      spec: { selector: selectorLabels({ name: NAME }, 'api-server'), ports: [{ name: 'api', port: 8080, targetPort: 'api' }] },
    });
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const r = await cli(['open', ...kube(), '--no-browser', '--port', String(port)]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
      assert.match(r.stderr, /--port/);
    } finally {
      busy.close();
    }
  });
});
