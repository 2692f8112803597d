/**
 * The DAG bundle and task logs in S3, on the shared real single-node cluster, with credentials the way EKS gives
 * them: Pod Identity (test/support/pod-identity.ts: the mutating webhook for the stack's associations, and the agent
 * on 169.254.170.23) and no key in any manifest. moto listens on the node IP, the `storage.endpointUrl` of the
 * project, so the CLI on this machine and the pods reach the same S3.
 *
 * These checks run against the Airflow 3 deployment of the airflow suite (./airflow.ts), which is made this way: the
 * 2-core node runs one Airflow at a time, and a second deployment only for this cost ~2.5 minutes a run. The project
 * says `dags.source: s3` before its image is built, so the image holds no DAG; `dags deploy` uploads them to the
 * stack's bucket (a stack on moto holding the bucket: all that `deploy --in-cluster-postgres` reads from it);
 * `deploy --kube-context ... --in-cluster-postgres` points every component at that bucket. A DAG written only after
 * the image build runs through the API: its task runs in a KubernetesExecutor worker pod, which fetched the bundle
 * and wrote its log to the bucket with Pod Identity credentials; `logs --dag/--run/--task` reads the log back from
 * the bucket once the pod is gone. `dags status` reads the bundle's import errors the way a user does: `airflow dags
 * list-import-errors --output json` run by real Airflow in a ready api-server pod, after the real DAG processor
 * parsed the bundle, printed as file:line relative to the project (a file in a sub-folder of the bundle included).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { taskLogKey } from '../../../../src/airflow/remote-logs.js';
import { COMPONENTS, serviceAccountName } from '../../../../src/config/naming.js';
import type { CliResult } from '../../../support/cli.js';
import { deployedAirflowApi } from '../../../support/kube-airflow.js';
import { defaultRouteIpv4, type KubeTestCluster } from '../../../support/kube-cluster.js';
import { bucketKeys, createBucketStack, startMoto, type MotoServer } from '../../../support/moto.js';
import { POD_IDENTITY_CREDENTIALS_URI, POD_IDENTITY_TOKEN_FILE, POD_IDENTITY_TOKEN_NAME, startPodIdentity, type PodIdentity } from '../../../support/pod-identity.js';

export const BUCKET_DAG_ID = 'from_bucket';
const MARKER = 'hello from the bucket';
/** Written after the image build (BUCKET_DAG_FILE): only the bundle can bring it to the cluster. */
export const BUCKET_DAG = `from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def ${BUCKET_DAG_ID}():
    @task
    def say():
        print("${MARKER}")

    say()


${BUCKET_DAG_ID}()
`;
export const BUCKET_DAG_FILE = `${BUCKET_DAG_ID}.py`;

/**
 * Broken DAG files for the bundle (project-relative path -> text), written with BUCKET_DAG: what `dags status` must
 * report from the cluster, as IMPORT_ERRORS. Each mentions "airflow" and "dag", so Airflow's safe mode parses it.
 */
export const BROKEN_DAGS: Readonly<Record<string, string>> = {
  'broken_dag.py': ['"""airflow dag whose import fails on line 4."""', 'from airflow.sdk import dag', '', 'import airflow_aws_no_such_module  # noqa: F401', ''].join('\n'),
  'sub/syntax_error.py': ['"""airflow dag with a syntax error on line 4."""', 'from airflow.sdk import dag', '', 'def broken(:', '    pass', ''].join('\n'),
};
const IMPORT_ERRORS = [
  "dags/broken_dag.py:4: ModuleNotFoundError: No module named 'airflow_aws_no_such_module'",
  'dags/sub/syntax_error.py:4: SyntaxError: invalid syntax',
];

/** S3 as the stack gives it, on moto, and Pod Identity for the deployment's ServiceAccounts. */
export interface BucketPeers {
  readonly moto: MotoServer;
  readonly bucket: string;
  readonly podIdentity: PodIdentity;
  /** Top-level YAML for the project: the bundle in S3, and moto as the S3 endpoint of the CLI and the pods. */
  readonly config: string;
  stop(): Promise<void>;
}

/**
 * moto on the node IP with the stack `<project>-airflow` holding the bucket; the stack's Pod Identity associations
 * (one per component ServiceAccount in `namespace`, as src/infra/identity.ts makes them).
 */
export async function startBucketPeers(cluster: KubeTestCluster, project: string, namespace: string): Promise<BucketPeers> {
  const moto = await startMoto({ host: defaultRouteIpv4() });
  try {
    const bucket = await createBucketStack(moto, `${project}-airflow`);
    const podIdentity = await startPodIdentity(
      cluster,
      COMPONENTS.map((c) => ({ namespace, serviceAccount: serviceAccountName(c) })),
    );
    const config = ['dags:', '  source: s3', 'storage:', `  endpointUrl: ${moto.endpoint}`, ''].join('\n');
    return {
      moto,
      bucket,
      podIdentity,
      config,
      async stop() {
        try {
          await podIdentity.stop();
        } finally {
          await moto.stop();
        }
      },
    };
  } catch (e) {
    await moto.stop();
    throw e;
  }
}

