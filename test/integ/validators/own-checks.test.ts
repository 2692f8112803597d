import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTemplate } from '../../../src/infra/checks.js';
import { synthesizeTemplates, type CfnTemplate } from '../../../src/infra/synthesize.js';
import { testConfig } from '../../unit/infra/config-fixture.js';
import { VARIANTS } from './tools.js';

/** What cdk-nag cannot see on aws-eks-v2 clusters (its EKS rules never fire there), checked on real templates. */
describe('own checks', () => {
  for (const v of VARIANTS) {
    it(`finds no error (${v.name})`, () => {
      const [t] = synthesizeTemplates(v.config);
      assert.deepEqual(checkTemplate(t!.template).filter((f) => f.severity === 'error'), []);
    });
  }

  it('warns about an API endpoint open to 0.0.0.0/0 (the default) and not about restricted CIDRs or a private endpoint', () => {
    const ids = (extra: string) => checkTemplate(synthesizeTemplates(testConfig(extra))[0]!.template).map((f) => f.id);
    assert.ok(ids('').includes('AA-EKS-PUBLIC-ENDPOINT'));
    assert.ok(!ids('cluster: {publicAccessCidrs: [203.0.113.0/24]}').includes('AA-EKS-PUBLIC-ENDPOINT'));
    assert.ok(!ids('cluster: {endpointAccess: private}').includes('AA-EKS-PUBLIC-ENDPOINT'));
  });

  const base = synthesizeTemplates(testConfig())[0]!.template;
  const mutate = (fn: (t: any) => void): CfnTemplate => {
    const t = structuredClone(base) as any;
    fn(t);
    return t;
  };
  const resourceOf = (t: any, type: string) => Object.values(t.Resources).find((r: any) => r.Type === type) as any;
  const cases: [string, string, (t: any) => void][] = [
    ['control-plane audit logging off', 'AA-EKS-LOGGING', (t) => {
      resourceOf(t, 'AWS::EKS::Cluster').Properties.Logging.ClusterLogging.EnabledTypes = [{ Type: 'api' }];
    }],
    ['no secrets envelope encryption', 'AA-EKS-SECRETS-ENCRYPTION', (t) => {
      delete resourceOf(t, 'AWS::EKS::Cluster').Properties.EncryptionConfig;
    }],
    ['an AL2 node group', 'AA-EKS-NODE-AMI', (t) => {
      resourceOf(t, 'AWS::EKS::Nodegroup').Properties.AmiType = 'AL2_x86_64';
    }],
    ['a public database', 'AA-RDS-PRIVATE', (t) => {
      resourceOf(t, 'AWS::RDS::DBInstance').Properties.PubliclyAccessible = true;
    }],
    ['a database deleted without snapshot', 'AA-RDS-SNAPSHOT', (t) => {
      resourceOf(t, 'AWS::RDS::DBInstance').DeletionPolicy = 'Delete';
    }],
    ['a Lambda function', 'AA-NO-LAMBDA-OR-STATIC-KEYS', (t) => {
      t.Resources.Fn = { Type: 'AWS::Lambda::Function', Properties: {} };
    }],
    ['an access key', 'AA-NO-LAMBDA-OR-STATIC-KEYS', (t) => {
      t.Resources.Key = { Type: 'AWS::IAM::AccessKey', Properties: {} };
    }],
    ['no pod identity agent', 'AA-EKS-POD-IDENTITY-AGENT', (t) => {
      for (const [id, r] of Object.entries(t.Resources) as [string, any][]) {
        if (r.Type === 'AWS::EKS::Addon' && r.Properties.AddonName === 'eks-pod-identity-agent') delete t.Resources[id];
      }
    }],
  ];
  for (const [what, id, fn] of cases) {
    it(`reports ${id} for ${what}`, () => {
      const findings = checkTemplate(mutate(fn));
      assert.ok(findings.some((f) => f.id === id && f.severity === 'error'), JSON.stringify(findings));
    });
  }
});
