/** Pure: the text of `status` (lines for stdout) from the data and its verdict; `--json` prints the data instead. */
import type { AwsPresent, EnvironmentStatus, KubeStatus } from './model.js';
import type { Verdict } from './verdict.js';
import { pausedLine } from '../ops/pause/record.js';

/** `12 s ago`, `3 min ago`, `2 h ago`: how stale a heartbeat is, at a glance. */
export function ago(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

const row = (label: string, text: string): string => `  ${label.padEnd(14)} ${text}`;

function awsLines(a: AwsPresent, kube: KubeStatus | undefined, now: Date): string[] {
  const lines = ['AWS'];
  if (a.pause) {
    const p = a.pause;
    lines.push(row('paused', pausedLine(new Date(p.since), a.databases[0]?.status, now)));
  }
  const ev = a.stack.lastEvent;
  lines.push(row('stack', `${a.stackName}  ${a.stack.status}${ev ? `  (last event ${ev.time}: ${ev.resource} ${ev.status}${ev.reason ? ` — ${ev.reason}` : ''})` : ''}`));
  lines.push(row('cluster', a.cluster ? `${a.cluster.name}  ${a.cluster.status}${a.cluster.version ? `  (Kubernetes ${a.cluster.version})` : ''}` : '(none)'));
  for (const ng of a.nodegroups) {
    const ready = kube?.nodes?.byNodegroup[ng.name]?.ready;
    lines.push(row('node group', `${ng.name}  ${ng.status}  ${ready === undefined ? '' : `${ready}/`}${ng.desired} nodes${ready === undefined ? '' : ' Ready'} (min ${ng.min}, max ${ng.max})`));
  }
  for (const db of a.databases) lines.push(row('database', `${db.id}  ${db.status}${db.engine ? `  (${db.engine}${db.instanceClass ? `, ${db.instanceClass}` : ''})` : ''}`));
  return lines;
}

/** At most this many task pod problems are listed one by one; the rest are counted. */
const MAX_TASK_PROBLEMS = 10;

/** `  task pod       oom-eat-1a2b (oom.eat, run manual__…, try 1): OOMKilled — exceeded the memory limit of 512Mi (…)`, newest first. */
function taskProblemLines(problems: KubeStatus['tasks']['problems']): string[] {
  const lines = problems.slice(0, MAX_TASK_PROBLEMS).map((p) => {
    const ti = p.dagId && p.taskId ? ` (${p.dagId}.${p.taskId}${p.runId ? `, run ${p.runId}` : ''}${p.tryNumber !== undefined ? `, try ${p.tryNumber}` : ''})` : '';
    return row('task pod', `${p.pod}${ti}: ${p.text}`);
  });
  if (problems.length > MAX_TASK_PROBLEMS) lines.push(row('', `… and ${problems.length - MAX_TASK_PROBLEMS} more (status --json lists them all)`));
  return lines;
}

function kubeLines(k: KubeStatus, now: Date): string[] {
  const lines = [`Kubernetes (${k.where}, namespace ${k.namespace})`];
  if (!k.namespaceExists) return [...lines, row('namespace', 'does not exist')];
  for (const c of k.components) {
    if (!c.exists) {
      lines.push(row(c.component, 'not deployed'));
      continue;
    }
    const restarts = c.restarts > 0 ? `  restarts ${c.restarts}` : '';
    lines.push(row(c.component, `${c.ready}/${c.desired} ready${restarts}  ${c.images.join(', ')}`));
  }
  const t = k.tasks;
  lines.push(row('task pods', `running ${t.running}, queued ${t.queued}${t.failed > 0 ? `, failed ${t.failed}` : ''}${t.succeeded > 0 ? `, succeeded ${t.succeeded}` : ''}`));
  lines.push(...taskProblemLines(t.problems));
  if (k.nodes) lines.push(row('nodes', `${k.nodes.ready}/${k.nodes.total} Ready`));
  if (k.endpoint) lines.push(row('endpoint', `${k.endpoint.address ?? 'load balancer being provisioned'}  (${k.endpoint.scheme} load balancer)`));
  if (!k.health.reachable) {
    lines.push(row('health', `unreachable (${k.health.error})`));
  } else {
    for (const h of k.health.components) {
      lines.push(row(`health ${h.name}`, `${h.status ?? 'not reported'}${h.latestHeartbeat ? `  (heartbeat ${ago(h.latestHeartbeat, now)})` : ''}`));
    }
  }
  return lines;
}

export function renderStatus(env: EnvironmentStatus, v: Verdict, now: Date): string[] {
  const head = `${env.name} (Airflow ${env.airflowVersion})`;
  if (v.state === 'not-deployed') {
    const where = env.aws && !env.aws.exists ? `no stack ${env.aws.stackName} in ${env.aws.region}` : undefined;
    const ns = env.kube ? `nothing of ours in namespace ${env.kube.namespace} (${env.kube.where})` : undefined;
    return [`nothing deployed: ${head} — ${[where, ns].filter(Boolean).join('; ')}`];
  }
  const lines = [`${v.state}: ${head}`];
  if (env.aws?.exists) lines.push(...awsLines(env.aws, env.kube, now));
  if (env.kube) lines.push(...kubeLines(env.kube, now));
  if (v.problems.length > 0) lines.push('Problems', ...v.problems.map((p) => `  - ${p}`));
  return lines;
}
