/**
 * The DAG bundle and task logs in S3, on the shared real single-node cluster, with credentials the way EKS gives
 * them: Pod Identity (test/support/pod-identity.ts: the mutating webhook for the stack's associations, and the agent
 * on 169.254.170.23) and no key in any manifest. moto listens on the node IP, the `storage.endpointUrl` of the
 * project, so the CLI on this machine and the pods reach the same S3.
 *
 * The project says `dags.source: s3` before its image is built, so the image holds no DAG; `dags deploy` uploads
 * them to the stack's bucket (a stack on moto holding the bucket: all that `deploy --in-cluster-postgres` reads from
 * it); `deploy --kube-context ... --in-cluster-postgres` points every component at that bucket. A DAG written only
 * after the image build runs through the API: its task runs in a KubernetesExecutor worker pod, which fetched the
 * bundle and wrote its log to the bucket with Pod Identity credentials; `logs --dag/--run/--task` reads the log back
 * from the bucket once the pod is gone.
 *
 * Leaves no namespace behind, recycles the PV its PostgreSQL claims, removes the webhook and the agent's address.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { taskLogKey } from '../../../../src/airflow/remote-logs.js';
import { COMPONENTS, serviceAccountName } from '../../../../src/config/naming.js';
import type { ImageProject } from '../../../support/image-project.js';
import { deployedAirflowApi } from '../../../support/kube-airflow.js';
import { defaultRouteIpv4, type KubeTestCluster } from '../../../support/kube-cluster.js';
import { buildAirflowProjectImage, ensureK8sPostgresImage, pushToRegistry } from '../../../support/kube-images.js';
import { bucketKeys, createBucketStack, startMoto, type MotoServer } from '../../../support/moto.js';
import { POD_IDENTITY_CREDENTIALS_URI, POD_IDENTITY_TOKEN_FILE, POD_IDENTITY_TOKEN_NAME, startPodIdentity, type PodIdentity } from '../../../support/pod-identity.js';
import { cleanNamespaces, REGISTRY_USER, type RealNode } from '../../../support/real-node.js';

const AIRFLOW = '3.3.2';
const NAME = 'nodes3';
const NS = 'airflow-s3';
const DAG_ID = 'from_bucket';
const MARKER = 'hello from the bucket';
/** Written after the image build: only the bundle can bring it to the cluster. */
const BUCKET_DAG = `from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def ${DAG_ID}():
    @task
    def say():
        print("${MARKER}")

    say()


${DAG_ID}()
`;

interface EnvVar {
  name: string;
  value?: string;
}
interface PodItem {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: {
    serviceAccountName?: string;
    containers: { name: string; image: string; env?: EnvVar[]; envFrom?: unknown[]; volumeMounts?: { name: string; mountPath: string }[] }[];
    volumes?: { name: string; projected?: { sources: { serviceAccountToken?: { audience?: string } }[] } }[];
  };
  status?: { phase?: string };
}

/** Registers the suite; `harness` returns the shared node once real-node.test.ts's before() has started it. */
export function bucketSuite(harness: () => RealNode): void {
  describe(`Airflow ${AIRFLOW} with dags.source s3 and task logs in S3, credentials by Pod Identity, on a real node`, { timeout: 3_600_000 }, () =>
    bucketTests(harness),
  );
}

