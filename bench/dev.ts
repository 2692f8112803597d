/**
 * Local Airflow timings (`node dist/bench/dev.js [--docker]`):
 * - `dev up` to a healthy API (native; Docker too with --docker when an engine and the project image exist),
 *   against the baseline of a bare `airflow version` from the same virtualenv (Python + Airflow import cost);
 * - a DAG file edit to the DAG being visible through the REST API: a new file (new dag_id) and an edit of an
 *   existing file (new description), against the configured DAG-folder rescan interval.
 * The virtualenv is built beforehand (its one-time cost is printed separately) so the numbers are warm-start times.
 */
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../src/adapters/fs/dev-state.js';
import { DEV_DAG_REFRESH_SECONDS } from '../src/dev/airflow-env.js';
import { buildProjectImage, ensurePostgresImage } from '../test/support/dev-docker.js';
import { createDevProject, dagSource, waitFor, type DevProject } from '../test/support/dev-project.js';
import { median, timeCommand } from './measure.js';

const SAMPLES = 3;

async function timeUp(project: DevProject, args: readonly string[]): Promise<number> {
  const t0 = performance.now();
  const r = await project.cli(['dev', 'up', ...args, '--port', String(await freePort())], 1_800_000);
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`dev up ${args.join(' ')} failed:\n${r.stderr.slice(-3000)}`);
  return ms;
}

async function down(project: DevProject): Promise<void> {
  const r = await project.cli(['dev', 'down'], 300_000);
  if (r.code !== 0) throw new Error(`dev down failed:\n${r.stderr}`);
}

async function editLatency(project: DevProject): Promise<{ newFile: number; edit: number }> {
  const api = await project.api();
  const newFile: number[] = [];
  const edit: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const id = `bench_edit_${Date.now()}_${i}`;
    const file = path.join(project.dir, 'dags', `${id}.py`);
    let t0 = performance.now();
    await writeFile(file, dagSource(id, 'v1'));
    await waitFor(`${id} to appear`, async () => api.getDag(id), 300_000);
    newFile.push(performance.now() - t0);
    t0 = performance.now();
    await writeFile(file, dagSource(id, 'v2'));
    await waitFor(`${id} to show its new description`, async () => ((await api.getDag(id)) as { description?: string } | undefined)?.description === 'v2', 300_000);
    edit.push(performance.now() - t0);
  }
  return { newFile: median(newFile), edit: median(edit) };
}

async function main(): Promise<void> {
  const withDocker = process.argv.includes('--docker');
  const project = await createDevProject({ name: 'devbench', dags: [] });
  let image: string | undefined;
  try {
    const venvT0 = performance.now();
    const parse = await project.cli(['dev', 'parse', '--native'], 1_800_000);
    if (parse.code !== 0) throw new Error(`dev parse failed:\n${parse.stderr}`);
    console.log(`virtualenv ready (built or cached) + parse: ${((performance.now() - venvT0) / 1000).toFixed(1)} s`);

    const ups: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      ups.push(await timeUp(project, ['--native', '--detach']));
      if (i < SAMPLES - 1) await down(project);
    }
    const venvAirflow = path.join(((await import('node:fs')).readFileSync(path.join(project.dir, '.airflow-aws', 'dev', 'state.json'), 'utf8').match(/"venv": "([^"]+)"/) ?? [])[1] ?? '', 'bin', 'airflow');
    const airflowVersionMs = timeCommand([venvAirflow, 'version'], 3, { env: { AIRFLOW_HOME: path.join(project.dir, '.airflow-aws', 'dev', 'airflow-home') } });
    const upNative = median(ups);
    const edits = await editLatency(project);
    await down(project);

    const rows: string[] = [];
    const row = (name: string, ms: number, base: string, baseMs: number) =>
      rows.push(`${name.padEnd(34)} ${(ms / 1000).toFixed(1).padStart(6)} s   ${base} ${(baseMs / 1000).toFixed(1).padStart(5)} s   ratio ${(ms / baseMs).toFixed(1)}x`);
    row('dev up --native → healthy API', upNative, 'airflow version', airflowVersionMs);
    row('new DAG file → visible in API', edits.newFile, 'rescan interval', DEV_DAG_REFRESH_SECONDS * 1000);
    row('DAG file edit → visible in API', edits.edit, 'rescan interval', DEV_DAG_REFRESH_SECONDS * 1000);
    if (withDocker) {
      const pgImage = await ensurePostgresImage();
      image = await buildProjectImage(project);
      const dockerUps: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        dockerUps.push(await timeUp(project, ['--postgres-image', pgImage]));
        await down(project);
      }
      row('dev up (Docker) → healthy API', median(dockerUps), 'native up', upNative);
    }
    console.log(`medians of ${SAMPLES} samples`);
    for (const r of rows) console.log(r);
  } finally {
    await project.cli(['dev', 'down', '--purge'], 300_000);
    await rm(project.dir, { recursive: true, force: true });
    if (image) spawnSync('docker', ['image', 'rm', image], { stdio: 'ignore' });
  }
}

await main();
