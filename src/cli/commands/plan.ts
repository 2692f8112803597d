import { synthesizeTemplates } from '../../infra/synthesize.js';
import { formatInfraPlan, planInfrastructure } from '../../plan/infra-plan.js';
import type { CommandContext } from '../context.js';

export async function planCommand(ctx: CommandContext, o: { json: boolean }): Promise<number> {
  const config = await ctx.config();
  ctx.out.step(`planning ${config.name} (${config.region}) offline — nothing is read from or changed in AWS`);
  const plan = planInfrastructure(config, synthesizeTemplates(config));
  if (o.json) ctx.out.dataJson({ offline: true, infrastructure: plan });
  else ctx.out.data(formatInfraPlan(plan));
  return 0;
}
