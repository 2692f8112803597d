/**
 * SSO for real: `dev up --native` with auth.oidc renders the same webserver_config.py the cluster mounts, reads the
 * client secret from its Secrets Manager ARN (moto, through --secrets-endpoint), and real Airflow signs people in
 * through a real OpenID provider (npm oidc-provider) started here. A scripted browser (fetch + our cookie jar)
 * follows the redirects, posts the provider's login and consent forms, and comes back through
 * /auth/oauth-authorized/oidc. Headless chromium (playwright-core) does the same as a person: FAB's "Sign In with
 * oidc", the provider's login and consent pages, then Airflow's home page and DAG list; screenshots are kept under
 * test-artifacts/dev-native-sso/. One project, restarted once: when the config's defaultRole changes. For a wrong client
 * secret the provider, not Airflow, starts again on the same issuer and expects another secret than the one Airflow
 * read from Secrets Manager: the token request fails just as it would with a wrong secret stored.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Browser } from 'playwright-core';
import { OIDC_PROVIDER } from '../../../src/airflow/fab-oidc.js';
import { loginWithSso, signInAndTour, UI_STEP_TIMEOUT_MS } from '../../support/airflow-ui.js';
import { artifactsDir, launchChromium, requireChromium } from '../../support/browser.js';
import { runCli } from '../../support/cli.js';
import { createDevProject, waitFor, type DevProject } from '../../support/dev-project.js';
import { freePort, startMoto, type MotoServer } from '../../support/moto.js';
import { signInAtDevProvider, startOidcProvider, type OidcProviderOptions, type OidcProviderServer } from '../../support/oidc-provider.js';
import { ssoLogin, type SsoLoginResult } from '../../support/sso-login.js';

const CLIENT_ID = 'airflow-e2e';
// Fresh per run, so nothing can pass on an earlier run's leftovers.
const clientSecret = `cs-${randomBytes(18).toString('base64url')}`;
// What the provider expects once it stops agreeing with Airflow; never given to Airflow.
const otherSecret = `cs-${randomBytes(18).toString('base64url')}`;

let moto: MotoServer;
let provider: OidcProviderServer;
let providerOptions: OidcProviderOptions;
let project: DevProject;
let browser: Browser | undefined;
let shots = '';
let secretArn = '';
let port = 0;
const base = () => `http://127.0.0.1:${port}`;
// What `dev up` announces and a person opens. The UI sends a visitor without a session to the login URL under
// `[api] base_url`, which dev sets to this host, so a browser's redirect URI names localhost whatever it opened.
const uiBase = () => `http://localhost:${port}`;

function ssoYaml(defaultRole?: string): string {
  return [
    'auth:',
    '  oidc:',
    `    issuer: ${provider.issuer}`,
    `    clientId: ${CLIENT_ID}`,
    `    clientSecret: ${secretArn}`,
    '    scopes: [openid, email, profile, groups]',
    '    roleMapping:',
    '      airflow-admins: Admin',
    '      airflow-operators: Op',
    ...(defaultRole ? [`    defaultRole: ${defaultRole}`] : []),
  ].join('\n');
}

async function setDefaultRole(role: string | undefined): Promise<void> {
  const file = path.join(project.dir, 'airflow-aws.yaml');
  const text = await readFile(file, 'utf8');
  await writeFile(file, `${text.slice(0, text.indexOf('auth:\n  oidc:'))}${ssoYaml(role)}\n`);
}

async function up(): Promise<void> {
  const r = await runCli(['dev', 'up', '--native', '--detach', '--port', String(port), '--secrets-endpoint', moto.endpoint], {
    cwd: project.dir,
    env: { ...project.env, ...moto.env },
    killAfterMs: 1_800_000,
  });
  assert.equal(r.code, 0, r.stderr);
  // The secret is in no output of the CLI (it went from Secrets Manager into a 0600 file).
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(clientSecret));
}

async function down(): Promise<void> {
  const r = await project.cli(['dev', 'down'], 180_000);
  assert.equal(r.code, 0, r.stderr);
}

async function apiServerLog(): Promise<string> {
  return readFile(path.join(project.dir, '.airflow-aws', 'dev', 'logs', 'api-server.log'), 'utf8');
}

/** Roles of a user as FAB stores them, read with the local admin's token (dev keeps its admin for the CLI). */
async function rolesOf(username: string): Promise<string[]> {
  const secrets = JSON.parse(await readFile(path.join(project.dir, '.airflow-aws', 'dev', 'secrets.json'), 'utf8')) as { adminUser: string; adminPassword: string };
  const t = await fetch(`${base()}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: secrets.adminUser, password: secrets.adminPassword }),
  });
  assert.equal(t.status, 201, await t.clone().text());
  const { access_token: token } = (await t.json()) as { access_token: string };
  const r = await fetch(`${base()}/auth/fab/v1/users/${username}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, `${username}: ${await r.clone().text()}`);
  const user = (await r.json()) as { roles?: { name: string }[] };
  return (user.roles ?? []).map((x) => x.name).sort();
}

