/** `airflow-aws dev status`: mode, URL, each component and the API's own health report (src/ops/dev/status.ts). */
import { devStatus } from '../../ops/dev/status.js';
import type { CommandContext } from '../context.js';
import { devContext } from './dev-context.js';

/** Exit codes: 0 healthy, 1 starting or unhealthy, 3 not running. */
export async function devStatusCommand(ctx: CommandContext, o: { json: boolean }): Promise<number> {
  const status = await devStatus(devContext(ctx), await ctx.config());
  if (!status) {
    if (o.json) ctx.out.dataJson({ running: false });
    else ctx.out.data('not running (start it with `airflow-aws dev up`)');
    return 3;
  }
  if (o.json) {
    ctx.out.dataJson(status);
  } else {
    const verdict = status.healthy ? 'healthy' : status.running ? 'starting or unhealthy' : 'stopped (stale state)';
    ctx.out.data(`${verdict} — ${status.mode} mode — ${status.url}`);
    for (const c of status.components) ctx.out.data(`  ${c.name.padEnd(14)} ${String(c.state).padEnd(9)} ${c.pid ? `pid ${c.pid}` : ''}${c.restarts ? `  restarts ${c.restarts}` : ''}`);
    if (status.health) {
      const h = status.health as Record<string, { status?: string | null } | undefined>;
      ctx.out.data(`  api health: ${Object.entries(h).map(([k, v]) => `${k}=${v?.status ?? 'n/a'}`).join(' ')}`);
    }
  }
  return status.healthy ? 0 : 1;
}
