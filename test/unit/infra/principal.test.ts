/** Caller ARN -> access-entry principal: the mapping EKS access entries depend on (paths, partitions, refusals). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../../src/errors/user-error.js';
import {
  accessEntryPrincipal,
  clusterAdminPolicyArn,
  clusterAdminStep,
  parseCallerArn,
  roleArnFor,
  type AccessEntryPrincipal,
} from '../../../src/infra/principal.js';

const SSO_ROLE = 'AWSReservedSSO_AdministratorAccess_0123456789abcdef';

/** [case, caller ARN, expected principal] */
const mapped: readonly [string, string, AccessEntryPrincipal][] = [
  ['an IAM user', 'arn:aws:iam::111122223333:user/alice', { kind: 'principal-arn', principalArn: 'arn:aws:iam::111122223333:user/alice', partition: 'aws', accountId: '111122223333' }],
  ['an IAM user with a path', 'arn:aws:iam::111122223333:user/division/team/alice@example.com', { kind: 'principal-arn', principalArn: 'arn:aws:iam::111122223333:user/division/team/alice@example.com', partition: 'aws', accountId: '111122223333' }],
  ['an IAM role', 'arn:aws:iam::111122223333:role/deployer', { kind: 'principal-arn', principalArn: 'arn:aws:iam::111122223333:role/deployer', partition: 'aws', accountId: '111122223333' }],
  ['an IAM role with a path', 'arn:aws:iam::111122223333:role/ci/github/deployer', { kind: 'principal-arn', principalArn: 'arn:aws:iam::111122223333:role/ci/github/deployer', partition: 'aws', accountId: '111122223333' }],
  ['an assumed role', 'arn:aws:sts::111122223333:assumed-role/deployer/botocore-session-1700000000', { kind: 'role-name', roleName: 'deployer', partition: 'aws', accountId: '111122223333' }],
  ['an SSO assumed role (session = e-mail)', `arn:aws:sts::111122223333:assumed-role/${SSO_ROLE}/alice@example.com`, { kind: 'role-name', roleName: SSO_ROLE, partition: 'aws', accountId: '111122223333' }],
  ['an assumed role in aws-cn', 'arn:aws-cn:sts::111122223333:assumed-role/ops/s', { kind: 'role-name', roleName: 'ops', partition: 'aws-cn', accountId: '111122223333' }],
  ['an assumed role in aws-us-gov', 'arn:aws-us-gov:sts::111122223333:assumed-role/ops/s', { kind: 'role-name', roleName: 'ops', partition: 'aws-us-gov', accountId: '111122223333' }],
  ['an IAM user in aws-us-gov', 'arn:aws-us-gov:iam::111122223333:user/bob', { kind: 'principal-arn', principalArn: 'arn:aws-us-gov:iam::111122223333:user/bob', partition: 'aws-us-gov', accountId: '111122223333' }],
  ['an IAM role in aws-cn', 'arn:aws-cn:iam::111122223333:role/x/y', { kind: 'principal-arn', principalArn: 'arn:aws-cn:iam::111122223333:role/x/y', partition: 'aws-cn', accountId: '111122223333' }],
];

