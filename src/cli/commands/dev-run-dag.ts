/**
 * `airflow-aws dev run-dag DAG_ID`: trigger a run through the REST API, follow it, print the task states; on failure
 * print the failing tasks' logs and exit 1. Exit codes: 0 success, 1 run failed, 124 timed out.
 */
import type { AirflowApi } from '../../adapters/airflow-api.js';
import { failedTasks, formatLogContent, isTerminalRunState, taskTable, type TaskInstance } from '../../dev/api-shapes.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import type { CommandContext } from '../context.js';
import { apiClient, pathsFor, requireRunning } from './dev-shared.js';
import { pause } from '../../adapters/proc/pause.js';

export const EXIT_RUN_FAILED = 1;
export const EXIT_TIMEOUT = 124;

export interface RunDagOptions {
  readonly conf?: string;
  readonly timeout: string;
  readonly json: boolean;
}

export async function devRunDagCommand(ctx: CommandContext, dagId: string, o: RunDagOptions): Promise<number> {
  let conf: Record<string, unknown> = {};
  if (o.conf !== undefined) {
    try {
      conf = JSON.parse(o.conf) as Record<string, unknown>;
    } catch (e) {
      throw new UserError(`--conf is not valid JSON: ${(e as Error).message}`, { code: 'BAD_FLAG', exitCode: EXIT_BAD_INPUT });
    }
    if (!conf || typeof conf !== 'object' || Array.isArray(conf)) {
      throw new UserError('--conf must be a JSON object, e.g. \'{"day": "2024-01-01"}\'', { code: 'BAD_FLAG', exitCode: EXIT_BAD_INPUT });
    }
  }
  const timeoutS = Number(o.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
    throw new UserError(`--timeout must be a positive number of seconds, got ${o.timeout}`, { code: 'BAD_FLAG', exitCode: EXIT_BAD_INPUT });
  }
  const config = await ctx.config();
  const paths = pathsFor(config);
  const state = await requireRunning(paths);
  const api = await apiClient(paths, state, ctx.signal);
  const deadline = Date.now() + timeoutS * 1000;

  const dag = await waitForDag(ctx, api, dagId, deadline);
  if (dag.is_paused) {
    ctx.out.step(`unpausing ${dagId}`);
    await api.setPaused(dagId, false);
  }
  const run = await api.triggerRun(dagId, conf);
  ctx.out.step(`triggered ${dagId} run ${run.dag_run_id}`);

  const seen = new Map<string, string>();
  let runState: string = run.state;
  let tis: TaskInstance[] = [];
  while (!ctx.signal.aborted) {
    runState = (await api.getRun(dagId, run.dag_run_id)).state;
    tis = await api.taskInstances(dagId, run.dag_run_id);
    for (const t of tis) {
      const key = t.map_index >= 0 ? `${t.task_id}[${t.map_index}]` : t.task_id;
      const s = `${t.state ?? 'none'}#${t.try_number}`;
      if (seen.get(key) !== s && t.state) ctx.out.info(`  ${key}: ${t.state}${t.try_number > 1 ? ` (try ${t.try_number})` : ''}`);
      seen.set(key, s);
    }
    if (isTerminalRunState(runState)) break;
    if (Date.now() > deadline) break;
    await pause(2000, ctx.signal);
  }
  if (ctx.signal.aborted) return 130;

  const failed = failedTasks(tis);
  if (o.json) {
    ctx.out.dataJson({ dag_id: dagId, run_id: run.dag_run_id, state: runState, task_instances: tis });
  } else {
    ctx.out.data(`${dagId} ${run.dag_run_id}: ${runState}`);
    for (const l of taskTable(tis)) ctx.out.data(`  ${l}`);
  }
  if (runState === 'failed') {
    for (const t of failed) {
      ctx.out.info(`\n----- log of ${t.task_id} (try ${t.try_number}) -----`);
      try {
        ctx.out.info(formatLogContent(await api.taskLog(dagId, run.dag_run_id, t.task_id, t.try_number, t.map_index)));
      } catch (e) {
        ctx.out.warn(`could not fetch the log: ${(e as Error).message}`);
      }
    }
    ctx.out.error(`run ${run.dag_run_id} of ${dagId} failed${failed.length ? ` (${failed.map((t) => t.task_id).join(', ')})` : ''}`);
    return EXIT_RUN_FAILED;
  }
  if (runState !== 'success') {
    ctx.out.error(`run ${run.dag_run_id} of ${dagId} did not finish within ${timeoutS} s (state: ${runState})`);
    return EXIT_TIMEOUT;
  }
  ctx.out.success(`run ${run.dag_run_id} of ${dagId} succeeded`);
  return 0;
}

/** Waits for the DAG processor to have serialised the DAG (a new file takes a few seconds), or explains why not. */
async function waitForDag(ctx: CommandContext, api: AirflowApi, dagId: string, deadline: number) {
  let announced = false;
  for (;;) {
    const dag = await api.getDag(dagId);
    if (dag) return dag;
    if (!announced) ctx.out.step(`waiting for ${dagId} to be parsed`);
    announced = true;
    if (ctx.signal.aborted || Date.now() > deadline) break;
    await pause(2000, ctx.signal);
  }
  const errors = await api.importErrors().catch(() => []);
  throw new UserError(`Airflow does not know a DAG "${dagId}"`, {
    code: 'DAG_NOT_FOUND',
    details: errors.length ? ['import errors:', ...errors.map((e) => `  ${e.filename}: ${e.stack_trace.trim().split('\n').pop() ?? ''}`)] : [],
    hint: 'check the dag_id, and run `airflow-aws dev parse` to see import errors',
  });
}
