/**
 * The parts of Airflow's REST API that `dev run-dag`, `dev status` and the tests use, as types, plus the pure logic
 * on top of them (when a run is over, which task failed, how a log reads). Airflow 3 serves `/api/v2` with a JWT
 * from `POST /auth/token`; Airflow 2 serves `/api/v1` with basic auth. Field names are shared where we read them.
 * @see https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html
 */
export type RunState = 'queued' | 'running' | 'success' | 'failed';

export interface DagRun {
  readonly dag_run_id: string;
  readonly dag_id: string;
  readonly state: RunState;
}

export interface TaskInstance {
  readonly task_id: string;
  readonly state: string | null;
  readonly try_number: number;
  readonly map_index: number;
  readonly start_date?: string | null;
  readonly end_date?: string | null;
}

export interface ImportError {
  readonly filename: string;
  readonly stack_trace: string;
}

export interface Health {
  readonly metadatabase?: { readonly status: string };
  readonly scheduler?: { readonly status: string | null };
  readonly triggerer?: { readonly status: string | null };
  readonly dag_processor?: { readonly status: string | null };
}

export function isTerminalRunState(s: string): s is 'success' | 'failed' {
  return s === 'success' || s === 'failed';
}

/** Task states that mean "this task did not succeed" (upstream_failed is a consequence, not a cause). */
const FAILED_TASK_STATES = new Set(['failed']);

/** Tasks whose own failure failed the run, in execution order. */
export function failedTasks(tis: readonly TaskInstance[]): TaskInstance[] {
  return tis
    .filter((t) => t.state !== null && FAILED_TASK_STATES.has(t.state))
    .sort((a, b) => (String(a.start_date ?? '') < String(b.start_date ?? '') ? -1 : 1));
}

/** One line per task instance, aligned: `extract      success  (try 1)`. */
export function taskTable(tis: readonly TaskInstance[]): string[] {
  const name = (t: TaskInstance) => (t.map_index >= 0 ? `${t.task_id}[${t.map_index}]` : t.task_id);
  const width = Math.max(4, ...tis.map((t) => name(t).length));
  // Started tasks first in start order, then the rest by name (plain code-unit order: stable across locales).
  const key = (t: TaskInstance) => `${t.start_date ? `0${t.start_date}` : '1'}\u0000${name(t)}`;
  return [...tis]
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .map((t) => `${name(t).padEnd(width)}  ${(t.state ?? 'none').padEnd(15)} (try ${t.try_number})`);
}

/** Airflow 3 returns structured log entries; Airflow 2 (and text/plain) a string. Both become plain lines. */
export function formatLogContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return JSON.stringify(content);
  const lines: string[] = [];
  for (const entry of content as unknown[]) {
    if (typeof entry === 'string') {
      lines.push(entry);
      continue;
    }
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    if (Array.isArray(e['sources'])) {
      lines.push(`::group:: log sources: ${(e['sources'] as unknown[]).join(', ')}`);
      continue;
    }
    const head = [e['timestamp'], e['level'] ? String(e['level']).toUpperCase() : undefined, e['logger'] ? `[${String(e['logger'])}]` : undefined]
      .filter((x) => x !== undefined && x !== null && x !== '')
      .join(' ');
    const event = e['event'] === undefined ? '' : String(e['event']);
    lines.push(head ? `${head} ${event}` : event);
    // Exceptions arrive as structured frames; keep them readable.
    const err = e['error_detail'];
    if (Array.isArray(err)) {
      for (const exc of err as Record<string, unknown>[]) {
        for (const f of (exc['frames'] as Record<string, unknown>[] | undefined) ?? []) {
          lines.push(`  File "${String(f['filename'])}", line ${String(f['lineno'])}, in ${String(f['name'])}`);
        }
        lines.push(`${String(exc['exc_type'] ?? '')}: ${String(exc['exc_value'] ?? '')}`);
      }
    }
  }
  return lines.join('\n');
}
