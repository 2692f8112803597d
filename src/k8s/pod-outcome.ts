/**
 * Pure: why a pod did not (or will not) run to a clean end, in one line a user can act on, from the pod's status
 * and spec as the API server returns them. Airflow's KubernetesExecutor only says "Pod failed because of None"
 * (the pod-level reason, which the kubelet leaves empty for a container OOM kill); the container status and the
 * spec together say what happened: `OOMKilled — exceeded the memory limit of 512Mi`.
 * @see https://github.com/apache/airflow/issues/73164
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-states
 */
import type { V1Container, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

export type PodOutcomeKind =
  | 'oom-killed'
  | 'terminated'
  | 'image-pull'
  | 'container-config'
  | 'evicted'
  | 'deadline-exceeded'
  | 'unschedulable'
  | 'failed';

export interface PodOutcome {
  readonly kind: PodOutcomeKind;
  /** The container the outcome is about, when it is about one. */
  readonly container?: string;
  /** One line, reason first: `OOMKilled — exceeded the memory limit of 512Mi (container base, exit code 137)`. */
  readonly text: string;
}

/**
 * Waiting reasons of a container whose image cannot be had.
 * @see https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/images/types.go
 */
const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'ImageInspectError', 'RegistryUnavailable', 'SignatureValidationFailed']);

/** Waiting reasons of a container the kubelet could not create or start (missing Secret or ConfigMap key, bad mount, bad command). */
const CONTAINER_CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError', 'PreCreateHookError', 'PreStartHookError', 'PostStartHookError']);

const SIGNALS: Readonly<Record<number, string>> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

/** `exit code 137 (SIGKILL)`: a shell-style code above 128 is 128 + the signal that ended the process. */
function exitCodeText(code: number, signal?: number): string {
  const sig = signal ?? (code > 128 && code < 160 ? code - 128 : undefined);
  return `exit code ${code}${sig !== undefined ? ` (${SIGNALS[sig] ?? `signal ${sig}`})` : ''}`;
}

const oneLine = (s: string | undefined): string | undefined => {
  const t = s?.replace(/\s+/g, ' ').trim();
  return t ? t : undefined;
};

/**
 * The memory limit that applied to `container`: its own, else the pod-level one (pod-level resources, Kubernetes
 * 1.32+), else none.
 */
function memoryLimit(pod: V1Pod, container: V1Container | undefined): string | undefined {
  const own = container?.resources?.limits?.['memory'];
  if (own !== undefined) return String(own);
  const podLevel = (pod.spec as { resources?: { limits?: Record<string, unknown> } } | undefined)?.resources?.limits?.['memory'];
  return podLevel === undefined ? undefined : String(podLevel);
}

function oomText(pod: V1Pod, status: V1ContainerStatus, spec: V1Container | undefined, exitCode: number): string {
  const limit = memoryLimit(pod, spec);
  const where = `container ${status.name}, ${exitCodeText(exitCode)}`;
  // Exit code 0 with OOMKilled: on cgroup v1 the kernel kills only the biggest process of the container (Airflow's
  // task process), and the container's main process (Airflow's supervisor) ends on its own. Still an OOM kill.
  const partial = exitCode === 0 ? '; the kernel killed a process of the container, its main process then exited' : '';
  return limit
    ? `OOMKilled — exceeded the memory limit of ${limit} (${where}${partial})`
    : `OOMKilled — the node ran out of memory; container ${status.name} has no memory limit (${exitCodeText(exitCode)}${partial})`;
}

function containerOutcome(pod: V1Pod, status: V1ContainerStatus, spec: V1Container | undefined): PodOutcome | undefined {
  const waiting = status.state?.waiting;
  if (waiting?.reason && IMAGE_REASONS.has(waiting.reason)) {
    const image = spec?.image ?? status.image;
    const msg = oneLine(waiting.message);
    return { kind: 'image-pull', container: status.name, text: `${waiting.reason} — cannot get image ${image}${msg ? `: ${msg}` : ''}` };
  }
  if (waiting?.reason && CONTAINER_CONFIG_REASONS.has(waiting.reason)) {
    const msg = oneLine(waiting.message);
    return { kind: 'container-config', container: status.name, text: `${waiting.reason} — container ${status.name} cannot start${msg ? `: ${msg}` : ''}` };
  }
  // A container that restarts (CrashLoopBackOff) shows its last end in lastState.
  const ended = status.state?.terminated ?? status.lastState?.terminated;
  if (!ended) return undefined;
  if (ended.reason === 'OOMKilled') return { kind: 'oom-killed', container: status.name, text: oomText(pod, status, spec, ended.exitCode) };
  if (ended.exitCode === 0) return undefined;
  const msg = oneLine(ended.message);
  const restarting = !status.state?.terminated && waiting?.reason ? `, now ${waiting.reason}` : '';
  return {
    kind: 'terminated',
    container: status.name,
    text: `${ended.reason ?? 'Error'} — container ${status.name} ended with ${exitCodeText(ended.exitCode, ended.signal)}${restarting}${msg ? `: ${msg}` : ''}`,
  };
}

/**
 * Why `pod` failed, or why it cannot run; undefined when nothing went wrong (running, pending normally, or
 * completed cleanly). Init containers are looked at first (a failed one keeps the others from starting), then
 * `preferred` (the task's `base` container), then the rest in spec order.
 */
export function explainPod(pod: V1Pod, preferred?: string): PodOutcome | undefined {
  const st = pod.status;
  if (st?.reason === 'Evicted') {
    return { kind: 'evicted', text: `Evicted — ${oneLine(st.message) ?? 'the node ran short of a resource'}` };
  }
  if (st?.reason === 'DeadlineExceeded') {
    const deadline = pod.spec?.activeDeadlineSeconds;
    return { kind: 'deadline-exceeded', text: `DeadlineExceeded — the pod ran longer than its activeDeadlineSeconds${deadline !== undefined ? ` (${deadline} s)` : ''}` };
  }
  const specs = new Map([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [c.name, c]));
  const main = [...(st?.containerStatuses ?? [])].sort((a, b) => Number(b.name === preferred) - Number(a.name === preferred));
  for (const s of [...(st?.initContainerStatuses ?? []), ...main]) {
    const outcome = containerOutcome(pod, s, specs.get(s.name));
    if (outcome) return outcome;
  }
  const unscheduled = (st?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
  if (unscheduled) return { kind: 'unschedulable', text: `Unschedulable — ${oneLine(unscheduled.message) ?? 'no node fits the pod'}` };
  if (st?.phase === 'Failed') {
    const msg = oneLine(st.message);
    return { kind: 'failed', text: `${st.reason ?? 'Failed'} — ${msg ?? 'the pod failed without a container error (node lost or pod killed?)'}` };
  }
  return undefined;
}
