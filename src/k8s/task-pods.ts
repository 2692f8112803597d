/**
 * Pure: which KubernetesExecutor pod ran a given task instance. Airflow labels task pods with sanitised, possibly
 * truncated-and-hashed values (`make_safe_label_value`: 63 characters, other characters dropped), so two run ids can
 * share a label; the annotations `dag_id`, `task_id`, `run_id`, `try_number` and `map_index` hold the raw values.
 * We match on those.
 * @see https://github.com/apache/airflow/blob/main/providers/cncf/kubernetes/src/airflow/providers/cncf/kubernetes/pod_generator.py
 */

export interface TaskRef {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  /** A specific try; default: the latest try that still has a pod. */
  readonly tryNumber?: number;
}

export interface TaskPodMeta {
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly phase?: string;
}

export interface TaskPodMatch {
  readonly name: string;
  readonly tryNumber: number;
  /** -1 for an unmapped task, as in Airflow. */
  readonly mapIndex: number;
  readonly phase?: string;
}

/** Every pod of the task instance, whatever the try. */
export function taskPodsAnyTry(pods: readonly TaskPodMeta[], ref: Omit<TaskRef, 'tryNumber'>): TaskPodMatch[] {
  return pods
    .filter((p) => p.annotations['dag_id'] === ref.dagId && p.annotations['task_id'] === ref.taskId && p.annotations['run_id'] === ref.runId)
    .map((p) => ({
      name: p.name,
      tryNumber: Number.parseInt(p.annotations['try_number'] ?? '', 10),
      mapIndex: p.annotations['map_index'] === undefined ? -1 : Number.parseInt(p.annotations['map_index'], 10),
      ...(p.phase ? { phase: p.phase } : {}),
    }))
    .filter((m) => Number.isFinite(m.tryNumber) && Number.isFinite(m.mapIndex));
}

/** The pods of `ref`'s chosen try (default: the latest try that has pods), every map index, in map-index order. */
export function matchTaskPods(pods: readonly TaskPodMeta[], ref: TaskRef): TaskPodMatch[] {
  const all = taskPodsAnyTry(pods, ref);
  const wanted = ref.tryNumber ?? Math.max(...all.map((m) => m.tryNumber));
  return all.filter((m) => m.tryNumber === wanted).sort((a, b) => a.mapIndex - b.mapIndex || (a.name < b.name ? -1 : 1));
}
