/**
 * `airflow-aws dev run-dag DAG_ID`: trigger a run through the REST API, follow it, print the task states; on failure
 * print the failing tasks' logs and exit 1.
 *
 * Exit codes: 0 success; 1 run failed; 2 bad input — a bad flag, or a DAG id Airflow does not know once its DAG
 * processor has parsed the whole DAG folder (DAG_NOT_FOUND, naming the known DAGs closest first and the import
 * errors; see waitForDag); 124 timed out — the run did not finish, or the folder was still not fully parsed, within
 * --timeout; 130 interrupted.
 */
import path from 'node:path';
import type { AirflowApi } from '../../adapters/airflow-api.js';
import { scanDagFolder } from '../../adapters/fs/dag-folder.js';
import { failedTasks, formatLogContent, isTerminalRunState, taskTable, type Dag, type ImportError, type TaskInstance } from '../../dev/api-shapes.js';
import { defaultIgnoreSyntax, judgeParsePass, type ParserView, type PassWatch } from '../../dev/dag-discovery.js';
import { unknownDagError } from '../../dev/unknown-dag.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import type { CommandContext } from '../context.js';
import { apiClient, pathsFor, requireRunning } from './dev-shared.js';
import { pause } from '../../adapters/proc/pause.js';

export const EXIT_RUN_FAILED = 1;
export const EXIT_TIMEOUT = 124;

export interface RunDagOptions {
  readonly conf?: string;
  readonly timeout: number;
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
  const timeoutS = o.timeout;
  const config = await ctx.config();
  const paths = pathsFor(config);
  const state = await requireRunning(paths);
  const api = await apiClient(paths, state, ctx.signal);
  const deadline = Date.now() + timeoutS * 1000;

  const dagsDir = path.resolve(config.projectDir, config.image.dagsDir);
  const folder = { dir: dagsDir, display: path.relative(ctx.cwd, dagsDir) || '.', major: state.airflowMajor };
  const dag = await waitForDag(ctx, api, dagId, deadline, folder);
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

/** Polls while the DAG processor works; its own rescans run every few seconds in dev (DEV_DAG_REFRESH_SECONDS). */
const POLL_MS = 2000;

/**
 * Waits for the DAG processor to have serialised the DAG (a new file takes a few seconds). When the processor has
 * finished a full pass over the DAG folder without it, fails at once with DAG_NOT_FOUND (exit 2) instead of waiting
 * out --timeout. "A full pass" is inferred — Airflow has no API for it: every `*.py` file of the project's DAG folder
 * that Airflow would import (safe-mode heuristic, `.airflowignore`) is the `fileloc` of a DAG or the file of an import
 * error, parsed after its last change; or nothing Airflow reports has changed for a quiet period (a helper module
 * that mentions "airflow" and "dag" but defines none is never reported). See judgeParsePass. Native and Docker mode
 * both parse that folder (Docker bind-mounts it), so the host copy is the one to look at.
 */
async function waitForDag(
  ctx: CommandContext,
  api: AirflowApi,
  dagId: string,
  deadline: number,
  folder: { readonly dir: string; readonly display: string; readonly major: 2 | 3 },
): Promise<Dag> {
  let announced = false;
  let watch: PassWatch | undefined;
  let pending: readonly string[] = [];
  for (;;) {
    const dag = await api.getDag(dagId);
    if (dag) return dag;
    const [dags, errors, scan] = await Promise.all([
      api.listDags(),
      api.importErrors(),
      scanDagFolder(folder.dir, { major: folder.major, syntax: defaultIgnoreSyntax(folder.major) }),
    ]);
    // Parsed between the two calls.
    const listed = dags.find((d) => d.dag_id === dagId);
    if (listed) return listed;
    const verdict = judgeParsePass(watch, scan.candidates, parserView(dags, errors), Date.now());
    watch = verdict.watch;
    pending = verdict.pending;
    if (verdict.complete) {
      ctx.out.debug(`DAG folder fully parsed (${verdict.reason ?? ''})`);
      throw unknownDagError({
        dagId,
        knownDagIds: dags.map((d) => d.dag_id),
        importErrors: errors,
        dagsDir: folder.dir,
        display: folder.display,
        candidates: scan.candidates.map((c) => c.rel),
        skipped: scan.skipped,
        unreported: verdict.pending,
      });
    }
    if (!announced) ctx.out.step(`waiting for ${dagId} to be parsed`);
    announced = true;
    ctx.out.debug(`not parsed yet: ${pending.join(', ')}`);
    if (ctx.signal.aborted) throw new UserError('interrupted', { code: 'CANCELLED', exitCode: 130 });
    if (Date.now() > deadline) break;
    await pause(POLL_MS, ctx.signal);
  }
  throw new UserError(`Airflow did not finish parsing ${folder.display}/ within --timeout, and does not know a DAG "${dagId}" yet`, {
    code: 'DAG_PARSE_TIMEOUT',
    exitCode: EXIT_TIMEOUT,
    details: pending.length ? [`not parsed yet: ${pending.map((p) => `${folder.display}/${p}`).join(', ')}`] : [],
    hint: '`airflow-aws dev logs dag-processor` shows what the DAG processor is doing; a slow import needs a longer --timeout',
  });
}

/** What Airflow reports, in the terms of judgeParsePass; unparseable timestamps count as absent. */
function parserView(dags: readonly Dag[], errors: readonly ImportError[]): ParserView {
  const ms = (t: string | undefined) => {
    const v = t === undefined ? Number.NaN : Date.parse(t);
    return Number.isFinite(v) ? v : undefined;
  };
  return {
    dags: dags.map((d) => ({ dagId: d.dag_id, file: { path: d.relative_fileloc ?? d.fileloc, parsedAtMs: ms(d.last_parsed_time) } })),
    importErrors: errors.map((e) => ({ path: e.filename, parsedAtMs: ms(e.timestamp) })),
  };
}
