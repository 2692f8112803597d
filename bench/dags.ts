/**
 * `dags deploy` → change visible in the scheduler (`node dist/bench/dags.js [--samples N]`), with real Airflow in dev
 * native mode reading the S3 DAG bundle from moto's S3 with the cluster's bundle settings (src/dags/bundle.ts):
 * - a new DAG file: `dags deploy` starts → the DAG is listed by the REST API;
 * - an edit: `dags deploy` starts → the API shows the new description;
 * - a deletion: `dags deploy` starts → the DAG is no longer listed.
 * Baseline, in the same run: the same three changes made straight in the project's `dags/` folder that `dev up`
 * reads by default (no bundle), so each ratio says what the bundle costs over a folder. Target: a new DAG visible
 * within 60 s in every sample (issue 11).
 *
 * Each sample starts after a random pause of up to one refresh interval: a change lands at a random point of the
 * refresh cycle, as a user's would, instead of always at the same distance from the last refresh.
 * Needs moto_server, uv, python3 and PostgreSQL binaries (like the S3 bundle end-to-end test); heavy (real Airflow).
 */
import { rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../src/adapters/fs/dev-state.js';
import { BUNDLE_REFRESH_SECONDS } from '../src/dags/bundle.js';
import { DEV_DAG_REFRESH_SECONDS } from '../src/dev/airflow-env.js';
import { dagSource, waitFor, type DevProject } from '../test/support/dev-project.js';
import { createBucketStack, startMoto } from '../test/support/moto.js';
import { createS3BundleProject, upWithS3Bundle } from '../test/support/s3-bundle.js';
import { median } from './measure.js';

const TARGET_MS = 60_000;
const samplesArg = process.argv.indexOf('--samples');
const SAMPLES = samplesArg > 0 ? Number(process.argv[samplesArg + 1]) : 3;
/** Far above the target, so a miss is measured and reported instead of ending the run. */
const WAIT_MS = 300_000;

type Change = 'new' | 'edit' | 'delete';
const CHANGES: readonly Change[] = ['new', 'edit', 'delete'];

interface Timings {
  /** Change started (`dags deploy` launched, or the file written) → visible through the API, ms per sample. */
  readonly visible: Record<Change, number[]>;
  /** How long `dags deploy` itself ran (CLI start-up, diff, upload), ms per sample; empty for the folder. */
  readonly deploy: Record<Change, number[]>;
}

const emptyTimings = (): Timings => ({ visible: { new: [], edit: [], delete: [] }, deploy: { new: [], edit: [], delete: [] } });

/** What the API must show once a change has reached the scheduler. */
async function reached(project: DevProject, change: Change, dagId: string): Promise<boolean> {
  const api = await project.api();
  if (change === 'new') return (await api.getDag(dagId)) !== undefined;
  if (change === 'edit') return (await api.getDag(dagId))?.['description'] === 'v2';
  // A deleted file's DAG is marked stale, and the DAG list leaves stale DAGs out.
  return !(await api.listDagIds()).includes(dagId);
}

/** Writes or removes the DAG file of `change` in the project's `dags/`. */
async function makeChange(project: DevProject, change: Change, dagId: string): Promise<void> {
  const file = path.join(project.dir, 'dags', `${dagId}.py`);
  if (change === 'delete') await unlink(file);
  else await writeFile(file, dagSource(dagId, change === 'new' ? 'v1' : 'v2'));
}

/**
 * Every change, SAMPLES times, each on its own DAG. With `deploy`, the change is made in `dags/` first and the clock
 * starts when `dags deploy` does (what a user waits for, the CLI included); without, the clock starts at the write.
 */
async function measure(project: DevProject, label: string, refreshSeconds: number, deploy: boolean): Promise<Timings> {
  const t = emptyTimings();
  for (let i = 0; i < SAMPLES; i++) {
    const dagId = `bench_${label}_${i}`;
    for (const change of CHANGES) {
      await sleep(Math.random() * refreshSeconds * 1000);
      if (deploy) await makeChange(project, change, dagId);
      const t0 = performance.now();
      if (deploy) {
        const r = await project.cli(['dags', 'deploy'], WAIT_MS);
        if (r.code !== 0) throw new Error(`dags deploy exited ${r.code}:\n${r.stderr.slice(-3000)}`);
        t.deploy[change].push(performance.now() - t0);
      } else {
        await makeChange(project, change, dagId);
      }
      await waitFor(`${label} ${change} of ${dagId} to reach the API`, async () => reached(project, change, dagId), WAIT_MS);
      t.visible[change].push(performance.now() - t0);
    }
  }
  return t;
}

async function cli(project: DevProject, args: readonly string[], timeoutMs = 1_800_000): Promise<void> {
  const r = await project.cli(args, timeoutMs);
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-3000)}`);
}

async function waitForExample(project: DevProject): Promise<void> {
  await waitFor('example_pipeline in the API', async () => (await project.api()).getDag('example_pipeline'), WAIT_MS);
}

const s = (ms: number) => `${(ms / 1000).toFixed(1).padStart(5)} s`;

function print(bundle: Timings, folder: Timings): void {
  console.log(
    `${SAMPLES} samples each; S3 bundle refresh_interval ${BUNDLE_REFRESH_SECONDS} s (the cluster's), ` +
      `local folder rescan ${DEV_DAG_REFRESH_SECONDS} s (dev's); API polled every second`,
  );
  const names: Record<Change, string> = { new: 'new DAG → listed', edit: 'edit → new description', delete: 'deleted DAG → gone' };
  for (const change of CHANGES) {
    const v = bundle.visible[change];
    const base = median(folder.visible[change]);
    const target = change === 'new' ? `   target <= ${TARGET_MS / 1000} s (max): ${Math.max(...v) <= TARGET_MS ? 'met' : 'MISSED'}` : '';
    console.log(
      `${`dags deploy, ${names[change]}`.padEnd(36)} median ${s(median(v))}  max ${s(Math.max(...v))}   ` +
        `folder ${s(base)}  ratio ${(median(v) / base).toFixed(1)}x${target}`,
    );
    console.log(`${'  of which dags deploy ran'.padEnd(36)} median ${s(median(bundle.deploy[change]))}  max ${s(Math.max(...bundle.deploy[change]))}`);
  }
}

async function main(): Promise<void> {
  if (!Number.isInteger(SAMPLES) || SAMPLES < 1) throw new Error(`--samples must be a positive integer, got ${process.argv[samplesArg + 1]}`);
  const moto = await startMoto();
  let project: DevProject | undefined;
  try {
    project = await createS3BundleProject(moto, { name: 'dagsbench', dags: [] });
    await createBucketStack(moto, `${project.name}-airflow`);
    await cli(project, ['dags', 'deploy'], WAIT_MS);
    const up = await upWithS3Bundle(project);
    if (up.code !== 0) throw new Error(`dev up --dags s3 failed:\n${up.stderr.slice(-3000)}`);
    await waitForExample(project);
    const bundle = await measure(project, 's3', BUNDLE_REFRESH_SECONDS, true);
    await cli(project, ['dev', 'down'], 300_000);

    // The same project and database, now reading `dags/` directly: dev's default.
    await cli(project, ['dev', 'up', '--native', '--detach', '--port', String(await freePort())]);
    await waitForExample(project);
    const folder = await measure(project, 'folder', DEV_DAG_REFRESH_SECONDS, false);
    print(bundle, folder);
  } finally {
    if (project) {
      await project.cli(['dev', 'down', '--purge'], 300_000);
      await rm(project.dir, { recursive: true, force: true });
    }
    await moto.stop();
  }
}

await main();
