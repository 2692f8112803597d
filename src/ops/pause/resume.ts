/**
 * The steps of `resume`, the reverse of pause: database first (Airflow cannot start without it), then nodes, then
 * Airflow's components; the record is cleared only once everything is back, so an interrupted resume is finished by
 * running resume again. Last, the readiness wait deploy uses: every component's pods ready.
 */
import { NODEGROUP_LABEL } from '../../adapters/kube/workload-status.js';
import { scaleUp, waitReady } from '../../adapters/kube/scale.js';
import { poll } from '../../adapters/poll.js';
import { UserError } from '../../errors/user-error.js';
import { componentSpecs } from '../../k8s/workloads.js';
import type { Step, StepDescription } from '../steps.js';
import { kubeOf, stateOf, waitOpts, type PauseContext } from './context.js';
import type { PauseRecord } from './record.js';

const describe = (summary: string): StepDescription => ({ summary, changes: true, details: [], dangers: [] });

async function recordOf(ctx: PauseContext): Promise<PauseRecord> {
  const s = await stateOf(ctx);
  if (!s.record) throw new UserError(`${ctx.stackName} is not paused`, { code: 'NOT_PAUSED', hint: 'nothing to resume; airflow-aws status shows what runs' });
  ctx.found.record = s.record;
  return s.record;
}

export const startDatabaseStep: Step<PauseContext> = {
  id: 'database',
  title: 'Start the database',
  describe: async () => describe('start the RDS instance and wait until it is available'),
  async run(ctx, report) {
    const s = await stateOf(ctx);
    const id = s.database.id;
    const w = waitOpts(ctx, (what) => report.progress(`waiting for ${what}`));
    let status = await ctx.aws.databaseStatus(id);
    // RDS refuses to start an instance that is still stopping.
    if (status === 'stopping') {
      await ctx.aws.waitDatabase(id, ['stopped'], w);
      status = 'stopped';
    }
    const started = status === 'stopped';
    if (started) await ctx.aws.startDatabase(id);
    await ctx.aws.waitDatabase(id, ['available'], w);
    return { changed: started, summary: started ? `database ${id} available` : `database ${id} was already ${status}` };
  },
};

export const restoreNodesStep: Step<PauseContext> = {
  id: 'nodes',
  title: 'Nodes back',
  describe: async () => describe('restore the node group sizes recorded by pause and wait for the nodes'),
  async run(ctx, report) {
    const s = await stateOf(ctx);
    const r = await recordOf(ctx);
    const w = waitOpts(ctx, (what) => report.progress(`waiting for ${what}`));
    const now = s.nodegroup.sizes;
    const changed = now.min !== r.sizes.min || now.desired !== r.sizes.desired || now.max !== r.sizes.max;
    if (changed) await ctx.aws.scaleNodegroup(s.clusterName, r.nodegroup, r.sizes, w);
    const k = await kubeOf(ctx);
    if (!k.eks) {
      report.info(`not waiting for nodes: ${k.where} is not the stack's EKS cluster`);
    } else {
      await poll(w, `${r.sizes.desired} Ready node(s) of node group ${r.nodegroup}`, async () => {
        const nodes = await k.client.call('list nodes', () => k.client.core.listNode({ labelSelector: `${NODEGROUP_LABEL}=${r.nodegroup}` }));
        const ready = nodes.items.filter((n) => (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')).length;
        return ready >= r.sizes.desired;
      });
    }
    return { changed, summary: `node group ${r.nodegroup} at ${r.sizes.desired} (min ${r.sizes.min}, max ${r.sizes.max})` };
  },
};

export const startComponentsStep: Step<PauseContext> = {
  id: 'components',
  title: 'Start Airflow',
  describe: async () => describe('scale every Airflow component back to its replicas before the pause'),
  async run(ctx) {
    await recordOf(ctx);
    const k = await kubeOf(ctx);
    const scaled: string[] = [];
    for (const spec of componentSpecs({ config: ctx.config })) {
      const r = await scaleUp(k.client, ctx.config.kubernetes.namespace, spec.component, spec.replicas);
      if (r.kind === 'scaled') scaled.push(`${spec.component} 0 -> ${r.to}`);
    }
    return { changed: scaled.length > 0, summary: scaled.length > 0 ? scaled.join(', ') : 'already running' };
  },
};

export const clearRecordStep: Step<PauseContext> = {
  id: 'record',
  title: 'Clear the pause record',
  describe: async () => describe('remove the airflow-aws:paused tag from the EKS cluster'),
  async run(ctx) {
    const s = await stateOf(ctx);
    await ctx.aws.clearRecord(s.clusterArn);
    return { changed: true, summary: 'pause record removed' };
  },
};

export const readyStep: Step<PauseContext> = {
  id: 'ready',
  title: 'Airflow ready',
  describe: async () => describe('wait until every component (api-server included) has its pods ready'),
  async run(ctx, report) {
    const k = await kubeOf(ctx);
    const components = componentSpecs({ config: ctx.config }).map((s) => s.component);
    await waitReady(k.client, ctx.config.kubernetes.namespace, components, waitOpts(ctx, (what) => report.progress(`waiting for ${what}`)));
    return { changed: false, summary: `${components.join(', ')} ready` };
  },
};

export const RESUME_STEPS: readonly Step<PauseContext>[] = [startDatabaseStep, restoreNodesStep, startComponentsStep, clearRecordStep, readyStep];
