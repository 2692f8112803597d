/**
 * The whole `down` as a user runs it: the real binary against moto (through moto-server.py, which refuses to delete a
 * protected stack or database and leaves the database's final snapshot, as AWS does) and a real kube-apiserver with
 * a kwok node where `up` deployed Airflow. A second deployment, created with up's infrastructure step and whose EKS
 * cluster (moto's) does not answer, is removed with --delete-data.
 */
import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, UpdateTerminationProtectionCommand } from '@aws-sdk/client-cloudformation';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { DeleteObjectCommand, HeadBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import { STACK_OUTPUTS } from '../../../src/config/naming.js';
import { runCli, tempDir } from '../../support/cli.js';
import type { KubeTestCluster } from '../../support/kube-cluster.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { deployStackOnMoto } from '../../support/moto-stack.js';
import { startCluster } from './cluster.js';

const REGION = 'us-east-1';

interface DownJson {
  readonly deployed: boolean;
  readonly changed: boolean;
  readonly steps: readonly { readonly id: string; readonly changed: boolean; readonly summary: string; readonly data?: { order?: string[]; snapshots?: string[] } }[];
  readonly leftovers: readonly { readonly kind: string; readonly id: string; readonly command?: string }[];
}

describe('airflow-aws down (moto + a real kube-apiserver)', () => {
  let cluster: KubeTestCluster;
  let moto: MotoServer;
  let project: string;
  let outputs: Record<string, string> = {};
  const saved = { ...process.env };

  before(async () => {
    [cluster, moto] = await Promise.all([startCluster({ kwok: true }), startMoto()]);
    Object.assign(process.env, moto.env);
    project = tempDir();
    writeFileSync(path.join(project, 'airflow-aws.yaml'), `name: downdemo\nregion: ${REGION}\n`);
  });
  after(async () => {
    process.env = saved;
    await Promise.all([cluster?.stop(), moto?.stop()]);
  });

  const aws = () => ({ region: REGION, endpoint: moto.endpoint });
  const kube = () => {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    return { core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api) };
  };
  const cli = (args: readonly string[], cwd = project) => runCli(args, { cwd, env: moto.env, killAfterMs: 600_000 });
  const onCluster = ['--kube-context', 'kube-test', '--kubeconfig', () => cluster.kubeconfigPath] as const;
  const kubeFlags = () => onCluster.map((f) => (typeof f === 'function' ? f() : f));
  const stackStatus = async (name: string) =>
    new CloudFormationClient(aws())
      .send(new DescribeStacksCommand({ StackName: name }))
      .then((r) => r.Stacks?.[0]?.StackStatus)
      .catch((e: unknown) => (/does not exist/.test(String(e)) ? undefined : Promise.reject(e)));

  it('up deploys the stack and Airflow; the database is deletion-protected', async () => {
    const r = await cli(['up', '--yes', '--json', ...kubeFlags(), '--image', 'registry.example/airflow:1', '--timeout', '300']);
    assert.equal(r.code, 0, r.stderr);
    const stack = await new CloudFormationClient(aws()).send(new DescribeStacksCommand({ StackName: 'downdemo-airflow' }));
    outputs = Object.fromEntries((stack.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
    const db = (await new RDSClient(aws()).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'downdemo-airflow' }))).DBInstances?.[0];
    assert.equal(db?.DeletionProtection, true);

    // What owns AWS resources outside the stack: a load balancer and a volume.
    const { core } = kube();
    await core.createNamespacedService({
      namespace: 'airflow',
      body: { metadata: { name: 'public-ui' }, spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ port: 80 }] } },
    });
    await core.createNamespacedPersistentVolumeClaim({
      namespace: 'airflow',
      body: { metadata: { name: 'scratch' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    });
  });

  it('without a terminal and without --yes, shows the plan and exits 2 without changing anything', async () => {
    const r = await cli(['down', ...kubeFlags()]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /delete stack downdemo-airflow/);
    assert.match(r.stderr, /airflow-aws down --yes/);
    assert.equal(await stackStatus('downdemo-airflow'), 'CREATE_COMPLETE');
    const deployments = await kube().apps.listNamespacedDeployment({ namespace: 'airflow' });
    assert.ok(deployments.items.some((d) => (d.spec?.replicas ?? 0) > 0), 'Airflow still runs');
  });

  it('down --yes stops Airflow scheduler first, deletes load balancers, volumes and the stack, and keeps the data', async () => {
    const r = await cli(['down', '--yes', '--json', ...kubeFlags(), '--timeout', '300']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as DownJson;
    assert.deepEqual(out.steps.map((s) => [s.id, s.changed]), [['scale', true], ['load-balancers', true], ['volumes', true], ['stack', true], ['data', false]]);

    const order = out.steps.find((s) => s.id === 'scale')?.data?.order ?? [];
    assert.equal(order[0], 'Deployment airflow-scheduler', order.join(', '));
    assert.ok(order.length >= 3, order.join(', '));
    const { apps, core } = kube();
    const deployments = (await apps.listNamespacedDeployment({ namespace: 'airflow' })).items;
    assert.deepEqual(deployments.filter((d) => d.spec?.replicas !== 0).map((d) => d.metadata?.name), []);
    const services = (await core.listNamespacedService({ namespace: 'airflow' })).items.map((s) => s.metadata?.name);
    assert.ok(!services.includes('public-ui'), services.join(', '));
    assert.ok(services.includes('airflow-api-server'), 'a ClusterIP Service is left alone');
    assert.deepEqual((await core.listNamespacedPersistentVolumeClaim({ namespace: 'airflow' })).items, []);

    assert.equal(await stackStatus('downdemo-airflow'), undefined);
    await new S3Client({ ...aws(), forcePathStyle: true }).send(new HeadBucketCommand({ Bucket: outputs[STACK_OUTPUTS.bucketName] }));
    await new ECRClient(aws()).send(new DescribeRepositoriesCommand({ repositoryNames: ['downdemo/airflow'] }));

    const snapshots = out.steps.find((s) => s.id === 'stack')?.data?.snapshots ?? [];
    assert.equal(snapshots.length, 1);
    assert.match(snapshots[0]!, /^downdemo-airflow-snapshot-databaseinstance/);
    const left = out.leftovers.map((l) => `${l.kind} ${l.id} → ${l.command ?? '-'}`);
    assert.ok(left.includes(`snapshot ${snapshots[0]} → aws rds delete-db-snapshot --db-snapshot-identifier ${snapshots[0]} --region ${REGION}`), left.join('\n'));
    assert.ok(left.includes(`bucket ${outputs[STACK_OUTPUTS.bucketName]} → airflow-aws down --delete-data`), left.join('\n'));
    assert.ok(left.includes('repository downdemo/airflow → airflow-aws down --delete-data'), left.join('\n'));
    assert.ok(out.leftovers.filter((l) => l.kind === 'kms-key').length >= 3, 'the retained KMS keys are reported');
  });

  it('a second down says nothing is deployed and still lists what costs money', async () => {
    const r = await cli(['down', ...kubeFlags()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^nothing is deployed: stack downdemo-airflow does not exist in us-east-1/);
    assert.match(r.stdout, /remove: aws rds delete-db-snapshot --db-snapshot-identifier downdemo-airflow-snapshot-/);
  });

  /** A deployment's stack only, made in-process with up's infrastructure step; returns its outputs. */
  async function createStack(name: string): Promise<Record<string, string>> {
    const config = parseConfig(`name: ${name}\nregion: ${REGION}\n`, 'airflow-aws.yaml', '/tmp/project');
    return { ...(await deployStackOnMoto(config, moto.endpoint)) };
  }
  const projectFor = (name: string) => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'airflow-aws.yaml'), `name: ${name}\nregion: ${REGION}\n`);
    return dir;
  };

  it('down --yes --delete-data on a second deployment removes the bucket with every version and the repository', async () => {
    const bucket = (await createStack('wipe'))[STACK_OUTPUTS.bucketName];
    assert.ok(bucket);
    const s3 = new S3Client({ ...aws(), forcePathStyle: true });
    // The stack's bucket is versioned (src/infra/storage.ts); moto does not apply VersioningConfiguration from a
    // template, so it is turned on here to give down old versions and a delete marker to remove.
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'logs/a.log', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'logs/a.log', Body: 'two' }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'logs/a.log' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dags/dag.py', Body: 'x' }));

    const r = await cli(['down', '--yes', '--delete-data', '--timeout', '120'], projectFor('wipe'));
    assert.equal(r.code, 0, r.stderr);
    // moto's EKS cluster has no API server: the Kubernetes steps say so and the rest goes on.
    assert.match(r.stderr, /not scaling Airflow down: the cluster does not answer/);
    assert.match(r.stdout, /data: deleted bucket wipe-airflow-storagebucket\S+ \(4 object versions\), repository wipe\/airflow/);
    assert.equal(await stackStatus('wipe-airflow'), undefined);
    await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: bucket })), (e: { name?: string }) => e.name === 'NotFound');
    await assert.rejects(new ECRClient(aws()).send(new DescribeRepositoriesCommand({ repositoryNames: ['wipe/airflow'] })), /RepositoryNotFound|does not exist/);
    // The final snapshot is never deleted by --delete-data.
    assert.match(r.stdout, /snapshot wipe-airflow-snapshot-databaseinstance\S+: RDS snapshot/);
  });

  it('continues a deletion that failed on the protected database (DELETE_FAILED): lifts the protection and finishes', async () => {
    await createStack('stuck');
    const cfn = new CloudFormationClient(aws());
    // What a deletion outside the tool does: termination protection lifted, the database still protected.
    await cfn.send(new UpdateTerminationProtectionCommand({ StackName: 'stuck-airflow', EnableTerminationProtection: false }));
    await cfn.send(new DeleteStackCommand({ StackName: 'stuck-airflow' }));
    assert.equal(await stackStatus('stuck-airflow'), 'DELETE_FAILED');

    const r = await cli(['down', '--yes', '--timeout', '120'], projectFor('stuck'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /turned off deletion protection of RDS instance stuck-airflow/);
    assert.equal(await stackStatus('stuck-airflow'), undefined);
  });
});
