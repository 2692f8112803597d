/**
 * Airflow 2.9.0 (the origin project's version) through the same lock → wheelhouse → build path as Airflow 3, on a
 * real Docker engine: it reports its version, `api-server` maps to `airflow webserver`, and `db migrate` runs
 * against a real PostgreSQL 15.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { lockedPins } from '../../../src/image/lock.js';
import { docker, requireImage, TEST_BASE_IMAGE } from '../../support/docker-testbed.js';
import { buildImage, createImageProject, type BuildResult, type ImageProject } from '../../support/image-project.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';

const AIRFLOW = '2.9.0';

describe(`the Airflow ${AIRFLOW} image (real Docker engine)`, { timeout: 2_400_000 }, () => {
  let project: ImageProject;
  let built: BuildResult;
  let pg: PostgresServer | undefined;

  before(async () => {
    requireImage(TEST_BASE_IMAGE, 'python-image');
    project = await createImageProject({ airflowVersion: AIRFLOW, python: '3.11', name: 'imgtest2' });
    await project.lock();
    const wheelhouse = await project.wheelhouse();
    built = await buildImage(project, ['--wheelhouse', wheelhouse, '--base-image', TEST_BASE_IMAGE]);
  });

  after(async () => {
    await pg?.stop();
    if (project) await rm(project.dir, { recursive: true, force: true });
  });

  it('locks FAB through Airflow 2 itself (no fab extra) together with the three providers', async () => {
    const text = await project.lockText();
    assert.match(text, /extras=amazon,cncf\.kubernetes,postgres\n/);
    const pins = lockedPins(text);
    assert.equal(pins.get('apache-airflow'), AIRFLOW);
    for (const p of ['apache-airflow-providers-fab', 'apache-airflow-providers-amazon', 'apache-airflow-providers-cncf-kubernetes', 'apache-airflow-providers-postgres']) {
      assert.ok(pins.has(p), `${p} is locked`);
    }
  });

  it('reports its version', () => {
    const r = docker(['run', '--rm', built.image]);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.equal(r.stdout.trim().split('\n').pop(), AIRFLOW);
  });

  it('runs `airflow webserver` for the api-server command on Airflow 2', () => {
    const r = docker(['run', '--rm', '-e', 'AIRFLOW_AWS_DB_WAIT_SECONDS=0', built.image, 'api-server', '--help']);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.match(r.stdout, /usage: airflow webserver/i);
  });

  it('migrates a real PostgreSQL 15 with `migrate`', async () => {
    pg = await startPostgres();
    const r = docker(['run', '--rm', '--network', 'host', '-e', `AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=${pg.url}`, built.image, 'migrate']);
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    assert.match(r.stdout + r.stderr, /Database migrating done!|Migrating the Airflow database/);
  });
});
