import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { COMPONENTS, STACK_OUTPUTS } from '../../../src/config/naming.js';
import { checkTemplate } from '../../../src/infra/checks.js';
import { synthesizeTemplates } from '../../../src/infra/synthesize.js';
import { testConfig } from './config-fixture.js';
import { ARM_NODES, EXISTING_VPC, synth } from './template-fixture.js';

/** Configs that change the shape of the stack; every invariant must hold for each. */
const VARIANTS: [string, string][] = [
  ['defaults', ''],
  ['an existing VPC', EXISTING_VPC],
  ['Graviton nodes', ARM_NODES],
  ['LocalExecutor, private endpoint, multi-AZ, admins', `airflow: {executor: LocalExecutor}
cluster: {endpointAccess: private, adminPrincipalArns: ["arn:aws:iam::123456789012:role/admin"]}
database: {multiAz: true, deletionProtection: false}`],
  ['three AZs', 'network: {vpc: {maxAzs: 3, natGateways: 2}}'],
];

const FORBIDDEN = /^(AWS::Lambda::|Custom::|AWS::CloudFormation::CustomResource$|AWS::CloudFormation::Stack$|AWS::IAM::User$|AWS::IAM::AccessKey$)/;

describe('stack', () => {
  for (const [name, extra] of VARIANTS) {
    it(`has no Lambda, custom resource, nested stack, IAM user, access key, asset or parameter (${name})`, () => {
      const json = synth(extra).template.toJSON() as { Resources: Record<string, { Type: string }>; Parameters?: unknown; Rules?: unknown };
      const bad = Object.entries(json.Resources).filter(([, r]) => FORBIDDEN.test(r.Type));
      assert.deepEqual(bad, []);
      assert.equal(json.Parameters, undefined, 'no parameters (no bootstrap version, no SSM lookups)');
      assert.equal(json.Rules, undefined);
      assert.ok(!JSON.stringify(json).includes('AssetParameters') && !JSON.stringify(json).includes('cdk-hnb659fds'), 'no asset or bootstrap reference');
    });

    it(`passes our own template checks with no error (${name})`, () => {
      const errors = checkTemplate(synth(extra).template.toJSON()).filter((f) => f.severity === 'error');
      assert.deepEqual(errors, []);
    });

    it(`has an output for every STACK_OUTPUTS key (${name})`, () => {
      const outputs = Object.keys(synth(extra).template.toJSON()['Outputs'] as object).sort();
      const expected = [
        ...Object.values(STACK_OUTPUTS).filter((v) => typeof v === 'string'),
        ...COMPONENTS.map((c) => STACK_OUTPUTS.roleArn(c)),
      ].sort();
      assert.deepEqual(outputs, expected);
    });
  }

  it('tags every taggable resource with the deployment name and the config tags', () => {
    const { template } = synth('tags: {team: data, cost-center: "42"}');
    const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties?: { Tags?: unknown } }> };
    const taggable = ['AWS::EC2::VPC', 'AWS::EKS::Cluster', 'AWS::RDS::DBInstance', 'AWS::S3::Bucket', 'AWS::ECR::Repository', 'AWS::IAM::Role', 'AWS::KMS::Key', 'AWS::SecretsManager::Secret', 'AWS::EKS::PodIdentityAssociation'];
    for (const [id, r] of Object.entries(json.Resources).filter(([, r]) => taggable.includes(r.Type))) {
      const tags = JSON.stringify(r.Properties?.Tags ?? null);
      for (const t of ['airflow-aws:deployment', 'demo', 'team', 'data', 'cost-center', '42']) assert.ok(tags.includes(`"${t}"`), `${id} has ${t}: ${tags}`);
    }
    const nodeGroupTags = Object.values(template.findResources('AWS::EKS::Nodegroup'))[0]!['Properties']['Tags'];
    assert.deepEqual(nodeGroupTags, { 'airflow-aws:deployment': 'demo', team: 'data', 'cost-center': '42' });
  });

  it('keeps the logical ids of stateful and identity resources (renaming one replaces it)', () => {
    const json = synth().template.toJSON() as { Resources: Record<string, { Type: string }> };
    const idsOf = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type).map(([id]) => id).sort();
    assert.deepEqual(idsOf('AWS::RDS::DBInstance'), ['DatabaseInstanceAA8A5FDE']);
    assert.deepEqual(idsOf('AWS::SecretsManager::Secret'), ['demoairflowDatabaseInstanceSecretC0B577343fdaad7efa858a3daf9490cf0a702aeb']);
    assert.deepEqual(idsOf('AWS::EKS::Cluster'), ['ClusterEksDFE81F1F']);
    assert.deepEqual(idsOf('AWS::S3::Bucket'), ['StorageBucket5CB7C8EA']);
    assert.deepEqual(idsOf('AWS::ECR::Repository'), ['RegistryRepositoryC6C96DCD']);
    assert.deepEqual(idsOf('AWS::KMS::Key'), ['ClusterSecretsKey462B29B5', 'DatabaseKey5E5D9547', 'LogsKeyB5D1D597', 'StorageKeyBAA9457B']);
    assert.deepEqual(idsOf('AWS::EC2::VPC'), ['NetworkVpc7FB7348F']);
  });

  it('synthesizes without AWS credentials or AWS environment variables', () => {
    const saved = { ...process.env };
    const home = mkdtempSync(path.join(tmpdir(), 'no-aws-home-'));
    try {
      for (const k of Object.keys(process.env)) if (k.startsWith('AWS_') || k.startsWith('CDK_')) delete process.env[k];
      process.env['HOME'] = home; // no ~/.aws either
      const [t] = synthesizeTemplates(testConfig());
      assert.equal(t!.stackName, 'demo-airflow');
      assert.ok(Object.keys(t!.template.Resources ?? {}).length > 50);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('is deterministic: the same config gives the same template (so plan diffs show real changes only)', () => {
    const config = testConfig('cluster: {adminPrincipalArns: ["arn:aws:iam::123456789012:role/a"]}');
    assert.deepEqual(synthesizeTemplates(config), synthesizeTemplates(config));
  });

  it('names the stack after the deployment and describes it', () => {
    const [t] = synthesizeTemplates(testConfig());
    assert.equal(t!.stackName, 'demo-airflow');
    assert.match(String(t!.template['Description']), /airflow-aws: Apache Airflow 3\.3\.2 on EKS for "demo"/);
  });

  it('turns a config CDK cannot build into a UserError with exit code 2', () => {
    assert.throws(
      () => synthesizeTemplates(testConfig('network: {vpc: {cidr: 10.0.0.0/28, maxAzs: 3, natGateways: 1}}')),
      (e: unknown) => (e as { name?: string; code?: string; exitCode?: number }).name === 'UserError' && (e as { exitCode: number }).exitCode === 2,
    );
  });
});
