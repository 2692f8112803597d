/**
 * Which pods and containers `logs` reads: every started pod of some components, or the KubernetesExecutor pod(s) of
 * one task instance (matched purely in src/k8s/task-pods.ts). Failures a user can act on are UserErrors.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { ResolvedConfig } from '../../config/resolved.js';
import { UserError } from '../../errors/user-error.js';
import { labelSelector, selectorLabels, type KubeComponent } from '../../k8s/labels.js';
import { explainPod, type PodOutcome } from '../../k8s/pod-outcome.js';
import { matchTaskPods, taskPodsAnyTry, type TaskPodMatch, type TaskRef } from '../../k8s/task-pods.js';
import type { KubeClient } from './client.js';
import { containerStarted, mainContainer, type LogSource } from './pod-logs.js';

async function listPods(client: KubeClient, namespace: string, selector: Readonly<Record<string, string>>): Promise<V1Pod[]> {
  const list = await client.call(`list pods in ${namespace}`, () => client.core.listNamespacedPod({ namespace, labelSelector: labelSelector(selector) }));
  return list.items.sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
}

/** Started pods of `components`, and the pods skipped because their container has not started (`POD (PHASE)`). */
export async function componentLogSources(
  client: KubeClient,
  config: ResolvedConfig,
  components: readonly KubeComponent[],
): Promise<{ readonly sources: LogSource[]; readonly notStarted: string[] }> {
  const sources: LogSource[] = [];
  const notStarted: string[] = [];
  for (const c of components) {
    for (const p of await listPods(client, config.kubernetes.namespace, selectorLabels(config, c))) {
      const container = mainContainer(p, c);
      const name = p.metadata?.name;
      if (!name || !container) continue;
      if (containerStarted(p, container)) sources.push({ pod: name, container });
      else notStarted.push(`${name} (${p.status?.phase ?? 'unknown phase'})`);
    }
  }
  return { sources, notStarted };
}

/** The container the KubernetesExecutor runs the task in (the pod template's main container). */
const TASK_CONTAINER = 'base';

/**
 * The task instance's pods (one per map index) of the chosen try, and why each that went wrong did (OOM kill, exit
 * code, image pull, eviction); a UserError when they are gone, or have not started (with the reason, if there is one).
 */
export async function taskLogSources(
  client: KubeClient,
  config: ResolvedConfig,
  ref: TaskRef,
): Promise<{ readonly sources: LogSource[]; readonly matches: TaskPodMatch[]; readonly outcomes: { readonly pod: string; readonly outcome: PodOutcome }[] }> {
  const ns = config.kubernetes.namespace;
  const workers = await listPods(client, ns, selectorLabels(config, 'worker'));
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
            : 'the executor deletes a task pod when the task ends; then the log is read from the stack\'s bucket (not with --kube-context: a cluster of its own has none) — check the DAG, run and task ids, or read the log in the Airflow UI (airflow-aws open)',
      },
    );
  }
  const byName = new Map(workers.map((p) => [p.metadata?.name ?? '?', p]));
  const outcomes = matches.flatMap((m) => {
    const pod = byName.get(m.name);
    const outcome = pod ? explainPod(pod, TASK_CONTAINER) : undefined;
    return outcome ? [{ pod: m.name, outcome }] : [];
  });
  const sources = matches.map((m): LogSource => {
    const pod = byName.get(m.name);
    const container = pod ? mainContainer(pod, TASK_CONTAINER) : undefined;
    if (!pod || !container || !containerStarted(pod, container)) {
      // Without a log, the reason is all there is to show: it goes into the error rather than after a log.
      const why = outcomes.find((o) => o.pod === m.name)?.outcome.text;
      throw new UserError(why ? `task pod ${m.name} never started: ${why}` : `task pod ${m.name} has not started yet (${m.phase ?? 'unknown phase'})`, {
        code: 'TASK_POD_NOT_STARTED',
        hint: why
          ? taskOutcomeHint(outcomes.find((o) => o.pod === m.name)?.outcome)
          : 'it may be waiting for a node or pulling its image; run the command again in a moment, or see airflow-aws status',
      });
    }
    return { pod: m.name, container };
  });
  return { sources, matches, outcomes };
}

/** What a user can do about a task pod's outcome, when there is something specific to do. */
export function taskOutcomeHint(outcome: PodOutcome | undefined): string | undefined {
  switch (outcome?.kind) {
    case 'oom-killed':
      return "give the task more memory: kubernetes.workers.memory in airflow-aws.yaml for every task, or the task's executor_config pod_override resources for one";
    case 'image-pull':
      return 'check the image reference and that the node may pull it (airflow-aws deploy --image …); see airflow-aws status';
    case 'unschedulable':
      return 'no node has room for the pod: lower the task\'s requests or add nodes';
    default:
      return undefined;
  }
}
