/**
 * Docker-mode peers for `dev` tests: a PostgreSQL image with the official image's contract (POSTGRES_USER,
 * POSTGRES_PASSWORD, POSTGRES_DB, PGDATA) built locally from Debian's postgresql-15 — no image can be pulled here —
 * and the project's Airflow image built by the real `airflow-aws image build` from a host-side wheelhouse.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BARE_BASE_IMAGE, docker, requireImage, TEST_BASE_IMAGE } from './docker-testbed.js';
import { CACHE_DIR, type DevProject } from './dev-project.js';

export const TEST_POSTGRES_IMAGE = 'local/postgres:15-dev';

const DOCKERFILE = `FROM ${BARE_BASE_IMAGE}
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null \\
 && rm -rf /var/lib/apt/lists/* \\
 && mkdir -p /var/lib/postgresql/data \\
 && chown -R postgres:postgres /var/lib/postgresql \\
 && chmod 700 /var/lib/postgresql/data
COPY entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:$PATH
USER postgres
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
`;

const ENTRYPOINT = `#!/bin/bash
# First start: initdb with the password from the environment (via a file, never argv), create the database.
set -euo pipefail
: "\${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
user="\${POSTGRES_USER:-postgres}"
db="\${POSTGRES_DB:-$user}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pw="$(mktemp)"
  printf '%s\\n' "$POSTGRES_PASSWORD" >"$pw"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale >/dev/null
  rm -f "$pw"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k /tmp" -w start >/dev/null
  if [ "$db" != postgres ]; then createdb -h /tmp -U "$user" "$db"; fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -k /tmp
`;

export async function ensurePostgresImage(): Promise<string> {
  requireImage(BARE_BASE_IMAGE, 'base-image');
  if (docker(['image', 'inspect', TEST_POSTGRES_IMAGE]).status === 0) return TEST_POSTGRES_IMAGE;
  const ctx = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-pgimg-'));
  try {
    await writeFile(path.join(ctx, 'Dockerfile'), DOCKERFILE);
    await writeFile(path.join(ctx, 'entrypoint.sh'), ENTRYPOINT);
    await chmod(path.join(ctx, 'entrypoint.sh'), 0o755);
    const r = docker(['build', '-q', '-t', TEST_POSTGRES_IMAGE, ctx]);
    if (r.status !== 0) throw new Error(`building ${TEST_POSTGRES_IMAGE} failed:\n${r.stderr.slice(-3000)}`);
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
  return TEST_POSTGRES_IMAGE;
}

/** Builds the project image offline: wheelhouse on the host (cached by lock hash), then `image build`. */
export async function buildProjectImage(project: DevProject): Promise<string> {
  requireImage(TEST_BASE_IMAGE, 'python-image');
  const lock = await readFile(path.join(project.dir, 'airflow-aws.lock'), 'utf8');
  const key = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  const wheels = path.join(CACHE_DIR, 'wheelhouse', key);
  const wh = await project.cli(['image', 'wheelhouse', '--out', wheels], 1_800_000);
  if (wh.code !== 0) throw new Error(`image wheelhouse failed (${wh.code}):\n${wh.stderr.slice(-3000)}`);
  const b = await project.cli(['image', 'build', '--json', '--wheelhouse', wheels, '--base-image', TEST_BASE_IMAGE], 1_800_000);
  if (b.code !== 0) throw new Error(`image build failed (${b.code}):\n${b.stderr.slice(-3000)}`);
  return (JSON.parse(b.stdout) as { image: string }).image;
}
