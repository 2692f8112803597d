/**
 * The estimate against hand calculations: every expected amount is written out as the arithmetic a reader can check
 * against docs/cost.md and src/cost/prices.ts (730 hours a month, us-east-1 list prices).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateCost, type CostEstimate } from '../../../src/cost/estimate.js';
import { costReport, unavailableMessage } from '../../../src/cost/report.js';
import { testConfig } from '../infra/config-fixture.js';
import { DEV, LARGE, NOW, inRegion } from './profiles.js';

/** Amounts are rounded to cents per line; a hand sum may differ from the rounded total by a cent. */
function near(actual: number | null, expected: number, what: string, tolerance = 0.011): void {
  assert.ok(actual !== null, `${what}: expected ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected.toFixed(4)}, got ${actual}`);
}

const amount = (e: CostEstimate, id: string) => e.lines.find((l) => l.id === id)?.monthlyUsd ?? null;

interface Profile {
  readonly name: string;
  readonly config: ReturnType<typeof testConfig>;
  readonly paused: boolean;
  /** Line id -> hand-computed monthly USD. */
  readonly lines: Readonly<Record<string, number>>;
}

// The lines every us-east-1 profile shares at the default assumptions (50 GB S3, 5 GB ECR, 10 GB logs a month).
const SHARED = {
  eks: 0.1 * 730, // 73.00
  s3: 50 * 0.023, // 1.15
  ecr: 5 * 0.1, // 0.50
  'logs-ingest': 10 * 0.5, // 5.00
  kms: 4 * 1.0, // 4 keys: logs, Kubernetes Secrets, RDS, S3
  secrets: 1 * 0.4, // the RDS master credentials
};

const PROFILES: readonly Profile[] = [
  {
    name: 'default config (2 x m6i.large, 1 NAT, db.t4g.medium Single-AZ 20 GB)',
    config: inRegion('us-east-1'),
    paused: false,
    lines: {
      ...SHARED,
      nodes: 2 * 0.096 * 730, // 140.16
      'node-disks': 2 * 50 * 0.08, // 8.00
      nat: 1 * 0.045 * 730, // 32.85
      'nat-ipv4': 1 * 0.005 * 730, // 3.65
      'rds-instance': 0.065 * 730, // 47.45
      'rds-storage': 20 * 0.115, // 2.30
      'rds-backup': 0, // 20 GB of backups: within the free 100% of allocated storage
      'logs-storage': ((10 * 30) / 30) * 0.03, // 10 GB kept 30 days = 0.30
    },
  },
  {
    name: 'dev profile (1 x t3.large, 1 NAT, db.t4g.micro 20 GB, 20 GB disk)',
    config: DEV,
    paused: false,
    lines: {
      ...SHARED,
      nodes: 1 * 0.0832 * 730, // 60.74
      'node-disks': 1 * 20 * 0.08, // 1.60
      nat: 1 * 0.045 * 730, // 32.85
      'nat-ipv4': 1 * 0.005 * 730, // 3.65
      'rds-instance': 0.016 * 730, // 11.68
      'rds-storage': 20 * 0.115, // 2.30
      'rds-backup': 0,
      'logs-storage': ((10 * 30) / 30) * 0.03, // 0.30
    },
  },
  {
    name: 'large profile (3 x m6i.xlarge, 2 NAT, db.m6g.large Multi-AZ 100 GB, logs kept 90 days)',
    config: LARGE,
    paused: false,
    lines: {
      ...SHARED,
      nodes: 3 * 0.192 * 730, // 420.48
      'node-disks': 3 * 50 * 0.08, // 12.00
      nat: 2 * 0.045 * 730, // 65.70
      'nat-ipv4': 2 * 0.005 * 730, // 7.30
      'rds-instance': 2 * 0.159 * 730, // Multi-AZ: primary + standby = 232.14
      'rds-storage': 2 * 100 * 0.115, // storage for both = 23.00
      'rds-backup': 0,
      'logs-storage': ((10 * 90) / 30) * 0.03, // 30 GB kept = 0.90
    },
  },
  {
    name: 'paused default config (nodes 0, RDS stopped; storage, NAT and control plane still bill)',
    config: inRegion('us-east-1'),
    paused: true,
    lines: {
      ...SHARED,
      nodes: 0,
      'node-disks': 0,
      nat: 1 * 0.045 * 730,
      'nat-ipv4': 1 * 0.005 * 730,
      'rds-instance': 0,
      'rds-storage': 20 * 0.115,
      'rds-backup': 0,
      'logs-storage': 0.3,
    },
  },
  {
    name: 'paused dev profile',
    config: DEV,
    paused: true,
    lines: { ...SHARED, nodes: 0, 'node-disks': 0, nat: 32.85, 'nat-ipv4': 3.65, 'rds-instance': 0, 'rds-storage': 2.3, 'rds-backup': 0, 'logs-storage': 0.3 },
  },
  {
    name: 'paused large profile (Multi-AZ storage still doubled)',
    config: LARGE,
    paused: true,
    lines: { ...SHARED, nodes: 0, 'node-disks': 0, nat: 65.7, 'nat-ipv4': 7.3, 'rds-instance': 0, 'rds-storage': 2 * 100 * 0.115, 'rds-backup': 0, 'logs-storage': 0.9 },
  },
];

