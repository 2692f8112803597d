/** The step runner: order, events, outcomes, and that the first failure stops the run. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSteps, runSteps, unchanged, type Step, type StepEvent } from '../../../src/ops/steps.js';

interface Ctx {
  log: string[];
}

function step(id: string, behaviour: 'ok' | 'unchanged' | 'fail'): Step<Ctx> {
  return {
    id,
    title: `Step ${id}`,
    async describe(ctx) {
      ctx.log.push(`describe ${id}`);
      return behaviour === 'unchanged' ? unchanged() : { summary: `change ${id}`, changes: true, details: [], dangers: [] };
    },
    async run(ctx, report) {
      ctx.log.push(`run ${id}`);
      report.progress(`working on ${id}`, { done: 1, total: 2 });
      report.warn(`careful with ${id}`);
      if (behaviour === 'fail') throw new Error(`${id} broke`);
      return { changed: behaviour === 'ok', summary: behaviour === 'ok' ? 'changed' : 'no changes' };
    },
  };
}

describe('runSteps / describeSteps', () => {
  it('describes every step in order without running any', async () => {
    const ctx: Ctx = { log: [] };
    const d = await describeSteps([step('a', 'ok'), step('b', 'unchanged')], ctx);
    assert.deepEqual(ctx.log, ['describe a', 'describe b']);
    assert.deepEqual(d.map((s) => [s.id, s.description.changes]), [['a', true], ['b', false]]);
  });

  it('runs in order and reports start, progress, notes and done per step', async () => {
    const ctx: Ctx = { log: [] };
    const events: StepEvent[] = [];
    let t = 0;
    const results = await runSteps([step('a', 'ok'), step('b', 'unchanged')], ctx, (e) => events.push(e), () => (t += 10));
    assert.deepEqual(ctx.log, ['run a', 'run b']);
    assert.deepEqual(results.map((r) => [r.id, r.outcome.changed, r.ms]), [['a', true, 10], ['b', false, 10]]);
    assert.deepEqual(events.map((e) => `${e.type}:${e.step}`), ['start:a', 'progress:a', 'note:a', 'done:a', 'start:b', 'progress:b', 'note:b', 'done:b']);
    const p = events[1];
    assert.ok(p?.type === 'progress' && p.done === 1 && p.total === 2);
  });

  it('stops at the first failure, emits it and rethrows', async () => {
    const ctx: Ctx = { log: [] };
    const events: StepEvent[] = [];
    await assert.rejects(runSteps([step('a', 'ok'), step('b', 'fail'), step('c', 'ok')], ctx, (e) => events.push(e)), /b broke/);
    assert.deepEqual(ctx.log, ['run a', 'run b']);
    assert.equal(events.at(-1)?.type, 'failed');
    assert.equal(events.at(-1)?.step, 'b');
  });
});
