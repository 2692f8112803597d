import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { resourcesOf, synth } from './template-fixture.js';

describe('database', () => {
  it('is private, KMS-encrypted gp3 PostgreSQL with the configured engine, name, storage and backups', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: '18.3',
      DBName: 'airflow',
      DBInstanceClass: 'db.t4g.medium',
      PubliclyAccessible: false,
      StorageEncrypted: true,
      KmsKeyId: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseKey'), 'Arn'] }),
      StorageType: 'gp3',
      AllocatedStorage: '20',
      MaxAllocatedStorage: 100,
      MultiAZ: false,
      BackupRetentionPeriod: 7,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
    });
  });

  it('forces TLS through its own parameter group (rds.force_ssl=1)', () => {
    const { template } = synth();
    const groups = resourcesOf(template, 'AWS::RDS::DBParameterGroup');
    const [groupId, group] = Object.entries(groups)[0]!;
    assert.equal(Object.keys(groups).length, 1);
    assert.equal(group.Properties['Family'], 'postgres18');
    assert.deepEqual(group.Properties['Parameters'], { 'rds.force_ssl': '1' });
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBParameterGroupName: { Ref: groupId } });
  });

  for (const [what, extra, protection] of [
    ['on by default', '', true],
    ['off when the config says so', 'database: {deletionProtection: false}', false],
  ] as const) {
    it(`keeps a snapshot on removal and deletion protection ${what}`, () => {
      const { template } = synth(extra);
      template.hasResource('AWS::RDS::DBInstance', {
        DeletionPolicy: 'Snapshot',
        UpdateReplacePolicy: 'Snapshot',
        Properties: Match.objectLike({ DeletionProtection: protection }),
      });
    });
  }

  it('follows the config for engine, class, storage, multi-AZ and backups', () => {
    const { template } = synth(
      'database: {engineVersion: "16.10", instanceClass: db.r7g.large, storageGiB: 50, maxStorageGiB: 500, multiAz: true, backupRetentionDays: 14}',
    );
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      EngineVersion: '16.10',
      DBInstanceClass: 'db.r7g.large',
      AllocatedStorage: '50',
      MaxAllocatedStorage: 500,
      MultiAZ: true,
      BackupRetentionPeriod: 14,
    });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'postgres16' });
  });

  it('accepts PostgreSQL on 5432 only from the EKS cluster security group', () => {
    const { template } = synth();
    const sgs = resourcesOf(template, 'AWS::EC2::SecurityGroup');
    const dbSgId = Object.keys(sgs).find((id) => id.startsWith('DatabaseSecurityGroup'))!;
    assert.ok(dbSgId, 'database security group exists');
    assert.equal(sgs[dbSgId]!.Properties['SecurityGroupIngress'], undefined, 'no inline ingress rules');
    const rules = Object.values(resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')).filter(
      (r) => JSON.stringify(r.Properties['GroupId']).includes(dbSgId),
    );
    assert.equal(rules.length, 1);
    const rule = rules[0]!.Properties;
    assert.equal(rule['IpProtocol'], 'tcp');
    assert.equal(rule['FromPort'], 5432);
    assert.equal(rule['ToPort'], 5432);
    assert.equal(rule['CidrIp'], undefined);
    assert.deepEqual(rule['SourceSecurityGroupId'], { 'Fn::GetAtt': [clusterId(template), 'ClusterSecurityGroupId'] });
    template.hasResourceProperties('AWS::RDS::DBInstance', { VPCSecurityGroups: [{ 'Fn::GetAtt': [dbSgId, 'GroupId'] }] });
  });

  it('keeps generated credentials in Secrets Manager under the deployment prefix, KMS-encrypted', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'airflow-aws/demo/database',
      KmsKeyId: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseKey'), 'Arn'] }),
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"airflow"}' }),
    });
  });

  it('creates the PostgreSQL log groups itself, with the configured retention, before the instance', () => {
    const { template } = synth('storage: {logRetentionDays: 90}');
    for (const type of ['postgresql', 'upgrade']) {
      template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/rds/instance/demo-airflow/${type}`, RetentionInDays: 90 });
    }
    const [db] = Object.values(resourcesOf(template, 'AWS::RDS::DBInstance'));
    assert.equal(db!.DependsOn!.filter((d) => d.startsWith('DatabaseLogGroup')).length, 2);
  });
});

describe('database instance id output', () => {
  it('exposes the instance identifier as DatabaseInstanceId, a Ref to the unrenamed DatabaseInstance', () => {
    const outputs = synth().template.toJSON()['Outputs'] as Record<string, { Value: unknown }>;
    assert.deepEqual(outputs['DatabaseInstanceId']?.Value, { Ref: 'DatabaseInstanceAA8A5FDE' });
  });
});

function clusterId(template: ReturnType<typeof synth>['template']): string {
  return Object.keys(template.findResources('AWS::EKS::Cluster'))[0]!;
}
