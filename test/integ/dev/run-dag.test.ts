/**
 * `airflow-aws dev run-dag` as a user runs it (the real CLI binary), against a fake Airflow 3 API on loopback that
 * pages like Airflow. Proves the command decisions that do not need a real Airflow: an unknown DAG id fails at once
 * once every DAG file is accounted for, a file edited after its last parse is waited for (a real timeout is 124),
 * and a run's task instances are read across pages.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { generateSecrets } from '../../../src/dev/secrets.js';
import { runCli } from '../../support/cli.js';
import { mappedTis, startFakeAirflow, type FakeAirflow } from './fake-airflow.js';

let dir: string;
let fake: FakeAirflow;
const HOUR_AGO = new Date(Date.now() - 3_600_000);

const BROKEN_TRACE = [
  'Traceback (most recent call last):',
  '  File "/opt/airflow/dags/broken_dag.py", line 9, in <module>',
  '    import nope',
  "ModuleNotFoundError: No module named 'nope'",
].join('\n');

describe('dev run-dag against a fake Airflow API', () => {
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-rundag-'));
    await writeFile(path.join(dir, 'airflow-aws.yaml'), ['name: rundag-test', 'region: us-east-1', 'airflow:', '  auth: simple', ''].join('\n'));
    await mkdir(path.join(dir, 'dags'));
    const dagFile = 'from airflow.sdk import dag\n';
    await writeFile(path.join(dir, 'dags', 'example_pipeline.py'), dagFile);
    await writeFile(path.join(dir, 'dags', 'aaa_far_away.py'), dagFile);
    await writeFile(path.join(dir, 'dags', 'broken_dag.py'), `${dagFile}import nope\n`);
    await writeFile(path.join(dir, 'dags', 'helpers.py'), 'def add(a, b):\n    return a + b\n');
    for (const f of ['example_pipeline.py', 'aaa_far_away.py', 'broken_dag.py']) await utimes(path.join(dir, 'dags', f), HOUR_AGO, HOUR_AGO);

    const secrets = generateSecrets((n) => randomBytes(n));
    const stateDir = path.join(dir, '.airflow-aws', 'dev');
    await mkdir(stateDir, { recursive: true });
    await writeFile(path.join(stateDir, 'secrets.json'), JSON.stringify(secrets), { mode: 0o600 });
    fake = await startFakeAirflow({ dags: [], importErrors: [], runs: {}, taskInstances: {} }, { maxPageLimit: 3, password: secrets.adminPassword });
    // Docker mode: nothing to check about local pids, and Airflow sees the folder at /opt/airflow/dags.
    await writeFile(
      path.join(stateDir, 'state.json'),
      JSON.stringify({ version: 1, mode: 'docker', airflowMajor: 3, apiPort: fake.port, startedAt: new Date().toISOString() }),
    );
  });
  after(async () => {
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    const parsed = new Date().toISOString();
    fake.data.dags = [
      { dag_id: 'example_pipeline', fileloc: '/opt/airflow/dags/example_pipeline.py', relative_fileloc: 'example_pipeline.py', is_paused: true, last_parsed_time: parsed },
      { dag_id: 'aaa_far_away', fileloc: '/opt/airflow/dags/aaa_far_away.py', relative_fileloc: 'aaa_far_away.py', is_paused: false, last_parsed_time: parsed },
    ];
    fake.data.importErrors = [{ import_error_id: 1, filename: 'broken_dag.py', bundle_name: 'dags-folder', stack_trace: BROKEN_TRACE, timestamp: parsed }];
  });

  it('fails at once with exit 2 on an unknown id once every DAG file is parsed, closest known DAG first', async () => {
    const started = Date.now();
    const r = await runCli(['dev', 'run-dag', 'example_pipelin', '--timeout', '600'], { cwd: dir, killAfterMs: 60_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    assert.match(r.stderr, /error: Airflow does not know a DAG "example_pipelin"/);
    assert.match(r.stderr, /known DAGs, closest first: example_pipeline, aaa_far_away$/m);
    assert.match(r.stderr, /^ {4}dags\/broken_dag\.py:9: ModuleNotFoundError: No module named 'nope'$/m);
    assert.match(r.stderr, /skipped by safe mode .*: dags\/helpers\.py$/m);
    assert.match(r.stderr, /hint: did you mean example_pipeline\?/);
  });

  it('waits for a DAG file edited after its last parse, and exits 124 when --timeout ends first', async () => {
    fake.data.dags[0]!.last_parsed_time = new Date(HOUR_AGO.getTime() - 60_000).toISOString();
    const started = Date.now();
    const r = await runCli(['dev', 'run-dag', 'renamed_pipeline', '--timeout', '3'], { cwd: dir, killAfterMs: 60_000 });
    assert.equal(r.code, 124, r.stderr);
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
    assert.match(r.stderr, /waiting for renamed_pipeline to be parsed/);
    assert.match(r.stderr, /not parsed yet: dags\/example_pipeline\.py/);
  });

  it('runs a known DAG and reports every task instance, across pages', async () => {
    fake.data.taskInstances['manual__1'] = mappedTis('fan_out', 7);
    const r = await runCli(['dev', 'run-dag', 'example_pipeline', '--json', '--timeout', '60'], { cwd: dir, killAfterMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { state: string; task_instances: { map_index: number }[] };
    assert.equal(out.state, 'success');
    assert.deepEqual(out.task_instances.map((t) => t.map_index), [0, 1, 2, 3, 4, 5, 6]);
    assert.match(r.stderr, /unpausing example_pipeline/);
  });
});
