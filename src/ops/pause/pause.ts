/**
 * The steps of `pause`, in order: stop new work first (the scheduler), let running tasks finish (or delete them
 * with --force), stop the rest of Airflow, record the pause, then the costly parts: nodes to 0, database stopped.
 * Each step is idempotent, so a pause interrupted anywhere is finished by running pause again.
 */
import { activeTaskPods, deletePods, scaleDown, scaleUp } from '../../adapters/kube/scale.js';
import { UserError } from '../../errors/user-error.js';
import { sleep } from '../../adapters/kube/client.js';
import { componentSpecs } from '../../k8s/workloads.js';
import type { KubeComponent } from '../../k8s/labels.js';
import type { Step, StepDescription } from '../steps.js';
import { DB_STOPPED, kubeOf, stateOf, waitOpts, type PauseContext } from './context.js';

const describe = (summary: string): StepDescription => ({ summary, changes: true, details: [], dangers: [] });

/** The long-running components other than the scheduler, in the order the config builds them. */
export function otherComponents(ctx: Pick<PauseContext, 'config'>): KubeComponent[] {
  return componentSpecs({ config: ctx.config }).map((s) => s.component).filter((c) => c !== 'scheduler');
}

export const schedulerStep: Step<PauseContext> = {
  id: 'scheduler',
  title: 'Stop the scheduler',
  describe: async () => describe('scale the scheduler to 0 so no new task starts'),
  async run(ctx) {
    const k = await kubeOf(ctx);
    const r = await scaleDown(k.client, ctx.config.kubernetes.namespace, 'scheduler');
    return { changed: r.kind === 'scaled', summary: r.kind === 'scaled' ? `scheduler ${r.from} -> 0` : r.kind === 'absent' ? 'no scheduler Deployment' : 'scheduler already at 0' };
  },
};

export const taskPodsStep: Step<PauseContext> = {
  id: 'task-pods',
  title: 'Running tasks',
  describe: async (ctx) => describe(`wait up to ${Math.round(ctx.timeoutMs / 1000)} s for running task pods${ctx.force ? ', then delete the rest (--force)' : ''}`),
  async run(ctx, report) {
    const k = await kubeOf(ctx);
    const ns = ctx.config.kubernetes.namespace;
    const deadline = Date.now() + ctx.timeoutMs;
    let pods = await activeTaskPods(k.client, ctx.config);
    while (pods.length > 0 && Date.now() < deadline) {
      report.progress(`waiting for ${pods.length} task pod(s) to finish: ${pods.join(', ')}`);
      await sleep(Math.min(ctx.pollMs, Math.max(0, deadline - Date.now())), ctx.signal);
      pods = await activeTaskPods(k.client, ctx.config);
    }
    if (pods.length === 0) return { changed: false, summary: 'no task running' };
    if (ctx.force) {
      await deletePods(k.client, ns, pods);
      ctx.found.forced = pods;
      for (const p of pods) report.warn(`deleted task pod ${p} (--force): its task fails and is retried per its retries after resume`);
      return { changed: true, summary: `deleted ${pods.length} task pod(s): ${pods.join(', ')}`, data: { deleted: pods } };
    }
    // Back to where we started: the scheduler runs again and adopts the running tasks; nothing else was touched.
    const spec = componentSpecs({ config: ctx.config }).find((s) => s.component === 'scheduler');
    await scaleUp(k.client, ns, 'scheduler', spec?.replicas ?? 1);
    throw new UserError(`${pods.length} task pod(s) still running after ${Math.round(ctx.timeoutMs / 1000)} s: nothing was paused (the scheduler runs again)`, {
      code: 'TASKS_STILL_RUNNING',
      details: pods.map((p) => `task pod ${ns}/${p}`),
      hint: 'let them finish and rerun pause (or with a longer --timeout), or add --force to delete them (their tasks fail and are retried per their retries)',
    });
  },
};

