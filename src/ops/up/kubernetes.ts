/**
 * Step 4 of `up`: Airflow on the cluster, with the existing apply engine (server-side apply; Jobs for bootstrap,
 * migration and the admin user; rollout waits). Describes itself with a server-side dry run when the cluster
 * answers, and otherwise lists what a first deploy creates.
 */
import { deploy, planDeploy } from '../../adapters/kube/deploy.js';
import { NAMES } from '../../k8s/labels.js';
import { UserError } from '../../errors/user-error.js';
import type { Step } from '../steps.js';
import type { KubeTarget, UpContext } from './context.js';

export const kubernetesStep: Step<UpContext> = {
  id: 'kubernetes',
  title: 'Airflow on Kubernetes',

  async describe(ctx) {
    const image = ctx.image ?? ctx.found.image;
    if (!ctx.found.outputs || !image) {
      return { summary: 'deploy Airflow (namespace, RBAC, secrets, database Jobs, components) once the cluster and image exist', changes: true, details: [], dangers: [] };
    }
    const target = await kubeTarget(ctx);
    const plan = await planDeploy(target.client, request(ctx, target, image));
    const changes = plan.changes.filter((c) => c.action !== 'unchanged');
    return {
      summary: changes.length === 0 ? 'no changes' : `${changes.length} object(s) to create or update on ${target.where}`,
      changes: changes.length > 0,
      details: changes.map((c) => `${c.action} ${c.ref}`),
      dangers: [],
      data: { changes: plan.changes },
    };
  },

  async run(ctx, report) {
    const image = ctx.found.image ?? ctx.image;
    if (!image) throw new UserError('no image to deploy', { code: 'IMAGE_REQUIRED', hint: 'pass --image REF' });
    const target = await kubeTarget(ctx);
    report.progress(`deploying to ${target.where}, namespace ${ctx.config.kubernetes.namespace}`);
    const r = await deploy(target.client, request(ctx, target, image), {
      jobTimeoutMs: ctx.timeoutMs,
      rolloutTimeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      onEvent: (e) => {
        if (e.type === 'phase') report.progress(e.description);
        else if (e.type === 'wait') report.progress(`waiting for ${e.what}`);
        else if (e.type === 'object' && e.action !== 'unchanged') report.progress(`${e.action} ${e.ref}`);
      },
    });
    if (r.generatedSecrets.length > 0) report.info(`generated secrets (Secret ${ctx.config.kubernetes.namespace}/${NAMES.secrets}): ${r.generatedSecrets.join(', ')}`);
    return { changed: r.changed > 0, summary: r.changed === 0 ? 'no changes' : `${r.changed} object(s) changed`, data: { changes: r.changes } };
  },
};

async function kubeTarget(ctx: UpContext): Promise<KubeTarget> {
  if (!ctx.found.kube) {
    if (!ctx.found.outputs) throw new Error('the Kubernetes step needs the stack outputs');
    ctx.found.kube = await ctx.kubeTarget(ctx.found.outputs);
  }
  return ctx.found.kube;
}

function request(ctx: UpContext, target: KubeTarget, image: string) {
  return { config: ctx.config, image, database: target.database, ...(target.master ? { databaseMaster: target.master } : {}) };
}
