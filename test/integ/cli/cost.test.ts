/** `cost` and the cost line of `plan`, through the real binary: shape of --json, exit codes, stdout vs stderr. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempDir } from '../../support/cli.js';

const NO_AWS = { AWS_ACCESS_KEY_ID: '', AWS_PROFILE: '', HOME: '/nonexistent-home', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };

function project(content: string): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'airflow-aws.yaml'), content);
  return dir;
}

interface Line {
  id: string;
  quantity: number;
  unitPriceUsd: number | null;
  monthlyUsd: number | null;
  source?: { ids: string[]; date: string; status: string };
}
interface CostJson {
  region: string;
  currency: string;
  hoursPerMonth: number;
  pricesChecked: string;
  complete: boolean;
  running: { totalUsd: number | null; lines: Line[]; missingPrices: string[] };
  paused: { totalUsd: number | null };
  mwaa: { environmentClass: string; workers: number; totalUsd: number | null; ratio: number | null; concurrency: { tasks: number } };
  levers: { id: string; available: boolean; monthlySavingUsd: number | null }[];
}

describe('cost', () => {
  it('prints the estimate as JSON and exits 0 for a priced region', async () => {
    const r = await runCli(['cost', '--json'], { cwd: project('name: demo\nregion: us-east-1\n'), env: NO_AWS });
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(r.stdout) as CostJson;
    assert.equal(c.complete, true);
    assert.equal(c.currency, 'USD');
    assert.equal(c.hoursPerMonth, 730);
    assert.match(c.pricesChecked, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(c.running.totalUsd, 318.76);
    assert.equal(c.paused.totalUsd, 123.15);
    assert.deepEqual(
      c.running.lines.map((l) => l.id),
      ['eks', 'nodes', 'node-disks', 'nat', 'nat-ipv4', 'rds-instance', 'rds-storage', 'rds-backup', 's3', 'ecr', 'logs-ingest', 'logs-storage', 'kms', 'secrets'],
    );
    for (const l of c.running.lines) assert.ok(l.source && l.source.ids.length > 0 && l.source.date, `${l.id} has a source`);
    assert.equal(c.mwaa.environmentClass, 'mw1.small');
    assert.equal(c.mwaa.totalUsd, 398.85);
    assert.deepEqual(c.levers.map((l) => l.id), ['arm64', 'spot', 'no-nat', 'smaller-database']);
    assert.equal(r.stderr, '');
  });

  it('prints a table on stdout', async () => {
    const r = await runCli(['cost'], { cwd: project('name: demo\nregion: us-east-1\n'), env: NO_AWS });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /EKS control plane, Kubernetes 1\.36\s+730 cluster-hours\s+\$0\.10\s+\$73\.00/);
    assert.match(r.stdout, /total\s+\$318\.76/);
  });

  it('says clearly that a region has no prices, keeps what is known on stdout, and exits 1', async () => {
    const r = await runCli(['cost', '--json'], { cwd: project('name: demo\nregion: ap-south-1\n'), env: NO_AWS });
    assert.equal(r.code, 1);
    const c = JSON.parse(r.stdout) as CostJson;
    assert.equal(c.complete, false);
    assert.equal(c.running.totalUsd, null);
    assert.ok(c.running.missingPrices.includes('ec2.m6i.large'));
    assert.match(r.stderr, /error: no monthly estimate for ap-south-1: the price table has no prices for this region/);
    assert.doesNotMatch(r.stderr, /unexpected error/);
  });

  it('warns on stderr about a Kubernetes version past standard support and bills it at the extended rate', async () => {
    const r = await runCli(['cost', '--json'], { cwd: project('name: demo\nregion: us-east-1\ncluster:\n  kubernetesVersion: "1.32"\n'), env: NO_AWS });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: Kubernetes 1\.32 left EKS standard support/);
    const c = JSON.parse(r.stdout) as CostJson;
    assert.equal(c.running.lines.find((l) => l.id === 'eks')!.monthlyUsd, 438);
  });

  it('exits 2 on an invalid config', async () => {
    const r = await runCli(['cost'], { cwd: project('name: demo\nregion: us-east-1\ndatabase: {storageGiB: 1}\n'), env: NO_AWS });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
  });
});

describe('plan shows the monthly cost', () => {
  it('adds a cost field to plan --json', async () => {
    const r = await runCli(['plan', '--json'], { cwd: project('name: demo\nregion: us-east-1\n'), env: NO_AWS });
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout) as { cost: { monthlyUsd: number; pausedMonthlyUsd: number; mwaa: { ratio: number } } };
    assert.equal(p.cost.monthlyUsd, 318.76);
    assert.equal(p.cost.pausedMonthlyUsd, 123.15);
    assert.ok(p.cost.mwaa.ratio > 0);
  });

  it('prints one line in the table, and "unavailable" (not a failure) for a region without prices', async () => {
    const ok = await runCli(['plan'], { cwd: project('name: demo\nregion: us-east-1\n'), env: NO_AWS });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^Estimated cost: \$318\.76\/month on-demand \(paused \$123\.15\)/m);
    const none = await runCli(['plan'], { cwd: project('name: demo\nregion: ap-south-1\n'), env: NO_AWS });
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^Estimated cost: unavailable for ap-south-1/m);
  });
});
