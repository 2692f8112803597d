/**
 * `airflow-aws dev` in native mode, end to end, with real Airflow (from PyPI, through the project's lock) and the
 * machine's PostgreSQL. One environment serves every assertion, in order; the first run builds the virtualenv
 * (minutes; cached under AIRFLOW_AWS_CACHE by lock hash).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDevProject, processAlive, waitFor, type DevProject } from '../../support/dev-project.js';
import { formatLogContent } from '../../../src/dev/api-shapes.js';
import { CONTROLLED_AIRFLOW_CFG } from '../../../src/dev/airflow-env.js';

let project: DevProject;
let firstRunId: string;

describe('dev (native mode) with real Airflow and PostgreSQL', { timeout: 3_600_000 }, () => {
  before(async () => {
    project = await createDevProject();
  });

  after(async () => {
    if (!project) return;
    await project.cli(['dev', 'down', '--purge'], 180_000);
    await rm(project.dir, { recursive: true, force: true });
  });

  it('parse reports the broken DAG with file and line and exits 1, without a running Airflow', { timeout: 1_800_000 }, async () => {
    const r = await project.cli(['dev', 'parse', '--native'], 1_800_000);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^dags\/broken_dag\.py:9: ModuleNotFoundError: No module named 'airflow_aws_no_such_module'$/m);
    const json = await project.cli(['dev', 'parse', '--native', '--json']);
    const parsed = JSON.parse(json.stdout) as { dags: string[]; import_errors: { file: string; line: number }[] };
    assert.deepEqual(parsed.dags, ['example_pipeline', 'failing_pipeline', 'slow_pipeline']);
    assert.deepEqual(parsed.import_errors.map((e) => [e.file, e.line]), [['dags/broken_dag.py', 9]]);
  });

  it('up --detach returns once the API reports every component healthy and shows the admin login once', { timeout: 900_000 }, async () => {
    const r = await project.cli(['dev', 'up', '--native', '--detach', '--port', String(await freeApiPort())], 900_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Airflow is up: http:\/\/localhost:\d+/);
    // stderr is a pipe here, as in CI: the password is not printed, only where to read it.
    const secretsFile = path.join(project.dir, '.airflow-aws', 'dev', 'secrets.json');
    const { adminPassword } = JSON.parse((await import('node:fs')).readFileSync(secretsFile, 'utf8')) as { adminPassword: string };
    assert.ok(!r.stderr.includes(adminPassword), 'the admin password must not reach a non-terminal');
    assert.ok(r.stderr.includes(`login: admin; password: "adminPassword" in ${secretsFile} (mode 0600)`), r.stderr);
    // Airflow found our airflow.cfg and wrote none of its own (no SQLite URL, no second set of secrets on disk).
    const cfg = (await import('node:fs')).readFileSync(path.join(project.dir, '.airflow-aws', 'dev', 'airflow-home', 'airflow.cfg'), 'utf8');
    assert.equal(cfg, CONTROLLED_AIRFLOW_CFG);
    const status = await project.cli(['dev', 'status', '--json']);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    const s = JSON.parse(status.stdout) as { healthy: boolean; mode: string; components: { name: string; state: string }[] };
    assert.equal(s.mode, 'native');
    assert.deepEqual(s.components.map((c) => [c.name, c.state]), [
      ['postgres', 'running'],
      ['api-server', 'running'],
      ['scheduler', 'running'],
      ['dag-processor', 'running'],
      ['triggerer', 'running'],
    ]);
    const secretsMode = (await import('node:fs')).statSync(path.join(project.dir, '.airflow-aws', 'dev', 'secrets.json')).mode & 0o777;
    assert.equal(secretsMode, 0o600);
  });

  it('run-dag runs the example pipeline (XCom between tasks, provider import) to success', { timeout: 600_000 }, async () => {
    const r = await project.cli(['dev', 'run-dag', 'example_pipeline', '--timeout', '300', '--json'], 400_000);
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout) as { state: string; run_id: string; task_instances: { task_id: string; state: string }[] };
    assert.equal(run.state, 'success');
    assert.deepEqual(run.task_instances.map((t) => [t.task_id, t.state]).sort(), [
      ['extract', 'success'],
      ['load', 'success'],
      ['transform', 'success'],
    ]);
    firstRunId = run.run_id;
    // The summary computed from extract's XCom reached load, which imported the Amazon provider.
    const api = await project.api();
    const log = formatLogContent(await api.taskLog('example_pipeline', run.run_id, 'load', 1));
    const line = /would write (\{[^}]*\}) to summaries\/s3hook-31\.json/.exec(log);
    assert.ok(line, log);
    for (const kv of ["'count': 8", "'total': 31", "'mean': 3.875"]) assert.ok(line[1]!.includes(kv), line[1]);
  });

  it('run-dag exits 1 on a failing task and prints that task’s log', { timeout: 600_000 }, async () => {
    const r = await project.cli(['dev', 'run-dag', 'failing_pipeline', '--timeout', '300'], 400_000);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /explode\s+failed/);
    assert.match(r.stdout, /prepare\s+success/);
    assert.match(r.stderr, /log of explode \(try 1\)/);
    assert.match(r.stderr, /ValueError: fixture failure: the answer was 42/);
    assert.match(r.stderr, /failing_pipeline\.py", line 17, in explode/);
  });

  it('run-dag fails fast with exit 2 on an unknown DAG id, naming the closest known DAG first', { timeout: 300_000 }, async () => {
    const started = Date.now();
    const r = await project.cli(['dev', 'run-dag', 'example_pipelin', '--timeout', '600'], 300_000);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(r.code, 2, r.stderr);
    assert.ok(seconds < 120, `took ${seconds} s: it waited instead of failing once the DAG folder was parsed`);
    assert.match(r.stderr, /Airflow does not know a DAG "example_pipelin"/);
    assert.match(r.stderr, /known DAGs, closest first: example_pipeline, /);
    assert.match(r.stderr, /dags\/broken_dag\.py(?::\d+)?: ModuleNotFoundError: No module named 'airflow_aws_no_such_module'/);
    assert.match(r.stderr, /hint: did you mean example_pipeline\?/);
  });

  it('a run survives the scheduler being killed while its task runs', { timeout: 900_000 }, async () => {
    const api = await project.api();
    await api.setPaused('slow_pipeline', false);
    const run = await api.triggerRun('slow_pipeline', {});
    await waitFor(
      'the slow task to run',
      async () => (await api.taskInstances('slow_pipeline', run.dag_run_id)).some((t) => t.task_id === 'slow' && t.state === 'running'),
      180_000,
    );
    const before = (await project.state()).components!.find((c) => c.name === 'scheduler')!;
    process.kill(before.pid!, 'SIGKILL');
    const restarted = await waitFor(
      'the supervisor to restart the scheduler',
      async () => {
        const c = (await project.state()).components!.find((x) => x.name === 'scheduler')!;
        return c.pid && c.pid !== before.pid && c.restarts === before.restarts + 1 ? c : undefined;
      },
      120_000,
    );
    assert.ok(processAlive(restarted.pid!));
    const final = await waitFor(
      'the run to finish',
      async () => {
        const r = await api.getRun('slow_pipeline', run.dag_run_id);
        return r.state === 'success' || r.state === 'failed' ? r : undefined;
      },
      600_000,
    ).catch(async (e: Error) => {
      // Where it stuck is the first thing to look at: the task states and the scheduler's last words.
      const tis = await api.taskInstances('slow_pipeline', run.dag_run_id);
      const log = await project.cli(['dev', 'logs', 'scheduler', '--tail', '40']);
      throw new Error(`${e.message}; tasks: ${tis.map((t) => `${t.task_id}=${t.state}`).join(', ')}\n${log.stdout}`);
    });
    assert.equal(final.state, 'success');
  });

  it('components recover after PostgreSQL dies and comes back', { timeout: 900_000 }, async () => {
    const pg = (await project.state()).components!.find((c) => c.name === 'postgres')!;
    process.kill(pg.pid!, 'SIGKILL');
    await waitFor(
      'PostgreSQL to be restarted',
      async () => {
        const c = (await project.state()).components!.find((x) => x.name === 'postgres')!;
        return c.pid && c.pid !== pg.pid;
      },
      120_000,
    );
    await waitFor('the API to report healthy again', async () => (await project.cli(['dev', 'status'])).code === 0, 300_000);
    const r = await project.cli(['dev', 'run-dag', 'example_pipeline', '--timeout', '300'], 400_000);
    assert.equal(r.code, 0, r.stderr);
  });

  it('down stops every process; up again keeps the run history', { timeout: 900_000 }, async () => {
    const st = await project.state();
    const pids = [st.supervisorPid!, ...(st.groups ?? [])];
    const down = await project.cli(['dev', 'down'], 180_000);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(pids.filter(processAlive), [], 'processes outlived `dev down`');
    assert.equal(existsSync(path.join(project.dir, '.airflow-aws', 'dev', 'state.json')), false);
    assert.equal((await project.cli(['dev', 'status'])).code, 3);

    const up = await project.cli(['dev', 'up', '--native', '--detach', '--port', String(await freeApiPort())], 900_000);
    assert.equal(up.code, 0, up.stderr);
    assert.doesNotMatch(up.stderr, /shown once/, 'credentials must be shown only when first generated');
    const runs = await (await project.api()).listRuns('example_pipeline');
    assert.ok(runs.some((r) => r.dag_run_id === firstRunId), `run ${firstRunId} is gone after down/up`);
    const logs = await project.cli(['dev', 'logs', 'scheduler', '--tail', '1000000']);
    assert.equal(logs.code, 0);
    assert.match(logs.stdout, /\[airflow-aws .*\] starting: .*airflow scheduler/);
  });

  it('down --purge deletes the database, logs and secrets, wherever the data dir lives', { timeout: 300_000 }, async () => {
    const stateDir = path.join(project.dir, '.airflow-aws', 'dev');
    const dataDir = (await project.state()).postgresDataDir as string;
    assert.ok(existsSync(path.join(dataDir, 'PG_VERSION')));
    const r = await project.cli(['dev', 'down', '--purge'], 180_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(stateDir), false);
    assert.equal(existsSync(dataDir), false);
  });

  it('parse warns about a Python file safe mode skips (stderr, and `skipped` in --json) and keeps its exit code', { timeout: 1_800_000 }, async () => {
    const r = await project.cli(['dev', 'parse', '--native', '--json'], 1_800_000);
    assert.equal(r.code, 1, r.stderr); // the broken DAG still fails it; the warning does not change that
    assert.match(r.stderr, /^warning: skipped by safe mode: dags\/plain_helpers\.py$/m);
    const parsed = JSON.parse(r.stdout) as { dags: string[]; skipped: string[] };
    assert.deepEqual(parsed.skipped, ['dags/plain_helpers.py']);
    assert.deepEqual(parsed.dags, ['example_pipeline', 'failing_pipeline', 'slow_pipeline']);
  });
});

async function freeApiPort(): Promise<number> {
  const { freePort } = await import('../../../src/adapters/fs/dev-state.js');
  return freePort();
}
