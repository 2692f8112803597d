import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configJsonSchema } from '../../../src/config/json-schema.js';
import { parse, problemsOf } from './support.js';

const BASE = 'name: demo\nregion: eu-west-1\n';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow-oidc-AbCdEf';
const oidc = (lines: string, extra = '') => `${BASE}${extra}auth:\n  oidc:\n${lines.replace(/^/gm, '    ')}\n`;
const MINIMAL = `issuer: https://login.example.com/realms/data\nclientId: airflow\nclientSecret: ${ARN}\nroleMapping: { airflow-admins: Admin }`;

describe('auth config', () => {
  it('has no SSO by default and keeps the generated admin user', () => {
    const c = parse(BASE);
    assert.equal(c.auth.oidc, undefined);
    assert.equal(c.auth.createAdminUser, true);
  });

  const accepted: readonly [string, string, string, Record<string, unknown>][] = [
    ['the minimal SSO block, with defaults', MINIMAL, '', { groupsClaim: 'groups', scopes: ['openid', 'email', 'profile'], roleMapping: { 'airflow-admins': 'Admin' } }],
    ['a default role without any mapping', `issuer: https://idp.example.com\nclientId: a\nclientSecret: ${ARN}\ndefaultRole: Viewer`, '', { defaultRole: 'Viewer', roleMapping: {} }],
    ['every role and a custom claim and scopes', `${MINIMAL.replace('{ airflow-admins: Admin }', '{ a: Admin, b: Op, c: User, d: Viewer }')}\ngroupsClaim: "cognito:groups"\nscopes: [openid, groups]`, '', { groupsClaim: 'cognito:groups', scopes: ['openid', 'groups'] }],
    ['an http issuer on localhost (a local provider)', MINIMAL.replace('https://login.example.com/realms/data', 'http://127.0.0.1:9000'), '', { issuer: 'http://127.0.0.1:9000' }],
    ['a partial secret ARN in another region', MINIMAL.replace(ARN, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:team/airflow/oidc'), '', {}],
  ];
  for (const [name, yaml, extra, expected] of accepted) {
    it(`accepts ${name}`, () => {
      const o = parse(oidc(yaml, extra)).auth.oidc as unknown as Record<string, unknown>;
      assert.ok(o);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(o[k], v, k);
    });
  }

  it('turns the admin user Job off with SSO unless asked for', () => {
    assert.equal(parse(oidc(MINIMAL)).auth.createAdminUser, false);
    assert.equal(parse(`${oidc(MINIMAL)}  createAdminUser: true\n`).auth.createAdminUser, true);
    assert.equal(parse(`${BASE}auth:\n  createAdminUser: false\n`).auth.createAdminUser, false);
  });

  // received undefined: a missing or unknown key has no value to show (the pipeline names the key instead).
  const rejected: readonly [string, string, string, string, RegExp, string | RegExp | undefined][] = [
    ['SSO with the simple auth manager', MINIMAL, 'airflow:\n  auth: simple\n', 'auth.oidc', /needs airflow\.auth "fab"/, 'airflow.auth "simple"'],
    ['a mapping that lets nobody in', `issuer: https://idp.example.com\nclientId: a\nclientSecret: ${ARN}`, '', 'auth.oidc.roleMapping', /nobody could sign in/, 'nothing'],
    ['an unknown role', MINIMAL.replace('Admin', 'Superuser'), '', 'auth.oidc.roleMapping.airflow-admins', /Admin|Viewer/, '"Superuser"'],
    ['an unknown default role', `${MINIMAL}\ndefaultRole: admin`, '', 'auth.oidc.defaultRole', /Admin|Viewer/, '"admin"'],
    ['the client secret itself instead of an ARN', MINIMAL.replace(ARN, 's3cr3t-value'), '', 'auth.oidc.clientSecret', /Secrets Manager secret ARN/, '"s3cr3t-value"'],
    ['an http issuer that is not local', MINIMAL.replace('https://', 'http://'), '', 'auth.oidc.issuer', /https:\/\//, '"http://login.example.com/realms/data"'],
    ['an issuer with a newline in it', MINIMAL.replace('https://login.example.com/realms/data', '"https://login.example.com/\\nimport os"'), '', 'auth.oidc.issuer', /https:\/\//, /login\.example\.com/],
    ['an issuer with a query', MINIMAL.replace('/realms/data', '/?tenant=1'), '', 'auth.oidc.issuer', /without a query/, '"https://login.example.com/?tenant=1"'],
    ['scopes without openid', `${MINIMAL}\nscopes: [email, groups]`, '', 'auth.oidc.scopes', /"openid"/, 'a list of 2'],
    ['a missing client id', MINIMAL.replace('clientId: airflow\n', ''), '', 'auth.oidc.clientId', /./, undefined],
    ['an unknown key', `${MINIMAL}\nclientSecretArn: x`, '', 'auth.oidc.clientSecretArn', /./, undefined],
  ];
  for (const [name, yaml, extra, path, message, received] of rejected) {
    it(`rejects ${name} at ${path}, naming the value`, () => {
      const problems = problemsOf(oidc(yaml, extra));
      const p = problems.find((x) => x.path === path);
      assert.ok(p, `no problem at ${path}: ${JSON.stringify(problems)}`);
      assert.match(p.message, message);
      if (typeof received === 'string') assert.equal(p.received, received);
      else if (received) assert.match(p.received ?? '', received);
    });
  }

  it('documents auth.oidc in the JSON Schema with its defaults', () => {
    const s = configJsonSchema() as { properties: { auth: { properties: { oidc: { properties: Record<string, { default?: unknown }>; required: string[] } } } } };
    const o = s.properties.auth.properties.oidc;
    assert.deepEqual(o.required.sort(), ['clientId', 'clientSecret', 'issuer']);
    assert.equal(o.properties['groupsClaim']!.default, 'groups');
    assert.deepEqual(o.properties['scopes']!.default, ['openid', 'email', 'profile']);
  });
});
