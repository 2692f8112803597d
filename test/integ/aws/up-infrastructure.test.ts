/**
 * The infrastructure step of `up` against moto (through test/support/moto-server.py): the real synthesized stack
 * goes through the CDK toolkit's change sets and the tool's template bucket. moto proves the tool's own calls and
 * what it can model; it is not evidence that CloudFormation would deploy the template (the validators are), so
 * these tests assert what moto actually created.
 */
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateRepositoryCommand, DeleteRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { templateBucketName } from '../../../src/adapters/aws/template-bucket.js';
import { parseConfig } from '../../../src/config/load.js';
import { STACK_OUTPUTS } from '../../../src/config/naming.js';
import type { ResolvedConfig } from '../../../src/config/resolved.js';
import { UserError } from '../../../src/errors/user-error.js';
import { DEPLOYMENT_TAG } from '../../../src/infra/names.js';
import { runSteps, type StepEvent } from '../../../src/ops/steps.js';
import { infrastructureStep } from '../../../src/ops/up/infrastructure.js';
import type { Prompter } from '../../../src/ui/prompt.js';
import { startMoto, type MotoServer } from '../../support/moto.js';
import { answer, infrastructureContext } from '../../support/moto-stack.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

function config(name: string): ResolvedConfig {
  return parseConfig(`name: ${name}\nregion: ${REGION}\n`, 'airflow-aws.yaml', '/tmp/project');
}

