/**
 * Supervises long-running native processes (PostgreSQL, the Airflow components) for `airflow-aws dev up --native`.
 *
 * - Each component runs in its own process group (`detached`), so a stop or a crash clean-up reaches everything
 *   it spawned (API workers, task processes) and a Ctrl-C in the terminal reaches only the supervisor, which then
 *   stops the components in reverse start order: Airflow first, PostgreSQL last.
 * - A component that exits unexpectedly is restarted with back-off (see `restartDelayMs`), after its database gate
 *   passes again; every start, exit and restart is written to its log file so `dev logs` tells the story.
 * - Output goes to `<logsDir>/<component>.log` (appended).
 * - On stop: the stop signal to each group, then SIGKILL to whatever is left after `stopTimeoutMs`; groups left
 *   behind by crashed components are killed too, so nothing outlives `dev down` or Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { restartDelayMs, STABLE_AFTER_MS, type DevComponent, type ProcessSpec } from '../../dev/plan.js';
import { pause } from './pause.js';

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
  /** Called after every start/exit, e.g. to persist pids for `dev down` after a hard kill of the supervisor. */
  readonly onChange?: (states: readonly SupervisedState[], groups: readonly number[]) => void;
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
  /** Every process group ever started and not yet known to be empty. */
  private readonly groups = new Set<number>();
  private stopping = false;
  private readonly abort = new AbortController();
  private stopped: Promise<void> | undefined;

  constructor(
    specs: readonly ProcessSpec[],
    private readonly opts: SupervisorOptions,
  ) {
    mkdirSync(opts.logsDir, { recursive: true, mode: 0o700 });
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
    return path.join(this.opts.logsDir, `${name}.log`);
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
      appendFileSync(this.logFile(name), `[airflow-aws ${new Date().toISOString()}] ${message}\n`);
    } catch {
      // The log is best effort; supervision must not die because a disk is full.
    }
  }

  private changed(): void {
    this.opts.onChange?.(this.states(), [...this.groups]);
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
    this.note(slot.spec.name, `starting: ${slot.spec.argv.join(' ')}`);
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
    if (slot.pid !== undefined) this.groups.add(slot.pid);
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
        killGroup(pgid, 'SIGKILL');
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
          killGroup(s.pid, s.spec.stopSignal);
        }
      }
      const pgids = batch.map((s) => s.pid).filter((p): p is number => p !== undefined);
      await waitGroupsGone(pgids, timeout);
      for (const p of pgids) {
        if (groupAlive(p)) killGroup(p, 'SIGKILL');
      }
      // Reaped, not just signalled: a zombie still counts as alive for `kill -0` and for our callers.
      await Promise.race([Promise.all(batch.map((s) => s.exited)), pause(5000)]);
      if (batch === airflow) {
        // Groups kept from crashed schedulers (task processes) must not outlive the environment.
        const lingering = [...this.groups].filter((g) => !this.slots.some((s) => s.pid === g));
        for (const g of lingering) killGroup(g, 'SIGTERM');
        await waitGroupsGone(lingering, Math.min(timeout, 10_000));
        for (const g of lingering) if (groupAlive(g)) killGroup(g, 'SIGKILL');
      }
    }
    this.groups.clear();
    for (const s of this.slots) s.state = 'stopped';
    this.changed();
  }
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

