/**
 * The Airflow UI we ship renders in a real browser: headless chromium (Debian's, through playwright-core) against
 * real Airflow 3 started by `airflow-aws dev up --native` with the FAB auth manager. It logs in through FAB's form
 * with the generated admin user, waits for the React app's home page, goes to the DAG list through the navigation
 * and finds the example DAG there. Screenshots of the login page, the home page and the DAG list are kept under
 * test-artifacts/dev-browser-ui/ (their paths are printed).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { freePort } from '../../../src/adapters/fs/dev-state.js';
import { loginWithFab, openDagList, UI_STEP_TIMEOUT_MS } from '../../support/airflow-ui.js';
import { artifactsDir, assertScreenshot, launchChromium, requireChromium, screenshot } from '../../support/browser.js';
import { createDevProject, waitFor, type DevProject } from '../../support/dev-project.js';

let project: DevProject | undefined;
let browser: Browser | undefined;
let baseUrl = '';
let shots = '';

describe('the Airflow UI in a real browser (dev native mode, FAB login)', { timeout: 3_600_000 }, () => {
  before(async () => {
    // Before the minutes Airflow takes to start: a missing browser fails at once and names the setup command.
    requireChromium();
    shots = await artifactsDir('dev-browser-ui');
    project = await createDevProject({ name: 'devui', auth: 'fab', dags: [] });
    const up = await project.cli(['dev', 'up', '--native', '--detach', '--port', String(await freePort())], 1_800_000);
    assert.equal(up.code, 0, up.stderr);
    // The list is fetched once per visit, so the DAG must be parsed before the browser looks.
    const api = await project.api();
    await waitFor('example_pipeline to be parsed', async () => (await api.getDag('example_pipeline')) !== undefined, 300_000);
    baseUrl = `http://127.0.0.1:${(await project.state()).apiPort}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    if (!project) return;
    await project.cli(['dev', 'down', '--purge'], 180_000);
    await rm(project.dir, { recursive: true, force: true });
  });

  it('logs in through the FAB form as the generated admin and shows example_pipeline in the DAG list', { timeout: 600_000 }, async (t) => {
    const page = await browser!.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(UI_STEP_TIMEOUT_MS);
    let login = '';
    let home = '';
    let dagList = '';
    try {
      await loginWithFab(page, baseUrl, await project!.adminCredentials(), {
        onLoginForm: async (p) => {
          login = await screenshot(p, shots, 'login');
        },
      });
      home = await screenshot(page, shots, 'home');
      const links = await openDagList(page, 'example_pipeline');
      assert.ok((await links.count()) >= 1, 'example_pipeline is not linked from the DAG list');
      dagList = await screenshot(page, shots, 'dag-list');
    } catch (err) {
      // What the browser showed when a step gave up is the first thing to look at.
      t.diagnostic(`failed on ${page.url()}; screenshot: ${await screenshot(page, shots, 'failure')}`);
      throw err;
    }

    for (const file of [login, home, dagList]) {
      await assertScreenshot(file);
      t.diagnostic(`screenshot: ${file}`);
    }
  });

  it('refuses a wrong password with FAB\'s message and stays on the login form', { timeout: 300_000 }, async () => {
    const page = await browser!.newPage();
    page.setDefaultTimeout(UI_STEP_TIMEOUT_MS);
    const { username } = await project!.adminCredentials();
    await assert.rejects(
      loginWithFab(page, baseUrl, { username, password: 'not-the-admin-password' }),
      new RegExp(`FAB refused the login of user ${username}`),
    );
    assert.match(page.url(), /\/auth\/login\//);
  });
});
