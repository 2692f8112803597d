import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../../src/errors/user-error.js';
import { objectLabels } from '../../../src/k8s/labels.js';
import {
  compareVersions,
  decideUpgrade,
  deployedAirflowVersion,
  downgradeError,
  isValidSnapshotIdentifier,
  replacedInstanceId,
  restoredInstanceId,
  restoreInstructions,
  SNAPSHOT_ID_MAX,
  snapshotIdentifier,
  snapshotTags,
  snapshotTimestamp,
  upgradePlanLines,
  type UpgradeDecision,
} from '../../../src/ops/upgrade-guard.js';
import { testConfig } from '../infra/config-fixture.js';

const NOW = new Date(Date.UTC(2026, 6, 4, 9, 5, 59));
const config = (version: string) => ({ name: 'demo', airflow: { version } }) as Parameters<typeof decideUpgrade>[1];

describe('upgrade decision', () => {
  const cases: readonly [string, string | undefined, string, UpgradeDecision][] = [
    ['nothing deployed is a first install', undefined, '3.3.2', { kind: 'first-install', to: '3.3.2' }],
    ['the same version is no migration', '3.3.2', '3.3.2', { kind: 'same', version: '3.3.2' }],
    ['a patch release is an upgrade', '3.3.1', '3.3.2', { kind: 'upgrade', from: '3.3.1', to: '3.3.2', snapshotId: 'airflow-aws-demo-3-3-1-to-3-3-2-202607040905' }],
    ['2 to 3 is an upgrade', '2.10.5', '3.0.6', { kind: 'upgrade', from: '2.10.5', to: '3.0.6', snapshotId: 'airflow-aws-demo-2-10-5-to-3-0-6-202607040905' }],
    ['minor 9 to 10 compares numerically, not as text', '2.9.3', '2.10.0', { kind: 'upgrade', from: '2.9.3', to: '2.10.0', snapshotId: 'airflow-aws-demo-2-9-3-to-2-10-0-202607040905' }],
    ['an older patch is a downgrade', '3.3.2', '3.3.1', { kind: 'downgrade', from: '3.3.2', to: '3.3.1' }],
    ['10 back to 9 is a downgrade', '2.10.0', '2.9.3', { kind: 'downgrade', from: '2.10.0', to: '2.9.3' }],
    ['3 back to 2 is a downgrade', '3.0.0', '2.11.0', { kind: 'downgrade', from: '3.0.0', to: '2.11.0' }],
  ];
  for (const [name, deployed, wanted, expected] of cases) {
    it(name, () => assert.deepEqual(decideUpgrade({ airflowVersion: deployed }, config(wanted), NOW), expected));
  }

  it('uses the real resolved config', () => {
    const c = testConfig('airflow: {version: 3.2.0}');
    const d = decideUpgrade({ airflowVersion: '3.1.0' }, c, NOW);
    assert.equal(d.kind, 'upgrade');
  });
});

describe('deployed version from Deployment labels', () => {
  const dep = (labels: Record<string, string> | undefined) => ({ metadata: labels ? { labels } : {} });
  it('reads the version label objectLabels writes', () => {
    const labels = objectLabels(testConfig('airflow: {version: 3.1.2}'), 'scheduler');
    assert.equal(deployedAirflowVersion([{ metadata: { labels } }]), '3.1.2');
  });
  const cases: readonly [string, ReturnType<typeof dep>[], string | undefined][] = [
    ['no Deployments: first install', [], undefined],
    ['Deployments without the label', [dep(undefined), dep({ a: 'b' })], undefined],
    ['all on one version', [dep({ 'app.kubernetes.io/version': '3.0.6' }), dep({ 'app.kubernetes.io/version': '3.0.6' })], '3.0.6'],
    [
      'a rollout stopped midway: the highest (the schema is already there)',
      [dep({ 'app.kubernetes.io/version': '2.9.3' }), dep({ 'app.kubernetes.io/version': '2.10.5' }), dep({ 'app.kubernetes.io/version': '2.9.3' })],
      '2.10.5',
    ],
    ['a hand-edited label is ignored', [dep({ 'app.kubernetes.io/version': 'latest' }), dep({ 'app.kubernetes.io/version': '3.0.6' })], '3.0.6'],
  ];
  for (const [name, deployments, expected] of cases) it(name, () => assert.equal(deployedAirflowVersion(deployments), expected));
});

