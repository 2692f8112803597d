/**
 * Airflow on the real single-node cluster (test/support/real-node.ts: kubelet + containerd, registry as ECR) against
 * the same Airflow in dev native mode, one side after the other in the same run (never both at once on 2 cores):
 * - `deploy --kube-context --in-cluster-postgres` to all Ready (its own wait), against `dev up --native` to a
 *   healthy API (the same Airflow version, locally);
 * - task start latency of the KubernetesExecutor (a pod per task) against the LocalExecutor (a process per task):
 *   `start_date - queued_when` of each task instance, as Airflow itself records them, median over the three tasks of
 *   the example DAG (assets/dags/example_pipeline.py, in both) in RUNS runs.
 * The image build, registry push and the virtualenv are outside the timings (cached; printed separately).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/k8s-node.js     (root; the node harness must be free)
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { AirflowApi } from '../src/adapters/airflow-api.js';
import { freePort } from '../src/adapters/fs/dev-state.js';
import { createDevProject, waitFor } from '../test/support/dev-project.js';
import { deployedAirflowApi } from '../test/support/kube-airflow.js';
import { buildAirflowProjectImage, ensureK8sPostgresImage, pushToRegistry } from '../test/support/kube-images.js';
import { REGISTRY_USER, startRealNode } from '../test/support/real-node.js';
import { median, report } from './measure.js';

const AIRFLOW = '3.3.2';
const DAG = 'example_pipeline';
const RUNS = 3;
const NS = 'airflow';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Seconds between `queued_when` and `start_date` of every task instance of `RUNS` runs of the DAG (all must succeed). */
async function taskStartLatencies(api: AirflowApi): Promise<number[]> {
  await waitFor(`DAG ${DAG} parsed`, async () => api.getDag(DAG), 300_000);
  await api.setPaused(DAG, false);
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await api.triggerRun(DAG, {});
    const state = await waitFor(
      `run ${run.dag_run_id} to end`,
      async () => {
        const s = (await api.getRun(DAG, run.dag_run_id)).state;
        return s === 'success' || s === 'failed' ? s : undefined;
      },
      600_000,
    );
    const tis = await api.taskInstances(DAG, run.dag_run_id);
    if (state !== 'success') throw new Error(`run ${run.dag_run_id} ${state}: ${JSON.stringify(tis)}`);
    for (const ti of tis) {
      if (!ti.queued_when || !ti.start_date) throw new Error(`task ${ti.task_id}: no queued_when/start_date: ${JSON.stringify(ti)}`);
      out.push(Date.parse(ti.start_date) - Date.parse(ti.queued_when));
    }
  }
  return out;
}

interface Side {
  upMs: number;
  latencies: number[];
}

async function kubernetesSide(dagSource: string): Promise<Side> {
  let t = performance.now();
  const built = await buildAirflowProjectImage(AIRFLOW, 'nodebench', { 'example_pipeline.py': dagSource });
  const pgImage = await ensureK8sPostgresImage();
  console.log(`image built (cached wheelhouse): ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const harness = await startRealNode();
  try {
    const { cluster, node } = harness;
    console.log(`real node started: ${(harness.startMs / 1000).toFixed(1)} s`);
    const image = await pushToRegistry(built.image, harness.registry, REGISTRY_USER);
    await node.importImages([pgImage]);
    // Pulled through the registry by the deploy, as on EKS (layers containerd already has are not fetched again).
    await node.forgetImages([image]);
    t = performance.now();
    const r = await built.project.cli(
      ['deploy', '--kubeconfig', cluster.kubeconfigPath, '--kube-context', 'kube-test', '--in-cluster-postgres', '--postgres-image', pgImage, '--image', image, '--timeout', '1200', '--json'],
      1_800_000,
    );
    const upMs = performance.now() - t;
    if (r.code !== 0) throw new Error(`deploy exited ${r.code}:\n${r.stderr.slice(-4000)}`);
    return { upMs, latencies: await taskStartLatencies(await deployedAirflowApi(cluster, NS)) };
  } finally {
    await harness.stop();
    await rm(built.project.dir, { recursive: true, force: true });
  }
}

async function nativeSide(): Promise<Side> {
  // dags: [] = the example DAG alone, as in the image.
  const project = await createDevProject({ name: 'nodebench', dags: [] });
  try {
    let t = performance.now();
    const parse = await project.cli(['dev', 'parse', '--native'], 1_800_000);
    if (parse.code !== 0) throw new Error(`dev parse failed:\n${parse.stderr}`);
    console.log(`virtualenv ready (built or cached) + parse: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    const up = await project.cli(['dev', 'up', '--native', '--detach', '--port', String(await freePort())], 1_800_000);
    const upMs = performance.now() - t;
    if (up.code !== 0) throw new Error(`dev up failed:\n${up.stderr.slice(-3000)}`);
    return { upMs, latencies: await taskStartLatencies(await project.api()) };
  } finally {
    await project.cli(['dev', 'down', '--purge'], 300_000);
    await rm(project.dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dagSource = await readFile(path.join(root, 'assets', 'dags', `${DAG}.py`), 'utf8');
  const k8s = await kubernetesSide(dagSource);
  const native = await nativeSide();
  const secs = (xs: number[]): string => xs.map((x) => (x / 1000).toFixed(2)).join(' ');
  console.log(`task start latency samples (s): KubernetesExecutor ${secs(k8s.latencies)}; LocalExecutor ${secs(native.latencies)}`);
  console.log(`Airflow ${AIRFLOW}, ${DAG} x ${RUNS} runs; task start latency = start_date - queued_when (median)`);
  report([
    { name: 'deploy --kube-context → Ready', ms: k8s.upMs, baselineName: 'dev up --native', baselineMs: native.upMs },
    { name: 'task start, KubernetesExec.', ms: median(k8s.latencies), baselineName: 'LocalExecutor', baselineMs: median(native.latencies) },
  ]);
}

await main();
