/** `dev status`: mode, URL, each component and the API's own health report. */
import { DockerCli } from '../../adapters/docker/docker-cli.js';
import { readState } from '../../adapters/fs/dev-state.js';
import { verifyProcess } from '../../adapters/proc/process-identity.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { isHealthy, type Health } from '../../dev/api-shapes.js';
import { allComponents, dockerNames } from '../../dev/plan.js';
import { apiBaseUrl, recordedIdentity, type DevState } from '../../dev/state.js';
import type { DevOpContext } from './context.js';
import { apiClient, pathsFor } from './project.js';

export interface ComponentStatus {
  readonly name: string;
  readonly state: string;
  readonly pid: number | null;
  readonly restarts: number;
}

/** The `--json` shape; keys in the order they are printed. */
export interface DevStatus {
  readonly running: boolean;
  readonly healthy: boolean;
  readonly mode: DevState['mode'];
  readonly url: string;
  readonly startedAt: string;
  readonly supervisorPid?: number;
  readonly components: readonly ComponentStatus[];
  readonly health: Health | null;
}

/** Undefined when no environment was started (no state file). */
export async function devStatus(ctx: DevOpContext, config: ResolvedConfig): Promise<DevStatus | undefined> {
  const paths = pathsFor(config);
  const state = await readState(paths);
  if (!state) return undefined;
  // Alive means the recorded process itself, not whoever holds its pid now (after a reboot or a wrap-around).
  const ours = (pid: number | undefined): boolean => !!pid && verifyProcess(recordedIdentity(state, pid), pid).kind === 'ours';
  const supervisorAlive = state.mode === 'docker' || ours(state.supervisorPid);
  const api = await apiClient(paths, state, ctx.signal);
  const health = await api.health();
  const components =
    state.mode === 'docker'
      ? await dockerComponents(new DockerCli({ signal: ctx.signal }), config.name)
      : (state.components ?? []).map((c) => ({ name: c.name as string, state: ours(c.pid) ? c.state : c.state === 'running' ? 'exited' : c.state, pid: c.pid ?? null, restarts: c.restarts }));
  return {
    running: supervisorAlive,
    healthy: supervisorAlive && isHealthy(health, state.airflowMajor),
    mode: state.mode,
    url: apiBaseUrl(state).replace('127.0.0.1', 'localhost'),
    startedAt: state.startedAt,
    ...(state.supervisorPid ? { supervisorPid: state.supervisorPid } : {}),
    components,
    health: health ?? null,
  };
}

async function dockerComponents(docker: DockerCli, projectName: string): Promise<ComponentStatus[]> {
  const names = dockerNames(projectName);
  const out: ComponentStatus[] = [];
  for (const c of allComponents(3)) {
    const s = await docker.containerState(names.container(c));
    if (s) out.push({ name: c, ...s });
  }
  return out;
}
