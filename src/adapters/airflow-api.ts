/**
 * A small Airflow REST client over fetch (Node 20 has it). Airflow 3: `/api/v2` with a bearer JWT obtained from
 * `POST /auth/token` (both SimpleAuthManager and the FAB auth manager serve it), renewed once on a 401. Airflow 2:
 * `/api/v1` with basic auth (the `basic_auth` API backend). Errors become UserErrors carrying the HTTP status and
 * the start of the body; the password is never part of any message. Every response we read is checked against its
 * schema (src/dev/api-shapes.ts), and collections are read page by page to the end.
 */
import type { z } from 'zod';
import { UserError } from '../errors/user-error.js';
import {
  checkShape,
  dagRunSchema,
  dagSchema,
  healthSchema,
  importErrorSchema,
  loginSchema,
  pageSchema,
  taskInstanceSchema,
  taskLogSchema,
  type Dag,
  type DagRun,
  type Health,
  type ImportError,
  type TaskInstance,
} from '../dev/api-shapes.js';

/**
 * Page size we ask for. Airflow silently caps `limit` at `[api] maximum_page_limit` (default 100), so a single
 * `limit=1000` request returned at most 100 items; pages advance by what came back, not by what was asked.
 */
export const PAGE_LIMIT = 100;

export interface AirflowApiOptions {
  readonly baseUrl: string;
  readonly major: 2 | 3;
  readonly username: string;
  readonly password: string;
  /** Per-request timeout. @default 30000 */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export class AirflowApiError extends UserError {
  constructor(
    message: string,
    readonly status: number,
    details: readonly string[],
    hint?: string,
  ) {
    super(message, { code: 'AIRFLOW_API_ERROR', details, ...(hint ? { hint } : {}) });
  }
}

export class AirflowApi {
  private token: string | undefined;
  private readonly base: string;

  constructor(private readonly opts: AirflowApiOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  get apiPrefix(): string {
    return this.opts.major === 3 ? '/api/v2' : '/api/v1';
  }

  /** Health without auth; undefined while the server does not answer (or answers with an error status). */
  async health(): Promise<Health | undefined> {
    const p = `${this.apiPrefix}/${this.opts.major === 3 ? 'monitor/health' : 'health'}`;
    let r: RawResponse;
    try {
      r = await this.raw('GET', p, undefined, false);
    } catch {
      return undefined;
    }
    if (!r.ok) return undefined;
    // A server that answers but in another shape is not "starting": say so instead of waiting for ever.
    return decode('GET', p, r, healthSchema);
  }

  /**
   * Airflow 3 builds its execution API (what task processes call) on the first request to it, blocking the
   * api-server's worker meanwhile: minutes on a loaded machine, during which a task's first calls time out and the
   * run fails. One request here moves that wait before "ready". True once it answered (any status).
   */
  async warmExecutionApi(): Promise<boolean> {
    if (this.opts.major !== 3) return true;
    return this.raw('GET', '/execution/health', undefined, false).then(
      () => true,
      () => false,
    );
  }

  async login(): Promise<void> {
    if (this.opts.major !== 3) return;
    const r = await this.raw(
      'POST',
      '/auth/token',
      { username: this.opts.username, password: this.opts.password },
      false,
    );
    if (r.status !== 200 && r.status !== 201) {
      throw new AirflowApiError(`Airflow refused the login of ${this.opts.username} (HTTP ${r.status})`, r.status, [snippet(r.body)]);
    }
    this.token = decode('POST', '/auth/token', r, loginSchema, false).access_token;
  }

  /** The DAG, or undefined when Airflow does not know it (yet). */
  async getDag(dagId: string): Promise<Dag | undefined> {
    return this.call('GET', `${this.apiPrefix}/dags/${enc(dagId)}`, dagSchema, undefined, [404]);
  }

  /** Every DAG Airflow knows (not stale), with the file it came from. */
  async listDags(): Promise<Dag[]> {
    return this.paged(`${this.apiPrefix}/dags`, 'dags', dagSchema, (d) => d.dag_id);
  }

  async listDagIds(): Promise<string[]> {
    return (await this.listDags()).map((d) => d.dag_id);
  }

  async setPaused(dagId: string, paused: boolean): Promise<void> {
    await this.call('PATCH', `${this.apiPrefix}/dags/${enc(dagId)}?update_mask=is_paused`, dagSchema, { is_paused: paused });
  }

  async triggerRun(dagId: string, conf: Record<string, unknown>): Promise<DagRun> {
    // Airflow 3 requires logical_date to be present; null means "no logical date" (a manual run).
    const body = this.opts.major === 3 ? { logical_date: null, conf } : { conf };
    return this.call('POST', `${this.apiPrefix}/dags/${enc(dagId)}/dagRuns`, dagRunSchema, body);
  }

  async getRun(dagId: string, runId: string): Promise<DagRun> {
    return this.call('GET', `${this.apiPrefix}/dags/${enc(dagId)}/dagRuns/${enc(runId)}`, dagRunSchema);
  }

  /** Every run of the DAG. */
  async listRuns(dagId: string): Promise<DagRun[]> {
    return this.paged(`${this.apiPrefix}/dags/${enc(dagId)}/dagRuns`, 'dag_runs', dagRunSchema, (r) => r.dag_run_id);
  }

  /** Every task instance of the run, mapped ones included (a mapped task alone can exceed one page). */
  async taskInstances(dagId: string, runId: string): Promise<TaskInstance[]> {
    return this.paged(
      `${this.apiPrefix}/dags/${enc(dagId)}/dagRuns/${enc(runId)}/taskInstances`,
      'task_instances',
      taskInstanceSchema,
      (t) => `${t.task_id}\u0000${t.map_index}`,
    );
  }

  /** Full log of one try; `content` is structured on Airflow 3 (see formatLogContent). */
  async taskLog(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): Promise<unknown> {
    const q = new URLSearchParams({ full_content: 'true' });
    if (mapIndex >= 0) q.set('map_index', String(mapIndex));
    const p = `${this.apiPrefix}/dags/${enc(dagId)}/dagRuns/${enc(runId)}/taskInstances/${enc(taskId)}/logs/${tryNumber}?${q.toString()}`;
    return (await this.call('GET', p, taskLogSchema)).content;
  }

  async importErrors(): Promise<ImportError[]> {
    return this.paged(`${this.apiPrefix}/importErrors`, 'import_errors', importErrorSchema, (e) =>
      typeof e['import_error_id'] === 'number' ? `#${e['import_error_id']}` : e.filename,
    );
  }

  /**
   * Reads a collection to its end: `limit`/`offset` pages until a page comes back empty or `total_entries` is
   * reached. Items that moved between pages while we read (a new run shifts the order) are kept once, by `key`.
   */
  private async paged<T>(p: string, key: string, item: z.ZodType<T>, id: (t: T) => string): Promise<T[]> {
    const schema = pageSchema(key, item);
    const out = new Map<string, T>();
    for (let offset = 0; ; ) {
      const page = await this.call('GET', `${p}${p.includes('?') ? '&' : '?'}limit=${PAGE_LIMIT}&offset=${offset}`, schema);
      for (const t of page.items) if (!out.has(id(t))) out.set(id(t), t);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) return [...out.values()];
    }
  }

