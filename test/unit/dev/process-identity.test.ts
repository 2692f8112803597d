import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  judgeGroup,
  judgeProcess,
  parseProcStat,
  type ProcessIdentity,
  type ProcessObservation,
  type ProcStat,
  type Verdict,
} from '../../../src/dev/process-identity.js';
import { checkState, recordedIdentity } from '../../../src/dev/state.js';

const BOOT = '355581cc-069a-4e12-896b-2468b928a324';
const OTHER_BOOT = '0b1d7a52-8f0e-4c59-9a0f-3f6c2b4d1e77';

/** A /proc/<pid>/stat line with the fields we read set and the rest plausible. */
function statLine(pid: number, comm: string, state: string, pgrp: number, session: number, start: number): string {
  const after = [state, 1, pgrp, session, 0, -1, 4194304, 98, 0, 0, 0, 0, 0, 0, 0, 20, 0, 1, 0, start, 3133440, 381];
  return `${pid} (${comm}) ${after.join(' ')}`;
}

describe('/proc/<pid>/stat parsing', () => {
  const cases: [string, string, Partial<ProcStat> | undefined][] = [
    ['a plain command', statLine(4242, 'sleep', 'S', 4242, 4242, 52148), { pid: 4242, state: 'S', pgrp: 4242, session: 4242, startTicks: 52148 }],
    ['a command name with spaces and parentheses', statLine(7, 'a) b (c', 'R', 6, 5, 99), { pid: 7, state: 'R', pgrp: 6, session: 5, startTicks: 99 }],
    ['a zombie', statLine(9, 'airflow', 'Z', 9, 9, 1), { state: 'Z' }],
    ['a truncated line', '12 (x) S 1 12', undefined],
    ['no command name', '12 S 1 12 12', undefined],
    ['garbage', '', undefined],
  ];
  for (const [name, text, want] of cases) {
    it(`reads ${name}`, () => {
      const got = parseProcStat(text);
      if (want === undefined) assert.equal(got, undefined);
      else assert.deepEqual({ ...got, ...want }, got);
    });
  }
  it('reads the real stat of this process, started before now', async () => {
    const { readFileSync } = await import('node:fs');
    const got = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
    assert.ok(got && got.startTicks > 0);
  });
});

describe('process identity verdicts', () => {
  const recorded: ProcessIdentity = { pid: 4242, bootId: BOOT, startTicks: 52148 };
  const running = (start: number, boot = BOOT, state = 'S'): ProcessObservation => ({
    kind: 'running',
    bootId: boot,
    stat: { pid: 4242, state, pgrp: 4242, session: 4242, startTicks: start },
  });
  const cases: [string, ProcessIdentity | undefined, ProcessObservation, Verdict['kind'], RegExp?][] = [
    ['same boot, same start time', recorded, running(52148), 'ours'],
    ['the pid reused by a later process', recorded, running(90001), 'foreign', /reused.*90001.*52148/],
    ['a pid recorded before a reboot', recorded, running(52148, OTHER_BOOT), 'foreign', /reboot/],
    ['no recorded identity (older state file)', undefined, running(52148), 'unverifiable', /older airflow-aws/],
    ['no /proc on this platform', recorded, { kind: 'unsupported', why: 'no /proc here' }, 'unverifiable', /no \/proc/],
    ['a process that is gone', recorded, { kind: 'gone' }, 'gone'],
    ['a zombie of ours (its pid is still held until it is reaped)', recorded, running(52148, BOOT, 'Z'), 'ours'],
    ['a record for another pid', { ...recorded, pid: 1 }, running(52148), 'foreign'],
  ];
  for (const [name, rec, seen, kind, why] of cases) {
    it(`judges ${name} as ${kind}`, () => {
      const v = judgeProcess(rec, 4242, seen);
      assert.equal(v.kind, kind);
      if (why) assert.match((v as { why: string }).why, why);
    });
  }
});

describe('process group verdicts', () => {
  const recorded: ProcessIdentity = { pid: 500, bootId: BOOT, startTicks: 1000 };
  const member = (pid: number, start: number, session = 500, state = 'S'): ProcStat => ({ pid, state, pgrp: 500, session, startTicks: start });
  const leader = (start: number): ProcessObservation => ({ kind: 'running', bootId: BOOT, stat: member(500, start) });
  const gone: ProcessObservation = { kind: 'gone' };
  const cases: [string, ProcessObservation, ProcStat[], string | undefined, Verdict['kind']][] = [
    ['a live leader with our identity', leader(1000), [], BOOT, 'ours'],
    ['a live leader started at another time', leader(2000), [], BOOT, 'foreign'],
    ['a gone leader whose task processes it spawned remain', gone, [member(501, 1200), member(502, 1500)], BOOT, 'ours'],
    ['a gone leader and no members left', gone, [], BOOT, 'gone'],
    ['a zombie leader of ours', { kind: 'running', bootId: BOOT, stat: member(500, 1000, 500, 'Z') }, [], BOOT, 'ours'],
    ['a group in another session (a shell job that got the pgid)', gone, [member(501, 1200, 77)], BOOT, 'foreign'],
    ['a member older than our leader', gone, [member(501, 900)], BOOT, 'foreign'],
    ['members on a later boot', gone, [member(501, 1200)], OTHER_BOOT, 'foreign'],
    ['no /proc', { kind: 'unsupported', why: 'no /proc here' }, [], undefined, 'unverifiable'],
  ];
  for (const [name, seenLeader, members, boot, kind] of cases) {
    it(`judges ${name} as ${kind}`, () => {
      assert.equal(judgeGroup(recorded, 500, { leader: seenLeader, members }, boot).kind, kind);
    });
  }
  it('never accepts a group without a recorded identity', () => {
    assert.equal(judgeGroup(undefined, 500, { leader: leader(1000), members: [] }, BOOT).kind, 'unverifiable');
    assert.equal(judgeGroup(undefined, 500, { leader: gone, members: [member(501, 1200)] }, BOOT).kind, 'unverifiable');
  });
});

describe('recorded identities in the state file', () => {
  const base = { version: 1, mode: 'native', airflowMajor: 3, apiPort: 8080, startedAt: 'x', supervisorPid: 10, groups: [11] };
  it('finds the identity recorded for a pid', () => {
    const st = checkState({ ...base, identities: [{ pid: 11, bootId: BOOT, startTicks: 5 }] })!;
    assert.deepEqual(recordedIdentity(st, 11), { pid: 11, bootId: BOOT, startTicks: 5 });
    assert.equal(recordedIdentity(st, 10), undefined);
  });
  it('drops malformed identities, so their pids count as unverifiable rather than trusted', () => {
    const st = checkState({ ...base, identities: [{ pid: 11, bootId: BOOT, startTicks: '5' }, { pid: 10 }, null] })!;
    assert.deepEqual(st.identities, []);
  });
  it('reads an old-format state (bare pids) with no identities at all', () => {
    assert.equal(checkState(base)!.identities, undefined);
  });
});
