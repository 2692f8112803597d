/**
 * Airflow's configuration as environment variables: non-secret settings in one ConfigMap (`envFrom`), secrets as
 * `secretKeyRef`s to the Secret the deploy command owns — values never appear in a manifest, argv or log.
 * Which component gets which secret is decided here (least privilege: Airflow 3 task pods get no database
 * credentials; they talk to the execution API).
 * @see https://airflow.apache.org/docs/apache-airflow/stable/configurations-ref.html
 */
import type { V1ConfigMap, V1EnvVar } from '@kubernetes/client-node';
import { remoteLoggingEnv } from '../airflow/remote-logs.js';
import { DEFAULTS } from '../config/defaults.js';
import { secretsBackendEnv } from '../config/secrets-backend.js';
import { exposureBaseUrl, proxyEnvironment } from './exposure.js';
import { dagBundleEnvironment } from '../dags/bundle.js';
import { NAMES, objectLabels, SECRET_KEYS, type KubeComponent } from './labels.js';
import type { KubeInputs, KubeObject } from './model.js';

export const AIRFLOW_HOME = '/opt/airflow';
export const API_PORT = 8080;
export const SCHEDULER_HEALTH_PORT = 8974;
export const WORKER_LOG_PORT = 8793;
export const TRIGGERER_LOG_PORT = 8794;
export const POD_TEMPLATE_DIR = `${AIRFLOW_HOME}/pod_templates`;
export const POD_TEMPLATE_FILE = `${POD_TEMPLATE_DIR}/pod_template_file.yaml`;
export const SIMPLE_AUTH_DIR = `${AIRFLOW_HOME}/simple-auth`;
export const SIMPLE_AUTH_FILE = `${SIMPLE_AUTH_DIR}/passwords.json`;
export const ADMIN_USERNAME = 'admin';
/** FAB's webserver_config.py (SSO) is mounted here from a ConfigMap; `[fab] config_file` points at it. */
export const FAB_CONFIG_DIR = `${AIRFLOW_HOME}/fab`;
export const FAB_CONFIG_FILE = `${FAB_CONFIG_DIR}/webserver_config.py`;
/** The OIDC client secret's mount: a Secret volume (tmpfs, mode 0440), never an environment variable. */
export const OIDC_SECRET_DIR = '/run/secrets/airflow-oidc';
export const OIDC_CLIENT_SECRET_KEY = 'client-secret';
export const OIDC_CLIENT_SECRET_FILE = `${OIDC_SECRET_DIR}/${OIDC_CLIENT_SECRET_KEY}`;

const FAB_AUTH_MANAGER = 'airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager';
const SIMPLE_AUTH_MANAGER = 'airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager';

/**
 * Path prefix of the UI when `baseUrl` has one (`https://example.com/airflow` → `/airflow`): Airflow serves every
 * route under it, so probes and the execution API URL carry it too (the chart bug apache/airflow#51450).
 */
export function basePath(inputs: Pick<KubeInputs, 'baseUrl'>): string {
  if (!inputs.baseUrl) return '';
  return new URL(inputs.baseUrl).pathname.replace(/\/+$/, '');
}

/**
 * The public URL of the UI: the deploy input (`deploy --base-url`) if given, else `https://<exposure.hostname>`,
 * else localhost (reached with `airflow-aws open`).
 */
export function effectiveBaseUrl(inputs: Pick<KubeInputs, 'baseUrl' | 'config'>): string {
  return inputs.baseUrl ?? exposureBaseUrl(inputs.config) ?? `http://localhost:${API_PORT}`;
}

/** In-cluster URL of the execution API that task pods call (Airflow 3). Trailing slash as in Airflow's own examples. */
export function executionApiUrl(namespace: string, prefix = ''): string {
  return `http://${NAMES.uiService}.${namespace}.svc.cluster.local:${API_PORT}${prefix}/execution/`;
}

/** Whether the UI uses the FAB auth manager (users in the database, created by a Job). Airflow 2 always does. */
export function usesFab(inputs: Pick<KubeInputs, 'config'>): boolean {
  return inputs.config.airflowMajor === 2 || inputs.config.airflow.auth === 'fab';
}

