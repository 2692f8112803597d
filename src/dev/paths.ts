/**
 * Where `airflow-aws dev` keeps things. Two places, on purpose:
 * - the project-local state dir (`<project>/.airflow-aws/dev/`, git-ignored): secrets generated once, the PostgreSQL
 *   data directory, logs, AIRFLOW_HOME and the state file of a running environment. Deleting it (`dev down --purge`)
 *   resets the environment;
 * - the machine-wide cache (`$AIRFLOW_AWS_CACHE`): virtualenvs keyed by the lock's hash, shared by every project
 *   that pins the same lock, because installing Airflow takes minutes.
 */
import path from 'node:path';

export interface DevPaths {
  readonly projectDir: string;
  /** `<project>/.airflow-aws/dev` */
  readonly stateDir: string;
  /** JSON with the shared secrets and the admin credentials (0600). */
  readonly secretsFile: string;
  /** JSON describing the running environment (mode, pids, ports). */
  readonly stateFile: string;
  /** Component logs: `<logsDir>/<component>.log`. */
  readonly logsDir: string;
  /** Task logs written by Airflow itself. */
  readonly taskLogsDir: string;
  /** AIRFLOW_HOME of native mode (airflow.cfg is never written: everything comes from the environment). */
  readonly airflowHome: string;
  /** PostgreSQL data directory of native mode. */
  readonly pgDataDir: string;
  /** Files handed to `docker run --env-file` (0600; secrets never go into argv). */
  readonly envFile: string;
}

export function devPaths(projectDir: string): DevPaths {
  const stateDir = path.join(projectDir, '.airflow-aws', 'dev');
  return {
    projectDir,
    stateDir,
    secretsFile: path.join(stateDir, 'secrets.json'),
    stateFile: path.join(stateDir, 'state.json'),
    logsDir: path.join(stateDir, 'logs'),
    taskLogsDir: path.join(stateDir, 'logs', 'tasks'),
    airflowHome: path.join(stateDir, 'airflow-home'),
    pgDataDir: path.join(stateDir, 'postgres'),
    envFile: path.join(stateDir, 'airflow.env'),
  };
}

/**
 * The machine-wide cache directory.
 * @default `$AIRFLOW_AWS_CACHE`, else `$XDG_CACHE_HOME/airflow-aws`, else `~/.cache/airflow-aws`
 */
export function cacheDir(env: NodeJS.ProcessEnv, homeDir: string): string {
  const explicit = env['AIRFLOW_AWS_CACHE'];
  if (explicit) return path.resolve(explicit);
  const xdg = env['XDG_CACHE_HOME'];
  return path.join(xdg ? path.resolve(xdg) : path.join(homeDir, '.cache'), 'airflow-aws');
}

/** Virtualenv for one lock on one interpreter: the key changes whenever either does. */
export function venvDir(cache: string, lockHash: string, pythonVersion: string): string {
  return path.join(cache, 'dev', 'venvs', `${lockHash.slice(0, 16)}-py${pythonVersion}`);
}
