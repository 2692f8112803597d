/**
 * The AWS calls of `down` outside CloudFormation: lifting the database's deletion protection before the stack is
 * deleted, finding what the stack retains (bucket, registry, KMS keys — RemovalPolicy RETAIN — and the database's
 * final snapshot), and deleting the bucket and the repository on --delete-data. Everything is found by name or tag
 * from the config, so a rerun after the stack is gone still finds it.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
 */
import { DeleteRepositoryCommand, DescribeImagesCommand, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { DescribeKeyCommand, KMSClient, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { DeleteBucketCommand, DeleteObjectsCommand, ListBucketsCommand, ListObjectVersionsCommand, type ObjectIdentifier } from '@aws-sdk/client-s3';
import { stackName } from '../../config/naming.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { DEPLOYMENT_TAG, databaseInstanceIdentifier } from '../../infra/names.js';
import type { AwsTarget } from './cloudformation.js';
import { listSnapshots, rdsClient, type SnapshotInfo } from './db-snapshot.js';
import { ecrClient } from './ecr.js';
import { s3Client } from './template-bucket.js';

export type ProtectionChange = 'lifted' | 'already-off' | 'absent';

/** Turns RDS deletion protection off (applied immediately): CloudFormation cannot delete a protected instance. */
export async function liftDatabaseProtection(target: AwsTarget, instanceId: string): Promise<ProtectionChange> {
  const rds = rdsClient(target);
  try {
    const db = await rds
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }))
      .then((r) => r.DBInstances?.[0])
      .catch((e: unknown) => {
        if (/^DBInstanceNotFound(Fault)?$/.test((e as { name?: string }).name ?? '')) return undefined;
        throw e;
      });
    if (!db) return 'absent';
    if (!db.DeletionProtection) return 'already-off';
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: instanceId, DeletionProtection: false, ApplyImmediately: true }));
    return 'lifted';
  } finally {
    rds.destroy();
  }
}

export interface RetainedKey {
  readonly id: string;
  readonly description: string;
  /** Enabled, Disabled, PendingDeletion, ... */
  readonly state: string;
  readonly deletionDate?: Date;
}

/** What outlives the stack and is billed until someone deletes it. */
export interface Retained {
  readonly region: string;
  readonly bucket?: string;
  readonly repository?: { readonly name: string; readonly images: number };
  readonly snapshots: readonly SnapshotInfo[];
  readonly keys: readonly RetainedKey[];
}

/**
 * CloudFormation names the bucket `<stack>-<logical id>-<suffix>` (lower case); the logical id of the storage
 * bucket starts with `StorageBucket` (src/infra/storage.ts). The stack's BucketName output wins while it exists.
 */
export function bucketPrefix(config: Pick<ResolvedConfig, 'name'>): string {
  return `${stackName(config)}-storagebucket`.toLowerCase();
}

export async function findRetained(target: AwsTarget, config: ResolvedConfig, knownBucket?: string): Promise<Retained> {
  const [bucket, repository, snapshots, keys] = await Promise.all([
    knownBucket ? Promise.resolve(knownBucket) : findBucket(target, config),
    findRepository(target, config.registry.repositoryName),
    listSnapshots(target, databaseInstanceIdentifier(config)),
    findKeys(target, config.name),
  ]);
  return {
    region: target.region,
    ...(bucket ? { bucket } : {}),
    ...(repository ? { repository } : {}),
    snapshots,
    keys,
  };
}

async function findBucket(target: AwsTarget, config: ResolvedConfig): Promise<string | undefined> {
  const s3 = s3Client(target);
  try {
    const prefix = bucketPrefix(config);
    const out = await s3.send(new ListBucketsCommand({}));
    return out.Buckets?.map((b) => b.Name ?? '').find((n) => n.startsWith(prefix));
  } finally {
    s3.destroy();
  }
}

async function findRepository(target: AwsTarget, name: string): Promise<{ name: string; images: number } | undefined> {
  const ecr = ecrClient(target.region, target.endpoint);
  try {
    const found = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })).catch((e: unknown) => {
      if ((e as { name?: string }).name === 'RepositoryNotFoundException') return undefined;
      throw e;
    });
    if (!found?.repositories?.length) return undefined;
    let images = 0;
    let token: string | undefined;
    do {
      const page = await ecr.send(new DescribeImagesCommand({ repositoryName: name, ...(token ? { nextToken: token } : {}) }));
      images += page.imageDetails?.length ?? 0;
      token = page.nextToken;
    } while (token);
    return { name, images };
  } finally {
    ecr.destroy();
  }
}

/** Customer keys tagged with our deployment (the stack tags every resource it creates: src/infra/app.ts). */
async function findKeys(target: AwsTarget, deployment: string): Promise<RetainedKey[]> {
  const kms = new KMSClient({ region: target.region, ...(target.endpoint ? { endpoint: target.endpoint } : {}), maxAttempts: 3 });
  try {
    const ids: string[] = [];
    let marker: string | undefined;
    do {
      const page = await kms.send(new ListKeysCommand({ ...(marker ? { Marker: marker } : {}) }));
      for (const k of page.Keys ?? []) if (k.KeyId) ids.push(k.KeyId);
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    const out: RetainedKey[] = [];
    for (const id of ids) {
      // Keys of other services (aws/...) or with a policy that denies us: not ours to report.
      const tags = await kms.send(new ListResourceTagsCommand({ KeyId: id })).catch(() => undefined);
      if (tags?.Tags?.find((t) => t.TagKey === DEPLOYMENT_TAG)?.TagValue !== deployment) continue;
      const meta = (await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata;
      if (!meta || meta.KeyManager === 'AWS') continue;
      out.push({ id, description: meta.Description ?? '', state: meta.KeyState ?? 'unknown', ...(meta.DeletionDate ? { deletionDate: meta.DeletionDate } : {}) });
    }
    return out;
  } finally {
    kms.destroy();
  }
}

/**
 * Deletes every object version and delete marker (the bucket is versioned: a plain "delete all objects" leaves the
 * versions, and DeleteBucket then fails with BucketNotEmpty), then the bucket. Returns how many entries it deleted.
 */
export async function deleteBucket(target: AwsTarget, bucket: string, onProgress?: (deleted: number) => void): Promise<number> {
  const s3 = s3Client(target);
  try {
    let deleted = 0;
    for (;;) {
      // Always the first page: what was listed is deleted before listing again.
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
      const ids: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].flatMap((v) =>
        v.Key ? [{ Key: v.Key, ...(v.VersionId ? { VersionId: v.VersionId } : {}) }] : [],
      );
      if (ids.length === 0) break;
      const r = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: ids, Quiet: true } }));
      if (r.Errors?.length) {
        const e = r.Errors[0]!;
        throw new Error(`deleting ${e.Key ?? '?'} (version ${e.VersionId ?? '-'}) from ${bucket} failed: ${e.Code ?? ''} ${e.Message ?? ''}`);
      }
      deleted += ids.length;
      onProgress?.(deleted);
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    return deleted;
  } finally {
    s3.destroy();
  }
}

/** Deletes the repository with all its images (`force`: ECR refuses a non-empty repository otherwise). */
export async function deleteRepository(target: AwsTarget, name: string): Promise<void> {
  const ecr = ecrClient(target.region, target.endpoint);
  try {
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: name, force: true }));
  } finally {
    ecr.destroy();
  }
}
