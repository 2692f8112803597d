/**
 * The config changes that move the bill, each priced by re-running the estimator on the changed config. A lever the
 * schema or the price table cannot support is listed as not available, with the reason.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import { instanceArchitecture } from '../config/rules.js';
import { estimateCost, withChanges, type CostEstimate, type EstimateOptions } from './estimate.js';
import { ARM64_EQUIVALENT } from './facts.js';
import { PRICES } from './prices.js';

/** AWS's ceiling for the spot discount ("up to 90%"); no source gives a typical figure. */
export const SPOT_MAX_DISCOUNT = 0.9;

export interface CostLever {
  readonly id: 'arm64' | 'spot' | 'fewer-nat' | 'no-nat' | 'smaller-database' | 'single-az-database';
  readonly title: string;
  /** The config change, as YAML paths and values. */
  readonly change: string;
  readonly available: boolean;
  /** Why not, when not available. */
  readonly reason?: string;
  /** Running total now minus running total with the change; null when it cannot be priced. */
  readonly monthlySavingUsd: number | null;
  /** For spot: the most it can save. */
  readonly upToUsd?: number;
  readonly caveat?: string;
}

export function costLevers(config: ResolvedConfig, base: CostEstimate, opts: EstimateOptions): CostLever[] {
  const table = (opts.prices ?? PRICES)[config.region] ?? {};
  const rerun = (c: ResolvedConfig) => estimateCost(c, { ...opts, paused: false });
  const saving = (c: ResolvedConfig): number | null => {
    const t = rerun(c).totalUsd;
    return t === null || base.totalUsd === null ? null : Math.round((base.totalUsd - t) * 100) / 100;
  };
  const levers: CostLever[] = [];
  const ng = config.cluster.nodeGroup;

  // arm64 (Graviton): the same size one family over, where both prices are in the table.
  const arm = ng.instanceTypes.every((t) => instanceArchitecture(t) === 'arm64');
  const mapped = ng.instanceTypes.map((t) => ARM64_EQUIVALENT[t]);
  if (arm) {
    levers.push({ id: 'arm64', title: 'arm64 (Graviton) nodes', change: '-', available: false, reason: 'the nodes are arm64 already', monthlySavingUsd: null });
  } else if (mapped.some((t) => t === undefined || !table[`ec2.${t}`])) {
    levers.push({
      id: 'arm64',
      title: 'arm64 (Graviton) nodes',
      change: '-',
      available: false,
      reason: `no arm64 equivalent of ${ng.instanceTypes.join(', ')} is priced in the table for ${config.region}`,
      monthlySavingUsd: null,
    });
  } else {
    const types = mapped as string[];
    const changed = withChanges(config, (c) => {
      c.cluster.nodeGroup.instanceTypes = types;
      c.image.platform = 'linux/arm64';
    });
    levers.push({
      id: 'arm64',
      title: 'arm64 (Graviton) nodes',
      change: `cluster.nodeGroup.instanceTypes: [${types.join(', ')}], image.platform: linux/arm64`,
      available: true,
      monthlySavingUsd: saving(changed),
      caveat: 'the image and every Python wheel in it must exist for linux/arm64',
    });
  }

  // Spot: priced at the on-demand ceiling, so the saving is a range, never a guessed number.
  if (ng.capacityType === 'spot') {
    levers.push({ id: 'spot', title: 'spot nodes', change: '-', available: false, reason: 'the nodes are spot already', monthlySavingUsd: null });
  } else {
    const nodes = base.lines.find((l) => l.id === 'nodes')?.monthlyUsd ?? null;
    levers.push({
      id: 'spot',
      title: 'spot nodes',
      change: 'cluster.nodeGroup.capacityType: spot',
      available: true,
      monthlySavingUsd: null,
      ...(nodes !== null ? { upToUsd: Math.round(nodes * SPOT_MAX_DISCOUNT * 100) / 100 } : {}),
      caveat: 'AWS: up to 90% off on-demand; the discount varies by pool and time, and a reclaimed node kills its running tasks and Airflow pods',
    });
  }

  // NAT: the stack's private subnets need at least one; more than one buys zone-independent egress.
  if (config.network.kind === 'existing') {
    levers.push({ id: 'no-nat', title: 'no NAT gateway', change: '-', available: false, reason: 'existing VPC: its NAT gateways are not part of this stack', monthlySavingUsd: null });
  } else {
    const nat = config.network.natGateways;
    if (nat > 1) {
      levers.push({
        id: 'fewer-nat',
        title: 'one NAT gateway',
        change: 'network.vpc.natGateways: 1',
        available: true,
        monthlySavingUsd: saving(withChanges(config, (c) => void (c.network.kind === 'new' && (c.network.natGateways = 1)))),
        caveat: 'egress of every zone then depends on one zone',
      });
    }
    const would = saving(withChanges(config, (c) => void (c.network.kind === 'new' && (c.network.natGateways = 0))));
    levers.push({
      id: 'no-nat',
      title: 'no NAT gateway (dev)',
      change: 'network.vpc.natGateways: 0',
      available: false,
      reason:
        'network.vpc.natGateways must be >= 1: the nodes and the database run in private subnets' +
        (would !== null ? ` (it would save $${would.toFixed(2)}/month)` : ''),
      monthlySavingUsd: null,
    });
  }

  // Database: one priced class down, and Single-AZ.
  const db = config.database;
  const current = table[`rds.${db.instanceClass}`];
  const cheaper = Object.entries(table)
    .filter(([k, p]) => isLadderClass(k) && current !== undefined && p.usd < current.usd)
    .sort(([, x], [, y]) => y.usd - x.usd)[0];
  if (!cheaper) {
    levers.push({
      id: 'smaller-database',
      title: 'smaller database class',
      change: '-',
      available: false,
      reason: current ? `${db.instanceClass} is the smallest priced class` : `no price for ${db.instanceClass} in ${config.region}`,
      monthlySavingUsd: null,
    });
  } else {
    const cls = cheaper[0].slice('rds.'.length);
    levers.push({
      id: 'smaller-database',
      title: 'smaller database class',
      change: `database.instanceClass: ${cls}`,
      available: true,
      monthlySavingUsd: saving(withChanges(config, (c) => void (c.database.instanceClass = cls))),
      caveat: 'size it for the scheduler and API server connections; burstable classes bill surplus CPU credits',
    });
  }
  if (db.multiAz) {
    levers.push({
      id: 'single-az-database',
      title: 'Single-AZ database',
      change: 'database.multiAz: false',
      available: true,
      monthlySavingUsd: saving(withChanges(config, (c) => void (c.database.multiAz = false))),
      caveat: 'no standby: a zone outage stops Airflow until the instance is restored',
    });
  }
  return levers;
}

/** Current-generation classes only: the previous-generation rows (db.t3.*) are in the table for reference. */
function isLadderClass(key: string): boolean {
  return key.startsWith('rds.db.') && !key.startsWith('rds.db.t3.');
}
