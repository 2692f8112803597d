/** The plan's read of a deployed stack, against a real moto server (the tool's own SDK calls only). */
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cloudFormationClient, credentialsAvailable, credentialSourceConfigured, deployedTemplate } from '../../../src/adapters/aws/cloudformation.js';
import { startMoto, type MotoServer } from '../../support/moto.js';

describe('CloudFormation adapter against moto', () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  });
  after(async () => moto?.stop());

  it('reads back the template of a deployed stack', async () => {
    const client = cloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint });
    const template = { Resources: { Logs: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'plan-read-test' } } } };
    await client.send(new CreateStackCommand({ StackName: 'demo-airflow', TemplateBody: JSON.stringify(template) }));
    assert.deepEqual(await deployedTemplate(client, 'demo-airflow'), template);
  });

  it('returns undefined for a stack that does not exist', async () => {
    const client = cloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint });
    assert.equal(await deployedTemplate(client, 'never-deployed'), undefined);
  });

  it('resolves credentials from the environment', async () => {
    const client = cloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint });
    assert.equal(await credentialsAvailable(client), true);
  });
});

describe('credential source detection', () => {
  const cases: readonly [string, NodeJS.ProcessEnv, string[], boolean][] = [
    ['nothing configured', {}, [], false],
    ['static keys', { AWS_ACCESS_KEY_ID: 'x' }, [], true],
    ['a profile', { AWS_PROFILE: 'prod' }, [], true],
    ['web identity (CI OIDC)', { AWS_WEB_IDENTITY_TOKEN_FILE: '/t' }, [], true],
    ['a config file', {}, ['.aws/config'], true],
  ];
  for (const [name, env, files, expected] of cases) {
    it(`${expected ? 'detects' : 'finds none with'} ${name}`, () =>
      assert.equal(credentialSourceConfigured(env, (f) => files.includes(f)), expected));
  }
});