export const componentsStep: Step<PauseContext> = {
  id: 'components',
  title: 'Stop Airflow',
  describe: async (ctx) => describe(`scale ${otherComponents(ctx).join(', ')} to 0`),
  async run(ctx) {
    const k = await kubeOf(ctx);
    const scaled: string[] = [];
    for (const c of otherComponents(ctx)) {
      const r = await scaleDown(k.client, ctx.config.kubernetes.namespace, c);
      if (r.kind === 'scaled') scaled.push(`${c} ${r.from} -> 0`);
    }
    return { changed: scaled.length > 0, summary: scaled.length > 0 ? scaled.join(', ') : 'already at 0' };
  },
};

export const recordStep: Step<PauseContext> = {
  id: 'record',
  title: 'Record the pause',
  describe: async () => describe('tag the EKS cluster airflow-aws:paused with the time and the node group sizes'),
  async run(ctx) {
    const s = await stateOf(ctx);
    const dbRunning = !(DB_STOPPED as readonly string[]).includes(s.database.status);
    if (s.record && !dbRunning) {
      ctx.found.record = s.record;
      return { changed: false, summary: `already recorded (since ${s.record.since.toISOString()})` };
    }
    // Keep the sizes of an earlier, unfinished pause: the node group may be at 0 by now. A new time is written when
    // the database runs again (RDS started it after seven days): its auto-start clock restarts with this stop.
    const cfg = ctx.config.cluster.nodeGroup;
    const sizes = s.record?.sizes ?? (s.nodegroup.sizes.desired > 0 ? s.nodegroup.sizes : { min: cfg.minSize, desired: cfg.desiredSize, max: cfg.maxSize });
    const record = { since: ctx.now(), nodegroup: s.nodegroup.name, sizes };
    await ctx.aws.writeRecord(s.clusterArn, record);
    ctx.found.record = record;
    return { changed: true, summary: `paused since ${record.since.toISOString()} (node group ${record.nodegroup} was ${sizes.min}/${sizes.desired}/${sizes.max})` };
  },
};

export const nodesStep: Step<PauseContext> = {
  id: 'nodes',
  title: 'Nodes to 0',
  describe: async () => describe('scale the EKS node group to 0 (minSize 0, desiredSize 0)'),
  async run(ctx, report) {
    const s = await stateOf(ctx);
    if (s.nodegroup.sizes.desired === 0 && s.nodegroup.sizes.min === 0) return { changed: false, summary: `node group ${s.nodegroup.name} already at 0` };
    await ctx.aws.scaleNodegroup(s.clusterName, s.nodegroup.name, { min: 0, desired: 0, max: s.nodegroup.sizes.max }, waitOpts(ctx, (w) => report.progress(`waiting for ${w}`)));
    return { changed: true, summary: `node group ${s.nodegroup.name} ${s.nodegroup.sizes.desired} -> 0` };
  },
};

export const databaseStep: Step<PauseContext> = {
  id: 'database',
  title: 'Stop the database',
  describe: async () => describe('stop the RDS instance (RDS starts it again on its own after 7 days)'),
  async run(ctx, report) {
    const s = await stateOf(ctx);
    let status = await ctx.aws.databaseStatus(s.database.id);
    if ((DB_STOPPED as readonly string[]).includes(status)) return { changed: false, summary: `database ${s.database.id} already ${status}` };
    // RDS stops only an available instance; a backup or modification in flight is waited out.
    if (status !== 'available') {
      await ctx.aws.waitDatabase(s.database.id, ['available', ...DB_STOPPED], waitOpts(ctx, (w) => report.progress(`waiting for ${w}`)));
      status = await ctx.aws.databaseStatus(s.database.id);
      if (status !== 'available') return { changed: false, summary: `database ${s.database.id} ${status}` };
    }
    await ctx.aws.stopDatabase(s.database.id);
    return { changed: true, summary: `database ${s.database.id} stopping` };
  },
};

export const PAUSE_STEPS: readonly Step<PauseContext>[] = [schedulerStep, taskPodsStep, componentsStep, recordStep, nodesStep, databaseStep];
