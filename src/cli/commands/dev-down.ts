/** `airflow-aws dev down [--purge]`: stop the local Airflow; keep the database unless --purge. */
import { readState, removeState } from '../../adapters/fs/dev-state.js';
import { verifyProcess } from '../../adapters/proc/process-identity.js';
import { recordedIdentity } from '../../dev/state.js';
import type { CommandContext } from '../context.js';
import { cleanupStale, purgeNative, supervisorRunning } from './dev-native.js';
import { pathsFor } from './dev-shared.js';
import { pause } from '../../adapters/proc/pause.js';

export async function devDownCommand(ctx: CommandContext, o: { purge: boolean }): Promise<number> {
  const config = await ctx.config();
  const paths = pathsFor(config);
  const state = await readState(paths);
  if (state?.mode === 'docker' || (!state && (await dockerHasObjects(config.name, o.purge)))) {
    const { dockerDown } = await import('./dev-docker-down.js');
    await dockerDown(ctx, config, paths, o.purge);
  } else if (state) {
    const pid = state.supervisorPid;
    if (pid && supervisorRunning(state, ctx.out)) {
      // Re-checked before each signal: the pid is only ours for as long as that process lives.
      const ours = () => verifyProcess(recordedIdentity(state, pid), pid).kind === 'ours';
      ctx.out.step(`stopping the local Airflow (supervisor pid ${pid})`);
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 90_000;
      while (ours() && Date.now() < deadline) await pause(250, ctx.signal);
      if (ours()) {
        ctx.out.warn(`the supervisor (pid ${pid}) did not stop within 90 s; killing what it started`);
        process.kill(pid, 'SIGKILL');
      }
    }
    // Whatever is left (the supervisor was killed hard, or just now).
    const fresh = await readState(paths);
    if (fresh) await cleanupStale(paths, fresh, ctx.out);
    await removeState(paths);
    ctx.out.success('local Airflow stopped');
  } else {
    ctx.out.info('no local Airflow is running for this project');
  }
  if (o.purge) {
    await purgeNative(paths);
    ctx.out.success('deleted the local database, logs and secrets (.airflow-aws/dev)');
  }
  return 0;
}

async function dockerHasObjects(name: string, withVolume: boolean): Promise<boolean> {
  const { dockerEngineAnswers } = await import('./dev-docker.js');
  if (!(await dockerEngineAnswers())) return false;
  const { dockerObjectsExist } = await import('./dev-docker-down.js');
  return dockerObjectsExist(name, withVolume);
}
