/**
 * Pure: the pause record, and what `up`, `status` and `pause` derive from it.
 *
 * The record is one tag on the stack's EKS cluster (`airflow-aws:paused`), not a stack tag or an SSM parameter:
 * - a stack tag needs UpdateStack (a full CloudFormation operation that re-tags every resource and can fail or
 *   queue behind a busy stack) just to note a fact;
 * - an SSM parameter is a second resource outside the stack that `down` would have to find and delete;
 * - a cluster tag is one TagResource call, lives and dies with the cluster it describes, and `status` already
 *   reads it (DescribeCluster returns the tags) at no extra call or permission.
 * Tags outside the template survive stack updates: CloudFormation only changes the tags its template declares.
 *
 * AWS tag values allow letters, digits, spaces and `+ - = . _ : / @` only, so the value is space-separated
 * `key=value` tokens: `since=2026-01-02T03:04:05.000Z nodegroup=Nodes-abc min=1 desired=2 max=4`.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/eks-using-tags.html#tag-restrictions
 */
import { UserError } from '../../errors/user-error.js';
import type { CostReport } from '../../cost/report.js';

/** The tag key on the EKS cluster. */
export const PAUSE_TAG = 'airflow-aws:paused';

/** RDS starts a stopped instance again on its own after seven days. @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_StopInstance.html */
export const RDS_AUTO_START_MS = 7 * 24 * 3600 * 1000;

export interface NodegroupSizes {
  readonly min: number;
  readonly desired: number;
  readonly max: number;
}

export interface PauseRecord {
  /** When `pause` last stopped the database (the clock of RDS's seven-day auto-start). */
  readonly since: Date;
  /** The managed node group `pause` scaled to 0, and the sizes `resume` restores. */
  readonly nodegroup: string;
  readonly sizes: NodegroupSizes;
}

export function encodePause(r: PauseRecord): string {
  return `since=${r.since.toISOString()} nodegroup=${r.nodegroup} min=${r.sizes.min} desired=${r.sizes.desired} max=${r.sizes.max}`;
}

/** The record in a tag value; a value we cannot read is a UserError rather than "not paused", so nothing guesses. */
export function decodePause(value: string, where = `tag ${PAUSE_TAG}`): PauseRecord {
  const fields = new Map<string, string>();
  for (const token of value.trim().split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq > 0) fields.set(token.slice(0, eq), token.slice(eq + 1));
  }
  const problems: string[] = [];
  const since = new Date(fields.get('since') ?? '');
  if (Number.isNaN(since.getTime())) problems.push(`since must be an ISO time, got ${JSON.stringify(fields.get('since') ?? null)}`);
  const nodegroup = fields.get('nodegroup') ?? '';
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(nodegroup)) problems.push(`nodegroup must be a node group name, got ${JSON.stringify(fields.get('nodegroup') ?? null)}`);
  const size = (k: 'min' | 'desired' | 'max'): number => {
    const raw = fields.get(k);
    const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n)) problems.push(`${k} must be a whole number >= 0, got ${JSON.stringify(raw ?? null)}`);
    return n;
  };
  const sizes = { min: size('min'), desired: size('desired'), max: size('max') };
  if (problems.length === 0 && (sizes.min > sizes.desired || sizes.desired > sizes.max)) problems.push(`sizes must satisfy min <= desired <= max, got ${sizes.min}/${sizes.desired}/${sizes.max}`);
  if (problems.length > 0) {
    throw new UserError(`the pause record (${where}) cannot be read: ${JSON.stringify(value)}`, {
      code: 'PAUSE_RECORD_INVALID',
      details: problems,
      hint: `fix the tag to the form "${encodePause({ since: new Date(0), nodegroup: 'NAME', sizes: { min: 1, desired: 2, max: 4 } })}", or remove it (aws eks untag-resource) and scale the node group yourself`,
    });
  }
  return { since, nodegroup, sizes };
}

/** When RDS starts the stopped database again unless someone resumes (or pauses again) first. */
export function databaseAutoStart(since: Date): Date {
  return new Date(since.getTime() + RDS_AUTO_START_MS);
}

/** What `up` needs to know about a pause: the stack and its record, if any. */
export interface PauseState {
  readonly stackName: string;
  readonly pause?: PauseRecord;
}

/**
 * Refuse to run `up` over a paused deployment: its stack update would leave the nodes at 0 and the database stopped
 * (the Kubernetes layer would then wait for pods that cannot run), or — once the node group is touched by the
 * template — undo the pause without the database being started. Resume is the one way back.
 */
export function pauseGuard(state: PauseState): UserError | undefined {
  if (!state.pause) return undefined;
  return new UserError(`${state.stackName} is paused since ${state.pause.since.toISOString()} (nodes at 0, database stopped): up would not undo that correctly`, {
    code: 'DEPLOYMENT_PAUSED',
    hint: 'run airflow-aws resume first',
  });
}

/** The status line of a paused deployment. */
export function pausedLine(since: Date, databaseStatus: string | undefined, now: Date): string {
  const restart = databaseAutoStart(since);
  const db =
    databaseStatus !== undefined && databaseStatus !== 'stopped' && databaseStatus !== 'stopping' && restart <= now
      ? `the database restarted on its own on ${day(restart)} (RDS auto-start): run airflow-aws pause again to stop it, or resume`
      : `the database restarts on its own on ${day(restart)} unless resumed`;
  return `paused since ${since.toISOString()}; ${db}`;
}

/** `2026-01-09 03:04 UTC`: a date a person reads, unambiguous about the zone. */
export function day(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const money = (x: number): string => `$${x.toFixed(2)}`;

/** The cost lines `pause` prints: paused against running, per month (the price table's estimate). */
export function costLines(r: Pick<CostReport, 'region' | 'running' | 'paused'>): string[] {
  const running = r.running.totalUsd;
  const paused = r.paused.totalUsd;
  if (running === null || paused === null) return [`monthly cost: no estimate for ${r.region} (see airflow-aws cost)`];
  return [`monthly cost while paused: ${money(paused)} (running: ${money(running)}; saves ${money(running - paused)} a month)`];
}
