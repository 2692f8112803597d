/**
 * Drives Airflow 3's web UI in a real browser the way a person does. The UI is a React single-page app: a load
 * event only means the empty shell arrived, so every step waits for content the app renders from API answers.
 * Login is per auth method (FAB's database form, or SSO through FAB's OAuth login page), and each ends in `waitForHome`.
 */
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { redactText } from '../../src/adapters/proc/run-process.js';
import { assertScreenshot, screenshot } from './browser.js';

/** Generous per-step bound: the app's first render fetches its bundle and API answers on a loaded two-core machine. */
export const UI_STEP_TIMEOUT_MS = 60_000;

export interface UiCredentials {
  readonly username: string;
  readonly password: string;
}

export interface FabLoginOptions {
  /** Runs while FAB's empty login form is shown, before anything is typed (e.g. a screenshot). */
  readonly onLoginForm?: (page: Page) => Promise<void>;
}

/** The UI's navigation link to the DAG list (label from Airflow's en/common.json `nav.dags`). */
function dagsNavLink(page: Page): Locator {
  return page.getByRole('link', { name: 'Dags', exact: true });
}

/**
 * The home page has rendered live data: the health panel is filled from /api/v2/monitor/health, so it proves the
 * app's API calls work with the session, not only that the shell and its navigation rendered.
 */
function homeHealthPanel(page: Page): Locator {
  return page.getByText('MetaDatabase', { exact: true });
}

/**
 * Opens the UI signed out and returns once FAB's login form is shown: the app sends a visitor without a session to
 * the auth manager's login URL, which for FAB is `/auth/login/`.
 */
export async function openFabLoginForm(page: Page, baseUrl: string): Promise<void> {
  await page.goto(new URL('/', baseUrl).href);
  await page.waitForURL(/\/auth\/login\//);
  await page.getByRole('button', { name: 'Sign In' }).waitFor();
}

/**
 * Logs in through FAB's database login form and returns on the rendered home page. Throws, naming the user, when
 * FAB answers with its invalid-login message. The password never appears in an error: Playwright's messages can
 * quote the values of the calls they describe.
 */
export async function loginWithFab(page: Page, baseUrl: string, credentials: UiCredentials, opts: FabLoginOptions = {}): Promise<void> {
  try {
    await openFabLoginForm(page, baseUrl);
    await opts.onLoginForm?.(page);
    await page.getByLabel('Username').fill(credentials.username);
    await page.getByLabel('Password').fill(credentials.password);
    await page.getByRole('button', { name: 'Sign In' }).click();
    await waitForHomeOrRefusal(page, `user ${credentials.username}`);
  } catch (err) {
    throw redacted(err, credentials.password);
  }
}

/**
 * Signs in through FAB's OAuth login page (`auth.oidc`): opens the UI signed out, clicks FAB's "Sign In with
 * <provider>" button, lets `signInAtProvider` get through the provider's own pages (login, consent), and returns on
 * the rendered home page. Throws, naming `who`, when FAB sends the browser back to its login page with a refusal
 * (a user without a role: "Invalid login"; a failed token exchange: "The request to sign in was denied").
 */
export async function loginWithSso(page: Page, baseUrl: string, provider: string, who: string, signInAtProvider: (page: Page) => Promise<void>): Promise<void> {
  await page.goto(new URL('/', baseUrl).href);
  await page.waitForURL(/\/auth\/login\//);
  // FAB's login_oauth.html: one `<a id="btn-signin-<name>">` per provider, whose click handler goes to /auth/login/<name>.
  await page.getByText(`Sign In with ${provider}`, { exact: true }).click();
  await signInAtProvider(page);
  await waitForHomeOrRefusal(page, who);
}

/** Waits for the home page or for FAB's refusal message (then throws naming `who` and the URL). */
async function waitForHomeOrRefusal(page: Page, who: string): Promise<void> {
  const refusal = /Invalid login|The request to sign in was denied/;
  const refused = page.getByText(refusal);
  await homeHealthPanel(page).or(refused).first().waitFor();
  // The flash's text also holds its close button's "×": name the message only.
  if (await refused.isVisible()) throw new Error(`FAB refused the login of ${who}: "${refusal.exec((await refused.first().textContent()) ?? '')?.[0]}" on ${page.url()}`);
  await waitForHome(page);
}

/** After any login: the home page shows its navigation and the health panel filled from the API. */
export async function waitForHome(page: Page): Promise<void> {
  await dagsNavLink(page).waitFor();
  await homeHealthPanel(page).waitFor();
}

/**
 * Goes to the DAG list through the navigation, as a person would, and returns once the list has rendered the given
 * DAG's link (the list is filled from /api/v2/dags after the route changes).
 */
export async function openDagList(page: Page, dagId: string): Promise<Locator> {
  await dagsNavLink(page).click();
  await page.waitForURL(/\/dags\/?$/);
  const link = page.getByRole('link', { name: dagId, exact: true });
  await link.first().waitFor();
  return link;
}

function redacted(err: unknown, secret: string): Error {
  if (!(err instanceof Error)) return new Error(redactText(String(err), [secret]));
  err.message = redactText(err.message, [secret]);
  if (err.stack) err.stack = redactText(err.stack, [secret]);
  return err;
}

export interface UiTour {
  /** Where the screenshots go (see artifactsDir). */
  readonly dir: string;
  /** Name of the screenshot of the login form the sign-in fills. */
  readonly loginShot: string;
  /** The DAG the list must link to (parsed already: the list is fetched once per visit). */
  readonly dagId: string;
  /** Where to report each screenshot's path, and the page on a failed step (a test's `t.diagnostic`). */
  readonly diagnostic: (message: string) => void;
}

/**
 * What a person does after signing in, with a screenshot at each step: the sign-in (`signIn` gets the hook that
 * screenshots the login form before anything is typed), the home page with live data, the DAG list linking
 * `tour.dagId`. Every screenshot must be a real image. A step that gives up leaves a `failure` screenshot of the page
 * as it stood, named in a diagnostic: the first thing to look at.
 */
export async function signInAndTour(page: Page, tour: UiTour, signIn: (onLoginForm: (form: Page) => Promise<void>) => Promise<void>): Promise<void> {
  const shots: string[] = [];
  try {
    await signIn(async (form) => {
      shots.push(await screenshot(form, tour.dir, tour.loginShot));
    });
    shots.push(await screenshot(page, tour.dir, 'home'));
    const links = await openDagList(page, tour.dagId);
    assert.ok((await links.count()) >= 1, `${tour.dagId} is not linked from the DAG list`);
    shots.push(await screenshot(page, tour.dir, 'dag-list'));
  } catch (err) {
    tour.diagnostic(`failed on ${page.url()}; screenshot: ${await screenshot(page, tour.dir, 'failure')}`);
    throw err;
  }
  assert.equal(shots.length, 3, `the login form was never shown: ${shots.join(', ')}`);
  for (const file of shots) {
    await assertScreenshot(file);
    tour.diagnostic(`screenshot: ${file}`);
  }
}