describe('monthly estimate against hand calculations (us-east-1)', () => {
  for (const p of PROFILES) {
    it(`prices the ${p.name}`, () => {
      const e = estimateCost(p.config, { now: NOW, paused: p.paused });
      assert.deepEqual(e.lines.map((l) => l.id).sort(), Object.keys(p.lines).sort(), 'one line per billed item');
      for (const [id, expected] of Object.entries(p.lines)) near(amount(e, id), expected, id, 0.005);
      const handTotal = Object.values(p.lines).reduce((s, x) => s + x, 0);
      near(e.totalUsd, handTotal, 'total');
      assert.deepEqual(e.missingPrices, []);
      for (const l of e.lines) {
        assert.ok(l.source && l.source.ids.length > 0 && l.source.date, `${l.id} names its source and date`);
        near(l.monthlyUsd, l.quantity * l.unitPriceUsd!, `${l.id} = quantity x unit price`, 0.005);
      }
    });
  }

  it('totals the three profiles and their paused variants as summed by hand', () => {
    const total = (c: ReturnType<typeof testConfig>, paused = false) => estimateCost(c, { now: NOW, paused }).totalUsd;
    near(total(inRegion('us-east-1')), 73 + 140.16 + 8 + 32.85 + 3.65 + 47.45 + 2.3 + 0 + 1.15 + 0.5 + 5 + 0.3 + 4 + 0.4, 'default'); // 318.76
    near(total(DEV), 73 + 60.74 + 1.6 + 32.85 + 3.65 + 11.68 + 2.3 + 0 + 1.15 + 0.5 + 5 + 0.3 + 4 + 0.4, 'dev'); // 197.17
    near(total(LARGE), 73 + 420.48 + 12 + 65.7 + 7.3 + 232.14 + 23 + 0 + 1.15 + 0.5 + 5 + 0.9 + 4 + 0.4, 'large'); // 845.57
    near(total(inRegion('us-east-1'), true), 73 + 32.85 + 3.65 + 2.3 + 1.15 + 0.5 + 5 + 0.3 + 4 + 0.4, 'default paused'); // 123.15
    near(total(DEV, true), 73 + 32.85 + 3.65 + 2.3 + 1.15 + 0.5 + 5 + 0.3 + 4 + 0.4, 'dev paused'); // 123.15
  });

  it('bills backups beyond the free allowance (100% of allocated storage)', () => {
    const e = estimateCost(inRegion('us-east-1'), { now: NOW, assumptions: { rdsBackupGB: 50 } });
    near(amount(e, 'rds-backup'), (50 - 20) * 0.095, 'rds-backup'); // 2.85
  });

  it('shows the assumed sizes it priced', () => {
    const e = estimateCost(inRegion('us-east-1'), { now: NOW, assumptions: { s3GB: 200 } });
    near(amount(e, 's3'), 200 * 0.023, 's3'); // 4.60
    assert.match(e.lines.find((l) => l.id === 's3')!.assumption!, /200 GB/);
    assert.match(e.lines.find((l) => l.id === 'ecr')!.assumption!, /5 GB/);
    assert.match(e.lines.find((l) => l.id === 'logs-ingest')!.assumption!, /10 GB/);
  });

  it('prices spot nodes at the on-demand ceiling and says so', () => {
    const e = estimateCost(inRegion('us-east-1', 'cluster:\n  nodeGroup:\n    capacityType: spot\n'), { now: NOW });
    near(amount(e, 'nodes'), 2 * 0.096 * 730, 'nodes');
    assert.ok(e.notes.some((n) => /spot .*on-demand rate.*up to 90%/.test(n)));
  });

  it('prices mixed instance types at the dearest and says so', () => {
    const e = estimateCost(inRegion('us-east-1', 'cluster:\n  nodeGroup:\n    instanceTypes: [m6i.large, m7i.large]\n'), { now: NOW });
    near(amount(e, 'nodes'), 2 * 0.1008 * 730, 'nodes'); // m7i.large, 147.17
    assert.ok(e.notes.some((n) => /dearest/.test(n)));
  });

  it('counts no NAT for an existing VPC (its NAT is billed already)', () => {
    const e = estimateCost(
      inRegion(
        'us-east-1',
        'network:\n  existingVpc:\n    vpcId: vpc-0123456789abcdef0\n    availabilityZones: [us-east-1a, us-east-1b]\n    privateSubnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n',
      ),
      { now: NOW },
    );
    assert.equal(e.lines.find((l) => l.id === 'nat'), undefined);
    assert.ok(e.notes.some((n) => /existing VPC/.test(n)));
  });

  it('marks prices no AWS source verifies', () => {
    const e = estimateCost(inRegion('us-east-1'), { now: NOW });
    assert.equal(e.lines.find((l) => l.id === 'rds-instance')!.source!.status, '3P'); // db.t4g.medium
    assert.ok(e.notes.some((n) => /not verified.*rds\.db\.t4g\.medium/.test(n)));
  });
});

