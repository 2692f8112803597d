/**
 * Images for the real-node e2e tests (test/e2e/k8s): the project's Airflow image built by the real
 * `airflow-aws image build` (host wheelhouse, local Python base), and an in-cluster PostgreSQL image.
 *
 * PostgreSQL: no image can be pulled here. dev-docker.ts builds `local/postgres:15-dev` from Debian's postgresql-15
 * with the official image's contract (POSTGRES_USER, POSTGRES_PASSWORD, PGDATA), but Debian gives its `postgres`
 * user a dynamic UID (100), while our StatefulSet runs as UID/GID 999 — the official `postgres` image's fixed
 * user, which is what `--postgres-image` defaults to. On top of it we renumber the user to 999, so the pod runs as
 * an existing user, as it does with the official image.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { docker } from './docker-testbed.js';
import { ensurePostgresImage } from './dev-docker.js';
import { buildImage, createImageProject, type ImageProject } from './image-project.js';
import { TEST_BASE_IMAGE, requireImage } from './docker-testbed.js';

export const K8S_POSTGRES_IMAGE = 'local/postgres:15-k8s';

export async function ensureK8sPostgresImage(): Promise<string> {
  const base = await ensurePostgresImage();
  if (docker(['image', 'inspect', K8S_POSTGRES_IMAGE]).status === 0) return K8S_POSTGRES_IMAGE;
  const dockerfile = [
    `FROM ${base}`,
    'USER root',
    // The official image's fixed postgres user (UID/GID 999); files the package owns follow the new numbers.
    'RUN groupmod -g 999 postgres && usermod -u 999 -g 999 postgres \\',
    ' && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql /etc/postgresql /var/log/postgresql',
    'USER 999:999',
    '',
  ].join('\n');
  const r = docker(['build', '-q', '-t', K8S_POSTGRES_IMAGE, '-'], dockerfile);
  if (r.status !== 0) throw new Error(`building ${K8S_POSTGRES_IMAGE} failed:\n${r.stderr.slice(-3000)}`);
  return K8S_POSTGRES_IMAGE;
}

/** A throw-away project (Airflow `airflowVersion`, Python 3.11) and its image, built offline through the real CLI. */
export async function buildAirflowProjectImage(
  airflowVersion: string,
  name = 'nodetest',
  extraDags: Readonly<Record<string, string>> = {},
  extraConfig = '',
): Promise<{ project: ImageProject; image: string; buildMs: number }> {
  const t0 = Date.now();
  requireImage(TEST_BASE_IMAGE, 'python-image');
  const project = await createImageProject({ airflowVersion, python: '3.11', name, extraDags, extraConfig });
  await project.lock();
  const wheelhouse = await project.wheelhouse();
  const built = await buildImage(project, ['--wheelhouse', wheelhouse, '--base-image', TEST_BASE_IMAGE]);
  return { project, image: built.image, buildMs: Date.now() - t0 };
}

/**
 * Pushes `image` to `registry` as `<host>/<image>` (login with --password-stdin and a throw-away DOCKER_CONFIG, as
 * the deploy flow does with ECR's token) and returns the pushed reference.
 */
export async function pushToRegistry(image: string, registry: { host: string; passwordFile: string }, username: string): Promise<string> {
  const config = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-docker-config-'));
  try {
    const password = (await readFile(registry.passwordFile, 'utf8')).split('\n')[0] ?? '';
    const login = docker(['--config', config, 'login', '--username', username, '--password-stdin', registry.host], password);
    if (login.status !== 0) throw new Error(`docker login ${registry.host} failed:\n${login.stderr}`);
    const ref = `${registry.host}/${image}`;
    const tag = docker(['tag', image, ref]);
    if (tag.status !== 0) throw new Error(`docker tag ${image} ${ref} failed:\n${tag.stderr}`);
    const push = docker(['--config', config, 'push', ref]);
    if (push.status !== 0) throw new Error(`docker push ${ref} failed:\n${push.stderr.slice(-3000)}`);
    return ref;
  } finally {
    await rm(config, { recursive: true, force: true });
  }
}
