/** `airflow-aws dev status`: mode, URL, each component and the API's own health report. */
import { readState } from '../../adapters/fs/dev-state.js';
import { verifyProcess } from '../../adapters/proc/process-identity.js';
import { apiBaseUrl, recordedIdentity } from '../../dev/state.js';
import type { CommandContext } from '../context.js';
import { apiClient, isHealthy, pathsFor } from './dev-shared.js';

export async function devStatusCommand(ctx: CommandContext, o: { json: boolean }): Promise<number> {
  const config = await ctx.config();
  const paths = pathsFor(config);
  const state = await readState(paths);
  if (!state) {
    if (o.json) ctx.out.dataJson({ running: false });
    else ctx.out.data('not running (start it with `airflow-aws dev up`)');
    return 3;
  }
  // Alive means the recorded process itself, not whoever holds its pid now (after a reboot or a wrap-around).
  const ours = (pid: number | undefined): boolean => !!pid && verifyProcess(recordedIdentity(state, pid), pid).kind === 'ours';
  const supervisorAlive = state.mode === 'docker' || ours(state.supervisorPid);
  const api = await apiClient(paths, state, ctx.signal);
  const health = await api.health();
  let components: { name: string; state: string; pid: number | null; restarts: number }[] = (state.components ?? []).map((c) => ({ name: c.name as string, state: ours(c.pid) ? c.state : c.state === 'running' ? 'exited' : c.state, pid: c.pid ?? null, restarts: c.restarts }));
  if (state.mode === 'docker') {
    const { dockerComponentStates } = await import('./dev-docker.js');
    components = await dockerComponentStates(config.name);
  }
  const healthy = supervisorAlive && isHealthy(health, state.airflowMajor);
  const result = {
    running: supervisorAlive,
    healthy,
    mode: state.mode,
    url: apiBaseUrl(state).replace('127.0.0.1', 'localhost'),
    startedAt: state.startedAt,
    ...(state.supervisorPid ? { supervisorPid: state.supervisorPid } : {}),
    components,
    health: health ?? null,
  };
  if (o.json) {
    ctx.out.dataJson(result);
  } else {
    ctx.out.data(`${healthy ? 'healthy' : supervisorAlive ? 'starting or unhealthy' : 'stopped (stale state)'} — ${result.mode} mode — ${result.url}`);
    for (const c of components) ctx.out.data(`  ${c.name.padEnd(14)} ${String(c.state).padEnd(9)} ${c.pid ? `pid ${c.pid}` : ''}${c.restarts ? `  restarts ${c.restarts}` : ''}`);
    if (health) {
      const h = health as Record<string, { status?: string | null } | undefined>;
      ctx.out.data(`  api health: ${Object.entries(h).map(([k, v]) => `${k}=${v?.status ?? 'n/a'}`).join(' ')}`);
    }
  }
  return healthy ? 0 : 1;
}
