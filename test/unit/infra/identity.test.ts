import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPONENTS, secretsBackendPrefixes, serviceAccountName, type Component } from '../../../src/config/naming.js';
import { s3BundlePrefix } from '../../../src/dags/bundle.js';
import { componentPermissions, type ComponentPermissions } from '../../../src/infra/permissions.js';
import { pascal } from '../../../src/infra/identity.js';
import { testConfig } from './config-fixture.js';
import { resourcesOf, synth } from './template-fixture.js';

const KE = testConfig();
const LOCAL = testConfig('airflow: {executor: LocalExecutor}');

describe('component permissions', () => {
  const all = ['connections', 'variables', 'config'];
  const table: [Component, typeof KE, ComponentPermissions][] = [
    ['api-server', KE, { logs: 'read', readDags: false, secrets: all as never }],
    ['scheduler', KE, { logs: 'none', readDags: false, secrets: ['config'] }],
    ['scheduler', LOCAL, { logs: 'read-write', readDags: true, secrets: all as never }],
    ['dag-processor', KE, { logs: 'none', readDags: true, secrets: all as never }],
    ['triggerer', KE, { logs: 'read-write', readDags: true, secrets: all as never }],
    ['worker', KE, { logs: 'read-write', readDags: true, secrets: all as never }],
  ];
  for (const [component, config, expected] of table) {
    it(`grants the ${component} (${config.airflow.executor}) logs ${expected.logs}, dags ${expected.readDags ? 'read' : 'none'}, secrets ${expected.secrets.join('/')}`, () => {
      assert.deepEqual(componentPermissions(component, config), expected);
    });
  }
});

