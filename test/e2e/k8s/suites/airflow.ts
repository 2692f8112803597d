/**
 * Airflow really runs on Kubernetes: `airflow-aws deploy --kube-context ... --in-cluster-postgres` against the
 * shared real single-node cluster of real-node.test.ts (kube-cluster.ts control plane + kube-node.ts
 * kubelet/containerd/CNI/kube-proxy/CoreDNS), with the image `airflow-aws image build` makes, pushed to the
 * harness's htpasswd registry and pulled by the node the way an EKS node pulls from ECR (containerd + the kubelet's
 * image credential provider; no imagePullSecrets), and PostgreSQL on a static hostPath PV (its stand-in image
 * imported into the node: on EKS it is a public image).
 *
 * Proves what kwok cannot: the bootstrap, migration and admin Jobs' commands succeed; every component becomes
 * Ready through its real probes; the example DAG, triggered through the Airflow API, runs its task in a
 * KubernetesExecutor worker pod made from our pod template (the scheduler reaches the apiserver with its
 * service-account token, the worker reaches the execution API by its cluster DNS name) and succeeds; a task that
 * exceeds its memory limit is reported by `logs` and `status` as OOMKilled with the limit; a scheduler pod deleted
 * while a task pod runs is replaced and the new scheduler adopts that pod; a second deploy restarts nothing; a
 * deploy that changes a task-pod setting rolls the scheduler only and keeps every secret; last, the 3.x namespace
 * goes and the 2.x line (its own image and namespace) deploys on the same cluster and runs hello in a worker pod.
 * The 3.x deployment is the one EKS gets: DAGs in the stack's bucket (S3 bundle, on moto) and credentials by Pod
 * Identity, so the bucket checks (./bucket.ts) run against it too. Its DAGs (hello, oom, adopt, from_bucket) reach
 * the cluster through `dags deploy`, the image holds none; oom and adopt run only when their tests trigger them.
 * Never skipped: a missing binary, package or image fails with what to run.
 *
 * Minutes on a 2-core machine (image build with a cached wheelhouse, migrations, Airflow start-up). Leaves no
 * namespace behind and recycles the PVs its PostgreSQL claims.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import type { KubeTestCluster } from '../../../support/kube-cluster.js';
import { deployedAdminPassword, deployedAirflowUrl } from '../../../support/kube-airflow.js';
import { buildAirflowProjectImage, ensureK8sPostgresImage, pushToRegistry } from '../../../support/kube-images.js';
import type { KubeTestNode } from '../../../support/kube-node.js';
import type { ImageProject } from '../../../support/image-project.js';
import { cleanNamespaces, REGISTRY_USER, type RealNode } from '../../../support/real-node.js';
import { BROKEN_DAGS, BUCKET_DAG, BUCKET_DAG_FILE, bucketChecks, bundleUploadCheck, startBucketPeers, type BucketDeployment, type BucketPeers } from './bucket.js';

const AIRFLOW = '3.3.2';
/** The 2.x line (2.9–2.11 supported): deployed last, on the same cluster, once the 3.x deployment is gone. */
const AIRFLOW2 = '2.9.0';
const NS = 'airflow';
/** The 3.x project: its stack on moto is `nodetest-airflow`, holding the bucket. */
const PROJECT = 'nodetest';
/** The 2.x line's namespace. */
const NS2 = 'airflow2';
/**
 * One api-server (webserver) replica in both projects, not the default two: the node shares two cores with the rest
 * of the test run, and each replica is five processes importing Airflow (four API workers). What a second replica
 * changes, the rollout strategy and the disruption budget, is pure planning (test/unit/k8s).
 */
const ONE_API_SERVER = ['kubernetes:', '  apiServer:', '    replicas: 1', ''].join('\n');

/** Sets one key of a project's airflow-aws.yaml, keeping the rest (the file has a `kubernetes:` mapping already). */
async function setConfig(dir: string, keyPath: readonly string[], value: string): Promise<void> {
  const file = path.join(dir, 'airflow-aws.yaml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  doc.setIn(keyPath, value);
  await writeFile(file, doc.toString());
}

/**
 * Triggered only by the OOM test: its one task writes 1 GiB (bytes * n touches every page, so the memory is really
 * used), twice the 512Mi limit the pod template gives a task pod.
 */
const OOM_DAG = `from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def oom():
    @task(retries=0)
    def eat():
        chunks = []
        for _ in range(16):
            chunks.append(b"x" * (64 << 20))
        print("allocated", len(chunks))

    eat()


oom()
`;
/** A test-only finalizer that keeps a task pod readable after the executor deletes it (see the OOM test). */
const HOLD = 'airflow-aws.test/hold';

/**
 * Triggered only by the adoption test: its task runs until the test sets the Variable `adopt_release`, so the
 * scheduler can be replaced while the task's pod runs, with no sleep sized to a guess.
 */
const ADOPT_DAG = `from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def adopt():
    @task(retries=0)
    def hold():
        import time

        from airflow.sdk import Variable

        deadline = time.monotonic() + 900
        while Variable.get("adopt_release", default=None) is None:
            if time.monotonic() > deadline:
                raise TimeoutError("Variable adopt_release was never set")
            time.sleep(2)
        print("released")

    hold()


adopt()
`;

interface Condition {
  type: string;
  status: string;
}
interface Workload {
  metadata: { name: string };
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; availableReplicas?: number; succeeded?: number; conditions?: Condition[] };
}
interface PodItem {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: {
    serviceAccountName?: string;
    automountServiceAccountToken?: boolean;
    securityContext?: Record<string, unknown>;
    containers: { name: string; image: string; resources?: unknown; securityContext?: Record<string, unknown> }[];
  };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: { name: string; ready: boolean; restartCount: number; state?: unknown; lastState?: unknown }[];
  };
}

