/**
 * The in-process EKS token reaches the wire: a KubeConfig from eksKubeConfig() sends `Authorization: Bearer
 * k8s-aws-v1.…` on every request, reusing the token while it is fresh. A loopback HTTP server stands in for the
 * EKS endpoint (no AWS here), answering just enough discovery for KubernetesObjectApi.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EksTokenProvider, eksKubeConfig } from '../../../src/adapters/aws/eks-token.js';
import { KubeClient } from '../../../src/adapters/kube/client.js';
import { selfSignedLoopbackCert } from '../../support/tls.js';

describe('EKS authentication on the wire', () => {
  let server: https.Server;
  let endpoint: string;
  let certPem: string;
  const seen: string[] = [];

  before(async () => {
    // A self-signed serving certificate, trusted through the kubeconfig's CA data as EKS's would be.
    const tls = selfSignedLoopbackCert();
    certPem = tls.cert;
    const key = tls.key;
    server = https.createServer({ key, cert: certPem }, (req, res) => {
      seen.push(String(req.headers.authorization ?? ''));
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/v1') {
        res.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'namespaces', kind: 'Namespace', namespaced: false, singularName: 'namespace', verbs: ['get'] }] }));
      } else {
        res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'airflow', resourceVersion: '1' } }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('sends a fresh-enough k8s-aws-v1 bearer token with every request', async () => {
    let credentialCalls = 0;
    const provider = new EksTokenProvider('demo-cluster', 'eu-west-1', async () => {
      credentialCalls++;
      return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    });
    const kc = await eksKubeConfig({ clusterName: 'demo-cluster', endpoint, caData: Buffer.from(certPem).toString('base64'), provider });
    const client = new KubeClient(kc);
    const ns = await client.objects.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'airflow' } });
    assert.equal(ns.metadata?.name, 'airflow');
    await client.objects.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'airflow' } });
    assert.ok(seen.length >= 2);
    for (const h of seen) assert.match(h, /^Bearer k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    assert.equal(new Set(seen).size, 1, 'one token reused while fresh');
    assert.equal(credentialCalls, 1);
    const url = new URL(Buffer.from(seen[0]!.slice('Bearer k8s-aws-v1.'.length), 'base64url').toString());
    assert.equal(url.host, 'sts.eu-west-1.amazonaws.com');
  });
});
