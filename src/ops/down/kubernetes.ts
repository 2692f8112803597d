/**
 * Steps 1–3 of `down`, on the cluster: scale Airflow to zero (the scheduler first, so no new task starts while the
 * rest stops), delete the objects that own load balancers and wait until they are gone, delete the volume claims.
 * Each step is skipped, saying why, when there is no cluster to talk to (the stack is gone, or it does not answer):
 * what these objects own then has to be found in the AWS console.
 */
import {
  deleteObject,
  listLoadBalancers,
  listVolumeClaims,
  listWorkloads,
  scaleToZero,
  waitGone,
  type NamedObject,
  type Workload,
} from '../../adapters/kube/teardown.js';
import { UserError } from '../../errors/user-error.js';
import { unchanged, type Step, type StepReporter } from '../steps.js';
import { reachCluster, type DownContext } from './context.js';

/** Load balancers take minutes to go; eksctl waits 10 minutes at most. */
const LOAD_BALANCER_WAIT_MS = 600_000;

/** The order to stop workloads in: the scheduler(s) first, then the rest by name; those at zero are left alone. */
export function scaleDownOrder(workloads: readonly Workload[]): Workload[] {
  const running = workloads.filter((w) => w.replicas > 0);
  const rank = (w: Workload) => (w.component === 'scheduler' ? 0 : 1);
  return [...running].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

const ref = (o: Workload | NamedObject) => `${o.kind} ${o.name}`;

export const scaleStep: Step<DownContext> = {
  id: 'scale',
  title: 'Stop Airflow (scale to zero, scheduler first)',

  async describe(ctx) {
    const reach = await reachCluster(ctx);
    if ('skip' in reach) return unchanged(`skipped: ${reach.skip}`);
    const order = scaleDownOrder(await listWorkloads(reach.client, ctx.config));
    if (order.length === 0) return unchanged(`nothing running in namespace ${ctx.config.kubernetes.namespace} on ${reach.where}`);
    return { summary: `scale ${order.length} workload(s) to 0 on ${reach.where}`, changes: true, details: order.map((w) => `${ref(w)} (${w.replicas} → 0)`), dangers: [] };
  },

  async run(ctx, report) {
    const reach = await reachCluster(ctx);
    if ('skip' in reach) {
      report.warn(`not scaling Airflow down: ${reach.skip}`);
      return { changed: false, summary: `skipped: ${reach.skip}` };
    }
    const namespace = ctx.config.kubernetes.namespace;
    const order = scaleDownOrder(await listWorkloads(reach.client, ctx.config));
    for (const [i, w] of order.entries()) {
      report.progress(`scaling ${ref(w)} to 0`, { done: i + 1, total: order.length });
      await scaleToZero(reach.client, namespace, w);
    }
    return { changed: order.length > 0, summary: order.length === 0 ? 'nothing running' : `scaled ${order.length} workload(s) to 0`, data: { order: order.map(ref) } };
  },
};

export const loadBalancersStep: Step<DownContext> = {
  id: 'load-balancers',
  title: 'Load balancers (Services of type LoadBalancer, Ingresses)',
  describe: (ctx) => describeDeletion(ctx, (c, ns) => listLoadBalancers(c, ns), 'their AWS load balancers go with them'),
  run: (ctx, report) => runDeletion(ctx, report, (c, ns) => listLoadBalancers(c, ns), Math.min(ctx.timeoutMs, LOAD_BALANCER_WAIT_MS)),
};

export const volumesStep: Step<DownContext> = {
  id: 'volumes',
  title: 'Volumes (PersistentVolumeClaims)',
  describe: (ctx) => describeDeletion(ctx, (c, ns) => listVolumeClaims(c, ns), 'their EBS volumes are not part of the stack'),
  run: (ctx, report) => runDeletion(ctx, report, (c, ns) => listVolumeClaims(c, ns), ctx.timeoutMs),
};

type Lister = (client: Parameters<typeof listVolumeClaims>[0], namespace: string) => Promise<NamedObject[]>;

async function describeDeletion(ctx: DownContext, list: Lister, why: string) {
  const reach = await reachCluster(ctx);
  if ('skip' in reach) return unchanged(`skipped: ${reach.skip}`);
  const found = await list(reach.client, ctx.config.kubernetes.namespace);
  if (found.length === 0) return unchanged(`none in namespace ${ctx.config.kubernetes.namespace}`);
  return { summary: `delete ${found.length} object(s) (${why})`, changes: true, details: found.map(ref), dangers: [] };
}

async function runDeletion(ctx: DownContext, report: StepReporter, list: Lister, timeoutMs: number) {
  const reach = await reachCluster(ctx);
  if ('skip' in reach) {
    report.warn(`not deleting them: ${reach.skip}`);
    return { changed: false, summary: `skipped: ${reach.skip}` };
  }
  const namespace = ctx.config.kubernetes.namespace;
  const found = await list(reach.client, namespace);
  for (const o of found) {
    report.progress(`deleting ${ref(o)}`);
    await deleteObject(reach.client, namespace, o);
  }
  const left = await waitGone(() => list(reach.client, namespace), found, {
    timeoutMs,
    signal: ctx.signal,
    onWait: (l) => report.progress(`waiting for ${l.map(ref).join(', ')} to go`),
  });
  if (left.length > 0) {
    throw new UserError(`${left.map(ref).join(', ')} still exist after ${Math.round(timeoutMs / 1000)} s`, {
      code: 'KUBE_DELETE_TIMEOUT',
      details: ['a finalizer keeps them until their AWS resource is gone; deleting the stack now could orphan it and block the VPC deletion'],
      hint: `see kubectl -n ${namespace} describe ${left.map((o) => `${o.kind.toLowerCase()}/${o.name}`).join(' ')}; then rerun airflow-aws down (it continues from here)`,
    });
  }
  return { changed: found.length > 0, summary: found.length === 0 ? 'none' : `deleted ${found.map(ref).join(', ')}` };
}
