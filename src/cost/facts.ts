/**
 * Non-price facts the estimate needs: when each EKS Kubernetes version leaves standard support (the control plane
 * then costs 6x), the size of the priced instance types (to turn a node group into task slots), Airflow's default
 * parallelism and MWAA's task slots per worker. Each carries its source.
 */

/**
 * End of EKS standard support (14 months after the EKS release) and of extended support (12 more months), per
 * Kubernetes minor. A version missing here has no date we can rely on: the estimate says so, it does not guess.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html (the 14 + 12 month rule)
 * @see https://endoflife.date/amazon-eks (the dates; third party, read 2026-12-03 from a copy of 2026-02)
 */
export const EKS_SUPPORT: Readonly<Record<string, { readonly standardEnds: string; readonly extendedEnds: string }>> = {
  '1.31': { standardEnds: '2025-11-26', extendedEnds: '2026-11-26' },
  '1.32': { standardEnds: '2026-03-23', extendedEnds: '2027-03-23' },
  '1.33': { standardEnds: '2026-07-29', extendedEnds: '2027-07-29' },
  '1.34': { standardEnds: '2026-12-02', extendedEnds: '2027-12-02' },
  '1.35': { standardEnds: '2027-03-27', extendedEnds: '2028-03-27' },
};
export const EKS_SUPPORT_SOURCE = 'https://endoflife.date/amazon-eks';

/** Warn this many days before a version leaves standard support (the price research's advice). */
export const EXTENDED_SUPPORT_WARNING_DAYS = 60;

/**
 * vCPUs and memory (GiB) of the instance types the price table knows.
 * @see https://aws.amazon.com/ec2/instance-types/
 */
export const INSTANCE_SIZES: Readonly<Record<string, { readonly vcpu: number; readonly memoryGiB: number }>> = {
  't3.medium': { vcpu: 2, memoryGiB: 4 },
  't3.large': { vcpu: 2, memoryGiB: 8 },
  't3.xlarge': { vcpu: 4, memoryGiB: 16 },
  'm6i.large': { vcpu: 2, memoryGiB: 8 },
  'm6i.xlarge': { vcpu: 4, memoryGiB: 16 },
  'm7i.large': { vcpu: 2, memoryGiB: 8 },
  'm7i.xlarge': { vcpu: 4, memoryGiB: 16 },
  'm7i-flex.large': { vcpu: 2, memoryGiB: 8 },
  'm8i.large': { vcpu: 2, memoryGiB: 8 },
  'm6a.large': { vcpu: 2, memoryGiB: 8 },
  'm7a.large': { vcpu: 2, memoryGiB: 8 },
  't4g.medium': { vcpu: 2, memoryGiB: 4 },
  't4g.large': { vcpu: 2, memoryGiB: 8 },
  'm6g.large': { vcpu: 2, memoryGiB: 8 },
  'm7g.large': { vcpu: 2, memoryGiB: 8 },
  'm8g.large': { vcpu: 2, memoryGiB: 8 },
};

/**
 * The same size on Graviton, for the arm64 lever: only pairs where both prices are in the table. m6i/m7i map to
 * m7g as in the price research's own comparison.
 */
export const ARM64_EQUIVALENT: Readonly<Record<string, string>> = {
  't3.medium': 't4g.medium',
  't3.large': 't4g.large',
  'm6i.large': 'm7g.large',
  'm7i.large': 'm7g.large',
  'm7i-flex.large': 'm7g.large',
  'm6a.large': 'm7g.large',
  'm7a.large': 'm7g.large',
  'm8i.large': 'm8g.large',
};

/**
 * Airflow's `[core] parallelism` default: the most task instances running at once per scheduler. The tool does not
 * set it, so it stays 32.
 * @see https://airflow.apache.org/docs/apache-airflow/stable/configurations-ref.html#parallelism
 */
export const AIRFLOW_DEFAULT_PARALLELISM = 32;

/**
 * Kept back on each node for the kubelet, the OS and the system DaemonSets (VPC CNI, kube-proxy, Pod Identity agent)
 * before Airflow's pods: an assumption, shown with the estimate.
 */
export const SYSTEM_RESERVED_PER_NODE = { cpuMilli: 200, memoryMiB: 1024 } as const;

/**
 * MWAA task slots: mw1.small runs 5 concurrent tasks per worker by default; mw1.micro at most 3 in total and has no
 * additional workers. A base environment has one worker; more are billed per worker-hour.
 * @see https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html
 */
export const MWAA_SMALL_TASKS_PER_WORKER = 5;
export const MWAA_MICRO_MAX_TASKS = 3;
/** MWAA's highest `max-workers` setting; beyond 25 x 5 slots the comparison says so. */
export const MWAA_MAX_WORKERS = 25;
