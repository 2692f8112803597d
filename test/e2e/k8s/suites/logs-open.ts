/**
 * `airflow-aws logs` and `open` against REAL pods (the shared node of real-node.test.ts: control plane from
 * kube-cluster.ts + one kubelet/containerd node from kube-node.ts): component pods labelled as deploy labels them print known lines, a task pod carries the
 * KubernetesExecutor's annotations, and an HTTP server stands in for the api-server behind the real UI Service.
 * Proves the log streams (one pod, several pods with prefixes, -f until Ctrl-C, a task's pod) and that `open`
 * forwards an HTTP request from 127.0.0.1:PORT through the API server to the pod.
 *
 * Never skipped: a missing binary or image fails with what to run (scripts/testbed/setup.sh, docker.sh).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { selectorLabels, type KubeComponent } from '../../../../src/k8s/labels.js';
import { CLI, runCli, tempDir } from '../../../support/cli.js';
import { freePorts, type KubeResponse, type KubeTestCluster } from '../../../support/kube-cluster.js';
import type { KubeTestNode } from '../../../support/kube-node.js';
import { cleanNamespaces, createNamespace, type RealNode } from '../../../support/real-node.js';

const NS = 'airflow';
const NAME = 'nodedemo';
/** Python stand-in (scripts/testbed/docker.sh): python3 for the HTTP server, sh for the scripts. */
const PY_IMAGE = 'local/python:3.11-bookworm';
const RUN_ID = 'manual__2025-01-01T00:00:00+00:00';
const HEALTH = JSON.stringify({
  metadatabase: { status: 'healthy' },
  scheduler: { status: 'healthy', latest_scheduler_heartbeat: '2025-01-01T00:00:00+00:00' },
  triggerer: { status: 'unhealthy', latest_triggerer_heartbeat: '2025-01-01T00:00:00+00:00' },
  dag_processor: { status: 'healthy', latest_dag_processor_heartbeat: null },
});

function container(name: string, script: string, ports: { name: string; containerPort: number }[] = []): unknown {
  return { name, image: PY_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script], ports, resources: { requests: { cpu: '10m', memory: '32Mi' } } };
}

function deployment(component: KubeComponent, script: string, ports: { name: string; containerPort: number }[] = []): unknown {
  const labels = selectorLabels({ name: NAME }, component);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `airflow-${component}`, namespace: NS, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, enableServiceLinks: false, containers: [container(component, script, ports)] } },
    },
  };
}

/** The CLI as a long-running process (logs -f, open): its output so far, and Ctrl-C. */
interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  waitFor(stream: 'stdout' | 'stderr', re: RegExp, ms: number): Promise<RegExpMatchArray>;
  interrupt(): Promise<number | null>;
}

