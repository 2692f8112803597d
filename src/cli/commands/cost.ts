import { UserError } from '../../errors/user-error.js';
import { costReport, formatCostReport, unavailableMessage } from '../../cost/report.js';
import type { CommandContext } from '../context.js';

/**
 * `cost`: the monthly estimate from the resolved config and the shipped price table. Data on stdout (table or JSON),
 * warnings on stderr. A region the table cannot price in full still prints what is known, then fails with exit 1
 * (the config is valid; the estimate is what is unavailable) so a script never takes a partial sum for a total.
 */
export async function costCommand(ctx: CommandContext, o: { json: boolean }): Promise<number> {
  const config = await ctx.config();
  const report = costReport(config, { now: new Date() });
  for (const w of report.running.warnings) ctx.out.warn(w);
  if (o.json) ctx.out.dataJson(report);
  else ctx.out.data(formatCostReport(report));
  if (!report.complete) {
    throw new UserError(unavailableMessage(report), {
      code: 'COST_PRICES_UNAVAILABLE',
      hint: 'the estimate never borrows another region\'s prices; add the region\'s rows to src/cost/prices.ts with their sources',
    });
  }
  return 0;
}
