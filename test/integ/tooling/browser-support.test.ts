/**
 * The browser test support itself, with real chromium: a missing browser fails naming the setup command, and a
 * login step that fails never carries the password into the error (Playwright's call log quotes the values typed).
 * The login form here is a stand-in served on loopback: the failure it provokes (a field that never becomes
 * editable) cannot be provoked on real Airflow; test/e2e/dev/native-fab.test.ts logs in to the real one.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { loginWithFab } from '../../support/airflow-ui.js';
import { launchChromium, requireChromium } from '../../support/browser.js';

const PASSWORD = 'pw-must-not-leak-7f3a';

// FAB's login form as Airflow serves it (labels, button value), but with a password field that stays disabled.
const LOGIN_PAGE = `<!doctype html><form method="post">
<label for="username">Username:</label><input id="username" name="username">
<label for="password">Password:</label><input id="password" name="password" type="password" disabled>
<input type="submit" value="Sign In"></form>`;

describe('browser test support', () => {
  let server: http.Server;
  let baseUrl = '';
  let browser: Browser | undefined;

  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/') res.writeHead(302, { location: '/auth/login/?next=%2F' }).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end(LOGIN_PAGE);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => server.close(r));
  });

  it('names the setup command when chromium is missing', () => {
    assert.throws(() => requireChromium('/nonexistent/chromium'), /\/nonexistent\/chromium is missing: run `bash scripts\/testbed\/setup\.sh`/);
  });

  it('keeps the password out of the error of a login step that fails', async () => {
    const page = await browser!.newPage();
    page.setDefaultTimeout(2_000);
    const err = await loginWithFab(page, baseUrl, { username: 'admin', password: PASSWORD }).then(
      () => assert.fail('the login cannot succeed: the password field is disabled'),
      (e: unknown) => e as Error,
    );
    // The failing call is the one that typed the password: its call log shows where the value was.
    assert.match(err.message, /fill\("\*\*\*"\)/);
    assert.ok(!err.message.includes(PASSWORD), 'password in the error message');
    assert.ok(!String(err.stack).includes(PASSWORD), 'password in the stack');
  });
});
