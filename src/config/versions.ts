/**
 * Version support matrix: which Airflow, Python, Kubernetes and PostgreSQL versions the tool deploys.
 * Kept as data so validation, the image lock and the manifests branch on one table.
 */

/** Newest Airflow release we deploy by default. @see https://github.com/apache/airflow/releases */
export const DEFAULT_AIRFLOW_VERSION = '3.3.2';
/** Python of the origin project's image (python:3.12-slim-bookworm); supported by every Airflow line below. */
export const DEFAULT_PYTHON_VERSION = '3.12';

export interface AirflowLine {
  readonly line: string;
  readonly major: 2 | 3;
  /** Python minor versions this line is published and tested for. */
  readonly pythons: readonly string[];
}

/**
 * Lines we render manifests for. 2.9–2.11 stay deployable for teams mid-migration (Airflow 2 is end of life
 * since 2026-04-22); the 3.x lines are current.
 * @see https://airflow.apache.org/docs/apache-airflow/stable/installation/supported-versions.html
 */
export const AIRFLOW_LINES: readonly AirflowLine[] = [
  { line: '2.9', major: 2, pythons: ['3.8', '3.9', '3.10', '3.11', '3.12'] },
  { line: '2.10', major: 2, pythons: ['3.8', '3.9', '3.10', '3.11', '3.12'] },
  { line: '2.11', major: 2, pythons: ['3.9', '3.10', '3.11', '3.12'] },
  { line: '3.0', major: 3, pythons: ['3.9', '3.10', '3.11', '3.12'] },
  { line: '3.1', major: 3, pythons: ['3.10', '3.11', '3.12', '3.13'] },
  { line: '3.2', major: 3, pythons: ['3.10', '3.11', '3.12', '3.13'] },
  { line: '3.3', major: 3, pythons: ['3.10', '3.11', '3.12', '3.13', '3.14'] },
];

export const AIRFLOW_VERSION_PATTERN = /^(\d+)\.(\d+)\.(\d+)$/;

export function airflowLine(version: string): AirflowLine | undefined {
  const m = AIRFLOW_VERSION_PATTERN.exec(version);
  if (!m) return undefined;
  return AIRFLOW_LINES.find((l) => l.line === `${m[1]}.${m[2]}`);
}

export function airflowMajor(version: string): 2 | 3 {
  return airflowLine(version)?.major ?? 3;
}

/**
 * EKS Kubernetes versions we create clusters with. 1.33+ have no AL2 AMIs (we use AL2023 anyway); Airflow 3.3 is
 * tested on 1.30–1.35. @see https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
 */
export const KUBERNETES_VERSIONS = ['1.31', '1.32', '1.33', '1.34', '1.35'] as const;
export const DEFAULT_KUBERNETES_VERSION = '1.35';

/**
 * RDS PostgreSQL majors inside both Airflow's support list (13–17) and RDS standard support. A full minor is
 * required because RDS (and cfn-lint W3691) treat a bare major as "whatever is newest", which drifts.
 */
export const POSTGRES_MAJORS = ['16', '17'] as const;
export const DEFAULT_POSTGRES_VERSION = '17.6';
