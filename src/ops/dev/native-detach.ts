/**
 * `dev up --native --detach`: starts a copy of the CLI as the supervisor in its own session (it survives the
 * terminal), waits until the API is healthy, and returns. The supervisor's output goes to
 * `.airflow-aws/dev/logs/supervisor.log`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AirflowApi } from '../../adapters/airflow-api.js';
import { ensureStateDir, loadOrCreateSecrets, pidAlive, readState } from '../../adapters/fs/dev-state.js';
import { startDetached } from '../../adapters/proc/detached.js';
import { pause } from '../../adapters/proc/pause.js';
import { isHealthy } from '../../dev/api-shapes.js';
import type { DevPaths } from '../../dev/paths.js';
import { UserError } from '../../errors/user-error.js';
import type { DevOpContext, DevUp } from './context.js';
import { supervisorRunning } from './native-state.js';

export interface DetachOptions {
  /** The supervisor: a program and its arguments (this CLI, `dev up --native --supervised`, and the user's flags). */
  readonly supervisor: { readonly file: string; readonly args: readonly string[] };
  readonly waitSeconds: number;
}

export async function detachNative(ctx: DevOpContext, paths: DevPaths, o: DetachOptions): Promise<DevUp> {
  const existing = await readState(paths);
  // Verified against the recorded process identity: a reused pid must not block (or be mistaken for) our supervisor.
  if (existing && supervisorRunning(existing, ctx.log)) {
    throw new UserError(`a local Airflow is already running for this project (pid ${existing.supervisorPid})`, {
      code: 'DEV_ALREADY_RUNNING',
      hint: 'see `airflow-aws dev status`, or stop it with `airflow-aws dev down`',
    });
  }
  await ensureStateDir(paths);
  const { secrets, created } = await loadOrCreateSecrets(paths);
  const logFile = path.join(paths.logsDir, 'supervisor.log');
  const child = startDetached(o.supervisor.file, o.supervisor.args, { logFile, cwd: ctx.cwd, env: { ...process.env, NO_COLOR: '1' } });
  ctx.log.step(`started the supervisor (pid ${child.pid}); output in ${logFile}`);
  const deadline = Date.now() + (o.waitSeconds + 1200) * 1000; // the first run also builds the virtualenv
  let api: AirflowApi | undefined;
  while (Date.now() < deadline && !ctx.signal.aborted) {
    if (child.exited() || (child.pid !== undefined && !pidAlive(child.pid))) {
      const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-25);
      throw new UserError('the local Airflow supervisor exited before Airflow became healthy', {
        code: 'DEV_UP_FAILED',
        details: tail,
        hint: `see ${logFile} and \`airflow-aws dev logs\``,
      });
    }
    const state = await readState(paths);
    if (state && state.supervisorPid === child.pid) {
      api ??= new AirflowApi({ baseUrl: `http://127.0.0.1:${state.apiPort}`, major: state.airflowMajor, username: secrets.adminUser, password: secrets.adminPassword });
      if (isHealthy(await api.health(), state.airflowMajor)) {
        // Ready for tasks only once the execution API exists (AirflowApi.warmExecutionApi).
        while (Date.now() < deadline && !ctx.signal.aborted && !(await api.warmExecutionApi())) await pause(1000, ctx.signal);
        return { state, secrets, firstTime: created, secretsFile: paths.secretsFile };
      }
    }
    await pause(1000, ctx.signal);
  }
  throw new UserError('the local Airflow did not become healthy in time; it keeps running', {
    code: 'DEV_UP_TIMEOUT',
    hint: 'see `airflow-aws dev status` and `airflow-aws dev logs`; stop it with `airflow-aws dev down`',
  });
}
