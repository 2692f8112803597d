/**
 * Pure: one verdict for a deployment — healthy, degraded (with every reason, one line each) or not deployed — from
 * what the adapters read. The exit code of `status` is derived from it.
 */
import type { AwsPresent, EnvironmentStatus, HealthComponent, KubeStatus } from './model.js';

export type VerdictState = 'healthy' | 'degraded' | 'not-deployed' | 'paused';

export interface Verdict {
  readonly state: VerdictState;
  readonly problems: readonly string[];
}

/**
 * Exit codes of `status`, as for `dev status`: 3 (LSB "not running") means nothing is deployed, 1 degraded. A pause
 * is deliberate, so not "degraded", but Airflow does not run either, so not 0: it gets its own code, 4.
 */
export const STATUS_EXIT: Readonly<Record<VerdictState, number>> = { healthy: 0, degraded: 1, 'not-deployed': 3, paused: 4 };

/**
 * Stack states in which the stack is settled and matches its template. UPDATE_ROLLBACK_COMPLETE is settled too, but
 * the last change failed: reported as a problem so nobody mistakes it for a successful `up`.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes
 */
const STACK_OK = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

/** RDS states in which the instance accepts connections. @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html */
const DB_OK = new Set(['available', 'backing-up', 'storage-optimization', 'configuring-enhanced-monitoring', 'configuring-log-exports', 'configuring-iam-database-auth']);

/** The health entries Airflow must report healthy: the dag-processor is a separate component on Airflow 3 only. */
export function requiredHealth(major: 2 | 3): HealthComponent[] {
  return major === 3 ? ['metadatabase', 'scheduler', 'dag_processor', 'triggerer'] : ['metadatabase', 'scheduler', 'triggerer'];
}

/** Whether the namespace holds any of our components: "deployed to Kubernetes" at all. */
export function kubeDeployed(k: KubeStatus): boolean {
  return k.namespaceExists && k.components.some((c) => c.exists);
}

function awsProblems(a: AwsPresent, kube: KubeStatus | undefined): string[] {
  const p: string[] = [];
  const s = a.stack;
  if (!STACK_OK.has(s.status)) {
    const why = s.reason ?? (s.lastEvent?.reason ? `${s.lastEvent.resource}: ${s.lastEvent.reason}` : undefined);
    p.push(`stack ${a.stackName} is ${s.status}${why ? ` (${why})` : ''}`);
  }
  if (!a.cluster) p.push(`stack ${a.stackName} has no EKS cluster`);
  else if (a.cluster.status !== 'ACTIVE') p.push(`EKS cluster ${a.cluster.name} is ${a.cluster.status}`);
  for (const ng of a.nodegroups) {
    if (ng.status !== 'ACTIVE') p.push(`node group ${ng.name} is ${ng.status}${ng.issues.length > 0 ? `: ${ng.issues.join('; ')}` : ''}`);
    const ready = kube?.nodes?.byNodegroup[ng.name]?.ready;
    if (ready !== undefined && ready < ng.desired) p.push(`node group ${ng.name}: ${ready}/${ng.desired} nodes Ready`);
  }
  for (const db of a.databases) if (!DB_OK.has(db.status)) p.push(`database ${db.id} is ${db.status}`);
  return p;
}

function kubeProblems(k: KubeStatus, major: 2 | 3): string[] {
  const p: string[] = [];
  for (const c of k.components) {
    if (!c.exists) {
      p.push(`${c.component}: no Deployment in namespace ${k.namespace}`);
      continue;
    }
    if (c.desired === 0) p.push(`${c.component}: scaled to 0 replicas`);
    else if (c.ready < c.desired) p.push(`${c.component}: ${c.ready}/${c.desired} pods ready${c.waiting.length > 0 ? ` (${c.waiting.join('; ')})` : ''}`);
  }
  if (!k.health.reachable) {
    p.push(`Airflow health endpoint unreachable: ${k.health.error}`);
  } else {
    const byName = new Map(k.health.components.map((h) => [h.name, h]));
    for (const name of requiredHealth(major)) {
      const status = byName.get(name)?.status ?? null;
      if (status !== 'healthy') p.push(`Airflow reports ${name} ${status ?? 'not reported'}`);
    }
  }
  return p;
}

export function verdict(env: EnvironmentStatus): Verdict {
  // Nothing at all: no stack (or AWS not asked) and nothing of ours in the namespace (or no cluster to ask). A read
  // that failed is not "nothing": it is reported as a problem below.
  const nothingInAws = env.aws ? !env.aws.exists : env.awsError === undefined;
  const nothingInKube = env.kube ? !kubeDeployed(env.kube) : env.kubeError === undefined;
  if (nothingInAws && nothingInKube) return { state: 'not-deployed', problems: [] };
  if (env.aws?.exists && env.aws.pause) return pausedVerdict(env.aws);
  const problems: string[] = [];
  if (env.awsError) problems.push(`AWS: ${env.awsError}`);
  if (env.aws?.exists) problems.push(...awsProblems(env.aws, env.kube));
  if (env.kubeError) problems.push(`Kubernetes: ${env.kubeError}`);
  if (env.kube) {
    if (!kubeDeployed(env.kube)) problems.push(`Airflow is not deployed to namespace ${env.kube.namespace} (run airflow-aws deploy)`);
    else problems.push(...kubeProblems(env.kube, env.airflowMajor));
  }
  return { state: problems.length === 0 ? 'healthy' : 'degraded', problems };
}

/**
 * Paused: nodes at 0, components at 0, the database stopped and the health endpoint unreachable are the pause, not
 * problems. What is still reported: a stack that is not settled, and a database RDS started again on its own.
 */
function pausedVerdict(a: AwsPresent): Verdict {
  const problems = awsProblems(a, undefined).filter((p) => p.startsWith('stack ') || p.startsWith('EKS cluster '));
  for (const db of a.databases) {
    if (db.status !== 'stopped' && db.status !== 'stopping') {
      problems.push(`database ${db.id} is ${db.status} while paused (RDS starts a stopped database on its own after 7 days): run airflow-aws pause again to stop it, or resume`);
    }
  }
  return { state: 'paused', problems };
}