/** What the checks need of the deployment they look at. */
export interface BucketDeployment {
  readonly cluster: KubeTestCluster;
  readonly namespace: string;
  readonly peers: BucketPeers;
  /** The CLI in the project, with the user's own AWS credentials (moto's) — the pods get none of them. */
  cli(args: string[], ms?: number): Promise<CliResult>;
  /** --kubeconfig/--kube-context of the cluster. */
  readonly kube: readonly string[];
}

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

async function diagnostics(d: BucketDeployment): Promise<string> {
  const pods = await d.cluster.kubectl(['-n', d.namespace, 'get', 'pods,jobs', '-o', 'wide']);
  const events = await d.cluster.kubectl(['-n', d.namespace, 'get', 'events', '--sort-by=.lastTimestamp']);
  return `${pods.stdout}\n${events.stdout.slice(-4000)}\nPod Identity issued ${JSON.stringify(d.peers.podIdentity.issued.slice(-20))} refused ${JSON.stringify(d.peers.podIdentity.refused)}`;
}

/** Before the deploy: the DAGs go to the bucket. */
export function bundleUploadCheck(get: () => BucketDeployment): void {
  it("dags deploy uploads the DAGs (the image has none) to the stack's bucket on moto", async () => {
    const d = get();
    const r = await d.cli(['dags', 'deploy'], 300_000);
    assert.equal(r.code, 0, r.stderr);
    const keys = await bucketKeys(d.peers.moto, d.peers.bucket);
    assert.ok(keys.some((k) => k.startsWith('dags/')), JSON.stringify(keys));
    assert.ok(keys.some((k) => k.startsWith('dags/') && k.endsWith(`/${BUCKET_DAG_FILE}`)), JSON.stringify(keys));
  });
}