function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  exited.then(() => clearTimeout(killer), () => undefined);
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    async waitFor(stream, re, ms) {
      const until = Date.now() + ms;
      for (;;) {
        const m = out[stream].match(re);
        if (m) return m;
        if (child.exitCode !== null || Date.now() > until) {
          assert.fail(`no ${re} on ${stream} (exit ${child.exitCode}):\nstdout: ${out.stdout}\nstderr: ${out.stderr}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async interrupt() {
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** Registers the suite; `harness` returns the shared node once real-node.test.ts's before() has started it. */
export function logsOpenSuite(harness: () => RealNode): void {
  describe('airflow-aws logs / open on a real kubelet (CLI)', { timeout: 600_000 }, () => logsOpenTests(harness));
}

function logsOpenTests(harness: () => RealNode): void {
  let cluster: KubeTestCluster | undefined;
  let node: KubeTestNode | undefined;
  let project: string;

  before(async () => {
    ({ cluster, node } = harness());
    try {
      execFileSync('docker', ['image', 'inspect', PY_IMAGE], { stdio: 'ignore' });
    } catch {
      assert.fail(`Docker image ${PY_IMAGE} missing: run bash scripts/testbed/docker.sh (python stand-in image)`);
    }
    await node.importImages([PY_IMAGE]);
    project = tempDir();
    writeFileSync(path.join(project, 'airflow-aws.yaml'), `name: ${NAME}\nregion: eu-west-1\n`);

    const post = async (apiPath: string, body: unknown): Promise<void> => {
      const r = await cluster!.request('POST', apiPath, body);
      assert.equal(r.status, 201, r.text);
    };
    // The CLI's default namespace: the Airflow suite deploys there later, so after() removes it.
    await createNamespace(cluster, NS);
    await post(`/apis/apps/v1/namespaces/${NS}/deployments`, deployment('scheduler', 'echo "scheduler line one"; echo "scheduler line two"; exec sleep 3600'));
    await post(
      `/apis/apps/v1/namespaces/${NS}/deployments`,
      deployment(
        'api-server',
        [
          'mkdir -p /tmp/www/api/v2/monitor && echo "airflow ui stand-in" > /tmp/www/index.html',
          // Airflow 3's health report, served as a file at its path: what `status` reads through the service proxy.
          `echo '${HEALTH}' > /tmp/www/api/v2/monitor/health`,
          'cd /tmp/www && echo "api-server serving" && exec python3 -m http.server 8080',
        ].join(' && '),
        [{ name: 'api', containerPort: 8080 }],
      ),
    );
    await post(`/api/v1/namespaces/${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'airflow-api-server', namespace: NS },
      spec: { selector: selectorLabels({ name: NAME }, 'api-server'), ports: [{ name: 'api', port: 8080, targetPort: 'api' }] },
    });
    await post(`/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'etl-extract-1',
        namespace: NS,
        labels: { ...selectorLabels({ name: NAME }, 'worker'), kubernetes_executor: 'True' },
        annotations: { dag_id: 'etl', task_id: 'extract', run_id: RUN_ID, try_number: '1' },
      },
      spec: { restartPolicy: 'Never', containers: [container('base', 'echo "task extract ran in try 1"')] },
    });
    await waitUntil(`/apis/apps/v1/namespaces/${NS}/deployments/airflow-scheduler`, (s) => (s.readyReplicas ?? 0) >= 1);
    await waitUntil(`/apis/apps/v1/namespaces/${NS}/deployments/airflow-api-server`, (s) => (s.readyReplicas ?? 0) >= 1);
    await waitUntil(`/api/v1/namespaces/${NS}/pods/etl-extract-1`, (s) => s.phase === 'Succeeded');
  });

  /** Polls an object until its status satisfies `done`, failing with the object, the events and the kubelet's log. */
  async function waitUntil(apiPath: string, done: (s: { readyReplicas?: number; phase?: string }) => boolean): Promise<void> {
    const c: KubeTestCluster | undefined = cluster;
    assert.ok(c);
    const deadline = Date.now() + 180_000;
    for (;;) {
      const r: KubeResponse<{ status?: { readyReplicas?: number; phase?: string } }> = await c.request('GET', apiPath);
      if (done(r.body.status ?? {})) return;
      if (Date.now() > deadline) {
        const events: KubeResponse = await c.request('GET', `/api/v1/namespaces/${NS}/events`);
        assert.fail(`${apiPath} not ready: ${r.text.slice(-1500)}\nevents: ${events.text.slice(-2000)}\nkubelet: ${node?.logTail('kubelet', 20) ?? ''}`);
      }
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  after(async () => {
    await cleanNamespaces(harness(), [NS]);
  });

  const kube = () => ['--kube-context', 'kube-test', '--kubeconfig', cluster!.kubeconfigPath];
  const env = () => ({ HOME: project, AWS_ACCESS_KEY_ID: '', AWS_PROFILE: '' });

  it('logs COMPONENT prints that component\'s pod log, unprefixed (one pod)', async () => {
    const r = await runCli(['logs', 'scheduler', ...kube()], { cwd: project, env: env(), killAfterMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'scheduler line one\nscheduler line two\n');
  });

  it('logs without a component reads every component\'s pods, each line prefixed with its pod', async () => {
    const r = await runCli(['logs', ...kube(), '--tail', '1'], { cwd: project, env: env(), killAfterMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^airflow-scheduler-[\w-]+ +\| scheduler line two$/m);
    assert.match(r.stdout, /^airflow-api-server-[\w-]+ +\| api-server serving$/m);
    assert.doesNotMatch(r.stdout, /scheduler line one/);
  });

  it('logs -f streams until Ctrl-C, then exits 0', async () => {
    const run = startCli(['logs', 'scheduler', '-f', ...kube()], project, env());
    await run.waitFor('stdout', /scheduler line two/, 60_000);
    assert.equal(await run.interrupt(), 0, run.stderr());
  });

  it('logs --dag/--run/--task prints the task pod\'s log, found by its annotations', async () => {
    const r = await runCli(['logs', ...kube(), '--dag', 'etl', '--run', RUN_ID, '--task', 'extract'], { cwd: project, env: env(), killAfterMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'task extract ran in try 1\n');
    assert.match(r.stderr, /task extract try 1: pod etl-extract-1 \(Succeeded\)/);
  });

  it('open forwards 127.0.0.1:PORT to the api-server pod until Ctrl-C, and points at the password without printing it', async () => {
    const [port] = (await freePorts(1)) as [number];
    const run = startCli(['open', '--no-browser', '--port', String(port), ...kube()], project, env());
    await run.waitFor('stdout', new RegExp(`^http://localhost:${port}/$`, 'm'), 60_000);
    // Two requests: each opens its own port-forward stream.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'airflow ui stand-in\n');
    }
    assert.match(run.stderr(), /Airflow UI on http:\/\/localhost:\d+\/ → pod airflow-api-server-[\w-]+ port 8080/);
    // The hint follows the URL once `open` has loaded its Secret reader: on a loaded machine, after the requests above.
    await run.waitFor('stderr', /login: admin; password: kubectl -n airflow get secret airflow-secrets/, 60_000);
    assert.equal(await run.interrupt(), 0, run.stderr());
  });

  it('status reads Airflow\'s health report from the api-server pod through the service proxy', async () => {
    const r = await runCli(['status', '--json', ...kube()], { cwd: project, env: env(), killAfterMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    const s = JSON.parse(r.stdout) as { state: string; problems: string[]; kube: { health: unknown } };
    assert.deepEqual(s.kube.health, {
      reachable: true,
      components: [
        { name: 'metadatabase', status: 'healthy' },
        { name: 'scheduler', status: 'healthy', latestHeartbeat: '2025-01-01T00:00:00+00:00' },
        { name: 'dag_processor', status: 'healthy' },
        { name: 'triggerer', status: 'unhealthy', latestHeartbeat: '2025-01-01T00:00:00+00:00' },
      ],
    });
    assert.ok(s.problems.includes('Airflow reports triggerer unhealthy'), JSON.stringify(s.problems));
    assert.ok(s.problems.includes('dag-processor: no Deployment in namespace airflow'), JSON.stringify(s.problems));
  });
}
