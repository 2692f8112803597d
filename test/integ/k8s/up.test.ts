/**
 * The whole `up` as a user runs it against AWS: the real binary against moto (the AWS layers, through
 * moto-server.py) and a real kube-apiserver with a kwok node standing in for the EKS cluster the stack made. moto
 * reports that apiserver's endpoint and CA for the cluster (moto-server.py, 14), so `up` takes the EKS path: the
 * endpoint and CA from the stack outputs, a bearer token minted in-process, checked by EKS's authenticator
 * (eks-authenticator.ts: signature, STS, the access entry `up` made through the EKS API). The database is the
 * stack's RDS instance as moto made it: its endpoint and master secret come from the stack outputs and Secrets
 * Manager, as on AWS (kwok "runs" the bootstrap Job). Run twice: the second run must report no changes in every
 * layer and change nothing.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import { NODEGROUP_LABEL } from '../../../src/adapters/kube/workload-status.js';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { runCli, tempDir } from '../../support/cli.js';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { EksTokenProvider, eksKubeConfig } from '../../../src/adapters/aws/eks-token.js';
import { KubeClient } from '../../../src/adapters/kube/client.js';
import { startEksAuthenticator, type EksAuthenticator } from '../../support/eks-authenticator.js';
import type { KubeTestCluster } from '../../support/kube-cluster.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { startCluster } from './cluster.js';

const CLUSTER = 'updemo-airflow';
const config = (airflow: string) => `name: updemo\nregion: us-east-1\nairflow:\n  version: ${airflow}\n`;

interface UpJson {
  readonly changed: boolean;
  readonly steps: readonly { readonly id: string; readonly changed: boolean; readonly summary: string }[];
  readonly plan: readonly { readonly id: string; readonly changes: boolean }[];
}

describe('airflow-aws up on the EKS path (moto + a real kube-apiserver with EKS authentication)', () => {
  let cluster: KubeTestCluster;
  let moto: MotoServer;
  let authn: EksAuthenticator;
  let project: string;
  /** Secret keys of the principals moto knows, for the authenticator's signature check. */
  const secrets: Record<string, string> = { testing: 'testing' };
  const aws = () => ({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

  before(async () => {
    // The webhook first (the apiserver needs its URL), then the apiserver (moto needs its endpoint and CA), then moto.
    authn = await startEksAuthenticator({ clusterName: CLUSTER, region: 'us-east-1', motoEndpoint: () => moto.endpoint, secrets });
    cluster = await startCluster({ kwok: true, tokenWebhook: authn });
    moto = await startMoto({
      serverEnv: { AIRFLOW_AWS_MOTO_EKS_ENDPOINT: cluster.server, AIRFLOW_AWS_MOTO_EKS_CA_DATA: Buffer.from(cluster.caPem).toString('base64') },
    });
    project = tempDir();
    writeFileSync(path.join(project, 'airflow-aws.yaml'), config('3.2.1'));
  });
  after(async () => {
    await Promise.all([cluster?.stop(), moto?.stop(), authn?.stop()]);
  });

  const up = (...extra: string[]) =>
    runCli(['up', '--image', 'registry.example/airflow:1', '--timeout', '300', ...extra], { cwd: project, env: moto.env, killAfterMs: 600_000 });

  /** Reads the namespace through the EKS path as the holder of these credentials, with a token for `clusterName`. */
  const readAs = async (credentials: { accessKeyId: string; secretAccessKey: string }, clusterName = CLUSTER) => {
    const provider = new EksTokenProvider(clusterName, 'us-east-1', async () => credentials);
    const kc = await eksKubeConfig({ clusterName, endpoint: cluster.server, caData: Buffer.from(cluster.caPem).toString('base64'), provider });
    return new KubeClient(kc, { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 }).objects.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'airflow' } });
  };

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
      [['infrastructure', true], ['access', true], ['image', false], ['kubernetes', true]],
    );
    // Every request of the Kubernetes layer was authenticated by EKS's authenticator as the caller, admin through
    // the access entry the access step made (moto's caller for the key "testing").
    const granted = authn.decisions.filter((d) => !d.startsWith('refused'));
    assert.ok(granted.length > 0, authn.decisions.join('\n'));
    assert.ok(granted.every((d) => /^arn:aws:iam::123456789012:user\/\S+ \[system:masters,system:authenticated\]$/.test(d)), granted.join('\n'));
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
    // `plan` shows the same layers, read-only.
    const plan = await runCli(
      ['plan', '--json', '--image', 'registry.example/airflow:1'],
      { cwd: project, env: moto.env, killAfterMs: 120_000 },
    );
    assert.equal(plan.code, 0, plan.stderr);
    const layers = (JSON.parse(plan.stdout) as { layers: { id: string; changes: boolean }[] }).layers;
    assert.deepEqual(layers.map((l) => [l.id, l.changes]), [['access', false], ['image', false], ['kubernetes', false]]);
    // No confirmation is needed when nothing changes: the same second run works without --yes.
    const third = await up();
    assert.equal(third.code, 0, third.stderr);
    assert.equal(third.stdout.trim(), 'no changes');
  });

  it('the cluster refuses a principal without an access entry, and a token signed for another cluster', async () => {
    const iam = new IAMClient(aws());
    await iam.send(new CreateUserCommand({ UserName: 'intruder' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'intruder' }))).AccessKey!;
    secrets[key.AccessKeyId!] = key.SecretAccessKey!;
    await assert.rejects(readAs({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }), /401|Unauthorized/);
    assert.match(authn.decisions.at(-1) ?? '', /refused: arn:aws:iam::123456789012:user\/intruder has no access entry/);
    await assert.rejects(readAs({ accessKeyId: 'testing', secretAccessKey: 'testing' }, 'another-cluster'), /401|Unauthorized/);
    assert.match(authn.decisions.at(-1) ?? '', /refused: signature does not match a token for cluster updemo-airflow/);
    // The caller `up` made admin still gets in.
    const ns = await readAs({ accessKeyId: 'testing', secretAccessKey: 'testing' });
    assert.equal(ns.metadata?.name, 'airflow');
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
    const kube: string[] = []; // the EKS path, as up
    const opts = { cwd: project, env: moto.env, killAfterMs: 300_000 };
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const apps = kc.makeApiClient(AppsV1Api);
    const replicas = async (name: string) => (await apps.readNamespacedDeployment({ namespace: 'airflow', name })).spec?.replicas;
    const before = await replicas('airflow-scheduler');
    assert.ok((before ?? 0) > 0);

    const eks = new EKSClient(aws());
    const nodegroupName = (await eks.send(new ListNodegroupsCommand({ clusterName: CLUSTER }))).nodegroups?.[0];
    const nodegroupDesired = async () =>
      (await eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName }))).nodegroup?.scalingConfig?.desiredSize;
    const desiredBefore = await nodegroupDesired();
    assert.ok((desiredBefore ?? 0) > 0);

    const paused = await runCli(['pause', '--yes', '--force', '--timeout', '30', ...kube], opts);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal(await replicas('airflow-scheduler'), 0);
    assert.equal(await replicas('airflow-api-server'), 0);
    const db = (await new RDSClient(aws()).send(new DescribeDBInstancesCommand({}))).DBInstances?.[0];
    assert.equal(db?.DBInstanceStatus, 'stopped');

    const refused = await up('--yes');
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /paused since .*\n.*airflow-aws resume/s);
    // deploy onto the stack's database is refused the same way, and scales nothing back up.
    const deployed = await runCli(['deploy', '--image', 'registry.example/airflow:paused', '--timeout', '30', ...kube], opts);
    assert.equal(deployed.code, 1, deployed.stderr);
    assert.match(deployed.stderr, /paused since .*\n.*airflow-aws resume/s);
    assert.equal(await replicas('airflow-scheduler'), 0);

    // The node group's EC2 nodes come back as kwok nodes carrying EKS's node-group label: resume on the EKS path waits
    // for as many Ready ones as the size pause recorded.
    assert.equal(await nodegroupDesired(), 0, 'paused node group');
    const core = kc.makeApiClient(CoreV1Api);
    const existing = (await core.listNode()).items.map((n) => n.metadata!.name!);
    for (let i = 0; i < desiredBefore!; i++) {
      const name = existing[i] ?? `kwok-node-${i}`;
      const labels = { [NODEGROUP_LABEL]: nodegroupName!, 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok' };
      if (existing[i]) await core.patchNode({ name, body: { metadata: { labels } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      else await core.createNode({ body: { metadata: { name, labels, annotations: { 'kwok.x-k8s.io/node': 'fake' } } } });
    }
    const resumed = await runCli(['resume', '--timeout', '120', ...kube], opts);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(await replicas('airflow-scheduler'), before);
    const again = await up('--yes');
    assert.equal(again.code, 0, again.stderr);
  });

  it('with dags.source s3, every component reads the DAG bundle from the stack\'s bucket', async () => {
    writeFileSync(path.join(project, 'airflow-aws.yaml'), `${config('3.3.2')}dags:\n  source: s3\n`);
    const r = await up('--yes');
    assert.equal(r.code, 0, r.stderr);
    const cfn = new CloudFormationClient(aws());
    const outputs = (await cfn.send(new DescribeStacksCommand({ StackName: 'updemo-airflow' }))).Stacks?.[0]?.Outputs ?? [];
    const bucket = outputs.find((o) => o.OutputKey === 'BucketName')?.OutputValue;
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const cm = (await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ namespace: 'airflow', name: 'airflow-config' })).data ?? {};
    const bundles = JSON.parse(cm['AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST'] ?? '[]') as { classpath: string; kwargs: { bucket_name: string } }[];
    assert.deepEqual(bundles.map((b) => [b.classpath, b.kwargs.bucket_name]), [['airflow.providers.amazon.aws.bundles.s3.S3DagBundle', bucket]]);
  });
});

