/**
 * Real Airflow's api-server started as a rendered Deployment would start it (its args, the ConfigMap's settings), on a
 * throw-away SQLite home, from a virtualenv `airflow-aws dev` cached under AIRFLOW_AWS_CACHE (the dev tests create
 * them). For tests of what the manifests tell Airflow, without a cluster.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './moto.js';
import { CACHE_DIR } from './dev-project.js';

/** `bin/` of a cached virtualenv with Airflow 3 that imports every one of `modules`, or undefined. */
export function cachedAirflowVenv(modules: readonly string[] = ['airflow.providers.fab']): string | undefined {
  const root = path.join(CACHE_DIR, 'dev', 'venvs');
  if (!existsSync(root)) return undefined;
  for (const d of readdirSync(root).sort()) {
    const bin = path.join(root, d, 'bin');
    if (!existsSync(path.join(bin, 'airflow')) || !existsSync(path.join(root, d, '.airflow-aws-complete'))) continue;
    const code = `import airflow, ${['airflow', ...modules].join(', ')}; print(airflow.__version__)`;
    const probe = spawnSync(path.join(bin, 'python'), ['-c', code], { encoding: 'utf8' });
    if (probe.status === 0 && probe.stdout.trim().startsWith('3.')) return bin;
  }
  return undefined;
}

export interface ApiServer {
  readonly port: number;
  readonly home: string;
  /** The last 8 KiB of the server's output. */
  log(): string;
  stop(): void;
}

/** Migrates a fresh SQLite database, starts `airflow api-server --port P ...args` and waits for its health. */
export async function startApiServer(bin: string, env: Record<string, string>, args: readonly string[]): Promise<ApiServer> {
  const home = mkdtempSync('/tmp/airflow-aws-api-');
  const full: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env['PATH'] ?? ''}`,
    HOME: home,
    AIRFLOW_HOME: home,
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${home}/airflow.db`,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__API__SECRET_KEY: 'test-only-secret',
    AIRFLOW__API_AUTH__JWT_SECRET: 'test-only-jwt-secret',
    ...env,
  };
  const migrate = spawnSync(path.join(bin, 'airflow'), ['db', 'migrate'], { env: full, encoding: 'utf8', timeout: 300_000 });
  if (migrate.status !== 0) throw new Error(`airflow db migrate failed:\n${migrate.stderr.slice(-2000)}`);
  const port = await freePort();
  const server: ChildProcess = spawn(path.join(bin, 'airflow'), ['api-server', '--port', String(port), ...args], { env: full, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (b: Buffer) => (log = (log + b.toString()).slice(-8192));
  server.stdout!.on('data', keep);
  server.stderr!.on('data', keep);
  const stop = () => {
    if (server.pid && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
    rmSync(home, { recursive: true, force: true });
  };
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/api/v2/monitor/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline || server.exitCode !== null) {
      stop();
      throw new Error(`api-server did not become healthy:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { port, home, log: () => log, stop };
}
