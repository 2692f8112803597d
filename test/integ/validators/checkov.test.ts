import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { VARIANTS, validatorPath, writeVariantTemplates } from './tools.js';

interface CheckovCheck {
  readonly check_id: string;
  readonly resource: string;
  readonly file_path: string;
  readonly check_result: { readonly result: string; readonly suppress_comment?: string };
}
interface CheckovReport {
  readonly check_type: string;
  readonly results: { readonly failed_checks: CheckovCheck[]; readonly skipped_checks: CheckovCheck[]; readonly passed_checks: CheckovCheck[] };
}

/**
 * Checks skipped in the template (as `Metadata.checkov.skip` on the resource, written by src/infra with the reason).
 * Listed here too so that a new skip needs a reviewed change of this test.
 */
const EXPECTED_SKIPS: Readonly<Record<string, string>> = {
  CKV_AWS_18: 'S3 server access logs (second bucket) — CloudTrail data events instead',
  CKV_AWS_157: 'RDS Multi-AZ — skipped only when database.multiAz is false',
  CKV_AWS_161: 'RDS IAM authentication — Airflow uses a password via SQLAlchemy',
};

describe('checkov', () => {
  let dir = '';
  let reports: CheckovReport[] = [];
  before(() => {
    const bin = validatorPath('checkov');
    dir = writeVariantTemplates().dir;
    let out: string;
    try {
      // --skip-download: no Prisma Cloud calls (no network here); results are the same built-in checks.
      out = execFileSync(bin, ['-d', dir, '--framework', 'cloudformation', '--skip-download', '--compact', '-o', 'json'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: 'false' },
      });
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      if (err.status !== 1 || !err.stdout) {
        throw new Error(`checkov failed to run (exit ${String(err.status)}): ${String(err.stderr ?? e).slice(-2000)}`);
      }
      out = err.stdout; // exit 1 = failed checks; the assertions below list them
    }
    const parsed = JSON.parse(out) as CheckovReport | CheckovReport[];
    reports = Array.isArray(parsed) ? parsed : [parsed];
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scans every variant template', () => {
    const files = new Set(reports.flatMap((r) => [...r.results.passed_checks, ...r.results.failed_checks].map((c) => c.file_path)));
    assert.equal(files.size, VARIANTS.length, [...files].join(', '));
  });

  it('has no failed check', () => {
    const failed = reports.flatMap((r) => r.results.failed_checks);
    assert.deepEqual(failed.map((c) => `${c.file_path} ${c.resource}: ${c.check_id}`), []);
  });

  it('skips only the expected checks, each with a reason in the template', () => {
    const skipped = reports.flatMap((r) => r.results.skipped_checks);
    assert.ok(skipped.length > 0, 'the known skips are seen (checkov reads template metadata)');
    for (const c of skipped) {
      assert.ok(EXPECTED_SKIPS[c.check_id], `unexpected skip ${c.check_id} on ${c.resource}`);
      assert.ok((c.check_result.suppress_comment ?? '').length > 20, `${c.check_id} on ${c.resource} has a reason`);
    }
    const multiAzSkips = skipped.filter((c) => c.check_id === 'CKV_AWS_157').map((c) => c.file_path);
    assert.ok(multiAzSkips.every((f) => !f.includes('multiaz')), 'Multi-AZ is not skipped where it is on');
  });
});
