/**
 * What `status` knows about one deployment, as plain data: the adapters fill it (AWS reads, Kubernetes reads), the
 * verdict and the text rendering read it, and `--json` prints it as is.
 */

/** The CloudFormation stack and what it created, or "no such stack". */
export type AwsStatus = AwsAbsent | AwsPresent;

export interface AwsAbsent {
  readonly exists: false;
  readonly stackName: string;
  readonly region: string;
}

export interface AwsPresent {
  readonly exists: true;
  readonly stackName: string;
  readonly region: string;
  readonly stack: StackStatus;
  /** Absent when the stack names no cluster (an early, failed create). */
  readonly cluster?: ClusterStatus;
  readonly nodegroups: readonly NodegroupStatus[];
  readonly databases: readonly DatabaseStatus[];
  /** Set while `pause` holds the deployment (the airflow-aws:paused tag on the cluster). */
  readonly pause?: PauseStatus;
}

export interface PauseStatus {
  readonly since: string;
  /** When RDS starts the stopped database on its own (seven days after the stop). */
  readonly databaseAutoStart: string;
}

export interface StackStatus {
  /** e.g. CREATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE, UPDATE_IN_PROGRESS. */
  readonly status: string;
  readonly reason?: string;
  readonly lastEvent?: StackEvent;
}

export interface StackEvent {
  readonly time: string;
  readonly resource: string;
  readonly status: string;
  readonly reason?: string;
}

export interface ClusterStatus {
  readonly name: string;
  /** ACTIVE, CREATING, UPDATING, FAILED, ... or NOT_FOUND when the stack names a cluster EKS does not know. */
  readonly status: string;
  readonly version?: string;
}

export interface NodegroupStatus {
  readonly name: string;
  readonly status: string;
  readonly desired: number;
  readonly min: number;
  readonly max: number;
  /** EKS health issues, `CODE: message`. */
  readonly issues: readonly string[];
}

export interface DatabaseStatus {
  readonly id: string;
  /** available, backing-up, modifying, stopped, ... or NOT_FOUND. */
  readonly status: string;
  readonly engine?: string;
  readonly instanceClass?: string;
}

/** One long-running Airflow component: its Deployment and pods. */
export interface ComponentStatus {
  readonly component: string;
  /** False when the Deployment does not exist. */
  readonly exists: boolean;
  readonly desired: number;
  readonly ready: number;
  /** Container restarts summed over the component's pods. */
  readonly restarts: number;
  readonly images: readonly string[];
  /** Why pods are not running, `POD: REASON` (CrashLoopBackOff, ImagePullBackOff, Pending: Unschedulable, ...). */
  readonly waiting: readonly string[];
}

/** KubernetesExecutor task pods by phase: Pending ones wait for a node or an image ("queued"). */
export interface TaskPodCounts {
  readonly running: number;
  readonly queued: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Task pods that went wrong or cannot run, and why (src/k8s/pod-outcome.ts), newest first. */
  readonly problems: readonly TaskPodProblem[];
}

/** One task pod's outcome, with the task instance it ran (from the executor's annotations) when the pod says. */
export interface TaskPodProblem {
  readonly pod: string;
  readonly dagId?: string;
  readonly taskId?: string;
  readonly runId?: string;
  readonly tryNumber?: number;
  /** PodOutcomeKind: oom-killed, terminated, image-pull, evicted, unschedulable, ... */
  readonly kind: string;
  /** `OOMKilled — exceeded the memory limit of 512Mi (container base, exit code 137)`. */
  readonly text: string;
}

export const HEALTH_COMPONENTS = ['metadatabase', 'scheduler', 'dag_processor', 'triggerer'] as const;
export type HealthComponent = (typeof HEALTH_COMPONENTS)[number];

/** Airflow's own health report (api-server `/api/v2/monitor/health`, webserver `/health` on Airflow 2). */
export type ApiHealth =
  | { readonly reachable: false; readonly error: string }
  | { readonly reachable: true; readonly components: readonly HealthEntry[] };

export interface HealthEntry {
  readonly name: HealthComponent;
  /** "healthy", "unhealthy", or null (never reported, e.g. no triggerer ever ran). */
  readonly status: string | null;
  readonly latestHeartbeat?: string;
}

/** Nodes the cluster reports Ready, in total and per EKS managed node group (label eks.amazonaws.com/nodegroup). */
export interface NodeCounts {
  readonly total: number;
  readonly ready: number;
  readonly byNodegroup: Readonly<Record<string, { readonly total: number; readonly ready: number }>>;
}

export interface KubeStatus {
  /** `context NAME` or `EKS cluster NAME`. */
  readonly where: string;
  readonly namespace: string;
  readonly namespaceExists: boolean;
  readonly components: readonly ComponentStatus[];
  readonly tasks: TaskPodCounts;
  readonly health: ApiHealth;
  /** Absent when the identity may not list nodes (a namespaced role). */
  readonly nodes?: NodeCounts;
  /** The load balancer of exposure internal/public; absent when private. */
  readonly endpoint?: LoadBalancerEndpoint;
}

export interface LoadBalancerEndpoint {
  readonly scheme: 'internal' | 'internet-facing';
  /** Its DNS name (or IP); absent while AWS is still provisioning it. */
  readonly address?: string;
}

export interface EnvironmentStatus {
  readonly name: string;
  readonly airflowVersion: string;
  readonly airflowMajor: 2 | 3;
  /** Absent when AWS was not asked (a kube context and no AWS credentials). */
  readonly aws?: AwsStatus;
  /** Why the AWS part is missing when it was asked but failed. */
  readonly awsError?: string;
  /** Absent when there is no cluster to ask (nothing deployed) or it could not be reached (see kubeError). */
  readonly kube?: KubeStatus;
  readonly kubeError?: string;
}
