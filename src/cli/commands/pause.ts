/**
 * `pause`: Airflow stopped, nodes at 0, database stopped — the deployment costs only what stays (control plane,
 * storage, NAT). Confirms first (--yes for automation); says when RDS will start the database again on its own.
 */
import { costReport } from '../../cost/report.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { fullyPaused, stateOf } from '../../ops/pause/context.js';
import { PAUSE_STEPS } from '../../ops/pause/pause.js';
import { costLines, databaseAutoStart, day } from '../../ops/pause/record.js';
import { runSteps } from '../../ops/steps.js';
import { terminalPrompter, YES } from '../../ui/prompt.js';
import type { CommandContext } from '../context.js';
import { pauseContext, type PauseFlags } from './pause-common.js';
import { renderEvent } from './up.js';

export async function pauseCommand(ctx: CommandContext, o: PauseFlags): Promise<number> {
  const config = await ctx.config();
  const { pc, aws } = await pauseContext(ctx, config, o);
  try {
    ctx.out.step(`reading ${pc.stackName} in ${config.region}`);
    const state = await stateOf(pc);
    const cost = costReport(config, { now: new Date() });
    if (fullyPaused(state) && state.record) {
      const restart = databaseAutoStart(state.record.since);
      if (o.json) ctx.out.dataJson({ paused: true, already: true, since: state.record.since.toISOString(), databaseAutoStart: restart.toISOString() });
      else ctx.out.data(`already paused since ${state.record.since.toISOString()}; the database restarts on its own on ${day(restart)} unless resumed`);
      return 0;
    }
    for (const s of PAUSE_STEPS) ctx.out.info(`  ${s.title}: ${(await s.describe(pc)).summary}`);
    const prompt = o.yes ? YES : terminalPrompter(ctx.signal);
    if (!o.yes && !prompt.interactive) {
      throw new UserError('pause stops Airflow, its nodes and its database and needs a confirmation, but there is no terminal to ask on', {
        code: 'CONFIRMATION_REQUIRED',
        exitCode: EXIT_BAD_INPUT,
        hint: 'run `airflow-aws pause --yes`',
      });
    }
    if (!(await prompt.confirm(`pause ${config.name}?`))) {
      ctx.out.info('nothing changed');
      return 1;
    }
    const results = await runSteps(PAUSE_STEPS, pc, (e) => renderEvent(ctx.out, e));
    const record = pc.found.record;
    const restart = record ? databaseAutoStart(record.since) : undefined;
    if (o.json) {
      ctx.out.dataJson({
        paused: true,
        already: false,
        since: record?.since.toISOString(),
        databaseAutoStart: restart?.toISOString(),
        deletedTaskPods: pc.found.forced ?? [],
        cost: { runningUsd: cost.running.totalUsd, pausedUsd: cost.paused.totalUsd },
        steps: results.map((r) => ({ id: r.id, changed: r.outcome.changed, summary: r.outcome.summary, ms: r.ms })),
      });
    } else {
      ctx.out.data(`paused since ${record?.since.toISOString() ?? '?'}`);
      for (const p of pc.found.forced ?? []) ctx.out.data(`deleted task pod: ${p}`);
      for (const l of costLines(cost)) ctx.out.data(l);
      if (restart) ctx.out.data(`RDS starts a stopped database again on its own after 7 days: on ${day(restart)}, unless you resume first (then run pause again to stop it)`);
    }
    ctx.out.success(`${config.name} is paused`);
    ctx.out.info('next: airflow-aws resume   (database, nodes and Airflow back)');
    return 0;
  } finally {
    aws.destroy();
  }
}
