/**
 * What the steps of `down` share: the config, where AWS is, the stack as it was found, the cluster (resolved
 * lazily: it needs the stack's outputs, and may be unreachable or gone), and what earlier steps found.
 */
import type { StackState } from '../../adapters/aws/stack-state.js';
import type { KubeClient } from '../../adapters/kube/client.js';
import type { ResolvedConfig } from '../../config/resolved.js';

/** The cluster to clean up, or why there is none to talk to. */
export type KubeReach = { readonly client: KubeClient; readonly where: string } | { readonly skip: string };

export interface DownContext {
  readonly config: ResolvedConfig;
  readonly region: string;
  /** For emulators only; AWS_ENDPOINT_URL works as well. */
  readonly endpoint?: string;
  readonly signal: AbortSignal;
  /** Bound on each wait (load balancers, volumes, the stack deletion). */
  readonly timeoutMs: number;
  /** Also delete the retained bucket and registry (never implied by --yes). */
  readonly deleteData: boolean;
  /** The stack when `down` started (undefined: none). */
  readonly stack: StackState | undefined;
  /** Resolves the cluster; called at most once (the result is kept in `found.kube`). */
  readonly kube: () => Promise<KubeReach>;
  readonly found: { kube?: KubeReach };
}

export function awsTarget(ctx: Pick<DownContext, 'region' | 'endpoint'>) {
  return { region: ctx.region, ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}) };
}

export async function reachCluster(ctx: DownContext): Promise<KubeReach> {
  ctx.found.kube ??= await ctx.kube();
  return ctx.found.kube;
}
