/**
 * The DAG bundle of a deployment as Airflow configuration: `[dag_processor] dag_bundle_config_list` and the AWS
 * connection the S3 bundle reads with. One pure function of the config, used by every place Airflow runs — the
 * cluster's ConfigMap (every component and the KubernetesExecutor pod template read it through `envFrom`) and the
 * local `dev up --dags s3` — so they cannot drift apart.
 *
 * Why on every component: the dag-processor parses the bundle, task pods build it by name to run a task, the
 * scheduler and triggerer build it for callbacks and triggers, and the api-server for import errors and view URLs;
 * a component without the entry fails with "Requested bundle '<name>' is not configured".
 * @see https://airflow.apache.org/docs/apache-airflow/stable/administration-and-deployment/dag-bundles.html
 */
import { S3_PREFIXES } from '../config/naming.js';
import type { ResolvedConfig } from '../config/resolved.js';

/**
 * Bundle names are API: a DAG run stores the name of its bundle, and a renamed bundle breaks the runs created
 * before ("Requested bundle ... is not configured"). Never rename these.
 */
export const BUNDLE_NAMES = { s3: 's3_dags', git: 'git_dags' } as const;

/** The Airflow connection the S3 bundle uses, defined by environment variable on every pod (never in the database). */
export const DAGS_AWS_CONNECTION_ID = 'aws_dags';

/**
 * Seconds between bundle refreshes in the dag-processor. With `[dag_processor] bundle_refresh_check_interval` (5 s)
 * and a changed file's parse (`min_file_process_interval`, 30 s, new mtimes first) an upload reaches the scheduler
 * within 60 s without a restart. Each refresh lists the prefix once (one ListObjectsV2 page per 1000 files): 20 s is
 * the longest interval whose worst case stays well inside the minute, at about $0.66 a month in LIST requests.
 * @see docs/dags.md "How fast, and why a 20 s refresh" (the arithmetic, and bench/dags.ts's measured numbers)
 */
export const BUNDLE_REFRESH_SECONDS = 20;

/**
 * The key prefix of the S3 bundle in the deployment bucket: one level under `dags/`, so the bundle's existence check
 * (the provider lists the parent level, `dags/`, with delimiter "/") stays inside what the pod roles may list.
 */
export function s3BundlePrefix(): string {
  return `${S3_PREFIXES.dags}${BUNDLE_NAMES.s3}/`;
}

/** What only exists once the stack does: the bucket, and an S3-compatible endpoint when not AWS itself. */
export interface BundleTarget {
  readonly bucketName: string;
}

/** One entry of `dag_bundle_config_list`. */
export interface DagBundleConfig {
  readonly name: string;
  readonly classpath: string;
  readonly kwargs: Readonly<Record<string, string | number | boolean>>;
}

type BundleConfigInput = Pick<ResolvedConfig, 'dags' | 'region' | 'storage' | 'airflowMajor'>;

/** Whether DAGs come from a bundle (S3 or git) rather than the image. Airflow 2 has no bundles (validation refuses it). */
export function usesBundle(config: Pick<ResolvedConfig, 'dags' | 'airflowMajor'>): boolean {
  return config.airflowMajor === 3 && config.dags.source !== 'image';
}

/**
 * The bundle list, or undefined for `image` (Airflow's default: one LocalDagBundle `dags-folder` over
 * `[core] dags_folder`, which is the image's DAG folder). No secret ever goes into kwargs: Airflow's config API
 * shows them to anyone who may read the configuration.
 */
export function dagBundleConfigList(config: BundleConfigInput, target: BundleTarget | undefined): DagBundleConfig[] | undefined {
  if (!usesBundle(config)) return undefined;
  if (config.dags.source === 's3') {
    if (!target) throw new Error('the S3 DAG bundle needs the deployment bucket (read from the stack outputs)');
    return [
      {
        name: BUNDLE_NAMES.s3,
        classpath: 'airflow.providers.amazon.aws.bundles.s3.S3DagBundle',
        kwargs: {
          bucket_name: target.bucketName,
          // Without the trailing slash: the provider appends it for the sync and for its existence check.
          prefix: s3BundlePrefix().replace(/\/$/, ''),
          aws_conn_id: DAGS_AWS_CONNECTION_ID,
          refresh_interval: BUNDLE_REFRESH_SECONDS,
        },
      },
    ];
  }
  const git = config.dags.git;
  if (!git) throw new Error('dags.source is "git" without dags.git (validation should have refused it)');
  return [
    {
      name: BUNDLE_NAMES.git,
      classpath: 'airflow.providers.git.bundles.git.GitDagBundle',
      kwargs: {
        repo_url: git.repoUrl,
        tracking_ref: git.trackingRef,
        git_conn_id: git.connectionId,
        ...(git.subdir ? { subdir: git.subdir } : {}),
        refresh_interval: BUNDLE_REFRESH_SECONDS,
      },
    },
  ];
}

/**
 * The AWS connection of the S3 bundle as Airflow's JSON connection format: region, and the endpoint when one is
 * configured. No keys: on EKS the SDK's chain finds the Pod Identity credentials, locally the caller's.
 */
export function dagsAwsConnection(config: Pick<ResolvedConfig, 'region' | 'storage'>): string {
  const extra: Record<string, string> = { region_name: config.region };
  if (config.storage.endpointUrl) extra['endpoint_url'] = config.storage.endpointUrl;
  return JSON.stringify({ conn_type: 'aws', extra });
}

/** Environment variables that configure the bundle; empty for `image`. */
export function dagBundleEnvironment(config: BundleConfigInput, target: BundleTarget | undefined): Record<string, string> {
  const list = dagBundleConfigList(config, target);
  if (!list) return {};
  const env: Record<string, string> = { AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST: JSON.stringify(list) };
  if (config.dags.source === 's3') env[`AIRFLOW_CONN_${DAGS_AWS_CONNECTION_ID.toUpperCase()}`] = dagsAwsConnection(config);
  return env;
}
