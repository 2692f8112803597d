/** The pure parts of `down`: the order workloads stop in, and what is reported as left and still billed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Retained } from '../../../src/adapters/aws/teardown.js';
import type { Workload } from '../../../src/adapters/kube/teardown.js';
import { scaleDownOrder } from '../../../src/ops/down/kubernetes.js';
import { formatLeftovers, leftovers, type LeftoverInput } from '../../../src/ops/down/leftovers.js';

const w = (name: string, component: string | undefined, replicas = 1, kind: Workload['kind'] = 'Deployment'): Workload => ({
  kind,
  name,
  replicas,
  ...(component ? { component } : {}),
});

describe('scaleDownOrder', () => {
  const cases: readonly [string, Workload[], string[]][] = [
    ['nothing deployed', [], []],
    [
      'the scheduler first, then the rest by name',
      [w('airflow-worker', 'worker'), w('airflow-api-server', 'api-server'), w('airflow-scheduler', 'scheduler'), w('airflow-postgresql', 'postgres', 1, 'StatefulSet')],
      ['airflow-scheduler', 'airflow-api-server', 'airflow-postgresql', 'airflow-worker'],
    ],
    ['workloads already at zero are left alone (a rerun)', [w('airflow-scheduler', 'scheduler', 0), w('airflow-triggerer', 'triggerer', 2)], ['airflow-triggerer']],
    ['everything at zero: nothing to do', [w('airflow-scheduler', 'scheduler', 0), w('airflow-worker', 'worker', 0)], []],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.deepEqual(scaleDownOrder(input).map((x) => x.name), expected));
  }
});

const none: Retained = { region: 'eu-west-1', snapshots: [], keys: [] };
const snapshot = { snapshotId: 'demo-airflow-snapshot-databaseinstance-abc', instanceId: 'demo-airflow', status: 'available', percent: 100, allocatedStorageGiB: 20, tags: {} };

describe('leftovers', () => {
  const cases: readonly [string, LeftoverInput, string[]][] = [
    ['nothing left', { retained: none }, []],
    [
      'the final snapshot, with the command that deletes it in the right region',
      { retained: { ...none, snapshots: [snapshot] } },
      ['snapshot demo-airflow-snapshot-databaseinstance-abc → aws rds delete-db-snapshot --db-snapshot-identifier demo-airflow-snapshot-databaseinstance-abc --region eu-west-1'],
    ],
    [
      'the retained bucket and repository point at --delete-data',
      { retained: { ...none, bucket: 'demo-airflow-storagebucket5cb7c8ea-x', repository: { name: 'demo/airflow', images: 3 } } },
      ['bucket demo-airflow-storagebucket5cb7c8ea-x → airflow-aws down --delete-data', 'repository demo/airflow → airflow-aws down --delete-data'],
    ],
    [
      'an enabled key gets a deletion command; a key pending deletion none',
      {
        retained: {
          ...none,
          keys: [
            { id: 'k-1', description: 'demo: logs', state: 'Enabled' },
            { id: 'k-2', description: 'demo: bucket', state: 'PendingDeletion', deletionDate: new Date('2027-01-02T00:00:00Z') },
          ],
        },
      },
      ['kms-key k-1 → aws kms schedule-key-deletion --key-id k-1 --pending-window-in-days 30 --region eu-west-1', 'kms-key k-2 → -'],
    ],
    [
      'a stack that failed to delete comes first, with its reasons, and a rerun of down',
      {
        retained: none,
        stack: {
          name: 'demo-airflow',
          status: 'DELETE_FAILED',
          failed: [{ logicalId: 'Vpc', type: 'AWS::EC2::VPC', status: 'DELETE_FAILED', reason: 'has dependencies' }],
        },
      },
      ['stack demo-airflow → airflow-aws down'],
    ],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.deepEqual(leftovers(input).map((l) => `${l.kind} ${l.id} → ${l.command ?? '-'}`), expected));
  }

  it('names the failed resource and its reason in the stack line', () => {
    const [l] = leftovers({ retained: none, stack: { name: 's', status: 'DELETE_FAILED', failed: [{ logicalId: 'Vpc', type: 'AWS::EC2::VPC', status: 'DELETE_FAILED', reason: 'has dependencies' }] } });
    assert.match(l!.note, /DELETE_FAILED.*Vpc \(AWS::EC2::VPC\): has dependencies/);
  });

  it('warns that the database key must outlive the snapshots', () => {
    const items = leftovers({ retained: { ...none, snapshots: [snapshot], keys: [{ id: 'k', description: 'db', state: 'Enabled' }] } });
    assert.match(items.find((i) => i.kind === 'kms-key')!.note, /after deleting the snapshots/);
    assert.doesNotMatch(leftovers({ retained: { ...none, keys: [{ id: 'k', description: 'db', state: 'Enabled' }] } })[0]!.note, /snapshots/);
  });

  it('says so when nothing is left, and otherwise prints each command under its resource', () => {
    assert.deepEqual(formatLeftovers([]), ['nothing of this deployment is left that costs money']);
    const lines = formatLeftovers(leftovers({ retained: { ...none, snapshots: [snapshot] } }));
    assert.equal(lines.length, 3);
    assert.match(lines[2]!, /^ {6}remove: aws rds delete-db-snapshot/);
  });
});
