/**
 * `airflow-aws dev` in Docker mode, end to end: the project image built by `airflow-aws image build` (offline, from
 * a wheelhouse, on the testbed's Python base), a PostgreSQL container, real Airflow. One environment serves every
 * assertion, in order.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../../src/adapters/fs/dev-state.js';
import { dockerNames } from '../../../src/dev/plan.js';
import { docker, requireDocker } from '../../support/docker-testbed.js';
import { buildProjectImage, ensurePostgresImage } from '../../support/dev-docker.js';
import { createDevProject, waitFor, type DevProject } from '../../support/dev-project.js';

let project: DevProject;
let postgresImage: string;
let firstRunId: string;
let names: ReturnType<typeof dockerNames>;
let image: string | undefined;

describe('dev (Docker mode) with the project image and a PostgreSQL container', { timeout: 3_600_000 }, () => {
  before(async () => {
    requireDocker();
    postgresImage = await ensurePostgresImage();
    project = await createDevProject({ name: 'devdock' });
    names = dockerNames(project.name);
    image = await buildProjectImage(project);
  });

  after(async () => {
    if (!project) return;
    await project.cli(['dev', 'down', '--purge'], 300_000);
    await rm(project.dir, { recursive: true, force: true });
    // The tag only: its layers are shared with every other build of the same lock.
    if (image) docker(['image', 'rm', image]);
  });

  it('parse runs inside the image and reports the broken DAG with file and line', { timeout: 600_000 }, async () => {
    const r = await project.cli(['dev', 'parse']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^dags\/broken_dag\.py:9: ModuleNotFoundError: No module named 'airflow_aws_no_such_module'$/m);
  });

  it('up (no --native: an engine answers) starts the containers and returns once healthy', { timeout: 900_000 }, async () => {
    const r = await project.cli(['dev', 'up', '--port', String(await freePort()), '--postgres-image', postgresImage], 900_000);
    assert.equal(r.code, 0, r.stderr);
    // stderr is a pipe here, as in CI: the password is not printed, only where to read it.
    const secretsFile = path.join(project.dir, '.airflow-aws', 'dev', 'secrets.json');
    const { adminPassword } = JSON.parse(readFileSync(secretsFile, 'utf8')) as { adminPassword: string };
    assert.ok(!r.stderr.includes(adminPassword), 'the admin password must not reach a non-terminal');
    assert.ok(r.stderr.includes(`login: admin; password: "adminPassword" in ${secretsFile} (mode 0600)`), r.stderr);
    const s = JSON.parse((await project.cli(['dev', 'status', '--json'])).stdout) as { mode: string; healthy: boolean; components: { name: string; state: string }[] };
    assert.equal(s.mode, 'docker');
    assert.equal(s.healthy, true);
    assert.deepEqual(s.components.map((c) => [c.name, c.state]), [
      ['postgres', 'running'],
      ['api-server', 'running'],
      ['scheduler', 'running'],
      ['dag-processor', 'running'],
      ['triggerer', 'running'],
    ]);
    // Secrets reach containers through env files, never the command line.
    const inspect = docker(['inspect', '--format', '{{json .Args}} {{json .Path}}', names.container('scheduler')]);
    const secrets = JSON.parse(await (await import('node:fs/promises')).readFile(`${project.dir}/.airflow-aws/dev/secrets.json`, 'utf8'));
    assert.ok(!inspect.stdout.includes(secrets.postgresPassword));
  });

  it('run-dag runs the example pipeline to success', { timeout: 600_000 }, async () => {
    const r = await project.cli(['dev', 'run-dag', 'example_pipeline', '--timeout', '300', '--json'], 400_000);
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout) as { state: string; run_id: string };
    assert.equal(run.state, 'success');
    firstRunId = run.run_id;
  });

  it('run-dag exits 1 on a failing task and prints that task’s log', { timeout: 600_000 }, async () => {
    const r = await project.cli(['dev', 'run-dag', 'failing_pipeline', '--timeout', '300'], 400_000);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ValueError: fixture failure: the answer was 42/);
  });

  it('a run survives the scheduler container crashing while its task runs', { timeout: 900_000 }, async () => {
    const api = await project.api();
    await api.setPaused('slow_pipeline', false);
    const run = await api.triggerRun('slow_pipeline', {});
    await waitFor(
      'the slow task to run',
      async () => (await api.taskInstances('slow_pipeline', run.dag_run_id)).some((t) => t.task_id === 'slow' && t.state === 'running'),
      180_000,
    );
    // Kill the container's main process from outside (a crash, not `docker stop`): the restart policy applies.
    const pid = Number(docker(['inspect', '--format', '{{.State.Pid}}', names.container('scheduler')]).stdout.trim());
    process.kill(pid, 'SIGKILL');
    await waitFor(
      'Docker to restart the scheduler',
      async () => Number(docker(['inspect', '--format', '{{.RestartCount}}', names.container('scheduler')]).stdout.trim()) >= 1,
      120_000,
    );
    const final = await waitFor(
      'the run to finish',
      async () => {
        const r = await api.getRun('slow_pipeline', run.dag_run_id);
        return r.state === 'success' || r.state === 'failed' ? r : undefined;
      },
      600_000,
    );
    assert.equal(final.state, 'success');
  });

  it('down keeps the database volume; up again keeps the run history; down --purge removes it', { timeout: 900_000 }, async () => {
    assert.equal((await project.cli(['dev', 'down'], 300_000)).code, 0);
    assert.equal(docker(['ps', '-aq', '--filter', `label=${names.label}`]).stdout.trim(), '');
    assert.equal(docker(['volume', 'inspect', names.volume]).status, 0);
    const up = await project.cli(['dev', 'up', '--port', String(await freePort()), '--postgres-image', postgresImage], 900_000);
    assert.equal(up.code, 0, up.stderr);
    const runs = await (await project.api()).listRuns('example_pipeline');
    assert.ok(runs.some((r) => r.dag_run_id === firstRunId), `run ${firstRunId} is gone after down/up`);
    // --purge after a plain down still finds the volume (no state file, no containers left).
    assert.equal((await project.cli(['dev', 'down'], 300_000)).code, 0);
    assert.equal((await project.cli(['dev', 'down', '--purge'], 300_000)).code, 0);
    assert.notEqual(docker(['volume', 'inspect', names.volume]).status, 0);
  });
});
