/**
 * The identity half of ensureClusterAdmin against a real moto server: sts:GetCallerIdentity of an assumed SSO-style
 * role, then iam:GetRole for its pathful ARN. moto 5.2 has no EKS access-entry API (ListAccessEntries answers 404),
 * so the EKS half is the recording fake from the unit tests; this still proves the principal EKS would receive.
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awsIdentityApi, ensureClusterAdmin, resolvePrincipalArn } from '../../../src/adapters/aws/access-entry.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { fakeAccessEntries } from '../../unit/aws/access-entry-fake.js';

const region = 'us-east-1';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] });
const ADMIN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

describe('access-entry principal against moto', () => {
  let moto: MotoServer;
  const admin: Keys = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const saved = { ...process.env };
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    process.env = saved;
    await moto?.stop();
  });

  const iam = (credentials: Keys) => new IAMClient({ region, endpoint: moto.endpoint, credentials });
  const sts = (credentials: Keys) => new STSClient({ region, endpoint: moto.endpoint, credentials });

  /** Create a role under `path`, assume it, and return the session keys and the role's ARN. */
  async function assumeRoleWithPath(roleName: string, path: string): Promise<{ keys: Keys; roleArn: string; sessionArn: string }> {
    const role = await iam(admin).send(new CreateRoleCommand({ RoleName: roleName, Path: path, AssumeRolePolicyDocument: TRUST }));
    const roleArn = role.Role?.Arn ?? '';
    const out = await sts(admin).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'alice@example.com' }));
    const c = out.Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    return {
      keys: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
      roleArn,
      sessionArn: out.AssumedRoleUser?.Arn ?? '',
    };
  }

  it('resolves an assumed SSO role (with region segment) to its pathful ARN, and a second run creates nothing', async () => {
    const roleName = 'AWSReservedSSO_AdministratorAccess_1a2b3c4d5e6f7a8b';
    const { keys, roleArn } = await assumeRoleWithPath(roleName, '/aws-reserved/sso.amazonaws.com/eu-west-1/');
    assert.equal(roleArn, `arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/${roleName}`);
    // The SDK clients ensureClusterAdmin builds read the session keys from the environment (default chain).
    process.env = { ...saved, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey, AWS_SESSION_TOKEN: keys.sessionToken ?? '' };
    delete process.env['AWS_PROFILE'];
    const caller = await sts(keys).send(new GetCallerIdentityCommand({}));
    assert.match(caller.Arn ?? '', new RegExp(`:assumed-role/${roleName}/alice@example.com$`), 'moto reports the path-less STS ARN');

    const eks = fakeAccessEntries({ cluster: 'demo-airflow' });
    const target = { region, endpoint: moto.endpoint };
    const first = await ensureClusterAdmin({ target, clusterName: 'demo-airflow' }, { accessEntries: eks });
    assert.deepEqual(first, { principalArn: roleArn, action: 'created' });
    const second = await ensureClusterAdmin({ target, clusterName: 'demo-airflow' }, { accessEntries: eks });
    assert.deepEqual(second, { principalArn: roleArn, action: 'already-listed' });
    assert.deepEqual(eks.writes, [`create ${roleArn}`, `associate ${roleArn} ${ADMIN}`]);
  });

  it('resolves an SSO role without the region segment (Identity Center in us-east-1)', async () => {
    const roleName = 'AWSReservedSSO_ReadOnly_99aa88bb77cc66dd';
    const { keys, roleArn, sessionArn } = await assumeRoleWithPath(roleName, '/aws-reserved/sso.amazonaws.com/');
    const resolved = await resolvePrincipalArn(awsIdentityApi(sts(keys), iam(keys)), region);
    assert.deepEqual(resolved, { principalArn: roleArn, partition: 'aws' });
    assert.notEqual(resolved.principalArn.replace('/aws-reserved/sso.amazonaws.com', ''), resolved.principalArn);
    assert.match(sessionArn, /^arn:aws:sts::123456789012:assumed-role\//);
  });

  it('uses an IAM user ARN with its path as is', async () => {
    await iam(admin).send(new CreateUserCommand({ UserName: 'bob', Path: '/team/data/' }));
    const key = (await iam(admin).send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
    assert.ok(key?.AccessKeyId && key.SecretAccessKey);
    const keys = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
    const resolved = await resolvePrincipalArn(awsIdentityApi(sts(keys), iam(keys)), region);
    assert.deepEqual(resolved, { principalArn: 'arn:aws:iam::123456789012:user/team/data/bob', partition: 'aws' });
  });
});
