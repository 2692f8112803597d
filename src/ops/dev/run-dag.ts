/**
 * `dev run-dag DAG_ID`: wait until Airflow knows the DAG, unpause it, trigger a run through the REST API and follow
 * it to the end (or the deadline); on failure fetch the failing tasks' logs. Rendering the result is the CLI's.
 */
import path from 'node:path';
import type { AirflowApi } from '../../adapters/airflow-api.js';
import { scanDagFolder } from '../../adapters/fs/dag-folder.js';
import { pause } from '../../adapters/proc/pause.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { failedTasks, formatLogContent, isTerminalRunState, type Dag, type ImportError, type TaskInstance } from '../../dev/api-shapes.js';
import { defaultIgnoreSyntax, judgeParsePass, type ParserView, type PassWatch } from '../../dev/dag-discovery.js';
import { unknownDagError } from '../../dev/unknown-dag.js';
import { UserError } from '../../errors/user-error.js';
import type { DevLog, DevOpContext } from './context.js';
import { apiClient, pathsFor, requireRunning } from './project.js';

/** Exit code of a run (or a DAG folder parse) that did not finish within --timeout, as `timeout(1)`. */
export const EXIT_TIMEOUT = 124;

export interface RunDagRequest {
  readonly dagId: string;
  readonly conf: Record<string, unknown>;
  readonly timeoutSeconds: number;
}

export interface RunDagResult {
  readonly runId: string;
  /** The run's last state: success, failed, or a non-terminal one when the deadline passed first. */
  readonly state: string;
  readonly taskInstances: readonly TaskInstance[];
  /** When the run failed: the tasks whose own failure failed it, in execution order, with their logs. */
  readonly failed: readonly FailedTask[];
}

/** A failed task and its log, or why the log could not be fetched. */
export type FailedTask = { readonly task: TaskInstance } & ({ readonly log: string } | { readonly logError: string });

/** Undefined when interrupted. */
export async function runDag(ctx: DevOpContext, config: ResolvedConfig, req: RunDagRequest): Promise<RunDagResult | undefined> {
  const { dagId, conf } = req;
  const paths = pathsFor(config);
  const state = await requireRunning(paths);
  const api = await apiClient(paths, state, ctx.signal);
  const deadline = Date.now() + req.timeoutSeconds * 1000;

  const dagsDir = path.resolve(config.projectDir, config.image.dagsDir);
  const folder = { dir: dagsDir, display: path.relative(ctx.cwd, dagsDir) || '.', major: state.airflowMajor };
  const dag = await waitForDag(ctx, api, dagId, deadline, folder);
  if (dag.is_paused) {
    ctx.log.step(`unpausing ${dagId}`);
    await api.setPaused(dagId, false);
  }
  const run = await api.triggerRun(dagId, conf);
  ctx.log.step(`triggered ${dagId} run ${run.dag_run_id}`);

  const seen = new Map<string, string>();
  let runState: string = run.state;
  let tis: TaskInstance[] = [];
  while (!ctx.signal.aborted) {
    runState = (await api.getRun(dagId, run.dag_run_id)).state;
    tis = await api.taskInstances(dagId, run.dag_run_id);
    reportChanges(ctx.log, tis, seen);
    if (isTerminalRunState(runState)) break;
    if (Date.now() > deadline) break;
    await pause(2000, ctx.signal);
  }
  if (ctx.signal.aborted) return undefined;

  const failed: FailedTask[] = [];
  if (runState === 'failed') {
    for (const t of failedTasks(tis)) {
      try {
        failed.push({ task: t, log: formatLogContent(await api.taskLog(dagId, run.dag_run_id, t.task_id, t.try_number, t.map_index)) });
      } catch (e) {
        failed.push({ task: t, logError: (e as Error).message });
      }
    }
  }
  return { runId: run.dag_run_id, state: runState, taskInstances: tis, failed };
}

/** One line per task whose state (or try) changed since the last poll. */
function reportChanges(log: DevLog, tis: readonly TaskInstance[], seen: Map<string, string>): void {
  for (const t of tis) {
    const key = t.map_index >= 0 ? `${t.task_id}[${t.map_index}]` : t.task_id;
    const s = `${t.state ?? 'none'}#${t.try_number}`;
    if (seen.get(key) !== s && t.state) log.info(`  ${key}: ${t.state}${t.try_number > 1 ? ` (try ${t.try_number})` : ''}`);
    seen.set(key, s);
  }
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
  ctx: DevOpContext,
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
      ctx.log.debug(`DAG folder fully parsed (${verdict.reason ?? ''})`);
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
    if (!announced) ctx.log.step(`waiting for ${dagId} to be parsed`);
    announced = true;
    ctx.log.debug(`not parsed yet: ${pending.join(', ')}`);
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
