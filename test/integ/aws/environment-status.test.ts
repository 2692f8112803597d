/**
 * What `status` reads from AWS, against a real moto server: a stack naming its EKS cluster (output) and owning an
 * RDS instance (resource), the cluster's node group, and "nothing deployed" for a stack that does not exist.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateClusterCommand, CreateNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readAwsStatus } from '../../../src/adapters/aws/environment-status.js';
import { runCli, tempDir } from '../../support/cli.js';
import { startMoto, type MotoServer } from '../../support/moto.js';

const REGION = 'us-east-1';

describe('AWS environment status against moto', () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    const opts = { region: REGION, endpoint: moto.endpoint };
    const eks = new EKSClient(opts);
    await eks.send(
      new CreateClusterCommand({
        name: 'demo-cluster',
        version: '1.33',
        roleArn: 'arn:aws:iam::123456789012:role/eks',
        resourcesVpcConfig: { subnetIds: ['subnet-1', 'subnet-2'] },
      }),
    );
    await eks.send(
      new CreateNodegroupCommand({
        clusterName: 'demo-cluster',
        nodegroupName: 'Nodes',
        nodeRole: 'arn:aws:iam::123456789012:role/nodes',
        subnets: ['subnet-1'],
        scalingConfig: { desiredSize: 2, minSize: 1, maxSize: 4 },
      }),
    );
    eks.destroy();
    const template = {
      Resources: {
        Database: {
          Type: 'AWS::RDS::DBInstance',
          Properties: {
            DBInstanceIdentifier: 'demo-db',
            Engine: 'postgres',
            EngineVersion: '16.4',
            DBInstanceClass: 'db.t4g.micro',
            AllocatedStorage: '20',
            MasterUsername: 'postgres',
            MasterUserPassword: 'not-a-secret-1',
          },
        },
      },
      Outputs: { ClusterName: { Value: 'demo-cluster' } },
    };
    const cfn = new CloudFormationClient(opts);
    await cfn.send(new CreateStackCommand({ StackName: 'demo-airflow', TemplateBody: JSON.stringify(template) }));
    cfn.destroy();
  });
  after(async () => moto?.stop());

  it('reports the stack, its last event, the cluster, the node group sizes and the database', async () => {
    const s = await readAwsStatus({ region: REGION, endpoint: moto.endpoint }, 'demo-airflow');
    assert.equal(s.exists, true);
    if (!s.exists) return;
    assert.equal(s.stack.status, 'CREATE_COMPLETE');
    assert.ok(s.stack.lastEvent, 'a last event');
    assert.match(s.stack.lastEvent.status, /COMPLETE/);
    assert.match(s.stack.lastEvent.time, /^\d{4}-\d{2}-\d{2}T/);
    assert.deepEqual(s.cluster, { name: 'demo-cluster', status: 'ACTIVE', version: '1.33' });
    assert.deepEqual(
      s.nodegroups.map(({ name, status, desired, min, max }) => ({ name, status, desired, min, max })),
      [{ name: 'Nodes', status: 'ACTIVE', desired: 2, min: 1, max: 4 }],
    );
    assert.equal(s.databases.length, 1);
    assert.equal(s.databases[0]?.id, 'demo-db');
    assert.equal(s.databases[0]?.status, 'available');
    assert.match(s.databases[0]?.engine ?? '', /^postgres/);
  });

  it('says "nothing deployed" for a stack that does not exist, without an error', async () => {
    assert.deepEqual(await readAwsStatus({ region: REGION, endpoint: moto.endpoint }, 'never-deployed-airflow'), {
      exists: false,
      stackName: 'never-deployed-airflow',
      region: REGION,
    });
  });

  it('reports a cluster the stack names but EKS does not know as NOT_FOUND', async () => {
    const cfn = new CloudFormationClient({ region: REGION, endpoint: moto.endpoint });
    const template = { Resources: { Topic: { Type: 'AWS::SNS::Topic' } }, Outputs: { ClusterName: { Value: 'deleted-cluster' } } };
    await cfn.send(new CreateStackCommand({ StackName: 'orphan-airflow', TemplateBody: JSON.stringify(template) }));
    cfn.destroy();
    const s = await readAwsStatus({ region: REGION, endpoint: moto.endpoint }, 'orphan-airflow');
    assert.equal(s.exists, true);
    if (!s.exists) return;
    assert.deepEqual(s.cluster, { name: 'deleted-cluster', status: 'NOT_FOUND' });
    assert.deepEqual(s.nodegroups, []);
    assert.deepEqual(s.databases, []);
  });

  it('`airflow-aws status` says "nothing deployed" and exits 3 when the stack does not exist', async () => {
    const project = tempDir();
    writeFileSync(path.join(project, 'airflow-aws.yaml'), 'name: ghost\nregion: us-east-1\n');
    for (const json of [false, true]) {
      const r = await runCli(['status', ...(json ? ['--json'] : [])], { cwd: project, env: { ...moto.env, HOME: project }, killAfterMs: 60_000 });
      assert.equal(r.code, 3, r.stderr);
      if (json) {
        const out = JSON.parse(r.stdout) as { state: string; aws: { exists: boolean; stackName: string } };
        assert.equal(out.state, 'not-deployed');
        assert.deepEqual(out.aws, { exists: false, stackName: 'ghost-airflow', region: 'us-east-1' });
      } else {
        assert.match(r.stdout, /^nothing deployed: ghost \(Airflow [\d.]+\) — no stack ghost-airflow in us-east-1\n$/);
        assert.match(r.stderr, /create it with: airflow-aws up/);
      }
    }
  });
});
