import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors/user-error.js';
import { checkTemplate } from '../../infra/checks.js';
import { synthesizeTemplates } from '../../infra/synthesize.js';
import type { StackDiff } from '../../plan/infra-diff.js';
import { formatInfraPlan, planInfrastructure } from '../../plan/infra-plan.js';
import type { CommandContext } from '../context.js';

export async function planCommand(ctx: CommandContext, o: { json: boolean; offline?: boolean }): Promise<number> {
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
    ctx.out.data(`\n${costSummaryLine(cost)}`);
  }
  return 0;
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
