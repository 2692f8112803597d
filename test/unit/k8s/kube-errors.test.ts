import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../../src/adapters/kube/client.js';
import { diffPaths } from '../../../src/adapters/kube/engine.js';
import { isRetryable, toUserError } from '../../../src/adapters/kube/errors.js';
import { UserError } from '../../../src/errors/user-error.js';

const api = (code: number, body: unknown = {}, headers: Record<string, string> = {}) => Object.assign(new Error(`HTTP ${code}`), { code, body, headers });
const net = (code: string) => Object.assign(new Error(code), { code, type: 'system' });
const CTX = { what: 'apply Deployment airflow/airflow-scheduler', server: 'https://k8s.example:443', context: 'prod' };

function client(): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: false }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'prod', cluster: 'c', user: 'u' }],
    currentContext: 'prod',
  });
  return new KubeClient(kc, { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 });
}

describe('Kubernetes API failures', () => {
  const table: [string, unknown, boolean][] = [
    ['429 throttling', api(429), true],
    ['500 server error', api(500), true],
    ['503 unavailable', api(503), true],
    ['409 optimistic-lock conflict', api(409, { reason: 'Conflict', message: 'the object has been modified' }), true],
    ['409 field-manager conflict', api(409, { reason: 'Conflict', details: { causes: [{ type: 'FieldManagerConflict', field: '.spec.replicas' }] } }), false],
    ['403 forbidden', api(403), false],
    ['422 invalid', api(422), false],
    ['connection reset', net('ECONNRESET'), true],
    ['connection refused', net('ECONNREFUSED'), false],
  ];
  for (const [name, err, retry] of table) {
    it(`${retry ? 'retries' : 'does not retry'} ${name}`, () => assert.equal(isRetryable(err), retry));
  }

  it('retries throttling with backoff until the call succeeds', async () => {
    let n = 0;
    const r = await client().call('list pods', async () => {
      if (++n < 3) throw api(429, {}, { 'retry-after': '0' });
      return 'ok';
    });
    assert.equal(r, 'ok');
    assert.equal(n, 3);
  });

  it('gives up after the attempts and says what it tried', async () => {
    let n = 0;
    await assert.rejects(
      client().call('list pods in namespace airflow', async () => {
        n++;
        throw api(503, { message: 'etcdserver: leader changed' });
      }),
      (e: unknown) => UserError.is(e) && e.code === 'KUBE_API_ERROR' && /HTTP 503 while trying to list pods in namespace airflow/.test(e.message),
    );
    assert.equal(n, 4);
  });

  it('names the missing permission on 403', () => {
    const e = toUserError(
      api(403, {
        message: 'deployments.apps "airflow-scheduler" is forbidden: User "system:serviceaccount:ci:deployer" cannot patch resource "deployments" in API group "apps" in the namespace "airflow"',
      }),
      CTX,
    );
    assert.equal(e.code, 'KUBE_FORBIDDEN');
    assert.equal(e.message, 'permission denied: system:serviceaccount:ci:deployer may not patch deployments.apps in namespace airflow (needed to apply Deployment airflow/airflow-scheduler)');
    assert.match(e.hint!, /RBAC verb "patch" on "deployments"/);
  });

  it('names cluster-scoped permissions too', () => {
    const e = toUserError(api(403, { message: 'namespaces "airflow" is forbidden: User "alice" cannot patch resource "namespaces" in API group "" at the cluster scope' }), CTX);
    assert.match(e.message, /alice may not patch namespaces \(cluster-wide\)/);
  });

  it('lists the conflicting fields and managers, and suggests --force-conflicts', () => {
    const e = toUserError(
      api(409, { reason: 'Conflict', message: 'Apply failed with 1 conflict', details: { causes: [{ type: 'FieldManagerConflict', field: '.spec.replicas', message: 'conflict with "kubectl-scale"' }] } }),
      CTX,
    );
    assert.equal(e.code, 'KUBE_FIELD_CONFLICT');
    assert.deepEqual(e.details, ['.spec.replicas: conflict with "kubectl-scale"']);
    assert.match(e.hint!, /--force-conflicts/);
  });

  it('says the cluster is unreachable, with server and context', () => {
    const e = toUserError(Object.assign(new Error('request failed'), { cause: net('ECONNREFUSED') }), CTX);
    assert.equal(e.code, 'KUBE_UNREACHABLE');
    assert.match(e.message, /cannot reach the Kubernetes API at https:\/\/k8s\.example:443 \(context "prod"\): ECONNREFUSED/);
  });

  it('diffs objects by path without values', () => {
    assert.deepEqual(diffPaths({ a: 1, b: { c: 'x', d: [1] } }, { a: 1, b: { c: 'y', d: [1, 2] }, e: true }), ['b.c', 'b.d', 'e']);
    assert.deepEqual(diffPaths({ data: { k: 'c2VjcmV0' } }, { data: { k: 'b3RoZXI=' } }), ['data.k']);
  });
});
