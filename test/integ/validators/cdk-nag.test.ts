import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../../../src/infra/app.js';
import { VARIANTS } from './tools.js';

interface Violation {
  readonly ruleName: string;
  readonly violatingConstructs: { readonly constructPath: string }[];
}

/**
 * Acknowledgements live next to what they acknowledge in src/infra (Validations.of(x).acknowledge with a reason), so
 * that anyone adding cdk-nag to the app gets the same clean result; the plugin itself runs only here, because it
 * costs synthesis time that `plan` should not pay.
 */
function nag(config: (typeof VARIANTS)[number]['config']): { violations: Violation[]; acknowledgements: Record<string, string>[] } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'airflow-aws-nag-'));
  try {
    const { app } = buildApp(config, { outdir });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let thrown: unknown;
    try {
      app.synth();
    } catch (e) {
      thrown = e; // "Validation failed" when there are findings; the report says which
    }
    const reportFile = path.join(outdir, 'validation-report.json');
    if (!existsSync(reportFile)) throw thrown ?? new Error('cdk-nag wrote no validation report');
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: { pluginName: string; violations: Violation[] }[] };
    const acknowledgements = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data as Record<string, string>));
    return { violations: report.pluginReports.flatMap((r) => r.violations), acknowledgements };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('cdk-nag AwsSolutions', () => {
  for (const v of VARIANTS) {
    it(`has no unacknowledged finding (${v.name})`, () => {
      const { violations, acknowledgements } = nag(v.config);
      assert.deepEqual(
        violations.flatMap((x) => x.violatingConstructs.map((c) => `${x.ruleName} at ${c.constructPath}`)),
        [],
      );
      assert.ok(acknowledgements.length > 0, 'acknowledgements are recorded');
      for (const ack of acknowledgements) {
        for (const [id, reason] of Object.entries(ack)) assert.ok(reason.length >= 40, `${id} carries a reason: "${reason}"`);
      }
    });
  }
});
