/**
 * Labels and object names. Ownership labels let the apply engine find (and prune) exactly the objects one
 * deployment owns; selector labels are a stable subset (a Deployment's selector is immutable, so it never
 * includes the version or anything else that changes).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
import type { ResolvedConfig } from '../config/resolved.js';

export const FIELD_MANAGER = 'airflow-aws';
export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const DEPLOYMENT_LABEL = 'airflow-aws/deployment';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Every Airflow workload in the namespace, including task pods; the database's NetworkPolicy admits these only. */
export const AIRFLOW_POD_SELECTOR = { 'app.kubernetes.io/name': 'airflow' } as const;

/** Components of the Kubernetes layer (a superset of naming.ts COMPONENTS: jobs and the optional database). */
export type KubeComponent =
  | 'api-server'
  | 'webserver'
  | 'scheduler'
  | 'dag-processor'
  | 'triggerer'
  | 'worker'
  | 'db-bootstrap'
  | 'migrate'
  | 'create-admin'
  | 'postgres';

export function ownerLabels(config: Pick<ResolvedConfig, 'name'>): Record<string, string> {
  return { [MANAGED_BY]: FIELD_MANAGER, [DEPLOYMENT_LABEL]: config.name };
}

export function ownerSelector(config: Pick<ResolvedConfig, 'name'>): string {
  return `${MANAGED_BY}=${FIELD_MANAGER},${DEPLOYMENT_LABEL}=${config.name}`;
}

/** Immutable selector of one component's pods. */
export function selectorLabels(config: Pick<ResolvedConfig, 'name'>, component: KubeComponent): Record<string, string> {
  return {
    'app.kubernetes.io/name': component === 'postgres' ? 'postgresql' : 'airflow',
    'app.kubernetes.io/instance': config.name,
    [COMPONENT_LABEL]: component,
  };
}

/** A label map as an API `labelSelector` query value: `k=v,k2=v2`. */
export function labelSelector(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Labels on an object we own (not on task pods: Airflow creates those). */
export function objectLabels(
  config: Pick<ResolvedConfig, 'name' | 'airflow'>,
  component: KubeComponent | undefined,
): Record<string, string> {
  return {
    ...(component ? selectorLabels(config, component) : { 'app.kubernetes.io/name': 'airflow', 'app.kubernetes.io/instance': config.name }),
    'app.kubernetes.io/part-of': 'airflow',
    'app.kubernetes.io/version': config.airflow.version,
    ...ownerLabels(config),
  };
}

/** Object names. Fixed per namespace (the namespace is the unit of isolation), so kubectl users can guess them. */
export const NAMES = {
  config: 'airflow-config',
  podTemplate: 'airflow-pod-template',
  secrets: 'airflow-secrets',
  metadata: 'airflow-metadata',
  databaseMaster: 'airflow-db-master',
  uiService: 'airflow-api-server',
  /** The Service of type LoadBalancer, only when `exposure.mode` is internal or public (src/k8s/exposure.ts). */
  loadBalancer: 'airflow-ui-lb',
  postgres: 'airflow-postgresql',
  /** FAB's webserver_config.py (SSO), only with auth.oidc (src/airflow/fab-oidc.ts). */
  webserverConfig: 'airflow-webserver-config',
  /** The OIDC client secret, read by the deploy from its Secrets Manager ARN; mounted by the UI only. */
  oidc: 'airflow-oidc',
  podLauncherRole: 'airflow-pod-launcher',
  podLogReaderRole: 'airflow-pod-log-reader',
} as const;

/** Keys inside the `airflow-secrets` Secret. */
export const SECRET_KEYS = {
  fernetKey: 'fernet-key',
  apiSecretKey: 'api-secret-key',
  jwtSecret: 'jwt-secret',
  adminPassword: 'admin-password',
  databasePassword: 'database-password',
  /** SimpleAuthManager passwords file (`{"admin": "<password>"}`), Airflow 3 with auth "simple" only. */
  simpleAuthPasswords: 'simple-auth-passwords.json',
} as const;

export function deploymentName(component: KubeComponent): string {
  return `airflow-${component}`;
}
