/**
 * Native mode with the default auth manager (FAB): the admin user is created from the generated secret and the
 * REST client logs in through FAB's /auth/token; the UI we ship renders in a real browser (headless chromium, Debian's,
 * through playwright-core), which logs in through FAB's form as that admin, reaches the React app's home page and
 * finds the example DAG in the DAG list (screenshots under test-artifacts/dev-browser-ui/, their paths printed);
 * `users add` and `users reset-password` change FAB's database users of the running Airflow, proven by logging in
 * through /auth/token. The same run is the secrets-hygiene check: no generated or user-given secret appears in any
 * CLI output or in any file written outside the secret stores (the browser's login included).
 * One Airflow serves every assertion, in order: each start costs a migration and four Airflow processes' imports.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AirflowApi } from '../../../src/adapters/airflow-api.js';
import { freePort } from '../../../src/adapters/fs/dev-state.js';
import type { Browser } from 'playwright-core';
import { loginWithFab, signInAndTour, UI_STEP_TIMEOUT_MS } from '../../support/airflow-ui.js';
import { artifactsDir, launchChromium, requireChromium } from '../../support/browser.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { createDevProject, type DevProject } from '../../support/dev-project.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { cliTexts, describeLeaks, filesUnder, findLeaks, type SecretValue, type Text } from '../../support/secret-hygiene.js';

let project: DevProject;
let moto: MotoServer;
let apiPort: number;
let browser: Browser | undefined;
let shots = '';
/** Every CLI run's output, for the hygiene check. */
const outputs: Text[] = [];
/** Secrets the test gives the tool (users' passwords, a connection, a variable). */
const given: SecretValue[] = [];

async function cli(args: string[], o: { input?: string; env?: NodeJS.ProcessEnv; killAfterMs?: number } = {}): Promise<CliResult> {
  const r = await runCli(args, { cwd: project.dir, env: { ...project.env, ...o.env }, input: o.input ?? '', killAfterMs: o.killAfterMs ?? 600_000 });
  outputs.push(...cliTexts(args.join(' '), r));
  return r;
}

const login = (username: string, password: string) => new AirflowApi({ baseUrl: `http://127.0.0.1:${apiPort}`, major: 3, username, password }).login();

