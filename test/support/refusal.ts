/** For tests of input checks: the UserError (exit 2, bad input) that `fn` throws, failing if it throws none. */
import assert from 'node:assert/strict';
import { UserError } from '../../src/errors/user-error.js';

export function refusal(fn: () => unknown, code: string): UserError {
  try {
    fn();
  } catch (e) {
    assert.ok(UserError.is(e), `a UserError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    assert.equal(e.code, code);
    return e;
  }
  assert.fail('expected the input to be refused');
}
