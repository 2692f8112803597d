/** `resume`: the reverse of pause — database, nodes, Airflow's components — then waits until Airflow is ready. */
import { stateOf } from '../../ops/pause/context.js';
import { RESUME_STEPS } from '../../ops/pause/resume.js';
import { runSteps } from '../../ops/steps.js';
import type { CommandContext } from '../context.js';
import { pauseContext, type ResumeFlags } from './pause-common.js';
import { renderEvent } from './up.js';

export async function resumeCommand(ctx: CommandContext, o: ResumeFlags): Promise<number> {
  const config = await ctx.config();
  const { pc, aws } = await pauseContext(ctx, config, o);
  try {
    ctx.out.step(`reading ${pc.stackName} in ${config.region}`);
    const state = await stateOf(pc);
    if (!state.record) {
      if (o.json) ctx.out.dataJson({ resumed: false, paused: false });
      else ctx.out.data(`${config.name} is not paused: nothing to resume`);
      return 0;
    }
    const since = state.record.since.toISOString();
    const results = await runSteps(RESUME_STEPS, pc, (e) => renderEvent(ctx.out, e));
    if (o.json) {
      ctx.out.dataJson({ resumed: true, pausedSince: since, steps: results.map((r) => ({ id: r.id, changed: r.outcome.changed, summary: r.outcome.summary, ms: r.ms })) });
    } else {
      ctx.out.data(results.map((r) => `${r.id}: ${r.outcome.summary}`).join('\n'));
    }
    ctx.out.success(`${config.name} is running again (was paused since ${since})`);
    ctx.out.info('next: airflow-aws status');
    return 0;
  } finally {
    aws.destroy();
  }
}
