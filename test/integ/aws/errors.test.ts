/** Real SDK failures mapped by awsUserError: no credentials, an unknown region, and a real AccessDenied from moto. */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureClusterAdmin } from '../../../src/adapters/aws/access-entry.js';
import { awsUserError } from '../../../src/adapters/aws/errors.js';
import { UserError } from '../../../src/errors/user-error.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { fakeAccessEntries } from '../../unit/aws/access-entry-fake.js';

/** Run `fn` with only the listed variables from the real environment (the SDK reads process.env lazily). */
async function withEnv<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const saved = process.env;
  process.env = env;
  try {
    return await fn();
  } finally {
    process.env = saved;
  }
}

async function mapped(p: Promise<unknown>, ctx: { action: string; region: string }): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    return awsUserError(e, ctx);
  }
  assert.fail('the SDK call succeeded');
}

describe('awsUserError on real SDK failures', () => {
  let moto: MotoServer;
  let home: string;
  before(async () => {
    moto = await startMoto();
    home = mkdtempSync(join(tmpdir(), 'aws-empty-home-'));
  });
  after(async () => {
    rmSync(home, { recursive: true, force: true });
    await moto?.stop();
  });

  it('names the credential chain when none yields credentials', async () => {
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const u = await withEnv(env, async () => {
      const sts = new STSClient({ region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 1 });
      try {
        return await mapped(sts.send(new GetCallerIdentityCommand({})), { action: 'reading the caller identity', region: 'us-east-1' });
      } finally {
        sts.destroy();
      }
    });
    assert.equal(u.code, 'AWS_NO_CREDENTIALS');
    assert.equal((u.cause as Error).name, 'CredentialsProviderError');
    assert.match(u.message, /reading the caller identity failed: no AWS credentials found/);
    assert.match(u.hint ?? '', /AWS_PROFILE/);
    assert.match(u.details.join('\n'), /~\/\.aws\/credentials/);
  });

  it('reports a region AWS does not have, from the DNS failure of its endpoint', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '', HOME: home, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    const u = await withEnv(env, async () => {
      // No endpoint: the SDK builds sts.eu-wset-1.amazonaws.com, which does not resolve.
      const sts = new STSClient({ region: 'eu-wset-1', maxAttempts: 1 });
      try {
        return await mapped(sts.send(new GetCallerIdentityCommand({})), { action: 'reading the caller identity', region: 'eu-wset-1' });
      } finally {
        sts.destroy();
      }
    });
    assert.equal(u.code, 'UNKNOWN_REGION');
    assert.match(u.message, /"eu-wset-1" is not an AWS region/);
    assert.match(u.hint ?? '', /did you mean eu-west-1/);
  });
});

describe('awsUserError on a real AccessDenied (moto enforcing IAM)', () => {
  let moto: MotoServer;
  before(async () => {
    // Three unauthenticated set-up calls, then every request is checked against IAM policies.
    moto = await startMoto({ serverEnv: { INITIAL_NO_AUTH_ACTION_COUNT: '3' } });
  });
  after(async () => moto?.stop());

  it('names iam:GetRole when the caller may not look up its role path', async () => {
    const root = { region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    const iam = new IAMClient(root);
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey;
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] };
    await iam.send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'who-am-i', PolicyDocument: JSON.stringify(policy) }));
    iam.destroy();
    assert.ok(key?.AccessKeyId && key.SecretAccessKey);

    const env = { PATH: process.env['PATH'] ?? '', AWS_ACCESS_KEY_ID: key.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey };
    const eks = fakeAccessEntries({ cluster: 'demo-airflow' });
    const err = await withEnv(env, () =>
      ensureClusterAdmin(
        { target: { region: 'us-east-1', endpoint: moto.endpoint }, clusterName: 'demo-airflow', callerArn: 'arn:aws:sts::123456789012:assumed-role/deployer/ci' },
        { accessEntries: eks },
      ).then(
        () => assert.fail('expected AccessDenied'),
        (e: unknown) => e,
      ),
    );
    assert.ok(UserError.is(err));
    assert.equal(err.code, 'AWS_ACCESS_DENIED');
    assert.match(err.message, /not allowed to perform iam:GetRole/);
    assert.match(err.hint ?? '', /including its path/);
    assert.deepEqual(eks.writes, []);
  });
});
