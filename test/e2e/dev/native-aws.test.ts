/**
 * Local Airflow's AWS integrations, for real, against moto (`dev up --native`, one Airflow for every assertion, in
 * order: each start costs a migration and four Airflow processes' imports). Airflow gets moto's credentials but never
 * AWS_ENDPOINT_URL: only the config (storage.endpointUrl) and --secrets-endpoint can lead it to moto.
 * - Secrets Manager backend: a connection and a variable written with `airflow-aws secrets` (values on stdin) are
 *   read by a task through the provider's SecretsManagerBackend. Nowhere else holds them: not the metadata
 *   database, not the environment, not any output.
 * - Remote task logs: with the cluster's remote-logging settings (src/airflow/remote-logs.ts) on storage.devBucket,
 *   the example DAG's task logs land in the bucket under Airflow's default key template; with the local log files
 *   deleted, Airflow's REST API and `airflow-aws logs --dag/--run/--task` still read them, from S3.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { taskLogKey } from '../../../src/airflow/remote-logs.js';
import { formatLogContent } from '../../../src/dev/api-shapes.js';
import { SECRETS_MANAGER_BACKEND } from '../../../src/config/secrets-backend.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { createDevProject, waitFor, type DevProject } from '../../support/dev-project.js';
import { freePort, startMoto, type MotoServer } from '../../support/moto.js';

const BUCKET = 'dev-task-logs';
const DAG = 'example_pipeline';

let project: DevProject;
let moto: MotoServer;
let s3: S3Client;
let runId: string;

// Fresh per run, so a pass cannot come from an earlier run's leftovers.
const password = `pw/${randomBytes(9).toString('base64url')}@:`;
const token = `tok-${randomBytes(12).toString('hex')}`;
const conn = { type: 'postgres', host: 'probe-host.example', login: 'probe-user', port: 6543, schema: 'probe_schema' };
const uri = `${conn.type}://${conn.login}:${encodeURIComponent(password)}@${conn.host}:${conn.port}/${conn.schema}`;

/** Every output of a `secrets` command, for the hygiene check at the end. */
const outputs: { args: string; text: string }[] = [];

async function secrets(args: string[], input = ''): Promise<CliResult> {
  // The CLI finds moto through AWS_ENDPOINT_URL, as the SDK does for any endpoint override.
  const r = await runCli(['secrets', ...args], { cwd: project.dir, env: { ...project.env, ...moto.env }, input, killAfterMs: 60_000 });
  outputs.push({ args: args.join(' '), text: r.stdout + r.stderr });
  return r;
}

/** Moto's credentials without its endpoint: what Airflow and the `logs` command get. */
const credentialsOnly = (): Record<string, string> => ({ AWS_ACCESS_KEY_ID: moto.env['AWS_ACCESS_KEY_ID']!, AWS_SECRET_ACCESS_KEY: moto.env['AWS_SECRET_ACCESS_KEY']! });

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

