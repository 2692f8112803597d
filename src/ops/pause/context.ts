/**
 * What the steps of `pause` and `resume` share: the config, the AWS side (a narrow port: the real adapter in the
 * CLI, the same adapter against moto in tests), a lazily resolved Kubernetes client, and what earlier steps found.
 */
import type { PauseAws, PauseAwsState } from '../../adapters/aws/pause.js';
import type { KubeClient } from '../../adapters/kube/client.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import type { PauseRecord } from './record.js';

export interface PauseKube {
  readonly client: KubeClient;
  /** For messages: `context NAME` or `EKS cluster NAME`. */
  readonly where: string;
  /** True for the stack's own EKS cluster: only then do its nodes carry the node group label resume waits for. */
  readonly eks: boolean;
}

export type PauseAwsPort = Pick<
  PauseAws,
  'read' | 'writeRecord' | 'clearRecord' | 'scaleNodegroup' | 'databaseStatus' | 'stopDatabase' | 'startDatabase' | 'waitDatabase'
>;

export interface PauseContext {
  readonly config: ResolvedConfig;
  readonly stackName: string;
  readonly aws: PauseAwsPort;
  readonly kube: () => Promise<PauseKube>;
  /** Bound on each wait (task pods, node group, database, nodes, readiness). */
  readonly timeoutMs: number;
  /** Between two polls. */
  readonly pollMs: number;
  /** pause: delete task pods still running when the wait ends. */
  readonly force: boolean;
  readonly signal: AbortSignal;
  readonly now: () => Date;
  readonly found: PauseFound;
}

export interface PauseFound {
  state?: PauseAwsState;
  kube?: PauseKube;
  /** The record written (pause) or read (resume). */
  record?: PauseRecord;
  /** Task pods pause deleted with --force. */
  forced?: string[];
}

export async function kubeOf(ctx: PauseContext): Promise<PauseKube> {
  ctx.found.kube ??= await ctx.kube();
  return ctx.found.kube;
}

export async function stateOf(ctx: PauseContext): Promise<PauseAwsState> {
  ctx.found.state ??= await ctx.aws.read(ctx.stackName);
  return ctx.found.state;
}

export function waitOpts(ctx: PauseContext, onWait?: (what: string) => void) {
  return { timeoutMs: ctx.timeoutMs, pollMs: ctx.pollMs, signal: ctx.signal, ...(onWait ? { onWait } : {}) };
}

/** States in which a stopped database needs nothing more from pause. */
export const DB_STOPPED = ['stopped', 'stopping'] as const;

/** Whether the AWS side is fully paused: record set, no nodes, database stopped (or stopping). */
export function fullyPaused(s: PauseAwsState): boolean {
  return s.record !== undefined && s.nodegroup.sizes.desired === 0 && (DB_STOPPED as readonly string[]).includes(s.database.status);
}
