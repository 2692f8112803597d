import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clusterLogStore,
  devLogStore,
  parseTaskLogKey,
  pickTaskLogs,
  remoteLoggingEnv,
  storedLogLines,
  taskLogKey,
  type TaskLogObject,
} from '../../../src/airflow/remote-logs.js';
import { airflowEnv } from '../../../src/dev/airflow-env.js';
import { config } from '../k8s/fixtures.js';

describe('task log keys (Airflow 3 default log_filename_template under logs/)', () => {
  const cases: readonly [string, Parameters<typeof taskLogKey>[0], string][] = [
    ['an unmapped task', { dagId: 'etl', runId: 'manual__2025-01-01T00:00:00+00:00', taskId: 'extract', tryNumber: 1 }, 'logs/dag_id=etl/run_id=manual__2025-01-01T00:00:00+00:00/task_id=extract/attempt=1.log'],
    ['map index -1 is unmapped', { dagId: 'etl', runId: 'r', taskId: 't', tryNumber: 3, mapIndex: -1 }, 'logs/dag_id=etl/run_id=r/task_id=t/attempt=3.log'],
    ['map index 0', { dagId: 'etl', runId: 'r', taskId: 't', tryNumber: 2, mapIndex: 0 }, 'logs/dag_id=etl/run_id=r/task_id=t/map_index=0/attempt=2.log'],
    ['a task in a task group keeps its dotted id', { dagId: 'd', runId: 'scheduled__x', taskId: 'group.inner', tryNumber: 1, mapIndex: 12 }, 'logs/dag_id=d/run_id=scheduled__x/task_id=group.inner/map_index=12/attempt=1.log'],
  ];
  for (const [name, ref, key] of cases) {
    it(`builds the key of ${name}`, () => assert.equal(taskLogKey(ref), key));
    it(`parses the key of ${name} back`, () => {
      const parsed = parseTaskLogKey(ref, key);
      assert.deepEqual(parsed, { key, tryNumber: ref.tryNumber, mapIndex: ref.mapIndex ?? -1 });
    });
  }

  const foreign: readonly [string, string][] = [
    ['another task with the same prefix', 'logs/dag_id=etl/run_id=r/task_id=extract_more/attempt=1.log'],
    ['a non-log object under the prefix', 'logs/dag_id=etl/run_id=r/task_id=extract/attempt=1.log.tmp'],
    ['a nested unexpected path', 'logs/dag_id=etl/run_id=r/task_id=extract/x/attempt=1.log'],
  ];
  for (const [name, key] of foreign) {
    it(`ignores ${name}`, () => assert.equal(parseTaskLogKey({ dagId: 'etl', runId: 'r', taskId: 'extract' }, key), undefined));
  }

  it('picks the latest try by default, a given try on request, every map index in order', () => {
    const o = (tryNumber: number, mapIndex: number): TaskLogObject => ({ key: `${tryNumber}/${mapIndex}`, tryNumber, mapIndex });
    const all = [o(1, 1), o(2, 1), o(2, 0), o(1, 0)];
    assert.deepEqual(pickTaskLogs(all).map((x) => x.key), ['2/0', '2/1']);
    assert.deepEqual(pickTaskLogs(all, 1).map((x) => x.key), ['1/0', '1/1']);
    assert.deepEqual(pickTaskLogs(all, 3), []);
    assert.deepEqual(pickTaskLogs([]), []);
  });
});

describe('remote-logging settings', () => {
  it('renders [logging] and a keyless JSON connection with the region', () => {
    const env = remoteLoggingEnv({ bucket: 'b1', region: 'eu-west-1' });
    assert.deepEqual(env, {
      AIRFLOW__LOGGING__REMOTE_LOGGING: 'True',
      AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER: 's3://b1/logs',
      AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID: 'aws_logs',
      AIRFLOW_CONN_AWS_LOGS: '{"conn_type":"aws","extra":{"region_name":"eu-west-1"}}',
    });
  });

  const stores: readonly [string, Record<string, unknown>, ReturnType<typeof devLogStore>][] = [
    ['nothing set', {}, undefined],
    ['only an endpoint (the cluster may use it; dev has no bucket)', { endpointUrl: 'http://127.0.0.1:9000' }, undefined],
    ['endpoint and devBucket', { endpointUrl: 'http://127.0.0.1:9000', devBucket: 'dev-logs' }, { bucket: 'dev-logs', region: 'eu-west-1', endpointUrl: 'http://127.0.0.1:9000' }],
  ];
  for (const [name, storage, expected] of stores) {
    it(`turns dev remote logging ${expected ? 'on' : 'off'} with ${name}`, () => {
      assert.deepEqual(devLogStore(config({ storage })), expected);
    });
  }

  it('gives the cluster the stack bucket, on the configured endpoint if any', () => {
    assert.deepEqual(clusterLogStore(config(), 'stack-bucket'), { bucket: 'stack-bucket', region: 'eu-west-1' });
    assert.deepEqual(clusterLogStore(config({ storage: { endpointUrl: 'https://s3.example:9000' } }), 'stack-bucket'), {
      bucket: 'stack-bucket',
      region: 'eu-west-1',
      endpointUrl: 'https://s3.example:9000',
    });
  });

  it('gives dev exactly the cluster\'s remote-logging variables when a store is set, and none otherwise', () => {
    const store = { bucket: 'dev-logs', region: 'eu-west-1', endpointUrl: 'http://127.0.0.1:9000' };
    const base = {
      config: config(),
      secrets: { version: 1, fernetKey: 'f', apiSecretKey: 'a', jwtSecret: 'j', adminUser: 'admin', adminPassword: 'p', postgresPassword: 'pg' },
      db: { host: '127.0.0.1', port: 5432, user: 'airflow', database: 'airflow' },
      apiPort: 8080,
      apiHost: '127.0.0.1',
      executionApiUrl: 'http://127.0.0.1:8080/execution/',
      baseUrl: 'http://localhost:8080',
      airflowHome: '/h',
      dagsFolder: '/d',
      pluginsFolder: '/p',
      taskLogsFolder: '/l',
      simpleAuthPasswordsFile: '/s',
    } satisfies Parameters<typeof airflowEnv>[0];
    const on = airflowEnv({ ...base, logStore: store });
    for (const [k, v] of Object.entries(remoteLoggingEnv(store))) assert.equal(on[k], v, k);
    const off = airflowEnv(base);
    assert.equal(Object.keys(off).some((k) => k.startsWith('AIRFLOW__LOGGING__REMOTE') || k.startsWith('AIRFLOW_CONN_')), false);
  });

  it('turns stored JSON log lines into text lines and keeps plain ones', () => {
    const text = [
      '{"timestamp":"2026-01-01T00:00:00Z","level":"info","event":"would write x","logger":"task.stdout"}',
      'a plain line',
      '',
    ].join('\n');
    assert.equal(storedLogLines(text), '2026-01-01T00:00:00Z INFO [task.stdout] would write x\na plain line');
  });
});
