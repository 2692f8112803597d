/**
 * PostgreSQL from the machine's own binaries, for native `dev` mode: a private cluster in the project's state dir,
 * listening on loopback TCP only (no Unix socket, so nothing in /var/run is needed), password auth
 * (scram-sha-256) for the `airflow` role. The server itself runs under the supervisor like any component.
 *
 * initdb and postgres refuse to run as root; when the tool runs as root (CI containers, our testbed) both run as
 * the `postgres` (or `nobody`) user through setpriv, and the data directory is owned by that user.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors/user-error.js';
import { runChecked, runProcess } from '../proc/run-process.js';

export const PG_USER = 'airflow';
export const PG_DATABASE = 'airflow';

export interface PostgresInstall {
  readonly binDir: string;
  readonly major: number;
}

export interface RunAs {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
}

/** Finds initdb/pg_ctl/postgres: on PATH first, then the newest /usr/lib/postgresql/<major>/bin (Debian layout). */
export function findPostgres(env: NodeJS.ProcessEnv = process.env): PostgresInstall {
  const candidates: string[] = [];
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    const initdb = path.join(dir, 'initdb');
    if (dir && existsSync(initdb) && existsSync(path.join(dir, 'postgres'))) candidates.push(path.dirname(realpathSync(initdb)));
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .filter((d) => /^\d+$/.test(d) && existsSync(path.join(debian, d, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((m) => path.join(debian, m, 'bin')));
  }
  const binDir = candidates[0];
  if (!binDir) {
    throw new UserError('PostgreSQL server binaries (initdb, postgres) were not found', {
      code: 'POSTGRES_NOT_FOUND',
      hint: 'install PostgreSQL 13–17 (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql@16`), or use Docker mode',
    });
  }
  const m = /postgresql\/(\d+)\//.exec(binDir + '/');
  return { binDir, major: m ? Number(m[1]) : 0 };
}

/** When running as root, the unprivileged user PostgreSQL runs as; undefined otherwise. */
export function postgresRunAs(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const entry = readPasswd().find((e) => e.name === name);
    if (entry) return entry;
  }
  throw new UserError('running as root, but there is no unprivileged user to run PostgreSQL as', {
    code: 'POSTGRES_NO_USER',
    hint: 'run airflow-aws as a normal user, or create a `postgres` user',
  });
}

function readPasswd(): RunAs[] {
  try {
    return readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .filter((f) => f.length >= 4)
      .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }));
  } catch {
    return [];
  }
}

/** argv prefix that drops privileges (root only). */
export function asUser(runAs: RunAs | undefined, argv: readonly string[]): string[] {
  if (!runAs) return [...argv];
  return ['setpriv', `--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups', '--', ...argv];
}

/** Whether `user` can reach `dir` (every ancestor searchable by others): decides where root keeps the data dir. */
export function reachableByOthers(dir: string): boolean {
  let cur = path.resolve(dir);
  for (;;) {
    const parent = path.dirname(cur);
    if (parent === cur) return true;
    try {
      if ((statSync(parent).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    cur = parent;
  }
}

/** Creates the cluster once (`initdb`); a data dir that already has PG_VERSION is kept as it is. */
export async function ensureCluster(opts: {
  readonly install: PostgresInstall;
  readonly dataDir: string;
  readonly password: string;
  readonly runAs: RunAs | undefined;
  readonly signal?: AbortSignal;
}): Promise<{ created: boolean }> {
  const { install, dataDir, runAs } = opts;
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return { created: false };
  await mkdir(path.dirname(dataDir), { recursive: true });
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { mode: 0o700 });
  // The password reaches initdb through a file only it can read (never argv), removed right after.
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-pw-'));
  const pwfile = path.join(tmp, 'pw');
  try {
    await writeFile(pwfile, `${opts.password}\n`, { mode: 0o600 });
    if (runAs) {
      await chown(dataDir, runAs.uid, runAs.gid);
      await chown(tmp, runAs.uid, runAs.gid);
      await chown(pwfile, runAs.uid, runAs.gid);
    }
    await chmod(dataDir, 0o700);
    const argv = asUser(runAs, [
      path.join(install.binDir, 'initdb'),
      '-D',
      dataDir,
      '-U',
      PG_USER,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
    ]);
    await runChecked(argv[0]!, argv.slice(1), {
      what: 'initdb',
      code: 'POSTGRES_INIT_FAILED',
      redact: [opts.password],
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (e) {
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { created: true };
}

/** The server's argv (run in the foreground under the supervisor). */
export function postgresArgv(install: PostgresInstall, dataDir: string, port: number, runAs: RunAs | undefined): string[] {
  return asUser(runAs, [
    path.join(install.binDir, 'postgres'),
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    // Four Airflow components with SQLAlchemy pools plus task processes exceed the default 100 on busy runs.
    '-c',
    'max_connections=200',
    // The LocalExecutor forks its workers from the scheduler, and Airflow's fork hook keeps the parent's database
    // sockets open in the child (engine.dispose(close=False)). When the scheduler crashes inside a transaction, its
    // workers hold that socket, so the server never sees the client go: the transaction stays open with its row
    // locks (dag_run, slot_pool) and the restarted scheduler skips that run forever. Closing such a session after a
    // minute idle releases them; Airflow's own transactions are never idle that long.
    '-c',
    `idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_SECONDS}s`,
  ]);
}

/** See postgresArgv: how long an abandoned transaction may hold its locks. */
export const IDLE_IN_TRANSACTION_TIMEOUT_SECONDS = 60;

/** Whether the server accepts connections (pg_isready: exit 0). */
export async function postgresReady(install: PostgresInstall, port: number, signal?: AbortSignal): Promise<boolean> {
  const r = await runProcess(path.join(install.binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q', '-t', '2'], {
    ...(signal ? { signal } : {}),
  });
  return r.exitCode === 0;
}

/** Creates the `airflow` database if missing (idempotent). */
export async function ensureDatabase(install: PostgresInstall, port: number, password: string, signal?: AbortSignal): Promise<void> {
  const env = { PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' };
  const common = ['-h', '127.0.0.1', '-p', String(port), '-U', PG_USER];
  const exists = await runChecked(
    path.join(install.binDir, 'psql'),
    [...common, '-d', 'postgres', '-tAc', `SELECT 1 FROM pg_database WHERE datname = '${PG_DATABASE}'`],
    { what: 'checking the airflow database', code: 'POSTGRES_QUERY_FAILED', env, redact: [password], ...(signal ? { signal } : {}) },
  );
  if (exists.stdout.trim() === '1') return;
  await runChecked(path.join(install.binDir, 'createdb'), [...common, PG_DATABASE], {
    what: 'creating the airflow database',
    code: 'POSTGRES_QUERY_FAILED',
    env,
    redact: [password],
    ...(signal ? { signal } : {}),
  });
}