  /** One authenticated call; undefined when the status is in `allow` (e.g. 404 for "not there"). */
  private async call<T>(method: string, p: string, schema: z.ZodType<T>, body?: unknown): Promise<T>;
  private async call<T>(method: string, p: string, schema: z.ZodType<T>, body: unknown, allow: readonly number[]): Promise<T | undefined>;
  private async call<T>(method: string, p: string, schema: z.ZodType<T>, body?: unknown, allow: readonly number[] = []): Promise<T | undefined> {
    let r = await this.raw(method, p, body, true);
    if (r.status === 401 && this.opts.major === 3) {
      // Expired or never obtained: log in once and retry.
      await this.login();
      r = await this.raw(method, p, body, true);
    }
    if (allow.includes(r.status)) return undefined;
    if (!r.ok) {
      throw new AirflowApiError(`Airflow API ${method} ${p.split('?')[0]} failed (HTTP ${r.status})`, r.status, [snippet(r.body)]);
    }
    return decode(method, p, r, schema);
  }

  /**
   * One request, body read completely under the timeout. The timeout is our own (ref'd) timer rather than
   * AbortSignal.timeout (unref'd): a connection reset by a proxy that has no backend yet (Docker's port publisher
   * during start-up) can leave fetch pending with nothing else keeping the process alive.
   */
  private async raw(method: string, p: string, body: unknown, auth: boolean): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth) {
      if (this.opts.major === 3) {
        if (!this.token) await this.login();
        headers['authorization'] = `Bearer ${this.token}`;
      } else {
        headers['authorization'] = `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password}`).toString('base64')}`;
      }
    }
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error(`no answer from Airflow within ${this.opts.timeoutMs ?? 30_000} ms`)), this.opts.timeoutMs ?? 30_000);
    const signal = this.opts.signal ? AbortSignal.any([timeout.signal, this.opts.signal]) : timeout.signal;
    try {
      const r = await fetch(`${this.base}${p}`, { method, headers, signal, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      return { status: r.status, ok: r.ok, body: await r.text() };
    } finally {
      clearTimeout(timer);
    }
  }
}

interface RawResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly body: string;
}

/** The body as JSON checked against `schema`, or an AirflowApiError naming the endpoint and what did not match. */
function decode<T>(method: string, p: string, r: RawResponse, schema: z.ZodType<T>, showValues = true): T {
  const endpoint = `${method} ${p.split('?')[0]}`;
  let value: unknown;
  try {
    value = JSON.parse(r.body);
  } catch {
    throw new AirflowApiError(`Airflow API ${endpoint} did not answer JSON (HTTP ${r.status})`, r.status, [snippet(r.body)]);
  }
  const checked = checkShape(schema, value, showValues);
  if (checked.ok) return checked.value;
  throw new AirflowApiError(
    `Airflow API ${endpoint} answered in an unexpected shape`,
    r.status,
    checked.problems,
    'is this an Airflow version airflow-aws supports? `airflow-aws dev status` shows what answers; report the lines above if it is',
  );
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function snippet(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
