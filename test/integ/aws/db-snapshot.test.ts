/** The pre-migration snapshot and the database lookup, against a real moto server (the tool's own SDK calls only). */
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateDBInstanceCommand, DescribeDBSnapshotsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-rds';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cloudFormationClient } from '../../../src/adapters/aws/cloudformation.js';
import {
  createSnapshot,
  findInstanceId,
  listSnapshots,
  rdsClient,
  restoreSettings,
  type SnapshotProgress,
} from '../../../src/adapters/aws/db-snapshot.js';
import { UserError } from '../../../src/errors/user-error.js';
import { decideUpgrade, snapshotTags } from '../../../src/ops/upgrade-guard.js';
import { startMoto, type MotoServer } from '../../support/moto.js';

describe('RDS snapshot adapter against moto', () => {
  let moto: MotoServer;
  let target: { region: string; endpoint: string };
  const instanceId = 'demo-airflow';

  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    target = { region: 'us-east-1', endpoint: moto.endpoint };
    const rds = rdsClient(target);
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: instanceId,
        Engine: 'postgres',
        EngineVersion: '17.6',
        DBInstanceClass: 'db.t4g.medium',
        AllocatedStorage: 20,
        MasterUsername: 'airflow',
        MasterUserPassword: 'not-a-secret-123',
        BackupRetentionPeriod: 7,
      }),
    );
    rds.destroy();
  });
  after(async () => moto?.stop());

  const decision = decideUpgrade({ airflowVersion: '3.0.6' }, { name: 'demo', airflow: { version: '3.1.0' } } as never, new Date(Date.UTC(2026, 6, 4, 9, 5)));
  assert.equal(decision.kind, 'upgrade');
  const snapshotId = decision.kind === 'upgrade' ? decision.snapshotId : '';
  const tags = snapshotTags({ name: 'demo', tags: { team: 'data' } }, '3.0.6', '3.1.0');

  it('creates the snapshot with its tags, waits until available and reports progress', async () => {
    const progress: SnapshotProgress[] = [];
    const result = await createSnapshot({ target, instanceId, snapshotId, tags, pollMs: 50, timeoutMs: 30_000, onProgress: (p) => progress.push(p) });
    assert.equal(result.reused, false);
    assert.equal(result.snapshot.status, 'available');
    assert.equal(result.snapshot.instanceId, instanceId);
    assert.ok(progress.length >= 1);
    assert.deepEqual(progress.at(-1), { snapshotId, status: 'available', percent: 100 });

    // Read back independently of the adapter.
    const rds = rdsClient(target);
    try {
      const out = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }));
      const snap = out.DBSnapshots?.[0];
      assert.equal(snap?.Status, 'available');
      assert.equal(snap?.DBInstanceIdentifier, instanceId);
      assert.equal(snap?.SnapshotType, 'manual');
      const listed = await rds.send(new ListTagsForResourceCommand({ ResourceName: snap!.DBSnapshotArn! }));
      const got = Object.fromEntries((listed.TagList ?? []).map((t) => [t.Key, t.Value]));
      for (const [k, v] of Object.entries(tags)) assert.equal(got[k], v, `tag ${k}`);
    } finally {
      rds.destroy();
    }
  });

  it('reuses the available snapshot on a second call instead of creating another', async () => {
    const result = await createSnapshot({ target, instanceId, snapshotId, tags, pollMs: 50, timeoutMs: 30_000 });
    assert.equal(result.reused, true);
    assert.equal(result.snapshot.status, 'available');
    const all = await listSnapshots(target, instanceId);
    assert.deepEqual(all.map((s) => s.snapshotId), [snapshotId]);
    assert.equal(all[0]!.tags['airflow-aws:upgrade'], '3.0.6-to-3.1.0');
    assert.equal(all[0]!.allocatedStorageGiB, 20);
  });

  it('lists the manual snapshots of an instance, oldest first, and none for an unknown instance', async () => {
    await createSnapshot({ target, instanceId, snapshotId: `${snapshotId}-second`, tags: {}, pollMs: 50, timeoutMs: 30_000 });
    const all = await listSnapshots(target, instanceId);
    assert.deepEqual(all.map((s) => s.snapshotId).sort(), [snapshotId, `${snapshotId}-second`].sort());
    assert.deepEqual(await listSnapshots(target, 'never-created'), []);
  });

  it('refuses, as a UserError, to snapshot an instance that does not exist', async () => {
    await assert.rejects(
      createSnapshot({ target, instanceId: 'no-such-db', snapshotId: 'airflow-aws-x-1', tags: {}, pollMs: 50, timeoutMs: 5_000 }),
      (e: unknown) => UserError.is(e) && e.code === 'DATABASE_NOT_FOUND' && /no-such-db/.test(e.message),
    );
  });

  it('refuses to reuse a snapshot of that id that belongs to another instance', async () => {
    await assert.rejects(
      createSnapshot({ target, instanceId: 'other-db', snapshotId, tags: {}, pollMs: 50, timeoutMs: 5_000 }),
      (e: unknown) => UserError.is(e) && e.code === 'SNAPSHOT_ID_TAKEN',
    );
  });

  it('stops waiting when the signal aborts', async () => {
    const ac = new AbortController();
    ac.abort(new Error('interrupted'));
    await assert.rejects(createSnapshot({ target, instanceId, snapshotId: 'airflow-aws-aborted-1', tags: {}, signal: ac.signal }), /interrupted/);
  });

  it('reads the settings a restore needs from the instance', async () => {
    const s = await restoreSettings(target, instanceId);
    assert.equal(s.instanceClass, 'db.t4g.medium');
    assert.equal(s.backupRetentionDays, 7);
    assert.equal(s.multiAz, false);
  });

  it('finds the instance id from the DatabaseInstanceId output without any call', async () => {
    // The stack does not exist: an answer proves no CloudFormation call was made.
    assert.equal(await findInstanceId(target, { stackName: 'absent-airflow', outputs: { DatabaseInstanceId: 'from-output' } }), 'from-output');
  });

  it('finds the instance id from the stack resources when the output is missing (stacks deployed before it)', async () => {
    const cfn = cloudFormationClient(target);
    const template = {
      Resources: {
        DatabaseInstanceAA8A5FDE: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBInstanceIdentifier: 'cfn-airflow', Engine: 'postgres', DBInstanceClass: 'db.t4g.medium', AllocatedStorage: '20', MasterUsername: 'airflow', MasterUserPassword: 'not-a-secret-123' },
        },
      },
    };
    await cfn.send(new CreateStackCommand({ StackName: 'cfn-airflow', TemplateBody: JSON.stringify(template) }));
    cfn.destroy();
    assert.equal(await findInstanceId(target, { stackName: 'cfn-airflow', outputs: { DatabaseName: 'airflow' } }), 'cfn-airflow');
  });

  it('says so, as a UserError, when the stack does not exist', async () => {
    await assert.rejects(findInstanceId(target, { stackName: 'never-deployed' }), (e: unknown) => UserError.is(e) && e.code === 'STACK_NOT_FOUND');
  });
});
