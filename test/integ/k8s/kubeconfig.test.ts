/**
 * `airflow-aws kubeconfig` end to end: stack outputs from moto, the context written to a kubeconfig, and the real
 * kubectl running the context's exec credential plugin (`airflow-aws eks-token`) with `PATH=/nonexistent` — as
 * after `npm ci` or npx, where `airflow-aws` is on no PATH. Two servers stand behind two stacks:
 * - a real kube-apiserver, which cannot verify STS tokens: kubectl gets as far as a 401 "Unauthorized" (an exec plugin
 *   failure would stop it before any request);
 * - a loopback HTTPS server standing in for the EKS endpoint, which answers and records the Authorization header:
 *   kubectl succeeds, and the header is the EKS token for this cluster, signed with the credentials kubectl passed on.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { parse } from 'yaml';
import { CLI, runCli, tempDir } from '../../support/cli.js';
import type { KubeTestCluster } from '../../support/kube-cluster.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { selfSignedLoopbackCert } from '../../support/tls.js';
import { startCluster } from './cluster.js';

interface ExecUser {
  exec: { command: string; args: string[]; apiVersion: string };
}

/** kubectl's whole environment: no PATH to find anything on, static dummy credentials, no AWS config files. */
const KUBECTL_ENV = (home: string): NodeJS.ProcessEnv => ({
  PATH: '/nonexistent',
  HOME: home,
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  AWS_EC2_METADATA_DISABLED: 'true',
});

/**
 * Runs kubectl without blocking the event loop (the stand-in server answers from this process) and with exactly
 * `env` as its environment.
 */
function kubectl(bin: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('airflow-aws kubeconfig + kubectl exec plugin', () => {
  let cluster: KubeTestCluster;
  let moto: MotoServer;
  let recorder: https.Server;
  const authorizations: string[] = [];
  /** Project directory per deployment name, each with a stack in moto. */
  const projects: Record<string, string> = {};

  before(async () => {
    const { key, cert } = selfSignedLoopbackCert();
    recorder = https.createServer({ key, cert }, (req, res) => {
      authorizations.push(String(req.headers.authorization ?? ''));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ major: '1', minor: '36', gitVersion: 'v1.36.0-recorder', platform: 'linux/amd64' }));
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', () => r()));
    const recorderEndpoint = `https://127.0.0.1:${(recorder.address() as AddressInfo).port}`;

    [cluster, moto] = await Promise.all([startCluster({ kwok: false }), startMoto()]);
    const cfn = new CloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const stacks: [string, string, string][] = [
      ['kcdemo', cluster.server, cluster.caPem],
      ['kcwire', recorderEndpoint, cert],
    ];
    for (const [name, endpoint, caPem] of stacks) {
      projects[name] = tempDir();
      writeFileSync(path.join(projects[name], 'airflow-aws.yaml'), `name: ${name}\nregion: us-east-1\n`);
      await cfn.send(
        new CreateStackCommand({
          StackName: `${name}-airflow`,
          TemplateBody: JSON.stringify({
            Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `${name}-logs` } } },
            Outputs: {
              ClusterName: { Value: `${name}-cluster` },
              ClusterEndpoint: { Value: endpoint },
              ClusterCertificateAuthorityData: { Value: Buffer.from(caPem).toString('base64') },
            },
          }),
        }),
      );
    }
  });
  after(async () => {
    await Promise.all([cluster?.stop(), moto?.stop(), new Promise<void>((r) => (recorder ? recorder.close(() => r()) : r()))]);
  });

  /** Runs `airflow-aws kubeconfig` for a deployment and returns the kubeconfig file it wrote. */
  async function writeContext(name: string, existing?: string): Promise<string> {
    const kubeconfig = path.join(projects[name]!, 'kubeconfig.yaml');
    if (existing) writeFileSync(kubeconfig, existing);
    const r = await runCli(['kubeconfig', '--kubeconfig', kubeconfig], { cwd: projects[name]!, env: moto.env });
    assert.equal(r.code, 0, r.stderr);
    return kubeconfig;
  }

  it('writes an exec plugin that needs nothing on PATH: this Node and this package\'s launcher, by absolute path', async () => {
    const kubeconfig = await writeContext(
      'kcdemo',
      'apiVersion: v1\nkind: Config\ncurrent-context: other\ncontexts: [{name: other, context: {cluster: x, user: y}}]\n',
    );
    const doc = parse(readFileSync(kubeconfig, 'utf8')) as { 'current-context': string; contexts: { name: string }[]; users: { name: string; user: ExecUser }[] };
    assert.equal(doc['current-context'], 'airflow-aws-kcdemo');
    assert.deepEqual(doc.contexts.map((c) => c.name), ['other', 'airflow-aws-kcdemo']);
    const { exec } = doc.users.find((u) => u.name === 'airflow-aws-kcdemo')!.user;
    assert.equal(exec.command, process.execPath);
    assert.ok(path.isAbsolute(exec.command) && existsSync(exec.command));
    assert.equal(exec.args[0], CLI, 'the launcher of the package that wrote the context');
    assert.deepEqual(exec.args.slice(1), ['eks-token', '--cluster-name', 'kcdemo-cluster', '--region', 'us-east-1']);
  });

  it('lets the real kubectl run the plugin with PATH=/nonexistent and reach a real kube-apiserver (401 for an STS token)', async () => {
    const kubeconfig = await writeContext('kcdemo');
    const r = await kubectl(
      path.join(cluster.binDir, 'kubectl'),
      ['--kubeconfig', kubeconfig, '--context', 'airflow-aws-kcdemo', 'get', '--raw', '/version'],
      KUBECTL_ENV(projects['kcdemo']!),
    );
    assert.doesNotMatch(r.stderr, /getting credentials|exec plugin|executable .* not found|no such file/i, r.stderr);
    assert.match(r.stderr, /Unauthorized/, `kubectl should reach the server with our token: ${r.stderr}`);
  });

  it('lets the real kubectl send the minted EKS token with PATH=/nonexistent, and succeed against an EKS stand-in', async () => {
    const kubeconfig = await writeContext('kcwire');
    authorizations.length = 0;
    const r = await kubectl(
      path.join(cluster.binDir, 'kubectl'),
      ['--kubeconfig', kubeconfig, '--context', 'airflow-aws-kcwire', 'get', '--raw', '/version'],
      KUBECTL_ENV(projects['kcwire']!),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { gitVersion: string }).gitVersion, 'v1.36.0-recorder');

    assert.ok(authorizations.length >= 1, 'the server saw the request');
    for (const h of authorizations) assert.match(h, /^Bearer k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    // The token is the presigned STS GetCallerIdentity URL of `aws eks get-token`: this cluster, this region, the
    // credentials from kubectl's environment.
    const url = new URL(Buffer.from(authorizations[0]!.slice('Bearer k8s-aws-v1.'.length), 'base64url').toString());
    assert.equal(url.host, 'sts.us-east-1.amazonaws.com');
    assert.equal(url.searchParams.get('Action'), 'GetCallerIdentity');
    assert.match(url.searchParams.get('X-Amz-Credential') ?? '', /^AKIDEXAMPLE\/\d{8}\/us-east-1\/sts\/aws4_request$/);
    assert.ok((url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';').includes('x-k8s-aws-id'), url.toString());
  });
});
