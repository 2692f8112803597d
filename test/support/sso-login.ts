/**
 * A scripted browser for an OpenID Connect login: node's fetch with redirects followed by hand and a cookie jar of
 * our own (host + path matching, Max-Age/Expires deletion — what the flow needs, no more), filling the provider's
 * HTML forms as a person would: the hidden fields as served, plus the login and password.
 */

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly host: string;
  readonly path: string;
}

export class CookieJar {
  private cookies: StoredCookie[] = [];

  /** Cookies of a response (Set-Cookie), for its URL. */
  store(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (k: string) => attrs.find((a) => a.toLowerCase().startsWith(`${k}=`))?.slice(k.length + 1);
      const defaultPath = url.pathname.slice(0, url.pathname.lastIndexOf('/')) || '/';
      const path = attr('path') ?? defaultPath;
      const maxAge = attr('max-age');
      const expires = attr('expires');
      const expired = (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= Date.now());
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.host === url.hostname && c.path === path));
      if (!expired) this.cookies.push({ name, value, host: url.hostname, path });
    }
  }

  /** The Cookie header for a request to `url` (host-only cookies; the port is not part of a cookie's scope). */
  header(url: URL): string {
    return this.cookies
      .filter((c) => c.host === url.hostname && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name)?.value;
  }
}

export interface Hop {
  readonly method: string;
  readonly url: string;
  readonly status: number;
}

/** One request with the jar's cookies; never follows redirects itself. */
export async function request(jar: CookieJar, url: URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ res: Response; body: string }> {
  const headers: Record<string, string> = {};
  const cookie = jar.header(url);
  if (cookie) headers['cookie'] = cookie;
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual', ...(body !== undefined ? { body } : {}) });
  jar.store(url, res);
  return { res, body: await res.text() };
}

/** The first form of a page: its action (absolute) and its hidden fields. */
export function parseForm(html: string, base: URL): { action: URL; fields: Record<string, string> } {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form on the page:\n${html.slice(0, 1500)}`);
  const fields: Record<string, string> = {};
  for (const m of form[2]!.matchAll(/<input\b[^>]*>/gi)) {
    const tag = m[0];
    if (!/type="hidden"/i.test(tag)) continue;
    const name = /name="([^"]*)"/i.exec(tag)?.[1];
    if (name) fields[name] = /value="([^"]*)"/i.exec(tag)?.[1] ?? '';
  }
  return { action: new URL(decodeEntities(form[1]!), base), fields };
}

function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&#x2F;/gi, '/').replace(/&#47;/g, '/').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}

export interface SsoLoginResult {
  readonly jar: CookieJar;
  /** Every request made, in order (no secrets: URLs carry the code and state only). */
  readonly hops: readonly Hop[];
  /** The last response: Airflow's answer after the callback chain ended. */
  readonly final: { readonly url: string; readonly status: number; readonly body: string };
}

/**
 * Signs in at `<airflow>/auth/login/<provider>` as `login`: follows redirects, fills the provider's login form and
 * its consent form, and stops at the first response that is neither a redirect nor a provider form — normally
 * Airflow's page after `/auth/oauth-authorized/<provider>`.
 */
export async function ssoLogin(airflowBase: string, provider: string, issuer: string, login: string, password: string): Promise<SsoLoginResult> {
  const jar = new CookieJar();
  const hops: Hop[] = [];
  let url = new URL(`${airflowBase}/auth/login/${provider}`);
  let method = 'GET';
  let form: Record<string, string> | undefined;
  for (let i = 0; i < 30; i++) {
    const { res, body } = await request(jar, url, { method, ...(form ? { form } : {}) });
    hops.push({ method, url: url.toString(), status: res.status });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      method = 'GET';
      form = undefined;
      continue;
    }
    const onProvider = url.origin === new URL(issuer).origin;
    if (onProvider && res.status === 200 && /<form\b/i.test(body)) {
      const f = parseForm(body, url);
      // The login page asks for login + password; the consent page has hidden fields only.
      form = f.fields['prompt'] === 'login' ? { ...f.fields, login, password } : f.fields;
      url = f.action;
      method = 'POST';
      continue;
    }
    return { jar, hops, final: { url: url.toString(), status: res.status, body } };
  }
  throw new Error(`no end after 30 requests: ${hops.map((h) => `${h.method} ${h.url} ${h.status}`).join('\n')}`);
}