/** Registers the suite; `harness` returns the shared node once real-node.test.ts's before() has started it. */
export function airflowSuite(harness: () => RealNode): void {
  describe(`Airflow ${AIRFLOW} deployed to a real single-node cluster`, { timeout: 3_600_000 }, () => airflowTests(harness));
}

function airflowTests(harness: () => RealNode): void {
  let cluster: KubeTestCluster | undefined;
  let node: KubeTestNode | undefined;
  let project: ImageProject | undefined;
  let image = '';
  let project2: ImageProject | undefined;
  let image2 = '';
  let pgImage = '';
  let peers: BucketPeers | undefined;
  const timings: Record<string, number> = {};

  before(async () => {
    const shared = harness();
    ({ cluster, node } = shared);
    let t = Date.now();
    // S3 and Pod Identity first: the project's config names moto's endpoint, and the webhook must see every pod.
    peers = await startBucketPeers(shared.cluster, PROJECT, NS);
    timings['moto and Pod Identity'] = Date.now() - t;
    t = Date.now();
    const built = await buildAirflowProjectImage(AIRFLOW, PROJECT, { 'oom.py': OOM_DAG, 'adopt.py': ADOPT_DAG }, peers.config + ONE_API_SERVER);
    project = built.project;
    // After the build: only the bundle can bring this DAG to the cluster.
    await writeFile(path.join(project.dir, 'dags', BUCKET_DAG_FILE), BUCKET_DAG);
    for (const [file, text] of Object.entries(BROKEN_DAGS)) {
      await mkdir(path.dirname(path.join(project.dir, 'dags', file)), { recursive: true });
      await writeFile(path.join(project.dir, 'dags', file), text);
    }
    const built2 = await buildAirflowProjectImage(AIRFLOW2, 'nodetest2', {}, ONE_API_SERVER);
    project2 = built2.project;
    pgImage = await ensureK8sPostgresImage();
    timings['images built'] = Date.now() - t;
    t = Date.now();
    image = await pushToRegistry(built.image, shared.registry, REGISTRY_USER);
    image2 = await pushToRegistry(built2.image, shared.registry, REGISTRY_USER);
    timings['image pushed to the registry'] = Date.now() - t;
    t = Date.now();
    // In-cluster PostgreSQL's image is public on EKS; here it is copied into the node.
    await node.importImages([pgImage]);
    // containerd's store outlives a run: drop the name, so the deploy really pulls through the registry.
    await node.forgetImages([image, image2]);
    timings['PostgreSQL image imported into the node'] = Date.now() - t;
  });

  after(async () => {
    process.stderr.write(`# timings (ms): ${JSON.stringify(timings)}\n`);
    try {
      await cleanNamespaces(harness(), [NS, NS2]);
    } finally {
      await peers?.stop();
      for (const p of [project, project2]) if (p) await rm(p.dir, { recursive: true, force: true });
    }
  });

  const c = (): KubeTestCluster => {
    assert.ok(cluster);
    return cluster;
  };
  /** The 3.x project's CLI, with the user's AWS credentials (moto's): deploy reads the stack's bucket with them. */
  const cli = (args: string[], ms?: number) => {
    assert.ok(project && peers);
    return project.cli(args, ms, peers.moto.env);
  };
  const kubeFlags = (): string[] => ['--kubeconfig', c().kubeconfigPath, '--kube-context', 'kube-test'];
  const bucketDeployment = (): BucketDeployment => {
    assert.ok(peers);
    return { cluster: c(), namespace: NS, peers, cli, kube: kubeFlags() };
  };

  type ApiCall = <T>(method: string, url: string, body?: unknown) => Promise<{ status: number; body: T; text: string }>;
  let apiClient: ApiCall | undefined;
  /** The Airflow API through its ClusterIP Service (kube-proxy serves Service IPs to the node itself too), logged in as admin. */
  async function airflowApi(): Promise<ApiCall> {
    if (apiClient) return apiClient;
    const base = await deployedAirflowUrl(c(), NS);
    const password = await deployedAdminPassword(c(), NS);
    let token = '';
    const api: ApiCall = async <T>(method: string, url: string, body?: unknown) => {
      // 120 s: the node shares two cores with the rest of the test run, and a request once took over 30 s there.
      const res = await fetch(`${base}${url}`, {
        method,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      }).catch((e: unknown) => {
        throw new Error(`${method} ${url}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed as T, text };
    };
    const login = await api<{ access_token: string }>('POST', '/auth/token', { username: 'admin', password });
    assert.ok(login.status === 200 || login.status === 201, `POST /auth/token: ${login.status} ${login.text}`);
    token = login.body.access_token;
    apiClient = api;
    return api;
  }

  /** Waits for DAG `dagId` to be parsed, unpauses it and triggers a run; returns the run id. */
  async function triggerDag(api: ApiCall, dagId: string): Promise<string> {
    const deadline = Date.now() + 300_000;
    while ((await api('GET', `/api/v2/dags/${dagId}`)).status !== 200) {
      if (Date.now() > deadline) assert.fail(`DAG ${dagId} not parsed after 300 s\n${await diagnostics()}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    const unpause = await api('PATCH', `/api/v2/dags/${dagId}`, { is_paused: false });
    assert.equal(unpause.status, 200, unpause.text);
    const trig = await api<{ dag_run_id: string }>('POST', `/api/v2/dags/${dagId}/dagRuns`, { logical_date: null });
    assert.equal(trig.status, 200, trig.text);
    return trig.body.dag_run_id;
  }

  /** Pods, events and the node's logs: what a failure needs to be understood. */
  async function diagnostics(ns = NS): Promise<string> {
    const pods = await c().kubectl(['-n', ns, 'get', 'pods,pvc,jobs', '-o', 'wide']);
    const events = await c().kubectl(['-n', ns, 'get', 'events', '--sort-by=.lastTimestamp']);
    const logs: string[] = [];
    const list = await c().request<{ items: PodItem[] }>('GET', `/api/v1/namespaces/${ns}/pods`);
    for (const p of list.body.items ?? []) {
      if (p.status?.containerStatuses?.every((s) => s.ready)) continue;
      for (const s of p.status?.containerStatuses ?? []) {
        const l = await c().request('GET', `/api/v1/namespaces/${ns}/pods/${p.metadata.name}/log?container=${s.name}&tailLines=30`);
        logs.push(`--- ${p.metadata.name}/${s.name} (restarts ${s.restartCount}): ${JSON.stringify(s.state)}\n${l.text}`);
      }
    }
    return `${pods.stdout}\n${events.stdout.slice(-4000)}\n${logs.join('\n').slice(-8000)}\nkubelet:\n${node?.logTail('kubelet', 20) ?? ''}`;
  }

  /**
   * Airflow's own long-running pods (name -> `uid restarts=N`). Task pods come and go on the executor's schedule, and a
   * pod already being deleted is on its way out.
   */
  /**
   * The snapshot after a deploy, where a container that the kubelet restarted for failing its liveness probe counts
   * as it was before (and is reported). A deploy cannot restart a container in place — a changed pod spec makes a new
   * pod, with a new UID — but on a 2-core node shared with the rest of the test run, an `airflow jobs check` liveness
   * exec can time out five times in a row, and that restart is the machine's load, not the deploy.
   */
  async function snapshotAfter(before: Map<string, string>): Promise<Map<string, string>> {
    const after = await snapshot();
    for (const [name, now] of after) {
      const was = before.get(name);
      if (!was || was === now || was.split(' ')[0] !== now.split(' ')[0]) continue;
      const selector = encodeURIComponent(`involvedObject.name=${name},reason=Killing`);
      const events = await c().request<{ items: { message?: string }[] }>('GET', `/api/v1/namespaces/${NS}/events?fieldSelector=${selector}`);
      const liveness = events.body.items.map((e) => e.message ?? '').filter((m) => /failed liveness probe/.test(m));
      if (liveness.length === 0) continue;
      process.stderr.write(`# ${name}: ${now.split(' ')[1]} after the deploy, by its liveness probe (${liveness[0]}), not by the deploy\n`);
      after.set(name, was);
    }
    return after;
  }

  async function snapshot(): Promise<Map<string, string>> {
    const pods = await c().request<{ items: (PodItem & { metadata: { uid: string; deletionTimestamp?: string } })[] }>('GET', `/api/v1/namespaces/${NS}/pods`);
    const m = new Map<string, string>();
    for (const p of pods.body.items) {
      if (p.status?.phase !== 'Running' || p.metadata.deletionTimestamp || p.metadata.labels?.['app.kubernetes.io/component'] === 'worker') continue;
      m.set(p.metadata.name, `${p.metadata.uid} restarts=${(p.status.containerStatuses ?? []).map((x) => x.restartCount).join(',')}`);
    }
    return m;
  }

  bundleUploadCheck(bucketDeployment);

  it('deploy --kube-context --in-cluster-postgres runs the Jobs and every component becomes Ready through its probes', async () => {
    assert.ok(project);
    const t = Date.now();
    const r = await cli(
      [
        // --verbose: the engine's `done in N s: <wait>` lines, printed below (where a deploy's minutes go).
        '--verbose',
        'deploy',
        '--kubeconfig', c().kubeconfigPath,
        '--kube-context', 'kube-test',
        '--in-cluster-postgres',
        '--postgres-image', pgImage,
        '--image', image,
        '--timeout', '1200',
        '--json',
      ],
      1_800_000,
    );
    timings['deploy to all Ready'] = Date.now() - t;
    await writeFile(path.join(project.dir, 'deploy.stderr'), r.stderr);
    if (r.code !== 0) assert.fail(`deploy exited ${r.code}:\n${r.stderr.slice(-6000)}\n${await diagnostics()}`);

    // The CLI waited for the rollout; check for ourselves what a real cluster says.
    const jobs = await c().request<{ items: Workload[] }>('GET', `/apis/batch/v1/namespaces/${NS}/jobs`);
    assert.ok(jobs.body.items.length >= 3, `expected the bootstrap, migration and admin Jobs: ${jobs.text.slice(0, 2000)}`);
    for (const j of jobs.body.items) {
      const complete = j.status?.conditions?.some((x) => x.type === 'Complete' && x.status === 'True') ?? false;
      assert.ok(complete, `Job ${j.metadata.name} not Complete: ${JSON.stringify(j.status)}`);
    }
    const deps = await c().request<{ items: Workload[] }>('GET', `/apis/apps/v1/namespaces/${NS}/deployments`);
    assert.ok(deps.body.items.length >= 4, deps.text.slice(0, 2000));
    for (const d of deps.body.items) {
      assert.equal(d.status?.readyReplicas, d.spec?.replicas, `Deployment ${d.metadata.name}: ${JSON.stringify(d.status)}`);
    }
    const sts = await c().request<Workload>('GET', `/apis/apps/v1/namespaces/${NS}/statefulsets/airflow-postgresql`);
    assert.equal(sts.body.status?.readyReplicas, 1, JSON.stringify(sts.body.status));
    const pods = await c().request<{ items: PodItem[] }>('GET', `/api/v1/namespaces/${NS}/pods`);
    const running = pods.body.items.filter((p) => p.status?.phase === 'Running');
    for (const p of running) {
      const ready = p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
      assert.ok(ready, `pod ${p.metadata.name} Running but not Ready: ${JSON.stringify(p.status)}`);
    }
    // The node pulled the image from the registry (nothing imported it), with the credential provider's login.
    const pulls = await c().request<{ items: { reason: string; message: string }[] }>('GET', `/api/v1/namespaces/${NS}/events?fieldSelector=${encodeURIComponent('reason=Pulled')}`);
    const pulled = pulls.body.items.map((e) => e.message).filter((m) => m.includes(image));
    assert.ok(pulled.some((m) => m.startsWith('Successfully pulled image')), `no pull of ${image}: ${JSON.stringify(pulls.body.items.map((e) => e.message))}`);
    process.stderr.write(`# pulled: ${pulled.find((m) => m.startsWith('Successfully pulled image'))}\n`);
    process.stderr.write(`${r.stderr.split('\n').filter((l) => /^\s*done in /.test(l)).map((l) => `# deploy: ${l.trim()}`).join('\n')}\n`);
    process.stderr.write(`# deploy to all Ready in ${timings['deploy to all Ready']} ms; running pods: ${running.map((p) => p.metadata.name).join(', ')}\n`);
  });

  it('runs the example DAG through the API: its task runs in a worker pod made from the pod template and succeeds', async () => {
    const api = await airflowApi();
    const until = (ms: number): number => Date.now() + ms;
    const t = Date.now();
    const runId = await triggerDag(api, 'hello');

    // Watch for the task's pod while the run goes on (the executor deletes it once it has finished).
    let workerPod: PodItem | undefined;
    let lastPhase = '';
    let runningAt = 0;
    let state = '';
    const deadline = until(900_000);
    for (;;) {
      const pods = await c().request<{ items: PodItem[] }>('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent('dag_id=hello')}`);
      const p = pods.body.items?.[0];
      if (p) {
        workerPod ??= p;
        lastPhase = p.status?.phase ?? lastPhase;
        if (lastPhase === 'Running' && runningAt === 0) runningAt = Date.now();
      }
      const run = await api<{ state: string }>('GET', `/api/v2/dags/hello/dagRuns/${encodeURIComponent(runId)}`);
      state = run.body.state;
      if (state === 'success' || state === 'failed') break;
      if (Date.now() > deadline) assert.fail(`run ${runId} still ${state} after 900 s\n${await diagnostics()}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    timings['DAG run triggered -> success'] = Date.now() - t;
    if (runningAt) timings['trigger -> worker pod Running'] = runningAt - t;
    const tis = await api<{ task_instances: { task_id: string; state: string }[] }>('GET', `/api/v2/dags/hello/dagRuns/${encodeURIComponent(runId)}/taskInstances`);
    const logs = await api<unknown>('GET', `/api/v2/dags/hello/dagRuns/${encodeURIComponent(runId)}/taskInstances/say/logs/1`);
    process.stderr.write(`# task log (${logs.status}): ${logs.text.slice(0, 1500)}\n`);
    if (state !== 'success') assert.fail(`run ${runId} ${state}: ${tis.text}\nlog: ${logs.text.slice(-3000)}\n${await diagnostics()}`);
    assert.deepEqual(tis.body.task_instances.map((x) => [x.task_id, x.state]), [['say', 'success']]);

    // The pod came from our pod template: its labels, service account, resources and security context.
    assert.ok(workerPod, 'no worker pod with label dag_id=hello was seen while the run went on');
    const labels = workerPod.metadata.labels ?? {};
    assert.equal(labels['app.kubernetes.io/name'], 'airflow', JSON.stringify(labels));
    assert.equal(labels['app.kubernetes.io/component'], 'worker', JSON.stringify(labels));
    assert.equal(labels['task_id'], 'say', JSON.stringify(labels));
    assert.equal(workerPod.spec?.serviceAccountName, 'airflow-worker');
    assert.equal(workerPod.spec?.automountServiceAccountToken, false);
    assert.equal(workerPod.spec?.securityContext?.['runAsNonRoot'], true);
    assert.equal(workerPod.spec?.securityContext?.['runAsUser'], 50000);
    const main = workerPod.spec?.containers.find((x) => x.name === 'base');
    assert.ok(main, JSON.stringify(workerPod.spec));
    assert.equal(main.image, image);
    assert.deepEqual(main.resources, { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    assert.equal(main.securityContext?.['allowPrivilegeEscalation'], false);
    assert.deepEqual(main.securityContext?.['capabilities'], { drop: ['ALL'] });
    process.stderr.write(`# worker pod ${workerPod.metadata.name}: last phase seen ${lastPhase}; run ${runId} success in ${timings['DAG run triggered -> success']} ms\n`);
  });

  bucketChecks(bucketDeployment);

  it('a task that exceeds its memory limit: logs and status say OOMKilled and the limit (512Mi)', async () => {
    assert.ok(project);
    const api = await airflowApi();
    const t = Date.now();
    const runId = await triggerDag(api, 'oom');
    const podsPath = `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent('dag_id=oom')}`;
    // This host is cgroup v1: the kernel kills only the biggest process of the container (the task's), Airflow's
    // supervisor reports the task failed and exits 0, the pod ends Succeeded (reason OOMKilled, exit code 0), and the
    // executor deletes it at once. (On cgroup v2 nodes, e.g. EKS AL2023, the kernel kills the whole container: the
    // pod fails with exit code 137 and the executor keeps it, delete_worker_pods_on_failure being False.) A test-only
    // finalizer keeps the pod readable after that delete, so the CLI reads what the kubelet really reported.
    let held = '';
    try {
      let state = '';
      const deadline = Date.now() + 600_000;
      for (;;) {
        if (!held) {
          const p = (await c().request<{ items: PodItem[] }>('GET', podsPath)).body.items?.[0];
          if (p) {
            const patch = await c().request('PATCH', `/api/v1/namespaces/${NS}/pods/${p.metadata.name}`, { metadata: { finalizers: [HOLD] } }, { contentType: 'application/merge-patch+json' });
            assert.equal(patch.status, 200, patch.text);
            held = p.metadata.name;
          }
        }
        state = (await api<{ state: string }>('GET', `/api/v2/dags/oom/dagRuns/${encodeURIComponent(runId)}`)).body.state;
        if (state === 'success' || state === 'failed') break;
        if (Date.now() > deadline) assert.fail(`run ${runId} still ${state} after 600 s\n${await diagnostics()}`);
        await new Promise((r) => setTimeout(r, held ? 1000 : 250));
      }
      timings['OOM run triggered -> failed'] = Date.now() - t;
      assert.equal(state, 'failed', `the OOM run ended ${state}`);
      assert.ok(held, 'no worker pod with label dag_id=oom was seen');

      // What the real kubelet reported for the task's container (the run can fail before the container has ended).
      type Ended = { reason?: string; exitCode?: number };
      const ended = (p: PodItem): Ended | undefined =>
        (p.status?.containerStatuses?.find((x) => x.name === 'base')?.state as { terminated?: Ended } | undefined)?.terminated;
      let pod = await c().request<PodItem>('GET', `/api/v1/namespaces/${NS}/pods/${held}`);
      for (const until = Date.now() + 120_000; !ended(pod.body) && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 1000));
        pod = await c().request<PodItem>('GET', `/api/v1/namespaces/${NS}/pods/${held}`);
      }
      const terminated = ended(pod.body);
      assert.equal(terminated?.reason, 'OOMKilled', JSON.stringify(pod.body.status));
      process.stderr.write(`# OOM pod ${held}: phase ${pod.body.status?.phase}, base terminated ${JSON.stringify(terminated)}\n`);

      const kube = ['--kubeconfig', c().kubeconfigPath, '--kube-context', 'kube-test'];
      const logs = await cli(['logs', ...kube, '--dag', 'oom', '--run', runId, '--task', 'eat'], 120_000);
      assert.equal(logs.code, 0, logs.stderr);
      // The log first (Airflow's supervisor saw its task process die by SIGKILL: exit code -9), then our reading of the pod.
      assert.match(logs.stdout, /"event":"Workload finished".*"exit_code":-9.*"final_state":"failed"/, logs.stdout.slice(-3000));
      assert.match(logs.stderr, new RegExp(`task pod ${held}: OOMKilled — exceeded the memory limit of 512Mi \\(container base, exit code ${terminated?.exitCode}`), logs.stderr);
      assert.match(logs.stderr, /kubernetes\.workers\.memory/);

      const status = await cli(['status', ...kube], 120_000);
      assert.match(status.stdout, new RegExp(`task pod +${held} \\(oom\\.eat, run ${runId.replace(/[.+]/g, '\\$&')}, try 1\\): OOMKilled — exceeded the memory limit of 512Mi`), `${status.stdout}\n${status.stderr}`);
      const json = await cli(['status', '--json', ...kube], 120_000);
      const problems = (JSON.parse(json.stdout) as { kube: { tasks: { problems: { pod: string; dagId: string; taskId: string; kind: string; text: string }[] } } }).kube.tasks.problems;
      const mine = problems.find((x) => x.pod === held);
      assert.deepEqual(mine && [mine.dagId, mine.taskId, mine.kind], ['oom', 'eat', 'oom-killed'], JSON.stringify(problems));
      timings['OOM test'] = Date.now() - t;
      process.stderr.write(`# OOM: ${logs.stderr.split('\n').filter((l) => l.includes('OOMKilled')).join(' | ')}\n`);
    } finally {
      if (held) await c().request('PATCH', `/api/v1/namespaces/${NS}/pods/${held}`, { metadata: { finalizers: null } }, { contentType: 'application/merge-patch+json' });
    }
  });

  it('the scheduler pod is deleted while a task pod runs: the new scheduler adopts that pod and the run succeeds', async () => {
    const api = await airflowApi();
    const t = Date.now();
    const runId = await triggerDag(api, 'adopt');
    type Pod = PodItem & { metadata: { uid: string; deletionTimestamp?: string } };
    const pods = async (selector: string): Promise<Pod[]> =>
      (await c().request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`)).body.items ?? [];
    const ready = (p: Pod): boolean => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
    const waitFor = async <T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> => {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > deadline) assert.fail(`${what} after ${ms / 1000} s\n${await diagnostics()}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    };

    const worker = await waitFor('the adopt task pod is not Running', 600_000, async () => (await pods('dag_id=adopt')).find((p) => p.status?.phase === 'Running'));
    // The KubernetesExecutor labels its pods with its scheduler job's id; adoption relabels them with the new one's.
    const firstOwner = worker.metadata.labels?.['airflow-worker'];
    assert.ok(firstOwner, JSON.stringify(worker.metadata.labels));
    const [oldScheduler, ...more] = await pods('app.kubernetes.io/component=scheduler');
    assert.ok(oldScheduler && more.length === 0, 'expected one scheduler pod');
    const del = await c().request('DELETE', `/api/v1/namespaces/${NS}/pods/${oldScheduler.metadata.name}`);
    assert.equal(del.status, 200, del.text);
    const tDeleted = Date.now();

    const newScheduler = await waitFor('no new scheduler pod Ready', 600_000, async () =>
      (await pods('app.kubernetes.io/component=scheduler')).find((p) => p.metadata.uid !== oldScheduler.metadata.uid && !p.metadata.deletionTimestamp && ready(p)),
    );
    timings['scheduler pod deleted -> new one Ready'] = Date.now() - tDeleted;
    const adopted = await waitFor('the task pod was not adopted by the new scheduler', 300_000, async () => {
      const p = (await pods('dag_id=adopt')).find((x) => x.metadata.uid === worker.metadata.uid);
      const owner = p?.metadata.labels?.['airflow-worker'];
      return owner && owner !== firstOwner ? p : undefined;
    });
    timings['scheduler pod deleted -> task pod adopted'] = Date.now() - tDeleted;
    // Adopted while still running: the same pod, never restarted, and no second pod for the task.
    assert.equal(adopted.status?.phase, 'Running', JSON.stringify(adopted.status));
    assert.deepEqual(adopted.status?.containerStatuses?.map((x) => x.restartCount), [0]);
    assert.deepEqual((await pods('dag_id=adopt')).map((p) => p.metadata.uid), [worker.metadata.uid]);

    const release = await api('POST', '/api/v2/variables', { key: 'adopt_release', value: runId });
    assert.ok(release.status === 200 || release.status === 201, `POST /api/v2/variables: ${release.status} ${release.text}`);
    const state = await waitFor('the adopt run did not end', 600_000, async () => {
      const s = (await api<{ state: string }>('GET', `/api/v2/dags/adopt/dagRuns/${encodeURIComponent(runId)}`)).body.state;
      return s === 'success' || s === 'failed' ? s : undefined;
    });
    const tis = await api<{ task_instances: { task_id: string; state: string; try_number: number }[] }>('GET', `/api/v2/dags/adopt/dagRuns/${encodeURIComponent(runId)}/taskInstances`);
    assert.equal(state, 'success', tis.text);
    assert.deepEqual(tis.body.task_instances.map((x) => [x.task_id, x.state, x.try_number]), [['hold', 'success', 1]]);
    timings['adoption test'] = Date.now() - t;
    process.stderr.write(
      `# adoption: scheduler ${oldScheduler.metadata.name} -> ${newScheduler.metadata.name}; pod ${worker.metadata.name} airflow-worker ${firstOwner} -> ${adopted.metadata.labels?.['airflow-worker']}\n`,
    );
  });

  it('a second deploy with the same inputs restarts no pod (same UIDs, no restarts)', async () => {
    assert.ok(project);
    const before = await snapshot();
    // PostgreSQL, one api-server, the scheduler, the dag-processor and the triggerer.
    assert.equal(before.size, 5, JSON.stringify([...before]));
    const t = Date.now();
    const r = await cli(
      ['deploy', '--kubeconfig', c().kubeconfigPath, '--kube-context', 'kube-test', '--in-cluster-postgres', '--postgres-image', pgImage, '--image', image, '--timeout', '600', '--json'],
      900_000,
    );
    timings['second deploy'] = Date.now() - t;
    if (r.code !== 0) assert.fail(`second deploy exited ${r.code}:\n${r.stderr.slice(-4000)}`);
    const report = JSON.parse(r.stdout) as { changed: number; changes: { ref: string; action: string }[] };
    process.stderr.write(`# second deploy: ${report.changed} changed ${JSON.stringify(report.changes.filter((x) => x.action !== 'unchanged'))}\n`);
    assert.deepEqual([...(await snapshotAfter(before))].sort(), [...before].sort());
  });

  it('a deploy that changes a task-pod setting (kubernetes.workers.memory) rolls only the scheduler and keeps every secret', async () => {
    assert.ok(project);
    const secrets = async (): Promise<Map<string, string>> => {
      const list = await c().request<{ items: { metadata: { name: string }; data?: Record<string, string> }[] }>('GET', `/api/v1/namespaces/${NS}/secrets`);
      return new Map(list.body.items.map((x) => [x.metadata.name, JSON.stringify(x.data ?? {})]));
    };
    const podsBefore = await snapshot();
    const secretsBefore = await secrets();
    assert.ok(secretsBefore.has('airflow-secrets'), JSON.stringify([...secretsBefore.keys()]));
    // Only the executor's pod template uses it; the scheduler mounts that template, nothing else does.
    await setConfig(project.dir, ['kubernetes', 'workers', 'memory'], '768Mi');
    const t = Date.now();
    const r = await cli(
      ['deploy', '--kubeconfig', c().kubeconfigPath, '--kube-context', 'kube-test', '--in-cluster-postgres', '--postgres-image', pgImage, '--image', image, '--timeout', '900', '--json'],
      1_200_000,
    );
    timings['deploy with a task-pod setting changed'] = Date.now() - t;
    if (r.code !== 0) assert.fail(`deploy exited ${r.code}:\n${r.stderr.slice(-4000)}\n${await diagnostics()}`);
    const report = JSON.parse(r.stdout) as { changed: number; changes: { ref: string; action: string }[] };
    const changed = report.changes.filter((x) => x.action !== 'unchanged');
    process.stderr.write(`# deploy with workers.memory 768Mi: ${report.changed} changed ${JSON.stringify(changed)}\n`);

    const podsAfter = await snapshotAfter(podsBefore);
    const isScheduler = (name: string): boolean => name.startsWith('airflow-scheduler-');
    const others = (m: Map<string, string>): string[] => [...m].filter(([name]) => !isScheduler(name)).map(([n, v]) => `${n} ${v}`).sort();
    // Every other pod is the same pod, never restarted; the scheduler pod is a new one.
    assert.deepEqual(others(podsAfter), others(podsBefore));
    const schedulers = (m: Map<string, string>): string[] => [...m].filter(([name]) => isScheduler(name)).map(([, v]) => v.split(' ')[0] ?? '');
    const [oldUid] = schedulers(podsBefore);
    const [newUid, ...extra] = schedulers(podsAfter);
    assert.ok(oldUid && newUid && extra.length === 0, `schedulers before ${JSON.stringify([...podsBefore])} after ${JSON.stringify([...podsAfter])}`);
    assert.notEqual(newUid, oldUid, 'the scheduler pod was not replaced');
    assert.deepEqual([...(await secrets())].sort(), [...secretsBefore].sort(), 'a secret value changed');
    const tpl = await c().request<{ data: Record<string, string> }>('GET', `/api/v1/namespaces/${NS}/configmaps/airflow-pod-template`);
    assert.match(tpl.body.data['pod_template_file.yaml'] ?? '', /memory: 768Mi/);
  });

  it(`the 2.x line (Airflow ${AIRFLOW2}) deploys to the same cluster and runs the example DAG in a worker pod`, async () => {
    assert.ok(project2);
    // The 2-core node has room for one Airflow: the 3.x deployment goes (its namespace with it) while 2.x deploys.
    const gone = await c().request('DELETE', `/api/v1/namespaces/${NS}`);
    assert.ok(gone.status === 200 || gone.status === 202, gone.text);
    await setConfig(project2.dir, ['kubernetes', 'namespace'], NS2);
    let t = Date.now();
    const r = await project2.cli(
      ['deploy', '--kubeconfig', c().kubeconfigPath, '--kube-context', 'kube-test', '--in-cluster-postgres', '--postgres-image', pgImage, '--image', image2, '--timeout', '1200', '--json'],
      1_800_000,
    );
    timings['2.x deploy to all Ready'] = Date.now() - t;
    if (r.code !== 0) assert.fail(`2.x deploy exited ${r.code}:\n${r.stderr.slice(-6000)}\n${await diagnostics(NS2)}`);
    const deps = await c().request<{ items: Workload[] }>('GET', `/apis/apps/v1/namespaces/${NS2}/deployments`);
    assert.deepEqual(deps.body.items.map((d) => d.metadata.name).sort(), ['airflow-scheduler', 'airflow-triggerer', 'airflow-webserver']);
    for (const d of deps.body.items) assert.equal(d.status?.readyReplicas, d.spec?.replicas, `Deployment ${d.metadata.name}: ${JSON.stringify(d.status)}`);

    // Airflow 2's REST API takes session logins only (no basic_auth backend is configured), so the Airflow CLI in the
    // scheduler pod unpauses and triggers the DAG, as an operator would.
    const scheduler = (await c().request<{ items: PodItem[] }>('GET', `/api/v1/namespaces/${NS2}/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/component=scheduler')}`)).body.items.find(
      (p) => p.status?.phase === 'Running',
    );
    assert.ok(scheduler, 'no Running 2.x scheduler pod');
    const airflow = (args: string[]) => c().kubectl(['-n', NS2, 'exec', scheduler.metadata.name, '-c', 'scheduler', '--', 'airflow', ...args], { timeoutMs: 240_000 });
    t = Date.now();
    let unpause = await airflow(['dags', 'unpause', 'hello']);
    for (const until = Date.now() + 300_000; unpause.code !== 0 && Date.now() < until; ) {
      await new Promise((res) => setTimeout(res, 5000));
      unpause = await airflow(['dags', 'unpause', 'hello']);
    }
    assert.equal(unpause.code, 0, `${unpause.stdout}\n${unpause.stderr}`);
    const trig = await airflow(['dags', 'trigger', 'hello']);
    assert.equal(trig.code, 0, `${trig.stdout}\n${trig.stderr}`);

    // Task pods live seconds: look for them every second while the run goes on.
    let workerPod: PodItem | undefined;
    const watch = setInterval(() => {
      if (workerPod) return;
      c()
        .request<{ items: PodItem[] }>('GET', `/api/v1/namespaces/${NS2}/pods?labelSelector=${encodeURIComponent('dag_id=hello')}`)
        .then((res) => (workerPod ??= res.body.items?.[0]))
        .catch(() => undefined);
    }, 1000);
    let state = '';
    try {
      const deadline = Date.now() + 900_000;
      for (;;) {
        const runs = await airflow(['dags', 'list-runs', '-d', 'hello', '-o', 'json']);
        // Airflow's log lines (`[2026-…] {…} INFO - …`, coloured) share stdout with the JSON (one line, maybe
        // coloured too): drop the colour codes, then take the line that is the array.
        const plain = runs.stdout.replace(/\x1b\[[0-9;]*m/g, '');
        const json = plain.split('\n').find((l) => /^\s*\[(\{|\s*\])/.test(l));
        state = runs.code === 0 && json ? ((JSON.parse(json) as { state: string }[])[0]?.state ?? '') : '';
        if (state === 'success' || state === 'failed') break;
        if (Date.now() > deadline) assert.fail(`2.x run still ${state} after 900 s: ${runs.stdout}\n${runs.stderr}\n${await diagnostics(NS2)}`);
        await new Promise((res) => setTimeout(res, 3000));
      }
    } finally {
      clearInterval(watch);
    }
    timings['2.x DAG run triggered -> success'] = Date.now() - t;
    if (state !== 'success') assert.fail(`2.x run ${state}\n${await diagnostics(NS2)}`);
    assert.ok(workerPod, 'no 2.x worker pod with label dag_id=hello was seen while the run went on');
    assert.equal(workerPod.metadata.labels?.['app.kubernetes.io/component'], 'worker', JSON.stringify(workerPod.metadata.labels));
    assert.equal(workerPod.spec?.serviceAccountName, 'airflow-worker');
    assert.equal(workerPod.spec?.containers.find((x) => x.name === 'base')?.image, image2);
    process.stderr.write(`# 2.x: deploy ${timings['2.x deploy to all Ready']} ms, run success in ${timings['2.x DAG run triggered -> success']} ms, worker pod ${workerPod.metadata.name}\n`);
  });
}
