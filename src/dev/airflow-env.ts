/**
 * The Airflow configuration of the local environment, as AIRFLOW__SECTION__KEY variables (never an airflow.cfg, so
 * native and Docker mode read exactly the same values). It mirrors the cluster where the setting means the same
 * thing on one machine — shared secrets, auth manager, JWT issuer, execution API URL, paused-at-creation — and
 * departs from it only where one machine differs: LocalExecutor, loopback URLs, short DAG-folder rescans so that an
 * edit shows up in seconds, one API worker.
 * @see https://airflow.apache.org/docs/apache-airflow/stable/configurations-ref.html
 */
import { CLIENT_SECRET_FILE_ENV, fabConfigFileEnv } from '../airflow/fab-oidc.js';
import { remoteLoggingEnv, type LogStore } from '../airflow/remote-logs.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { secretsBackendEnv, type SecretsBackendClient } from '../config/secrets-backend.js';
import type { DevSecrets } from './secrets.js';

export const AUTH_MANAGER_CLASS = {
  simple: 'airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager',
  fab: 'airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager',
} as const;

/** Issuer of the JWTs the API server signs, as on the cluster (`airflow-aws:<name>`); Airflow "strongly recommends" one (A2). */
export const devJwtIssuer = (name: string): string => `airflow-aws:${name}`;

export interface DatabaseEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

export interface AirflowEnvInput {
  readonly config: Pick<ResolvedConfig, 'airflow' | 'airflowMajor' | 'name'>;
  readonly secrets: DevSecrets;
  readonly db: DatabaseEndpoint;
  /** Port the API server listens on (inside the container in Docker mode). */
  readonly apiPort: number;
  /** Host the API server binds: 127.0.0.1 natively, 0.0.0.0 inside a container (published on loopback only). */
  readonly apiHost: string;
  /** URL task processes use to reach the execution API, e.g. http://127.0.0.1:8080/execution/ */
  readonly executionApiUrl: string;
  /** URL the user opens in a browser. */
  readonly baseUrl: string;
  readonly airflowHome: string;
  readonly dagsFolder: string;
  readonly pluginsFolder: string;
  readonly taskLogsFolder: string;
  /** SimpleAuthManager passwords file (pre-seeded with the generated admin password). */
  readonly simpleAuthPasswordsFile: string;
  /**
   * Native mode: ports of the task-log servers. Airflow binds 8793/8794 on all interfaces by default, so two local
   * environments (or anything else on those ports) would collide; containers keep the defaults.
   */
  readonly logServerPorts?: { readonly worker: number; readonly triggerer: number };
  /**
   * Read connections, variables and config through Airflow's Secrets Manager backend under the deployment's
   * prefixes, as the cluster does (`dev up --secrets-endpoint`). Credentials: the user's AWS environment.
   * @default no secrets backend: connections and variables live in the local metadata database only
   */
  readonly secretsBackend?: SecretsBackendClient;
  /**
   * Remote task logs with the cluster's settings (src/airflow/remote-logs.ts), on an S3-compatible endpoint.
   * @default none: task logs stay in `taskLogsFolder`
   */
  readonly logStore?: LogStore;
  /**
   * SSO (auth.oidc): the rendered webserver_config.py and the client secret file, as the cluster mounts them.
   * @default none: FAB's database login
   */
  readonly sso?: { readonly configFile: string; readonly clientSecretFile: string };
}

/**
 * Task slots of the LocalExecutor: each is a process, and the default (32) costs gigabytes on a laptop for
 * nothing a DAG test needs.
 */
export const DEV_PARALLELISM = 4;

/** Seconds without a task heartbeat before the scheduler fails (and retries) the task. @default 300 in Airflow */
export const DEV_TASK_HEARTBEAT_TIMEOUT_SECONDS = 60;
/** Seconds between a scheduler's checks for tasks orphaned by a dead scheduler. @default 300 in Airflow */
export const DEV_ORPHAN_CHECK_SECONDS = 30;

/** SQLAlchemy URI with the password url-encoded (fact sheet A4: psycopg2 driver, postgresql:// scheme). */
export function sqlAlchemyConn(db: DatabaseEndpoint, password: string): string {
  return `postgresql+psycopg2://${encodeURIComponent(db.user)}:${encodeURIComponent(password)}@${db.host}:${db.port}/${encodeURIComponent(db.database)}`;
}

/** Seconds between DAG-folder scans locally: the cluster default (300 s) would hide a new file for minutes. */
export const DEV_DAG_REFRESH_SECONDS = 5;

/**
 * Airflow 3 re-parses an unchanged file after this many seconds (its default). An edited file is parsed at once
 * whatever this says (file_parsing_sort_mode modified_time: a file changed since its last parse skips the wait), and a
 * new one at the next scan, so a short interval buys no feedback; at 5 s an idle environment spent ~19% of a core
 * re-parsing the same files, at 30 s ~9% (measured on the test fixtures' DAGs).
 */
export const DEV_MIN_FILE_PROCESS_SECONDS = 30;

/**
 * The whole airflow.cfg of a local environment. Airflow writes a full default file into AIRFLOW_HOME when none
 * exists — with a SQLite connection string and freshly generated secret and JWT keys, a second set of secrets on
 * disk that nothing uses. Writing this one first (and pointing AIRFLOW_CONFIG at it) keeps that from happening;
 * every setting comes from the AIRFLOW__* environment.
 */
