/**
 * Whether a pid (or a process group) recorded in the state file still names the process airflow-aws started.
 *
 * A bare pid is not an identity: after a reboot, or once the kernel's pid counter wraps around, the same number
 * belongs to someone else's process, and signalling it would kill a stranger. The identity is the boot
 * (`/proc/sys/kernel/random/boot_id`) plus the process's start time (field 22 of `/proc/<pid>/stat`, clock ticks
 * since boot): the pair is unique for the life of the machine. Pure: the observations come from
 * `adapters/proc/process-identity.ts`.
 * @see https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */

export interface ProcessIdentity {
  readonly pid: number;
  /** `/proc/sys/kernel/random/boot_id` when the process was recorded. */
  readonly bootId: string;
  /** Start time after boot, in clock ticks (`/proc/<pid>/stat` field 22). */
  readonly startTicks: number;
}

/** The fields of `/proc/<pid>/stat` we use. */
export interface ProcStat {
  readonly pid: number;
  /** Field 3: R, S, D, Z (zombie), T, ... */
  readonly state: string;
  /** Field 5: process group id. */
  readonly pgrp: number;
  /** Field 6: session id. */
  readonly session: number;
  /** Field 22: start time after boot, in clock ticks. */
  readonly startTicks: number;
}

/**
 * Parses one `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and may itself contain spaces
 * and parentheses, so the fields after it are counted from the LAST `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const state = rest[0];
  const pgrp = Number(rest[5 - 3]);
  const session = Number(rest[6 - 3]);
  const startTicks = Number(rest[22 - 3]);
  if (!state || ![pid, pgrp, session, startTicks].every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  return { pid, state, pgrp, session, startTicks };
}

/** What the system says about a pid right now. */
export type ProcessObservation =
  /**
   * No such process. A zombie is not gone: it still holds its pid (which cannot be reused until it is reaped), and
   * callers waiting for a process to end wait for that, as `kill -0` does.
   */
  | { readonly kind: 'gone' }
  | { readonly kind: 'running'; readonly bootId: string; readonly stat: ProcStat }
  /** Identity cannot be read here (no /proc: macOS, BSD); `why` says so for the user. */
  | { readonly kind: 'unsupported'; readonly why: string };

/** What the system says about a process group: its leader, and (when the leader is gone) its remaining members. */
export interface GroupObservation {
  readonly leader: ProcessObservation;
  /** Processes whose group is the pgid; read only when the leader is gone. */
  readonly members: readonly ProcStat[];
}

export type Verdict =
  /** Still the process (or group) airflow-aws started: safe to signal. */
  | { readonly kind: 'ours' }
  /** Nothing left to signal. */
  | { readonly kind: 'gone' }
  /** Alive, but provably someone else's: never signal it. */
  | { readonly kind: 'foreign'; readonly why: string }
  /** Alive (or maybe), but it cannot be proven ours: never signal it either. */
  | { readonly kind: 'unverifiable'; readonly why: string };

const NO_RECORD = 'the state file records no identity for it (written by an older airflow-aws)';

/** Judges one process: ours only when boot and start time both match what was recorded. */
export function judgeProcess(recorded: ProcessIdentity | undefined, pid: number, seen: ProcessObservation): Verdict {
  if (seen.kind === 'gone') return { kind: 'gone' };
  if (seen.kind === 'unsupported') return { kind: 'unverifiable', why: seen.why };
  if (!recorded) return { kind: 'unverifiable', why: NO_RECORD };
  if (recorded.pid !== pid || seen.stat.pid !== pid) return { kind: 'foreign', why: `the record is for pid ${recorded.pid}` };
  if (recorded.bootId !== seen.bootId) return { kind: 'foreign', why: 'it was recorded before the machine rebooted (boot id differs)' };
  if (recorded.startTicks !== seen.stat.startTicks) {
    return {
      kind: 'foreign',
      why: `the pid was reused: this process started at tick ${seen.stat.startTicks} after boot, ours at tick ${recorded.startTicks}`,
    };
  }
  return { kind: 'ours' };
}

/**
 * Judges a process group by its leader (whose pid is the pgid). A group outlives its leader when the leader
 * exits first (a crashed scheduler leaves its task processes); the kernel does not reuse a pid while it names a
 * live group, so the remaining members are then accepted if they are what our leader could have spawned: in its
 * session (components run in their own session, `setsid`) and started no earlier than it, on the same boot. What
 * this cannot tell apart: our group emptied, the pid counter wrapped round to exactly this number, and the new
 * owner started a session of its own — unlikely enough to accept for leftovers of a crashed scheduler.
 */
export function judgeGroup(recorded: ProcessIdentity | undefined, pgid: number, seen: GroupObservation, bootId: string | undefined): Verdict {
  if (seen.leader.kind !== 'gone') return judgeProcess(recorded, pgid, seen.leader);
  const members = seen.members.filter((m) => m.pgrp === pgid);
  if (members.length === 0) return { kind: 'gone' };
  if (!recorded) return { kind: 'unverifiable', why: NO_RECORD };
  if (bootId === undefined) return { kind: 'unverifiable', why: 'the boot id cannot be read' };
  if (recorded.bootId !== bootId) return { kind: 'foreign', why: 'it was recorded before the machine rebooted (boot id differs)' };
  const stranger = members.find((m) => m.session !== pgid || m.startTicks < recorded.startTicks);
  if (stranger) {
    return { kind: 'foreign', why: `its leader is gone and member pid ${stranger.pid} is not one our leader could have started` };
  }
  return { kind: 'ours' };
}
