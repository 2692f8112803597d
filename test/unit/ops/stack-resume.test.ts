/** What `up` does with each CloudFormation status it can find (pure; see src/ops/up/stack-resume.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideStackAction, type FoundStack, type StackAction } from '../../../src/ops/up/stack-resume.js';

const ours = (status: string, reason?: string): FoundStack => ({ status, deploymentTag: 'demo', ...(reason ? { reason } : {}) });

describe('decideStackAction', () => {
  const cases: readonly [string, FoundStack | undefined, StackAction['kind'], string?][] = [
    ['no stack', undefined, 'create'],
    ['a deleted stack', ours('DELETE_COMPLETE'), 'create'],
    ['a change set never executed', { status: 'REVIEW_IN_PROGRESS' }, 'create'],
    ['a created stack', ours('CREATE_COMPLETE'), 'update'],
    ['an updated stack', ours('UPDATE_COMPLETE'), 'update'],
    ['an update that rolled back', ours('UPDATE_ROLLBACK_COMPLETE', 'Resource update cancelled'), 'update', 'retrying'],
    ['a failed first create', ours('ROLLBACK_COMPLETE', 'The following resource(s) failed to create: [Repo]'), 'delete-then-create', 'failed to create: [Repo]'],
    ['a failed create without rollback', ours('CREATE_FAILED'), 'delete-then-create'],
    ['a create in progress', ours('CREATE_IN_PROGRESS'), 'wait', 'CREATE_IN_PROGRESS'],
    ['an update in progress', ours('UPDATE_IN_PROGRESS'), 'wait'],
    ['an update cleaning up', ours('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'), 'wait'],
    ['a delete in progress', ours('DELETE_IN_PROGRESS'), 'wait'],
    ['a rollback in progress', ours('ROLLBACK_IN_PROGRESS'), 'wait'],
    ['a failed update rollback', ours('UPDATE_ROLLBACK_FAILED'), 'refuse', 'continue-update-rollback'],
    ['a failed delete', ours('DELETE_FAILED'), 'refuse', 'delete-stack'],
    ['a failed rollback', ours('ROLLBACK_FAILED'), 'refuse'],
    ['a stack without our tag', { status: 'CREATE_COMPLETE' }, 'refuse', 'not created by airflow-aws'],
    ['a stack of another deployment', { status: 'UPDATE_COMPLETE', deploymentTag: 'prod' }, 'refuse', 'deployment "prod"'],
  ];
  for (const [name, found, kind, text] of cases) {
    it(`${kind} for ${name}`, () => {
      const a = decideStackAction(found, 'demo', 'demo-airflow');
      assert.equal(a.kind, kind);
      if (text) assert.match(Object.values(a).join(' '), new RegExp(text.replace(/[[\]()]/g, '\\$&')));
    });
  }

  it('names the stack that is not ours with a code the CLI maps to exit 2', () => {
    const a = decideStackAction({ status: 'CREATE_COMPLETE', deploymentTag: 'prod' }, 'demo', 'demo-airflow');
    assert.ok(a.kind === 'refuse' && a.code === 'STACK_NOT_OURS' && /demo-airflow/.test(a.why));
  });
});