/** After the deploy: every component reads the bucket with Pod Identity, and a task's pod does too. */
export function bucketChecks(get: () => BucketDeployment): void {
  let runId = '';
  const podsOfDag = (d: BucketDeployment) => `/api/v1/namespaces/${d.namespace}/pods?labelSelector=${encodeURIComponent(`dag_id=${BUCKET_DAG_ID}`)}`;

  it('the deployment points every component at the bucket, with no AWS key in any manifest', async () => {
    const d = get();
    const { bucket, podIdentity } = d.peers;
    const cm = (await d.cluster.request<{ data: Record<string, string> }>('GET', `/api/v1/namespaces/${d.namespace}/configmaps/airflow-config`)).body.data;
    assert.equal(cm['AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER'], `s3://${bucket}/logs`);
    assert.match(cm['AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST'] ?? '', new RegExp(`"bucket_name":\\s*"${bucket}"`));
    const everything = await d.cluster.kubectl(['get', 'configmaps,secrets,deployments,statefulsets,jobs', '-n', d.namespace, '-o', 'json']);
    assert.equal(everything.code, 0, everything.stderr);
    assert.doesNotMatch(everything.stdout, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/);
    // The components fetched credentials from the agent: the dag-processor to read the bundle, at least.
    assert.ok(podIdentity.issued.includes(`${d.namespace}/${serviceAccountName('dag-processor')}`), await diagnostics(d));
  });

  it('a DAG that only the bundle holds runs in a worker pod that has Pod Identity and no key, and its log lands in the bucket', async () => {
    const d = get();
    const { moto, bucket, podIdentity } = d.peers;
    const api = await deployedAirflowApi(d.cluster, d.namespace);
    await api.login();
    const deadline = Date.now() + 600_000;
    while ((await api.getDag(BUCKET_DAG_ID)) === undefined) {
      if (Date.now() > deadline) assert.fail(`DAG ${BUCKET_DAG_ID} not parsed from the bundle after 600 s\n${await diagnostics(d)}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    await api.setPaused(BUCKET_DAG_ID, false);
    runId = (await api.triggerRun(BUCKET_DAG_ID, {})).dag_run_id;

    let workerPod: PodItem | undefined;
    let state = '';
    const runDeadline = Date.now() + 900_000;
    for (;;) {
      workerPod ??= (await d.cluster.request<{ items: PodItem[] }>('GET', podsOfDag(d))).body.items?.[0];
      state = (await api.getRun(BUCKET_DAG_ID, runId)).state ?? '';
      if (state === 'success' || state === 'failed') break;
      if (Date.now() > runDeadline) assert.fail(`run ${runId} still ${state} after 900 s\n${await diagnostics(d)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    if (state !== 'success') {
      const log = await api.taskLog(BUCKET_DAG_ID, runId, 'say', 1).catch((e: unknown) => String(e));
      assert.fail(`run ${runId} ${state}; log: ${JSON.stringify(log).slice(-3000)}\n${await diagnostics(d)}`);
    }

    assert.ok(workerPod, `no worker pod with label dag_id=${BUCKET_DAG_ID} was seen while the run went on`);
    assert.equal(workerPod.metadata.labels?.['app.kubernetes.io/component'], 'worker');
    assert.equal(workerPod.spec?.serviceAccountName, serviceAccountName('worker'));
    const base = workerPod.spec?.containers.find((x) => x.name === 'base');
    assert.ok(base, JSON.stringify(workerPod.spec));
    const env = Object.fromEntries((base.env ?? []).map((e) => [e.name, e.value]));
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) assert.equal(env[k], undefined, `${k} in the worker pod`);
    assert.equal(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], POD_IDENTITY_CREDENTIALS_URI);
    assert.equal(env['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'], POD_IDENTITY_TOKEN_FILE);
    assert.ok(workerPod.spec?.volumes?.some((v) => v.name === POD_IDENTITY_TOKEN_NAME), JSON.stringify(workerPod.spec?.volumes));
    assert.ok(podIdentity.issued.includes(`${d.namespace}/${serviceAccountName('worker')}`), `the worker never asked the agent: ${JSON.stringify(podIdentity.issued)}`);

    // The supervisor uploads the log as the task ends, a moment after the state is reported.
    const key = taskLogKey({ dagId: BUCKET_DAG_ID, runId, taskId: 'say', tryNumber: 1 });
    const logDeadline = Date.now() + 120_000;
    while (!(await bucketKeys(moto, bucket)).includes(key)) {
      if (Date.now() > logDeadline) assert.fail(`no ${key} in ${bucket}: ${JSON.stringify(await bucketKeys(moto, bucket))}\n${await diagnostics(d)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    process.stderr.write(`# ${BUCKET_DAG_ID} run ${runId}: worker pod ${workerPod.metadata.name}, log s3://${bucket}/${key}; agent issued ${JSON.stringify([...new Set(podIdentity.issued)])}\n`);
  });

  it('logs --dag/--run/--task reads the task log from the bucket once the worker pod is gone', async () => {
    assert.ok(runId, 'the run test did not run');
    const d = get();
    const deadline = Date.now() + 300_000;
    while (((await d.cluster.request<{ items: PodItem[] }>('GET', podsOfDag(d))).body.items ?? []).length > 0) {
      if (Date.now() > deadline) assert.fail(`the worker pod is still there after 300 s\n${await diagnostics(d)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const r = await d.cli(['logs', ...d.kube, '--dag', BUCKET_DAG_ID, '--run', runId, '--task', 'say'], 120_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(MARKER), r.stdout.slice(-3000));
  });

  it('dags status: the live bundle version, and the import errors real Airflow lists in an api-server pod as file:line', async () => {
    const d = get();
    // The DAG processor parsed the bundle before from_bucket could run (the test above); the errors are recorded by then.
    const deadline = Date.now() + 300_000;
    for (;;) {
      const r = await d.cli(['dags', 'status', ...d.kube, '--json'], 180_000);
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout) as { importErrors?: string[]; importErrorsFrom?: string; live?: { files: number; contentHash: string } };
      if (s.importErrors?.length === IMPORT_ERRORS.length || Date.now() > deadline) {
        assert.deepEqual(s.importErrors, IMPORT_ERRORS, r.stdout);
        assert.match(s.importErrorsFrom ?? '', new RegExp(`^pod ${d.namespace}/airflow-api-server-`), r.stdout);
        assert.match(s.live?.contentHash ?? '', /^[0-9a-f]{64}$/, r.stdout);
        break;
      }
      await new Promise((res) => setTimeout(res, 5000));
    }
    const text = await d.cli(['dags', 'status', ...d.kube], 180_000);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^import errors: 2 \\(read from pod ${d.namespace}/airflow-api-server-\\S+\\)$`, 'm'), text.stdout);
    for (const line of IMPORT_ERRORS) assert.ok(text.stdout.split('\n').includes(line), text.stdout);
  });

  it("the API (what the UI shows) serves the finished task's log, read from the bucket by the api-server with Pod Identity", async () => {
    assert.ok(runId, 'the run test did not run');
    const d = get();
    const api = await deployedAirflowApi(d.cluster, d.namespace);
    await api.login();
    const content = JSON.stringify(await api.taskLog(BUCKET_DAG_ID, runId, 'say', 1));
    assert.match(content, new RegExp(MARKER), content.slice(-3000));
    assert.ok(d.peers.podIdentity.issued.includes(`${d.namespace}/${serviceAccountName('api-server')}`), JSON.stringify(d.peers.podIdentity.issued));
  });
}
