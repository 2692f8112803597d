/**
 * Reads process identities from /proc (Linux) and checks them before anything is signalled: see
 * `dev/process-identity.ts` for why a bare pid is not enough. Where there is no /proc (macOS, BSD) nothing can be
 * verified, and callers refuse to signal what they cannot verify.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import {
  judgeGroup,
  judgeProcess,
  parseProcStat,
  type GroupObservation,
  type ProcessIdentity,
  type ProcessObservation,
  type ProcStat,
  type Verdict,
} from '../../dev/process-identity.js';

const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';
const NO_PROC = `cannot verify process identities on ${process.platform} (no /proc): refusing to signal pids from the state file`;

let bootIdCache: string | undefined;

/** The current boot's id, or undefined without /proc. */
export function currentBootId(): string | undefined {
  if (bootIdCache !== undefined) return bootIdCache;
  try {
    bootIdCache = readFileSync(BOOT_ID_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
  return bootIdCache;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function observeProcess(pid: number): ProcessObservation {
  if (!Number.isSafeInteger(pid) || pid <= 0) return { kind: 'gone' };
  const bootId = currentBootId();
  if (bootId === undefined || !existsSync('/proc/self/stat')) return exists(pid) ? { kind: 'unsupported', why: NO_PROC } : { kind: 'gone' };
  const stat = readStat(pid);
  return stat ? { kind: 'running', bootId, stat } : { kind: 'gone' };
}

/** The leader, and the group's members when the leader is gone (a scan of /proc, so only then). */
export function observeGroup(pgid: number): GroupObservation {
  const leader = observeProcess(pgid);
  if (leader.kind !== 'gone' || currentBootId() === undefined) return { leader, members: [] };
  const members: ProcStat[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return { leader, members };
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.pgrp === pgid) members.push(stat);
  }
  return { leader, members };
}

/** The identity to record for a process we just started (or for ourselves); undefined without /proc. */
export function identify(pid: number): ProcessIdentity | undefined {
  const seen = observeProcess(pid);
  return seen.kind === 'running' ? { pid, bootId: seen.bootId, startTicks: seen.stat.startTicks } : undefined;
}

export function verifyProcess(recorded: ProcessIdentity | undefined, pid: number): Verdict {
  return judgeProcess(recorded, pid, observeProcess(pid));
}

export function verifyGroup(recorded: ProcessIdentity | undefined, pgid: number): Verdict {
  return judgeGroup(recorded, pgid, observeGroup(pgid), currentBootId());
}
