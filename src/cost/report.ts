/**
 * Everything `cost` shows, in one pure value: the running and paused estimates, the MWAA comparison and the levers,
 * plus its text rendering and the one-line summary `plan` prints.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import { estimateCost, withChanges, type CostAssumptions, type CostEstimate, type CostLine, DEFAULT_ASSUMPTIONS } from './estimate.js';
import { costLevers, type CostLever } from './levers.js';
import { compareWithMwaa, type MwaaComparison } from './mwaa.js';
import { HOURS_PER_MONTH, PRICES, PRICES_CHECKED, type RegionPrices } from './prices.js';

export interface CostReport {
  readonly name: string;
  readonly region: string;
  readonly currency: 'USD';
  readonly hoursPerMonth: number;
  readonly pricesChecked: string;
  /** False when any price is unknown for the region: the totals are then null. */
  readonly complete: boolean;
  readonly assumptions: CostAssumptions;
  readonly running: CostEstimate;
  readonly paused: CostEstimate;
  readonly mwaa: MwaaComparison;
  readonly levers: readonly CostLever[];
  /** Regions whose prices cover every line of this config. */
  readonly regionsWithPrices: readonly string[];
}

export function costReport(
  config: ResolvedConfig,
  opts: { now: Date; assumptions?: Partial<CostAssumptions>; prices?: Readonly<Record<string, RegionPrices>> },
): CostReport {
  const base = { now: opts.now, ...(opts.assumptions ? { assumptions: opts.assumptions } : {}), ...(opts.prices ? { prices: opts.prices } : {}) };
  const running = estimateCost(config, base);
  const paused = estimateCost(config, { ...base, paused: true });
  return {
    name: config.name,
    region: config.region,
    currency: 'USD',
    hoursPerMonth: HOURS_PER_MONTH,
    pricesChecked: PRICES_CHECKED,
    complete: running.totalUsd !== null,
    assumptions: { ...DEFAULT_ASSUMPTIONS, ...opts.assumptions },
    running,
    paused,
    mwaa: compareWithMwaa(config, running, opts.prices ?? PRICES),
    levers: costLevers(config, running, base),
    regionsWithPrices: Object.keys(opts.prices ?? PRICES).filter(
      (region) => estimateCost(withChanges(config, (c) => void (c.region = region)), base).totalUsd !== null,
    ),
  };
}

/** The message for a region the table cannot price in full: which prices are missing, and where prices exist. */
export function unavailableMessage(r: CostReport): string {
  const none = r.running.lines.every((l) => l.unitPriceUsd === null);
  const what = none ? 'the price table has no prices for this region' : `the price table lacks ${r.running.missingPrices.join(', ')}`;
  const where = r.regionsWithPrices.length > 0 ? `this config can be priced in ${r.regionsWithPrices.join(', ')}` : 'no region can price this config';
  return `no monthly estimate for ${r.region}: ${what}; ${where} (see docs/cost.md)`;
}

const money = (x: number | null) => (x === null ? 'unknown' : `$${x.toFixed(2)}`);

/** One line for `plan`. */
export function costSummaryLine(r: CostReport): string {
  if (r.running.totalUsd === null) {
    return `Estimated cost: unavailable for ${r.region} (prices missing: ${r.running.missingPrices.length}); see \`airflow-aws cost\``;
  }
  const mwaa = r.mwaa.totalUsd !== null && r.mwaa.ratio !== null ? `; MWAA ${r.mwaa.environmentClass} for ${r.mwaa.concurrency.tasks} tasks ${money(r.mwaa.totalUsd)} (${r.mwaa.ratio.toFixed(2)}x)` : '';
  return `Estimated cost: ${money(r.running.totalUsd)}/month on-demand (paused ${money(r.paused.totalUsd)})${mwaa}; details: \`airflow-aws cost\``;
}

export function formatCostReport(r: CostReport): string {
  const out: string[] = [];
  out.push(`Monthly estimate for ${r.name} in ${r.region} (USD, ${r.hoursPerMonth} h/month, on-demand list prices as of ${r.pricesChecked}, before tax and free tier)`);
  out.push('');
  out.push(...table(r.running.lines, r.running.totalUsd, r.running.knownUsd));
  out.push('');
  out.push(`Paused (nodes at 0, database stopped): ${money(r.paused.totalUsd)}/month`);
  const m = r.mwaa;
  out.push('');
  out.push(`MWAA at the same concurrency (${m.concurrency.tasks} tasks): ${m.environmentClass}, ${m.workers} worker${m.workers === 1 ? '' : 's'}`);
  out.push(...table(m.lines, m.totalUsd, m.lines.reduce((s, l) => s + (l.monthlyUsd ?? 0), 0)));
  if (m.ratio !== null && m.ratioLikeForLike !== null) {
    out.push(`  ratio: ${m.ratio.toFixed(2)}x MWAA's bill; ${m.ratioLikeForLike.toFixed(2)}x with the NAT, logs and S3 an MWAA user also pays (${money(m.likeForLikeUsd)})`);
  }
  for (const n of m.notes) out.push(`  - ${n}`);
  out.push('');
  out.push('Levers (saving per month, from re-estimating the changed config):');
  for (const l of r.levers) {
    const amount = l.monthlySavingUsd !== null ? money(l.monthlySavingUsd) : l.upToUsd !== undefined ? `up to ${money(l.upToUsd)}` : '-';
    out.push(`  ${l.title.padEnd(28)} ${amount.padStart(16)}  ${l.available ? l.change : `not available: ${l.reason ?? ''}`}`);
    if (l.available && l.caveat) out.push(`  ${''.padEnd(28)} ${''.padStart(16)}  (${l.caveat})`);
  }
  out.push('');
  out.push('Assumptions and exclusions:');
  for (const l of r.running.lines) if (l.assumption) out.push(`  - ${l.id}: ${l.assumption}`);
  for (const n of r.running.notes) out.push(`  - ${n}`);
  return `${out.join('\n')}\n`;
}

function table(lines: readonly CostLine[], total: number | null, known: number): string[] {
  const rows = lines.map((l) => [
    l.label,
    `${fmtQty(l.quantity)} ${l.unit}`,
    l.unitPriceUsd === null ? 'unknown' : unitPrice(l.unitPriceUsd),
    money(l.monthlyUsd),
    l.source ? `${l.source.ids.join('+')} ${l.source.date}${l.source.status === 'V' ? '' : ` [${l.source.status}]`}` : 'no price',
  ]);
  const head = ['item', 'quantity', 'unit price', 'per month', 'source'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => `  ${r.map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const totalText = total === null ? `unknown (known lines: ${money(Math.round(known * 100) / 100)})` : money(total);
  widths[3] = Math.max(widths[3]!, totalText.length);
  return [fmt(head), ...rows.map(fmt), fmt(['total', '', '', totalText, ''])];
}

/** At least cents, and every digit the price has ($0.10, $0.0416). */
function unitPrice(x: number): string {
  const decimals = (String(x).split('.')[1] ?? '').length;
  return `$${x.toFixed(Math.max(2, decimals))}`;
}

function fmtQty(q: number): string {
  return Number.isInteger(q) ? String(q) : q.toFixed(2);
}
