import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refusal as refuse } from '../../support/refusal.js';
import {
  checkAddUser,
  checkResetPassword,
  outcomeError,
  passwordFromText,
  readUserOutcome,
  requestLine,
  USERS_MARKER,
  USERS_SCRIPT,
  type AddUser,
  type UserOutcome,
} from '../../../src/users/request.js';

const PASSWORD = 'S3cret pass:/word';

const refusal = (fn: () => unknown) => refuse(fn, 'USER_INPUT_INVALID');

describe('users add: what is checked before the password is asked for', () => {
  it('accepts a plain user and fills the names', () => {
    assert.deepEqual(checkAddUser({ username: 'ada.l@x', role: 'Op', email: 'ada@example.com' }), {
      action: 'add',
      username: 'ada.l@x',
      role: 'Op',
      email: 'ada@example.com',
      firstName: 'ada.l@x',
      lastName: '',
    });
    assert.equal(checkAddUser({ username: 'b', role: 'Viewer', email: 'b@x', firstName: 'Bé', lastName: "O'Neil" }).lastName, "O'Neil");
  });

  const refused: [string, Parameters<typeof checkAddUser>[0], RegExp][] = [
    ['a username with a space', { username: 'ada l', role: 'Op', email: 'a@x' }, /username "ada l"/],
    ['an empty username', { username: '', role: 'Op', email: 'a@x' }, /username ""/],
    ['a username with a slash', { username: 'a/b', role: 'Op', email: 'a@x' }, /username "a\/b"/],
    ['a username of 257 characters', { username: 'a'.repeat(257), role: 'Op', email: 'a@x' }, /username/],
    ['a role FAB does not ship', { username: 'a', role: 'Public' as 'Op', email: 'a@x' }, /--role "Public"/],
    ['an email without @', { username: 'a', role: 'Op', email: 'ada.example.com' }, /--email "ada.example.com"/],
    ['an email with a space', { username: 'a', role: 'Op', email: 'a b@x' }, /--email/],
    ['a first name with a line break', { username: 'a', role: 'Op', email: 'a@x', firstName: 'A\nB' }, /--first-name/],
    ['a last name of 257 characters', { username: 'a', role: 'Op', email: 'a@x', lastName: 'x'.repeat(257) }, /--last-name/],
  ];
  for (const [what, input, message] of refused) {
    it(`refuses ${what} (exit 2, naming the flag and the value)`, () => assert.match(refusal(() => checkAddUser(input)).message, message));
  }

  it('reset-password checks the username the same way', () => {
    assert.deepEqual(checkResetPassword('admin'), { action: 'reset-password', username: 'admin' });
    assert.match(refusal(() => checkResetPassword('a b')).message, /username "a b"/);
  });
});

describe('the password as read', () => {
  const table: [string, string, string][] = [
    ['drops one trailing newline', `${PASSWORD}\n`, PASSWORD],
    ['drops one trailing CRLF', `${PASSWORD}\r\n`, PASSWORD],
    ['keeps spaces', ` ${PASSWORD} `, ` ${PASSWORD} `],
  ];
  for (const [what, raw, want] of table) it(what, () => assert.equal(passwordFromText(raw), want));

  for (const [what, raw] of [
    ['an empty input', ''],
    ['a bare newline', '\n'],
    ['two lines', `${PASSWORD}\nmore`],
  ] as const) {
    it(`refuses ${what} without repeating it`, () => {
      const e = refusal(() => passwordFromText(raw));
      assert.ok(!e.message.includes(PASSWORD) && !(e.hint ?? '').includes(PASSWORD));
    });
  }
});

describe('what goes to the helper', () => {
  it('is one JSON line on stdin; the script itself holds no request data', () => {
    const r: AddUser = { ...checkAddUser({ username: 'zelda9', role: 'User', email: 'z@x' }), password: PASSWORD };
    const line = requestLine(r);
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
    assert.deepEqual(JSON.parse(line), r);
    assert.ok(!USERS_SCRIPT.includes('zelda9') && !USERS_SCRIPT.includes(PASSWORD));
    // The helper reads a line, never to EOF: a pod exec may not be able to close stdin.
    assert.match(USERS_SCRIPT, /sys\.stdin\.readline\(\)/);
    assert.doesNotMatch(USERS_SCRIPT, /sys\.stdin\.read\(\)/);
  });
});

describe("the helper's answer", () => {
  const table: [string, string, UserOutcome | undefined][] = [
    ['the marker line after log lines', `INFO something\n${USERS_MARKER}{"outcome": "added"}\n`, { outcome: 'added' }],
    ['the last marker line', `${USERS_MARKER}{"outcome": "failed"}\n${USERS_MARKER}{"outcome": "password-reset"}\n`, { outcome: 'password-reset' }],
    ['the roles of unknown-role', `${USERS_MARKER}{"outcome": "unknown-role", "roles": ["Admin", "Public"]}`, { outcome: 'unknown-role', roles: ['Admin', 'Public'] }],
    ['the auth manager of not-fab', `${USERS_MARKER}{"outcome": "not-fab", "manager": "x.SimpleAuthManager"}`, { outcome: 'not-fab', manager: 'x.SimpleAuthManager' }],
    ['no marker: no answer', 'Traceback (most recent call last):\n', undefined],
    ['an unknown outcome: no answer', `${USERS_MARKER}{"outcome": "maybe"}`, undefined],
    ['broken JSON: no answer', `${USERS_MARKER}{"outcome": `, undefined],
  ];
  for (const [what, stdout, want] of table) it(`reads ${what}`, () => assert.deepEqual(readUserOutcome(stdout), want));

  const add: AddUser = { ...checkAddUser({ username: 'ada', role: 'Op', email: 'ada@x' }), password: PASSWORD };
  const errors: [UserOutcome, string | undefined, number | undefined][] = [
    [{ outcome: 'added' }, undefined, undefined],
    [{ outcome: 'password-reset' }, undefined, undefined],
    [{ outcome: 'user-exists' }, 'USER_EXISTS', 2],
    [{ outcome: 'email-taken' }, 'USER_EMAIL_TAKEN', 2],
    [{ outcome: 'unknown-user' }, 'USER_NOT_FOUND', 2],
    [{ outcome: 'not-fab', manager: 'Simple' }, 'USERS_NEED_FAB', 2],
    [{ outcome: 'unknown-role', roles: [] }, 'USER_ROLE_MISSING', 1],
    [{ outcome: 'failed' }, 'USER_CHANGE_FAILED', 1],
  ];
  for (const [o, code, exit] of errors) {
    it(`maps ${o.outcome} to ${code ?? 'success'}`, () => {
      const e = outcomeError(add, o, 'pod airflow/p', ['log line']);
      assert.equal(e?.code, code);
      assert.equal(e?.exitCode, exit);
      if (e) assert.ok(!`${e.message} ${e.hint ?? ''}`.includes(PASSWORD));
    });
  }
});
