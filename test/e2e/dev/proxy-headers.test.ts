/**
 * Behind the exposure load balancer, real Airflow must believe the browser spoke HTTPS: the api-server is started the
 * way the rendered Deployment starts it (its args) with the rendered proxy settings (ConfigMap), and answered as the
 * load balancer would forward a request — X-Forwarded-Proto: https from an address inside the VPC range.
 * Real Airflow comes from a virtualenv `airflow-aws dev` cached under AIRFLOW_AWS_CACHE (the dev tests create it).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import { buildApp } from '../../../src/k8s/app.js';
import { cachedAirflowVenv, startApiServer, type ApiServer } from '../../support/airflow-api-server.js';
import { CACHE_DIR } from '../../support/dev-project.js';
import { config, inputs } from '../../unit/k8s/fixtures.js';
import { find } from '../../unit/k8s/support.js';

const VENV = cachedAirflowVenv();
const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';

// The dev tests before this file (native*.test) create the virtualenv; without one this fails, never skips.
describe('real Airflow behind the exposure load balancer', () => {
  // The "VPC" is loopback here, so the test client stands where the load balancer would.
  const cfg = config({
    network: { vpc: { cidr: '127.0.0.0/16' } },
    exposure: { mode: 'public', certificateArn: CERT, hostname: 'airflow.example.com', sourceCidrs: ['203.0.113.0/24'] },
  });
  const app = buildApp(inputs(cfg));
  const rendered = find<V1ConfigMap>(app, 'ConfigMap', 'airflow-config').data!;
  const args = find<V1Deployment>(app, 'Deployment', 'airflow-api-server').spec!.template.spec!.containers[0]!.args!;
  let server: ApiServer | undefined;
  let port = 0;

  before(async () => {
    assert.ok(VENV, `no cached Airflow 3 virtualenv under ${CACHE_DIR}/dev/venvs: run test/e2e/dev/native.test first (scripts/test.sh runs it before this file)`);
    const proxyKeys = Object.keys(rendered).filter((k) => k === 'FORWARDED_ALLOW_IPS' || k.startsWith('AIRFLOW__FAB__') || k === 'AIRFLOW__API__BASE_URL' || k === 'AIRFLOW__CORE__AUTH_MANAGER');
    assert.ok(proxyKeys.includes('FORWARDED_ALLOW_IPS') && proxyKeys.includes('AIRFLOW__FAB__ENABLE_PROXY_FIX'), proxyKeys.join(', '));
    assert.equal(args[0], 'api-server');
    server = await startApiServer(VENV!, Object.fromEntries(proxyKeys.map((k) => [k, rendered[k]!])), args.slice(1));
    port = server.port;
  });

  after(() => server?.stop());

  /** One request as the load balancer forwards it (Host is the public name); redirects are not followed. */
  const get = (p: string, headers: Record<string, string>) =>
    new Promise<{ status: number; location?: string; cookies: string[] }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: p, headers: { Host: 'airflow.example.com', ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}), cookies: res.headers['set-cookie'] ?? [] }));
      });
      req.on('error', reject);
    });

  it('starts the api-server with --proxy-headers, as rendered', () => {
    assert.deepEqual(args, ['api-server', '--proxy-headers']);
  });

  it('marks the session cookies Secure when the load balancer says https, and not otherwise', async () => {
    const https = await get('/auth/logout', { 'X-Forwarded-Proto': 'https' });
    assert.ok(https.cookies.length >= 1, `no cookies (HTTP ${https.status})`);
    for (const c of https.cookies) assert.match(c, /;\s*Secure/i, c);
    const plain = await get('/auth/logout', {});
    assert.ok(plain.cookies.length >= 1, `no cookies (HTTP ${plain.status})`);
    for (const c of plain.cookies) assert.doesNotMatch(c, /;\s*Secure/i, c);
  });

  it('builds absolute redirects of the FAB app with https, and never with a host the client made up', async () => {
    const r = await get('/auth/login', { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example' });
    assert.equal(r.status, 308);
    assert.equal(r.location, 'https://airflow.example.com/auth/login/');
    const plain = await get('/auth/login', {});
    assert.equal(plain.location, 'http://airflow.example.com/auth/login/');
  });
});