describe('identity', () => {
  it('associates one role per component with its ServiceAccount in the configured namespace', () => {
    const { template } = synth('kubernetes: {namespace: data-platform}');
    const assocs = Object.values(resourcesOf(template, 'AWS::EKS::PodIdentityAssociation'));
    assert.equal(assocs.length, COMPONENTS.length);
    const clusterId = Object.keys(resourcesOf(template, 'AWS::EKS::Cluster'))[0]!;
    for (const c of COMPONENTS) {
      const a = assocs.find((x) => x.Properties['ServiceAccount'] === serviceAccountName(c));
      assert.ok(a, `association for ${c}`);
      assert.equal(a.Properties['Namespace'], 'data-platform');
      assert.deepEqual(a.Properties['ClusterName'], { Ref: clusterId });
      assert.deepEqual(a.Properties['RoleArn'], { 'Fn::GetAtt': [roleId(template, c), 'Arn'] });
    }
  });

  it('lets only EKS Pod Identity assume each role (AssumeRole + TagSession), for its cluster, namespace and ServiceAccount', () => {
    const { template } = synth();
    const roles = resourcesOf(template, 'AWS::IAM::Role');
    for (const c of COMPONENTS) {
      const doc = roles[roleId(template, c)]!.Properties['AssumeRolePolicyDocument'] as { Statement: any[] };
      assert.equal(doc.Statement.length, 1);
      const s = doc.Statement[0];
      assert.equal(s.Effect, 'Allow');
      assert.deepEqual(s.Principal, { Service: 'pods.eks.amazonaws.com' });
      assert.deepEqual([s.Action].flat().sort(), ['sts:AssumeRole', 'sts:TagSession']);
      assert.equal(s.Condition.StringEquals['aws:RequestTag/kubernetes-namespace'], 'airflow');
      assert.equal(s.Condition.StringEquals['aws:RequestTag/kubernetes-service-account'], serviceAccountName(c));
      assert.ok(s.Condition.StringEquals['aws:RequestTag/eks-cluster-arn'], 'scoped to the cluster');
    }
  });

  it('renders each role policy from the permissions table and nothing more', () => {
    for (const config of ['', 'airflow: {executor: LocalExecutor}']) {
      const { template } = synth(config);
      const policies = resourcesOf(template, 'AWS::IAM::Policy');
      for (const c of COMPONENTS) {
        const p = componentPermissions(c, testConfig(config));
        const policy = Object.values(policies).find((x) => JSON.stringify(x.Properties['Roles']).includes(roleId(template, c)));
        assert.ok(policy, `policy of ${c}`);
        const statements = (policy.Properties['PolicyDocument'] as { Statement: any[] }).Statement;
        const actions = statements.flatMap((s) => [s.Action].flat()).sort();
        const expected = [
          ...(p.logs !== 'none' ? ['s3:ListBucket', 's3:GetObject'] : []),
          ...(p.logs === 'read-write' ? ['s3:PutObject'] : []),
          ...(p.readDags ? ['s3:ListBucket', 's3:GetObject'] : []),
          ...(p.logs !== 'none' || p.readDags ? ['kms:Decrypt'] : []),
          ...(p.logs === 'read-write' ? ['kms:GenerateDataKey'] : []),
          ...(p.secrets.length ? ['secretsmanager:GetSecretValue'] : []),
        ].sort();
        assert.deepEqual(actions, expected, c);
        const text = JSON.stringify(statements);
        assert.ok(!text.includes('"*"'), `${c}: no bare * resource or action`);
        for (const s of ['connections', 'variables', 'config'] as const) {
          assert.equal(text.includes(`:secret:airflow-aws/demo/${s}/*`), p.secrets.includes(s), `${c} reads ${s}`);
        }
        assert.ok(!text.includes('airflow-aws/demo/database'), `${c} cannot read the database secret`);
      }
    }
  });

  it('limits DAG bundle access to reading the dags/ prefix, which covers every call S3DagBundle makes', () => {
    const glob = (pattern: string, value: string) => new RegExp(`^${pattern.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
    // The provider lists the parent level ("dags/", its existence check of dags/s3_dags) and the bundle prefix
    // (the sync), then reads each object under it.
    const prefix = s3BundlePrefix();
    const listed = ['dags/', prefix];
    const read = `${prefix}etl/daily.py`;
    for (const config of ['dags: {source: s3}', 'dags: {source: s3}\nairflow: {executor: LocalExecutor}']) {
      const { template } = synth(config);
      const policies = resourcesOf(template, 'AWS::IAM::Policy');
      for (const c of COMPONENTS) {
        const p = componentPermissions(c, testConfig(config));
        const policy = Object.values(policies).find((x) => JSON.stringify(x.Properties['Roles']).includes(roleId(template, c)))!;
        const statements = (policy.Properties['PolicyDocument'] as { Statement: any[] }).Statement;
        const dags = statements.filter((s) => JSON.stringify(s).includes('dags/'));
        if (!p.readDags) {
          assert.deepEqual(dags, [], `${c} has no access to DAG bundles`);
          continue;
        }
        const list = dags.find((s) => s.Action === 's3:ListBucket');
        const get = dags.find((s) => s.Action === 's3:GetObject');
        assert.equal(dags.length, 2, `${c}: one list and one read statement, nothing that writes`);
        const listPrefixes: string[] = list.Condition.StringLike['s3:prefix'];
        assert.deepEqual(listPrefixes, ['dags/*'], `${c}: listing only under dags/`);
        for (const l of listed) assert.ok(listPrefixes.some((g) => glob(g, l)), `${c} may list ${l}`);
        assert.ok(!listPrefixes.some((g) => glob(g, '')), `${c} may not list the bucket root`);
        assert.ok(!listPrefixes.some((g) => glob(g, 'logs/')), `${c} may not list logs/ through the DAG statement`);
        const objects = JSON.stringify(get.Resource);
        assert.match(objects, /"\/dags\/\*"\]/, `${c}: objects under dags/ only`);
        assert.ok(glob('dags/*', read), `${c} may read ${read}`);
      }
    }
  });

  it('grants Secrets Manager reads on exactly the backend prefix ARNs of the component, and nothing else', () => {
    for (const extra of ['', 'airflow: {executor: LocalExecutor}']) {
      const { template } = synth(extra);
      const config = testConfig(extra);
      const prefixes = secretsBackendPrefixes(config);
      const arn = (prefix: string) => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:secret:${prefix}/*`]],
      });
      const policies = resourcesOf(template, 'AWS::IAM::Policy');
      for (const c of COMPONENTS) {
        const policy = Object.values(policies).find((x) => JSON.stringify(x.Properties['Roles']).includes(roleId(template, c)))!;
        const statements = (policy.Properties['PolicyDocument'] as { Statement: any[] }).Statement;
        const secretStatements = statements.filter((s) => JSON.stringify(s).includes('secretsmanager'));
        const granted = componentPermissions(c, config).secrets;
        if (granted.length === 0) {
          assert.deepEqual(secretStatements, [], c);
          continue;
        }
        assert.equal(secretStatements.length, 1, `${c}: one Secrets Manager statement`);
        const s = secretStatements[0];
        assert.equal(s.Effect, 'Allow');
        assert.equal(s.Action, 'secretsmanager:GetSecretValue', `${c}: read only`);
        assert.equal(s.Condition, undefined);
        assert.deepEqual([s.Resource].flat(), granted.map((k) => arn(prefixes[k])), `${c}: the prefix ARNs, nothing wider`);
      }
    }
  });

  it('lets no role of the stack write, create, delete or restore secrets, or change their policies', () => {
    for (const extra of ['', 'airflow: {executor: LocalExecutor}']) {
      const { template } = synth(extra);
      const docs = [
        ...Object.values(resourcesOf(template, 'AWS::IAM::Policy')).map((p) => p.Properties['PolicyDocument']),
        ...Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy')).map((p) => p.Properties['PolicyDocument']),
        ...Object.values(resourcesOf(template, 'AWS::IAM::Role')).flatMap((r) => ((r.Properties['Policies'] as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument)),
      ] as { Statement: { Action: string | string[] }[] }[];
      const actions = docs.flatMap((d) => d.Statement.flatMap((s) => [s.Action].flat()));
      const secretActions = [...new Set(actions.filter((a) => a.startsWith('secretsmanager:') || a === '*'))];
      assert.deepEqual(secretActions, ['secretsmanager:GetSecretValue'], extra || 'default config');
    }
  });

  it('limits task-log access to the logs/ prefix of the stack bucket: read-write for task writers, read-only for the api-server', () => {
    for (const config of ['', 'airflow: {executor: LocalExecutor}']) {
      const { template } = synth(config);
      const bucketId = Object.keys(resourcesOf(template, 'AWS::S3::Bucket'))[0]!;
      const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
      const logObjects = { 'Fn::Join': ['', [bucketArn, '/logs/*']] };
      const policies = resourcesOf(template, 'AWS::IAM::Policy');
      for (const c of COMPONENTS) {
        const p = componentPermissions(c, testConfig(config));
        const policy = Object.values(policies).find((x) => JSON.stringify(x.Properties['Roles']).includes(roleId(template, c)))!;
        const statements = (policy.Properties['PolicyDocument'] as { Statement: any[] }).Statement;
        const list = statements.find((s) => s.Sid === 'ListLogs');
        const objects = statements.find((s) => s.Sid === 'ReadLogs' || s.Sid === 'ReadWriteLogs');
        if (p.logs === 'none') {
          assert.equal(list, undefined, c);
          assert.equal(objects, undefined, c);
          continue;
        }
        assert.deepEqual(list.Resource, bucketArn, `${c}: ListBucket on the bucket only`);
        assert.deepEqual(list.Condition, { StringLike: { 's3:prefix': ['logs/*'] } }, `${c}: listing only under logs/`);
        assert.deepEqual(objects.Resource, logObjects, `${c}: objects under logs/ only`);
        assert.deepEqual([objects.Action].flat().sort(), p.logs === 'read' ? ['s3:GetObject'] : ['s3:GetObject', 's3:PutObject'], c);
        assert.equal(objects.Effect, 'Allow');
      }
      // Who writes: the worker and triggerer always; the scheduler only when it runs tasks (LocalExecutor).
      const writers = COMPONENTS.filter((c) => componentPermissions(c, testConfig(config)).logs === 'read-write');
      assert.deepEqual(writers, config ? ['scheduler', 'triggerer', 'worker'] : ['triggerer', 'worker']);
      assert.equal(componentPermissions('api-server', testConfig(config)).logs, 'read');
    }
  });

  it('creates no IAM user and no access key', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::IAM::User', 0);
    template.resourceCountIs('AWS::IAM::AccessKey', 0);
  });
});

function roleId(template: ReturnType<typeof synth>['template'], c: Component): string {
  const id = Object.keys(resourcesOf(template, 'AWS::IAM::Role')).find((k) => k.startsWith(`IdentityRole${pascal(c)}`));
  assert.ok(id, `role of ${c}`);
  return id;
}
