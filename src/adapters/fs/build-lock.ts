/**
 * The cross-process lock of `dev/build-lock.ts` on the file system. Taking it is one atomic step: the owner record
 * is written whole to a file of our own, then hard-linked to the lock's name — link(2) fails with EEXIST when the
 * name exists, and a lock file is never seen half-written (which `open(..., 'wx')` followed by a write would allow,
 * and a reader would then have to guess about). A stale lock is moved aside before it is deleted, and deleted only
 * if what was moved is the very record judged stale: two waiters that both saw the same dead owner cannot delete
 * each other's fresh lock. What remains: if a third process takes the name in the instant between such a move and
 * putting the lock back, two processes hold it; that needs three processes to race on one stale lock.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { judgeLock, parseLockOwner, renderLockOwner, type LockWait } from '../../dev/build-lock.js';
import { UserError } from '../../errors/user-error.js';
import { identify, observeProcess } from '../proc/process-identity.js';

export interface BuildLockOptions {
  /** What is built under the lock, e.g. "the virtualenv /x/y": for the wait message and the cancellation error. */
  readonly building: string;
  readonly signal?: AbortSignal;
  /** Called once, when another live airflow-aws holds the lock and this one starts waiting. */
  readonly onWait?: (wait: LockWait) => void;
  /** How often a waiter looks again. @default 500 */
  readonly pollMs?: number;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** Creates the lock holding `record`; false when it exists. */
async function tryCreate(lockFile: string, record: string, token: string): Promise<boolean> {
  const mine = `${lockFile}.${token}.tmp`;
  await writeFile(mine, record, { flag: 'wx' });
  try {
    await link(mine, lockFile);
    return true;
  } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    throw e;
  } finally {
    await rm(mine, { force: true });
  }
}

/** Deletes the lock if it still holds `staleRecord`; a newer lock moved aside by mistake is put back. */
async function takeOver(lockFile: string, staleRecord: string, token: string): Promise<void> {
  const aside = `${lockFile}.${token}.stale`;
  try {
    await rename(lockFile, aside);
  } catch (e) {
    if (errno(e) === 'ENOENT') return; // released or taken over by someone else meanwhile
    throw e;
  }
  try {
    if ((await readIfExists(aside)) === staleRecord) return;
    try {
      await link(aside, lockFile);
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw e;
    }
  } finally {
    await rm(aside, { force: true });
  }
}

/** Removes the lock only while it is still ours. */
async function release(lockFile: string, record: string): Promise<void> {
  if ((await readIfExists(lockFile)) === record) await rm(lockFile, { force: true });
}

function cancelled(building: string): UserError {
  return new UserError(`waiting for another airflow-aws to finish building ${building} was cancelled`, { code: 'CANCELLED', exitCode: 130 });
}

/**
 * Runs `build` while holding `lockFile`, waiting as long as another live process holds it. The lock is released
 * when `build` settles, whether it succeeded or threw; a process killed outright leaves a lock that the next one
 * finds stale. Whoever waited must look again whether the build is still needed: the lock says nothing about it.
 * The lock file's directory must exist.
 */
export async function withBuildLock<T>(lockFile: string, opts: BuildLockOptions, build: () => Promise<T>): Promise<T> {
  const token = `${process.pid}-${randomBytes(8).toString('hex')}`;
  const record = renderLockOwner({ pid: process.pid, identity: identify(process.pid), token, since: new Date().toISOString() });
  let told = false;
  for (;;) {
    if (opts.signal?.aborted) throw cancelled(opts.building);
    if (await tryCreate(lockFile, record, token)) break;
    const seen = await readIfExists(lockFile);
    if (seen === undefined) continue; // released between our attempt and the read
    const owner = parseLockOwner(seen);
    const verdict = judgeLock(owner, owner ? observeProcess(owner.pid) : { kind: 'gone' });
    if (verdict.kind === 'stale') {
      await takeOver(lockFile, seen, token);
      continue;
    }
    if (!told) {
      told = true;
      opts.onWait?.({ building: opts.building, lockFile, ownerPid: verdict.owner.pid, ...(verdict.unverified ? { unverified: verdict.unverified } : {}) });
    }
    try {
      await delay(opts.pollMs ?? 500, undefined, opts.signal ? { signal: opts.signal } : {});
    } catch (e) {
      if (opts.signal?.aborted) throw cancelled(opts.building);
      throw e;
    }
  }
  try {
    return await build();
  } finally {
    await release(lockFile, record);
  }
}
