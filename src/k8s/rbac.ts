/**
 * Identities and permissions. One ServiceAccount per component, named as the Pod Identity associations of the
 * infrastructure (config/naming.ts), plus one token-less account for the one-shot Jobs. Roles grant exactly what
 * Airflow's own chart grants; no account may read Secrets (pods receive them as env/volumes from the kubelet).
 * @see https://github.com/apache/airflow/blob/main/chart/templates/rbac/pod-launcher-role.yaml
 */
import type { V1PolicyRule, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import { COMPONENTS, serviceAccountName, type Component } from '../config/naming.js';
import { NAMES, objectLabels } from './labels.js';
import type { KubeInputs, KubeObject } from './model.js';

/** Account of the bootstrap, migration and admin-user Jobs: no API access at all. */
export const JOBS_SERVICE_ACCOUNT = 'airflow-jobs';

/** KubernetesExecutor: the scheduler launches, watches, adopts and deletes task pods. */
export const POD_LAUNCHER_RULES: V1PolicyRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'list', 'get', 'patch', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['list'] },
];

/** The UI shows logs of running task pods. */
export const POD_LOG_READER_RULES: V1PolicyRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'get', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get', 'list'] },
];

/** Components whose pods need a Kubernetes API token. */
export function needsApiToken(inputs: Pick<KubeInputs, 'config'>, component: Component): boolean {
  if (component === 'api-server') return true;
  return component === 'scheduler' && inputs.config.airflow.executor === 'KubernetesExecutor';
}

export function serviceAccounts(inputs: KubeInputs): (V1ServiceAccount & KubeObject)[] {
  const ns = inputs.config.kubernetes.namespace;
  const sa = (name: string, component: Component | undefined): V1ServiceAccount & KubeObject => ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace: ns, labels: objectLabels(inputs.config, component === 'api-server' && inputs.config.airflowMajor === 2 ? 'webserver' : component) },
    // Pods opt in (automountServiceAccountToken on the pod) only where they call the API.
    automountServiceAccountToken: false,
  });
  return [...COMPONENTS.map((c) => sa(serviceAccountName(c), c)), sa(JOBS_SERVICE_ACCOUNT, undefined)];
}

export function roles(inputs: KubeInputs): KubeObject[] {
  const ns = inputs.config.kubernetes.namespace;
  const labels = objectLabels(inputs.config, undefined);
  const out: KubeObject[] = [];
  const role = (name: string, rules: V1PolicyRule[]): V1Role & KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace: ns, labels },
    rules,
  });
  const binding = (name: string, component: Component): V1RoleBinding & KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace: ns, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccountName(component), namespace: ns }],
  });
  if (inputs.config.airflow.executor === 'KubernetesExecutor') {
    out.push(role(NAMES.podLauncherRole, POD_LAUNCHER_RULES), binding(NAMES.podLauncherRole, 'scheduler'));
  }
  out.push(role(NAMES.podLogReaderRole, POD_LOG_READER_RULES), binding(NAMES.podLogReaderRole, 'api-server'));
  return out;
}
