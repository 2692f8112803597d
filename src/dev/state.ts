/** The state file of a local environment (`.airflow-aws/dev/state.json`): what `status`, `logs` and `down` read. */
import type { DevComponent } from './plan.js';

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
}

export function checkState(value: unknown): DevState | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Partial<DevState>;
  if (v.version !== 1 || (v.mode !== 'native' && v.mode !== 'docker') || typeof v.apiPort !== 'number') return undefined;
  return v as DevState;
}

export function apiBaseUrl(state: Pick<DevState, 'apiPort'>): string {
  return `http://127.0.0.1:${state.apiPort}`;
}
