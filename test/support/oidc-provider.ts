/**
 * A real OpenID provider for SSO tests: npm `oidc-provider` (an OpenID Certified implementation) on a free loopback
 * port, with its built-in login and consent pages (devInteractions: any password signs in as the login given), one
 * confidential client, and accounts whose `groups` claim the test chooses. Released with the `groups` scope, as many
 * providers do.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Page } from 'playwright-core';

export interface OidcAccount {
  readonly groups: readonly string[];
  readonly email: string;
  readonly givenName: string;
}

export interface OidcProviderOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly accounts: Readonly<Record<string, OidcAccount>>;
  /**
   * Loopback port to listen on, e.g. an earlier provider's, so a provider started again keeps the issuer that
   * Airflow's config names.
   * @default a free port
   */
  readonly port?: number;
}

export interface OidcProviderServer {
  readonly issuer: string;
  /** Accounts whose claims were released (an ID token or a userinfo response), in first-release order. */
  readonly logins: string[];
  stop(): Promise<void>;
}

export async function startOidcProvider(o: OidcProviderOptions): Promise<OidcProviderServer> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logins: string[] = [];
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: o.clientId,
        client_secret: o.clientSecret,
        redirect_uris: [...o.redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], email: ['email'], profile: ['given_name'], groups: ['groups'] },
    // Per-run random cookie keys: nothing outside this test signs the provider's cookies.
    cookies: { keys: [Math.random().toString(36).slice(2) + Date.now().toString(36)] },
    // Short lifetimes stated explicitly (the library warns about its defaults): one test run needs minutes.
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    findAccount: async (_ctx: unknown, id: string) => {
      const a = o.accounts[id];
      if (!a) return undefined;
      return {
        accountId: id,
        // Asked for when a token or the userinfo response is made: the account got through login and consent.
        claims: async () => {
          if (!logins.includes(id)) logins.push(id);
          return { sub: id, email: a.email, given_name: a.givenName, groups: [...a.groups] };
        },
      };
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    logins,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections (Airflow's, the scripted browser's) would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

export interface DevSignInOptions {
  /** Runs while the provider's empty login form is shown, before anything is typed (e.g. a screenshot). */
  readonly onLoginForm?: (page: Page) => Promise<void>;
}

/**
 * In a real browser, gets through the provider's development pages as a person would: types `login` (and a password,
 * which devInteractions accepts whatever it is) into the login form, then confirms the consent page. A fresh browser
 * context has no provider session, so both pages come every time. Returns once the browser has left the provider.
 */
export async function signInAtDevProvider(page: Page, issuer: string, login: string, opts: DevSignInOptions = {}): Promise<void> {
  const origin = new URL(issuer).origin;
  await page.waitForURL((u) => u.origin === origin && u.pathname.startsWith('/interaction/'));
  const loginField = page.getByPlaceholder('Enter any login');
  await loginField.waitFor();
  await opts.onLoginForm?.(page);
  await loginField.fill(login);
  await page.getByPlaceholder('and password').fill('any-password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.origin !== origin);
}
