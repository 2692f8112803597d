import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EksTokenProvider, execCredential, mintEksToken } from '../../../src/adapters/aws/eks-token.js';
import { eksExecPlugin, mergeEksContext } from '../../../src/cli/commands/kubeconfig.js';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session' };
const NOW = new Date('2026-11-24T03:00:00Z');

function decode(token: string): URL {
  return new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
}

describe('EKS token', () => {
  it('matches the documented format: prefix, unpadded base64url of a presigned GetCallerIdentity URL', async () => {
    const { token } = await mintEksToken({ clusterName: 'demo-cluster', region: 'eu-west-1', credentials: CREDS, now: NOW });
    assert.ok(token.startsWith('k8s-aws-v1.'));
    assert.match(token.slice(11), /^[A-Za-z0-9_-]+$/, 'base64url alphabet, no padding');
    const url = decode(token);
    assert.equal(url.protocol, 'https:');
    assert.equal(url.host, 'sts.eu-west-1.amazonaws.com');
    assert.equal(url.pathname, '/');
    const q = url.searchParams;
    assert.equal(q.get('Action'), 'GetCallerIdentity');
    assert.equal(q.get('Version'), '2011-06-15');
    assert.equal(q.get('X-Amz-Expires'), '60');
    assert.equal(q.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
    assert.equal(q.get('X-Amz-Date'), '20261124T030000Z');
    assert.equal(q.get('X-Amz-Credential'), 'AKIDEXAMPLE/20261124/eu-west-1/sts/aws4_request');
    assert.equal(q.get('X-Amz-Security-Token'), 'session');
    assert.deepEqual(q.get('X-Amz-SignedHeaders')!.split(';'), ['host', 'x-k8s-aws-id']);
    assert.match(q.get('X-Amz-Signature')!, /^[0-9a-f]{64}$/);
    assert.equal(q.get('x-k8s-aws-id'), null, 'the cluster id stays a signed header, not a query parameter');
  });

  it('signs the cluster name: another cluster gives another signature', async () => {
    const a = decode((await mintEksToken({ clusterName: 'a', region: 'us-east-1', credentials: CREDS, now: NOW })).token);
    const b = decode((await mintEksToken({ clusterName: 'b', region: 'us-east-1', credentials: CREDS, now: NOW })).token);
    assert.notEqual(a.searchParams.get('X-Amz-Signature'), b.searchParams.get('X-Amz-Signature'));
  });

  it('expires after 14 minutes, or when the credentials do', async () => {
    const t = await mintEksToken({ clusterName: 'c', region: 'us-east-1', credentials: CREDS, now: NOW });
    assert.equal(t.expiresAt.getTime() - NOW.getTime(), 14 * 60_000);
    const soon = new Date(NOW.getTime() + 5 * 60_000);
    const t2 = await mintEksToken({ clusterName: 'c', region: 'us-east-1', credentials: { ...CREDS, expiration: soon }, now: NOW });
    assert.equal(t2.expiresAt.getTime(), soon.getTime());
  });

  it('reuses a token until a minute before expiry, then refreshes it', async () => {
    let now = NOW;
    let calls = 0;
    const p = new EksTokenProvider('c', 'us-east-1', async () => (calls++, CREDS), () => now);
    const first = await p.token();
    now = new Date(NOW.getTime() + 12 * 60_000);
    assert.equal((await p.token()).token, first.token);
    now = new Date(NOW.getTime() + 13 * 60_000 + 1);
    const second = await p.token();
    assert.notEqual(second.token, first.token);
    assert.equal(calls, 2);
  });

  it('prints an ExecCredential kubectl understands', async () => {
    const t = await mintEksToken({ clusterName: 'c', region: 'us-east-1', credentials: CREDS, now: NOW });
    const ec = execCredential(t) as { apiVersion: string; kind: string; status: { token: string; expirationTimestamp: string } };
    assert.equal(ec.apiVersion, 'client.authentication.k8s.io/v1beta1');
    assert.equal(ec.kind, 'ExecCredential');
    assert.equal(ec.status.token, t.token);
    assert.equal(ec.status.expirationTimestamp, '2026-11-24T03:14:00.000Z');
  });
});

describe('kubeconfig merge', () => {
  const entry = {
    alias: 'airflow-aws-demo',
    endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
    caData: 'Q0E=',
    clusterName: 'demo-cluster',
    region: 'eu-west-1',
    setCurrent: true,
    command: 'airflow-aws',
  };
  it('adds cluster, exec user and context, keeping other entries', () => {
    const doc = mergeEksContext({ clusters: [{ name: 'other', cluster: {} }], 'current-context': 'other' }, entry);
    assert.deepEqual(doc.clusters!.map((c) => c.name), ['other', 'airflow-aws-demo']);
    const user = doc.users!.find((u) => u.name === 'airflow-aws-demo')!.user as { exec: { command: string; args: string[] } };
    assert.equal(user.exec.command, 'airflow-aws');
    assert.deepEqual(user.exec.args, ['eks-token', '--cluster-name', 'demo-cluster', '--region', 'eu-west-1']);
    assert.equal(doc['current-context'], 'airflow-aws-demo');
  });
  it('puts the plugin\'s own arguments (the launcher script) before eks-token', () => {
    const doc = mergeEksContext({}, { ...entry, command: '/usr/bin/node', commandArgs: ['/opt/airflow-aws/bin/airflow-aws.js'] });
    const user = doc.users![0]!.user as { exec: { command: string; args: string[] } };
    assert.equal(user.exec.command, '/usr/bin/node');
    assert.deepEqual(user.exec.args, ['/opt/airflow-aws/bin/airflow-aws.js', 'eks-token', '--cluster-name', 'demo-cluster', '--region', 'eu-west-1']);
  });
  it('runs the plugin as this Node with this package\'s launcher, both absolute (no PATH lookup)', () => {
    const plugin = eksExecPlugin();
    assert.equal(plugin.command, process.execPath);
    assert.equal(plugin.args.length, 1);
    assert.ok(path.isAbsolute(plugin.args[0]!) && existsSync(plugin.args[0]!), plugin.args[0]);
    assert.equal(path.basename(plugin.args[0]!), 'airflow-aws.js');
  });
  it('replaces its own entries on re-run and can leave current-context alone', () => {
    const once = mergeEksContext({ 'current-context': 'other' }, { ...entry, setCurrent: false });
    const twice = mergeEksContext(once, { ...entry, setCurrent: false, endpoint: 'https://new' });
    assert.equal(twice.clusters!.length, 1);
    assert.equal((twice.clusters![0]!.cluster as { server: string }).server, 'https://new');
    assert.equal(twice['current-context'], 'other');
  });
});
