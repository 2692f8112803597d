/** ensureClusterAdmin / describeClusterAdmin with a recording fake EKS API and a fake identity. */
import { AccessDeniedException } from '@aws-sdk/client-eks';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeClusterAdmin, ensureClusterAdmin, type IdentityApi } from '../../../src/adapters/aws/access-entry.js';
import { UserError } from '../../../src/errors/user-error.js';
import { fakeAccessEntries } from './access-entry-fake.js';

const cluster = 'demo-airflow';
const target = { region: 'eu-west-1' };
const ADMIN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
const SSO_ARN = 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_abc123';

function identity(callerArn: string, roles: Record<string, string> = {}): IdentityApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async callerArn() {
      calls.push('GetCallerIdentity');
      return callerArn;
    },
    async roleArn(name) {
      calls.push(`GetRole ${name}`);
      const arn = roles[name];
      if (!arn) throw Object.assign(new Error(`The role with name ${name} cannot be found.`), { name: 'NoSuchEntity' });
      return arn;
    },
  };
}

const ssoCaller = () =>
  identity('arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_abc123/alice@example.com', { AWSReservedSSO_Admin_abc123: SSO_ARN });

describe('ensureClusterAdmin', () => {
  it('creates the entry with the pathful SSO role ARN, then a second run changes nothing', async () => {
    const eks = fakeAccessEntries({ cluster, pageSize: 1, existing: { 'arn:aws:iam::111122223333:role/node': [] } });
    const first = await ensureClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: eks });
    assert.deepEqual(first, { principalArn: SSO_ARN, action: 'created' });
    assert.deepEqual(eks.writes, [`create ${SSO_ARN}`, `associate ${SSO_ARN} ${ADMIN}`]);

    const second = await ensureClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: eks });
    assert.deepEqual(second, { principalArn: SSO_ARN, action: 'already-listed' });
    assert.equal(eks.writes.length, 2, 'the second run wrote nothing');
  });

  it('finds the principal on a later page of ListAccessEntries', async () => {
    const others = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`arn:aws:iam::111122223333:role/r${i}`, []]));
    const eks = fakeAccessEntries({ cluster, pageSize: 2, existing: { ...others, [SSO_ARN]: [{ policyArn: ADMIN, scope: 'cluster' }] } });
    const r = await ensureClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: eks });
    assert.equal(r.action, 'already-listed');
    assert.deepEqual(eks.writes, []);
  });

  it('associates the policy when the entry exists without it (policies paginated)', async () => {
    const view = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';
    const eks = fakeAccessEntries({ cluster, pageSize: 1, existing: { [SSO_ARN]: [{ policyArn: view, scope: 'cluster' }, { policyArn: ADMIN, scope: 'namespace' }] } });
    const r = await ensureClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: eks });
    assert.deepEqual(r, { principalArn: SSO_ARN, action: 'policy-associated' });
    assert.deepEqual(eks.writes, [`associate ${SSO_ARN} ${ADMIN}`]);
  });

  it('sees the admin policy on the second page of associated policies', async () => {
    const view = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';
    const eks = fakeAccessEntries({ cluster, pageSize: 1, existing: { [SSO_ARN]: [{ policyArn: view, scope: 'cluster' }, { policyArn: ADMIN, scope: 'cluster' }] } });
    const r = await ensureClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: eks });
    assert.equal(r.action, 'already-listed');
    assert.deepEqual(eks.writes, []);
  });

  it('treats ResourceInUseException on create as "already there" (entry created between list and create)', async () => {
    const eks = fakeAccessEntries({ cluster });
    const racing = {
      ...eks,
      // Someone else creates the entry right after our list.
      async listAccessEntries(c: string, t?: string) {
        const p = await eks.listAccessEntries(c, t);
        if (!eks.entries.has(SSO_ARN)) eks.entries.set(SSO_ARN, []);
        return p;
      },
    };
    const r = await ensureClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: racing });
    assert.deepEqual(r, { principalArn: SSO_ARN, action: 'policy-associated' });
    assert.deepEqual(eks.writes, [`associate ${SSO_ARN} ${ADMIN}`]);
  });

  it('uses a given IAM user ARN as is, without calling STS or IAM', async () => {
    const eks = fakeAccessEntries({ cluster });
    const id = identity('arn:aws:iam::111122223333:user/unused');
    const user = 'arn:aws-us-gov:iam::111122223333:user/ops/bob';
    const r = await ensureClusterAdmin({ target, clusterName: cluster, callerArn: user }, { identity: id, accessEntries: eks });
    assert.deepEqual(r, { principalArn: user, action: 'created' });
    assert.deepEqual(id.calls, []);
    assert.ok(eks.writes.includes(`associate ${user} arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`));
  });

  it('refuses the root user before touching EKS', async () => {
    const eks = fakeAccessEntries({ cluster });
    await assert.rejects(
      ensureClusterAdmin({ target, clusterName: cluster }, { identity: identity('arn:aws:iam::111122223333:root'), accessEntries: eks }),
      (e: unknown) => UserError.is(e) && e.code === 'CALLER_IS_ROOT',
    );
    assert.deepEqual(eks.writes, []);
  });

  it('reports a missing cluster as CLUSTER_NOT_FOUND', async () => {
    const eks = fakeAccessEntries({ cluster: 'other' });
    await assert.rejects(
      ensureClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: eks }),
      (e: unknown) => UserError.is(e) && e.code === 'CLUSTER_NOT_FOUND',
    );
  });

  it('names eks:CreateAccessEntry when creating is denied', async () => {
    const eks = fakeAccessEntries({ cluster });
    const denied = {
      ...eks,
      async createAccessEntry() {
        throw new AccessDeniedException({
          message: `User: arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_abc123/alice is not authorized to perform: eks:CreateAccessEntry on resource: arn:aws:eks:eu-west-1:111122223333:cluster/${cluster}`,
          $metadata: {},
        });
      },
    };
    await assert.rejects(
      ensureClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: denied }),
      (e: unknown) => UserError.is(e) && e.code === 'AWS_ACCESS_DENIED' && /eks:CreateAccessEntry/.test(e.message),
    );
  });

  it('tells how to proceed when iam:GetRole is denied', async () => {
    const id: IdentityApi = {
      callerArn: async () => 'arn:aws:sts::111122223333:assumed-role/dev/s',
      roleArn: async () => {
        throw Object.assign(new Error('User: arn:aws:sts::111122223333:assumed-role/dev/s is not authorized to perform: iam:GetRole on resource: role dev'), { name: 'AccessDenied' });
      },
    };
    await assert.rejects(
      ensureClusterAdmin({ target, clusterName: cluster }, { identity: id, accessEntries: fakeAccessEntries({ cluster }) }),
      (e: unknown) => UserError.is(e) && e.code === 'AWS_ACCESS_DENIED' && /iam:GetRole/.test(e.message) && /including its path/.test(e.hint ?? ''),
    );
  });
});

describe('describeClusterAdmin', () => {
  it('describes the creation without writing', async () => {
    const eks = fakeAccessEntries({ cluster });
    const plan = await describeClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: eks });
    assert.equal(plan.step, 'create-entry');
    assert.equal(plan.principalArn, SSO_ARN);
    assert.equal(plan.clusterExists, true);
    assert.match(plan.description, /create an access entry/);
    assert.deepEqual(eks.writes, []);
  });

  it('plans the entry for after the cluster exists on a first deploy', async () => {
    const plan = await describeClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: fakeAccessEntries({ cluster: 'x' }) });
    assert.deepEqual([plan.step, plan.clusterExists], ['create-entry', false]);
    assert.match(plan.description, /once cluster demo-airflow exists/);
  });

  it('says "none" once ensureClusterAdmin has run', async () => {
    const eks = fakeAccessEntries({ cluster });
    await ensureClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: eks });
    const plan = await describeClusterAdmin({ target, clusterName: cluster }, { identity: ssoCaller(), accessEntries: eks });
    assert.equal(plan.step, 'none');
  });
});