describe('dev (native) with AWS services on moto: the Secrets Manager backend and remote task logs', { timeout: 3_600_000 }, () => {
  before(async () => {
    // The endpoint must reach Airflow only through the config and --secrets-endpoint.
    assert.equal(process.env['AWS_ENDPOINT_URL'], undefined, 'AWS_ENDPOINT_URL is set in the test environment');
    moto = await startMoto();
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    project = await createDevProject({ name: 'devaws', dags: ['dags/secrets_probe.py'] });
    await appendFile(path.join(project.dir, 'airflow-aws.yaml'), `storage:\n  endpointUrl: ${moto.endpoint}\n  devBucket: ${BUCKET}\n`);
  });

  after(async () => {
    if (project) {
      await project.cli(['dev', 'down', '--purge'], 180_000);
      await rm(project.dir, { recursive: true, force: true });
    }
    s3?.destroy();
    await moto?.stop();
  });

  it('set-connection and set-variable store the values given on stdin', async () => {
    const c = await secrets(['set-connection', 'probe_db'], `${uri}\n`);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, new RegExp(`^created connection probe_db \\(airflow-aws/${project.name}/connections/probe_db\\)$`, 'm'));
    const v = await secrets(['set-variable', 'probe_token', '--json'], `${token}\n`);
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual(JSON.parse(v.stdout), { kind: 'variable', name: 'probe_token', secretName: `airflow-aws/${project.name}/variables/probe_token`, action: 'created' });
  });

  it('list shows kind, name and last change of both', async () => {
    const r = await secrets(['list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { kind: string; name: string; lastChanged: string }[];
    assert.deepEqual(rows.map((x) => [x.kind, x.name]), [['connection', 'probe_db'], ['variable', 'probe_token']]);
    for (const x of rows) assert.ok(Math.abs(Date.parse(x.lastChanged) - Date.now()) < 3_600_000, x.lastChanged);
  });

  it('a DAG task reads both through the real SecretsManagerBackend against moto', { timeout: 1_800_000 }, async () => {
    // Airflow gets moto's credentials but not AWS_ENDPOINT_URL: only --secrets-endpoint can lead it to moto.
    const env = { ...project.env, ...credentialsOnly() };
    const up = await runCli(['dev', 'up', '--native', '--detach', '--port', String(await freePort()), '--secrets-endpoint', moto.endpoint], {
      cwd: project.dir,
      env,
      killAfterMs: 1_200_000,
    });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, new RegExp(`connections, variables and config: Secrets Manager under airflow-aws/${project.name}/ at ${moto.endpoint.replace(/[.]/g, '\\.')}`));
    // Airflow builds the execution API lazily, on its first request, blocking its only API worker; on a loaded
    // machine that outlasts the task's retries. Build it now, so the run below measures the backend, not that.
    const st = await project.state();
    const warm = await fetch(`http://127.0.0.1:${st.apiPort}/execution/health`, { signal: AbortSignal.timeout(600_000) });
    assert.equal(warm.status, 200);
    const run = await project.cli(['dev', 'run-dag', 'secrets_probe', '--timeout', '300', '--json'], 400_000);
    if (run.code !== 0) {
      const logs = await project.cli(['dev', 'logs', '--tail', '40']);
      assert.fail(`run-dag exited ${run.code}:\n${run.stdout}${run.stderr}\ncomponent logs:\n${logs.stdout}${logs.stderr}`);
    }
    const result = JSON.parse(run.stdout) as { state: string; run_id: string };
    assert.equal(result.state, 'success');
    const log = formatLogContent(await (await project.api()).taskLog('secrets_probe', result.run_id, 'probe', 1));
    assert.ok(log.includes(`secrets backend: ${SECRETS_MANAGER_BACKEND}`), log);
    const expected = createHash('sha256')
      .update([conn.type, conn.host, conn.login, password, String(conn.port), conn.schema, token].join('|'))
      .digest('hex');
    assert.ok(log.includes(`probe digest: ${expected}`), `expected digest ${expected} in:\n${log}`);
  });

  it('remote logs: runs the example DAG, and every task log lands in the bucket under Airflow\'s default key template', { timeout: 1_800_000 }, async () => {
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

  it('remote logs: reads the log back from S3 through the REST API once the local log files are gone', { timeout: 300_000 }, async () => {
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

  it('remote logs: logs --dag/--run/--task prints the task log from S3 (no cluster); a task without a log is exit 1', { timeout: 300_000 }, async () => {
    const logs = (args: string[]) => runCli(['logs', ...args], { cwd: project.dir, env: { ...project.env, ...credentialsOnly() }, killAfterMs: 120_000 });
    const r = await logs(['--dag', DAG, '--run', runId, '--task', 'load']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`task load try 1: s3://${BUCKET}/logs/dag_id=${DAG}/`));
    assert.match(r.stdout, /would write \{[^}]*'total': 31[^}]*\} to summaries\/s3hook-31\.json/);
    // Structured lines come out as text, not JSON.
    assert.ok(!r.stdout.split('\n').some((l) => l.startsWith('{"')), r.stdout);

    const missing = await logs(['--dag', DAG, '--run', runId, '--task', 'no_such_task']);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, new RegExp(`no log of task no_such_task in run .* in s3://${BUCKET}/logs/dag_id=${DAG}/`));
    const otherTry = await logs(['--dag', DAG, '--run', runId, '--task', 'load', '--try', '2']);
    assert.equal(otherTry.code, 1, otherTry.stderr);
  });
  it('delete needs --yes off a terminal, then schedules deletion with a 30-day recovery window', async () => {
    const refused = await secrets(['delete', 'probe_token', '--variable']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /needs a confirmation, but there is no terminal/);
    const r = await secrets(['delete', 'probe_token', '--variable', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as { recoveryWindowDays: number; deletionDate: string };
    assert.equal(d.recoveryWindowDays, 30);
    const days = (Date.parse(d.deletionDate) - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30.01, `deletion in ${days} days`);
    const list = await secrets(['list', '--json']);
    assert.deepEqual((JSON.parse(list.stdout) as { name: string }[]).map((x) => x.name), ['probe_db']);
  });

  it('no output of any secrets command contains a value', () => {
    assert.ok(outputs.length >= 6, `${outputs.length} outputs collected`);
    for (const o of outputs) {
      for (const [what, value] of [['password', password], ['encoded password', encodeURIComponent(password)], ['URI', uri], ['token', token]] as const) {
        assert.ok(!o.text.includes(value), `\`secrets ${o.args}\` printed the ${what}`);
      }
    }
  });
});
