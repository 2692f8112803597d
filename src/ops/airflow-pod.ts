/**
 * The pod the CLI runs Airflow's own commands in on a cluster: a ready pod behind the UI Service — the api-server
 * (the webserver on 2.x) — which has the database connection and the fernet key already. `users` runs its helper
 * there; `dags status` runs `airflow dags list-import-errors`.
 */
import type { ExecTarget } from '../adapters/kube/exec.js';
import type { KubeClient } from '../adapters/kube/client.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { NAMES } from '../k8s/labels.js';

/** The container running the UI/API: named after its component (src/k8s/workloads.ts). */
export const apiComponent = (major: 2 | 3): 'api-server' | 'webserver' => (major === 3 ? 'api-server' : 'webserver');

/** A ready pod of the UI Service; a UserError (NOT_DEPLOYED, NO_READY_POD) when there is none. */
export async function apiServerExecTarget(client: KubeClient, config: Pick<ResolvedConfig, 'kubernetes' | 'airflowMajor'>): Promise<ExecTarget> {
  const { pickServicePod } = await import('../adapters/kube/port-forward.js');
  const namespace = config.kubernetes.namespace;
  const { pod } = await pickServicePod(client, namespace, NAMES.uiService);
  return { namespace, pod, container: apiComponent(config.airflowMajor) };
}
