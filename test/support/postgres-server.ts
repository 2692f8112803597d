/**
 * A real PostgreSQL (the machine's own binaries) on a free loopback port, for tests: initdb into a temp dir,
 * start, create the `airflow` database, stop by PID. Reuses the native-dev adapter (root → runs as `postgres`).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  ensureCluster,
  ensureDatabase,
  findPostgres,
  PG_DATABASE,
  PG_USER,
  postgresArgv,
  postgresReady,
  postgresRunAs,
} from '../../src/adapters/postgres/native.js';
import { freePort } from './moto.js';

export interface PostgresServer {
  readonly port: number;
  readonly password: string;
  /** SQLAlchemy URL (psycopg2) reachable from the host and from `docker run --network host`. */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  let install;
  try {
    install = findPostgres();
  } catch (e) {
    throw new Error(`PostgreSQL binaries not found (${(e as Error).message}): apt-get install postgresql-15`);
  }
  // /tmp is world-searchable: the unprivileged postgres user can reach a data dir below it.
  const base = await mkdtemp('/tmp/airflow-aws-pg-');
  const dataDir = path.join(base, 'data');
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  const runAs = postgresRunAs();
  if (runAs) {
    const { chmod } = await import('node:fs/promises');
    await chmod(base, 0o755);
  }
  await ensureCluster({ install, dataDir, password, runAs });
  const port = await freePort();
  const argv = postgresArgv(install, dataDir, port, runAs);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', kill);
  const deadline = Date.now() + 30_000;
  while (!(await postgresReady(install, port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`postgres did not start on 127.0.0.1:${port}; its log:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await ensureDatabase(install, port, password);
  return {
    port,
    password,
    url: `postgresql+psycopg2://${PG_USER}:${password}@127.0.0.1:${port}/${PG_DATABASE}`,
    async stop() {
      process.removeListener('exit', kill);
      kill();
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await rm(base, { recursive: true, force: true });
    },
  };
}
