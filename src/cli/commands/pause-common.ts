/** Wiring shared by `pause` and `resume`: the AWS adapter, the cluster target and the step context. */
import type { PauseAws } from '../../adapters/aws/pause.js';
import { stackName } from '../../config/naming.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import type { PauseContext } from '../../ops/pause/context.js';
import type { CommandContext } from '../context.js';
import { resolveCluster, usesKubeContext, type ClusterFlags } from './cluster-target.js';

export interface PauseFlags extends ClusterFlags {
  readonly force: boolean;
  readonly yes: boolean;
  readonly timeout: number;
  readonly json: boolean;
}

export type ResumeFlags = Omit<PauseFlags, 'force' | 'yes'>;

export async function pauseContext(ctx: CommandContext, config: ResolvedConfig, o: ClusterFlags & { timeout: number; force?: boolean }): Promise<{ pc: PauseContext; aws: PauseAws }> {
  const { PauseAws } = await import('../../adapters/aws/pause.js');
  const aws = new PauseAws({ region: config.region });
  const pc: PauseContext = {
    config,
    stackName: stackName(config),
    aws,
    kube: async () => {
      const t = await resolveCluster(ctx, config, o);
      return { client: t.client, where: t.where, eks: !usesKubeContext(o) };
    },
    timeoutMs: o.timeout * 1000,
    // Short polls where everything answers at once (emulators); AWS's own operations take minutes anyway.
    pollMs: Math.min(10_000, Math.max(250, o.timeout * 100)),
    force: o.force ?? false,
    signal: ctx.signal,
    now: () => new Date(),
    found: {},
  };
  return { pc, aws };
}
