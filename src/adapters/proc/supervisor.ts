/**
 * Supervises long-running native processes (PostgreSQL, the Airflow components) for `airflow-aws dev up --native`.
 *
 * - Each component runs in its own process group (`detached`), so a stop or a crash clean-up reaches everything
 *   it spawned (API workers, task processes) and a Ctrl-C in the terminal reaches only the supervisor, which then
 *   stops the components in reverse start order: Airflow first, PostgreSQL last.
 * - A component that exits unexpectedly is restarted with back-off (see `restartDelayMs`), after its database gate
 *   passes again; every start, exit and restart is written to its log file so `dev logs` tells the story.
 * - Output goes to `<logsDir>/<component>.log` (appended); the supervisor's own lines start with an ISO-8601 UTC
 *   timestamp and name absolute paths, so they read the same from any directory and line up with other logs.
 * - On stop: the stop signal to each group, then SIGKILL to whatever is left after `stopTimeoutMs`; groups left
 *   behind by crashed components are killed too, so nothing outlives `dev down` or Ctrl-C.
 * - Each group leader's identity (boot id + start time) is recorded at spawn and handed to `onChange` for the
 *   state file; a group whose leader has been reaped is signalled only while it still proves to be ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, appendFileSync, closeSync, constants, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { restartDelayMs, STABLE_AFTER_MS, type DevComponent, type ProcessSpec } from '../../dev/plan.js';
import type { ProcessIdentity, Verdict } from '../../dev/process-identity.js';
import { pause } from './pause.js';
import { identify, verifyGroup } from './process-identity.js';

export interface SupervisedState {
  readonly name: DevComponent;
  readonly pid: number | undefined;
  readonly restarts: number;
  readonly state: 'waiting' | 'running' | 'backoff' | 'stopped';
}

export interface SupervisorOptions {
  readonly logsDir: string;
  /** Resolves when the metadata database accepts connections; polled before each start of a `needsDatabase` spec. */
  readonly databaseReady: (signal: AbortSignal) => Promise<boolean>;
  /**
   * Called after every start/exit, e.g. to persist pids for `dev down` after a hard kill of the supervisor; with the
   * identity of each group's leader (none where /proc is missing), which `dev down` checks before any signal.
   */
  readonly onChange?: (states: readonly SupervisedState[], groups: readonly number[], identities: readonly ProcessIdentity[]) => void;
  /** Grace period between the stop signal and SIGKILL. @default 30000 */
  readonly stopTimeoutMs?: number;
  /** Interval of the database gate's polling. @default 1000 */
  readonly databasePollMs?: number;
}

interface Slot {
  readonly spec: ProcessSpec;
  child: ChildProcess | undefined;
  /** Settles when the current process has exited and been reaped. */
  exited: Promise<unknown> | undefined;
  pid: number | undefined;
  startedAt: number;
  restarts: number;
  consecutiveCrashes: number;
  state: SupervisedState['state'];
}

export class Supervisor {
  private readonly slots: Slot[];
  private readonly logsDir: string;
  /** Every process group ever started and not yet known to be empty: its component and its leader's identity. */
  private readonly groups = new Map<number, { readonly name: DevComponent; readonly identity: ProcessIdentity | undefined }>();
  private stopping = false;
  private readonly abort = new AbortController();
  private stopped: Promise<void> | undefined;

  constructor(
    specs: readonly ProcessSpec[],
    private readonly opts: SupervisorOptions,
  ) {
    this.logsDir = path.resolve(opts.logsDir);
    mkdirSync(this.logsDir, { recursive: true, mode: 0o700 });
    this.slots = specs.map((spec) => ({
      spec,
      child: undefined,
      exited: undefined,
      pid: undefined,
      startedAt: 0,
      restarts: 0,
      consecutiveCrashes: 0,
      state: 'waiting',
    }));
  }

  logFile(name: DevComponent): string {
    return path.join(this.logsDir, `${name}.log`);
  }

  /** Starts every component (database-gated ones once the gate passes); returns without waiting for them. */
  start(): void {
    for (const slot of this.slots) void this.launch(slot);
  }

  states(): SupervisedState[] {
    return this.slots.map((s) => ({ name: s.spec.name, pid: s.pid, restarts: s.restarts, state: s.state }));
  }

