/** `dags deploy [--dry-run]`: parses flags and renders; the work is src/ops/dags/deploy.ts. */
import path from 'node:path';
import { planIsEmpty } from '../../dags/plan.js';
import { DAGS_DEPLOY_STEPS, prepareDagsDeploy, type DagsTarget } from '../../ops/dags/deploy.js';
import { runSteps } from '../../ops/steps.js';
import type { CommandContext } from '../context.js';
import type { DagsDeployFlags } from '../specs/dags.js';
import { renderEvent } from './up.js';

export async function dagsTarget(ctx: CommandContext): Promise<DagsTarget> {
  const config = await ctx.config();
  const folder = path.resolve(config.projectDir, config.image.dagsDir);
  return { config, aws: { region: config.region }, displayFolder: path.relative(ctx.cwd, folder) || '.' };
}

export async function dagsDeployCommand(ctx: CommandContext, o: DagsDeployFlags): Promise<number> {
  const t = await dagsTarget(ctx);
  ctx.out.step(`comparing ${t.displayFolder}/ with the DAG bundle of ${t.config.name}`);
  const d = await prepareDagsDeploy(t);
  try {
    const where = `s3://${d.store.bucket}/${d.store.prefix}`;
    const lists = {
      added: d.plan.added.map((f) => f.path),
      changed: d.plan.changed.map((f) => f.path),
      removed: [...d.plan.removed],
    };
    if (o.dryRun || planIsEmpty(d.plan)) {
      if (o.json) {
        ctx.out.dataJson({ dryRun: o.dryRun, bucket: d.store.bucket, prefix: d.store.prefix, version: d.plan.contentHash, ...lists, unchanged: d.plan.unchanged });
      } else if (planIsEmpty(d.plan)) {
        ctx.out.data(`no changes (${d.plan.unchanged} file(s), version ${d.plan.contentHash.slice(0, 12)})`);
      } else {
        ctx.out.data(planLines(lists).join('\n'));
      }
      if (o.dryRun && !planIsEmpty(d.plan)) ctx.out.info(`dry run: nothing was changed in ${where}`);
      return 0;
    }
    const results = await runSteps(DAGS_DEPLOY_STEPS, d, (e) => renderEvent(ctx.out, e));
    if (o.json) {
      ctx.out.dataJson({ dryRun: false, bucket: d.store.bucket, prefix: d.store.prefix, version: d.plan.contentHash, ...lists, unchanged: d.plan.unchanged, steps: results.map((r) => ({ id: r.id, summary: r.outcome.summary })) });
    } else {
      ctx.out.data(planLines(lists).join('\n'));
    }
    ctx.out.success(`version ${d.plan.contentHash.slice(0, 12)} is in ${where}; Airflow reads it within a minute (no restart)`);
    ctx.out.info('next: airflow-aws dags status');
    return 0;
  } finally {
    d.store.destroy();
  }
}

function planLines(l: { added: string[]; changed: string[]; removed: string[] }): string[] {
  return [...l.added.map((p) => `+ ${p}`), ...l.changed.map((p) => `~ ${p}`), ...l.removed.map((p) => `- ${p}`)];
}
