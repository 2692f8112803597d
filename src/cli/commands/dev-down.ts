/** `airflow-aws dev down [--purge]`: stop the local Airflow; keep the database unless --purge (src/ops/dev/down.ts). */
import { devDown } from '../../ops/dev/down.js';
import type { CommandContext } from '../context.js';
import { devContext } from './dev-context.js';

export async function devDownCommand(ctx: CommandContext, o: { purge: boolean }): Promise<number> {
  await devDown(devContext(ctx), await ctx.config(), o.purge);
  return 0;
}
