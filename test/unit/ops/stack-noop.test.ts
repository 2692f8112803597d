/** When `up` may skip the stack deploy without asking CloudFormation for a change set (pure; src/ops/up/stack-noop.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deployIsNoOp, type DeployedStack, type DesiredStack } from '../../../src/ops/up/stack-noop.js';

const template = { Description: 'Airflow 3.2.1', Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'b' } } } };
const desired: DesiredStack = { template, tags: { 'airflow-aws:deployment': 'demo', team: 'data' }, terminationProtection: true };
const deployed: DeployedStack = {
  status: 'UPDATE_COMPLETE',
  template: JSON.parse(JSON.stringify(template)) as DeployedStack['template'],
  tags: { team: 'data', 'airflow-aws:deployment': 'demo' },
  terminationProtection: true,
  notificationArns: [],
  parameterKeys: [],
};

describe('deployIsNoOp', () => {
  const cases: readonly [string, Partial<DeployedStack>, Partial<DesiredStack>, string | undefined][] = [
    ['the same template, tags (in any order) and protection', {}, {}, undefined],
    ['a first create that completed', { status: 'CREATE_COMPLETE' }, {}, undefined],
    ['a rolled-back update (up retries it)', { status: 'UPDATE_ROLLBACK_COMPLETE' }, {}, 'UPDATE_ROLLBACK_COMPLETE'],
    ['an update in progress', { status: 'UPDATE_IN_PROGRESS' }, {}, 'UPDATE_IN_PROGRESS'],
    ['a template that cannot be read', { template: undefined }, {}, 'could not be read'],
    ['a changed property', {}, { template: { ...template, Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'c' } } } } }, 'template changed'],
    ['a changed description only (the Airflow version)', {}, { template: { ...template, Description: 'Airflow 3.3.2' } }, 'template changed'],
    ['a tag added in the config', {}, { tags: { ...desired.tags, owner: 'me' } }, 'tags changed'],
    ['a tag value changed', { tags: { ...deployed.tags, team: 'ml' } }, {}, 'tags changed'],
    ['a tag removed from the config', { tags: { ...deployed.tags, old: 'x' } }, {}, 'tags changed'],
    ['termination protection turned off outside the tool', { terminationProtection: false }, {}, 'termination protection'],
    ['notification ARNs set outside the tool', { notificationArns: ['arn:aws:sns:us-east-1:1:t'] }, {}, 'notification'],
    ['stack parameters', { parameterKeys: ['BootstrapVersion'] }, {}, 'parameters'],
  ];
  for (const [name, d, w, why] of cases) {
    it(`${why === undefined ? 'skips' : 'deploys'} for ${name}`, () => {
      const v = deployIsNoOp({ ...desired, ...w }, { ...deployed, ...d });
      if (why === undefined) assert.deepEqual(v, { noOp: true });
      else {
        assert.equal(v.noOp, false);
        assert.match((v as { why: string }).why, new RegExp(why));
      }
    });
  }
});
