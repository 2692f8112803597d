import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeWait, judgeLock, parseLockOwner, renderLockOwner, reportWait, type LockOwner, type LockVerdict, type LockWait } from '../../../src/dev/build-lock.js';
import type { ProcessObservation } from '../../../src/dev/process-identity.js';

const BOOT = '355581cc-069a-4e12-896b-2468b928a324';
const OTHER_BOOT = '0b1d7a52-8f0e-4c59-9a0f-3f6c2b4d1e77';
const owner: LockOwner = { pid: 4242, identity: { pid: 4242, bootId: BOOT, startTicks: 52148 }, token: '4242-0123abcd', since: '2026-12-04T15:00:00.000Z' };
const noProcOwner: LockOwner = { ...owner, identity: undefined };

describe('build lock records', () => {
  it('reads back what it writes, with and without a process identity', () => {
    assert.deepEqual(parseLockOwner(renderLockOwner(owner)), owner);
    assert.deepEqual(parseLockOwner(renderLockOwner(noProcOwner)), noProcOwner);
  });

  const foreign: [string, string][] = [
    ['an empty file', ''],
    ['text that is not JSON', 'locked by bob\n'],
    ['JSON that is not an object', '4242\n'],
    ['another format', JSON.stringify({ format: 2, pid: 4242, token: 't' })],
    ['a record without a pid', JSON.stringify({ format: 1, token: 't' })],
    ['a record with pid 0', JSON.stringify({ format: 1, pid: 0, token: 't' })],
    ['a record without a token', JSON.stringify({ format: 1, pid: 4242 })],
  ];
  for (const [name, text] of foreign) {
    it(`does not read ${name} as an owner`, () => assert.equal(parseLockOwner(text), undefined));
  }

  it('keeps the pid but drops an identity it cannot trust', () => {
    const got = parseLockOwner(JSON.stringify({ format: 1, pid: 4242, bootId: BOOT, startTicks: -1, token: 't' }));
    assert.deepEqual(got, { pid: 4242, identity: undefined, token: 't', since: '' });
  });
});

describe('build lock verdicts', () => {
  const running = (startTicks: number, bootId = BOOT, state = 'S'): ProcessObservation => ({
    kind: 'running',
    bootId,
    stat: { pid: 4242, state, pgrp: 4242, session: 4242, startTicks },
  });
  const cases: [string, LockOwner | undefined, ProcessObservation, LockVerdict['kind'], RegExp?][] = [
    ['its owner still running', owner, running(52148), 'held'],
    ['its owner gone', owner, { kind: 'gone' }, 'stale', /pid 4242, is gone/],
    ['its owner exited but not yet reaped (a zombie)', owner, running(52148, BOOT, 'Z'), 'stale', /pid 4242, has exited/],
    ['its pid reused by a later process', owner, running(90001), 'stale', /reused/],
    ['its pid recorded before a reboot', owner, running(52148, OTHER_BOOT), 'stale', /reboot/],
    ['a file airflow-aws does not write', undefined, { kind: 'gone' }, 'stale', /not one airflow-aws writes/],
    ['no /proc here, owner pid alive', owner, { kind: 'unsupported', why: 'no /proc' }, 'held', /cannot be proven/],
    ['no /proc here, owner pid gone', noProcOwner, { kind: 'gone' }, 'stale', /is gone/],
    ['no identity recorded, owner pid alive', noProcOwner, running(52148), 'held', /cannot be proven/],
  ];
  for (const [name, o, seen, kind, why] of cases) {
    it(`judges a lock with ${name}: ${kind}`, () => {
      const got = judgeLock(o, seen);
      assert.equal(got.kind, kind);
      const text = got.kind === 'stale' ? got.why : got.unverified;
      if (why) assert.match(text ?? '', why);
      else assert.equal(text, undefined);
    });
  }
});

describe('build lock wait message', () => {
  const cases: [string, LockWait, RegExp][] = [
    [
      'a verified owner',
      { building: 'the virtualenv /c/venvs/abc', lockFile: '/c/venvs/abc.lock', ownerPid: 4242 },
      /^waiting for another airflow-aws \(pid 4242\) to finish building the virtualenv \/c\/venvs\/abc$/,
    ],
    [
      'an owner that cannot be verified, naming the file to delete',
      { building: 'the virtualenv /c/venvs/abc', lockFile: '/c/venvs/abc.lock', ownerPid: 4242, unverified: 'pid 4242 is alive, but it cannot be proven' },
      /\(pid 4242\).*cannot be proven: if no airflow-aws is running, delete \/c\/venvs\/abc\.lock$/,
    ],
  ];
  for (const [name, wait, want] of cases) {
    it(`tells the user about ${name}`, () => assert.match(describeWait(wait), want));
  }
  it('reports a verified owner as a step and an unverifiable one as a warning', () => {
    const said: string[] = [];
    const out = { step: (m: string) => said.push(`step: ${m}`), warn: (m: string) => said.push(`warn: ${m}`) };
    for (const [, wait] of cases) reportWait(out, wait);
    assert.deepEqual(said.map((l) => l.slice(0, 5)), ['step:', 'warn:']);
  });
});