function bucketTests(harness: () => RealNode): void {
  let cluster: KubeTestCluster | undefined;
  let moto: MotoServer | undefined;
  let podIdentity: PodIdentity | undefined;
  let project: ImageProject | undefined;
  let bucket = '';
  let image = '';
  let pgImage = '';
  let runId = '';
  const timings: Record<string, number> = {};

  before(async () => {
    const shared = harness();
    cluster = shared.cluster;
    let t = Date.now();
    moto = await startMoto({ host: defaultRouteIpv4() });
    bucket = await createBucketStack(moto, `${NAME}-airflow`);
    // The stack's associations: one per component ServiceAccount in the deployment's namespace (src/infra/identity.ts).
    podIdentity = await startPodIdentity(
      shared.cluster,
      COMPONENTS.map((c) => ({ namespace: NS, serviceAccount: serviceAccountName(c) })),
    );
    const config = ['kubernetes:', `  namespace: ${NS}`, 'dags:', '  source: s3', 'storage:', `  endpointUrl: ${moto.endpoint}`, ''].join('\n');
    const built = await buildAirflowProjectImage(AIRFLOW, NAME, {}, config);
    project = built.project;
    await writeFile(path.join(project.dir, 'dags', `${DAG_ID}.py`), BUCKET_DAG);
    pgImage = await ensureK8sPostgresImage();
    timings['moto, Pod Identity, image built'] = Date.now() - t;
    t = Date.now();
    image = await pushToRegistry(built.image, shared.registry, REGISTRY_USER);
    await shared.node.importImages([pgImage]);
    await shared.node.forgetImages([image]);
    timings['image pushed, PostgreSQL imported'] = Date.now() - t;
  });

  after(async () => {
    process.stderr.write(`# bucket suite timings (ms): ${JSON.stringify(timings)}\n`);
    try {
      await cleanNamespaces(harness(), [NS]);
    } finally {
      await podIdentity?.stop();
      await moto?.stop();
      if (project) await rm(project.dir, { recursive: true, force: true });
    }
  });

  const c = (): KubeTestCluster => {
    assert.ok(cluster);
    return cluster;
  };
  const p = (): ImageProject => {
    assert.ok(project);
    return project;
  };
  const kube = (): string[] => ['--kubeconfig', c().kubeconfigPath, '--kube-context', 'kube-test'];
  /** The CLI on this machine, with the user's own AWS credentials (moto's) — the pods get none of them. */
  const cli = (args: string[], ms = 600_000) => {
    assert.ok(moto);
    return p().cli(args, ms, moto.env);
  };

  async function diagnostics(): Promise<string> {
    const pods = await c().kubectl(['-n', NS, 'get', 'pods,jobs', '-o', 'wide']);
    const events = await c().kubectl(['-n', NS, 'get', 'events', '--sort-by=.lastTimestamp']);
    return `${pods.stdout}\n${events.stdout.slice(-4000)}\nPod Identity issued ${JSON.stringify(podIdentity?.issued.slice(-20))} refused ${JSON.stringify(podIdentity?.refused)}`;
  }

  it('dags deploy uploads the DAGs (the image has none) to the stack\'s bucket on moto', async () => {
    const r = await cli(['dags', 'deploy'], 300_000);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(moto);
    const keys = await bucketKeys(moto, bucket);
    assert.ok(keys.some((k) => k.startsWith('dags/')), JSON.stringify(keys));
  });

  it('deploy --kube-context --in-cluster-postgres points every component at the bucket, with no AWS key in any manifest', async () => {
    const t = Date.now();
    const r = await cli(['deploy', ...kube(), '--in-cluster-postgres', '--postgres-image', pgImage, '--image', image, '--timeout', '1200', '--json'], 1_800_000);
    timings['deploy to all Ready'] = Date.now() - t;
    if (r.code !== 0) assert.fail(`deploy exited ${r.code}:\n${r.stderr.slice(-6000)}\n${await diagnostics()}`);
    const cm = (await c().request<{ data: Record<string, string> }>('GET', `/api/v1/namespaces/${NS}/configmaps/airflow-config`)).body.data;
    assert.equal(cm['AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER'], `s3://${bucket}/logs`);
    assert.match(cm['AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST'] ?? '', new RegExp(`"bucket_name":\\s*"${bucket}"`));
    const everything = await c().kubectl(['get', 'configmaps,secrets,deployments,statefulsets,jobs', '-n', NS, '-o', 'json']);
    assert.equal(everything.code, 0, everything.stderr);
    assert.doesNotMatch(everything.stdout, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/);
    // The components fetched credentials from the agent: the dag-processor to read the bundle, at least.
    assert.ok(podIdentity?.issued.includes(`${NS}/${serviceAccountName('dag-processor')}`), await diagnostics());
  });

  it('a DAG that only the bundle holds runs in a worker pod that has Pod Identity and no key, and its log lands in the bucket', async () => {
    const api = await deployedAirflowApi(c(), NS);
    await api.login();
    const t = Date.now();
    const deadline = Date.now() + 600_000;
    while ((await api.getDag(DAG_ID)) === undefined) {
      if (Date.now() > deadline) assert.fail(`DAG ${DAG_ID} not parsed from the bundle after 600 s\n${await diagnostics()}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    timings['deploy -> DAG parsed from the bundle'] = Date.now() - t;
    await api.setPaused(DAG_ID, false);
    runId = (await api.triggerRun(DAG_ID, {})).dag_run_id;

    let workerPod: PodItem | undefined;
    let state = '';
    const runDeadline = Date.now() + 900_000;
    for (;;) {
      workerPod ??= (await c().request<{ items: PodItem[] }>('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(`dag_id=${DAG_ID}`)}`)).body.items?.[0];
      state = (await api.getRun(DAG_ID, runId)).state ?? '';
      if (state === 'success' || state === 'failed') break;
      if (Date.now() > runDeadline) assert.fail(`run ${runId} still ${state} after 900 s\n${await diagnostics()}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    timings['trigger -> run ended'] = Date.now() - t;
    if (state !== 'success') {
      const log = await api.taskLog(DAG_ID, runId, 'say', 1).catch((e: unknown) => String(e));
      assert.fail(`run ${runId} ${state}; log: ${JSON.stringify(log).slice(-3000)}\n${await diagnostics()}`);
    }

    assert.ok(workerPod, `no worker pod with label dag_id=${DAG_ID} was seen while the run went on`);
    assert.equal(workerPod.metadata.labels?.['app.kubernetes.io/component'], 'worker');
    assert.equal(workerPod.spec?.serviceAccountName, serviceAccountName('worker'));
    const base = workerPod.spec?.containers.find((x) => x.name === 'base');
    assert.ok(base, JSON.stringify(workerPod.spec));
    const env = Object.fromEntries((base.env ?? []).map((e) => [e.name, e.value]));
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) assert.equal(env[k], undefined, `${k} in the worker pod`);
    assert.equal(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], POD_IDENTITY_CREDENTIALS_URI);
    assert.equal(env['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'], POD_IDENTITY_TOKEN_FILE);
    assert.ok(workerPod.spec?.volumes?.some((v) => v.name === POD_IDENTITY_TOKEN_NAME), JSON.stringify(workerPod.spec?.volumes));
    assert.ok(podIdentity?.issued.includes(`${NS}/${serviceAccountName('worker')}`), `the worker never asked the agent: ${JSON.stringify(podIdentity?.issued)}`);

    // The supervisor uploads the log as the task ends, a moment after the state is reported.
    assert.ok(moto);
    const key = taskLogKey({ dagId: DAG_ID, runId, taskId: 'say', tryNumber: 1 });
    const logDeadline = Date.now() + 120_000;
    while (!(await bucketKeys(moto, bucket)).includes(key)) {
      if (Date.now() > logDeadline) assert.fail(`no ${key} in ${bucket}: ${JSON.stringify(await bucketKeys(moto, bucket))}\n${await diagnostics()}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    process.stderr.write(`# ${DAG_ID} run ${runId}: worker pod ${workerPod.metadata.name}, log s3://${bucket}/${key}; agent issued ${JSON.stringify([...new Set(podIdentity?.issued)])}\n`);
  });

  it('logs --dag/--run/--task reads the task log from the bucket once the worker pod is gone', async () => {
    assert.ok(runId, 'the run test did not run');
    const podsPath = `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(`dag_id=${DAG_ID}`)}`;
    const deadline = Date.now() + 300_000;
    while (((await c().request<{ items: PodItem[] }>('GET', podsPath)).body.items ?? []).length > 0) {
      if (Date.now() > deadline) assert.fail(`the worker pod is still there after 300 s\n${await diagnostics()}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const r = await cli(['logs', ...kube(), '--dag', DAG_ID, '--run', runId, '--task', 'say'], 120_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(MARKER), r.stdout.slice(-3000));
  });

  it('the API (what the UI shows) serves the finished task\'s log, read from the bucket by the api-server with Pod Identity', async () => {
    assert.ok(runId, 'the run test did not run');
    const api = await deployedAirflowApi(c(), NS);
    await api.login();
    const content = JSON.stringify(await api.taskLog(DAG_ID, runId, 'say', 1));
    assert.match(content, new RegExp(MARKER), content.slice(-3000));
    assert.ok(podIdentity?.issued.includes(`${NS}/${serviceAccountName('api-server')}`), JSON.stringify(podIdentity?.issued));
  });
}
