/**
 * `airflow-aws dev run-dag DAG_ID`: trigger a run through the REST API, follow it, print the task states; on failure
 * print the failing tasks' logs and exit 1 (src/ops/dev/run-dag.ts does the work).
 *
 * Exit codes: 0 success; 1 run failed; 2 bad input — a bad flag, or a DAG id Airflow does not know once its DAG
 * processor has parsed the whole DAG folder (DAG_NOT_FOUND, naming the known DAGs closest first and the import
 * errors); 124 timed out — the run did not finish, or the folder was still not fully parsed, within --timeout;
 * 130 interrupted.
 */
import { taskTable } from '../../dev/api-shapes.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { EXIT_TIMEOUT, runDag } from '../../ops/dev/run-dag.js';
import type { CommandContext } from '../context.js';
import { devContext } from './dev-context.js';

const EXIT_RUN_FAILED = 1;

export interface RunDagOptions {
  readonly conf?: string;
  readonly timeout: number;
  readonly json: boolean;
}

export async function devRunDagCommand(ctx: CommandContext, dagId: string, o: RunDagOptions): Promise<number> {
  const conf = parseConf(o.conf);
  const r = await runDag(devContext(ctx), await ctx.config(), { dagId, conf, timeoutSeconds: o.timeout });
  if (!r) return 130;
  if (o.json) {
    ctx.out.dataJson({ dag_id: dagId, run_id: r.runId, state: r.state, task_instances: r.taskInstances });
  } else {
    ctx.out.data(`${dagId} ${r.runId}: ${r.state}`);
    for (const l of taskTable(r.taskInstances)) ctx.out.data(`  ${l}`);
  }
  if (r.state === 'failed') {
    for (const f of r.failed) {
      ctx.out.info(`\n----- log of ${f.task.task_id} (try ${f.task.try_number}) -----`);
      if ('log' in f) ctx.out.info(f.log);
      else ctx.out.warn(`could not fetch the log: ${f.logError}`);
    }
    const names = r.failed.map((f) => f.task.task_id);
    ctx.out.error(`run ${r.runId} of ${dagId} failed${names.length ? ` (${names.join(', ')})` : ''}`);
    return EXIT_RUN_FAILED;
  }
  if (r.state !== 'success') {
    ctx.out.error(`run ${r.runId} of ${dagId} did not finish within ${o.timeout} s (state: ${r.state})`);
    return EXIT_TIMEOUT;
  }
  ctx.out.success(`run ${r.runId} of ${dagId} succeeded`);
  return 0;
}

/** --conf: a JSON object, or none. */
function parseConf(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let conf: unknown;
  try {
    conf = JSON.parse(text);
  } catch (e) {
    throw new UserError(`--conf is not valid JSON: ${(e as Error).message}`, { code: 'BAD_FLAG', exitCode: EXIT_BAD_INPUT });
  }
  if (!conf || typeof conf !== 'object' || Array.isArray(conf)) {
    throw new UserError('--conf must be a JSON object, e.g. \'{"day": "2024-01-01"}\'', { code: 'BAD_FLAG', exitCode: EXIT_BAD_INPUT });
  }
  return conf as Record<string, unknown>;
}