describe('up: infrastructure against moto', () => {
  let moto: MotoServer;
  const saved = { ...process.env };
  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, moto.env);
  });
  after(async () => {
    process.env = saved;
    await moto?.stop();
  });

  const clients = () => ({ region: REGION, endpoint: moto.endpoint });
  const context = (c: ResolvedConfig, prompt?: Prompter) => infrastructureContext(c, moto.endpoint, prompt);
  async function up(c: ResolvedConfig, prompt?: Prompter) {
    const ctx = context(c, prompt);
    const events: StepEvent[] = [];
    const [result] = await runSteps([infrastructureStep], ctx, (e) => events.push(e));
    return { ctx, events, outcome: result!.outcome };
  }
  const stack = async (name: string) =>
    (await new CloudFormationClient(clients()).send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];

  it('plans a create in an account where nothing of ours exists', async () => {
    const d = await infrastructureStep.describe(context(config('demo')));
    assert.equal(d.changes, true);
    assert.match(d.summary, /^create stack demo-airflow \(\d+ resources\)$/);
    assert.deepEqual((d.data as { status: string }).status, 'absent');
  });

  it('creates the stack through a change set from the uploaded template, with termination protection', async () => {
    const { outcome, ctx, events } = await up(config('demo'));
    assert.equal(outcome.changed, true);
    const s = await stack('demo-airflow');
    assert.equal(s?.StackStatus, 'CREATE_COMPLETE');
    assert.equal(s?.EnableTerminationProtection, true);
    assert.equal(s?.Tags?.find((t) => t.Key === DEPLOYMENT_TAG)?.Value, 'demo');
    assert.ok(events.some((e) => e.type === 'progress' && e.total !== undefined && e.total > 50), 'progress counts resources');

    // The template went through the tool's bucket, not inline (it is larger than CloudFormation's inline limit).
    const s3 = new S3Client({ ...clients(), forcePathStyle: true });
    const bucket = templateBucketName(ACCOUNT, REGION);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'demo/' }));
    const key = listed.Contents?.[0]?.Key;
    assert.ok(key?.endsWith('.json'), `template object in ${bucket}`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    assert.ok((head.ContentLength ?? 0) > 51_200, `template of ${head.ContentLength} bytes is over the inline limit`);

    // What moto created through CloudFormation, read back through each service's own API.
    const outputs = ctx.found.outputs ?? {};
    const eks = new EKSClient(clients());
    const cluster = (await eks.send(new DescribeClusterCommand({ name: outputs[STACK_OUTPUTS.clusterName] }))).cluster;
    assert.equal(cluster?.status, 'ACTIVE');
    assert.equal(cluster?.version, '1.36');
    const groups = (await eks.send(new ListNodegroupsCommand({ clusterName: cluster!.name }))).nodegroups ?? [];
    assert.equal(groups.length, 1);
    const group = (await eks.send(new DescribeNodegroupCommand({ clusterName: cluster!.name, nodegroupName: groups[0] }))).nodegroup;
    assert.deepEqual(group?.scalingConfig, { minSize: 1, maxSize: 4, desiredSize: 2 });
    const db = (await new RDSClient(clients()).send(new DescribeDBInstancesCommand({}))).DBInstances?.[0];
    assert.equal(db?.Engine, 'postgres');
    assert.equal(db?.StorageEncrypted, true);
    assert.equal(db?.Endpoint?.Address, outputs[STACK_OUTPUTS.databaseEndpoint]);
    const secret = await new SecretsManagerClient(clients()).send(new GetSecretValueCommand({ SecretId: outputs[STACK_OUTPUTS.databaseSecretArn] }));
    const creds = JSON.parse(secret.SecretString ?? '{}') as { username?: string; password?: string };
    assert.equal(creds.username, 'airflow');
    assert.ok((creds.password ?? '').length >= 30, 'a generated password');
    const repos = (await new ECRClient(clients()).send(new DescribeRepositoriesCommand({}))).repositories ?? [];
    assert.ok(repos.some((r) => r.repositoryUri === outputs[STACK_OUTPUTS.repositoryUri]));
  });

  it('reports no changes the second time and changes nothing', async () => {
    const before = await stack('demo-airflow');
    const d = await infrastructureStep.describe(context(config('demo')));
    assert.equal(d.summary, 'no changes');
    assert.equal(d.changes, false);
    const { outcome } = await up(config('demo'));
    assert.deepEqual([outcome.changed, outcome.summary], [false, 'no changes']);
    assert.deepEqual((await stack('demo-airflow'))?.LastUpdatedTime, before?.LastUpdatedTime);
  });

  it('is protected: deleting the stack outside the tool is refused', async () => {
    await assert.rejects(new CloudFormationClient(clients()).send(new DeleteStackCommand({ StackName: 'demo-airflow' })), /TerminationProtection/);
  });

  it("shows CloudFormation's reason for a failed create, and a rerun deletes and recreates the stack", async () => {
    // A repository with the stack's repository name already exists: CloudFormation cannot create it.
    const ecr = new ECRClient(clients());
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'broken/airflow' }));
    const err = await up(config('broken')).then(
      () => assert.fail('expected the create to fail'),
      (e: unknown) => e,
    );
    assert.ok(UserError.is(err), String(err));
    assert.equal(err.code, 'STACK_DEPLOY_FAILED');
    assert.match(err.details.join('\n'), /Registry.*\(AWS::ECR::Repository\): .*already exists/);
    assert.equal((await stack('broken-airflow'))?.StackStatus, 'ROLLBACK_COMPLETE');

    // Declined: the failed stack is left as it is, and the user is told how to go on.
    const declined = await up(config('broken'), answer(false)).then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(UserError.is(declined) && declined.code === 'STACK_NEEDS_RECREATE', String(declined));

    await ecr.send(new DeleteRepositoryCommand({ repositoryName: 'broken/airflow', force: true }));
    const { outcome, events } = await up(config('broken')).catch((e: unknown) => assert.fail(UserError.is(e) ? `${e.message}: ${e.details.join('; ')}` : String(e)));
    assert.equal(outcome.changed, true);
    assert.ok(events.some((e) => e.type === 'note' && /first create of broken-airflow failed/.test(e.message)));
    assert.equal((await stack('broken-airflow'))?.StackStatus, 'CREATE_COMPLETE');
  });

  it('refuses a stack of that name that another project owns', async () => {
    await new CloudFormationClient(clients()).send(
      new CreateStackCommand({
        StackName: 'other-airflow',
        TemplateBody: JSON.stringify({ Resources: { B: { Type: 'AWS::S3::Bucket' } } }),
      }),
    );
    const err = await up(config('other')).then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(UserError.is(err), String(err));
    assert.equal(err.code, 'STACK_NOT_OURS');
    assert.equal(err.exitCode, 2);
  });
});
