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
  /**
   * RDS PostgreSQL majors we deploy this line on: Airflow's supported list for the line, within POSTGRES_MAJORS.
   * The newest one is the line's default (see defaultPostgresVersion).
   */
  readonly postgres: readonly PostgresMajor[];
}

/**
 * RDS PostgreSQL majors we deploy: 16 and 17 for every line (existing deployments), 18 where Airflow supports it.
 * A full minor is required because RDS (and cfn-lint W3691) treat a bare major as "whatever is newest", which drifts.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html
 */
export const POSTGRES_MAJORS = ['16', '17', '18'] as const;
export type PostgresMajor = (typeof POSTGRES_MAJORS)[number];

/**
 * The full minor we create for each major when the config does not name one. 18.3 is the newest 18.x that both
 * aws-cdk-lib 2.276 (PostgresEngineVersion.VER_18_3) and cfn-lint's E3691/W3691 engine data know. 17.6 (and 16.10)
 * stay as they were, so a config on an Airflow line without PostgreSQL 18 that never set engineVersion keeps its
 * minor; all three are current (not deprecated) in cfn-lint's data.
 */
export const DEFAULT_POSTGRES_MINOR: Readonly<Record<PostgresMajor, string>> = { '16': '16.10', '17': '17.6', '18': '18.3' };

/** PostgreSQL majors of Airflow 2.9–2.11 and 3.0–3.1 (their docs list up to 16 or 17; we keep 16 and 17 as before). */
const PG_UP_TO_17: readonly PostgresMajor[] = ['16', '17'];
/**
 * Airflow 3.2 and 3.3 support PostgreSQL 14–18: CI tests 18 since the 3.2 cycle (apache/airflow#57899, which also
 * dropped 13) and set-up-database.rst lists "PostgreSQL: 14, 15, 16, 17, 18" (3.2 docs fixed in apache/airflow#69119).
 */
const PG_UP_TO_18: readonly PostgresMajor[] = ['16', '17', '18'];

/**
 * Lines we render manifests for. 2.9–2.11 stay deployable for teams mid-migration (Airflow 2 is end of life
 * since 2026-04-22); the 3.x lines are current.
 * @see https://airflow.apache.org/docs/apache-airflow/stable/installation/supported-versions.html
 * @see https://airflow.apache.org/docs/apache-airflow/stable/howto/set-up-database.html
 */
export const AIRFLOW_LINES: readonly AirflowLine[] = [
  { line: '2.9', major: 2, pythons: ['3.8', '3.9', '3.10', '3.11', '3.12'], postgres: PG_UP_TO_17 },
  { line: '2.10', major: 2, pythons: ['3.8', '3.9', '3.10', '3.11', '3.12'], postgres: PG_UP_TO_17 },
  { line: '2.11', major: 2, pythons: ['3.9', '3.10', '3.11', '3.12'], postgres: PG_UP_TO_17 },
  { line: '3.0', major: 3, pythons: ['3.9', '3.10', '3.11', '3.12'], postgres: PG_UP_TO_17 },
  { line: '3.1', major: 3, pythons: ['3.10', '3.11', '3.12', '3.13'], postgres: PG_UP_TO_17 },
  { line: '3.2', major: 3, pythons: ['3.10', '3.11', '3.12', '3.13'], postgres: PG_UP_TO_18 },
  { line: '3.3', major: 3, pythons: ['3.10', '3.11', '3.12', '3.13', '3.14'], postgres: PG_UP_TO_18 },
];

/** First Airflow line that supports PostgreSQL 18 (for messages and descriptions). */
export const POSTGRES_18_SINCE = AIRFLOW_LINES.find((l) => l.postgres.includes('18'))!.line;

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
 * EKS Kubernetes versions we create clusters with. 1.33+ have no AL2 AMIs (we use AL2023 anyway). New clusters get
 * the newest version in EKS standard support: a version in extended support costs 6x per cluster hour, and 1.35
 * leaves standard support in early 2027. Airflow's published test matrix trails EKS; the KubernetesExecutor and our
 * manifests use only stable core APIs (pods, deployments, jobs, RBAC). Older entries stay accepted for existing
 * clusters (EKS upgrades one minor at a time).
 * @see https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
 */
export const KUBERNETES_VERSIONS = ['1.31', '1.32', '1.33', '1.34', '1.35', '1.36'] as const;
export const DEFAULT_KUBERNETES_VERSION = '1.36';

/** PostgreSQL of new configs on the default Airflow line. */
export const DEFAULT_POSTGRES_VERSION = defaultPostgresVersion(DEFAULT_AIRFLOW_VERSION);

/**
 * The default `database.engineVersion` for an Airflow version: the default minor of the newest PostgreSQL major the
 * line supports, so an Airflow 2 config never defaults to a PostgreSQL it does not support. An unknown line (which
 * validation rejects anyway) gets the newest major.
 */
export function defaultPostgresVersion(airflowVersion: string): string {
  const majors = airflowLine(airflowVersion)?.postgres ?? POSTGRES_MAJORS;
  return DEFAULT_POSTGRES_MINOR[majors[majors.length - 1]!];
}
