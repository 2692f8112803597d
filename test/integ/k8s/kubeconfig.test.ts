/**
 * `airflow-aws kubeconfig` end to end: stack outputs from moto, the context written to a kubeconfig, and the real
 * kubectl running `airflow-aws eks-token` as its exec credential plugin against a real kube-apiserver. The
 * apiserver cannot verify STS tokens, so the proof is kubectl getting as far as a 401 "Unauthorized" from the
 * server — an exec plugin failure would stop it before any request.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { parse } from 'yaml';
import { CLI, runCli, tempDir } from '../../support/cli.js';
import type { KubeTestCluster } from '../../support/kube-cluster.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { startCluster } from './cluster.js';

describe('airflow-aws kubeconfig + kubectl exec plugin', () => {
  let cluster: KubeTestCluster;
  let moto: MotoServer;
  let project: string;

  before(async () => {
    [cluster, moto] = await Promise.all([startCluster({ kwok: false }), startMoto()]);
    project = tempDir();
    writeFileSync(path.join(project, 'airflow-aws.yaml'), 'name: kcdemo\nregion: us-east-1\n');
    const cfn = new CloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await cfn.send(
      new CreateStackCommand({
        StackName: 'kcdemo-airflow',
        TemplateBody: JSON.stringify({
          Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'kcdemo-logs' } } },
          Outputs: {
            ClusterName: { Value: 'kcdemo-cluster' },
            ClusterEndpoint: { Value: cluster.server },
            ClusterCertificateAuthorityData: { Value: Buffer.from(cluster.caPem).toString('base64') },
          },
        }),
      }),
    );
  });
  after(async () => {
    await Promise.all([cluster?.stop(), moto?.stop()]);
  });

  it('writes a context whose exec plugin kubectl runs successfully', async () => {
    const kubeconfig = path.join(project, 'kubeconfig.yaml');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\ncurrent-context: other\ncontexts: [{name: other, context: {cluster: x, user: y}}]\n');
    const r = await runCli(['kubeconfig', '--kubeconfig', kubeconfig], { cwd: project, env: moto.env });
    assert.equal(r.code, 0, r.stderr);
    const doc = parse(readFileSync(kubeconfig, 'utf8')) as { 'current-context': string; contexts: { name: string }[] };
    assert.equal(doc['current-context'], 'airflow-aws-kcdemo');
    assert.deepEqual(doc.contexts.map((c) => c.name), ['other', 'airflow-aws-kcdemo']);

    // `airflow-aws` on PATH, as after `npm install -g airflow-aws`.
    const bin = tempDir('airflow-aws-bin-');
    writeFileSync(path.join(bin, 'airflow-aws'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(path.join(bin, 'airflow-aws'), 0o755);
    const kubectl = spawnSync(path.join(cluster.binDir, 'kubectl'), ['--kubeconfig', kubeconfig, 'get', '--raw', '/version'], {
      encoding: 'utf8',
      env: {
        PATH: `${bin}:${process.env['PATH'] ?? ''}`,
        HOME: project,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      },
      timeout: 60_000,
    });
    assert.doesNotMatch(kubectl.stderr, /getting credentials|exec plugin|executable .* not found/i, kubectl.stderr);
    assert.match(kubectl.stderr, /Unauthorized/, `kubectl should reach the server with our token: ${kubectl.stderr}`);
  });
});
