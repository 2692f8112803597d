/** What `up` offers on Ctrl-C for each stack status it can find then (pure; src/ops/up/stack-interrupt.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CANCEL_QUESTION, decideOnInterrupt, type InterruptChoice } from '../../../src/ops/up/stack-interrupt.js';

const text = (c: InterruptChoice) => (c.kind === 'leave' ? c.lines : c.leave).join('\n');

describe('decideOnInterrupt', () => {
  const cases: readonly [string, string | undefined, boolean, InterruptChoice['kind'], RegExp, RegExp?][] = [
    ['an update on a terminal', 'UPDATE_IN_PROGRESS', true, 'offer-cancel', /keeps updating .*\n.*airflow-aws status.*\n.*`airflow-aws up` waits/],
    ['an update without a terminal (or --yes)', 'UPDATE_IN_PROGRESS', false, 'leave', /cancel-update-stack --stack-name demo-airflow \(CloudFormation rolls back\)/],
    ['a create on a terminal', 'CREATE_IN_PROGRESS', true, 'leave', /a create cannot be cancelled/, /cancel-update-stack/],
    ['a create: wait, or delete once it has ended', 'CREATE_IN_PROGRESS', false, 'leave', /either wait: `airflow-aws up` waits.*\n.*once the create has ended, remove it: airflow-aws down/],
    ['an update cleaning up', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', true, 'leave', /has succeeded/, /cancel-update-stack/],
    ['a rollback in progress', 'UPDATE_ROLLBACK_IN_PROGRESS', true, 'leave', /UPDATE_ROLLBACK_IN_PROGRESS\); it cannot be cancelled now/],
    ['a first create rolling back', 'ROLLBACK_IN_PROGRESS', true, 'leave', /cannot be cancelled now/],
    ['no stack yet (the change set was being made)', undefined, true, 'leave', /nothing was created/],
    ['a change set not yet executed on a new stack', 'REVIEW_IN_PROGRESS', true, 'leave', /nothing was created/],
    ['an update that ended at that moment', 'UPDATE_COMPLETE', true, 'leave', /is UPDATE_COMPLETE: CloudFormation is not changing it/],
  ];
  for (const [name, status, interactive, kind, says, never] of cases) {
    it(`${kind} for ${name}`, () => {
      const c = decideOnInterrupt({ stackName: 'demo-airflow', status, interactive });
      assert.equal(c.kind, kind);
      assert.match(text(c), says);
      if (never) assert.doesNotMatch(text(c), never);
      if (c.kind === 'offer-cancel') assert.equal(c.question, CANCEL_QUESTION);
    });
  }
});
