/**
 * `airflow-aws logs [COMPONENT]` (every pod of one Airflow component, or all of them) and
 * `airflow-aws logs --dag D --run R --task T` (the KubernetesExecutor pod of one task instance), read through the
 * API server. Log lines go to stdout; which pods are read goes to stderr.
 */
import { clusterLogStore, devLogStore, pickTaskLogs, storedLogLines, taskLogPrefix, type LogStore } from '../../airflow/remote-logs.js';
import { STACK_OUTPUTS } from '../../config/naming.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import type { KubeComponent } from '../../k8s/labels.js';
import type { TaskRef } from '../../k8s/task-pods.js';
import { componentSpecs } from '../../k8s/workloads.js';
import { closestFirst, likelyTypo } from '../../text/similarity.js';
import type { LogSource } from '../../adapters/kube/pod-logs.js';
import type { CommandContext } from '../context.js';
import type { LogsFlags } from '../specs/kube.js';
import { NO_STACK_HINT, readStackOutputs, resolveCluster, usesStackBucket, type StackOutputs } from './cluster-target.js';

/** Lines of history per pod when neither --tail nor --since says otherwise (as `dev logs`). */
const DEFAULT_TAIL = 100;

/** Components whose logs `logs` reads: the long-running ones of this Airflow line, the deploy's Jobs, the database. */
export function loggableComponents(config: ResolvedConfig): KubeComponent[] {
  return [...componentSpecs({ config }).map((s) => s.component), 'db-bootstrap', 'migrate', 'create-admin', 'postgres'];
}

function unknownComponent(name: string, known: readonly string[]): UserError {
  const typo = likelyTypo(name, known);
  return new UserError(`unknown component "${name}"${typo ? ` — did you mean "${typo}"?` : ''}`, {
    code: 'UNKNOWN_COMPONENT',
    exitCode: EXIT_BAD_INPUT,
    hint: `one of: ${closestFirst(name, known).join(', ')}; or a task's log with --dag D --run R --task T`,
  });
}

function taskRef(o: LogsFlags): TaskRef | undefined {
  const given = [o.dag, o.run, o.task].filter((v) => v !== undefined).length;
  if (given === 0) {
    if (o.try !== undefined) throw new UserError('--try needs --dag, --run and --task', { code: 'BAD_ARGUMENT', exitCode: EXIT_BAD_INPUT });
    return undefined;
  }
  if (given < 3 || !o.dag || !o.run || !o.task) {
    throw new UserError('a task log needs all of --dag, --run and --task', {
      code: 'BAD_ARGUMENT',
      exitCode: EXIT_BAD_INPUT,
      hint: 'e.g. airflow-aws logs --dag etl --run manual__2025-01-01T00:00:00+00:00 --task extract',
    });
  }
  return { dagId: o.dag, runId: o.run, taskId: o.task, ...(o.try !== undefined ? { tryNumber: o.try } : {}) };
}

function reportOutcomes(ctx: CommandContext, outcomes: readonly { readonly pod: string; readonly text: string; readonly hint?: string | undefined }[]): void {
  for (const o of outcomes) {
    ctx.out.warn(`task pod ${o.pod}: ${o.text}`);
    if (o.hint) ctx.out.info(o.hint);
  }
}

