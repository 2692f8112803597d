/**
 * What `status` reads from the cluster, read-only: each Airflow component's Deployment and pods, the task pods the
 * KubernetesExecutor started, the nodes, and Airflow's own health report fetched through the API server's service
 * proxy (so it works from anywhere the API server is reachable, without a port-forward).
 */
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { ResolvedConfig } from '../../config/resolved.js';
import { checkShape, healthSchema } from '../../dev/api-shapes.js';
import { API_PORT, basePath } from '../../k8s/airflow-config.js';
import { isExposed, LB_ANNOTATIONS } from '../../k8s/exposure.js';
import { deploymentName, labelSelector, NAMES, selectorLabels, type KubeComponent } from '../../k8s/labels.js';
import { explainPod } from '../../k8s/pod-outcome.js';
import { HEALTH_COMPONENTS, type ApiHealth, type ComponentStatus, type KubeStatus, type LoadBalancerEndpoint, type NodeCounts, type TaskPodCounts, type TaskPodProblem } from '../../status/model.js';
import type { KubeClient } from './client.js';
import { isApiError, networkCode, statusOf } from './errors.js';

/** The label EKS puts on every node of a managed node group. */
export const NODEGROUP_LABEL = 'eks.amazonaws.com/nodegroup';

const isReady = (p: V1Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Why a pod is not running, if it says: a waiting container's reason, or the scheduler's reason for Pending. */
function waitingReason(p: V1Pod): string | undefined {
  const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  const waiting = statuses.find((s) => s.state?.waiting?.reason && s.state.waiting.reason !== 'PodInitializing')?.state?.waiting;
  if (waiting?.reason) return waiting.reason;
  const unscheduled = (p.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) return `Pending: ${unscheduled.reason ?? 'not scheduled'}`;
  return undefined;
}

async function component(client: KubeClient, config: ResolvedConfig, c: KubeComponent): Promise<ComponentStatus> {
  const ns = config.kubernetes.namespace;
  const name = deploymentName(c);
  const d = await client.call(
    `read Deployment ${ns}/${name}`,
    () => client.objects.read<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns } }),
    true,
  );
  if (!d) return { component: c, exists: false, desired: 0, ready: 0, restarts: 0, images: [], waiting: [] };
  const pods = (
    await client.call(`list pods of ${name} in ${ns}`, () => client.core.listNamespacedPod({ namespace: ns, labelSelector: labelSelector(selectorLabels(config, c)) }))
  ).items.filter((p) => !p.metadata?.deletionTimestamp);
  const containerStatuses = pods.flatMap((p) => p.status?.containerStatuses ?? []);
  const images = [...new Set((d.spec?.template.spec?.containers ?? []).filter((x) => x.name === c).map((x) => x.image ?? '?'))];
  return {
    component: c,
    exists: true,
    desired: d.spec?.replicas ?? 1,
    ready: pods.filter(isReady).length,
    restarts: containerStatuses.reduce((n, s) => n + s.restartCount, 0),
    images,
    waiting: pods.flatMap((p) => {
      const why = isReady(p) ? undefined : waitingReason(p);
      return why ? [`${p.metadata?.name ?? '?'}: ${why}`] : [];
    }),
  };
}

async function taskPods(client: KubeClient, config: ResolvedConfig): Promise<TaskPodCounts> {
  const ns = config.kubernetes.namespace;
  const pods = (
    await client.call(`list task pods in ${ns}`, () => client.core.listNamespacedPod({ namespace: ns, labelSelector: labelSelector(selectorLabels(config, 'worker')) }))
  ).items;
  const phase = (p: string): number => pods.filter((x) => x.status?.phase === p).length;
  return { running: phase('Running'), queued: phase('Pending'), succeeded: phase('Succeeded'), failed: phase('Failed'), problems: taskPodProblems(pods) };
}

/** Each task pod's outcome when it went wrong, newest first; the task instance from the executor's raw-value annotations. */
export function taskPodProblems(pods: readonly V1Pod[]): TaskPodProblem[] {
  const created = (p: V1Pod): number => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return [...pods]
    .sort((a, b) => created(b) - created(a))
    .flatMap((p) => {
      const outcome = explainPod(p, 'base');
      if (!outcome) return [];
      const a = p.metadata?.annotations ?? {};
      const tryNumber = Number.parseInt(a['try_number'] ?? '', 10);
      return [
        {
          pod: p.metadata?.name ?? '?',
          ...(a['dag_id'] ? { dagId: a['dag_id'] } : {}),
          ...(a['task_id'] ? { taskId: a['task_id'] } : {}),
          ...(a['run_id'] ? { runId: a['run_id'] } : {}),
          ...(Number.isFinite(tryNumber) ? { tryNumber } : {}),
          kind: outcome.kind,
          text: outcome.text,
        },
      ];
    });
}

