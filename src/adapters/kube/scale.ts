/**
 * The Kubernetes side of `pause` and `resume`: scaling Airflow's Deployments to 0 and back, and the task pods the
 * KubernetesExecutor started. The replicas a Deployment had before the pause are kept on the Deployment itself
 * (annotation `airflow-aws/paused-replicas`), written in the same patch that sets replicas to 0: the record can
 * never disagree with the scale, even when pause is interrupted between two components.
 */
import { PatchStrategy, type V1Deployment } from '@kubernetes/client-node';
import { deploymentName, FIELD_MANAGER, labelSelector, selectorLabels, type KubeComponent } from '../../k8s/labels.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { poll, type WaitOpts } from '../poll.js';
import type { KubeClient } from './client.js';

export const PAUSED_REPLICAS_ANNOTATION = 'airflow-aws/paused-replicas';

export type ScaleResult = { readonly kind: 'absent' } | { readonly kind: 'unchanged'; readonly replicas: number } | { readonly kind: 'scaled'; readonly from: number; readonly to: number };

async function read(client: KubeClient, ns: string, c: KubeComponent): Promise<V1Deployment | undefined> {
  const name = deploymentName(c);
  return client.call(`read Deployment ${ns}/${name}`, () => client.objects.read<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns } }), true);
}

async function patch(client: KubeClient, ns: string, c: KubeComponent, replicas: number, annotation: string | null): Promise<void> {
  const name = deploymentName(c);
  // A merge patch: only replicas and our annotation change; `null` removes the annotation.
  const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns, annotations: { [PAUSED_REPLICAS_ANNOTATION]: annotation } }, spec: { replicas } };
  await client.call(`scale Deployment ${ns}/${name} to ${replicas}`, () => client.objects.patch(body as unknown as V1Deployment, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch));
}

/** Scales a component to 0, remembering its replicas; a component already at 0 keeps what it remembered. */
export async function scaleDown(client: KubeClient, ns: string, c: KubeComponent): Promise<ScaleResult> {
  const d = await read(client, ns, c);
  if (!d) return { kind: 'absent' };
  const replicas = d.spec?.replicas ?? 1;
  if (replicas === 0) return { kind: 'unchanged', replicas: 0 };
  await patch(client, ns, c, 0, String(replicas));
  return { kind: 'scaled', from: replicas, to: 0 };
}

/**
 * Scales a component back to the replicas it had before the pause, or to `fallback` (the config's) when it has no
 * record (scaled to 0 by hand, or the annotation was lost); leaves a running component alone.
 */
export async function scaleUp(client: KubeClient, ns: string, c: KubeComponent, fallback: number): Promise<ScaleResult> {
  const d = await read(client, ns, c);
  if (!d) return { kind: 'absent' };
  const current = d.spec?.replicas ?? 1;
  const remembered = Number(d.metadata?.annotations?.[PAUSED_REPLICAS_ANNOTATION]);
  const hasRecord = d.metadata?.annotations?.[PAUSED_REPLICAS_ANNOTATION] !== undefined;
  if (current > 0 && !hasRecord) return { kind: 'unchanged', replicas: current };
  const to = current > 0 ? current : Number.isSafeInteger(remembered) && remembered > 0 ? remembered : fallback;
  await patch(client, ns, c, to, null);
  return current === to ? { kind: 'unchanged', replicas: to } : { kind: 'scaled', from: current, to };
}

/** Task pods that still hold a task: neither Succeeded nor Failed (a Pending pod may start any moment). */
export async function activeTaskPods(client: KubeClient, config: ResolvedConfig): Promise<string[]> {
  const ns = config.kubernetes.namespace;
  const pods = await client.call(`list task pods in ${ns}`, () => client.core.listNamespacedPod({ namespace: ns, labelSelector: labelSelector(selectorLabels(config, 'worker')) }));
  return pods.items
    .filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    .map((p) => p.metadata?.name ?? '?')
    .sort();
}

/** Deletes the pods; the tasks they ran fail and Airflow retries them per their `retries` once resumed. */
export async function deletePods(client: KubeClient, ns: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await client.call(`delete pod ${ns}/${name}`, () => client.core.deleteNamespacedPod({ name, namespace: ns }), true);
  }
}

/** Waits until every listed Deployment that exists has all its replicas ready (the rollout wait of deploy, for scale). */
export async function waitReady(client: KubeClient, ns: string, components: readonly KubeComponent[], w: WaitOpts): Promise<void> {
  await poll(w, `${components.map(deploymentName).join(', ')} to be ready in ${ns}`, async () => {
    for (const c of components) {
      const d = await read(client, ns, c);
      if (!d) continue;
      const want = d.spec?.replicas ?? 1;
      if ((d.status?.readyReplicas ?? 0) < want) return false;
    }
    return true;
  });
}
