/**
 * SSO behind the exposure load balancer: real Airflow started as the rendered api-server Deployment starts it (args,
 * ConfigMap settings, the webserver_config.py ConfigMap and the client secret Secret as files at the paths the
 * container's env names) sends the OpenID provider a redirect URI with https when the load balancer says the browser
 * spoke https — the provider only accepts the registered https://<hostname>/auth/oauth-authorized/oidc.
 * Real Airflow comes from a cached `dev` virtualenv with Authlib (test/e2e/dev/native-sso.test builds it).
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import { buildApp } from '../../../src/k8s/app.js';
import { cachedAirflowVenv, startApiServer, type ApiServer } from '../../support/airflow-api-server.js';
import { CACHE_DIR } from '../../support/dev-project.js';
import { startOidcProvider, type OidcProviderServer } from '../../support/oidc-provider.js';
import { config, inputs } from '../../unit/k8s/fixtures.js';
import { find } from '../../unit/k8s/support.js';

const VENV = cachedAirflowVenv(['airflow.providers.fab', 'authlib']);
const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow-oidc-AbCdEf';
const HOST = 'airflow.example.com';

describe('SSO behind the exposure load balancer (real Airflow, real OpenID provider)', () => {
  let provider: OidcProviderServer;
  let server: ApiServer | undefined;
  let files = '';

  before(async () => {
    assert.ok(VENV, `no cached Airflow 3 virtualenv with Authlib under ${CACHE_DIR}/dev/venvs: run test/e2e/dev/native-sso.test first`);
    provider = await startOidcProvider({ clientId: 'airflow', clientSecret: 'proxy-test-secret', redirectUris: [`https://${HOST}/auth/oauth-authorized/oidc`], accounts: {} });
    // The "VPC" is loopback here, so the test client stands where the load balancer would.
    const cfg = config({
      network: { vpc: { cidr: '127.0.0.0/16' } },
      exposure: { mode: 'public', certificateArn: CERT, hostname: HOST, sourceCidrs: ['203.0.113.0/24'] },
      auth: { oidc: { issuer: provider.issuer, clientId: 'airflow', clientSecret: ARN, roleMapping: { admins: 'Admin' } } },
    });
    const app = buildApp(inputs(cfg, { oidcClientSecret: 'proxy-test-secret' }));
    const settings = find<V1ConfigMap>(app, 'ConfigMap', 'airflow-config').data!;
    const container = find<V1Deployment>(app, 'Deployment', 'airflow-api-server').spec!.template.spec!.containers[0]!;
    const plainEnv = Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    // The two mounts, as files in a temporary directory; the env points at them as it points at the mounts.
    files = path.join('/tmp', `airflow-aws-sso-proxy-${process.pid}`);
    mkdirSync(files, { recursive: true });
    const configFile = path.join(files, 'webserver_config.py');
    const secretFile = path.join(files, 'client-secret');
    writeFileSync(configFile, find<V1ConfigMap>(app, 'ConfigMap', 'airflow-webserver-config').data!['webserver_config.py']!);
    writeFileSync(secretFile, 'proxy-test-secret', { mode: 0o600 });
    assert.ok(plainEnv['AIRFLOW__FAB__CONFIG_FILE'] && plainEnv['AIRFLOW_AWS_OIDC_CLIENT_SECRET_FILE'], Object.keys(plainEnv).join(', '));
    const keys = Object.keys(settings).filter((k) => k === 'FORWARDED_ALLOW_IPS' || k.startsWith('AIRFLOW__FAB__') || k === 'AIRFLOW__API__BASE_URL' || k === 'AIRFLOW__CORE__AUTH_MANAGER');
    server = await startApiServer(
      VENV!,
      { ...Object.fromEntries(keys.map((k) => [k, settings[k]!])), AIRFLOW__FAB__CONFIG_FILE: configFile, AIRFLOW_AWS_OIDC_CLIENT_SECRET_FILE: secretFile },
      container.args!.slice(1),
    );
  });

  after(async () => {
    server?.stop();
    await provider?.stop();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  /** GET as the load balancer forwards it (Host: the public name); redirects are not followed. */
  const loginRedirect = (headers: Record<string, string>) =>
    new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: server!.port, path: '/auth/login/oidc', headers: { Host: HOST, ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers.location ?? `no Location (HTTP ${res.statusCode})`));
      });
      req.on('error', reject);
    });

  it('sends the provider https://<hostname>/auth/oauth-authorized/oidc when the load balancer says https', async () => {
    const location = new URL(await loginRedirect({ 'X-Forwarded-Proto': 'https' }));
    assert.equal(location.origin, provider.issuer, location.toString());
    assert.equal(location.searchParams.get('redirect_uri'), `https://${HOST}/auth/oauth-authorized/oidc`);
    assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(location.searchParams.get('scope'), 'openid email profile');
  });

  it('keeps http without the header (a direct request inside the cluster)', async () => {
    const location = new URL(await loginRedirect({}));
    assert.equal(location.searchParams.get('redirect_uri'), `http://${HOST}/auth/oauth-authorized/oidc`);
  });
});
