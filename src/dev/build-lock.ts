/**
 * A lock on one build in the machine-wide cache (a virtualenv, the tool virtualenv, a wheelhouse), so that two
 * airflow-aws processes on the same machine — two projects pinning the same lock, two terminals, two test lanes —
 * never delete and build the same directory at once: the second waits for the first, then reuses its result.
 *
 * Node has no flock(2), so the lock is a file that exists while its owner builds, naming the owner's process
 * identity (see `process-identity.ts`: a bare pid could name a stranger after a reboot or a pid wrap-around). A lock
 * whose owner is provably gone is stale and is taken over. Pure: the file system and /proc are read in
 * `adapters/fs/build-lock.ts`.
 */
import { judgeProcess, type ProcessIdentity, type ProcessObservation } from './process-identity.js';

/** What a lock file holds. */
export interface LockOwner {
  readonly pid: number;
  /** Undefined where identities cannot be read (no /proc: macOS, BSD). */
  readonly identity: ProcessIdentity | undefined;
  /** Unique per acquisition: release and takeover remove only the very lock they read, never a newer one. */
  readonly token: string;
  /** When it was taken (ISO 8601), for a person reading the file. */
  readonly since: string;
}

const FORMAT = 1;

export function renderLockOwner(owner: LockOwner): string {
  const { pid, identity, token, since } = owner;
  return `${JSON.stringify({ format: FORMAT, pid, ...(identity ? { bootId: identity.bootId, startTicks: identity.startTicks } : {}), token, since })}\n`;
}

/** The owner named by a lock file's text; undefined for anything airflow-aws does not write. */
export function parseLockOwner(text: string): LockOwner | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const { pid, bootId, startTicks, token, since } = o;
  if (o['format'] !== FORMAT || !Number.isSafeInteger(pid) || (pid as number) <= 0 || typeof token !== 'string' || !token) return undefined;
  const identity =
    typeof bootId === 'string' && bootId && Number.isSafeInteger(startTicks) && (startTicks as number) >= 0
      ? { pid: pid as number, bootId, startTicks: startTicks as number }
      : undefined;
  return { pid: pid as number, identity, token, since: typeof since === 'string' ? since : '' };
}

export type LockVerdict =
  /** Its owner is (or may be) still building: wait. `unverified` says why being alive could not be proven. */
  | { readonly kind: 'held'; readonly owner: LockOwner; readonly unverified?: string }
  /** Nobody is building under it any more: take it over. */
  | { readonly kind: 'stale'; readonly why: string };

/**
 * Held while its owner is provably the recorded process (and not a zombie), or alive but unverifiable (no /proc):
 * waiting is the safe answer there, and the wait message names the file to delete. Stale when the owner is gone or
 * has exited, when its pid now names another process (reboot, pid reuse), or when the file is not one airflow-aws
 * writes: every lock is written whole before it appears (see the adapter), so a half-written one is never seen.
 */
export function judgeLock(owner: LockOwner | undefined, seen: ProcessObservation): LockVerdict {
  if (!owner) return { kind: 'stale', why: 'the lock file is not one airflow-aws writes' };
  const verdict = judgeProcess(owner.identity, owner.pid, seen);
  switch (verdict.kind) {
    case 'ours':
      // A zombie has exited (its parent has not reaped it yet) and builds nothing; its pid cannot be reused meanwhile.
      if (seen.kind === 'running' && seen.stat.state === 'Z') return { kind: 'stale', why: `its owner, pid ${owner.pid}, has exited` };
      return { kind: 'held', owner };
    case 'gone':
      return { kind: 'stale', why: `its owner, pid ${owner.pid}, is gone` };
    case 'foreign':
      return { kind: 'stale', why: `its owner, pid ${owner.pid}, is gone: ${verdict.why}` };
    case 'unverifiable':
      // verdict.why speaks of signalling pids from the state file; say what it means for a lock instead.
      return { kind: 'held', owner, unverified: `pid ${owner.pid} is alive, but it cannot be proven to be the airflow-aws that took the lock` };
  }
}

/** What a caller is told, once, while another process holds the lock. */
export interface LockWait {
  /** What is being built, e.g. "the virtualenv /x/y". */
  readonly building: string;
  readonly lockFile: string;
  readonly ownerPid: number;
  /** Set when the owner's liveness cannot be proven (no /proc): the user may have to delete the lock file. */
  readonly unverified?: string;
}

/** "waiting for another airflow-aws (pid N) to finish building the virtualenv DIR" (+ what to do if unverified). */
export function describeWait(wait: LockWait): string {
  const base = `waiting for another airflow-aws (pid ${wait.ownerPid}) to finish building ${wait.building}`;
  return wait.unverified ? `${base}; ${wait.unverified}: if no airflow-aws is running, delete ${wait.lockFile}` : base;
}

/** Tells the user: a progress step, or a warning when the owner cannot be proven alive (the lock may need deleting). */
export function reportWait(out: { step(message: string): void; warn(message: string): void }, wait: LockWait): void {
  if (wait.unverified) out.warn(describeWait(wait));
  else out.step(describeWait(wait));
}
