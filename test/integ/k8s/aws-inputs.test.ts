/** What `deploy` and `kubeconfig` read from AWS, against moto: stack outputs, the RDS master secret, the OIDC client secret. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { oidcClientSecret, rdsMasterCredentials, stackOutputs } from '../../../src/adapters/aws/deploy-inputs.js';
import { UserError } from '../../../src/errors/user-error.js';
import { startMoto, type MotoServer } from '../../support/moto.js';

describe('deploy inputs from AWS (moto)', () => {
  let moto: MotoServer;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    moto = await startMoto();
    for (const [k, v] of Object.entries(moto.env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await moto?.stop();
  });

  const target = () => ({ region: 'us-east-1', endpoint: moto.endpoint });

  it('returns undefined for a stack that does not exist', async () => {
    assert.equal(await stackOutputs(target(), 'nope-airflow'), undefined);
  });

  it('reads the outputs of a stack by key', async () => {
    const cfn = new CloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint });
    await cfn.send(
      new CreateStackCommand({
        StackName: 'demo-airflow',
        TemplateBody: JSON.stringify({
          Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'demo-airflow-logs' } } },
          Outputs: { BucketName: { Value: { Ref: 'Bucket' } }, DatabasePort: { Value: '5432' } },
        }),
      }),
    );
    const out = await stackOutputs(target(), 'demo-airflow');
    assert.equal(out?.['BucketName'], 'demo-airflow-logs');
    assert.equal(out?.['DatabasePort'], '5432');
  });

  it('reads the RDS master credentials and rejects a secret without them', async () => {
    const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: moto.endpoint });
    const ok = await sm.send(new CreateSecretCommand({ Name: 'rds-master', SecretString: JSON.stringify({ username: 'airflow', password: 'p^=,.', host: 'h', port: 5432 }) }));
    assert.deepEqual(await rdsMasterCredentials(target(), ok.ARN!), { username: 'airflow', password: 'p^=,.' });
    const bad = await sm.send(new CreateSecretCommand({ Name: 'not-rds', SecretString: '{"user":"x"}' }));
    await assert.rejects(rdsMasterCredentials(target(), bad.ARN!), (e: unknown) => UserError.is(e) && e.code === 'DB_SECRET_INVALID');
  });

  it('names the secret when it cannot be read', async () => {
    await assert.rejects(
      rdsMasterCredentials(target(), 'arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf'),
      (e: unknown) => UserError.is(e) && /reading the database master secret arn:aws:secretsmanager:.*missing/.test(e.message),
    );
  });

  it('reads the OIDC client secret in the ARN\'s own region, and names the ARN (never a value) when it cannot', async () => {
    // Created in another region than the deployment's: the ARN says where to read it.
    const sm = new SecretsManagerClient({ region: 'eu-west-1', endpoint: moto.endpoint });
    const ok = await sm.send(new CreateSecretCommand({ Name: 'airflow-oidc', SecretString: 'oidc-client-secret-value\n' }));
    assert.match(ok.ARN!, /:eu-west-1:/);
    assert.equal(await oidcClientSecret({ endpoint: moto.endpoint }, ok.ARN!), 'oidc-client-secret-value');
    const empty = await sm.send(new CreateSecretCommand({ Name: 'airflow-oidc-empty', SecretString: '  ' }));
    await assert.rejects(oidcClientSecret({ endpoint: moto.endpoint }, empty.ARN!), (e: unknown) => UserError.is(e) && e.code === 'OIDC_SECRET_INVALID' && e.message.includes(empty.ARN!));
    const missing = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:missing-AbCdEf';
    await assert.rejects(
      oidcClientSecret({ endpoint: moto.endpoint }, missing),
      (e: unknown) => UserError.is(e) && e.message.startsWith(`reading the OIDC client secret ${missing} (auth.oidc.clientSecret) failed`),
    );
  });
});