export const CONTROLLED_AIRFLOW_CFG =
  '# Written by airflow-aws. Every setting of this environment comes from AIRFLOW__SECTION__KEY variables;\n' +
  '# this file exists so that Airflow does not write a default one (with secrets of its own) in its place.\n';

export const airflowConfigFile = (airflowHome: string): string => `${airflowHome.replace(/\/+$/, '')}/airflow.cfg`;

export function airflowEnv(input: AirflowEnvInput): Record<string, string> {
  const { config, secrets } = input;
  const env: Record<string, string> = {
    AIRFLOW_HOME: input.airflowHome,
    AIRFLOW_CONFIG: airflowConfigFile(input.airflowHome),
    AIRFLOW__CORE__DAGS_FOLDER: input.dagsFolder,
    AIRFLOW__CORE__PLUGINS_FOLDER: input.pluginsFolder,
    AIRFLOW__CORE__EXECUTOR: 'LocalExecutor',
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'True',
    AIRFLOW__CORE__FERNET_KEY: secrets.fernetKey,
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: sqlAlchemyConn(input.db, secrets.postgresPassword),
    AIRFLOW__CORE__PARALLELISM: String(DEV_PARALLELISM),
    AIRFLOW__LOGGING__BASE_LOG_FOLDER: input.taskLogsFolder,
    // Component output goes to the supervisor's log files; colour codes would litter them.
    AIRFLOW__LOGGING__COLORED_CONSOLE_LOG: 'False',
    // Tell Python not to buffer, so `dev logs -f` shows lines as they happen.
    PYTHONUNBUFFERED: '1',
  };
  if (input.secretsBackend) Object.assign(env, secretsBackendEnv(config, input.secretsBackend));
  if (input.logServerPorts) {
    env['AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT'] = String(input.logServerPorts.worker);
    env['AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT'] = String(input.logServerPorts.triggerer);
  }
  if (input.logStore) Object.assign(env, remoteLoggingEnv(input.logStore));
  if (input.sso) Object.assign(env, fabConfigFileEnv(config.airflowMajor, input.sso.configFile), { [CLIENT_SECRET_FILE_ENV]: input.sso.clientSecretFile });
  if (config.airflowMajor === 3) {
    Object.assign(env, {
      AIRFLOW__API__SECRET_KEY: secrets.apiSecretKey,
      AIRFLOW__API__HOST: input.apiHost,
      AIRFLOW__API__PORT: String(input.apiPort),
      AIRFLOW__API__BASE_URL: input.baseUrl,
      AIRFLOW__API__WORKERS: '1',
      AIRFLOW__API_AUTH__JWT_SECRET: secrets.jwtSecret,
      AIRFLOW__API_AUTH__JWT_ISSUER: devJwtIssuer(config.name),
      AIRFLOW__CORE__EXECUTION_API_SERVER_URL: input.executionApiUrl,
      AIRFLOW__CORE__AUTH_MANAGER: AUTH_MANAGER_CLASS[config.airflow.auth],
      AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL: String(DEV_DAG_REFRESH_SECONDS),
      AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL: String(DEV_MIN_FILE_PROCESS_SECONDS),
      // A task whose process died with its scheduler (a container restart) is failed and retried within about a
      // minute instead of the default five: heartbeat timeout, and how often a scheduler resets tasks of dead ones.
      AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT: String(DEV_TASK_HEARTBEAT_TIMEOUT_SECONDS),
      AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL: String(DEV_ORPHAN_CHECK_SECONDS),
    });
    if (config.airflow.auth === 'simple') {
      Object.assign(env, {
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS: `${secrets.adminUser}:admin`,
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE: input.simpleAuthPasswordsFile,
      });
    }
  } else {
    Object.assign(env, {
      AIRFLOW__WEBSERVER__SECRET_KEY: secrets.apiSecretKey,
      AIRFLOW__WEBSERVER__WEB_SERVER_HOST: input.apiHost,
      AIRFLOW__WEBSERVER__WEB_SERVER_PORT: String(input.apiPort),
      AIRFLOW__WEBSERVER__BASE_URL: input.baseUrl,
      AIRFLOW__WEBSERVER__WORKERS: '1',
      AIRFLOW__API__AUTH_BACKENDS: 'airflow.api.auth.backend.basic_auth,airflow.api.auth.backend.session',
      AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL: String(DEV_DAG_REFRESH_SECONDS),
      AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL: String(DEV_DAG_REFRESH_SECONDS),
    });
  }
  return env;
}

/** Contents of the SimpleAuthManager passwords file: `{user: password}` (Airflow reads it at start). */
export function simpleAuthPasswordsJson(secrets: DevSecrets): string {
  return `${JSON.stringify({ [secrets.adminUser]: secrets.adminPassword })}\n`;
}

/** `KEY=value` lines for `docker run --env-file` (values must not contain newlines; ours never do). */
export function envFileText(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([k, v]) => {
      if (/[\r\n]/.test(v)) throw new Error(`environment value of ${k} contains a newline`);
      return `${k}=${v}\n`;
    })
    .join('');
}