export async function logsCommand(ctx: CommandContext, component: string | undefined, o: LogsFlags): Promise<number> {
  const config = await ctx.config();
  const ref = taskRef(o);
  if (ref && component !== undefined) {
    throw new UserError(`give either a component ("${component}") or --dag/--run/--task, not both`, { code: 'BAD_ARGUMENT', exitCode: EXIT_BAD_INPUT });
  }
  const known = loggableComponents(config);
  if (component !== undefined && !known.includes(component as KubeComponent)) throw unknownComponent(component, known);

  // A dev config with a log bucket (storage.devBucket): the logs are there, and there is no cluster to ask.
  const devStore = ref ? devLogStore(config) : undefined;
  if (ref && devStore) {
    if (await printStoredTaskLog(ctx, devStore, ref)) return 0;
    throw new UserError(`no log of task ${ref.taskId}${tryText(ref)} in run ${ref.runId} of DAG ${ref.dagId} in ${logLocation(devStore, ref)}`, {
      code: 'TASK_LOG_NOT_FOUND',
      hint: 'a task’s log is uploaded when the task ends; check the DAG, run and task ids (dev run-dag --json prints the run id)',
    });
  }

  const target = await resolveCluster(ctx, config, o);
  const ns = config.kubernetes.namespace;
  const { streamLogs } = await import('../../adapters/kube/pod-logs.js');
  const { componentLogSources, taskLogSources, taskOutcomeHint } = await import('../../adapters/kube/log-sources.js');

  let sources: LogSource[];
  // Why a task pod went wrong (OOM kill, exit code, eviction), told after its log: the log alone often ends mid-line.
  let outcomes: { readonly pod: string; readonly text: string; readonly hint?: string | undefined }[] = [];
  if (ref) {
    let found: Awaited<ReturnType<typeof taskLogSources>>;
    try {
      found = await taskLogSources(target.client, config, ref);
    } catch (e) {
      // The executor deletes a task's pod when the task ends; by then its log is in the stack's bucket.
      if (!UserError.is(e) || e.code !== 'TASK_POD_GONE') throw e;
      const store = stackLogStore(config, target.outputs ?? (usesStackBucket(config) ? await readStackOutputs(config, NO_STACK_HINT) : undefined));
      if (store && (await printStoredTaskLog(ctx, store, ref))) return 0;
      throw store ? new UserError(`${e.message}, and no log of it in ${logLocation(store, ref)}`, { code: e.code, ...(e.hint ? { hint: e.hint } : {}) }) : e;
    }
    sources = found.sources;
    outcomes = found.outcomes.map((o) => ({ pod: o.pod, text: o.outcome.text, hint: taskOutcomeHint(o.outcome) }));
    const pods = found.matches.map((m) => `${m.name}${m.phase ? ` (${m.phase})` : ''}`).join(', ');
    ctx.out.step(`task ${ref.taskId} try ${found.matches[0]?.tryNumber}: pod ${pods}`);
  } else {
    const names = component ? [component as KubeComponent] : componentSpecs({ config }).map((s) => s.component);
    const found = await componentLogSources(target.client, config, names);
    for (const p of found.notStarted) ctx.out.warn(`pod ${p} has not started yet; skipped`);
    sources = found.sources;
    if (sources.length === 0) {
      throw new UserError(`no running pods of ${component ?? 'any Airflow component'} in namespace ${ns} on ${target.where}`, {
        code: 'NO_PODS',
        hint: 'see airflow-aws status; deploy with airflow-aws deploy',
      });
    }
    ctx.out.debug(`reading ${sources.map((s) => `${s.pod}/${s.container}`).join(', ')}`);
  }

  const tail = o.tail ?? (o.since === undefined && !ref ? DEFAULT_TAIL : undefined);
  try {
    await streamLogs(target.client, ns, sources, {
      follow: o.follow,
      ...(o.since !== undefined ? { sinceSeconds: o.since } : {}),
      ...(tail !== undefined ? { tailLines: tail } : {}),
      prefix: sources.length > 1,
      signal: ctx.signal,
      write: (line) => ctx.out.data(line),
    });
  } catch (e) {
    // Ctrl-C is how -f ends: not an error.
    if (ctx.signal.aborted) return 0;
    reportOutcomes(ctx, outcomes);
    throw e;
  }
  reportOutcomes(ctx, outcomes);
  return 0;
}

const tryText = (ref: TaskRef): string => (ref.tryNumber !== undefined ? ` try ${ref.tryNumber}` : '');
const logLocation = (store: LogStore, ref: TaskRef): string => `s3://${store.bucket}/${taskLogPrefix(ref)}`;

/**
 * The stack's log bucket when the target is the stack's cluster, or another cluster whose deployment keeps its DAGs
 * in the stack's bucket (usesStackBucket; deploy wires remote logs there too). Any other cluster named with
 * --kube-context may belong to no stack, so it gets no bucket.
 */
function stackLogStore(config: ResolvedConfig, outputs: StackOutputs | undefined): LogStore | undefined {
  return outputs ? clusterLogStore(config, outputs.get(STACK_OUTPUTS.bucketName)) : undefined;
}

/** Prints the chosen try's stored log(s) to stdout; false when the bucket holds none. */
async function printStoredTaskLog(ctx: CommandContext, store: LogStore, ref: TaskRef): Promise<boolean> {
  const { listTaskLogs, readTaskLogs } = await import('../../adapters/aws/task-logs.js');
  const chosen = pickTaskLogs(await listTaskLogs(store, ref), ref.tryNumber);
  if (chosen.length === 0) return false;
  for (const log of await readTaskLogs(store, chosen)) {
    ctx.out.step(`task ${ref.taskId} try ${log.tryNumber}${log.mapIndex >= 0 ? ` map index ${log.mapIndex}` : ''}: s3://${store.bucket}/${log.key}`);
    for (const line of storedLogLines(log.text).split('\n')) ctx.out.data(line);
  }
  return true;
}
