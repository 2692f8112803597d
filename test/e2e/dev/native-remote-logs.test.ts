/**
 * Remote task logs with real Airflow: `dev` in native mode, configured with the cluster's remote-logging settings
 * (src/airflow/remote-logs.ts) against moto's S3 as the endpoint (storage.endpointUrl + storage.devBucket). The
 * example DAG runs; its task logs must land in the bucket under Airflow's default key template; with the local log
 * files deleted, Airflow's REST API and `airflow-aws logs --dag/--run/--task` must still read them — from S3.
 * One Airflow serves every assertion, in order.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { taskLogKey } from '../../../src/airflow/remote-logs.js';
import { formatLogContent } from '../../../src/dev/api-shapes.js';
import { createDevProject, waitFor, type DevProject } from '../../support/dev-project.js';
import { freePort, startMoto, type MotoServer } from '../../support/moto.js';

const BUCKET = 'dev-task-logs';
const DAG = 'example_pipeline';

let moto: MotoServer;
let project: DevProject;
let s3: S3Client;
let runId: string;

async function objectText(key: string): Promise<string> {
  const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await r.Body?.transformToString('utf8')) ?? '';
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

describe('remote task logs: dev (native) with real Airflow, S3 on moto', { timeout: 3_600_000 }, () => {
  before(async () => {
    moto = await startMoto();
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    project = await createDevProject({ name: 'remotelogs', dags: [] });
    await appendFile(path.join(project.dir, 'airflow-aws.yaml'), `storage:\n  endpointUrl: ${moto.endpoint}\n  devBucket: ${BUCKET}\n`);
    // Credentials for Airflow's boto3 and the CLI's SDK: moto accepts any. No AWS_ENDPOINT_URL: the endpoint must
    // come from the config (the connection's endpoint_url), not from the environment.
    assert.equal(process.env['AWS_ENDPOINT_URL'], undefined, 'the endpoint must reach Airflow only through the config');
    Object.assign(project.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  });

  after(async () => {
    if (project) {
      await project.cli(['dev', 'down', '--purge'], 180_000);
      await rm(project.dir, { recursive: true, force: true });
    }
    s3?.destroy();
    await moto?.stop();
  });

  it('runs the example DAG, and every task log lands in the bucket under Airflow\'s default key template', { timeout: 1_800_000 }, async () => {
    const up = await project.cli(['dev', 'up', '--native', '--detach', '--port', String(await freePort())], 1_200_000);
    assert.equal(up.code, 0, up.stderr);
    const r = await project.cli(['dev', 'run-dag', DAG, '--timeout', '300', '--json'], 400_000);
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout) as { state: string; run_id: string };
    assert.equal(run.state, 'success');
    runId = run.run_id;

    // The task supervisor reports the task's state first and uploads its log after: the run can be "success" a
    // moment before the last task's log is in the bucket.
    const expected = ['extract', 'load', 'transform'].map((taskId) => taskLogKey({ dagId: DAG, runId, taskId, tryNumber: 1 })).sort();
    let keys: string[] = [];
    await waitFor(
      'the three task logs in the bucket',
      async () => {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `logs/dag_id=${DAG}/run_id=${runId}/` }));
        keys = (listed.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])).sort();
        return keys.length >= expected.length;
      },
      60_000,
    ).catch(() => undefined);
    assert.deepEqual(keys, expected);
    const load = await objectText(taskLogKey({ dagId: DAG, runId, taskId: 'load', tryNumber: 1 }));
    assert.match(load, /would write \{[^}]*'total': 31[^}]*\} to summaries\/s3hook-31\.json/);
  });

  it('reads the log back from S3 through the REST API once the local log files are gone', { timeout: 300_000 }, async () => {
    assert.ok(runId, 'the run of the first test');
    const logsDir = path.join(project.dir, '.airflow-aws', 'dev', 'logs', 'tasks');
    const local = (await filesUnder(logsDir)).filter((f) => f.includes(`dag_id=${DAG}`));
    assert.ok(local.length >= 3, `expected local task logs under ${logsDir}, found ${local.join(', ')}`);
    await rm(path.join(logsDir, `dag_id=${DAG}`), { recursive: true, force: true });
    assert.deepEqual((await filesUnder(logsDir)).filter((f) => f.includes(`dag_id=${DAG}`)), []);

    const api = await project.api();
    const log = formatLogContent(await api.taskLog(DAG, runId, 'load', 1));
    // Airflow names where it read the log from: the S3 object, not a local file or the log server.
    assert.ok(log.split('\n').includes(`s3://${BUCKET}/${taskLogKey({ dagId: DAG, runId, taskId: 'load', tryNumber: 1 })}`), log);
    assert.ok(!log.includes(logsDir), log);
    assert.match(log, /would write \{[^}]*'total': 31[^}]*\} to summaries\/s3hook-31\.json/, log);
  });

  it('logs --dag/--run/--task prints the task log from S3 (no cluster); a task without a log is exit 1', { timeout: 300_000 }, async () => {
    const r = await project.cli(['logs', '--dag', DAG, '--run', runId, '--task', 'load']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`task load try 1: s3://${BUCKET}/logs/dag_id=${DAG}/`));
    assert.match(r.stdout, /would write \{[^}]*'total': 31[^}]*\} to summaries\/s3hook-31\.json/);
    // Structured lines come out as text, not JSON.
    assert.ok(!r.stdout.split('\n').some((l) => l.startsWith('{"')), r.stdout);

    const missing = await project.cli(['logs', '--dag', DAG, '--run', runId, '--task', 'no_such_task']);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, new RegExp(`no log of task no_such_task in run .* in s3://${BUCKET}/logs/dag_id=${DAG}/`));
    const otherTry = await project.cli(['logs', '--dag', DAG, '--run', runId, '--task', 'load', '--try', '2']);
    assert.equal(otherTry.code, 1, otherTry.stderr);
  });
});
