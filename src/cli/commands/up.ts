/**
 * `up`: from the YAML file to Airflow running on AWS. This module wires the adapters into the up context, asks
 * for confirmation and renders step events; the steps themselves live in src/ops/up.
 */
import type { ResolvedConfig } from '../../config/resolved.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import type { UpContext } from '../../ops/up/context.js';
import { UP_STEPS } from '../../ops/up/index.js';
import { disposeAssembly } from '../../ops/up/infrastructure.js';
import { describeSteps, runSteps, type DescribedStep, type StepEvent } from '../../ops/steps.js';
import { terminalPrompter, YES, type Prompter } from '../../ui/prompt.js';
import type { Output } from '../../ui/output.js';
import type { CommandContext } from '../context.js';

export interface UpFlags {
  readonly yes: boolean;
  readonly json: boolean;
  readonly image?: string;
  readonly kubeContext?: string;
  readonly kubeconfig?: string;
  readonly inClusterPostgres: boolean;
  readonly postgresImage: string;
  readonly allowReplace: boolean;
  readonly timeout: number;
}

/** The context of the up steps, wired to this command's adapters (shared with `plan`, which only describes). */
export async function upContext(
  ctx: CommandContext,
  config: ResolvedConfig,
  o: Pick<UpFlags, 'image' | 'kubeContext' | 'kubeconfig' | 'inClusterPostgres' | 'postgresImage' | 'timeout'>,
  prompt: Prompter,
): Promise<UpContext> {
  const { defaultCredentials } = await import('../../adapters/aws/deploy-inputs.js');
  return {
    config,
    region: config.region,
    credentials: defaultCredentials({ region: config.region }),
    prompt,
    signal: ctx.signal,
    timeoutMs: o.timeout * 1000,
    ...(o.image ? { image: o.image } : {}),
    manageAccess: o.kubeContext === undefined && o.kubeconfig === undefined,
    // The deploy command's resolution (it reads the outputs the infrastructure step has just written).
    kubeTarget: async () => (await import('./deploy.js')).resolveTarget(ctx, config, o),
    publishImage: (repositoryUri) => publishImage(ctx, config, repositoryUri),
    imageInRegistry: () => imageInRegistry(config),
    found: {},
  };
}

export async function upCommand(ctx: CommandContext, o: UpFlags): Promise<number> {
  const config = await ctx.config();
  const prompt: Prompter = o.yes ? YES : terminalPrompter(ctx.signal);
  const up = await upContext(ctx, config, o, prompt);
  try {
    return await planAndApply(ctx, o, config, prompt, up);
  } finally {
    // The plan's cloud assembly is deployed by the run; when nothing runs (declined, an error) it goes here.
    disposeAssembly(up);
  }
}

async function planAndApply(ctx: CommandContext, o: UpFlags, config: ResolvedConfig, prompt: Prompter, up: UpContext): Promise<number> {
  ctx.out.step(`planning ${config.name} in ${config.region}: infrastructure, access, image, Kubernetes`);
  const plan = await describeSteps(UP_STEPS, up);
  if (!o.json) renderPlan(ctx.out, plan);
  const changes = plan.some((s) => s.description.changes);
  const dangers = plan.flatMap((s) => s.description.dangers);

  if (changes) {
    if (!o.yes && !prompt.interactive) {
      throw new UserError('up changes your AWS account and needs a confirmation, but there is no terminal to ask on', {
        code: 'CONFIRMATION_REQUIRED',
        exitCode: EXIT_BAD_INPUT,
        hint: 'review the plan above (or `airflow-aws plan`), then run `airflow-aws up --yes`',
      });
    }
    if (dangers.length > 0) await confirmDangers(ctx, prompt, config.name, dangers, o);
    else if (!(await prompt.confirm('apply these changes?'))) {
      ctx.out.info('nothing changed');
      return 1;
    }
  }

  const results = await runSteps(UP_STEPS, up, (e) => renderEvent(ctx.out, e));
  const allUnchanged = results.every((r) => !r.outcome.changed);
  if (o.json) {
    ctx.out.dataJson({
      changed: !allUnchanged,
      steps: results.map((r) => ({ id: r.id, changed: r.outcome.changed, summary: r.outcome.summary, ms: r.ms })),
      plan: plan.map((s) => ({ id: s.id, summary: s.description.summary, changes: s.description.changes, dangers: s.description.dangers })),
    });
  } else {
    ctx.out.data(allUnchanged ? 'no changes' : results.map((r) => `${r.id}: ${r.outcome.summary}`).join('\n'));
  }
  ctx.out.success(`${config.name} is up`);
  ctx.out.info('next: airflow-aws open    (port-forward to the UI, prints how to read the admin password)');
  ctx.out.info('      airflow-aws status  (stack, cluster, database and Airflow health)');
  return 0;
}

