/**
 * The database bootstrap Job's script (src/k8s/jobs.ts BOOTSTRAP_SCRIPT) against a real PostgreSQL, run as an
 * RDS-like master: a non-superuser with CREATEROLE and CREATEDB that owns the pre-created `airflow` database.
 * Needs psycopg2, which the Airflow image has; here a small cached venv provides it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BOOTSTRAP_SCRIPT } from '../../../src/k8s/jobs.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';

const PSYCOPG2 = 'psycopg2-binary==2.9.13';

/** python3 with psycopg2: $AIRFLOW_AWS_PSYCOPG2_PYTHON, else a venv cached under ${AIRFLOW_AWS_CACHE}/k8s. */
function pythonWithPsycopg2(): string {
  const fromEnv = process.env['AIRFLOW_AWS_PSYCOPG2_PYTHON'];
  if (fromEnv) return fromEnv;
  const venv = path.join(process.env['AIRFLOW_AWS_CACHE'] ?? '/var/cache/airflow-aws', 'k8s', 'py-psycopg2');
  const py = path.join(venv, 'bin', 'python');
  const ok = () => existsSync(py) && spawnSync(py, ['-c', 'import psycopg2'], { stdio: 'ignore' }).status === 0;
  if (ok()) return py;
  try {
    mkdirSync(path.dirname(venv), { recursive: true });
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'pipe' });
    execFileSync(path.join(venv, 'bin', 'pip'), ['install', '--quiet', PSYCOPG2], { stdio: 'pipe', timeout: 180_000 });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(
      `cannot prepare a Python with ${PSYCOPG2} in ${venv} (needs python3-venv and PyPI, or set AIRFLOW_AWS_PSYCOPG2_PYTHON): ${err.stderr?.toString() ?? err.message}`,
    );
  }
  if (!ok()) throw new Error(`psycopg2 still not importable from ${py}`);
  return py;
}

describe('database bootstrap script on a real PostgreSQL', () => {
  let pg: PostgresServer;
  let python: string;
  const masterPassword = 'master-pw';

  const psql = (sql: string, user = 'airflow', password = '', db = 'airflow'): string => {
    const script = `import os, psycopg2\nc = psycopg2.connect(host="127.0.0.1", port=${pg.port}, user=os.environ["U"], password=os.environ["P"], dbname=os.environ["D"])\nc.autocommit = True\ncur = c.cursor()\ncur.execute(os.environ["SQL"])\nprint(cur.fetchall() if cur.description else "ok")`;
    const r = spawnSync(python, ['-c', script], { env: { U: user, P: password || pg.password, D: db, SQL: sql }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`SQL failed (${sql}): ${r.stderr}`);
    return r.stdout.trim();
  };

  const bootstrap = (env: Record<string, string> = {}) =>
    spawnSync(python, ['-c', BOOTSTRAP_SCRIPT], {
      encoding: 'utf8',
      env: {
        DB_HOST: '127.0.0.1',
        DB_PORT: String(pg.port),
        DB_SSLMODE: 'disable',
        DB_MASTER_USER: 'master',
        DB_MASTER_PASSWORD: masterPassword,
        AIRFLOW_DB_USER: 'airflow_app',
        AIRFLOW_DB_NAME: 'airflow',
        AIRFLOW_DB_PASSWORD: 'app-pw-1',
        ...env,
      },
    });

  before(async () => {
    python = pythonWithPsycopg2();
    pg = await startPostgres();
    // RDS-like master: not a superuser; owns the database CloudFormation created.
    psql(`CREATE ROLE master WITH LOGIN CREATEROLE CREATEDB PASSWORD '${masterPassword}'`);
    psql('ALTER DATABASE airflow OWNER TO master');
  });
  after(async () => {
    await pg?.stop();
  });

  it('creates the Airflow role, hands it the existing database, and lets it create tables', () => {
    const r = bootstrap();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /role airflow_app: created/);
    assert.match(r.stdout, /database airflow: exists, owner airflow_app/);
    assert.equal(psql('CREATE TABLE IF NOT EXISTS alembic_version_probe (x int)', 'airflow_app', 'app-pw-1'), 'ok');
  });

  it('is idempotent and keeps the password in sync with the Secret', () => {
    const r = bootstrap({ AIRFLOW_DB_PASSWORD: 'app-pw-2' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /role airflow_app: password synchronised/);
    assert.equal(psql('SELECT 1', 'airflow_app', 'app-pw-2'), '[(1,)]');
  });

  it('creates a missing database owned by the Airflow role', () => {
    const r = bootstrap({ AIRFLOW_DB_NAME: 'airflow_new', AIRFLOW_DB_PASSWORD: 'app-pw-2' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /database airflow_new: created, owner airflow_app/);
    assert.equal(psql('CREATE TABLE t (x int)', 'airflow_app', 'app-pw-2', 'airflow_new'), 'ok');
  });

  it('refuses to turn the master user into the Airflow user', () => {
    const r = bootstrap({ AIRFLOW_DB_USER: 'master' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /refusing to bootstrap: the Airflow user master is the master user itself/);
  });

  it('never prints a password', () => {
    const r = bootstrap({ AIRFLOW_DB_PASSWORD: 'app-pw-2' });
    assert.ok(!`${r.stdout}${r.stderr}`.includes('app-pw-2') && !`${r.stdout}${r.stderr}`.includes(masterPassword));
  });
});
