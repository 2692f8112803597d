/**
 * The deployment bucket: Airflow task logs under `logs/`, DAG bundles under `dags/` (S3_PREFIXES). Private,
 * TLS only, SSE-KMS with a customer key (bucket key on, to keep KMS calls cheap), versioned, logs expire.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { S3_PREFIXES } from '../config/naming.js';
import type { ResolvedConfig } from '../config/resolved.js';

export interface StorageProps {
  readonly config: ResolvedConfig;
}

/** Old versions (overwritten or deleted objects) are kept this long, so an accidental overwrite can be undone. */
export const NONCURRENT_VERSION_DAYS = 30;

export class Storage extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const days = props.config.storage.logRetentionDays;
    this.key = new kms.Key(this, 'Key', {
      description: `${props.config.name}: Airflow logs and DAG bundles bucket`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      versioned: true,
      // Logs are evidence; `down` leaves the bucket (no autoDeleteObjects: that would add a Lambda).
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-task-logs',
          prefix: S3_PREFIXES.logs,
          expiration: Duration.days(days),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: 'expire-old-versions',
          noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          expiredObjectDeleteMarker: true,
        },
      ],
    });
    const noAccessLogs =
      'Server access logs would need a second bucket; only the deployment\'s own pod roles write here, and object-level auditing is done with CloudTrail data events.';
    Validations.of(this.bucket).acknowledge({ id: 'AwsSolutions-S1', reason: noAccessLogs });
    (this.bucket.node.defaultChild as s3.CfnBucket).addMetadata('checkov', { skip: [{ id: 'CKV_AWS_18', comment: noAccessLogs }] });
  }
}