describe('EKS extended support', () => {
  it('bills a version past standard support at the extended rate, with a warning', () => {
    // 1.34 left standard support on 2026-12-02; NOW is 2026-12-03.
    const e = estimateCost(inRegion('us-east-1', 'cluster:\n  kubernetesVersion: "1.34"\n'), { now: NOW });
    near(amount(e, 'eks'), 0.6 * 730, 'eks'); // 438.00, 6x standard
    assert.match(e.warnings.join('\n'), /1\.34 left EKS standard support on 2026-12-02.*6x standard \(\$438\.00\/month\)/);
  });

  it('warns within 60 days of the end of standard support and still bills standard', () => {
    // 1.35 leaves standard support on 2027-03-27: 54 days after 2027-02-01.
    const e = estimateCost(inRegion('us-east-1', 'cluster:\n  kubernetesVersion: "1.35"\n'), { now: new Date('2027-02-01T00:00:00Z') });
    near(amount(e, 'eks'), 0.1 * 730, 'eks');
    assert.match(e.warnings.join('\n'), /1\.35 leaves EKS standard support on 2027-03-27 \(in 54 days\).*6x \(\$438\.00\/month\)/);
  });

  it('does not warn further out', () => {
    const e = estimateCost(inRegion('us-east-1', 'cluster:\n  kubernetesVersion: "1.35"\n'), { now: NOW });
    assert.deepEqual(e.warnings, []);
  });

  it('warns past the end of extended support (EKS upgrades such clusters)', () => {
    const e = estimateCost(inRegion('us-east-1', 'cluster:\n  kubernetesVersion: "1.31"\n'), { now: NOW });
    assert.match(e.warnings.join('\n'), /past the end of EKS extended support \(2026-11-26\)/);
  });

  it('says when the table has no support date for the version (1.36)', () => {
    const e = estimateCost(inRegion('us-east-1'), { now: NOW });
    assert.deepEqual(e.warnings, []);
    assert.ok(e.notes.some((n) => /no end-of-standard-support date for Kubernetes 1\.36/.test(n)));
  });
});

describe('regions without prices', () => {
  it('leaves the total unknown in a region with no prices, and lists every missing price', () => {
    const r = costReport(inRegion('ap-south-1'), { now: NOW });
    assert.equal(r.complete, false);
    assert.equal(r.running.totalUsd, null);
    assert.equal(r.paused.totalUsd, null);
    assert.equal(r.running.knownUsd, 0);
    assert.ok(r.running.lines.every((l) => l.unitPriceUsd === null && l.monthlyUsd === null));
    assert.ok(r.running.missingPrices.includes('eks.standard') && r.running.missingPrices.includes('ec2.m6i.large'));
    assert.equal(r.mwaa.totalUsd, null);
    assert.equal(r.mwaa.ratio, null);
    assert.match(unavailableMessage(r), /^no monthly estimate for ap-south-1: the price table has no prices for this region; this config can be priced in us-east-1/);
  });

  it('never fills a partial region from another region (eu-west-1 has EKS, NAT, IPv4 and a few RDS classes only)', () => {
    const r = costReport(inRegion('eu-west-1'), { now: NOW });
    assert.equal(r.running.totalUsd, null);
    near(r.running.knownUsd, 0.1 * 730 + 0.048 * 730 + 0.005 * 730, 'known lines'); // 73 + 35.04 + 3.65
    assert.ok(r.running.missingPrices.includes('ec2.m6i.large'));
    assert.ok(!r.running.missingPrices.includes('nat.hour'));
    assert.match(unavailableMessage(r), /lacks ec2\.m6i\.large, ebs\.gp3, rds\.db\.t4g\.medium/);
  });

  it('prices the lines a partial region has (eu-west-1 db.m6g.large) and still gives no total', () => {
    const r = costReport(inRegion('eu-west-1', 'database:\n  instanceClass: db.m6g.large\n'), { now: NOW });
    assert.ok(r.running.lines.find((l) => l.id === 'rds-instance')!.monthlyUsd !== null);
    near(r.running.lines.find((l) => l.id === 'rds-instance')!.monthlyUsd, 0.176 * 730, 'eu-west-1 db.m6g.large'); // 128.48
    assert.equal(r.running.totalUsd, null);
  });
});
