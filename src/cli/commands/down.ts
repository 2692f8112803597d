/**
 * `down`: removes what `up` made, in the order AWS prescribes (see src/ops/down). This module reads the stack, wires
 * the cluster in, asks for the typed confirmation, renders the step events, and ends with what is left and still
 * costs money.
 */
import { cloudFormationClient } from '../../adapters/aws/cloudformation.js';
import { awsUserError } from '../../adapters/aws/errors.js';
import { failedResources, readStack } from '../../adapters/aws/stack-state.js';
import { findRetained } from '../../adapters/aws/teardown.js';
import { STACK_OUTPUTS, stackName } from '../../config/naming.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { awsTarget, type DownContext, type KubeReach } from '../../ops/down/context.js';
import { DOWN_STEPS } from '../../ops/down/index.js';
import { formatLeftovers, leftovers, type Leftover } from '../../ops/down/leftovers.js';
import { describeSteps, runSteps } from '../../ops/steps.js';
import { terminalPrompter, YES } from '../../ui/prompt.js';
import type { CommandContext } from '../context.js';
import { resolveCluster, usesKubeContext, type ClusterFlags } from './cluster-target.js';
import { renderEvent, renderPlan } from './up.js';

export interface DownFlags extends ClusterFlags {
  readonly yes: boolean;
  readonly deleteData: boolean;
  readonly json: boolean;
  readonly timeout: number;
}

/** How long the cluster gets to answer before its steps are skipped. */
const PROBE_MS = 10_000;

export async function downCommand(ctx: CommandContext, o: DownFlags): Promise<number> {
  const config = await ctx.config();
  const prompt = o.yes ? YES : terminalPrompter(ctx.signal);
  const name = stackName(config);
  const cfn = cloudFormationClient({ region: config.region });
  const stack = await readStack(cfn, name)
    .catch((e: unknown) => {
      throw awsUserError(e, { action: `reading stack ${name}`, region: config.region });
    })
    .finally(() => cfn.destroy());
  const down: DownContext = {
    config,
    region: config.region,
    signal: ctx.signal,
    timeoutMs: o.timeout * 1000,
    deleteData: o.deleteData,
    stack,
    kube: () => reach(ctx, config, o, stack !== undefined),
    found: {},
  };

  ctx.out.step(`planning the removal of ${config.name} in ${config.region}`);
  const plan = await describeSteps(DOWN_STEPS, down);
  if (!o.json) renderPlan(ctx.out, plan);

  if (!plan.some((s) => s.description.changes)) {
    const left = await whatIsLeft(down);
    const verdict = stack ? 'nothing to do' : `nothing is deployed: stack ${name} does not exist in ${config.region}`;
    if (o.json) ctx.out.dataJson({ deployed: stack !== undefined, changed: false, steps: [], leftovers: left });
    else ctx.out.data([verdict, ...formatLeftovers(left)].join('\n'));
    return 0;
  }

  if (!o.yes && !prompt.interactive) {
    throw new UserError('down deletes your deployment and needs a confirmation, but there is no terminal to ask on', {
      code: 'CONFIRMATION_REQUIRED',
      exitCode: EXIT_BAD_INPUT,
      hint: 'review the plan above, then run `airflow-aws down --yes` (add --delete-data to also delete the bucket and the image repository)',
    });
  }
  for (const d of plan.flatMap((s) => s.description.dangers)) ctx.out.warn(`DANGER: ${d}`);
  const question = 'this lifts termination and deletion protection and deletes the deployment listed above.';
  if (!(await prompt.confirmTyped(question, config.name))) {
    throw new UserError('not confirmed: nothing changed', { code: 'NOT_CONFIRMED', exitCode: 1 });
  }

  let results;
  try {
    results = await runSteps(DOWN_STEPS, down, (e) => renderEvent(ctx.out, e));
  } catch (e) {
    // Say what is left before the error itself: the stack's status and reasons, and what is still billed.
    const left = await whatIsLeft(down).catch(() => undefined);
    if (left) for (const l of formatLeftovers(left)) ctx.out.warn(l);
    throw e;
  }
  const left = await whatIsLeft(down);
  if (o.json) {
    ctx.out.dataJson({
      deployed: true,
      changed: results.some((r) => r.outcome.changed),
      steps: results.map((r) => ({ id: r.id, changed: r.outcome.changed, summary: r.outcome.summary, ms: r.ms, ...(r.outcome.data ? { data: r.outcome.data } : {}) })),
      leftovers: left,
    });
  } else {
    ctx.out.data([...results.map((r) => `${r.id}: ${r.outcome.summary}`), ...formatLeftovers(left)].join('\n'));
  }
  return 0;
}

/** The cluster to clean up: the --kube-context one, or the stack's EKS cluster — if it answers at all. */
async function reach(ctx: CommandContext, config: ResolvedConfig, o: ClusterFlags, stackExists: boolean): Promise<KubeReach> {
  if (!usesKubeContext(o) && !stackExists) return { skip: 'the stack, and with it the EKS cluster, does not exist' };
  try {
    const target = await resolveCluster(ctx, config, o);
    await target.client.getRaw('/version', PROBE_MS);
    return { client: target.client, where: target.where };
  } catch (e) {
    const why = UserError.is(e) || e instanceof Error ? e.message : String(e);
    return { skip: `the cluster does not answer (${why})` };
  }
}

async function whatIsLeft(down: DownContext): Promise<Leftover[]> {
  const name = stackName(down.config);
  const cfn = cloudFormationClient(awsTarget(down));
  try {
    const s = await readStack(cfn, name);
    const failed = s ? await failedResources(cfn, name) : [];
    const retained = await findRetained(awsTarget(down), down.config, s?.outputs[STACK_OUTPUTS.bucketName]);
    return leftovers({ retained, ...(s && s.status !== 'DELETE_COMPLETE' ? { stack: { name, status: s.status, failed } } : {}) });
  } catch (e) {
    throw awsUserError(e, { action: 'listing what is left of the deployment (stack, snapshots, bucket, repository, KMS keys)', region: down.region });
  } finally {
    cfn.destroy();
  }
}
