/** `airflow-aws dev logs [COMPONENT] [-f]`: component output on stdout (src/ops/dev/logs.ts). */
import { devLogs } from '../../ops/dev/logs.js';
import type { CommandContext } from '../context.js';
import { devContext } from './dev-context.js';

export async function devLogsCommand(ctx: CommandContext, component: string | undefined, o: { follow: boolean; tail: number }): Promise<number> {
  await devLogs(devContext(ctx), await ctx.config(), component, o, (line) => ctx.out.data(line));
  return 0;
}
