/**
 * `airflow-aws dev up`: the same Airflow, locally. Docker mode when an engine answers (the project's image, a
 * PostgreSQL container), native mode otherwise or with --native (a virtualenv from the same lock, the machine's
 * PostgreSQL, processes supervised by this CLI).
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureStateDir, loadOrCreateSecrets, pidAlive, readState } from '../../adapters/fs/dev-state.js';
import { AirflowApi } from '../../adapters/airflow-api.js';
import { UserError } from '../../errors/user-error.js';
import type { CommandContext } from '../context.js';
import { runNativeForeground, supervisorRunning } from './dev-native.js';
import { announce, isHealthy, pathsFor } from './dev-shared.js';
import { pause } from '../../adapters/proc/pause.js';

export interface DevUpOptions {
  readonly native: boolean;
  readonly port: number;
  readonly detach: boolean;
  readonly python?: string;
  readonly wait: number;
  readonly image?: string;
  readonly postgresImage?: string;
  /** Internal: this process is the detached supervisor started by `dev up --detach`. */
  readonly supervised?: boolean;
}

export async function devUpCommand(ctx: CommandContext, o: DevUpOptions): Promise<number> {
  const { port, wait: waitSeconds } = o;
  const config = await ctx.config();
  const paths = pathsFor(config);
  let mode: 'native' | 'docker' = 'native';
  if (!o.native) {
    const { dockerEngineAnswers } = await import('./dev-docker.js');
    if (await dockerEngineAnswers()) mode = 'docker';
    else ctx.out.info('no Docker engine answers: using native mode (a virtualenv from the lock + local PostgreSQL)');
  }
  if (mode === 'docker') {
    const { dockerUp } = await import('./dev-docker.js');
    return dockerUp(ctx, config, paths, {
      port,
      waitSeconds,
      ...(o.image ? { image: o.image } : {}),
      ...(o.postgresImage ? { postgresImage: o.postgresImage } : {}),
    });
  }
  if (o.detach && !o.supervised) return detachNative(ctx, paths, { port, waitSeconds, python: o.python });

  await ensureStateDir(paths);
  const { created } = await loadOrCreateSecrets(paths);
  return runNativeForeground(ctx, config, paths, { port, waitSeconds, ...(o.python ? { python: o.python } : {}) }, (state, secrets) =>
    announce(ctx, state, secrets, created && !o.supervised, paths.secretsFile),
  );
}

/**
 * `--detach`: starts a copy of this CLI as the supervisor in its own session (it survives the terminal), waits until
 * the API is healthy, and returns. Its output goes to `.airflow-aws/dev/logs/supervisor.log`.
 */
async function detachNative(
  ctx: CommandContext,
  paths: ReturnType<typeof pathsFor>,
  o: { port: number; waitSeconds: number; python: string | undefined },
): Promise<number> {
  const existing = await readState(paths);
  // Verified against the recorded process identity: a reused pid must not block (or be mistaken for) our supervisor.
  if (existing && supervisorRunning(existing, ctx.out)) {
    throw new UserError(`a local Airflow is already running for this project (pid ${existing.supervisorPid})`, {
      code: 'DEV_ALREADY_RUNNING',
      hint: 'see `airflow-aws dev status`, or stop it with `airflow-aws dev down`',
    });
  }
  await ensureStateDir(paths);
  const { secrets, created } = await loadOrCreateSecrets(paths);
  const logFile = path.join(paths.logsDir, 'supervisor.log');
  const fd = openSync(logFile, 'a', 0o600);
  const cli = process.argv[1];
  if (!cli) throw new Error('cannot locate the airflow-aws executable to detach');
  const args = [cli, '-c', ctx.configPath, 'dev', 'up', '--native', '--supervised', '--port', String(o.port), '--wait', String(o.waitSeconds)];
  if (o.python) args.push('--python', o.python);
  if (ctx.out.verbose) args.splice(1, 0, '--verbose');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], cwd: ctx.cwd, env: { ...process.env, NO_COLOR: '1' } });
  child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  ctx.out.step(`started the supervisor (pid ${child.pid}); output in ${logFile}`);
  const deadline = Date.now() + (o.waitSeconds + 1200) * 1000; // the first run also builds the virtualenv
  let api: AirflowApi | undefined;
  while (Date.now() < deadline && !ctx.signal.aborted) {
    if (exited || (child.pid !== undefined && !pidAlive(child.pid))) {
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
        announce(ctx, state, secrets, created, paths.secretsFile);
        return 0;
      }
    }
    await pause(1000, ctx.signal);
  }
  throw new UserError('the local Airflow did not become healthy in time; it keeps running', {
    code: 'DEV_UP_TIMEOUT',
    hint: 'see `airflow-aws dev status` and `airflow-aws dev logs`; stop it with `airflow-aws dev down`',
  });
}
