/**
 * The monthly estimate: a pure function of the resolved config, the shipped price table and the date (for the EKS
 * support window). One line per billed item, each with its quantity, unit price, amount and source. An item whose
 * price the table lacks stays in the list with a null amount, and the total is then null: never a silent guess.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import { EKS_SUPPORT, EKS_SUPPORT_SOURCE, EXTENDED_SUPPORT_WARNING_DAYS } from './facts.js';
import { HOURS_PER_MONTH, MULTI_AZ_FACTOR, PRICES, PRICES_CHECKED, SOURCES, type Price, type PriceStatus, type RegionPrices } from './prices.js';

/** Sizes the config cannot tell; shown next to the lines they drive. */
export interface CostAssumptions {
  /** Task logs and DAG bundles in the S3 bucket, GB. @default 50 */
  readonly s3GB: number;
  /** ECR storage of the kept images (layers are shared between them), GB. @default 5 */
  readonly ecrGB: number;
  /** CloudWatch Logs ingested per month: EKS control plane, RDS and VPC flow logs, GB. @default 10 */
  readonly logsIngestedGB: number;
  /** RDS automated backup storage, GB. @default - the allocated storage, i.e. within the free allowance */
  readonly rdsBackupGB?: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = { s3GB: 50, ecrGB: 5, logsIngestedGB: 10 };

/**
 * Customer-managed KMS keys the stack creates: CloudWatch logs, Kubernetes Secrets envelope encryption, RDS, the S3
 * bucket (src/infra/log-key.ts, cluster.ts, database.ts, storage.ts).
 */
export const STACK_KMS_KEYS = 4;
/** Secrets Manager secrets the stack creates: the RDS master credentials (src/infra/database.ts). */
export const STACK_SECRETS = 1;

export interface LineSource {
  readonly ids: readonly string[];
  readonly url?: string;
  readonly date: string;
  readonly status: PriceStatus;
}

export interface CostLine {
  readonly id: string;
  readonly label: string;
  readonly quantity: number;
  /** Unit of `quantity`, matching the unit price (e.g. "instance-hours"). */
  readonly unit: string;
  readonly priceKey: string;
  /** Null when the table has no price for this item in the region. */
  readonly unitPriceUsd: number | null;
  readonly monthlyUsd: number | null;
  readonly source?: LineSource;
  /** The assumption this line rests on, shown with it. */
  readonly assumption?: string;
  /** Also billed next to MWAA (MWAA needs the same VPC egress, logs and bucket). */
  readonly alsoWithMwaa: boolean;
}

export interface CostEstimate {
  readonly region: string;
  readonly profile: 'running' | 'paused';
  readonly hoursPerMonth: number;
  readonly pricesChecked: string;
  readonly lines: readonly CostLine[];
  /** Sum of the lines, or null when any price is unknown. */
  readonly totalUsd: number | null;
  /** Sum of the lines whose price is known. */
  readonly knownUsd: number;
  /** Price keys the table lacks for this region. */
  readonly missingPrices: readonly string[];
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

export interface EstimateOptions {
  /** Date the EKS support window is judged at. */
  readonly now: Date;
  /** Node group at 0, RDS instance stopped; storage, backups, NAT and the control plane still bill. */
  readonly paused?: boolean;
  readonly assumptions?: Partial<CostAssumptions>;
  /** @default PRICES (the shipped table) */
  readonly prices?: Readonly<Record<string, RegionPrices>>;
}

const cents = (x: number) => Math.round(x * 100) / 100;
const usd = (x: number) => `$${x.toFixed(2)}`;

export function estimateCost(config: ResolvedConfig, opts: EstimateOptions): CostEstimate {
  const table = (opts.prices ?? PRICES)[config.region] ?? {};
  const a = { ...DEFAULT_ASSUMPTIONS, ...opts.assumptions };
  const paused = opts.paused ?? false;
  const H = HOURS_PER_MONTH;
  const lines: CostLine[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];

  const line = (l: {
    id: string;
    label: string;
    quantity: number;
    unit: string;
    priceKey: string;
    assumption?: string;
    alsoWithMwaa?: boolean;
  }): void => {
    const price: Price | undefined = table[l.priceKey];
    lines.push({
      id: l.id,
      label: l.label,
      quantity: l.quantity,
      unit: l.unit,
      priceKey: l.priceKey,
      unitPriceUsd: price?.usd ?? null,
      monthlyUsd: price ? cents(price.usd * l.quantity) : null,
      ...(price ? { source: lineSource(price) } : {}),
      ...(l.assumption ? { assumption: l.assumption } : {}),
      alsoWithMwaa: l.alsoWithMwaa ?? false,
    });
  };

  // EKS control plane: standard or extended support, judged at `now`.
  const k8s = config.cluster.kubernetesVersion;
  const support = EKS_SUPPORT[k8s];
  let eksKey = 'eks.standard';
  if (!support) {
    notes.push(`no end-of-standard-support date for Kubernetes ${k8s} in the table; priced at standard support (check \`aws eks describe-cluster-versions\`)`);
  } else {
    const days = Math.ceil((Date.parse(support.standardEnds) - opts.now.getTime()) / 86_400_000);
    const extended = table['eks.extended'];
    const sixTimes = extended ? ` (${usd(extended.usd * H)}/month)` : '';
    if (opts.now.getTime() >= Date.parse(support.extendedEnds)) {
      eksKey = 'eks.extended';
      warnings.push(
        `Kubernetes ${k8s} is past the end of EKS extended support (${support.extendedEnds}): EKS upgrades such clusters automatically; set cluster.kubernetesVersion to a newer version`,
      );
    } else if (days <= 0) {
      eksKey = 'eks.extended';
      warnings.push(
        `Kubernetes ${k8s} left EKS standard support on ${support.standardEnds}: the control plane is billed at the extended-support rate, 6x standard${sixTimes}; set cluster.kubernetesVersion to a version in standard support`,
      );
    } else if (days <= EXTENDED_SUPPORT_WARNING_DAYS) {
      warnings.push(
        `Kubernetes ${k8s} leaves EKS standard support on ${support.standardEnds} (in ${days} days): the control plane then costs 6x${sixTimes}; plan the upgrade`,
      );
    }
  }
  line({
    id: 'eks',
    label: `EKS control plane, Kubernetes ${k8s}${eksKey === 'eks.extended' ? ' (extended support)' : ''}`,
    quantity: H,
    unit: 'cluster-hours',
    priceKey: eksKey,
  });
  if (support) notes.push(`EKS support dates: ${EKS_SUPPORT_SOURCE}`);

  // Nodes: desired size, running 24/7. Mixed instance types are priced at the dearest (a ceiling).
  const ng = config.cluster.nodeGroup;
  const nodes = paused ? 0 : ng.desiredSize;
  const types = [...ng.instanceTypes];
  const priced = types.map((t) => ({ t, price: table[`ec2.${t}`] }));
  const unknownType = priced.find((x) => !x.price);
  const dearest = unknownType ?? priced.reduce((m, x) => (x.price!.usd > m.price!.usd ? x : m));
  if (types.length > 1) notes.push(`the node group may launch any of ${types.join(', ')}; nodes are priced as ${dearest.t} (the dearest)`);
  const spot = ng.capacityType === 'spot';
  if (spot) {
    notes.push('spot nodes are priced at the on-demand rate, the most they can cost: the real discount varies by pool and over time (AWS: up to 90%)');
  }
  line({
    id: 'nodes',
    label: `${nodes} x ${dearest.t} ${spot ? 'spot (on-demand price as ceiling)' : 'on-demand'}`,
    quantity: nodes * H,
    unit: 'instance-hours',
    priceKey: `ec2.${dearest.t}`,
  });
  line({
    id: 'node-disks',
    label: `node root volumes, ${nodes} x ${ng.diskGiB} GB gp3`,
    quantity: nodes * ng.diskGiB,
    unit: 'GB-months',
    priceKey: 'ebs.gp3',
  });

  // NAT gateways and their public IPv4 addresses: only in a VPC the stack creates.
  if (config.network.kind === 'new') {
    const nat = config.network.natGateways;
    line({ id: 'nat', label: `NAT gateways, ${nat}`, quantity: nat * H, unit: 'gateway-hours', priceKey: 'nat.hour', alsoWithMwaa: true });
    line({ id: 'nat-ipv4', label: `public IPv4 of the NAT gateways, ${nat}`, quantity: nat * H, unit: 'address-hours', priceKey: 'ipv4.hour', alsoWithMwaa: true });
    notes.push('NAT data processing (per GB) and internet data transfer are usage and not included');
  } else {
    notes.push("existing VPC: its NAT gateways and addresses are billed already and are not counted here");
  }

  // RDS: instance-hours (stopped = none), storage and backups (billed while stopped too); Multi-AZ doubles both.
  const db = config.database;
  const az = db.multiAz ? MULTI_AZ_FACTOR : 1;
  const azLabel = db.multiAz ? ', Multi-AZ (primary + standby)' : ', Single-AZ';
  line({
    id: 'rds-instance',
    label: `RDS PostgreSQL ${db.instanceClass}${azLabel}${paused ? ', stopped' : ''}`,
    quantity: paused ? 0 : az * H,
    unit: 'instance-hours',
    priceKey: `rds.${db.instanceClass}`,
  });
  line({
    id: 'rds-storage',
    label: `RDS storage, ${db.storageGiB} GB gp3${db.multiAz ? ' x 2 (standby)' : ''}`,
    quantity: az * db.storageGiB,
    unit: 'GB-months',
    priceKey: 'rds.storage.gp3',
  });
  const backupGB = a.rdsBackupGB ?? db.storageGiB;
  const billedBackup = Math.max(0, backupGB - db.storageGiB);
  line({
    id: 'rds-backup',
    label: `RDS backups beyond the free ${db.storageGiB} GB`,
    quantity: billedBackup,
    unit: 'GB-months',
    priceKey: 'rds.backup',
    assumption: `${backupGB} GB of backups (${db.backupRetentionDays} days kept; free up to the allocated storage)`,
  });
  if (db.maxStorageGiB > db.storageGiB) notes.push(`RDS storage is priced at ${db.storageGiB} GB; autoscaling may grow it to ${db.maxStorageGiB} GB`);
  if (paused) notes.push('a stopped RDS instance is started by AWS after 7 days; the paused figure assumes it is kept stopped');

  line({ id: 's3', label: `S3 bucket (task logs, DAG bundles), ${a.s3GB} GB`, quantity: a.s3GB, unit: 'GB-months', priceKey: 's3.standard', assumption: `${a.s3GB} GB stored`, alsoWithMwaa: true });
  line({ id: 'ecr', label: `ECR images, ${a.ecrGB} GB`, quantity: a.ecrGB, unit: 'GB-months', priceKey: 'ecr.storage', assumption: `${a.ecrGB} GB across the ${config.registry.keepImages} kept images` });

  const retention = config.storage.logRetentionDays;
  const storedGB = cents((a.logsIngestedGB * retention) / 30);
  line({ id: 'logs-ingest', label: `CloudWatch Logs ingested, ${a.logsIngestedGB} GB`, quantity: a.logsIngestedGB, unit: 'GB', priceKey: 'logs.ingest', assumption: `${a.logsIngestedGB} GB/month (control plane, RDS, VPC flow logs)`, alsoWithMwaa: true });
  line({ id: 'logs-storage', label: `CloudWatch Logs stored, ${storedGB} GB`, quantity: storedGB, unit: 'GB-months', priceKey: 'logs.storage', assumption: `${a.logsIngestedGB} GB/month kept ${retention} days`, alsoWithMwaa: true });

  line({ id: 'kms', label: `KMS keys, ${STACK_KMS_KEYS}`, quantity: STACK_KMS_KEYS, unit: 'key-months', priceKey: 'kms.key' });
  line({ id: 'secrets', label: `Secrets Manager secrets, ${STACK_SECRETS}`, quantity: STACK_SECRETS, unit: 'secret-months', priceKey: 'secretsmanager.secret' });
  notes.push('KMS and Secrets Manager requests, S3 requests and your own Airflow connection secrets ($0.40 each) are usage and not included');
  notes.push('KMS keys rotate yearly; after the first rotation a key may bill per version (up to 3)');

  const missing = [...new Set(lines.filter((l) => l.unitPriceUsd === null).map((l) => l.priceKey))];
  const known = cents(lines.reduce((s, l) => s + (l.monthlyUsd ?? 0), 0));
  const unverified = lines.filter((l) => l.source && l.source.status !== 'V').map((l) => l.priceKey);
  if (unverified.length > 0) notes.push(`not verified against an AWS source: ${unverified.join(', ')}`);
  return {
    region: config.region,
    profile: paused ? 'paused' : 'running',
    hoursPerMonth: H,
    pricesChecked: PRICES_CHECKED,
    lines,
    totalUsd: missing.length === 0 ? known : null,
    knownUsd: known,
    missingPrices: missing,
    warnings,
    notes,
  };
}

function lineSource(price: Price): LineSource {
  const url = price.sources.map((id) => SOURCES[id]?.url).find((u) => u !== undefined);
  return { ids: price.sources, ...(url ? { url } : {}), date: price.sourceDate, status: price.status };
}

/** A copy of the config with `edit` applied: for "what if" estimates (levers). */
export function withChanges(config: ResolvedConfig, edit: (c: MutableConfig) => void): ResolvedConfig {
  const copy = structuredClone(config) as unknown as MutableConfig;
  edit(copy);
  return copy as unknown as ResolvedConfig;
}

type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
export type MutableConfig = Mutable<ResolvedConfig>;
