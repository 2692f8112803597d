import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { discoveryUrl, fabConfigFileEnv, py, redirectPath, renderWebserverConfig, rolesMapping, ssoOf, type OidcConfig } from '../../../src/airflow/fab-oidc.js';
import { config } from '../k8s/fixtures.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow-oidc-AbCdEf';
const OIDC = { issuer: 'https://idp.example.com/realms/data/', clientId: 'air"flow', clientSecret: ARN, roleMapping: { 'data-admins': 'Admin', 'data-viewers': 'Viewer' } };

/** The Python text must be a module Python accepts: parsed by the real interpreter (no import, nothing runs). */
function pythonParses(source: string): string {
  const r = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: source, encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr;
}

/** Top-level `NAME = <literal>` of the rendered module, evaluated by Python's ast.literal_eval (the real meaning). */
function pythonLiterals(source: string): Record<string, unknown> {
  const script = [
    'import ast, json, sys',
    'out = {}',
    'for node in ast.parse(sys.stdin.read()).body:',
    '    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):',
    '        try: out[node.targets[0].id] = ast.literal_eval(node.value)',
    '        except ValueError: pass',
    'print(json.dumps(out))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], { input: source, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('py (Python literals)', () => {
  const cases: [unknown, string][] = [
    [null, 'None'],
    [true, 'True'],
    ['a"b\\c\nd', '"a\\"b\\\\c\\nd"'],
    [['x', 'y'], '["x", "y"]'],
    [{ 'g"1': ['Admin'] }, '{"g\\"1": ["Admin"]}'],
  ];
  for (const [value, text] of cases) {
    it(`renders ${JSON.stringify(value)} as ${text}`, () => {
      assert.equal(py(value), text);
      assert.deepEqual(pythonLiterals(`X = ${text}\n`)['X'], value);
    });
  }
});

describe('SSO paths and settings per Airflow line', () => {
  const cases: [2 | 3, string, string, string][] = [
    [3, '', '/auth/oauth-authorized/oidc', 'AIRFLOW__FAB__CONFIG_FILE'],
    [3, '/airflow', '/airflow/auth/oauth-authorized/oidc', 'AIRFLOW__FAB__CONFIG_FILE'],
    [2, '', '/oauth-authorized/oidc', 'AIRFLOW__WEBSERVER__CONFIG_FILE'],
  ];
  for (const [major, base, path, key] of cases) {
    it(`Airflow ${major}${base ? ` under ${base}` : ''}: redirect ${path}, config file from ${key}`, () => {
      assert.equal(redirectPath(major, base), path);
      assert.deepEqual(fabConfigFileEnv(major, '/f.py'), { [key]: '/f.py' });
    });
  }
  it('finds the discovery document under the issuer, with or without a trailing slash', () => {
    assert.equal(discoveryUrl('https://idp.example.com/realms/data/'), 'https://idp.example.com/realms/data/.well-known/openid-configuration');
    assert.equal(discoveryUrl('http://127.0.0.1:9000'), 'http://127.0.0.1:9000/.well-known/openid-configuration');
  });
  it('has SSO only when auth.oidc is set with the FAB auth manager', () => {
    assert.equal(ssoOf(config()), undefined);
    assert.ok(ssoOf(config({ auth: { oidc: OIDC } })));
    assert.ok(ssoOf(config({ auth: { oidc: OIDC } }, { version: '2.10.5' })));
  });
});

describe('webserver_config.py', () => {
  const oidcOf = (over: Record<string, unknown> = {}): OidcConfig => ssoOf(config({ auth: { oidc: { ...OIDC, ...over } } }))!;
  const render = (over: Record<string, unknown> = {}) => renderWebserverConfig({ oidc: oidcOf(over), defaultClientSecretFile: '/run/secrets/airflow-oidc/client-secret' });

  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'mapped groups, no default role',
      {},
      { AUTH_ROLES_MAPPING: { 'data-admins': ['Admin'], 'data-viewers': ['Viewer'] }, DEFAULT_ROLE: null, AUTH_USER_REGISTRATION_ROLE: undefined, GROUPS_CLAIM: 'groups' },
    ],
    ['a default role', { defaultRole: 'User' }, { DEFAULT_ROLE: 'User' }],
    ['a custom groups claim', { groupsClaim: 'cognito:groups' }, { GROUPS_CLAIM: 'cognito:groups' }],
    ['only a default role', { roleMapping: {}, defaultRole: 'Viewer' }, { AUTH_ROLES_MAPPING: {}, DEFAULT_ROLE: 'Viewer' }],
  ];
  for (const [name, over, expected] of cases) {
    it(`renders ${name} as Python that means the config`, () => {
      const text = render(over);
      assert.equal(pythonParses(text), '');
      const lit = pythonLiterals(text);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(lit[k], v, k);
      assert.equal(lit['AUTH_USER_REGISTRATION'], true);
      assert.equal(lit['AUTH_ROLES_SYNC_AT_LOGIN'], true);
      assert.equal(lit['AUTH_USER_REGISTRATION_ROLE_JMESPATH'], undefined, 'a name, not a literal: REGISTRATION_ROLE_KEY');
      assert.equal(lit['REGISTRATION_ROLE_KEY'], 'airflow_aws_registration_role');
    });
  }

  it('uses OAuth with the issuer\'s discovery document, the client id quoted, PKCE, and the security manager subclass', () => {
    const text = render();
    assert.match(text, /^AUTH_TYPE = AUTH_OAUTH$/m);
    assert.match(text, /"server_metadata_url": "https:\/\/idp\.example\.com\/realms\/data\/\.well-known\/openid-configuration"/);
    assert.match(text, /"client_id": "air\\"flow"/);
    assert.match(text, /"scope": "openid email profile", "code_challenge_method": "S256"/);
    assert.match(text, /"client_secret": _client_secret\(\)/);
    assert.match(text, /^class AirflowAwsOidcSecurityManager\(FabAirflowSecurityManagerOverride\):$/m);
    assert.match(text, /^SECURITY_MANAGER_CLASS = AirflowAwsOidcSecurityManager$/m);
    assert.match(text, /os\.environ\.get\("AIRFLOW_AWS_OIDC_CLIENT_SECRET_FILE", "\/run\/secrets\/airflow-oidc\/client-secret"\)/);
  });

  it('never holds the secret or its ARN: only the path of the mounted file', () => {
    assert.doesNotMatch(render(), /secretsmanager/);
  });

  it('orders the role mapping by group so the ConfigMap (and its checksum) is stable', () => {
    assert.deepEqual(Object.keys(rolesMapping(oidcOf({ roleMapping: { z: 'Op', a: 'Admin' } }))), ['a', 'z']);
  });
});