/** Non-secret settings shared by every Airflow container, including task pods. */
export function airflowEnvironment(inputs: KubeInputs): Record<string, string> {
  const c = inputs.config;
  const ns = c.kubernetes.namespace;
  const baseUrl = effectiveBaseUrl(inputs);
  const prefix = basePath({ baseUrl });
  const env: Record<string, string> = {
    AIRFLOW_HOME,
    AIRFLOW__CORE__EXECUTOR: c.airflow.executor,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__DATABASE__CHECK_MIGRATIONS: 'True',
    // The scheduler's HTTP health server backs its liveness probe (cheaper than spawning the CLI every minute).
    AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK: 'True',
    AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT: String(SCHEDULER_HEALTH_PORT),
    AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT: String(WORKER_LOG_PORT),
    AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT: String(TRIGGERER_LOG_PORT),
  };
  if (c.airflowMajor === 3) {
    env['AIRFLOW__API__BASE_URL'] = baseUrl;
    env['AIRFLOW__API__PORT'] = String(API_PORT);
    // Default is {BASE_URL}/execution/ → localhost when base_url is the public URL: task pods would call themselves.
    env['AIRFLOW__CORE__EXECUTION_API_SERVER_URL'] = executionApiUrl(ns, prefix);
    env['AIRFLOW__API_AUTH__JWT_ISSUER'] = `airflow-aws:${c.name}`;
    env['AIRFLOW__CORE__AUTH_MANAGER'] = c.airflow.auth === 'fab' ? FAB_AUTH_MANAGER : SIMPLE_AUTH_MANAGER;
    if (c.airflow.auth === 'simple') {
      env['AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS'] = `${ADMIN_USERNAME}:admin`;
      env['AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE'] = SIMPLE_AUTH_FILE;
    }
  } else {
    env['AIRFLOW__WEBSERVER__BASE_URL'] = baseUrl;
    env['AIRFLOW__WEBSERVER__WEB_SERVER_PORT'] = String(API_PORT);
    env['AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR'] = 'False';
  }
  Object.assign(env, proxyEnvironment(c));
  if (c.airflow.executor === 'KubernetesExecutor') {
    env['AIRFLOW__KUBERNETES_EXECUTOR__POD_TEMPLATE_FILE'] = POD_TEMPLATE_FILE;
    env['AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE'] = ns;
    env['AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER'] = 'True';
    env['AIRFLOW__KUBERNETES_EXECUTOR__DELETE_WORKER_PODS'] = 'True';
    // Default 1 creates one pod per scheduler loop; the provider docs call raising it "HIGHLY recommended".
    env['AIRFLOW__KUBERNETES_EXECUTOR__WORKER_PODS_CREATION_BATCH_SIZE'] = '8';
  }
  // In the ConfigMap, so every component and every task pod (the template's envFrom) gets the same settings.
  if (inputs.logStore) Object.assign(env, remoteLoggingEnv(inputs.logStore));
  if (inputs.database.kind === 'external') {
    env['AWS_REGION'] = c.region;
    env['AWS_DEFAULT_REGION'] = c.region;
    // Connections/variables from Secrets Manager under the deployment's prefix (Pod Identity grants the reads).
    Object.assign(env, secretsBackendEnv(c));
  }
  // In the shared ConfigMap, so every component and the task pod template get the same bundle list.
  Object.assign(env, dagBundleEnvironment(c, inputs.dagBundle));
  return env;
}

export function configMap(inputs: KubeInputs): V1ConfigMap & KubeObject & { data: Record<string, string> } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: NAMES.config, namespace: inputs.config.kubernetes.namespace, labels: objectLabels(inputs.config, undefined) },
    data: airflowEnvironment(inputs),
  };
}

const JWT_COMPONENTS: readonly KubeComponent[] = ['api-server', 'scheduler', 'dag-processor', 'triggerer'];

function fromSecret(name: string, secret: string, key: string): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/** Secret-backed environment of one component. */
export function secretEnvironment(inputs: KubeInputs, component: KubeComponent): V1EnvVar[] {
  const major = inputs.config.airflowMajor;
  const env: V1EnvVar[] = [fromSecret('AIRFLOW__CORE__FERNET_KEY', NAMES.secrets, SECRET_KEYS.fernetKey)];
  const needsDb = !(component === 'worker' && major === 3);
  if (needsDb) env.push(fromSecret('AIRFLOW__DATABASE__SQL_ALCHEMY_CONN', NAMES.metadata, 'connection'));
  if (major === 3) {
    if (component === 'api-server') env.push(fromSecret('AIRFLOW__API__SECRET_KEY', NAMES.secrets, SECRET_KEYS.apiSecretKey));
    // Every long-running process signs or verifies execution-API tokens with the same key; task pods get theirs
    // inside the workload, and the one-shot Jobs never touch tokens.
    if (JWT_COMPONENTS.includes(component)) env.push(fromSecret('AIRFLOW__API_AUTH__JWT_SECRET', NAMES.secrets, SECRET_KEYS.jwtSecret));
  } else if (component === 'webserver') {
    env.push(fromSecret('AIRFLOW__WEBSERVER__SECRET_KEY', NAMES.secrets, SECRET_KEYS.apiSecretKey));
  }
  return env;
}

/**
 * SQLAlchemy URL of the Airflow database user. User and password are URL-encoded (RDS-generated passwords may
 * contain `^ = , .`), driver psycopg2 as Airflow recommends, sslmode from the target.
 */
export function metadataConnection(inputs: KubeInputs, password: string): string {
  const db = inputs.database;
  const host = db.kind === 'external' ? db.host : `${NAMES.postgres}.${inputs.config.kubernetes.namespace}.svc.cluster.local`;
  const port = db.kind === 'external' ? db.port : 5432;
  const sslmode = db.kind === 'external' ? db.sslmode : 'disable';
  return `postgresql+psycopg2://${encodeURIComponent(airflowDbUser(inputs))}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(airflowDbName(inputs))}?sslmode=${sslmode}`;
}

/** The dedicated database and user Airflow runs as (never the RDS master). */
export function airflowDbName(_inputs: Pick<KubeInputs, 'config'>): string {
  return DEFAULTS.database.databaseName;
}
/** Not `airflow`: that is the RDS master user's name (src/infra/database.ts), which Airflow must never run as. */
export function airflowDbUser(_inputs: Pick<KubeInputs, 'config'>): string {
  return 'airflow_app';
}