describe('version comparison', () => {
  const cases: readonly [string, string, number][] = [
    ['3.0.0', '3.0.0', 0],
    ['2.10.0', '2.9.9', 1],
    ['2.9.9', '2.10.0', -1],
    ['3.0.0', '2.11.9', 1],
    ['3.3.10', '3.3.9', 1],
  ];
  for (const [a, b, sign] of cases) it(`${a} vs ${b} is ${sign}`, () => assert.equal(Math.sign(compareVersions(a, b)), sign));
});

describe('snapshot identifier', () => {
  it('stamps UTC minutes', () => {
    assert.equal(snapshotTimestamp(NOW), '202607040905');
    assert.equal(snapshotTimestamp(new Date(Date.UTC(2027, 11, 31, 23, 59))), '202712312359');
  });

  const cases: readonly [string, string, string, string, string][] = [
    ['dots become hyphens', 'demo', '2.10.5', '3.0.6', 'airflow-aws-demo-2-10-5-to-3-0-6-202607040905'],
    ['uppercase is lowered (RDS stores it lowercase)', 'Team-A', '3.0.0', '3.1.0', 'airflow-aws-team-a-3-0-0-to-3-1-0-202607040905'],
    ['invalid characters become one hyphen', 'my_team..x', '3.0.0', '3.1.0', 'airflow-aws-my-team-x-3-0-0-to-3-1-0-202607040905'],
    ['double hyphens collapse', 'a--b', '3.0.0', '3.1.0', 'airflow-aws-a-b-3-0-0-to-3-1-0-202607040905'],
    ['a trailing hyphen in the name does not double up', 'demo-', '3.0.0', '3.1.0', 'airflow-aws-demo-3-0-0-to-3-1-0-202607040905'],
  ];
  for (const [name, n, from, to, expected] of cases) {
    it(name, () => {
      const id = snapshotIdentifier(n, from, to, NOW);
      assert.equal(id, expected);
      assert.ok(isValidSnapshotIdentifier(id), id);
    });
  }

  it('truncates a long name to 255 characters, keeping the timestamp and a hash that tells long names apart', () => {
    const long = 'x'.repeat(300);
    const a = snapshotIdentifier(`${long}a`, '3.0.0', '3.1.0', NOW);
    const b = snapshotIdentifier(`${long}b`, '3.0.0', '3.1.0', NOW);
    for (const id of [a, b]) {
      assert.equal(id.length, SNAPSHOT_ID_MAX);
      assert.ok(isValidSnapshotIdentifier(id), id);
      assert.match(id, /^airflow-aws-x+-[0-9a-f]{8}-202607040905$/);
    }
    assert.notEqual(a, b);
    assert.equal(snapshotIdentifier(`${long}a`, '3.0.0', '3.1.0', NOW), a, 'deterministic');
  });

  it('does not end the cut part with a hyphen', () => {
    // Choose a name whose cut falls right after a hyphen.
    const tail = '-12345678-202607040905'.length;
    const head = 'airflow-aws-'.length;
    const name = `${'y'.repeat(SNAPSHOT_ID_MAX - tail - head - 1)}-${'z'.repeat(40)}`;
    const id = snapshotIdentifier(name, '3.0.0', '3.1.0', NOW);
    assert.ok(isValidSnapshotIdentifier(id), id);
    assert.ok(!id.includes('--'), id);
  });

  const validity: readonly [string, boolean][] = [
    ['a', true],
    ['a-b-1', true],
    ['1abc', false],
    ['-abc', false],
    ['abc-', false],
    ['a--b', false],
    ['a_b', false],
    ['a.b', false],
    ['', false],
    ['a'.repeat(255), true],
    ['a'.repeat(256), false],
  ];
  for (const [id, ok] of validity) it(`${ok ? 'accepts' : 'rejects'} "${id.length > 20 ? `${id.slice(0, 8)}…(${id.length})` : id}"`, () => assert.equal(isValidSnapshotIdentifier(id), ok));
});

describe('snapshot tags', () => {
  it('carry the config tags, the deployment and the migration', () => {
    assert.deepEqual(snapshotTags({ name: 'demo', tags: { team: 'data' } }, '3.0.0', '3.1.0'), {
      team: 'data',
      'airflow-aws:deployment': 'demo',
      'airflow-aws:upgrade': '3.0.0-to-3.1.0',
    });
  });
});

describe('downgrade refusal', () => {
  it('is a bad-input UserError naming both versions, with a hint and both ways back', () => {
    const e = downgradeError('3.1.0', '3.0.6', 'demo-airflow');
    assert.ok(UserError.is(e));
    assert.equal(e.code, 'AIRFLOW_DOWNGRADE_REFUSED');
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /3\.0\.6 is older than the deployed Airflow 3\.1\.0/);
    assert.match(e.hint ?? '', /set airflow\.version back to 3\.1\.0/);
    const details = e.details.join('\n');
    assert.match(details, /describe-db-snapshots --db-instance-identifier demo-airflow/);
    assert.match(details, /airflow db downgrade --to-version 3\.0\.6/);
  });
});

