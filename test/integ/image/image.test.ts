/**
 * The image against real peers: a real Docker engine (legacy builder) builds Airflow 3 from our lock, installed
 * from PyPI wheels through a host wheelhouse (HTTPS from inside containers fails on our machines, so the offline
 * wheelhouse path is the path tested here), on a locally made base (local/python:3.11-bookworm stands in for
 * python:3.12-slim-bookworm). Then: run it, wait for a closed port and a real PostgreSQL 15, migrate, create
 * the admin, push to an htpasswd registry with moto's ECR token and pull back by digest.
 *
 * One image is built and shared by every test in this file (the first build takes ~2 minutes).
 */
import assert from 'node:assert/strict';
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BARE_BASE_IMAGE, docker, requireImage, startRegistry, TEST_BASE_IMAGE } from '../../support/docker-testbed.js';
import { buildImage, createImageProject, type BuildResult, type ImageProject } from '../../support/image-project.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';

const AIRFLOW = '3.3.2';

describe(`the Airflow ${AIRFLOW} image (real Docker engine)`, { timeout: 2_400_000 }, () => {
  let project: ImageProject;
  let wheelhouse: string;
  let built: BuildResult;
  let pg: PostgresServer | undefined;

  before(async () => {
    requireImage(TEST_BASE_IMAGE, 'python-image');
    project = await createImageProject({ airflowVersion: AIRFLOW, python: '3.11' });
    await project.lock();
    wheelhouse = await project.wheelhouse();
    built = await buildImage(project, ['--wheelhouse', wheelhouse, '--base-image', TEST_BASE_IMAGE]);
  });

  after(async () => {
    await pg?.stop();
    if (project) await rm(project.dir, { recursive: true, force: true });
  });

  it('installs the locked Airflow: `airflow version` prints the configured version', () => {
    const r = docker(['run', '--rm', built.image]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), AIRFLOW);
    assert.match(built.tag, new RegExp(`^${AIRFLOW.replace(/\./g, '\\.')}-py3\\.11-[0-9a-f]{12}$`));
  });

  it('runs as uid 50000 gid 0 with AIRFLOW_HOME=/opt/airflow, the DAGs in place, and no compiler or sudo', () => {
    const r = docker(['run', '--rm', built.image, 'bash', '-c', 'id -u; id -g; echo "$AIRFLOW_HOME"; ls /opt/airflow/dags']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['50000', '0', '/opt/airflow', 'hello.py']);
    for (const tool of ['gcc', 'cc', 'g++', 'make', 'sudo', 'pip']) {
      const t = docker(['run', '--rm', built.image, 'bash', '-c', `command -v ${tool} || echo absent`]);
      assert.equal(t.stdout.trim(), 'absent', `${tool} must not be in the runtime image`);
    }
    const ca = docker(['run', '--rm', built.image, 'bash', '-c', 'ls /tmp/extra-ca.pem /tmp/wheels 2>&1 || true']);
    assert.match(ca.stdout, /No such file/);
  });

  it('labels the image with the Airflow version, Python and its own tag (OCI labels)', () => {
    const r = docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', built.image]);
    const labels = JSON.parse(r.stdout) as Record<string, string>;
    assert.equal(labels['org.apache.airflow.version'], AIRFLOW);
    assert.equal(labels['io.airflow-aws.python'], '3.11');
    assert.equal(labels['org.opencontainers.image.version'], built.tag);
    assert.equal(labels['org.opencontainers.image.base.name'], TEST_BASE_IMAGE);
    assert.ok(labels['org.opencontainers.image.revision'], 'revision label present');
  });

  it('does not rebuild when config, lock, DAGs and plugins are unchanged (same content tag)', async () => {
    const again = await buildImage(project, ['--wheelhouse', wheelhouse, '--base-image', TEST_BASE_IMAGE]);
    assert.equal(again.built, false);
    assert.equal(again.image, built.image);
  });

  it('rebuilds only the runtime image after a DAG edit: same builder image, a context without lock or wheelhouse', async () => {
    const dag = path.join(project.dir, 'dags', 'hello.py');
    const original = await readFile(dag, 'utf8');
    try {
      await writeFile(dag, `${original}\n# edited\n`);
      const r = await project.cli(['image', 'build', '--json', '--verbose', '--wheelhouse', wheelhouse, '--base-image', TEST_BASE_IMAGE], 600_000);
      assert.equal(r.code, 0, r.stderr.slice(-3000));
      const edited = JSON.parse(r.stdout) as BuildResult;
      assert.equal(edited.built, true);
      assert.notEqual(edited.image, built.image);
      assert.equal(edited.builderBuilt, false);
      assert.equal(edited.builderImage, built.builderImage);
      // The legacy builder reports each context it sends: one build, a few kB (the wheelhouse is ~110 MB).
      const sent = [...r.stderr.matchAll(/Sending build context to Docker daemon\s+([\d.]+)([kMG]B)/g)];
      assert.equal(sent.length, 1, r.stderr.slice(-3000));
      assert.equal(sent[0]![2], 'kB', `context sent: ${sent[0]![1]}${sent[0]![2]}`);
      assert.ok(!/requirements\.lock|wheels/.test(docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', edited.image]).stdout));
      docker(['image', 'rm', edited.image]);
    } finally {
      await writeFile(dag, original);
    }
  });

  it('ships the virtualenv without package tests, type stubs or C sources, with bytecode and loadable extensions', () => {
    const script = [
      'site=$(python -c "import sysconfig; print(sysconfig.get_paths()[\'purelib\'])")',
      'find "$site" -mindepth 2 -type d -name tests | wc -l',
      'find "$site" \\( -name "*.pyi" -o -name "*.pyx" -o -name "*.c" \\) | wc -l',
      'find "$site/airflow" -name "*.pyc" | wc -l',
      'python -c "import uvloop, asyncpg, yaml._yaml, cryptography.hazmat.bindings._rust, psycopg2; print(\'ok\')"',
    ].join('; ');
    const r = docker(['run', '--rm', built.image, 'bash', '-c', script]);
    assert.equal(r.status, 0, r.stderr);
    const [tests, sources, pyc, imports] = r.stdout.trim().split('\n');
    assert.equal(tests, '0');
    assert.equal(sources, '0');
    assert.ok(Number(pyc) > 1000, `airflow bytecode files: ${pyc}`);
    assert.equal(imports, 'ok');
  });

  it('starts `airflow api-server` for the api-server command on Airflow 3', () => {
    const r = docker(['run', '--rm', '-e', 'AIRFLOW_AWS_DB_WAIT_SECONDS=0', built.image, 'api-server', '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /usage: airflow api-server/i);
  });

  it('gives up waiting for a closed database port after the bound, printing the last error without the password', () => {
    const r = docker([
      'run', '--rm', '--network', 'host',
      '-e', 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql+psycopg2://airflow:s3cr3t-pw@127.0.0.1:9/airflow',
      '-e', 'AIRFLOW_AWS_DB_WAIT_SECONDS=4', '-e', 'AIRFLOW_AWS_DB_WAIT_INTERVAL=1',
      built.image, 'scheduler',
    ]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not reachable within 4s/);
    assert.match(r.stderr, /Connection refused/);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cr3t-pw/);
  });

  it('waits for a real PostgreSQL 15, runs `db migrate` and creates the FAB admin from a password file', async () => {
    pg = await startPostgres();
    const fab = 'airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager';
    const env = ['-e', `AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=${pg.url}`, '-e', `AIRFLOW__CORE__AUTH_MANAGER=${fab}`];
    const wait = docker(['run', '--rm', '--network', 'host', ...env, built.image, 'wait-for-db']);
    assert.equal(wait.status, 0, wait.stderr);
    assert.match(wait.stderr, /is reachable/);

    const migrate = docker(['run', '--rm', '--network', 'host', ...env, built.image, 'migrate']);
    assert.equal(migrate.status, 0, migrate.stderr.slice(-3000));

    const dir = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-admin-'));
    try {
      // Like a Secret volume: readable by the pod's UID (50000), which is not this test's UID.
      await chmod(dir, 0o755);
      await writeFile(path.join(dir, 'password'), 'Adm1n-pass\n', { mode: 0o644 });
      const admin = docker([
        'run', '--rm', '--network', 'host', ...env,
        '-v', `${dir}:/run/secrets/admin:ro`, '-e', 'AIRFLOW_ADMIN_PASSWORD_FILE=/run/secrets/admin/password',
        built.image, 'create-admin',
      ]);
      assert.equal(admin.status, 0, admin.stderr.slice(-3000));
      const users = docker(['run', '--rm', '--network', 'host', ...env, built.image, 'airflow', 'users', 'list', '--output', 'json']);
      assert.equal(users.status, 0, users.stderr.slice(-2000));
      assert.match(users.stdout, /"username": "admin"/);
      const again = docker([
        'run', '--rm', '--network', 'host', ...env,
        '-v', `${dir}:/run/secrets/admin:ro`, '-e', 'AIRFLOW_ADMIN_PASSWORD_FILE=/run/secrets/admin/password',
        built.image, 'create-admin',
      ]);
      assert.equal(again.status, 0, again.stderr.slice(-2000));
      assert.match(again.stdout + again.stderr, /already exist/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("pushes to an htpasswd registry with moto's ECR token, skips an existing tag, and pulls back by digest", async () => {
    let moto: MotoServer | undefined;
    let registry;
    try {
      moto = await startMoto();
      // moto's GetAuthorizationToken decodes to AWS:<account>-auth-token; the registry accepts exactly that.
      registry = await startRegistry('AWS', '123456789012-auth-token');
      const push = await project.cli(['image', 'push', '--json', '--registry', registry.host, '--base-image', TEST_BASE_IMAGE], 600_000, moto.env);
      assert.equal(push.code, 0, push.stderr);
      const pushed = JSON.parse(push.stdout) as { image: string; digest: string; pushed: boolean };
      assert.equal(pushed.pushed, true);
      assert.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);
      assert.doesNotMatch(push.stderr, /auth-token/);

      const second = await project.cli(['image', 'push', '--json', '--registry', registry.host, '--base-image', TEST_BASE_IMAGE], 600_000, moto.env);
      assert.equal(second.code, 0, second.stderr);
      const skipped = JSON.parse(second.stdout) as { digest: string; pushed: boolean };
      assert.equal(skipped.pushed, false);
      assert.equal(skipped.digest, pushed.digest);

      const cfg = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-pull-'));
      try {
        const login = docker(['--config', cfg, 'login', '--username', 'AWS', '--password-stdin', registry.host], '123456789012-auth-token');
        assert.equal(login.status, 0, login.stderr);
        docker(['image', 'rm', pushed.image]);
        const pull = docker(['--config', cfg, 'pull', pushed.image]);
        assert.equal(pull.status, 0, pull.stderr);
        const v = docker(['run', '--rm', pushed.image]);
        assert.equal(v.stdout.trim(), AIRFLOW);
      } finally {
        await rm(cfg, { recursive: true, force: true });
      }
    } finally {
      // The push tagged the local image with the registry's name; drop those tags (the image itself stays).
      if (registry) {
        const host = registry.host;
        const refs = docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter((r) => r.startsWith(`${host}/`));
        if (refs.length) docker(['image', 'rm', ...refs]);
      }
      await registry?.stop();
      await moto?.stop();
    }
  });

  it('refuses a wrong registry password with REGISTRY_AUTH_FAILED', async () => {
    let moto: MotoServer | undefined;
    let registry;
    try {
      moto = await startMoto();
      registry = await startRegistry('AWS', 'a-different-password');
      const r = await project.cli(['image', 'push', '--registry', registry.host, '--base-image', TEST_BASE_IMAGE], 300_000, moto.env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /registry login to 127\.0\.0\.1:\d+ was refused/);
      assert.doesNotMatch(r.stderr, /auth-token/);
    } finally {
      await registry?.stop();
      await moto?.stop();
    }
  });

  it('refuses to build with a stale lock and says to run `image lock`', async () => {
    const copy = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-stale-'));
    try {
      await cp(project.dir, copy, { recursive: true });
      await writeFile(path.join(copy, 'requirements.txt'), 'requests>=2\n');
      const r = await createImageProjectAt(copy).cli(['image', 'build', '--base-image', TEST_BASE_IMAGE]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /airflow-aws\.lock is stale/);
      assert.match(r.stderr, /run `airflow-aws image lock`/);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it("shows the failing step's last lines when the build fails (a base without python3)", async () => {
    requireImage(BARE_BASE_IMAGE, 'base-image');
    const r = await project.cli(['image', 'build', '--wheelhouse', wheelhouse, '--base-image', BARE_BASE_IMAGE]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /docker build failed/);
    assert.match(r.stderr, /Step \d+\/\d+ : RUN python3 -m venv/);
    assert.match(r.stderr, /python3: not found|python3: command not found/);
  });

  it('installs from PyPI through a TLS-intercepting proxy with --ca-bundle, and the bundle stays out of the image', async () => {
    // This machine reaches PyPI through a proxy whose CA only the host trusts (containers fail certificate checks
    // without it): exactly the corporate-proxy case. Same inputs, so the same content tag; --force rebuilds it.
    const bundle = process.env['SSL_CERT_FILE'] ?? '/etc/ssl/certs/ca-certificates.crt';
    const r = await buildImage(project, ['--ca-bundle', bundle, '--base-image', TEST_BASE_IMAGE, '--force']);
    assert.equal(r.built, true);
    assert.equal(r.image, built.image);
    const v = docker(['run', '--rm', r.image]);
    assert.equal(v.stdout.trim(), AIRFLOW, v.stderr);
    const leftovers = docker(['run', '--rm', r.image, 'bash', '-c', 'ls /tmp/extra-ca.pem /tmp/wheels /tmp/requirements.lock 2>&1 || true']);
    assert.equal((leftovers.stdout.match(/No such file/g) ?? []).length, 3, leftovers.stdout);
    const history = docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', r.image]);
    assert.doesNotMatch(history.stdout, /extra-ca/);
  });

  it('says how to start Docker when no engine is reachable', async () => {
    const r = await project.cli(['image', 'build'], 60_000, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no Docker engine is reachable/);
    assert.match(r.stderr, /hint: start the Docker engine/);
  });
});

function createImageProjectAt(dir: string): Pick<ImageProject, 'cli'> {
  return {
    cli: async (args, killAfterMs = 120_000) => {
      const { runCli } = await import('../../support/cli.js');
      return runCli(args, { cwd: dir, env: { AIRFLOW_AWS_CACHE: process.env['AIRFLOW_AWS_CACHE'] ?? '/var/cache/airflow-aws' }, killAfterMs });
    },
  };
}
