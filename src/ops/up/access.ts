/**
 * Step 2 of `up`: the caller becomes cluster admin through an EKS access entry, unless already listed. Skipped for
 * an existing cluster (--kube-context), whose kubeconfig already carries the access.
 */
// The EKS and IAM clients behind the access entry load only when the step has work: not for --kube-context.
const accessEntry = () => import('../../adapters/aws/access-entry.js');
import { awsUserError } from '../../adapters/aws/errors.js';
import { STACK_OUTPUTS } from '../../config/naming.js';
import { UserError } from '../../errors/user-error.js';
import { unchanged, type Step } from '../steps.js';
import type { UpContext } from './context.js';

export const accessStep: Step<UpContext> = {
  id: 'access',
  title: 'Cluster access (EKS access entry)',

  async describe(ctx) {
    if (!ctx.manageAccess) return unchanged('not needed: deploying to an existing cluster through its kubeconfig');
    const clusterName = ctx.found.outputs?.[STACK_OUTPUTS.clusterName];
    if (!clusterName) return { summary: 'after the cluster exists: make the caller cluster admin', changes: true, details: [], dangers: [] };
    const { describeClusterAdmin } = await accessEntry();
    const plan = await describeClusterAdmin({ target: target(ctx), clusterName }).catch((e: unknown) => {
      throw UserError.is(e) ? e : awsUserError(e, { action: 'reading the cluster access entries', region: ctx.region });
    });
    return { summary: plan.description, changes: plan.step !== 'none', details: [], dangers: [], data: plan };
  },

  async run(ctx, report) {
    if (!ctx.manageAccess) return { changed: false, summary: 'skipped (existing cluster)' };
    const clusterName = ctx.found.outputs?.[STACK_OUTPUTS.clusterName];
    if (!clusterName) throw new UserError('the stack has no ClusterName output', { code: 'STACK_OUTPUT_MISSING', hint: 'run up again' });
    const { ensureClusterAdmin } = await accessEntry();
    const r = await ensureClusterAdmin({ target: target(ctx), clusterName }).catch((e: unknown) => {
      throw UserError.is(e) ? e : awsUserError(e, { action: `granting cluster admin on ${clusterName}`, region: ctx.region });
    });
    if (r.action !== 'already-listed') report.info(`${r.principalArn} is now cluster admin of ${clusterName}`);
    return { changed: r.action !== 'already-listed', summary: r.action === 'already-listed' ? 'no changes' : `${r.action}: ${r.principalArn}`, data: r };
  },
};

function target(ctx: UpContext) {
  return { region: ctx.region, ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}) };
}
