/**
 * The EKS Pod Identity emulation (test/support/pod-identity.ts) against a real kube-apiserver (kwok node: no kubelet
 * needed) and botocore's own container credential provider: the webhook mutates exactly the pods of associated
 * ServiceAccounts, and a token of the audience EKS uses resolves to credentials through the agent, with no key in
 * the environment. The real-node e2e relies on both.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeTestCluster } from '../../support/kube-cluster.js';
import { motoPython, startMoto, type MotoServer } from '../../support/moto.js';
import {
  POD_IDENTITY_AUDIENCE,
  POD_IDENTITY_CREDENTIALS_URI,
  POD_IDENTITY_TOKEN_DIR,
  POD_IDENTITY_TOKEN_FILE,
  POD_IDENTITY_TOKEN_NAME,
  startPodIdentity,
  type PodIdentity,
} from '../../support/pod-identity.js';
import { startCluster } from './cluster.js';

const NS = 'pid';
const ELSEWHERE = 'elsewhere';
const WORKER = { namespace: NS, serviceAccount: 'airflow-worker' };

interface PodView {
  spec: {
    containers: { name: string; env?: { name: string; value?: string }[]; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[];
    initContainers?: { name: string; env?: { name: string; value?: string }[] }[];
    volumes?: { name: string; projected?: { sources: { serviceAccountToken?: { audience?: string; path: string } }[] } }[];
  };
}

describe('EKS Pod Identity emulation on a real kube-apiserver', () => {
  let cluster: KubeTestCluster;
  let pid: PodIdentity;
  let moto: MotoServer;
  let dir: string;

  before(async () => {
    cluster = await startCluster({ kwok: true });
    pid = await startPodIdentity(cluster, [WORKER]);
    moto = await startMoto();
    dir = mkdtempSync(path.join(os.tmpdir(), 'pod-identity-'));
    for (const ns of [NS, ELSEWHERE]) {
      assert.equal((await cluster.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status, 201);
      for (const sa of ['airflow-worker', 'other']) {
        const r = await cluster.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } });
        assert.equal(r.status, 201, r.text);
      }
    }
  });
  after(async () => {
    await pid?.stop();
    await moto?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const createPod = async (ns: string, name: string, serviceAccount: string, env: { name: string; value: string }[] = []): Promise<PodView> => {
    const r = await cluster.request<PodView>('POST', `/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        serviceAccountName: serviceAccount,
        initContainers: [{ name: 'init', image: 'busybox', ...(env.length > 0 ? { env } : {}) }],
        containers: [{ name: 'base', image: 'busybox', env: [{ name: 'KEEP', value: 'me' }, ...env] }],
      },
    });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  const envOf = (c: { env?: { name: string; value?: string }[] }): Record<string, string | undefined> => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

  it('gives a pod of an associated ServiceAccount the credential env and the projected token, in every container', async () => {
    const pod = await createPod(NS, 'associated', WORKER.serviceAccount);
    for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
      const env = envOf(c);
      assert.equal(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], POD_IDENTITY_CREDENTIALS_URI, c.name);
      assert.equal(env['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'], POD_IDENTITY_TOKEN_FILE, c.name);
      assert.equal(env['AWS_ACCESS_KEY_ID'], undefined, c.name);
    }
    assert.equal(envOf(pod.spec.containers[0]!)['KEEP'], 'me', 'the pod\'s own env stays');
    assert.deepEqual(
      pod.spec.containers[0]!.volumeMounts?.find((m) => m.name === POD_IDENTITY_TOKEN_NAME),
      { name: POD_IDENTITY_TOKEN_NAME, mountPath: POD_IDENTITY_TOKEN_DIR, readOnly: true },
    );
    const volume = pod.spec.volumes?.find((v) => v.name === POD_IDENTITY_TOKEN_NAME);
    assert.equal(volume?.projected?.sources[0]?.serviceAccountToken?.audience, POD_IDENTITY_AUDIENCE);
    assert.equal(volume?.projected?.sources[0]?.serviceAccountToken?.path, POD_IDENTITY_TOKEN_NAME);
  });

  it('leaves pods of other ServiceAccounts, of other namespaces, and with their own credential URI alone', async () => {
    const cases: [string, string, string, { name: string; value: string }[]][] = [
      [NS, 'other-sa', 'other', []],
      [ELSEWHERE, 'other-ns', WORKER.serviceAccount, []],
      [NS, 'own-uri', WORKER.serviceAccount, [{ name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://127.0.0.1:1/creds' }]],
    ];
    for (const [ns, name, sa, env] of cases) {
      const pod = await createPod(ns, name, sa, env);
      assert.equal(pod.spec.volumes?.some((v) => v.name === POD_IDENTITY_TOKEN_NAME), false, name);
      assert.equal(envOf(pod.spec.containers[0]!)['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'], undefined, name);
    }
  });

  /** A token as the kubelet projects it (TokenRequest), written to a file. */
  const tokenFile = async (ns: string, sa: string, audience: string): Promise<string> => {
    const r = await cluster.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: [audience], expirationSeconds: 3600 },
    });
    assert.equal(r.status, 201, r.text);
    const file = path.join(dir, `${ns}-${sa}-${audience}`);
    writeFileSync(file, r.body.status.token);
    return file;
  };

  /**
   * botocore's default chain, with only what the webhook injects: the access key it resolved, then an S3 call on
   * moto. Asynchronous: the agent answering it runs in this process.
   */
  const boto3 = (file: string): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const script = [
      'import boto3',
      's = boto3.Session(region_name="us-east-1")',
      'print(s.get_credentials().get_frozen_credentials().access_key)',
      `s.client("s3", endpoint_url=${JSON.stringify(moto.endpoint)}).list_buckets()`,
      'print("s3 ok")',
    ].join('\n');
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_CONTAINER_CREDENTIALS_FULL_URI: POD_IDENTITY_CREDENTIALS_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file };
    return new Promise((resolve) => {
      execFile(motoPython(), ['-c', script], { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  };

  it('resolves credentials through the agent for a token of an associated ServiceAccount, with no key anywhere', async () => {
    const r = await boto3(await tokenFile(NS, WORKER.serviceAccount, POD_IDENTITY_AUDIENCE));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [pid.accessKeyIdOf(WORKER), 's3 ok']);
    assert.ok(pid.issued.includes(`${NS}/${WORKER.serviceAccount}`));
  });

  it('refuses a token of a ServiceAccount without an association, and a token for another audience', async () => {
    const cases: [string, string, string, RegExp][] = [
      [NS, 'other', POD_IDENTITY_AUDIENCE, /no Pod Identity association for pid\/other/],
      [NS, WORKER.serviceAccount, 'sts.amazonaws.com', /token not valid for pods\.eks\.amazonaws\.com/],
    ];
    for (const [ns, sa, audience, reason] of cases) {
      const before = pid.refused.length;
      const r = await boto3(await tokenFile(ns, sa, audience));
      assert.notEqual(r.code, 0, `${sa}/${audience}: ${r.stdout}`);
      assert.match(pid.refused.slice(before).join('\n'), reason);
    }
  });
});