  /** Stops everything; safe to call more than once (later calls wait for the first). */
  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private note(name: DevComponent, message: string): void {
    try {
      appendFileSync(this.logFile(name), supervisorLogLine(new Date(), message));
    } catch {
      // The log is best effort; supervision must not die because a disk is full.
    }
  }

  private changed(): void {
    const identities = [...this.groups.values()].flatMap((g) => (g.identity ? [g.identity] : []));
    this.opts.onChange?.(this.states(), [...this.groups.keys()], identities);
  }

  private async launch(slot: Slot): Promise<void> {
    if (this.stopping) return;
    slot.state = 'waiting';
    if (slot.spec.needsDatabase) {
      let announced = false;
      while (!this.stopping && !(await this.opts.databaseReady(this.abort.signal).catch(() => false))) {
        if (!announced) this.note(slot.spec.name, 'waiting for the metadata database to accept connections');
        announced = true;
        await pause(this.opts.databasePollMs ?? 1000, this.abort.signal);
      }
      if (this.stopping) return;
    }
    const [file, ...args] = slot.spec.argv;
    this.note(slot.spec.name, `starting: ${[executablePath(file!, slot.spec.env['PATH']), ...args].join(' ')}`);
    // Output to a file descriptor, not a pipe: a pipe stays open while any descendant lives, so the exit of a
    // scheduler whose task processes survive it would never be noticed.
    const log = openSync(this.logFile(slot.spec.name), 'a', 0o600);
    // node's spawn rather than execa: supervision needs the bare 'exit' event on an fd-backed child (execa resolves
    // on stream close), and argv stays an array, never a shell string.
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(file!, args, { env: { ...slot.spec.env }, detached: true, stdio: ['ignore', log, log] });
      } catch (e) {
        this.note(slot.spec.name, `cannot start: ${(e as Error).message}`);
        resolve({ code: 127, signal: null });
        return;
      }
      slot.child = child;
      child.once('error', (e) => {
        this.note(slot.spec.name, `cannot start: ${e.message}`);
        resolve({ code: 127, signal: null });
      });
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    closeSync(log);
    slot.exited = exited;
    slot.pid = slot.child?.pid;
    slot.startedAt = Date.now();
    slot.state = 'running';
    if (slot.pid !== undefined) this.groups.set(slot.pid, { name: slot.spec.name, identity: identify(slot.pid) });
    this.changed();
    const result = await exited;
    const pgid = slot.pid;
    slot.child = undefined;
    slot.pid = undefined;
    if (this.stopping) {
      slot.state = 'stopped';
      this.changed();
      return;
    }
    const how = result.signal ? `signal ${result.signal}` : `exit code ${String(result.code)}`;
    const ranMs = Date.now() - slot.startedAt;
    slot.consecutiveCrashes = ranMs >= STABLE_AFTER_MS ? 1 : slot.consecutiveCrashes + 1;
    if (pgid !== undefined) {
      if (slot.spec.onCrash === 'kill-group') {
        this.signalGroup(pgid, 'SIGKILL');
        this.groups.delete(pgid);
      }
    }
    const delay = restartDelayMs(slot.consecutiveCrashes);
    this.note(slot.spec.name, `exited (${how}) after ${Math.round(ranMs / 1000)} s; restarting in ${delay / 1000} s`);
    slot.state = 'backoff';
    slot.restarts++;
    this.changed();
    await pause(delay, this.abort.signal);
    void this.launch(slot);
  }

  private async doStop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    const timeout = this.opts.stopTimeoutMs ?? 30_000;
    // Reverse start order: Airflow components first so they can close DB sessions, PostgreSQL last.
    const airflow = this.slots.filter((s) => s.spec.needsDatabase).reverse();
    const others = this.slots.filter((s) => !s.spec.needsDatabase).reverse();
    for (const batch of [airflow, others]) {
      for (const s of batch) {
        if (s.pid !== undefined) {
          this.note(s.spec.name, `stopping (${s.spec.stopSignal})`);
          this.signalGroup(s.pid, s.spec.stopSignal);
        }
      }
      const pgids = batch.map((s) => s.pid).filter((p): p is number => p !== undefined);
      await waitGroupsGone(pgids, timeout);
      for (const p of pgids) {
        if (groupAlive(p)) this.signalGroup(p, 'SIGKILL');
      }
      // Reaped, not just signalled: a zombie still counts as alive for `kill -0` and for our callers.
      await Promise.race([Promise.all(batch.map((s) => s.exited)), pause(5000)]);
      if (batch === airflow) {
        // Groups kept from crashed schedulers (task processes) must not outlive the environment.
        const lingering = [...this.groups.keys()].filter((g) => !this.slots.some((s) => s.pid === g));
        for (const g of lingering) this.signalGroup(g, 'SIGTERM');
        await waitGroupsGone(lingering, Math.min(timeout, 10_000));
        for (const g of lingering) if (groupAlive(g)) this.signalGroup(g, 'SIGKILL');
      }
    }
    this.groups.clear();
    for (const s of this.slots) s.state = 'stopped';
    this.changed();
  }

  /**
   * Signals a group this supervisor started. While its leader is an unreaped child the pid cannot have been reused;
   * once reaped, the group is signalled only if it still proves to be ours. Without /proc (no identity was
   * recordable) our own bookkeeping is all there is: this process has watched the group since it started it.
   */
  private signalGroup(pgid: number, signal: NodeJS.Signals): void {
    const slot = this.slots.find((s) => s.pid === pgid);
    const unreaped = slot?.child !== undefined && slot.child.exitCode === null && slot.child.signalCode === null;
    const group = this.groups.get(pgid);
    if (unreaped || !group?.identity) {
      killGroup(pgid, signal);
      return;
    }
    const verdict = verifyGroup(group.identity, pgid);
    if (verdict.kind === 'ours') killGroup(pgid, signal);
    else if (verdict.kind !== 'gone') this.note(group.name, `not sending ${signal} to process group ${pgid}: ${verdict.why}`);
  }
}