describe('dev (native mode) with the FAB auth manager', { timeout: 3_600_000 }, () => {
  before(async () => {
    // Before the minutes Airflow takes to start: a missing browser fails at once and names the setup command.
    requireChromium();
    shots = await artifactsDir('dev-browser-ui');
    project = await createDevProject({ name: 'devfab', auth: 'fab', dags: [] });
    moto = await startMoto();
  });
  after(async () => {
    await browser?.close();
    await moto?.stop();
    if (!project) return;
    await project.cli(['dev', 'down', '--purge'], 180_000);
    await rm(project.dir, { recursive: true, force: true });
  });

  it('creates the admin user and runs the example pipeline through the API', { timeout: 1_800_000 }, async () => {
    apiPort = await freePort();
    const up = await cli(['dev', 'up', '--native', '--detach', '--port', String(apiPort)], { killAfterMs: 1_800_000 });
    assert.equal(up.code, 0, up.stderr);
    const r = await cli(['dev', 'run-dag', 'example_pipeline', '--timeout', '300'], { killAfterMs: 400_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /example_pipeline \S+: success/);
  });

  it('the UI in a real browser: logs in through the FAB form as the generated admin and shows example_pipeline in the DAG list', { timeout: 600_000 }, async (t) => {
    // The run above parsed example_pipeline: the DAG list, fetched once per visit, has it.
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(UI_STEP_TIMEOUT_MS);
    const credentials = await project.adminCredentials();
    await signInAndTour(page, { dir: shots, loginShot: 'login', dagId: 'example_pipeline', diagnostic: (m) => t.diagnostic(m) }, (onLoginForm) =>
      loginWithFab(page, `http://127.0.0.1:${apiPort}`, credentials, { onLoginForm }),
    );
  });

  it('the UI in a real browser: refuses a wrong password with FAB\'s message and stays on the login form', { timeout: 300_000 }, async () => {
    assert.ok(browser, 'the browser of the test above');
    const page = await browser.newPage();
    page.setDefaultTimeout(UI_STEP_TIMEOUT_MS);
    const { username } = await project.adminCredentials();
    await assert.rejects(
      loginWithFab(page, `http://127.0.0.1:${apiPort}`, { username, password: 'not-the-admin-password' }),
      new RegExp(`FAB refused the login of user ${username}`),
    );
    assert.match(page.url(), /\/auth\/login\//);
  });

  it('adds a user and resets its password; /auth/token takes the new password and refuses the old one', { timeout: 600_000 }, async () => {
    const first = `first-${randomBytes(9).toString('base64url')}`;
    const second = `second-${randomBytes(9).toString('base64url')}`;
    given.push({ label: "ada's first password", value: first }, { label: "ada's second password", value: second });

    await assert.rejects(login('ada', first), /refused the login of ada \(HTTP 401\)/, 'no such user yet');
    const add = await cli(['users', 'add', 'ada', '--role', 'Viewer', '--email', 'ada@example.com', '--first-name', 'Ada', '--last-name', 'Lovelace', '--dev'], { input: `${first}\n` });
    assert.equal(add.code, 0, add.stderr);
    assert.equal(add.stdout.trim(), 'added ada with role Viewer (local native Airflow)');
    await login('ada', first);

    const again = await cli(['users', 'add', 'ada', '--role', 'Admin', '--email', 'other@example.com', '--dev'], { input: second });
    assert.equal(again.code, 2, again.stderr);
    assert.match(again.stderr, /user ada already exists/);
    const unknown = await cli(['users', 'reset-password', 'nobody', '--dev'], { input: second });
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /there is no user nobody/);

    const reset = await cli(['users', 'reset-password', 'ada', '--dev'], { input: second });
    assert.equal(reset.code, 0, reset.stderr);
    await login('ada', second);
    await assert.rejects(login('ada', first), /refused the login of ada \(HTTP 401\)/, 'the old password no longer works');
    // The generated admin is untouched.
    const secrets = JSON.parse(await readFile(path.join(project.dir, '.airflow-aws', 'dev', 'secrets.json'), 'utf8'));
    await login(secrets.adminUser, secrets.adminPassword);
  });

  it('prints and writes no secret value: generated ones, users\' passwords, connections and variables', { timeout: 600_000 }, async () => {
    const connPassword = `conn-${randomBytes(9).toString('hex')}`;
    const variable = `var-${randomBytes(9).toString('hex')}`;
    given.push({ label: 'connection password', value: connPassword }, { label: 'variable value', value: variable });
    const aws = { env: moto.env };
    const steps: [string[], { input?: string; env?: NodeJS.ProcessEnv }][] = [
      [['secrets', 'set-connection', 'warehouse'], { ...aws, input: `postgres://etl:${connPassword}@db.internal:5432/w` }],
      [['secrets', 'set-variable', 'api_token'], { ...aws, input: variable }],
      [['secrets', 'list'], aws],
      [['secrets', 'list', '--json'], aws],
      [['dev', 'status'], {}],
      [['dev', 'status', '--json'], {}],
      [['dev', 'logs', '--tail', '1000'], {}],
      [['validate', '--print'], {}],
      [['plan', '--offline'], {}],
      [['synth', '--out', 'out'], {}],
    ];
    for (const [args, o] of steps) {
      const r = await cli(args, o);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }

    const stateDir = path.join('.airflow-aws', 'dev');
    const generated = JSON.parse(await readFile(path.join(project.dir, stateDir, 'secrets.json'), 'utf8'));
    const secrets: SecretValue[] = [
      ...['fernetKey', 'apiSecretKey', 'jwtSecret', 'postgresPassword', 'adminPassword'].map((k) => ({ label: `dev ${k}`, value: String(generated[k]) })),
      ...given,
    ];
    // The stores meant to hold them: the generated secrets (0600) and the env files handed to containers (0600).
    const store = (rel: string) => rel === path.join(stateDir, 'secrets.json') || (path.dirname(rel) === stateDir && rel.endsWith('.env'));
    const files = await filesUnder(project.dir, store);
    // As root, PostgreSQL's data directory lives in the cache rather than the project.
    const pgData = (await project.state()).postgresDataDir;
    if (pgData && !path.resolve(project.dir, pgData).startsWith(project.dir)) files.push(...(await filesUnder(pgData)));
    assert.ok(files.some((f) => f.where.endsWith('api-server.log')), 'the component logs are among the files searched');
    assert.ok(files.some((f) => f.where.includes(`${path.sep}out${path.sep}`)), 'the synth artefacts are among the files searched');
    const leaks = findLeaks(secrets, [...outputs, ...files]);
    assert.deepEqual(leaks, [], describeLeaks(leaks));
  });
});
