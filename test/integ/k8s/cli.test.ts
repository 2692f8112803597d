/** `airflow-aws deploy`, `kubeconfig` and `eks-token` as a user runs them: the real binary, a real kube-apiserver. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli as runCliOnly, tempDir, type CliOptions, type CliResult } from '../../support/cli.js';
import type { KubeTestCluster } from '../../support/kube-cluster.js';
import { createBucketStack, startMoto, type MotoServer } from '../../support/moto.js';
import { cliTexts, describeLeaks, filesUnder, findLeaks, type Text } from '../../support/secret-hygiene.js';
import { startCluster } from './cluster.js';

/** Every run's output, for the secrets-hygiene check at the end. */
const outputs: Text[] = [];
async function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const r = await runCliOnly(args, opts);
  outputs.push(...cliTexts(args.join(' '), r));
  return r;
}

describe('airflow-aws deploy / eks-token (CLI)', () => {
  let cluster: KubeTestCluster;
  let project: string;

  before(async () => {
    cluster = await startCluster({ kwok: false });
    project = tempDir();
    writeFileSync(path.join(project, 'airflow-aws.yaml'), 'name: clidemo\nregion: eu-west-1\n');
  });
  after(async () => {
    await cluster?.stop();
  });

  const kube = () => ['--kube-context', 'kube-test', '--kubeconfig', cluster.kubeconfigPath];

  it('refuses to deploy without --image (exit 2)', async () => {
    const r = await runCli(['deploy', ...kube(), '--in-cluster-postgres'], { cwd: project });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--image is required/);
  });

  it('names the known contexts when the context does not exist (exit 2)', async () => {
    const r = await runCli(['deploy', '--kube-context', 'nope', '--kubeconfig', cluster.kubeconfigPath, '--in-cluster-postgres', '--image', 'x:1'], { cwd: project });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /kube context "nope" not found/);
    assert.match(r.stderr, /known contexts: kube-test/);
  });

  it('plans a first deploy with --dry-run and changes nothing', async () => {
    const r = await runCli(['deploy', ...kube(), '--in-cluster-postgres', '--image', 'registry.example/airflow:1', '--dry-run'], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\+ Namespace\/airflow$/m);
    assert.match(r.stdout, /^\+ StatefulSet\/airflow\/airflow-postgresql$/m);
    assert.match(r.stdout, /^\+ Deployment\/airflow\/airflow-scheduler$/m);
    assert.match(r.stderr, /secrets to generate on the first deploy: fernetKey/);
    assert.equal((await cluster.request('GET', '/api/v1/namespaces/airflow')).status, 404);
  });

  it('deploys, stops at a rollout it cannot finish with a timeout naming it, and never prints a secret', async () => {
    // No nodes in this cluster: the database pod never becomes ready.
    const r = await runCli(['deploy', ...kube(), '--in-cluster-postgres', '--image', 'registry.example/airflow:1', '--timeout', '2'], {
      cwd: project,
      killAfterMs: 60_000,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /created Namespace\/airflow/);
    assert.match(r.stderr, /error: timed out after 2 s waiting for StatefulSet airflow\/airflow-postgresql to roll out/);
    assert.match(r.stderr, /hint: /);
  });

  it('a second --dry-run, with the generated Secret in the cluster, plans without showing its data', async () => {
    const r = await runCli(['deploy', ...kube(), '--in-cluster-postgres', '--image', 'registry.example/airflow:2', '--dry-run'], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[+~] Deployment\/airflow\/airflow-scheduler$/m);
  });

  it('writes synth YAML that kubectl applies to a real apiserver (server-side dry run)', async () => {
    const out = path.join(project, 'out');
    const synth = await runCli(['synth', '--out', out], { cwd: project, killAfterMs: 120_000 });
    assert.equal(synth.code, 0, synth.stderr);
    const dir = path.join(out, 'kubernetes');
    const ns = await cluster.kubectl(['apply', '--server-side', '--field-manager=synth-check', '-f', path.join(dir, '00-namespace.yaml')]);
    assert.equal(ns.code, 0, ns.stderr);
    const rest = await cluster.kubectl(['apply', '--server-side', '--field-manager=synth-check', '--force-conflicts', '--dry-run=server', '-f', dir]);
    assert.equal(rest.code, 0, rest.stderr);
    assert.match(rest.stdout, /deployment\.apps\/airflow-scheduler serverside-applied \(server dry run\)/);
    assert.match(rest.stdout, /networkpolicy\.networking\.k8s\.io\/airflow-ui-ingress serverside-applied/);
  });

  it('mints an EKS token as a kubectl exec plugin, offline, from the default credential chain', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session',
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    };
    const r = await runCli(['eks-token', '--cluster-name', 'demo-cluster', '--region', 'eu-west-1'], { cwd: project, env });
    assert.equal(r.code, 0, r.stderr);
    const ec = JSON.parse(r.stdout) as { kind: string; status: { token: string; expirationTimestamp: string } };
    assert.equal(ec.kind, 'ExecCredential');
    const url = new URL(Buffer.from(ec.status.token.slice('k8s-aws-v1.'.length), 'base64url').toString());
    assert.equal(url.host, 'sts.eu-west-1.amazonaws.com');
    assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host;x-k8s-aws-id');
  });

  describe('with dags.source s3 and --in-cluster-postgres: the database in the cluster, the DAGs and task logs in the stack\'s bucket', () => {
    let moto: MotoServer;
    let s3Project: string;
    before(async () => {
      moto = await startMoto();
      s3Project = tempDir();
      writeFileSync(
        path.join(s3Project, 'airflow-aws.yaml'),
        ['name: clis3', 'region: us-east-1', 'kubernetes:', '  namespace: airflow-s3', 'dags:', '  source: s3', 'storage:', `  endpointUrl: ${moto.endpoint}`, ''].join('\n'),
      );
    });
    after(async () => {
      await moto?.stop();
    });
    const deployS3 = () =>
      runCli(['deploy', ...kube(), '--in-cluster-postgres', '--image', 'registry.example/airflow:1', '--timeout', '2'], { cwd: s3Project, env: moto.env, killAfterMs: 60_000 });

    it('refuses when the stack does not exist, saying the bundle lives in its bucket', async () => {
      const r = await deployS3();
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /stack clis3-airflow not found in us-east-1/);
      assert.match(r.stderr, /dags\.source is "s3": the DAG bundle lives in the stack's bucket/);
      assert.equal((await cluster.request('GET', '/api/v1/namespaces/airflow-s3')).status, 404);
    });

    it('points the DAG bundle and the remote task logs at the stack\'s bucket, with no AWS key in the manifests', async () => {
      const bucket = await createBucketStack(moto, 'clis3-airflow');
      // No nodes: the database never becomes ready, but everything is applied before that wait.
      const r = await deployS3();
      assert.match(r.stderr, /created Namespace\/airflow-s3/, r.stderr);
      const cm = (await cluster.request<{ data: Record<string, string> }>('GET', '/api/v1/namespaces/airflow-s3/configmaps/airflow-config')).body.data;
      const bundles = JSON.parse(cm['AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST'] ?? '[]') as { kwargs: { bucket_name: string } }[];
      assert.deepEqual(bundles.map((b) => b.kwargs.bucket_name), [bucket]);
      assert.equal(cm['AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER'], `s3://${bucket}/logs`);
      assert.equal(JSON.parse(cm['AIRFLOW_CONN_AWS_LOGS'] ?? '{}').extra?.endpoint_url, moto.endpoint);
      const everything = (await cluster.kubectl(['get', 'configmaps,secrets,deployments,statefulsets', '-n', 'airflow-s3', '-o', 'json'])).stdout;
      assert.doesNotMatch(everything, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/);
    });
  });

  it('no value of the generated Secret appears in any output of these runs or in the synth artefacts', async () => {
    const secret = (await cluster.request<{ data: Record<string, string> }>('GET', '/api/v1/namespaces/airflow/secrets/airflow-secrets')).body;
    const values = Object.entries(secret.data).map(([key, v]) => ({ label: `airflow-secrets ${key}`, value: Buffer.from(v, 'base64').toString() }));
    assert.ok(values.length >= 5, 'the deploy generated the shared secrets');
    const files = await filesUnder(project);
    assert.ok(files.some((f) => f.where.includes('kubernetes')), 'the synth artefacts are among the files searched');
    const leaks = findLeaks(values, [...outputs, ...files]);
    assert.deepEqual(leaks, [], describeLeaks(leaks));
  });
});
