import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signInSummary } from '../../../src/plan/infra-plan.js';
import { config } from '../k8s/fixtures.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow-oidc-AbCdEf';
const oidc = (over: Record<string, unknown>) => ({ issuer: 'https://idp.example.com', clientId: 'a', clientSecret: ARN, ...over });

describe('plan: how people sign in', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['database logins', {}, 'database user admin (generated password)'],
    ['SSO, unmapped users refused', { oidc: oidc({ roleMapping: { a: 'Admin', b: 'Viewer' } }) }, 'SSO through https://idp.example.com (2 mapped groups, others refused); no database admin'],
    ['SSO with a default role and the admin kept', { oidc: oidc({ roleMapping: { a: 'Admin' }, defaultRole: 'Viewer' }), createAdminUser: true }, 'SSO through https://idp.example.com (1 mapped group, others Viewer); database user admin (generated password)'],
  ];
  for (const [name, auth, line] of cases) {
    it(`says ${name}, and never the secret's ARN`, () => {
      const text = signInSummary(config({ auth }));
      assert.equal(text, line);
      assert.doesNotMatch(text, /secretsmanager/);
    });
  }
});