async function confirmDangers(ctx: CommandContext, prompt: Prompter, name: string, dangers: readonly string[], o: UpFlags): Promise<void> {
  for (const d of dangers) ctx.out.warn(`DANGER: this update ${d}`);
  if (o.yes) {
    if (o.allowReplace) return;
    throw new UserError('the plan replaces or removes stateful resources; --yes alone does not allow that', {
      code: 'DANGEROUS_CHANGE',
      exitCode: EXIT_BAD_INPUT,
      details: [...dangers],
      hint: 'take a snapshot/backup first, then add --allow-replace, or change the config so nothing stateful is replaced',
    });
  }
  if (!(await prompt.confirmTyped('these changes destroy data or identities listed above.', name))) {
    throw new UserError('not confirmed: nothing changed', { code: 'NOT_CONFIRMED', exitCode: 1 });
  }
}

export function renderPlan(out: Output, plan: readonly DescribedStep[]): void {
  for (const s of plan) {
    out.info(`${out.bold(s.title)}: ${s.description.summary}`);
    for (const d of s.description.details.slice(0, 40)) out.info(`    ${d}`);
    if (s.description.details.length > 40) out.info(`    … ${s.description.details.length - 40} more (airflow-aws plan --json)`);
  }
}

/** Step events as progress lines on stderr (shared by up, down, pause and resume). */
export function renderEvent(out: Output, e: StepEvent): void {
  switch (e.type) {
    case 'start':
      out.step(e.title);
      return;
    case 'progress':
      if (e.done !== undefined) out.info(`  [${e.done}${e.total !== undefined ? `/${e.total}` : ''}] ${e.message}`);
      else out.info(`  ${e.message}`);
      return;
    case 'note':
      if (e.level === 'warn') out.warn(e.message);
      else out.info(`  ${e.message}`);
      return;
    case 'done':
      out.success(`${e.step}: ${e.outcome.summary} (${(e.ms / 1000).toFixed(1)} s)`);
      return;
    case 'failed':
      out.error(`${e.step} failed after ${(e.ms / 1000).toFixed(1)} s`);
      return;
  }
}

/** The image the lock, base image and DAGs make (its content tag), and its digest when ECR has that tag. */
async function imageInRegistry(config: ResolvedConfig): Promise<{ tag: string; digest?: string }> {
  const { prepareImage } = await import('./image-common.js');
  const { DescribeImagesCommand } = await import('@aws-sdk/client-ecr');
  const { ecrClient } = await import('../../adapters/aws/ecr.js');
  const prepared = await prepareImage(config);
  const ecr = ecrClient(config.region);
  try {
    const found = await ecr
      .send(new DescribeImagesCommand({ repositoryName: prepared.repository, imageIds: [{ imageTag: prepared.tag }] }))
      .then((r) => r.imageDetails?.[0])
      .catch((e: unknown) => {
        // No such tag, or no repository yet (before the first up): the image is to be built.
        if (['ImageNotFoundException', 'RepositoryNotFoundException'].includes((e as { name?: string }).name ?? '')) return undefined;
        throw e;
      });
    return { tag: prepared.tag, ...(found?.imageDigest ? { digest: found.imageDigest } : {}) };
  } finally {
    ecr.destroy();
  }
}

/** Content tag already in ECR → nothing to do; otherwise build from the lock and push. */
async function publishImage(ctx: CommandContext, config: ResolvedConfig, repositoryUri: string): Promise<{ image: string; pushed: boolean }> {
  const existing = await imageInRegistry(config);
  if (existing.digest) return { image: `${repositoryUri}@${existing.digest}`, pushed: false };
  const { buildImage } = await import('./image-build.js');
  const { pushImage } = await import('./image-push.js');
  await buildImage(ctx, {});
  const pushed = await pushImage(ctx, {});
  return { image: pushed.image, pushed: pushed.pushed };
}
