/**
 * A throw-away project for `airflow-aws dev` end-to-end tests and benches: config, the example DAG plus test
 * fixtures, a lock written by the real `airflow-aws image lock` (uv), and helpers to drive the real CLI and read
 * the environment's state. Heavy things (virtualenv, pip wheels) are cached under AIRFLOW_AWS_CACHE by lock hash.
 */
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AirflowApi } from '../../src/adapters/airflow-api.js';
import { REPO_ROOT, runCli, type CliResult } from './cli.js';

export const CACHE_DIR = process.env['AIRFLOW_AWS_CACHE'] ?? '/var/cache/airflow-aws';
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'dev');

export interface DevProject {
  readonly dir: string;
  /** Config `name`: a prefix plus a random suffix, so concurrent runs on one Docker engine never share objects. */
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  cli(args: readonly string[], killAfterMs?: number): Promise<CliResult>;
  state(): Promise<{ apiPort: number; supervisorPid?: number; postgresDataDir?: string; components?: { name: string; pid?: number; restarts: number }[]; groups?: number[] }>;
  api(): Promise<AirflowApi>;
  /** The generated admin user, read from the 0600 secrets file `dev up` writes (the password is never printed). */
  adminCredentials(): Promise<{ username: string; password: string }>;
}

/** The host's python3 minor version: native mode needs the lock resolved for the interpreter that runs it. */
export function hostPython(): string {
  const r = spawnSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('python3 is not on PATH: install Python 3.10+ (Debian: apt-get install python3 python3-venv)');
  return r.stdout.trim();
}

export function requireTools(): void {
  const uv = spawnSync('uv', ['--version'], { encoding: 'utf8' });
  if (uv.status !== 0) throw new Error('uv is not on PATH (needed by `airflow-aws image lock`): run `pip install uv==0.13.9`');
  const pg = spawnSync('sh', ['-c', 'command -v initdb || ls /usr/lib/postgresql/*/bin/initdb'], { encoding: 'utf8' });
  if (pg.status !== 0) throw new Error('PostgreSQL server binaries are missing: run `apt-get install -y postgresql`');
}

export async function createDevProject(
  opts: {
    name?: string;
    auth?: 'simple' | 'fab';
    dags?: readonly string[];
    /** More top-level YAML appended to the config (before `image lock`, which some sections change). */
    extraConfig?: string;
  } = {},
): Promise<DevProject> {
  requireTools();
  // /tmp-based and world-searchable so that, as root, the unprivileged PostgreSQL user can reach the data dir.
  const dir = await mkdtemp('/tmp/airflow-aws-devproj-');
  const name = `${opts.name ?? 'devtest'}-${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}`;
  await chmod(dir, 0o755);
  await mkdir(path.join(dir, 'dags'));
  await copyFile(path.join(REPO_ROOT, 'assets', 'dags', 'example_pipeline.py'), path.join(dir, 'dags', 'example_pipeline.py'));
  // plain_helpers.py has no DAG and no "airflow"/"dag" words: safe mode skips it, so the DAG list stays the same.
  for (const f of opts.dags ?? ['dags/failing_pipeline.py', 'dags/slow_pipeline.py', 'broken/broken_dag.py', 'dags/plain_helpers.py']) {
    await copyFile(path.join(FIXTURES, f), path.join(dir, 'dags', path.basename(f)));
  }
  await writeFile(
    path.join(dir, 'airflow-aws.yaml'),
    [`name: ${name}`, 'region: us-east-1', 'airflow:', `  python: "${hostPython()}"`, `  auth: ${opts.auth ?? 'simple'}`, ...(opts.extraConfig ? [opts.extraConfig.trimEnd()] : []), ''].join('\n'),
  );
  const env = { AIRFLOW_AWS_CACHE: CACHE_DIR };
  const project: DevProject = {
    dir,
    name,
    env,
    cli: (args, killAfterMs = 600_000) => runCli(args, { cwd: dir, env, killAfterMs }),
    state: async () => JSON.parse(await readFile(path.join(dir, '.airflow-aws', 'dev', 'state.json'), 'utf8')),
    api: async () => {
      const { username, password } = await project.adminCredentials();
      const st = await project.state();
      return new AirflowApi({ baseUrl: `http://127.0.0.1:${st.apiPort}`, major: 3, username, password });
    },
    adminCredentials: async () => {
      const secrets = JSON.parse(await readFile(path.join(dir, '.airflow-aws', 'dev', 'secrets.json'), 'utf8'));
      return { username: secrets.adminUser, password: secrets.adminPassword };
    },
  };
  const lock = await project.cli(['image', 'lock'], 300_000);
  if (lock.code !== 0) throw new Error(`image lock failed (${lock.code}):\n${lock.stderr}`);
  return project;
}

/**
 * A one-task DAG file whose description a test or bench edits. Its import line names "airflow" and "dag", so
 * Airflow's safe mode parses it.
 */
export function dagSource(dagId: string, description: string): string {
  return [
    'import pendulum',
    'from airflow.sdk import dag, task',
    '',
    '',
    `@dag(dag_id=${JSON.stringify(dagId)}, description=${JSON.stringify(description)}, schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))`,
    'def d():',
    '    @task',
    '    def t() -> None:',
    '        pass',
    '',
    '    t()',
    '',
    '',
    'd()',
    '',
  ].join('\n');
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
