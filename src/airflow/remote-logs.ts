/**
 * Remote task logs in S3 — the one definition the cluster (src/k8s) and `dev` (src/dev) both render, and `logs`
 * reads back. Pure.
 *
 * Why the connection lives in the environment (`AIRFLOW_CONN_AWS_LOGS`) and not in the database: Airflow 3 task
 * supervisors upload logs with the connection they resolve themselves, and a database-stored connection has broken
 * that path repeatedly (apache/airflow#54603, #58140, #68366). An environment connection is found first on every
 * pod, including KubernetesExecutor task pods. It carries the region and no keys: on EKS, Pod Identity supplies
 * credentials through the boto3 chain; locally, the chain finds whatever the user's environment provides.
 * @see https://airflow.apache.org/docs/apache-airflow-providers-amazon/stable/logging/s3-task-handler.html
 */
import { S3_PREFIXES } from '../config/naming.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { formatLogContent } from '../dev/api-shapes.js';

/** Connection id of the log connection; its environment variable is `AIRFLOW_CONN_` + the id in upper case. */
export const REMOTE_LOG_CONN_ID = 'aws_logs';
export const REMOTE_LOG_CONN_ENV = `AIRFLOW_CONN_${REMOTE_LOG_CONN_ID.toUpperCase()}`;

/** Where task logs go. */
export interface LogStore {
  readonly bucket: string;
  readonly region: string;
  /** An S3-compatible endpoint (MinIO, moto) instead of AWS S3. @default AWS S3 of `region` */
  readonly endpointUrl?: string;
}

/** `s3://BUCKET/logs` — Airflow appends `/` and the log file name. */
export function remoteBaseLogFolder(store: LogStore): string {
  return `s3://${store.bucket}/${S3_PREFIXES.logs.replace(/\/+$/, '')}`;
}

/** The connection as Airflow's JSON connection format. */
export function logConnection(store: LogStore): { conn_type: 'aws'; extra: Record<string, unknown> } {
  const extra: Record<string, unknown> = { region_name: store.region };
  if (store.endpointUrl) {
    extra['endpoint_url'] = store.endpointUrl;
    // S3-compatible stores on a plain host:port cannot serve virtual-hosted bucket names (bucket.127.0.0.1).
    extra['config_kwargs'] = { s3: { addressing_style: 'path' } };
  }
  return { conn_type: 'aws', extra };
}

/** `[logging]` settings plus the connection, as environment variables. */
export function remoteLoggingEnv(store: LogStore): Record<string, string> {
  return {
    AIRFLOW__LOGGING__REMOTE_LOGGING: 'True',
    AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER: remoteBaseLogFolder(store),
    AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID: REMOTE_LOG_CONN_ID,
    [REMOTE_LOG_CONN_ENV]: JSON.stringify(logConnection(store)),
  };
}

/**
 * The store `dev` and `logs` use without a stack: `storage.devBucket` on `storage.endpointUrl`, when both are set
 * (validation refuses a devBucket without an endpoint).
 */
export function devLogStore(config: Pick<ResolvedConfig, 'region' | 'storage'>): LogStore | undefined {
  const { devBucket, endpointUrl } = config.storage;
  if (!devBucket || !endpointUrl) return undefined;
  return { bucket: devBucket, region: config.region, endpointUrl };
}

/** The stack's bucket on AWS (or on `storage.endpointUrl` when one is configured). */
export function clusterLogStore(config: Pick<ResolvedConfig, 'region' | 'storage'>, bucket: string): LogStore {
  return { bucket, region: config.region, ...(config.storage.endpointUrl ? { endpointUrl: config.storage.endpointUrl } : {}) };
}

export interface TaskLogRef {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
}

/**
 * Key prefix of every try of a task instance. Mirrors Airflow 3's default `[logging] log_filename_template`
 * (unchanged through 3.3): `dag_id={{ ti.dag_id }}/run_id={{ ti.run_id }}/task_id={{ ti.task_id }}/
 * {% if ti.map_index >= 0 %}map_index={{ ti.map_index }}/{% endif %}attempt={{ try_number }}.log`.
 * Ids are used verbatim, as Airflow does (S3 keys may hold `:` and `+`).
 */
export function taskLogPrefix(ref: TaskLogRef): string {
  return `${S3_PREFIXES.logs}dag_id=${ref.dagId}/run_id=${ref.runId}/task_id=${ref.taskId}/`;
}

/** Key of one try's log; `mapIndex` -1 (or absent) for an unmapped task. */
export function taskLogKey(ref: TaskLogRef & { readonly tryNumber: number; readonly mapIndex?: number }): string {
  const mapped = ref.mapIndex !== undefined && ref.mapIndex >= 0 ? `map_index=${ref.mapIndex}/` : '';
  return `${taskLogPrefix(ref)}${mapped}attempt=${ref.tryNumber}.log`;
}

export interface TaskLogObject {
  readonly key: string;
  readonly tryNumber: number;
  /** -1 for an unmapped task. */
  readonly mapIndex: number;
}

/** The try and map index of a key under `taskLogPrefix(ref)`; undefined for anything else under the prefix. */
export function parseTaskLogKey(ref: TaskLogRef, key: string): TaskLogObject | undefined {
  const prefix = taskLogPrefix(ref);
  if (!key.startsWith(prefix)) return undefined;
  const m = /^(?:map_index=(\d+)\/)?attempt=(\d+)\.log$/.exec(key.slice(prefix.length));
  if (!m) return undefined;
  return { key, tryNumber: Number(m[2]), mapIndex: m[1] === undefined ? -1 : Number(m[1]) };
}

/** The chosen try (default: the latest), every map index in order. */
export function pickTaskLogs(objects: readonly TaskLogObject[], tryNumber?: number): TaskLogObject[] {
  if (objects.length === 0) return [];
  const wanted = tryNumber ?? Math.max(...objects.map((o) => o.tryNumber));
  return objects.filter((o) => o.tryNumber === wanted).sort((a, b) => a.mapIndex - b.mapIndex);
}

/**
 * A stored log file as plain lines. Airflow 3 writes one JSON object per line (the REST API's structured entries);
 * older or foreign lines stay as they are.
 */
export function storedLogLines(text: string): string {
  const entries = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l): unknown => {
      try {
        const v: unknown = JSON.parse(l);
        return v && typeof v === 'object' ? v : l;
      } catch {
        return l;
      }
    });
  return formatLogContent(entries);
}
