import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validatorPath, writeVariantTemplates } from './tools.js';

interface CfnLintMatch {
  readonly Rule: { readonly Id: string };
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Filename: string;
}

/**
 * Warnings we keep, each with why. Anything else fails the test.
 * - W3005: aws-eks-v2's Cluster adds DependsOn on the VPC's private subnets (and their routes) so that on deletion the
 *   cluster goes before the network; it also Refs the subnets, so cfn-lint calls the DependsOn redundant. CDK
 *   generates it; it changes nothing.
 */
const ALLOWED_WARNINGS: Readonly<Record<string, { readonly why: string; readonly matches: RegExp }>> = {
  W3005: {
    why: 'redundant DependsOn from aws-eks-v2 on the private subnets it also Refs',
    matches: /^'NetworkVpcprivateSubnet\d+Subnet[0-9A-F]{8}' dependency already enforced by a 'Ref' at 'Resources\/ClusterEks[0-9A-F]{8}\/Properties\/ResourcesVpcConfig\/SubnetIds\/\d+'$/,
  },
};

describe('cfn-lint', () => {
  let dir = '';
  let files: string[] = [];
  let matches: CfnLintMatch[] = [];
  before(() => {
    const bin = validatorPath('cfn-lint');
    const written = writeVariantTemplates();
    dir = written.dir;
    files = written.files;
    let out: string;
    try {
      out = execFileSync(bin, ['--format', 'json', '--', ...written.files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    } catch (e) {
      // cfn-lint exits non-zero whenever it reports anything (2 errors, 4 warnings, 8 informational; or'ed).
      const err = e as { status?: number; stdout?: string; stderr?: string };
      if (err.status === undefined || err.status > 14 || !err.stdout) {
        throw new Error(`cfn-lint failed to run (exit ${String(err.status)}): ${String(err.stderr ?? e).slice(-2000)}`);
      }
      out = err.stdout;
    }
    matches = JSON.parse(out) as CfnLintMatch[];
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports no error on any variant', () => {
    const errors = matches.filter((m) => m.Level === 'Error');
    assert.deepEqual(errors.map((m) => `${path.basename(path.dirname(m.Filename))}: ${m.Rule.Id} ${m.Message}`), []);
  });

  it('really reads the templates (the known W3005 shows on the new-VPC variants)', () => {
    const files = new Set(matches.filter((m) => m.Rule.Id === 'W3005').map((m) => path.basename(path.dirname(m.Filename))));
    assert.deepEqual([...files].sort(), ['airflow2-previous-versions', 'arm-local-multiaz-private', 'defaults']);
  });

  // E3691/W3691 (engine version known, not deprecated) only speak about the versions in the templates: make sure
  // the current defaults and the previous ones are among them.
  it('lints the current default versions (EKS 1.36, PostgreSQL 18.3) and the previous ones (1.35, 17.6)', () => {
    const versions = (variant: string) => {
      const file = files.find((f) => path.basename(path.dirname(f)) === variant)!;
      const resources = Object.values((JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }).Resources);
      const of = (type: string, key: string) => resources.find((r) => r.Type === type)?.Properties[key];
      return [of('AWS::EKS::Cluster', 'Version'), of('AWS::RDS::DBInstance', 'EngineVersion'), of('AWS::RDS::DBParameterGroup', 'Family')];
    };
    assert.deepEqual(versions('defaults'), ['1.36', '18.3', 'postgres18']);
    assert.deepEqual(versions('airflow2-previous-versions'), ['1.35', '17.6', 'postgres17']);
  });

  it('reports only the warnings we keep, each justified', () => {
    const unexpected = matches
      .filter((m) => m.Level === 'Warning')
      .filter((m) => !ALLOWED_WARNINGS[m.Rule.Id]?.matches.test(m.Message));
    assert.deepEqual(unexpected.map((m) => `${path.basename(path.dirname(m.Filename))}: ${m.Rule.Id} ${m.Message}`), []);
    for (const [id, w] of Object.entries(ALLOWED_WARNINGS)) assert.ok(w.why.length > 20, `${id} has a reason`);
  });
});
