/**
 * The Airflow that `deploy --kube-context` made on a test cluster, reached from this machine: the API through its
 * ClusterIP Service (kube-proxy serves Service IPs to the node itself too) with the admin login deploy generated.
 */
import { AirflowApi } from '../../src/adapters/airflow-api.js';
import type { KubeTestCluster } from './kube-cluster.js';

/** http://<clusterIP>:<port> of the `airflow-api-server` Service in `namespace`. */
export async function deployedAirflowUrl(cluster: KubeTestCluster, namespace: string): Promise<string> {
  const svc = await cluster.request<{ spec: { clusterIP: string; ports: { port: number }[] } }>('GET', `/api/v1/namespaces/${namespace}/services/airflow-api-server`);
  if (svc.status !== 200) throw new Error(`GET Service airflow-api-server in ${namespace}: ${svc.status} ${svc.text}`);
  return `http://${svc.body.spec.clusterIP}:${svc.body.spec.ports[0]?.port ?? 8080}`;
}

/** The generated admin password (Secret `airflow-secrets`, key `admin-password`). */
export async function deployedAdminPassword(cluster: KubeTestCluster, namespace: string): Promise<string> {
  const secret = await cluster.request<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${namespace}/secrets/airflow-secrets`);
  const password = Buffer.from(secret.body.data?.['admin-password'] ?? '', 'base64').toString('utf8');
  if (!password) throw new Error(`no admin-password in Secret airflow-secrets of ${namespace}: ${secret.status}`);
  return password;
}

/** The project's REST client (Airflow 3) for the deployed Airflow, as user admin. */
export async function deployedAirflowApi(cluster: KubeTestCluster, namespace: string): Promise<AirflowApi> {
  return new AirflowApi({ baseUrl: await deployedAirflowUrl(cluster, namespace), major: 3, username: 'admin', password: await deployedAdminPassword(cluster, namespace) });
}
