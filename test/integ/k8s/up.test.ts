/**
 * The whole `up` as a user runs it: the real binary against moto (the AWS layers, through moto-server.py) and a
 * real kube-apiserver with a kwok node (the Kubernetes layer, "deploy to an existing cluster"). The database is the
 * stack's RDS instance as moto made it: its endpoint and master secret come from the stack outputs and Secrets
 * Manager, as on AWS (kwok "runs" the bootstrap Job). Run twice: the second run must report no changes in every
 * layer and change nothing.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { runCli, tempDir } from '../../support/cli.js';
import type { KubeTestCluster } from '../../support/kube-cluster.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { startCluster } from './cluster.js';

const config = (airflow: string) => `name: updemo\nregion: us-east-1\nairflow:\n  version: ${airflow}\n`;

interface UpJson {
  readonly changed: boolean;
  readonly steps: readonly { readonly id: string; readonly changed: boolean; readonly summary: string }[];
  readonly plan: readonly { readonly id: string; readonly changes: boolean }[];
}

describe('airflow-aws up (moto + a real kube-apiserver)', () => {
  let cluster: KubeTestCluster;
  let moto: MotoServer;
  let project: string;

  before(async () => {
    [cluster, moto] = await Promise.all([startCluster({ kwok: true }), startMoto()]);
    project = tempDir();
    writeFileSync(path.join(project, 'airflow-aws.yaml'), config('3.2.1'));
  });
  after(async () => {
    await Promise.all([cluster?.stop(), moto?.stop()]);
  });

  const up = (...extra: string[]) =>
    runCli(
      ['up', '--kube-context', 'kube-test', '--kubeconfig', cluster.kubeconfigPath, '--image', 'registry.example/airflow:1', '--timeout', '300', ...extra],
      { cwd: project, env: moto.env, killAfterMs: 600_000 },
    );

  it('without a terminal and without --yes, shows the plan and exits 2 without changing anything', async () => {
    const r = await up();
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /create stack updemo-airflow \(\d+ resources\)/);
    assert.match(r.stderr, /airflow-aws up --yes/);
    const cfn = new CloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await assert.rejects(cfn.send(new DescribeStacksCommand({ StackName: 'updemo-airflow' })), /does not exist/);
  });

  it('creates every layer, then a second run reports no changes in each', async () => {
    const first = await up('--yes', '--json');
    assert.equal(first.code, 0, first.stderr);
    const one = JSON.parse(first.stdout) as UpJson;
    assert.deepEqual(
      one.steps.map((s) => [s.id, s.changed]),
      [['infrastructure', true], ['access', false], ['image', false], ['kubernetes', true]],
    );
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'airflow' });
    assert.ok(pods.items.length > 0, 'Airflow pods exist');
    // The database master credentials came from the secret the stack made, into the bootstrap Job's Secret.
    const master = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: 'airflow', name: 'airflow-db-master' });
    assert.ok(master.data && Object.keys(master.data).length > 0, 'master credentials were copied for the bootstrap Job');
    // Remote task logs are on by default: into logs/ of the bucket the stack made (its BucketName output).
    const cfn = new CloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const outputs = (await cfn.send(new DescribeStacksCommand({ StackName: 'updemo-airflow' }))).Stacks?.[0]?.Outputs ?? [];
    const bucket = outputs.find((o) => o.OutputKey === 'BucketName')?.OutputValue;
    assert.ok(bucket, 'the stack has a BucketName output');
    const cm = (await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ namespace: 'airflow', name: 'airflow-config' })).data ?? {};
    assert.equal(cm['AIRFLOW__LOGGING__REMOTE_LOGGING'], 'True');
    assert.equal(cm['AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER'], `s3://${bucket}/logs`);
    assert.equal(cm['AIRFLOW_CONN_AWS_LOGS'], '{"conn_type":"aws","extra":{"region_name":"us-east-1"}}');

    const second = await up('--yes', '--json');
    assert.equal(second.code, 0, second.stderr);
    const two = JSON.parse(second.stdout) as UpJson;
    assert.equal(two.changed, false);
    assert.deepEqual(two.plan.map((s) => [s.id, s.changes]), [['infrastructure', false], ['access', false], ['image', false], ['kubernetes', false]]);
    assert.ok(two.steps.every((s) => !s.changed), JSON.stringify(two.steps));
    // No confirmation is needed when nothing changes: the same second run works without --yes.
    const third = await up();
    assert.equal(third.code, 0, third.stderr);
    assert.equal(third.stdout.trim(), 'no changes');
  });

  it('snapshots the RDS database before an upgrade migrates it, and refuses a downgrade', async () => {
    writeFileSync(path.join(project, 'airflow-aws.yaml'), config('3.3.2'));
    const r = await up('--yes');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Airflow 3\.2\.1 -> 3\.3\.2: .*snapshot airflow-aws-updemo-3-2-1-to-3-3-2-\d{12}/);
    const rds = new RDSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const snaps = (await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }))).DBSnapshots ?? [];
    assert.equal(snaps.length, 1, JSON.stringify(snaps.map((x) => x.DBSnapshotIdentifier)));
    assert.equal(snaps[0]?.Status, 'available');
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const scheduler = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: 'airflow', name: 'airflow-scheduler' });
    assert.equal(scheduler.metadata?.labels?.['app.kubernetes.io/version'], '3.3.2');

    writeFileSync(path.join(project, 'airflow-aws.yaml'), config('3.2.1'));
    const down = await up('--yes');
    assert.equal(down.code, 2, down.stderr);
    assert.match(down.stderr, /3\.2\.1 is older than the deployed 3\.3\.2|downgrade/i);
    const after = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: 'airflow', name: 'airflow-scheduler' });
    assert.equal(after.metadata?.labels?.['app.kubernetes.io/version'], '3.3.2', 'nothing rolled back');
  });

  it('pause scales Airflow, the nodes and the database down; up refuses until resume brings them back', async () => {
    writeFileSync(path.join(project, 'airflow-aws.yaml'), config('3.3.2'));
    const kube = ['--kube-context', 'kube-test', '--kubeconfig', cluster.kubeconfigPath];
    const opts = { cwd: project, env: moto.env, killAfterMs: 300_000 };
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const apps = kc.makeApiClient(AppsV1Api);
    const replicas = async (name: string) => (await apps.readNamespacedDeployment({ namespace: 'airflow', name })).spec?.replicas;
    const before = await replicas('airflow-scheduler');
    assert.ok((before ?? 0) > 0);

    const paused = await runCli(['pause', '--yes', '--force', '--timeout', '30', ...kube], opts);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal(await replicas('airflow-scheduler'), 0);
    assert.equal(await replicas('airflow-api-server'), 0);
    const aws = { region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    const db = (await new RDSClient(aws).send(new DescribeDBInstancesCommand({}))).DBInstances?.[0];
    assert.equal(db?.DBInstanceStatus, 'stopped');

    const refused = await up('--yes');
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /paused since .*\n.*airflow-aws resume/s);

    const resumed = await runCli(['resume', '--timeout', '120', ...kube], opts);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(await replicas('airflow-scheduler'), before);
    const again = await up('--yes');
    assert.equal(again.code, 0, again.stderr);
  });
});

