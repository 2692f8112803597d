/**
 * The comparison with Amazon MWAA at the same task concurrency.
 *
 * Our concurrency: Airflow's `[core] parallelism` (32, the tool does not change it) bounded by the task pods that fit
 * on the node group's desired nodes by their requests, after a per-node system reservation and Airflow's own pods
 * (API server, scheduler, DAG processor on Airflow 3, triggerer), each from the config.
 *
 * MWAA at that concurrency: mw1.micro up to its 3 tasks; above that mw1.small, 5 tasks per worker, with the base
 * worker included and each further worker billed per hour, running 24/7 like our nodes. mw1.small is the class whose
 * per-worker slots and worker price the price table has, and its workers are the cheapest per slot.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import type { CostEstimate, CostLine } from './estimate.js';
import {
  AIRFLOW_DEFAULT_PARALLELISM,
  INSTANCE_SIZES,
  MWAA_MAX_WORKERS,
  MWAA_MICRO_MAX_TASKS,
  MWAA_SMALL_TASKS_PER_WORKER,
  SYSTEM_RESERVED_PER_NODE,
} from './facts.js';
import { HOURS_PER_MONTH, PRICES, SOURCES, type RegionPrices } from './prices.js';

export interface TaskConcurrency {
  /** Tasks that can run at once: min(parallelism, node slots). */
  readonly tasks: number;
  readonly parallelism: number;
  /** Task pods that fit on the desired nodes; null when an instance size is unknown. */
  readonly nodeSlots: number | null;
  readonly limitedBy: 'parallelism' | 'cpu' | 'memory' | 'unknown-instance-size';
  readonly detail: string;
}

/** CPU quantity -> millicores ("500m", "1", "0.5"). */
export function cpuMilli(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000;
}

/** Memory quantity -> MiB ("512Mi", "1Gi", bytes). */
export function memoryMiB(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti)?$/.exec(q);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  const per: Record<string, number> = { m: 1 / 1000 / 1024 / 1024, Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };
  return m[2] ? n * per[m[2]]! : n / 1024 / 1024;
}

export function taskConcurrency(config: ResolvedConfig): TaskConcurrency {
  const parallelism = AIRFLOW_DEFAULT_PARALLELISM;
  const ng = config.cluster.nodeGroup;
  const sizes = ng.instanceTypes.map((t) => INSTANCE_SIZES[t]);
  if (sizes.some((s) => s === undefined)) {
    return {
      tasks: parallelism,
      parallelism,
      nodeSlots: null,
      limitedBy: 'unknown-instance-size',
      detail: `size of ${ng.instanceTypes.join(', ')} unknown; parallelism ${parallelism} assumed`,
    };
  }
  // The smallest listed type bounds what the node group surely has.
  const size = sizes.reduce((m, s) => (s!.vcpu * 1000 + s!.memoryGiB < m!.vcpu * 1000 + m!.memoryGiB ? s : m))!;
  const k = config.kubernetes;
  const components = [k.apiServer, k.scheduler, k.triggerer, ...(config.airflowMajor === 3 ? [k.dagProcessor] : [])];
  const usedCpu = components.reduce((s, c) => s + c.replicas * cpuMilli(c.cpu), 0);
  const usedMem = components.reduce((s, c) => s + c.replicas * memoryMiB(c.memory), 0);
  const n = ng.desiredSize;
  const cpuRoom = n * (size.vcpu * 1000 - SYSTEM_RESERVED_PER_NODE.cpuMilli) - usedCpu;
  const memRoom = n * (size.memoryGiB * 1024 - SYSTEM_RESERVED_PER_NODE.memoryMiB) - usedMem;
  const byCpu = Math.max(0, Math.floor(cpuRoom / cpuMilli(k.workers.cpu)));
  const byMem = Math.max(0, Math.floor(memRoom / memoryMiB(k.workers.memory)));
  const slots = Math.min(byCpu, byMem);
  const tasks = Math.min(parallelism, slots);
  const limitedBy = tasks === parallelism ? 'parallelism' : byCpu <= byMem ? 'cpu' : 'memory';
  return {
    tasks,
    parallelism,
    nodeSlots: slots,
    limitedBy,
    detail:
      `${n} x ${size.vcpu} vCPU / ${size.memoryGiB} GiB, less ${SYSTEM_RESERVED_PER_NODE.cpuMilli}m / ${SYSTEM_RESERVED_PER_NODE.memoryMiB} MiB per node ` +
      `and Airflow's pods (${usedCpu}m / ${usedMem} MiB): ${byCpu} task pods by CPU, ${byMem} by memory ` +
      `at ${k.workers.cpu} / ${k.workers.memory} each; parallelism ${parallelism}`,
  };
}

