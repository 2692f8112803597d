/**
 * The Kubernetes calls of `down`: scale our workloads to zero, delete the objects that own AWS resources outside
 * CloudFormation (Services of type LoadBalancer and Ingresses own load balancers; PVCs own EBS volumes) and wait
 * until they are gone. eksctl's `elb.Cleanup` order: these must go while the controllers that own the AWS side still
 * run, or the load balancers and volumes are orphaned and keep the VPC from being deleted.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/delete-cluster.html
 */
import { AppsV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { COMPONENT_LABEL, ownerSelector } from '../../k8s/labels.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { sleep, type KubeClient } from './client.js';

export interface Workload {
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly name: string;
  readonly component?: string;
  readonly replicas: number;
}

/** Our Deployments and StatefulSets in the namespace (ownership labels, so nobody else's). */
export async function listWorkloads(client: KubeClient, config: ResolvedConfig): Promise<Workload[]> {
  const apps = client.kubeConfig.makeApiClient(AppsV1Api);
  const namespace = config.kubernetes.namespace;
  const labelSelector = ownerSelector(config);
  const [deployments, sets] = await Promise.all([
    client.call(`listing Deployments in ${namespace}`, () => apps.listNamespacedDeployment({ namespace, labelSelector })),
    client.call(`listing StatefulSets in ${namespace}`, () => apps.listNamespacedStatefulSet({ namespace, labelSelector })),
  ]);
  const of = (kind: Workload['kind'], o: { metadata?: { name?: string; labels?: Record<string, string> }; spec?: { replicas?: number } }): Workload => {
    const component = o.metadata?.labels?.[COMPONENT_LABEL];
    return { kind, name: o.metadata?.name ?? '', ...(component ? { component } : {}), replicas: o.spec?.replicas ?? 1 };
  };
  return [...deployments.items.map((d) => of('Deployment', d)), ...sets.items.map((s) => of('StatefulSet', s))];
}

/** Sets replicas to 0 through the scale subresource (no field-manager conflict with the apply engine's fields). */
export async function scaleToZero(client: KubeClient, namespace: string, w: Workload): Promise<void> {
  const apps = client.kubeConfig.makeApiClient(AppsV1Api);
  const what = `scaling ${w.kind} ${namespace}/${w.name} to 0`;
  if (w.kind === 'Deployment') {
    const scale = await client.call(what, () => apps.readNamespacedDeploymentScale({ name: w.name, namespace }));
    await client.call(what, () => apps.replaceNamespacedDeploymentScale({ name: w.name, namespace, body: { ...scale, spec: { replicas: 0 } } }));
  } else {
    const scale = await client.call(what, () => apps.readNamespacedStatefulSetScale({ name: w.name, namespace }));
    await client.call(what, () => apps.replaceNamespacedStatefulSetScale({ name: w.name, namespace, body: { ...scale, spec: { replicas: 0 } } }));
  }
}

export interface NamedObject {
  readonly kind: 'Service' | 'Ingress' | 'PersistentVolumeClaim';
  readonly name: string;
}

/** Every Service of type LoadBalancer and every Ingress in the namespace: each may own an AWS load balancer. */
export async function listLoadBalancers(client: KubeClient, namespace: string): Promise<NamedObject[]> {
  const net = client.kubeConfig.makeApiClient(NetworkingV1Api);
  const [services, ingresses] = await Promise.all([
    client.call(`listing Services in ${namespace}`, () => client.core.listNamespacedService({ namespace })),
    client.call(`listing Ingresses in ${namespace}`, () => net.listNamespacedIngress({ namespace })),
  ]);
  return [
    ...services.items.filter((s) => s.spec?.type === 'LoadBalancer').map((s) => ({ kind: 'Service' as const, name: s.metadata?.name ?? '' })),
    ...ingresses.items.map((i) => ({ kind: 'Ingress' as const, name: i.metadata?.name ?? '' })),
  ];
}

export async function listVolumeClaims(client: KubeClient, namespace: string): Promise<NamedObject[]> {
  const pvcs = await client.call(`listing PersistentVolumeClaims in ${namespace}`, () => client.core.listNamespacedPersistentVolumeClaim({ namespace }));
  return pvcs.items.map((p) => ({ kind: 'PersistentVolumeClaim' as const, name: p.metadata?.name ?? '' }));
}

export async function deleteObject(client: KubeClient, namespace: string, o: NamedObject): Promise<void> {
  const what = `deleting ${o.kind} ${namespace}/${o.name}`;
  // Foreground: the object is gone only once what it owns is; a 404 means a rerun after it went.
  const body = { propagationPolicy: 'Foreground' };
  if (o.kind === 'Service') await client.call(what, () => client.core.deleteNamespacedService({ name: o.name, namespace, body }), true);
  else if (o.kind === 'PersistentVolumeClaim') await client.call(what, () => client.core.deleteNamespacedPersistentVolumeClaim({ name: o.name, namespace, body }), true);
  else {
    const net = client.kubeConfig.makeApiClient(NetworkingV1Api);
    await client.call(what, () => net.deleteNamespacedIngress({ name: o.name, namespace, body }), true);
  }
}

/**
 * Polls `list` until none of `objects` is listed any more, or the deadline passes; returns those still there.
 * A finalizer (the load balancer controller's, pvc-protection) keeps an object until its AWS side is gone.
 */
export async function waitGone(
  list: () => Promise<readonly NamedObject[]>,
  objects: readonly NamedObject[],
  o: { readonly timeoutMs: number; readonly pollMs?: number; readonly signal?: AbortSignal; readonly onWait?: (left: readonly NamedObject[]) => void },
): Promise<NamedObject[]> {
  const deadline = Date.now() + o.timeoutMs;
  const key = (x: NamedObject) => `${x.kind}/${x.name}`;
  const wanted = new Set(objects.map(key));
  for (;;) {
    const left = (await list()).filter((x) => wanted.has(key(x)));
    if (left.length === 0 || Date.now() >= deadline) return left;
    o.onWait?.(left);
    await sleep(o.pollMs ?? 2000, o.signal);
  }
}