/** [case, caller ARN, expected UserError code] */
const refused: readonly [string, string, string][] = [
  ['the root user', 'arn:aws:iam::111122223333:root', 'CALLER_IS_ROOT'],
  ['the root user in aws-cn', 'arn:aws-cn:iam::111122223333:root', 'CALLER_IS_ROOT'],
  ['a federated user', 'arn:aws:sts::111122223333:federated-user/alice', 'CALLER_IS_FEDERATED_USER'],
  ['an empty string', '', 'CALLER_ARN_UNRECOGNIZED'],
  ['not an ARN', 'alice', 'CALLER_ARN_UNRECOGNIZED'],
  ['an S3 ARN', 'arn:aws:s3:::bucket', 'CALLER_ARN_UNRECOGNIZED'],
  ['an unknown partition', 'arn:gcp:iam::111122223333:user/alice', 'CALLER_ARN_UNRECOGNIZED'],
  ['a short account id', 'arn:aws:iam::1111:user/alice', 'CALLER_ARN_UNRECOGNIZED'],
  ['an assumed role without session', 'arn:aws:sts::111122223333:assumed-role/deployer', 'CALLER_ARN_UNRECOGNIZED'],
  ['an assumed role with an extra segment', 'arn:aws:sts::111122223333:assumed-role/a/b/c', 'CALLER_ARN_UNRECOGNIZED'],
  ['a user with an empty name', 'arn:aws:iam::111122223333:user/', 'CALLER_ARN_UNRECOGNIZED'],
  ['a group', 'arn:aws:iam::111122223333:group/admins', 'CALLER_ARN_UNRECOGNIZED'],
  ["moto's fake sts user", 'arn:aws:sts::123456789012:user/moto', 'CALLER_ARN_UNRECOGNIZED'],
];

describe('caller ARN -> access-entry principal', () => {
  for (const [name, arn, expected] of mapped) {
    it(`maps ${name}`, () => assert.deepEqual(accessEntryPrincipal(parseCallerArn(arn)), expected));
  }
  for (const [name, arn, code] of refused) {
    it(`refuses ${name} with ${code}`, () => {
      assert.throws(
        () => accessEntryPrincipal(parseCallerArn(arn)),
        (e: unknown) => UserError.is(e) && e.code === code && Boolean(e.hint),
      );
    });
  }
  it('keeps the session name of an assumed role', () => {
    const id = parseCallerArn(`arn:aws:sts::111122223333:assumed-role/${SSO_ROLE}/alice@example.com`);
    assert.equal(id.kind === 'assumed-role' && id.sessionName, 'alice@example.com');
  });
});

describe('role ARN from iam:GetRole', () => {
  const cases: readonly [string, string, string][] = [
    ['an SSO role with the region segment', SSO_ROLE, `arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/${SSO_ROLE}`],
    ['an SSO role without the region segment (Identity Center in us-east-1)', SSO_ROLE, `arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/${SSO_ROLE}`],
    ['a plain role', 'deployer', 'arn:aws:iam::111122223333:role/deployer'],
    ['a gov role with a path', 'ops', 'arn:aws-us-gov:iam::111122223333:role/team/ops'],
  ];
  for (const [name, roleName, arn] of cases) {
    it(`accepts ${name}`, () => assert.equal(roleArnFor(roleName, arn), arn));
  }
  it('rejects an ARN of another role', () =>
    assert.throws(() => roleArnFor('deployer', 'arn:aws:iam::111122223333:role/other'), /not that role/));
  it('rejects a role whose name only ends like the asked one', () =>
    assert.throws(() => roleArnFor('deployer', 'arn:aws:iam::111122223333:role/x-deployer'), /not that role/));
  it('rejects a user ARN', () => assert.throws(() => roleArnFor('deployer', 'arn:aws:iam::111122223333:user/deployer'), /not that role/));
});

describe('cluster admin policy and step', () => {
  const admin = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
  it('puts the partition in the policy ARN', () => {
    assert.equal(clusterAdminPolicyArn('aws'), admin);
    assert.equal(clusterAdminPolicyArn('aws-cn'), 'arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy');
  });
  const steps: readonly [string, boolean, { policyArn: string; scope: string }[], string][] = [
    ['not listed', false, [], 'create-entry'],
    ['listed without policies', true, [], 'associate-policy'],
    ['listed with another policy', true, [{ policyArn: admin.replace('ClusterAdmin', 'Admin'), scope: 'cluster' }], 'associate-policy'],
    ['listed with admin at namespace scope', true, [{ policyArn: admin, scope: 'namespace' }], 'associate-policy'],
    ['listed with admin at cluster scope', true, [{ policyArn: admin, scope: 'cluster' }], 'none'],
  ];
  for (const [name, listed, policies, step] of steps) {
    it(`${name} -> ${step}`, () => assert.equal(clusterAdminStep(listed, policies, admin), step));
  }
});
