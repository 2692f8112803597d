/**
 * The Airflow REST client against a real HTTP server on loopback that follows Airflow's paging contract (limit capped
 * by the server, offset, total_entries): every collection is read to its end, and answers of the wrong shape become
 * AirflowApiErrors naming the endpoint and the field instead of crashes further down.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AirflowApi, AirflowApiError, PAGE_LIMIT } from '../../../src/adapters/airflow-api.js';
import { mappedTis, startFakeAirflow, type FakeAirflow } from './fake-airflow.js';

const PASSWORD = 'pw-9f3b2c';
let fake: FakeAirflow;
let api: AirflowApi;

describe('AirflowApi against a paging HTTP server', () => {
  before(async () => {
    fake = await startFakeAirflow(
      {
        dags: Array.from({ length: 5 }, (_, i) => ({ dag_id: `dag_${i}`, fileloc: `/dags/dag_${i}.py`, is_paused: true, tags: [] })),
        importErrors: Array.from({ length: 4 }, (_, i) => ({ import_error_id: i + 1, filename: `broken_${i}.py`, stack_trace: 'Traceback ...', timestamp: '2026-01-01T00:00:00Z', bundle_name: 'dags-folder' })),
        runs: { dag_0: Array.from({ length: 7 }, (_, i) => ({ dag_run_id: `run_${i}`, dag_id: 'dag_0', state: 'success' })) },
        taskInstances: { run_0: mappedTis('fan_out', 7) },
      },
      { maxPageLimit: 3, password: PASSWORD },
    );
  });
  after(async () => fake?.close());
  beforeEach(() => {
    fake.override = undefined;
    fake.requests.length = 0;
    api = new AirflowApi({ baseUrl: fake.url, major: 3, username: 'admin', password: PASSWORD });
  });

  it('reads every task instance when the server caps limit below what we ask, advancing by what came back', async () => {
    const tis = await api.taskInstances('dag_0', 'run_0');
    assert.deepEqual(tis.map((t) => t.map_index), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(
      fake.requests.filter((r) => r.includes('taskInstances')),
      [0, 3, 6].map((o) => `GET /api/v2/dags/dag_0/dagRuns/run_0/taskInstances?limit=${PAGE_LIMIT}&offset=${o}`),
    );
  });

  it('reads every run, DAG and import error across pages', async () => {
    assert.equal((await api.listRuns('dag_0')).length, 7);
    assert.deepEqual((await api.listDags()).map((d) => d.dag_id), ['dag_0', 'dag_1', 'dag_2', 'dag_3', 'dag_4']);
    assert.deepEqual((await api.importErrors()).map((e) => e.filename), ['broken_0.py', 'broken_1.py', 'broken_2.py', 'broken_3.py']);
  });

  it('keeps fields Airflow adds beyond the ones we check (--json passes them on)', async () => {
    const [ti] = await api.taskInstances('dag_0', 'run_0');
    assert.equal(ti?.['operator'], 'PythonOperator');
  });

  it('stops at an empty page even when total_entries promises more', async () => {
    fake.override = (_m, url) =>
      url.pathname === '/api/v2/importErrors' && url.searchParams.get('offset') !== '0'
        ? { status: 200, body: { import_errors: [], total_entries: 99 } }
        : undefined;
    assert.equal((await api.importErrors()).length, 3);
  });

  it('keeps an item once when it shifts onto the next page between requests', async () => {
    fake.override = (_m, url) =>
      url.pathname === '/api/v2/dags' && url.searchParams.get('offset') === '3'
        ? { status: 200, body: { dags: fake.data.dags.slice(2, 5), total_entries: 5 } }
        : undefined;
    assert.deepEqual((await api.listDags()).map((d) => d.dag_id), ['dag_0', 'dag_1', 'dag_2', 'dag_3', 'dag_4']);
  });

  const bad: { what: string; method: string; path: string; body: unknown; call: () => Promise<unknown>; endpoint: string; detail: RegExp }[] = [
    {
      what: 'a run whose state is not a run state',
      method: 'GET',
      path: '/api/v2/dags/dag_0/dagRuns/run_1',
      body: { dag_run_id: 'run_1', dag_id: 'dag_0', state: 'paused' },
      call: () => api.getRun('dag_0', 'run_1'),
      endpoint: 'GET /api/v2/dags/dag_0/dagRuns/run_1',
      detail: /^state: .*expected one of .*, got "paused"$/,
    },
    {
      what: 'a page without total_entries',
      method: 'GET',
      path: '/api/v2/dags/dag_0/dagRuns/run_0/taskInstances',
      body: { task_instances: [] },
      call: () => api.taskInstances('dag_0', 'run_0'),
      endpoint: 'GET /api/v2/dags/dag_0/dagRuns/run_0/taskInstances',
      detail: /^total_entries: .*number.* \(missing\)$/,
    },
    {
      what: 'a task instance with a string try_number',
      method: 'GET',
      path: '/api/v2/dags/dag_0/dagRuns/run_0/taskInstances',
      body: { task_instances: [{ task_id: 't', state: null, try_number: '1', map_index: -1 }], total_entries: 1 },
      call: () => api.taskInstances('dag_0', 'run_0'),
      endpoint: 'GET /api/v2/dags/dag_0/dagRuns/run_0/taskInstances',
      detail: /^task_instances\[0\]\.try_number: .*number.*, got "1"$/,
    },
    {
      what: 'a DAG without fileloc',
      method: 'GET',
      path: '/api/v2/dags/dag_1',
      body: { dag_id: 'dag_1', is_paused: false },
      call: () => api.getDag('dag_1'),
      endpoint: 'GET /api/v2/dags/dag_1',
      detail: /^fileloc: /,
    },
    {
      what: 'a health report whose scheduler is a string',
      method: 'GET',
      path: '/api/v2/monitor/health',
      body: { metadatabase: { status: 'healthy' }, scheduler: 'healthy' },
      call: () => api.health(),
      endpoint: 'GET /api/v2/monitor/health',
      detail: /^scheduler: /,
    },
    {
      what: 'a log without content',
      method: 'GET',
      path: '/api/v2/dags/dag_0/dagRuns/run_0/taskInstances/t/logs/1',
      body: { continuation_token: null },
      call: () => api.taskLog('dag_0', 'run_0', 't', 1),
      endpoint: 'GET /api/v2/dags/dag_0/dagRuns/run_0/taskInstances/t/logs/1',
      detail: /^content: /,
    },
    {
      what: 'a body that is not JSON',
      method: 'GET',
      path: '/api/v2/importErrors',
      body: '<html>proxy error</html>',
      call: () => api.importErrors(),
      endpoint: 'GET /api/v2/importErrors',
      detail: /proxy error/,
    },
  ];
  for (const b of bad) {
    it(`reports ${b.what} as an AirflowApiError naming the endpoint and the mismatch`, async () => {
      fake.override = (m, url) => (m === b.method && url.pathname === b.path ? { status: 200, body: b.body } : undefined);
      await assert.rejects(b.call(), (e: unknown) => {
        assert.ok(e instanceof AirflowApiError, String(e));
        assert.ok(e.message.includes(b.endpoint), e.message);
        assert.equal(e.code, 'AIRFLOW_API_ERROR');
        assert.ok(e.details.some((d) => b.detail.test(d)), e.details.join('\n'));
        return true;
      });
    });
  }

  it('reports a login answer without a usable token without echoing what came back', async () => {
    fake.override = (m, url) => (m === 'POST' && url.pathname === '/auth/token' ? { status: 201, body: { access_token: 31337424242 } } : undefined);
    await assert.rejects(api.listDags(), (e: unknown) => {
      assert.ok(e instanceof AirflowApiError);
      assert.match(e.message, /POST \/auth\/token answered in an unexpected shape/);
      assert.match(e.details.join('\n'), /^access_token: /);
      assert.doesNotMatch(`${e.message}\n${e.details.join('\n')}`, /31337424242/);
      return true;
    });
  });

  it('answers undefined for an unknown DAG (404) rather than throwing', async () => {
    assert.equal(await api.getDag('no_such_dag'), undefined);
  });
});
