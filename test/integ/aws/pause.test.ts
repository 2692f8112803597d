/**
 * The AWS steps of pause and resume against moto, on the real stack `up`'s infrastructure step creates: the record
 * on the EKS cluster, the node group's scaling and the RDS instance's state, each read back through AWS's own APIs.
 */
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PauseAws } from '../../../src/adapters/aws/pause.js';
import { parseConfig } from '../../../src/config/load.js';
import { STACK_OUTPUTS } from '../../../src/config/naming.js';
import type { PauseContext } from '../../../src/ops/pause/context.js';
import { databaseStep, nodesStep, recordStep } from '../../../src/ops/pause/pause.js';
import { decodePause, PAUSE_TAG } from '../../../src/ops/pause/record.js';
import { clearRecordStep, restoreNodesStep, startDatabaseStep } from '../../../src/ops/pause/resume.js';
import { runSteps } from '../../../src/ops/steps.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { deployStackOnMoto } from '../../support/moto-stack.js';

const REGION = 'us-east-1';

describe('pause and resume: the AWS steps against moto', () => {
  let moto: MotoServer;
  let outputs: Readonly<Record<string, string>>;
  const saved = { ...process.env };
  const config = parseConfig(`name: pausedemo\nregion: ${REGION}\n`, 'airflow-aws.yaml', '/tmp/project');

  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, moto.env);
    outputs = await deployStackOnMoto(config, moto.endpoint);
  });
  after(async () => {
    process.env = saved;
    await moto?.stop();
  });

  const clients = () => ({ region: REGION, endpoint: moto.endpoint });
  function context(aws: PauseAws): PauseContext {
    return {
      config,
      stackName: 'pausedemo-airflow',
      aws,
      // Not the stack's EKS cluster: resume does not wait for nodes (moto runs none).
      kube: async () => ({ client: undefined as never, where: 'context none', eks: false }),
      timeoutMs: 10_000,
      pollMs: 50,
      force: false,
      signal: new AbortController().signal,
      now: () => new Date('2026-03-01T10:00:00.000Z'),
      found: {},
    };
  }
  async function observed() {
    const eks = new EKSClient(clients());
    const clusterName = outputs[STACK_OUTPUTS.clusterName]!;
    const cluster = (await eks.send(new DescribeClusterCommand({ name: clusterName }))).cluster;
    const [ng] = (await eks.send(new ListNodegroupsCommand({ clusterName }))).nodegroups ?? [];
    const scaling = (await eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName: ng }))).nodegroup?.scalingConfig;
    const db = (await new RDSClient(clients()).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: outputs[STACK_OUTPUTS.databaseInstanceId] }))).DBInstances?.[0];
    return { tag: cluster?.tags?.[PAUSE_TAG], nodegroup: ng, scaling, db: db?.DBInstanceStatus };
  }

  it('pause records the sizes, scales the node group to 0 and stops the database; a second run changes nothing', async () => {
    const before = await observed();
    assert.deepEqual(before.scaling, { minSize: 1, maxSize: 4, desiredSize: 2 });
    assert.equal(before.db, 'available');
    assert.equal(before.tag, undefined);

    const aws = new PauseAws(clients());
    try {
      const results = await runSteps([recordStep, nodesStep, databaseStep], context(aws), () => {});
      assert.deepEqual(results.map((r) => r.outcome.changed), [true, true, true]);
      const after = await observed();
      assert.deepEqual(after.scaling, { minSize: 0, maxSize: 4, desiredSize: 0 });
      assert.equal(after.db, 'stopped');
      assert.deepEqual(decodePause(after.tag ?? ''), { since: new Date('2026-03-01T10:00:00.000Z'), nodegroup: after.nodegroup, sizes: { min: 1, desired: 2, max: 4 } });

      const again = await runSteps([recordStep, nodesStep, databaseStep], context(aws), () => {});
      assert.deepEqual(again.map((r) => r.outcome.changed), [false, false, false]);
      assert.equal((await observed()).tag, after.tag, 'the recorded sizes are kept, not overwritten by the 0s');
    } finally {
      aws.destroy();
    }
  });

  it('resume starts the database, restores the recorded sizes and clears the record', async () => {
    const aws = new PauseAws(clients());
    try {
      const results = await runSteps([startDatabaseStep, restoreNodesStep, clearRecordStep], context(aws), () => {});
      assert.deepEqual(results.map((r) => r.outcome.changed), [true, true, true]);
      const after = await observed();
      assert.deepEqual(after.scaling, { minSize: 1, maxSize: 4, desiredSize: 2 });
      assert.equal(after.db, 'available');
      assert.equal(after.tag, undefined);
      const state = await aws.read('pausedemo-airflow');
      assert.equal(state.record, undefined);
    } finally {
      aws.destroy();
    }
  });
});
