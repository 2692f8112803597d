/**
 * `airflow-aws logs [COMPONENT]` (every pod of one Airflow component, or all of them) and
 * `airflow-aws logs --dag D --run R --task T` (the KubernetesExecutor pod of one task instance), read through the
 * API server. Log lines go to stdout; which pods are read goes to stderr.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { ResolvedConfig } from '../../config/resolved.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { selectorLabels, type KubeComponent } from '../../k8s/labels.js';
import { matchTaskPods, taskPodsAnyTry, type TaskRef } from '../../k8s/task-pods.js';
import { componentSpecs } from '../../k8s/workloads.js';
import { closestFirst, likelyTypo } from '../../text/similarity.js';
import type { KubeClient } from '../../adapters/kube/client.js';
import type { LogSource } from '../../adapters/kube/pod-logs.js';
import type { CommandContext } from '../context.js';
import type { LogsFlags } from '../specs/kube.js';
import { resolveCluster } from './cluster-target.js';

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

async function listPods(client: KubeClient, namespace: string, selector: Readonly<Record<string, string>>): Promise<V1Pod[]> {
  const { labelSelector } = await import('../../adapters/kube/workload-status.js');
  const list = await client.call(`list pods in ${namespace}`, () => client.core.listNamespacedPod({ namespace, labelSelector: labelSelector(selector) }));
  return list.items.sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
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

export async function logsCommand(ctx: CommandContext, component: string | undefined, o: LogsFlags): Promise<number> {
  const config = await ctx.config();
  const ref = taskRef(o);
  if (ref && component !== undefined) {
    throw new UserError(`give either a component ("${component}") or --dag/--run/--task, not both`, { code: 'BAD_ARGUMENT', exitCode: EXIT_BAD_INPUT });
  }
  const known = loggableComponents(config);
  if (component !== undefined && !known.includes(component as KubeComponent)) throw unknownComponent(component, known);

  const target = await resolveCluster(ctx, config, o);
  const ns = config.kubernetes.namespace;
  const { containerStarted, mainContainer, streamLogs } = await import('../../adapters/kube/pod-logs.js');

  let sources: LogSource[];
  if (ref) {
    const workers = await listPods(target.client, ns, selectorLabels(config, 'worker'));
    const metas = workers.map((p) => ({ name: p.metadata?.name ?? '?', annotations: p.metadata?.annotations ?? {}, ...(p.status?.phase ? { phase: p.status.phase } : {}) }));
    const matches = matchTaskPods(metas, ref);
    if (matches.length === 0) {
      const tries = [...new Set(taskPodsAnyTry(metas, ref).map((m) => m.tryNumber))].sort((a, b) => a - b);
      throw new UserError(
        `no pod of task ${ref.taskId}${ref.tryNumber !== undefined ? ` try ${ref.tryNumber}` : ''} in run ${ref.runId} of DAG ${ref.dagId} in namespace ${ns}`,
        {
          code: 'TASK_POD_GONE',
          hint:
            tries.length > 0
              ? `pods remain for try ${tries.join(', ')}: pass --try N`
              : 'the executor deletes a task pod when the task ends, and remote task logs are not configured yet; read the log in the Airflow UI (airflow-aws open) while the api-server still has it, or check the DAG, run and task ids',
        },
      );
    }
    const byName = new Map(workers.map((p) => [p.metadata?.name ?? '?', p]));
    sources = [];
    for (const m of matches) {
      const pod = byName.get(m.name);
      const container = pod ? mainContainer(pod, 'base') : undefined;
      if (!pod || !container || !containerStarted(pod, container)) {
        throw new UserError(`task pod ${m.name} has not started yet (${m.phase ?? 'unknown phase'})`, {
          code: 'TASK_POD_NOT_STARTED',
          hint: 'it may be waiting for a node or pulling its image; run the command again in a moment, or see airflow-aws status',
        });
      }
      sources.push({ pod: m.name, container });
    }
    ctx.out.step(`task ${ref.taskId} try ${matches[0]?.tryNumber}: pod ${matches.map((m) => `${m.name}${m.phase ? ` (${m.phase})` : ''}`).join(', ')}`);
  } else {
    const names = component ? [component as KubeComponent] : componentSpecs({ config }).map((s) => s.component);
    sources = [];
    for (const c of names) {
      for (const p of await listPods(target.client, ns, selectorLabels(config, c))) {
        const container = mainContainer(p, c);
        const name = p.metadata?.name;
        if (!name || !container) continue;
        if (!containerStarted(p, container)) {
          ctx.out.warn(`pod ${name}: container ${container} has not started yet (${p.status?.phase ?? 'unknown phase'}); skipped`);
          continue;
        }
        sources.push({ pod: name, container });
      }
    }
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
    throw e;
  }
  return 0;
}