/** A GET with the session the login left (the `_token` cookie the UI uses). */
async function withSession(login: SsoLoginResult, p: string): Promise<number> {
  const token = login.jar.get('_token');
  assert.ok(token, 'no _token cookie');
  return (await fetch(`${base()}${p}`, { headers: { cookie: `_token=${token}` } })).status;
}

function passedCallback(login: SsoLoginResult): boolean {
  return login.hops.some((h) => new URL(h.url).pathname === '/auth/oauth-authorized/oidc');
}

const trail = (l: SsoLoginResult) => l.hops.map((h) => `${h.method} ${new URL(h.url).pathname} ${h.status}`).join('\n');

describe('SSO through a real OpenID provider into real Airflow (dev native)', { timeout: 3_600_000 }, () => {
  before(async () => {
    // Before the minutes Airflow takes to start: a missing browser fails at once and names the setup command.
    requireChromium();
    shots = await artifactsDir('dev-native-sso');
    moto = await startMoto();
    const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    secretArn = (await sm.send(new CreateSecretCommand({ Name: `airflow-oidc-${randomBytes(4).toString('hex')}`, SecretString: clientSecret }))).ARN!;
    sm.destroy();
    port = await freePort();
    providerOptions = {
      clientId: CLIENT_ID,
      clientSecret,
      redirectUris: [`${base()}/auth/oauth-authorized/oidc`, `${uiBase()}/auth/oauth-authorized/oidc`],
      accounts: {
        alice: { groups: ['airflow-admins', 'unrelated'], email: 'alice@example.com', givenName: 'Alice' },
        bob: { groups: ['data-team'], email: 'bob@example.com', givenName: 'Bob' },
      },
    };
    provider = await startOidcProvider(providerOptions);
    project = await createDevProject({ name: 'devsso', auth: 'fab', dags: [], extraConfig: ssoYaml() });
    await up();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (project) {
      await project.cli(['dev', 'down', '--purge'], 180_000);
      await rm(project.dir, { recursive: true, force: true });
    }
    await provider?.stop();
    await moto?.stop();
  });

  it('signs alice in through the provider and gives her session the role of her group (Admin)', async () => {
    const login = await ssoLogin(base(), 'oidc', provider.issuer, 'alice', 'any-password');
    assert.ok(passedCallback(login), trail(login));
    assert.ok(provider.logins.includes('alice'));
    assert.ok(login.jar.get('_token'), `no session token after the callback:\n${trail(login)}`);
    assert.deepEqual(await rolesOf('oidc_alice'), ['Admin']);
    // The session acts with that role: DAGs (any role) and the user list (Admin only).
    assert.equal(await withSession(login, '/api/v2/dags'), 200);
    assert.equal(await withSession(login, '/auth/fab/v1/users'), 200);
  });

  it('signs alice in through the provider in a real browser, onto the home page with live data and example_pipeline in the DAG list', { timeout: 600_000 }, async (t) => {
    // The list is fetched once per visit, so the DAG must be parsed before the browser looks.
    const api = await project.api();
    await waitFor('example_pipeline to be parsed', async () => (await api.getDag('example_pipeline')) !== undefined, 300_000);
    const page = await browser!.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(UI_STEP_TIMEOUT_MS);
    try {
      await signInAndTour(page, { dir: shots, loginShot: 'provider-login', dagId: 'example_pipeline', diagnostic: (m) => t.diagnostic(m) }, (onLoginForm) =>
        loginWithSso(page, uiBase(), OIDC_PROVIDER, 'alice', (p) => signInAtDevProvider(p, provider.issuer, 'alice', { onLoginForm })),
      );
    } finally {
      await page.context().close();
    }
  });

  it('refuses bob, who is in no mapped group, when there is no default role', async () => {
    const login = await ssoLogin(base(), 'oidc', provider.issuer, 'bob', 'any-password');
    assert.ok(passedCallback(login), trail(login));
    assert.equal(login.jar.get('_token'), undefined, trail(login));
    assert.match(await apiServerLog(), /sign-in refused for oidc_bob: none of its groups \(groups: \['data-team'\]\) is in auth\.oidc\.roleMapping/);
  });

  it('gives bob the default role once one is set, and alice still exactly her mapped role', async () => {
    await down();
    await setDefaultRole('Viewer');
    await up();
    const bob = await ssoLogin(base(), 'oidc', provider.issuer, 'bob', 'any-password');
    assert.ok(bob.jar.get('_token'), trail(bob));
    assert.deepEqual(await rolesOf('oidc_bob'), ['Viewer']);
    assert.equal(await withSession(bob, '/api/v2/dags'), 200);
    assert.equal(await withSession(bob, '/auth/fab/v1/users'), 403);
    const alice = await ssoLogin(base(), 'oidc', provider.issuer, 'alice', 'any-password');
    assert.ok(alice.jar.get('_token'), trail(alice));
    assert.deepEqual(await rolesOf('oidc_alice'), ['Admin']);
  });

  it('explains a wrong client secret in the api-server log, and signs nobody in', async () => {
    // Same issuer, same client, another secret: Airflow's secret (from Secrets Manager, as the first case proved) is
    // now the wrong one, without the minute a restart of Airflow takes.
    const issuer = provider.issuer;
    await provider.stop();
    provider = await startOidcProvider({ ...providerOptions, clientSecret: otherSecret, port: Number(new URL(issuer).port) });
    assert.equal(provider.issuer, issuer);
    // Only what this sign-in adds to the log counts.
    const logBefore = (await apiServerLog()).length;
    const login = await ssoLogin(base(), 'oidc', provider.issuer, 'alice', 'any-password');
    assert.ok(passedCallback(login), trail(login));
    assert.equal(login.jar.get('_token'), undefined, trail(login));
    // The provider refused the token request, so it released alice's claims to no one.
    assert.deepEqual(provider.logins, []);
    assert.match((await apiServerLog()).slice(logBefore), /Error authorizing OAuth access token: invalid_client: client authentication failed/);
  });

  it('wrote neither client secret into any log of the environment', async () => {
    const dir = path.join(project.dir, '.airflow-aws', 'dev', 'logs');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.log'));
    assert.ok(files.includes('api-server.log'), files.join(', '));
    for (const f of files) {
      const text = await readFile(path.join(dir, f), 'utf8');
      assert.doesNotMatch(text, new RegExp(clientSecret), f);
      // Only the provider had this one: nothing it answered Airflow may carry it into a log either.
      assert.doesNotMatch(text, new RegExp(otherSecret), f);
    }
  });
});
