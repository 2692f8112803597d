import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { resourcesOf, synth } from './template-fixture.js';

describe('storage', () => {
  it('blocks public access, encrypts with KMS, versions, and is retained', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } },
          ],
        },
      }),
    });
  });

  it('refuses non-TLS requests in the bucket policy', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('expires logs/ after storage.logRetentionDays, with their old versions', () => {
    const { template } = synth('storage: {logRetentionDays: 14}');
    const [bucket] = Object.values(resourcesOf(template, 'AWS::S3::Bucket'));
    const rules = (bucket!.Properties['LifecycleConfiguration'] as { Rules: any[] }).Rules;
    const logs = rules.find((r) => r.Prefix === 'logs/');
    assert.equal(logs.ExpirationInDays, 14);
    assert.equal(logs.NoncurrentVersionExpiration.NoncurrentDays, 1);
    assert.ok(rules.some((r) => r.Prefix === undefined && r.NoncurrentVersionExpiration), 'old versions expire everywhere');
  });

  it('adds no auto-delete machinery', () => {
    const { template } = synth();
    assert.ok(!JSON.stringify(template.toJSON()).includes('auto-delete-objects'));
  });
});

describe('registry', () => {
  it('scans on push, keeps the newest keepImages images, has immutable tags and KMS encryption, and is retained', () => {
    const { template } = synth('registry: {keepImages: 12}');
    template.hasResource('AWS::ECR::Repository', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        RepositoryName: 'demo/airflow',
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        EncryptionConfiguration: { EncryptionType: 'KMS' },
      }),
    });
    const [repo] = Object.values(resourcesOf(template, 'AWS::ECR::Repository'));
    const policy = JSON.parse((repo!.Properties['LifecyclePolicy'] as { LifecyclePolicyText: string }).LifecyclePolicyText);
    assert.deepEqual(policy.rules.map((r: any) => r.selection), [{ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 12 }]);
  });

  it('follows registry.repositoryName and scanOnPush', () => {
    const { template } = synth('registry: {repositoryName: team/airflow-prod, scanOnPush: false}');
    template.hasResourceProperties('AWS::ECR::Repository', { RepositoryName: 'team/airflow-prod', ImageScanningConfiguration: { ScanOnPush: false } });
  });
});