export interface MwaaComparison {
  readonly concurrency: TaskConcurrency;
  readonly environmentClass: 'mw1.micro' | 'mw1.small';
  /** Workers running for that concurrency (the base one included). */
  readonly workers: number;
  readonly lines: readonly CostLine[];
  /** MWAA's own bill (environment, extra workers, metadata storage), or null when the region has no MWAA price. */
  readonly totalUsd: number | null;
  /** Plus what an MWAA user pays next to it that our estimate also counts: NAT, public IPv4, logs, S3. */
  readonly likeForLikeUsd: number | null;
  /** Our running total / MWAA's bill. */
  readonly ratio: number | null;
  readonly ratioLikeForLike: number | null;
  readonly notes: readonly string[];
}

/** MWAA metadata database, GB (an assumption, as in the price research's worked example). */
export const MWAA_METADATA_GB = 10;

export function compareWithMwaa(
  config: ResolvedConfig,
  ours: CostEstimate,
  prices: Readonly<Record<string, RegionPrices>> = PRICES,
): MwaaComparison {
  const table = prices[config.region] ?? {};
  const concurrency = taskConcurrency(config);
  const notes: string[] = [];
  const micro = concurrency.tasks <= MWAA_MICRO_MAX_TASKS;
  const environmentClass = micro ? 'mw1.micro' : 'mw1.small';
  let workers = micro ? 1 : Math.ceil(concurrency.tasks / MWAA_SMALL_TASKS_PER_WORKER);
  if (workers > MWAA_MAX_WORKERS) {
    notes.push(`MWAA runs at most ${MWAA_MAX_WORKERS} workers; compared at that size`);
    workers = MWAA_MAX_WORKERS;
  }
  const H = HOURS_PER_MONTH;
  const lines: CostLine[] = [];
  const add = (id: string, label: string, quantity: number, unit: string, priceKey: string, assumption?: string) => {
    const price = table[priceKey];
    const url = price?.sources.map((s) => SOURCES[s]?.url).find((u) => u !== undefined);
    lines.push({
      id,
      label,
      quantity,
      unit,
      priceKey,
      unitPriceUsd: price?.usd ?? null,
      monthlyUsd: price ? Math.round(price.usd * quantity * 100) / 100 : null,
      ...(price ? { source: { ids: price.sources, ...(url ? { url } : {}), date: price.sourceDate, status: price.status } } : {}),
      ...(assumption ? { assumption } : {}),
      alsoWithMwaa: false,
    });
  };
  add('mwaa-environment', `${environmentClass} environment`, H, 'environment-hours', `mwaa.${environmentClass}`);
  if (!micro) add('mwaa-workers', `additional workers, ${workers - 1}`, (workers - 1) * H, 'worker-hours', 'mwaa.worker.small');
  add('mwaa-metadata', `metadata database, ${MWAA_METADATA_GB} GB`, MWAA_METADATA_GB, 'GB-months', 'mwaa.metadb.storage', `${MWAA_METADATA_GB} GB`);

  const known = lines.every((l) => l.monthlyUsd !== null);
  const totalUsd = known ? round(lines.reduce((s, l) => s + l.monthlyUsd!, 0)) : null;
  const side = ours.lines.filter((l) => l.alsoWithMwaa);
  const sideUsd = side.every((l) => l.monthlyUsd !== null) ? side.reduce((s, l) => s + l.monthlyUsd!, 0) : null;
  const likeForLikeUsd = totalUsd !== null && sideUsd !== null ? round(totalUsd + sideUsd) : null;
  const ratio = totalUsd !== null && ours.totalUsd !== null ? ours.totalUsd / totalUsd : null;
  const ratioLikeForLike = likeForLikeUsd !== null && ours.totalUsd !== null ? ours.totalUsd / likeForLikeUsd : null;
  if (!known) notes.push(`no MWAA prices for ${config.region} in the table`);
  notes.push(
    micro
      ? `mw1.micro runs at most ${MWAA_MICRO_MAX_TASKS} tasks on one 1 vCPU / 3 GB container`
      : `mw1.small runs ${MWAA_SMALL_TASKS_PER_WORKER} tasks per 1 vCPU / 2 GB worker; ${workers} workers for ${concurrency.tasks} tasks`,
  );
  notes.push(`our concurrency: ${concurrency.detail}`);
  return { concurrency, environmentClass, workers, lines, totalUsd, likeForLikeUsd, ratio, ratioLikeForLike, notes };
}

const round = (x: number) => Math.round(x * 100) / 100;
