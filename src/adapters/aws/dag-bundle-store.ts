/**
 * The S3 side of a DAG bundle: list the objects under the bundle prefix, read and write the manifest, upload files,
 * delete removed ones, and say who the caller is. The only module of `dags deploy`/`dags status` that talks to AWS.
 *
 * The manifest is the body of the prefix's own key (`dags/s3_dags/`). S3DagBundle skips keys ending in "/" when it
 * syncs, so the manifest never lands among the DAG files, and it stays inside the one prefix the pod roles may read;
 * the same object makes the prefix exist for the bundle's existence check even when the DAG folder is empty.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import type { BundleManifest, RemoteObject } from '../../dags/plan.js';
import { awsError, type AwsTarget } from './deploy-inputs.js';
import { s3Client } from './template-bucket.js';

/** DeleteObjects takes at most 1000 keys per call. */
const DELETE_BATCH = 1000;

export class DagBundleStore {
  private readonly s3: S3Client;

  constructor(
    private readonly target: AwsTarget,
    readonly bucket: string,
    /** With the trailing slash, e.g. `dags/s3_dags/`. */
    readonly prefix: string,
  ) {
    this.s3 = s3Client(target);
  }

  destroy(): void {
    this.s3.destroy();
  }

  /** A missing bucket means the stack's storage is gone or was never created: point at `up`. */
  async assertBucket(): Promise<void> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (err.name === 'NotFound' || err.name === 'NoSuchBucket' || err.$metadata?.httpStatusCode === 404) {
        throw new UserError(`the deployment bucket ${this.bucket} does not exist`, {
          code: 'DAGS_BUCKET_MISSING',
          exitCode: EXIT_BAD_INPUT,
          hint: 'create (or repair) the infrastructure with `airflow-aws up`, then deploy the DAGs again',
          cause: e,
        });
      }
      throw awsError(e, `checking the bucket ${this.bucket}`);
    }
  }

  /** Every object under the prefix except the prefix's own key (the manifest), paths relative to the prefix. */
  async list(): Promise<RemoteObject[]> {
    const out: RemoteObject[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.s3.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key === this.prefix || o.Key.endsWith('/')) continue;
          out.push({ path: o.Key.slice(this.prefix.length), size: o.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw awsError(e, `listing s3://${this.bucket}/${this.prefix}`);
    }
    return out;
  }

  /** The manifest's text, or undefined before the first deploy. */
  async readManifest(): Promise<string | undefined> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix }));
      return await r.Body?.transformToString('utf8');
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404) return undefined;
      throw awsError(e, `reading s3://${this.bucket}/${this.prefix}`);
    }
  }

  async upload(relPath: string, body: Uint8Array, sha256Hex: string): Promise<void> {
    const key = this.prefix + relPath;
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          // S3 verifies the upload against our digest; a corrupted transfer fails instead of landing.
          ChecksumSHA256: Buffer.from(sha256Hex, 'hex').toString('base64'),
          ContentType: relPath.endsWith('.py') ? 'text/x-python' : 'application/octet-stream',
        }),
      );
    } catch (e) {
      throw awsError(e, `uploading s3://${this.bucket}/${key}`);
    }
  }

  async writeManifest(m: BundleManifest): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix, Body: `${JSON.stringify(m, null, 2)}\n`, ContentType: 'application/json' }),
      );
    } catch (e) {
      throw awsError(e, `writing the manifest s3://${this.bucket}/${this.prefix}`);
    }
  }

  async remove(relPaths: readonly string[]): Promise<void> {
    for (let i = 0; i < relPaths.length; i += DELETE_BATCH) {
      const batch = relPaths.slice(i, i + DELETE_BATCH);
      try {
        const r = await this.s3.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((p) => ({ Key: this.prefix + p })), Quiet: true } }),
        );
        const failed = r.Errors ?? [];
        if (failed.length > 0) {
          throw new UserError(`S3 refused to delete ${failed.length} object(s) from ${this.bucket}`, {
            code: 'DAGS_DELETE_FAILED',
            details: failed.slice(0, 10).map((f) => `${f.Key}: ${f.Code} ${f.Message ?? ''}`.trim()),
            hint: 'the new files are live; run `airflow-aws dags deploy` again to retry the deletions',
          });
        }
      } catch (e) {
        if (UserError.is(e)) throw e;
        throw awsError(e, `deleting removed DAG files from s3://${this.bucket}/${this.prefix}`);
      }
    }
  }
}

/** The caller's ARN, recorded in the manifest as who uploaded. */
export async function callerArn(t: AwsTarget): Promise<string> {
  const sts = new STSClient({ region: t.region, ...(t.endpoint ? { endpoint: t.endpoint } : {}), maxAttempts: 3 });
  try {
    const r = await sts.send(new GetCallerIdentityCommand({}));
    return r.Arn ?? 'unknown';
  } catch (e) {
    throw awsError(e, 'reading the caller identity (sts:GetCallerIdentity)');
  } finally {
    sts.destroy();
  }
}
