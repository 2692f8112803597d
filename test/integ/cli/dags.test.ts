/**
 * `dags deploy` / `dags status` through the real CLI against moto (no Airflow): the refusals — wrong source,
 * oversized files, a bucket that is gone — and that a refused deploy uploads nothing.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DeleteBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { MAX_DAG_FILE_BYTES } from '../../../src/dags/plan.js';
import { runCli } from '../../support/cli.js';
import { startMoto, type MotoServer } from '../../support/moto.js';

let moto: MotoServer;
let dir: string;
let bucket: string;
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };

const cli = (args: string[]) => runCli(args, { cwd: dir, env: moto.env });
const writeConfig = (source: string) =>
  writeFile(path.join(dir, 'airflow-aws.yaml'), ['name: dagscli', 'region: us-east-1', 'dags:', `  source: ${source}`, 'storage:', `  endpointUrl: ${moto.endpoint}`, ''].join('\n'));

describe('dags commands against moto', { timeout: 300_000 }, () => {
  before(async () => {
    moto = await startMoto();
    dir = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-dags-'));
    await mkdir(path.join(dir, 'dags'));
    await writeFile(path.join(dir, 'dags', 'a.py'), '# airflow dag\n');
    const cfn = new CloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: creds });
    await cfn.send(
      new CreateStackCommand({
        StackName: 'dagscli-airflow',
        TemplateBody: JSON.stringify({ Resources: { Bucket: { Type: 'AWS::S3::Bucket' } }, Outputs: { BucketName: { Value: { Ref: 'Bucket' } } } }),
      }),
    );
    bucket = (await cfn.send(new DescribeStacksCommand({ StackName: 'dagscli-airflow' }))).Stacks![0]!.Outputs![0]!.OutputValue!;
    cfn.destroy();
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await moto?.stop();
  });

  it('refuses when dags.source is not s3 (exit 2, names the value)', async () => {
    await writeConfig('image');
    const r = await cli(['dags', 'deploy']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /dags deploy uploads an S3 DAG bundle, but dags\.source is "image"/);
    assert.match(r.stderr, /set dags\.source: s3/);
  });

  it(`refuses a file over ${MAX_DAG_FILE_BYTES / 1024 / 1024} MiB, naming it, and uploads nothing`, async () => {
    await writeConfig('s3');
    const big = path.join(dir, 'dags', 'data', 'big.csv');
    await mkdir(path.dirname(big));
    await writeFile(big, Buffer.alloc(MAX_DAG_FILE_BYTES + 1));
    try {
      const r = await cli(['dags', 'deploy']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /1 file\(s\) in dags exceed the 5\.0 MiB limit/);
      assert.match(r.stderr, /dags\/data\/big\.csv: 5\.0 MiB/);
      assert.deepEqual(await keys(), []);
    } finally {
      await rm(path.dirname(big), { recursive: true });
    }
  });

  it('deploys, then reports no changes, then a status with the version', async () => {
    const r = await cli(['dags', 'deploy', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { added: string[]; version: string };
    assert.deepEqual(j.added, ['a.py']);
    assert.deepEqual(await keys(), ['dags/s3_dags/', 'dags/s3_dags/a.py']);
    const again = await cli(['dags', 'deploy']);
    assert.match(again.stdout, /^no changes \(1 file\(s\), version [0-9a-f]{12}\)$/m);
    const s = await cli(['dags', 'status']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, new RegExp(`^version:  ${j.version.slice(0, 12)} \\(1 file\\(s\\)\\)$`, 'm'));
    assert.match(s.stdout, /^import errors: not read/m);
  });

  it('points at `airflow-aws up` when the stack\'s bucket is gone (exit 2)', async () => {
    const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, credentials: creds });
    const { DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: (await keys()).map((Key) => ({ Key })) } }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3.destroy();
    const r = await cli(['dags', 'deploy']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`the deployment bucket ${bucket} does not exist`));
    assert.match(r.stderr, /airflow-aws up/);
  });
});

async function keys(): Promise<string[]> {
  const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, credentials: creds });
  try {
    return ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    s3.destroy();
  }
}
