/** The pause record and what is derived from it: encode/decode, the guard for up, the auto-start date, cost lines, status. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../../src/errors/user-error.js';
import { costLines, databaseAutoStart, decodePause, encodePause, pausedLine, pauseGuard, type PauseRecord } from '../../../src/ops/pause/record.js';
import type { AwsPresent, EnvironmentStatus } from '../../../src/status/model.js';
import { renderStatus } from '../../../src/status/render.js';
import { STATUS_EXIT, verdict } from '../../../src/status/verdict.js';

const since = new Date('2026-01-02T03:04:05.000Z');
const record: PauseRecord = { since, nodegroup: 'NodesABC-x1_y', sizes: { min: 1, desired: 2, max: 4 } };

describe('pause record', () => {
  it('round-trips through the tag value, using only characters AWS allows in tag values', () => {
    const v = encodePause(record);
    assert.equal(v, 'since=2026-01-02T03:04:05.000Z nodegroup=NodesABC-x1_y min=1 desired=2 max=4');
    assert.match(v, /^[\w .:/=+\-@]+$/);
    assert.ok(v.length <= 256);
    assert.deepEqual(decodePause(v), record);
  });

  const bad: readonly [string, string, RegExp][] = [
    ['empty', '', /since must be an ISO time/],
    ['bad time', 'since=yesterday nodegroup=n min=1 desired=1 max=1', /since must be an ISO time, got "yesterday"/],
    ['missing size', 'since=2026-01-02T03:04:05Z nodegroup=n min=1 max=1', /desired must be a whole number >= 0, got null/],
    ['negative size', 'since=2026-01-02T03:04:05Z nodegroup=n min=-1 desired=1 max=1', /min must be a whole number >= 0, got "-1"/],
    ['sizes out of order', 'since=2026-01-02T03:04:05Z nodegroup=n min=3 desired=1 max=4', /min <= desired <= max, got 3\/1\/4/],
    ['bad node group', 'since=2026-01-02T03:04:05Z nodegroup=a;b min=1 desired=1 max=1', /nodegroup must be a node group name/],
  ];
  for (const [name, value, problem] of bad) {
    it(`rejects a record with ${name}, naming the problem`, () => {
      assert.throws(
        () => decodePause(value),
        (e: unknown) => UserError.is(e) && e.code === 'PAUSE_RECORD_INVALID' && e.details.some((d) => problem.test(d)) && /untag-resource/.test(e.hint ?? ''),
      );
    });
  }
});

describe('pauseGuard', () => {
  it('lets up run when there is no pause', () => assert.equal(pauseGuard({ stackName: 'demo-airflow' }), undefined));
  it('stops up on a paused deployment with the resume hint', () => {
    const e = pauseGuard({ stackName: 'demo-airflow', pause: record });
    assert.ok(e && UserError.is(e));
    assert.equal(e.code, 'DEPLOYMENT_PAUSED');
    assert.equal(e.hint, 'run airflow-aws resume first');
    assert.match(e.message, /demo-airflow is paused since 2026-01-02T03:04:05.000Z/);
  });
});

describe('database auto-start', () => {
  const cases: readonly [string, string][] = [
    ['2026-01-02T03:04:05.000Z', '2026-01-09T03:04:05.000Z'],
    ['2026-02-25T12:00:00.000Z', '2026-03-04T12:00:00.000Z'],
    ['2026-12-31T23:59:59.000Z', '2027-01-07T23:59:59.000Z'],
  ];
  for (const [from, to] of cases) it(`${from} -> ${to}`, () => assert.equal(databaseAutoStart(new Date(from)).toISOString(), to));

  it('says when the database restarts, and that it did once the date passed while it runs', () => {
    assert.equal(pausedLine(since, 'stopped', new Date('2026-01-03T00:00:00Z')), 'paused since 2026-01-02T03:04:05.000Z; the database restarts on its own on 2026-01-09 03:04 UTC unless resumed');
    assert.match(pausedLine(since, 'available', new Date('2026-01-10T00:00:00Z')), /restarted on its own on 2026-01-09 03:04 UTC .*pause again/);
  });
});

describe('cost lines', () => {
  const est = (totalUsd: number | null) => ({ totalUsd }) as never;
  it('prints paused against running and the saving', () => {
    assert.deepEqual(costLines({ region: 'eu-west-1', running: est(300), paused: est(120.5) }), ['monthly cost while paused: $120.50 (running: $300.00; saves $179.50 a month)']);
  });
  it('says when there is no estimate for the region', () => {
    assert.deepEqual(costLines({ region: 'xx-east-9', running: est(null), paused: est(null) }), ['monthly cost: no estimate for xx-east-9 (see airflow-aws cost)']);
  });
});

describe('status of a paused deployment', () => {
  const aws = (dbStatus: string, stack = 'UPDATE_COMPLETE'): AwsPresent => ({
    exists: true,
    stackName: 'demo-airflow',
    region: 'eu-west-1',
    stack: { status: stack },
    cluster: { name: 'demo', status: 'ACTIVE' },
    nodegroups: [{ name: 'Nodes', status: 'ACTIVE', desired: 0, min: 0, max: 4, issues: [] }],
    databases: [{ id: 'db1', status: dbStatus }],
    pause: { since: since.toISOString(), databaseAutoStart: databaseAutoStart(since).toISOString() },
  });
  const env = (a: AwsPresent): EnvironmentStatus => ({ name: 'demo', airflowVersion: '3.1.0', airflowMajor: 3, aws: a });

  it('is paused (exit 4), not degraded, with nodes at 0 and the database stopped', () => {
    const v = verdict(env(aws('stopped')));
    assert.deepEqual(v, { state: 'paused', problems: [] });
    assert.equal(STATUS_EXIT[v.state], 4);
    const text = renderStatus(env(aws('stopped')), v, new Date('2026-01-03T00:00:00Z')).join('\n');
    assert.match(text, /^paused: demo/);
    assert.match(text, /paused since 2026-01-02T03:04:05.000Z; the database restarts on its own on 2026-01-09 03:04 UTC unless resumed/);
  });
  it('still reports a database that runs again and a stack that is not settled', () => {
    const v = verdict(env(aws('available', 'UPDATE_ROLLBACK_COMPLETE')));
    assert.equal(v.state, 'paused');
    assert.equal(v.problems.length, 2);
    assert.match(v.problems.join('\n'), /stack demo-airflow is UPDATE_ROLLBACK_COMPLETE/);
    assert.match(v.problems.join('\n'), /database db1 is available while paused/);
  });
});