/** Ready nodes, in total and per managed node group; undefined when the identity may not list nodes. */
async function nodes(client: KubeClient): Promise<NodeCounts | undefined> {
  let items;
  try {
    items = (await client.core.listNode()).items;
  } catch (e) {
    if (isApiError(e) && e.code === 403) return undefined;
    throw e;
  }
  const byNodegroup: Record<string, { total: number; ready: number }> = {};
  let ready = 0;
  for (const n of items) {
    const ok = (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    if (ok) ready++;
    const ng = n.metadata?.labels?.[NODEGROUP_LABEL];
    if (ng) {
      const entry = (byNodegroup[ng] ??= { total: 0, ready: 0 });
      entry.total++;
      if (ok) entry.ready++;
    }
  }
  return { total: items.length, ready, byNodegroup };
}

/**
 * The path of Airflow's health endpoint through the service proxy: `/api/v2/monitor/health` (Airflow 3) or the
 * webserver's `/health` (Airflow 2), under the base path of `--base-url`, on the UI Service's port.
 * @see https://kubernetes.io/docs/tasks/access-application-cluster/access-cluster-services/#manually-constructing-apiserver-proxy-urls
 */
export function healthProxyPath(namespace: string, major: 2 | 3, basePath = ''): string {
  const endpoint = major === 3 ? '/api/v2/monitor/health' : '/health';
  return `/api/v1/namespaces/${namespace}/services/http:${NAMES.uiService}:${API_PORT}/proxy${basePath}${endpoint}`;
}

/**
 * The path prefix Airflow serves under, from the deployed ConfigMap (the `--base-url` of the last deploy), so reads
 * match what is running rather than what this run's flags would deploy.
 */
export async function deployedBasePath(client: KubeClient, config: ResolvedConfig): Promise<string> {
  const ns = config.kubernetes.namespace;
  const cm = await client.call(`read ConfigMap ${ns}/${NAMES.config}`, () => client.core.readNamespacedConfigMap({ name: NAMES.config, namespace: ns }), true);
  const url = cm?.data?.[config.airflowMajor === 3 ? 'AIRFLOW__API__BASE_URL' : 'AIRFLOW__WEBSERVER__BASE_URL'];
  if (!url) return '';
  try {
    return basePath({ baseUrl: url });
  } catch {
    return '';
  }
}

/**
 * The exposure load balancer as Kubernetes reports it: its scheme from our annotation, its DNS name from the
 * Service status once AWS has made it. Undefined when there is no such Service (exposure private).
 */
export async function readLoadBalancerEndpoint(client: KubeClient, namespace: string): Promise<LoadBalancerEndpoint | undefined> {
  const svc = await client.call(
    `read Service ${namespace}/${NAMES.loadBalancer}`,
    () => client.core.readNamespacedService({ name: NAMES.loadBalancer, namespace }),
    true,
  );
  if (!svc) return undefined;
  const ingress = svc.status?.loadBalancer?.ingress?.[0];
  const address = ingress?.hostname ?? ingress?.ip;
  const scheme = svc.metadata?.annotations?.[LB_ANNOTATIONS.internal] === 'true' ? 'internal' : 'internet-facing';
  return { scheme, ...(address ? { address } : {}) };
}

async function health(client: KubeClient, config: ResolvedConfig): Promise<ApiHealth> {
  let r;
  try {
    const prefix = await deployedBasePath(client, config);
    r = await client.getRaw(healthProxyPath(config.kubernetes.namespace, config.airflowMajor, prefix), 10_000);
  } catch (e) {
    return { reachable: false, error: networkCode(e) ?? (e as Error).message };
  }
  if (r.status !== 200) {
    // The API server answers for the proxy: 503 "no endpoints available" when no api-server pod is ready.
    const why = statusOf({ code: r.status, body: r.text }).message ?? r.text.slice(0, 200);
    return { reachable: false, error: `HTTP ${r.status}${why ? `: ${why.trim()}` : ''}` };
  }
  let body: unknown;
  try {
    body = JSON.parse(r.text);
  } catch {
    return { reachable: false, error: `not JSON: ${r.text.slice(0, 120)}` };
  }
  const shape = checkShape(healthSchema, body);
  if (!shape.ok) return { reachable: false, error: `unexpected health response: ${shape.problems.join('; ')}` };
  const raw = body as Record<string, Record<string, unknown> | null | undefined>;
  const components = HEALTH_COMPONENTS.flatMap((name) => {
    const entry = raw[name];
    if (entry === undefined) return [];
    const heartbeat = Object.entries(entry ?? {}).find(([k, v]) => k.startsWith('latest_') && k.endsWith('heartbeat') && typeof v === 'string')?.[1] as string | undefined;
    return [{ name, status: (entry?.['status'] as string | null | undefined) ?? null, ...(heartbeat ? { latestHeartbeat: heartbeat } : {}) }];
  });
  return { reachable: true, components };
}

/** Everything `status` shows about the cluster side. `components` lists the long-running ones of this Airflow line. */
export async function readKubeStatus(
  client: KubeClient,
  config: ResolvedConfig,
  where: string,
  components: readonly KubeComponent[],
): Promise<KubeStatus> {
  const ns = config.kubernetes.namespace;
  const namespace = await client.call(`read Namespace ${ns}`, () => client.core.readNamespace({ name: ns }), true);
  const base = { where, namespace: ns };
  if (!namespace) {
    return { ...base, namespaceExists: false, components: [], tasks: { running: 0, queued: 0, succeeded: 0, failed: 0, problems: [] }, health: { reachable: false, error: 'no namespace' } };
  }
  const [comps, tasks, nodeCounts, endpoint] = await Promise.all([
    Promise.all(components.map((c) => component(client, config, c))),
    taskPods(client, config),
    client.call('list nodes', () => nodes(client)),
    // Only read when the config asks for one: a private deployment's status needs no access to Services.
    isExposed(config) ? readLoadBalancerEndpoint(client, ns) : Promise.resolve(undefined),
  ]);
  const healthReport = comps.some((c) => c.exists) ? await health(client, config) : ({ reachable: false, error: 'not deployed' } as const);
  return { ...base, namespaceExists: true, components: comps, tasks, health: healthReport, ...(nodeCounts ? { nodes: nodeCounts } : {}), ...(endpoint ? { endpoint } : {}) };
}
