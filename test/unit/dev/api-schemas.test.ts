import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import {
  checkShape,
  dagRunSchema,
  dagSchema,
  healthSchema,
  importErrorSchema,
  loginSchema,
  pageSchema,
  taskInstanceSchema,
  taskLogSchema,
} from '../../../src/dev/api-shapes.js';

/** Trimmed real answers of Airflow 2 (/api/v1) and 3 (/api/v2): extra fields must pass through. */
const accepted: [string, z.ZodType, unknown][] = [
  ['an Airflow 3 DAG', dagSchema, { dag_id: 'etl', is_paused: false, is_stale: false, fileloc: '/dags/etl.py', relative_fileloc: 'etl.py', last_parsed_time: '2026-01-01T00:00:00.123456Z', bundle_name: 'dags-folder', tags: [] }],
  ['an Airflow 2 DAG with a null is_paused and no relative_fileloc', dagSchema, { dag_id: 'etl', is_paused: null, is_active: true, fileloc: '/dags/etl.py', last_parsed_time: null }],
  ['a queued run', dagRunSchema, { dag_run_id: 'manual__1', dag_id: 'etl', state: 'queued', logical_date: null, conf: {} }],
  ['a mapped task instance', taskInstanceSchema, { task_id: 't', state: null, try_number: 0, map_index: 3, start_date: null, operator: 'PythonOperator' }],
  ['an Airflow 3 import error', importErrorSchema, { import_error_id: 1, filename: 'broken.py', bundle_name: 'dags-folder', stack_trace: 'Traceback...', timestamp: '2026-01-01T00:00:00Z' }],
  ['an Airflow 3 health report', healthSchema, { metadatabase: { status: 'healthy' }, scheduler: { status: 'healthy', latest_scheduler_heartbeat: null }, triggerer: { status: null }, dag_processor: null }],
  ['an Airflow 2 health report without a DAG processor', healthSchema, { metadatabase: { status: 'healthy' }, scheduler: { status: 'healthy' } }],
  ['a token', loginSchema, { access_token: 'eyJ...', token_type: 'bearer' }],
  ['an Airflow 2 log (text)', taskLogSchema, { content: 'line 1\nline 2', continuation_token: 'x' }],
  ['an Airflow 3 log (structured)', taskLogSchema, { content: [{ event: 'hello', timestamp: '2026-01-01T00:00:00Z' }], continuation_token: null }],
];

/** [what, schema, value, the problem lines expected] */
const rejected: [string, z.ZodType, unknown, RegExp[]][] = [
  ['a run in an unknown state', dagRunSchema, { dag_run_id: 'r', dag_id: 'd', state: 'paused' }, [/^state: .*"queued".*, got "paused"$/]],
  ['a run without an id', dagRunSchema, { dag_id: 'd', state: 'queued' }, [/^dag_run_id: .* \(missing\)$/]],
  ['a task instance with a string try_number', taskInstanceSchema, { task_id: 't', state: 'success', try_number: '1', map_index: -1 }, [/^try_number: .*, got "1"$/]],
  ['a DAG without fileloc', dagSchema, { dag_id: 'd', is_paused: true }, [/^fileloc: /]],
  ['an import error without stack_trace', importErrorSchema, { filename: 'x.py' }, [/^stack_trace: /]],
  ['a log whose content is a number', taskLogSchema, { content: 42 }, [/^content: .*, got 42$/]],
  ['a response that is not an object', dagRunSchema, [], [/^\(response\): .*, got an array$/]],
  ['several problems at once', dagRunSchema, { dag_run_id: 1, dag_id: 2, state: 'queued' }, [/^dag_run_id: /, /^dag_id: /]],
];

describe('API response schemas', () => {
  for (const [what, schema, value] of accepted) {
    it(`accepts ${what}`, () => assert.deepEqual(checkShape(schema, value), { ok: true, value: schema.parse(value) }));
  }
  for (const [what, schema, value, problems] of rejected) {
    it(`rejects ${what}, naming the field`, () => {
      const r = checkShape(schema, value);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.problems.length, problems.length, r.problems.join('\n'));
      problems.forEach((re, i) => assert.match(r.problems[i]!, re));
    });
  }

  it('keeps fields it does not check, for --json output', () => {
    const r = checkShape(taskInstanceSchema, { task_id: 't', state: null, try_number: 1, map_index: -1, hostname: 'h1' });
    assert.ok(r.ok);
    assert.equal(r.value['hostname'], 'h1');
  });

  it('reads null component health as absent (isHealthy treats both as "not healthy")', () => {
    const r = checkShape(healthSchema, { metadatabase: { status: 'healthy' }, dag_processor: null });
    assert.ok(r.ok);
    assert.equal(r.value.dag_processor, undefined);
  });

  it('does not echo the value received when told not to (a token may be in it)', () => {
    const r = checkShape(loginSchema, { access_token: 424242 }, false);
    assert.equal(r.ok, false);
    if (!r.ok) assert.doesNotMatch(r.problems.join('\n'), /424242/);
  });

  it('reads a page as its items and total_entries, and rejects a page without total_entries', () => {
    const page = pageSchema('dags', dagSchema);
    const ok = checkShape(page, { dags: [{ dag_id: 'a', is_paused: false, fileloc: '/a.py' }], total_entries: 7 });
    assert.ok(ok.ok);
    assert.deepEqual([ok.value.items.map((d) => d.dag_id), ok.value.total], [['a'], 7]);
    const bad = checkShape(page, { dags: [] });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.problems.join('\n'), /^total_entries: /);
    const badItem = checkShape(page, { dags: [{ dag_id: 'a' }], total_entries: 1 });
    assert.equal(badItem.ok, false);
    if (!badItem.ok) assert.match(badItem.problems.join('\n'), /^dags\[0\]\.is_paused: /m);
  });
});
