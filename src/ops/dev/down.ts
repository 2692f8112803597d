/** `dev down [--purge]`: stop the local Airflow of either mode; the database is kept unless --purge. */
import { DockerCli } from '../../adapters/docker/docker-cli.js';
import { readState, removeState } from '../../adapters/fs/dev-state.js';
import { pause } from '../../adapters/proc/pause.js';
import { verifyProcess } from '../../adapters/proc/process-identity.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import type { DevPaths } from '../../dev/paths.js';
import { dockerNames } from '../../dev/plan.js';
import { recordedIdentity, type DevState } from '../../dev/state.js';
import { runSteps, type Step } from '../steps.js';
import { changes, stepLog, type DevOpContext } from './context.js';
import { cleanupStale, purgeNative, supervisorRunning } from './native-state.js';
import { pathsFor } from './project.js';

interface DownRun {
  readonly ctx: DevOpContext;
  readonly paths: DevPaths;
  readonly purge: boolean;
}

/** Docker mode: the containers and network go; the database volume only with --purge. */
function dockerSteps(docker: DockerCli, projectName: string): Step<DownRun>[] {
  const names = dockerNames(projectName);
  return [
    {
      id: 'containers',
      title: 'stop the containers',
      describe: async () => changes('stop and remove the containers'),
      async run(_r, report) {
        const ids = await docker.containersWithLabel(names.label);
        if (ids.length === 0) return { changed: false, summary: 'none' };
        report.progress(`stopping ${ids.length} containers`);
        await docker.stopContainers(ids, 30);
        await docker.removeContainers(ids);
        return { changed: true, summary: `${ids.length} removed` };
      },
    },
    {
      id: 'network',
      title: 'remove the network (and with --purge the database volume)',
      describe: async (r) => changes(r.purge ? 'remove the network and the database volume' : 'remove the network'),
      async run(r) {
        await docker.removeNetwork(names.network);
        if (r.purge) await docker.removeVolume(names.volume);
        await removeState(r.paths);
        return { changed: true, summary: r.purge ? 'network and volume removed' : 'network removed' };
      },
    },
  ];
}

/** Native mode: SIGTERM to the supervisor (it stops what it started), then whatever a dead one left behind. */
function nativeSteps(state: DevState): Step<DownRun>[] {
  return [
    {
      id: 'supervisor',
      title: 'stop the supervisor',
      describe: async () => changes('stop the supervisor and its components'),
      async run(r, report) {
        const pid = state.supervisorPid;
        if (!pid || !supervisorRunning(state, stepLog(r.ctx.log, report))) return { changed: false, summary: 'not running' };
        // Re-checked before each signal: the pid is only ours for as long as that process lives.
        const ours = () => verifyProcess(recordedIdentity(state, pid), pid).kind === 'ours';
        report.progress(`stopping the local Airflow (supervisor pid ${pid})`);
        process.kill(pid, 'SIGTERM');
        const deadline = Date.now() + 90_000;
        while (ours() && Date.now() < deadline) await pause(250, r.ctx.signal);
        if (ours()) {
          report.warn(`the supervisor (pid ${pid}) did not stop within 90 s; killing what it started`);
          process.kill(pid, 'SIGKILL');
        }
        return { changed: true, summary: 'stopped' };
      },
    },
    {
      id: 'leftovers',
      title: 'stop what a dead supervisor left behind',
      describe: async () => changes('stop recorded process groups that are still ours'),
      async run(r, report) {
        // Whatever is left (the supervisor was killed hard, or just now).
        const fresh = await readState(r.paths);
        if (fresh) await cleanupStale(r.paths, fresh, stepLog(r.ctx.log, report));
        await removeState(r.paths);
        return { changed: fresh !== undefined, summary: fresh ? 'cleaned up' : 'nothing left' };
      },
    },
  ];
}

const purgeStep: Step<DownRun> = {
  id: 'purge',
  title: 'delete the local database, logs and secrets',
  describe: async (r) => ({ summary: 'delete .airflow-aws/dev', changes: true, details: [r.paths.stateDir], dangers: ['the local run history is lost'] }),
  async run(r) {
    await purgeNative(r.paths);
    return { changed: true, summary: 'deleted' };
  },
};

export async function devDown(ctx: DevOpContext, config: ResolvedConfig, purge: boolean): Promise<void> {
  const paths = pathsFor(config);
  const run: DownRun = { ctx, paths, purge };
  const state = await readState(paths);
  // No cancellation signal: an interrupted stop would leave half the environment running.
  const docker = new DockerCli();
  if (state?.mode === 'docker' || (!state && (await dockerObjectsLeft(docker, config.name, purge)))) {
    await runSteps(dockerSteps(docker, config.name), run, ctx.emit);
    ctx.log.success(purge ? 'local Airflow stopped; database volume deleted' : 'local Airflow stopped (database volume kept)');
  } else if (state) {
    await runSteps(nativeSteps(state), run, ctx.emit);
    ctx.log.success('local Airflow stopped');
  } else {
    ctx.log.info('no local Airflow is running for this project');
  }
  if (purge) {
    await runSteps([purgeStep], run, ctx.emit);
    ctx.log.success('deleted the local database, logs and secrets (.airflow-aws/dev)');
  }
}

/** Without a state file: whether the project has containers (or, when `withVolume`, a database volume) left. */
async function dockerObjectsLeft(docker: DockerCli, projectName: string, withVolume: boolean): Promise<boolean> {
  if (!(await docker.engineAnswers())) return false;
  const names = dockerNames(projectName);
  if ((await docker.containersWithLabel(names.label, 15_000)).length > 0) return true;
  return withVolume && (await docker.volumeExists(names.volume, 15_000));
}
