/**
 * Reading task logs that Airflow's S3 task handler wrote (src/airflow/remote-logs.ts decides the keys): list the
 * tries of one task instance, then fetch the chosen ones. Credentials come from the SDK's default chain.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { parseTaskLogKey, taskLogPrefix, type LogStore, type TaskLogObject, type TaskLogRef } from '../../airflow/remote-logs.js';
import { awsError } from './deploy-inputs.js';
import { s3Client } from './template-bucket.js';

export interface StoredTaskLog extends TaskLogObject {
  readonly text: string;
}

function client(store: LogStore) {
  return s3Client({ region: store.region, ...(store.endpointUrl ? { endpoint: store.endpointUrl } : {}) });
}

/** Every log object of the task instance (all tries and map indexes), in key order. */
export async function listTaskLogs(store: LogStore, ref: TaskLogRef): Promise<TaskLogObject[]> {
  const s3 = client(store);
  const prefix = taskLogPrefix(ref);
  const found: TaskLogObject[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) {
        const parsed = o.Key ? parseTaskLogKey(ref, o.Key) : undefined;
        if (parsed) found.push(parsed);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (e) {
    throw awsError(e, `listing s3://${store.bucket}/${prefix}`);
  } finally {
    s3.destroy();
  }
  return found;
}

/** The text of the given log objects, in the order given. */
export async function readTaskLogs(store: LogStore, objects: readonly TaskLogObject[]): Promise<StoredTaskLog[]> {
  const s3 = client(store);
  try {
    const out: StoredTaskLog[] = [];
    for (const o of objects) {
      try {
        const r = await s3.send(new GetObjectCommand({ Bucket: store.bucket, Key: o.key }));
        out.push({ ...o, text: (await r.Body?.transformToString('utf8')) ?? '' });
      } catch (e) {
        throw awsError(e, `reading s3://${store.bucket}/${o.key}`);
      }
    }
    return out;
  } finally {
    s3.destroy();
  }
}