describe('plan lines', () => {
  const ctx = { instanceId: 'demo-airflow', region: 'eu-west-1' };
  it('announce the snapshot, the stop on failure and the way back for an upgrade', () => {
    const d = decideUpgrade({ airflowVersion: '3.0.6' }, config('3.1.0'), NOW);
    const text = upgradePlanLines(d, ctx).join('\n');
    assert.match(text, /3\.0\.6 -> 3\.1\.0/);
    assert.match(text, /before migrating: snapshot airflow-aws-demo-3-0-6-to-3-1-0-202607040905 of RDS instance demo-airflow \(eu-west-1\)/);
    assert.match(text, /old pods keep serving/);
    assert.match(text, /restore-db-instance-from-db-snapshot --db-snapshot-identifier airflow-aws-demo-3-0-6-to-3-1-0-202607040905/);
  });
  const others: readonly [UpgradeDecision, RegExp][] = [
    [{ kind: 'first-install', to: '3.3.2' }, /first install of Airflow 3\.3\.2.*no snapshot/],
    [{ kind: 'same', version: '3.3.2' }, /3\.3\.2 is already deployed.*no snapshot/],
    [{ kind: 'downgrade', from: '3.3.2', to: '3.3.1' }, /refused/],
  ];
  for (const [d, re] of others) {
    it(`say what happens for ${d.kind}, without a snapshot`, () => {
      const text = upgradePlanLines(d, ctx).join('\n');
      assert.match(text, re);
      assert.doesNotMatch(text, /before migrating: snapshot/);
    });
  }
});

describe('restore instructions', () => {
  const base = { instanceId: 'demo-airflow', region: 'eu-west-1', snapshotId: 'airflow-aws-demo-3-0-6-to-3-1-0-202607040905', from: '3.0.6' };

  it('restore into a new instance, swap identifiers, and say what is billed', () => {
    const text = restoreInstructions({
      ...base,
      namespace: 'airflow',
      settings: { subnetGroupName: 'sng-1', securityGroupIds: ['sg-1', 'sg-2'], parameterGroupName: 'pg-1', instanceClass: 'db.t4g.medium', multiAz: false, backupRetentionDays: 7 },
    }).join('\n');
    assert.match(text, /creates a NEW instance/);
    assert.match(
      text,
      /aws rds restore-db-instance-from-db-snapshot --region eu-west-1 --db-instance-identifier demo-airflow-restored --db-snapshot-identifier airflow-aws-demo-3-0-6-to-3-1-0-202607040905 --db-instance-class db\.t4g\.medium --db-subnet-group-name sng-1 --vpc-security-group-ids sg-1 sg-2 --db-parameter-group-name pg-1 --no-multi-az /,
    );
    assert.match(text, /--db-instance-identifier demo-airflow --new-db-instance-identifier demo-airflow-replaced/);
    assert.match(text, /--db-instance-identifier demo-airflow-restored --new-db-instance-identifier demo-airflow --apply-immediately --backup-retention-period 7/);
    assert.match(text, /set airflow\.version back to 3\.0\.6/);
    assert.match(text, /rollout restart deployment -n airflow/);
    assert.match(text, /delete-db-instance .*demo-airflow-replaced/);
    assert.match(text, /delete-db-snapshot .*airflow-aws-demo-3-0-6-to-3-1-0-202607040905/);
    assert.doesNotMatch(text, /<[a-z-]+>/, 'no placeholder when every setting is known');
    assert.doesNotMatch(text, /describe-db-instances .*--query 'DBInstances\[0\]\.\{/, 'no lookup step when every setting is known');
  });

  it('print placeholders and the command that reads them when the settings are unknown', () => {
    const text = restoreInstructions(base).join('\n');
    for (const p of ['<instance-class>', '<subnet-group>', '<security-group-ids>', '<parameter-group>', '<namespace>']) assert.ok(text.includes(p), p);
    assert.match(text, /aws rds describe-db-instances --region eu-west-1 --db-instance-identifier demo-airflow --query/);
  });

  it('keeps the temporary instance identifiers within 63 characters', () => {
    const id = 'a'.repeat(63);
    assert.equal(restoredInstanceId(id).length, 63);
    assert.equal(replacedInstanceId(id).length, 63);
    assert.match(restoredInstanceId(id), /-restored$/);
  });
});