/** One line the supervisor writes into a component's log: ISO-8601 UTC timestamp first. */
export function supervisorLogLine(now: Date, message: string): string {
  return `${now.toISOString()} [airflow-aws supervisor] ${message}\n`;
}

/**
 * The absolute path of what `spawn` runs for `file`: as given when absolute, resolved against the working
 * directory when relative, looked up on the child's PATH when a bare name (as spawn does); the bare name if not found.
 */
export function executablePath(file: string, searchPath: string | undefined, cwd = process.cwd()): string {
  if (path.isAbsolute(file)) return file;
  if (file.includes('/')) return path.resolve(cwd, file);
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.resolve(cwd, dir, file);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; next PATH entry.
    }
  }
  return file;
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** Polls until every group is empty or the timeout passes. */
export async function waitGroupsGone(pgids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pgids.every((p) => !groupAlive(p))) return true;
    await pause(200);
  }
  return pgids.every((p) => !groupAlive(p));
}

/** A process group named in a state file, with its leader's recorded identity (none in older state files). */
export interface RecordedGroup {
  readonly pgid: number;
  readonly identity: ProcessIdentity | undefined;
}

/**
 * Stops process groups recorded by a supervisor that is no longer there (stale state, `dev down` after a hard
 * kill): SIGTERM, then SIGKILL to what is left after `timeoutMs`. Each signal goes only to a group that still
 * proves to be ours at that moment; `leftAlone` hears about every live group that does not (never signalled).
 */
export async function stopRecordedGroups(
  groups: readonly RecordedGroup[],
  timeoutMs: number,
  leftAlone: (pgid: number, verdict: Exclude<Verdict, { kind: 'ours' | 'gone' }>) => void,
): Promise<void> {
  const ours = (g: RecordedGroup): boolean => verifyGroup(g.identity, g.pgid).kind === 'ours';
  const targets = groups.filter((g) => {
    const verdict = verifyGroup(g.identity, g.pgid);
    if (verdict.kind === 'foreign' || verdict.kind === 'unverifiable') leftAlone(g.pgid, verdict);
    return verdict.kind === 'ours';
  });
  for (const g of targets) killGroup(g.pgid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (targets.some(ours) && Date.now() < deadline) await pause(200);
  for (const g of targets) if (ours(g)) killGroup(g.pgid, 'SIGKILL');
}
