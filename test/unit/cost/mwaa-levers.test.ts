/** The MWAA comparison at the same task concurrency, and the levers, each against a hand calculation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateCost } from '../../../src/cost/estimate.js';
import { costLevers } from '../../../src/cost/levers.js';
import { compareWithMwaa, cpuMilli, memoryMiB, taskConcurrency } from '../../../src/cost/mwaa.js';
import { costReport, costSummaryLine, formatCostReport } from '../../../src/cost/report.js';
import { DEV, LARGE, NOW, inRegion } from './profiles.js';

function near(actual: number | null | undefined, expected: number, what: string, tolerance = 0.011): void {
  assert.ok(actual !== null && actual !== undefined, `${what}: expected ${expected}, got ${String(actual)}`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected.toFixed(4)}, got ${actual}`);
}

describe('task concurrency (what MWAA is sized against)', () => {
  const cases = [
    // Airflow 3 pods: API server 2 x 250m/1Gi, scheduler 500m/1Gi, DAG processor 250m/1Gi, triggerer 100m/512Mi.
    // Per node 200m / 1024 MiB reserved; task pods 250m / 512Mi.
    {
      name: 'default: 2 x m6i.large is CPU-bound at 9 task pods',
      config: inRegion('us-east-1'),
      tasks: Math.min(32, Math.floor((2 * (2000 - 200) - (2 * 250 + 500 + 250 + 100)) / 250)), // (3600 - 1350) / 250 = 9
      limitedBy: 'cpu',
    },
    {
      name: 'dev: 1 x t3.large, one API server, fits 2 task pods',
      config: DEV,
      tasks: Math.floor((1 * (2000 - 200) - (250 + 500 + 250 + 100)) / 250), // 700 / 250 = 2
      limitedBy: 'cpu',
    },
    {
      name: 'large: 3 x m6i.xlarge has room for 38, capped by parallelism 32',
      config: LARGE,
      tasks: Math.min(32, Math.floor((3 * (4000 - 200) - (2 * 250 + 2 * 500 + 250 + 100)) / 250)), // min(32, 38)
      limitedBy: 'parallelism',
    },
  ] as const;
  for (const c of cases) {
    it(c.name, () => {
      const k = taskConcurrency(c.config);
      assert.equal(k.tasks, c.tasks);
      assert.equal(k.limitedBy, c.limitedBy);
      assert.equal(k.parallelism, 32);
    });
  }

  it('parses Kubernetes quantities', () => {
    assert.deepEqual([cpuMilli('250m'), cpuMilli('1'), cpuMilli('0.5')], [250, 1000, 500]);
    assert.deepEqual([memoryMiB('512Mi'), memoryMiB('1Gi'), memoryMiB('1048576')], [512, 1024, 1]);
  });
});

describe('MWAA at the same concurrency', () => {
  const cases = [
    {
      name: 'default (9 tasks): mw1.small with 2 workers',
      config: inRegion('us-east-1'),
      cls: 'mw1.small',
      workers: Math.ceil(9 / 5), // 2
      total: 0.49 * 730 + (2 - 1) * 0.055 * 730 + 10 * 0.1, // 357.70 + 40.15 + 1.00 = 398.85
      side: 0.045 * 730 + 0.005 * 730 + 10 * 0.5 + 10 * 0.03 + 50 * 0.023, // NAT, IPv4, logs, S3 = 42.95
      ours: 318.76,
    },
    {
      name: 'dev (2 tasks): mw1.micro',
      config: DEV,
      cls: 'mw1.micro',
      workers: 1,
      total: 0.29 * 730 + 10 * 0.1, // 211.70 + 1.00 = 212.70
      side: 0.045 * 730 + 0.005 * 730 + 10 * 0.5 + 10 * 0.03 + 50 * 0.023, // 42.95
      ours: 197.17,
    },
    {
      name: 'large (32 tasks): mw1.small with 7 workers',
      config: LARGE,
      cls: 'mw1.small',
      workers: Math.ceil(32 / 5), // 7
      total: 0.49 * 730 + (7 - 1) * 0.055 * 730 + 10 * 0.1, // 357.70 + 240.90 + 1.00 = 599.60
      side: 2 * 0.045 * 730 + 2 * 0.005 * 730 + 10 * 0.5 + ((10 * 90) / 30) * 0.03 + 50 * 0.023, // 65.70 + 7.30 + 5 + 0.90 + 1.15 = 80.05
      ours: 845.57,
    },
  ] as const;
  for (const c of cases) {
    it(c.name, () => {
      const ours = estimateCost(c.config, { now: NOW });
      const m = compareWithMwaa(c.config, ours);
      assert.equal(m.environmentClass, c.cls);
      assert.equal(m.workers, c.workers);
      near(m.totalUsd, c.total, 'MWAA bill');
      near(m.likeForLikeUsd, c.total + c.side, 'MWAA like-for-like');
      near(m.ratio, c.ours / c.total, 'ratio', 0.0005);
      near(m.ratioLikeForLike, c.ours / (c.total + c.side), 'like-for-like ratio', 0.0005);
    });
  }
});

describe('levers, each from re-estimating the changed config', () => {
  const lever = (config: typeof DEV, id: string) => {
    const base = estimateCost(config, { now: NOW });
    return costLevers(config, base, { now: NOW }).find((l) => l.id === id);
  };

  it('arm64: m6i.large -> m7g.large saves 2 x (0.096 - 0.0816) x 730', () => {
    const l = lever(inRegion('us-east-1'), 'arm64')!;
    assert.equal(l.available, true);
    near(l.monthlySavingUsd, 2 * 0.096 * 730 - 2 * 0.0816 * 730, 'saving'); // 140.16 - 119.14 = 21.02
    assert.match(l.change, /m7g\.large.*linux\/arm64/);
  });

  it('arm64: t3.large -> t4g.large saves (0.0832 - 0.0672) x 730', () => {
    near(lever(DEV, 'arm64')!.monthlySavingUsd, (0.0832 - 0.0672) * 730, 'saving'); // 11.68
  });

  it('arm64: not available without an arm64 price of the same size (m6i.xlarge)', () => {
    const l = lever(LARGE, 'arm64')!;
    assert.equal(l.available, false);
    assert.match(l.reason!, /no arm64 equivalent of m6i\.xlarge/);
  });

  it('spot: shows the ceiling (90% of the node line), never a guessed saving', () => {
    const l = lever(inRegion('us-east-1'), 'spot')!;
    assert.equal(l.monthlySavingUsd, null);
    near(l.upToUsd, 0.9 * 140.16, 'up to'); // 126.14
  });

  it('no NAT: not available (the schema needs at least one), with what it would save', () => {
    const l = lever(DEV, 'no-nat')!;
    assert.equal(l.available, false);
    assert.match(l.reason!, /natGateways must be >= 1.*would save \$36\.50/); // 32.85 + 3.65
  });

  it('fewer NAT: 2 -> 1 saves one gateway and its address', () => {
    near(lever(LARGE, 'fewer-nat')!.monthlySavingUsd, 0.045 * 730 + 0.005 * 730, 'saving'); // 36.50
    assert.equal(lever(inRegion('us-east-1'), 'fewer-nat'), undefined);
  });

  it('smaller database: one priced class down', () => {
    const d = lever(inRegion('us-east-1'), 'smaller-database')!;
    assert.match(d.change, /db\.t4g\.small/);
    near(d.monthlySavingUsd, (0.065 - 0.032) * 730, 'db.t4g.medium -> small'); // 24.09
    const l = lever(LARGE, 'smaller-database')!;
    assert.match(l.change, /db\.t4g\.large/);
    near(l.monthlySavingUsd, 2 * (0.159 - 0.129) * 730, 'Multi-AZ db.m6g.large -> db.t4g.large'); // 43.80
    const dev = lever(DEV, 'smaller-database')!;
    assert.equal(dev.available, false);
    assert.match(dev.reason!, /db\.t4g\.micro is the smallest priced class/);
  });

  it('Single-AZ database: halves the instance and storage', () => {
    near(lever(LARGE, 'single-az-database')!.monthlySavingUsd, 0.159 * 730 + 100 * 0.115, 'saving'); // 116.07 + 11.50
  });
});

describe('report', () => {
  it('renders the table, the paused figure, MWAA, the levers and the assumptions', () => {
    const text = formatCostReport(costReport(inRegion('us-east-1'), { now: NOW }));
    assert.match(text, /total\s+\$318\.76/);
    assert.match(text, /Paused \(nodes at 0, database stopped\): \$123\.15\/month/);
    assert.match(text, /MWAA at the same concurrency \(9 tasks\): mw1\.small, 2 workers/);
    assert.match(text, /ratio: 0\.80x MWAA's bill/);
    assert.match(text, /s3: 50 GB stored/);
  });

  it('gives plan one line', () => {
    assert.equal(
      costSummaryLine(costReport(inRegion('us-east-1'), { now: NOW })),
      'Estimated cost: $318.76/month on-demand (paused $123.15); MWAA mw1.small for 9 tasks $398.85 (0.80x); details: `airflow-aws cost`',
    );
    assert.match(costSummaryLine(costReport(inRegion('ap-south-1'), { now: NOW })), /^Estimated cost: unavailable for ap-south-1/);
  });
});
