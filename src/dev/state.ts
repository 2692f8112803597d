/** The state file of a local environment (`.airflow-aws/dev/state.json`): what `status`, `logs` and `down` read. */
import type { DevComponent } from './plan.js';
import type { ProcessIdentity } from './process-identity.js';

export interface DevState {
  readonly version: 1;
  readonly mode: 'native' | 'docker';
  readonly airflowMajor: 2 | 3;
  /** Loopback port of the UI/API. */
  readonly apiPort: number;
  /** Native: loopback port of PostgreSQL (kept across restarts so the data dir's clients agree). */
  readonly postgresPort?: number;
  /** Native: pid of the supervising `airflow-aws dev up` process. */
  readonly supervisorPid?: number;
  readonly startedAt: string;
  /** Native: process groups to kill if the supervisor died without cleaning up. */
  readonly groups?: readonly number[];
  readonly components?: readonly { readonly name: DevComponent; readonly pid?: number; readonly restarts: number; readonly state: string }[];
  /** Native: the virtualenv in use; Docker: the image. */
  readonly venv?: string;
  readonly image?: string;
  /** Native: where PostgreSQL's data lives (the state dir, or the cache when root cannot share the project path). */
  readonly postgresDataDir?: string;
  /**
   * Native: who `supervisorPid` and each group leader in `groups` (and so each component's pid) really are, checked
   * before any signal: the bare numbers may name someone else's process after a reboot or a pid wrap-around.
   * Absent in state files of older versions, whose pids are then never signalled.
   */
  readonly identities?: readonly ProcessIdentity[];
}

export function checkState(value: unknown): DevState | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Partial<DevState>;
  if (v.version !== 1 || (v.mode !== 'native' && v.mode !== 'docker') || typeof v.apiPort !== 'number') return undefined;
  // A malformed identity counts as none: its pid is then left alone rather than trusted.
  const identities = Array.isArray(v.identities) ? v.identities.filter(isIdentity) : undefined;
  return { ...v, ...(identities ? { identities } : {}) } as DevState;
}

function isIdentity(x: unknown): x is ProcessIdentity {
  const i = x as Partial<ProcessIdentity> | null;
  return !!i && Number.isSafeInteger(i.pid) && typeof i.bootId === 'string' && Number.isSafeInteger(i.startTicks);
}

/** The recorded identity of a pid named in the state, if any. */
export function recordedIdentity(state: Pick<DevState, 'identities'>, pid: number): ProcessIdentity | undefined {
  return state.identities?.find((i) => i.pid === pid);
}

export function apiBaseUrl(state: Pick<DevState, 'apiPort'>): string {
  return `http://127.0.0.1:${state.apiPort}`;
}
