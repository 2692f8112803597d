/**
 * The parts of Airflow's REST API that `dev run-dag`, `dev status` and the tests use, as schemas, plus the pure logic
 * on top of them (when a run is over, which task failed, how a log reads). Airflow 3 serves `/api/v2` with a JWT
 * from `POST /auth/token`; Airflow 2 serves `/api/v1` with basic auth. Field names are shared where we read them.
 * @see https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html
 */
import { z } from 'zod';

/*
 * Schemas of the responses we read. Loose objects: Airflow adds fields between releases and `--json` output passes
 * them on; only the fields we use are checked, strictly. A response that does not match is reported by the client
 * as an AirflowApiError naming the endpoint and the field (see shapeProblems), never a crash further down.
 */

export const RUN_STATES = ['queued', 'running', 'success', 'failed'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** `null` and absent mean the same to us; absent keeps the types simple. */
const optional = <T extends z.ZodType>(s: T) => s.nullish().transform((v) => v ?? undefined);

export const dagRunSchema = z.looseObject({
  dag_run_id: z.string(),
  dag_id: z.string(),
  state: z.enum(RUN_STATES),
});
export type DagRun = z.infer<typeof dagRunSchema>;

export const taskInstanceSchema = z.looseObject({
  task_id: z.string(),
  state: z.string().nullable(),
  try_number: z.number().int(),
  map_index: z.number().int(),
  /** When the scheduler handed it to the executor; `start_date` - this is the executor's start latency. */
  queued_when: z.string().nullish(),
  start_date: z.string().nullish(),
  end_date: z.string().nullish(),
});
export type TaskInstance = z.infer<typeof taskInstanceSchema>;

export const dagSchema = z.looseObject({
  dag_id: z.string(),
  // Airflow 2 declares it nullable; null reads as "not paused" (nothing to undo).
  is_paused: z.boolean().nullable(),
  fileloc: z.string(),
  /** Airflow 3: the file relative to its bundle. */
  relative_fileloc: optional(z.string()),
  last_parsed_time: optional(z.string()),
});
export type Dag = z.infer<typeof dagSchema>;

export const importErrorSchema = z.looseObject({
  filename: z.string(),
  stack_trace: z.string(),
  timestamp: optional(z.string()),
});
export type ImportError = z.infer<typeof importErrorSchema>;

const componentHealth = optional(z.looseObject({ status: z.string().nullable() }));
export const healthSchema = z.looseObject({
  metadatabase: componentHealth,
  scheduler: componentHealth,
  triggerer: componentHealth,
  dag_processor: componentHealth,
});
export type Health = z.infer<typeof healthSchema>;

export const loginSchema = z.looseObject({ access_token: z.string().min(1) });

/** Airflow 3: structured entries (or strings); Airflow 2: one string. */
export const taskLogSchema = z.looseObject({ content: z.union([z.string(), z.array(z.unknown())]) });

/** One page of a collection endpoint (`?limit=&offset=`): the items under `key` and `total_entries`. */
export function pageSchema<T>(key: string, item: z.ZodType<T>): z.ZodType<{ items: T[]; total: number }> {
  return z
    .looseObject({ [key]: z.array(item), total_entries: z.number().int().nonnegative() })
    .transform((p) => ({ items: p[key] as T[], total: p['total_entries'] as number }));
}

export type ShapeCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * `value` read through `schema`, or why it does not match, one line per problem (at most five), e.g.
 * `dag_runs[0].state: Invalid option: expected one of "queued"|... , got "paused"`. `showValues` adds the value
 * received for scalars; off where a response may carry a secret (a token).
 */
export function checkShape<T>(schema: z.ZodType<T>, value: unknown, showValues = true): ShapeCheck<T> {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return { ok: true, value: r.data };
  const problems = r.error.issues.slice(0, 5).map((i) => {
    const where = i.path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');
    const got = showValues && 'input' in i ? received(i.input) : '';
    return `${where || '(response)'}: ${i.message}${got}`;
  });
  return { ok: false, problems };
}

function received(v: unknown): string {
  if (v === undefined) return ' (missing)';
  if (v === null || typeof v !== 'object') {
    const s = JSON.stringify(v);
    return `, got ${s.length > 60 ? `${s.slice(0, 60)}…` : s}`;
  }
  return Array.isArray(v) ? ', got an array' : ', got an object';
}

/** Healthy = the API answers and reports the database, scheduler and (Airflow 3) DAG processor healthy. */
export function isHealthy(h: Health | undefined, major: 2 | 3): boolean {
  if (!h) return false;
  const ok = (s: { status: string | null } | undefined) => s?.status === 'healthy';
  if (!ok(h.metadatabase)) return false;
  if (!ok(h.scheduler)) return false;
  return major === 2 || ok(h.dag_processor);
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
