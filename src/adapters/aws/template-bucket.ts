/**
 * The tool's own bucket for CloudFormation templates. Our template is over CloudFormation's 51,200-byte inline
 * limit, so it must be uploaded; we chose one private bucket per account and region over `cdk bootstrap`
 * because bootstrap also creates IAM roles (one with AdministratorAccess for CloudFormation), an ECR repository
 * and an SSM parameter — a footprint many accounts forbid and that `down` could not remove without breaking other
 * CDK apps. This bucket holds nothing but templates (content-addressed by the CDK), expires them, and is shared
 * by every airflow-aws deployment in the account and region. See docs/up.md.
 */
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { UserError } from '../../errors/user-error.js';
import type { AwsTarget } from './deploy-inputs.js';

export { templateBucketName } from '../../config/naming.js';

/** Templates are needed only while a change set is created; later deploys upload theirs again if gone. */
export const TEMPLATE_EXPIRY_DAYS = 30;

export function s3Client(t: AwsTarget): S3Client {
  // A custom endpoint (an emulator, a VPC endpoint) may not serve bucket subdomains; path-style works with all.
  const custom = Boolean(t.endpoint ?? process.env['AWS_ENDPOINT_URL_S3'] ?? process.env['AWS_ENDPOINT_URL']);
  return new S3Client({ region: t.region, ...(t.endpoint ? { endpoint: t.endpoint } : {}), forcePathStyle: custom, maxAttempts: 3 });
}

export type BucketState = 'exists' | 'absent';

export async function templateBucketState(s3: S3Client, bucket: string): Promise<BucketState> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return 'exists';
  } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404) return 'absent';
    if (err.$metadata?.httpStatusCode === 403) {
      throw new UserError(`the template bucket ${bucket} exists but this account cannot use it`, {
        code: 'TEMPLATE_BUCKET_FORBIDDEN',
        hint: 'it belongs to another account, or your credentials lack s3:ListBucket/s3:PutObject on it',
        cause: e,
      });
    }
    throw e;
  }
}

/** Creates the bucket private, encrypted and expiring; a bucket that already exists is left as it is. */
export async function ensureTemplateBucket(s3: S3Client, bucket: string, region: string): Promise<'created' | 'exists'> {
  if ((await templateBucketState(s3, bucket)) === 'exists') return 'exists';
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the one region that refuses an explicit LocationConstraint.
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } catch (e) {
    // Two `up`s racing in the same account: the other one created it.
    if ((e as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw e;
  }
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    }),
  );
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: {
        Rules: [{ ID: 'expire-templates', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: TEMPLATE_EXPIRY_DAYS } }],
      },
    }),
  );
  await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'airflow-aws:purpose', Value: 'cloudformation-templates' }] } }));
  return 'created';
}
