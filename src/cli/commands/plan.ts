import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors/user-error.js';
import { checkTemplate } from '../../infra/checks.js';
import { synthesizeTemplates } from '../../infra/synthesize.js';
import type { StackDiff } from '../../plan/infra-diff.js';
import { formatInfraPlan, planInfrastructure } from '../../plan/infra-plan.js';
import { stackName } from '../../config/naming.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import type { DescribedStep } from '../../ops/steps.js';
import type { CommandContext } from '../context.js';

export interface PlanFlags {
  readonly json: boolean;
  readonly offline?: boolean;
  readonly image?: string;
  readonly kubeContext?: string;
  readonly kubeconfig?: string;
}

export async function planCommand(ctx: CommandContext, o: PlanFlags): Promise<number> {
  const config = await ctx.config();
  const templates = synthesizeTemplates(config);
  const plan = planInfrastructure(config, templates);
  // Legitimate but risky choices (e.g. a public API endpoint open to 0.0.0.0/0) are shown, not refused.
  const warnings = templates.flatMap((t) => checkTemplate(t.template)).filter((f) => f.severity === 'warning');
  for (const w of warnings) ctx.out.warn(w.message);

  const online =
    !o.offline &&
    (await import('../../adapters/aws/cloudformation.js')).credentialSourceConfigured(process.env, (rel) =>
      existsSync(path.join(homedir(), rel)),
    );
  let diffs: StackDiff[] | undefined;
  if (online) {
    const cfn = await import('../../adapters/aws/cloudformation.js');
    const client = cfn.cloudFormationClient({ region: config.region });
    if (await cfn.credentialsAvailable(client)) {
      ctx.out.step(`planning ${config.name} (${config.region}) against the deployed stack — read-only`);
      // Loaded only here: the resource spec behind the diff takes about a second to load, which offline plans skip.
      const { diffStack } = await import('../../plan/infra-diff.js');
      diffs = [];
      for (const t of templates) {
        const deployed = await cfn.deployedTemplate(client, t.stackName).catch((e: unknown) => {
          throw awsReadError(e, t.stackName);
        });
        // Read-only, so no change set: whether a change replaces a resource comes from the resource spec.
        diffs.push(diffStack(t.stackName, t.template, deployed));
      }
    } else {
      ctx.out.warn('AWS credentials are configured but could not be resolved; planning offline');
    }
  }
  if (!diffs) ctx.out.step(`planning ${config.name} (${config.region}) offline — no AWS credentials, nothing is read from AWS`);
  // With AWS access, the other layers `up` applies: access entry, image, Kubernetes (each read-only).
  const layers = diffs ? await describeOtherLayers(ctx, config, o) : undefined;

  // The monthly price before anything is created: the summary of `cost` (pure, from the shipped price table).
  const { costReport, costSummaryLine } = await import('../../cost/report.js');
  const cost = costReport(config, { now: new Date() });
  for (const w of cost.running.warnings) ctx.out.warn(w);

  if (o.json) {
    ctx.out.dataJson({
      offline: !diffs,
      infrastructure: plan,
      warnings,
      ...(diffs ? { changes: diffs } : {}),
      ...(layers ? { layers: layers.map((l) => ({ id: l.id, summary: l.description.summary, changes: l.description.changes, details: l.description.details })) } : {}),
      cost: {
        currency: cost.currency,
        pricesChecked: cost.pricesChecked,
        monthlyUsd: cost.running.totalUsd,
        pausedMonthlyUsd: cost.paused.totalUsd,
        mwaa: { environmentClass: cost.mwaa.environmentClass, tasks: cost.mwaa.concurrency.tasks, monthlyUsd: cost.mwaa.totalUsd, ratio: cost.mwaa.ratio },
        missingPrices: cost.running.missingPrices,
      },
    });
  } else {
    ctx.out.data(formatInfraPlan(plan));
    if (diffs) {
      const { formatStackDiff } = await import('../../plan/infra-diff.js');
      ctx.out.data(`\n${diffs.map(formatStackDiff).join('\n')}`);
    }
    for (const l of layers ?? []) {
      ctx.out.data(`\n${l.title}: ${l.description.summary}`);
      for (const d of l.description.details) ctx.out.data(`  ${d}`);
    }
    ctx.out.data(`\n${costSummaryLine(cost)}`);
  }
  return 0;
}

/**
 * The access, image and Kubernetes layers, described by `up`'s own steps against the deployed stack. A layer that
 * cannot be read (no cluster access yet, no lock) says why instead of failing the whole plan.
 */
async function describeOtherLayers(ctx: CommandContext, config: ResolvedConfig, o: PlanFlags): Promise<DescribedStep[]> {
  const { upContext } = await import('./up.js');
  const { UP_STEPS } = await import('../../ops/up/index.js');
  const { stackOutputs } = await import('../../adapters/aws/deploy-inputs.js');
  const { YES } = await import('../../ui/prompt.js');
  const up = await upContext(ctx, config, { ...o, inClusterPostgres: false, postgresImage: '', timeout: 60 }, YES);
  const outputs = await stackOutputs({ region: config.region }, stackName(config));
  if (outputs) up.found.outputs = outputs;
  const out: DescribedStep[] = [];
  for (const step of UP_STEPS.filter((s) => s.id !== 'infrastructure')) {
    const description = await step.describe(up).catch((e: unknown) => ({
      summary: `cannot tell: ${UserError.is(e) ? e.message : (e as Error).message}`,
      changes: true,
      details: UserError.is(e) && e.hint ? [e.hint] : [],
      dangers: [],
    }));
    out.push({ id: step.id, title: step.title, description });
  }
  return out;
}

function awsReadError(e: unknown, stackName: string): UserError {
  const err = e as { name?: string; message?: string };
  if (err.name === 'AccessDenied' || err.name === 'AccessDeniedException' || /not authorized/i.test(err.message ?? '')) {
    return new UserError(`not allowed to read stack ${stackName}`, {
      code: 'AWS_ACCESS_DENIED',
      hint: 'plan needs cloudformation:GetTemplate on the stack; or run `airflow-aws plan --offline`',
      cause: e,
    });
  }
  return new UserError(`could not read stack ${stackName}: ${err.message ?? String(e)}`, {
    code: 'AWS_READ_FAILED',
    hint: 'check the network and credentials, or run `airflow-aws plan --offline`',
    cause: e,
  });
}
