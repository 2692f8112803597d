/** Docker mode of `dev down`: remove the containers and network; the database volume only with --purge. */
import { runProcess } from '../../adapters/proc/run-process.js';
import { removeState } from '../../adapters/fs/dev-state.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import type { DevPaths } from '../../dev/paths.js';
import { dockerNames } from '../../dev/plan.js';
import type { CommandContext } from '../context.js';

/** Whether the project has containers (or, when `withVolume`, a database volume) left in the engine. */
export async function dockerObjectsExist(projectName: string, withVolume: boolean): Promise<boolean> {
  const names = dockerNames(projectName);
  const r = await runProcess('docker', ['ps', '-aq', '--filter', `label=${names.label}`], { timeoutMs: 15_000 });
  if (r.exitCode === 0 && r.stdout.trim() !== '') return true;
  return withVolume && (await runProcess('docker', ['volume', 'inspect', names.volume], { timeoutMs: 15_000 })).exitCode === 0;
}

export async function dockerDown(ctx: CommandContext, config: ResolvedConfig, paths: DevPaths, purge: boolean): Promise<void> {
  const names = dockerNames(config.name);
  const ids = (await runProcess('docker', ['ps', '-aq', '--filter', `label=${names.label}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) {
    ctx.out.step(`stopping ${ids.length} containers`);
    await runProcess('docker', ['stop', '--time', '30', ...ids]);
    await runProcess('docker', ['rm', '-f', ...ids]);
  }
  await runProcess('docker', ['network', 'rm', names.network]);
  if (purge) await runProcess('docker', ['volume', 'rm', '-f', names.volume]);
  await removeState(paths);
  ctx.out.success(purge ? 'local Airflow stopped; database volume deleted' : 'local Airflow stopped (database volume kept)');
}
