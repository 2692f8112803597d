/**
 * A small Airflow REST client over fetch (Node 20 has it). Airflow 3: `/api/v2` with a bearer JWT obtained from
 * `POST /auth/token` (both SimpleAuthManager and the FAB auth manager serve it), renewed once on a 401. Airflow 2:
 * `/api/v1` with basic auth (the `basic_auth` API backend). Errors become UserErrors carrying the HTTP status and
 * the start of the body; the password is never part of any message.
 */
import { UserError } from '../errors/user-error.js';
import type { DagRun, Health, ImportError, TaskInstance } from '../dev/api-shapes.js';

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
  ) {
    super(message, { code: 'AIRFLOW_API_ERROR', details });
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

  /** Health without auth; undefined while the server does not answer. */
  async health(): Promise<Health | undefined> {
    try {
      const r = await this.raw('GET', `${this.apiPrefix}/${this.opts.major === 3 ? 'monitor/health' : 'health'}`, undefined, false);
      if (!r.ok) return undefined;
      return JSON.parse(r.body) as Health;
    } catch {
      return undefined;
    }
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
    const body = JSON.parse(r.body) as { access_token?: string };
    if (!body.access_token) throw new AirflowApiError('Airflow returned no access_token from /auth/token', r.status, []);
    this.token = body.access_token;
  }

  /** The DAG, or undefined when Airflow does not know it (yet). */
  async getDag(dagId: string): Promise<{ dag_id: string; is_paused: boolean; fileloc?: string } | undefined> {
    return this.json('GET', `${this.apiPrefix}/dags/${enc(dagId)}`, undefined, [404]);
  }

  async listDagIds(): Promise<string[]> {
    const ids: string[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = (await this.json('GET', `${this.apiPrefix}/dags?limit=100&offset=${offset}`)) as { dags: { dag_id: string }[]; total_entries: number };
      ids.push(...page.dags.map((d) => d.dag_id));
      if (page.dags.length === 0 || ids.length >= page.total_entries) return ids;
    }
  }

  async setPaused(dagId: string, paused: boolean): Promise<void> {
    await this.json('PATCH', `${this.apiPrefix}/dags/${enc(dagId)}?update_mask=is_paused`, { is_paused: paused });
  }

  async triggerRun(dagId: string, conf: Record<string, unknown>): Promise<DagRun> {
    // Airflow 3 requires logical_date to be present; null means "no logical date" (a manual run).
    const body = this.opts.major === 3 ? { logical_date: null, conf } : { conf };
    return (await this.json('POST', `${this.apiPrefix}/dags/${enc(dagId)}/dagRuns`, body)) as DagRun;
  }

  async getRun(dagId: string, runId: string): Promise<DagRun> {
    return (await this.json('GET', `${this.apiPrefix}/dags/${enc(dagId)}/dagRuns/${enc(runId)}`)) as DagRun;
  }

  async listRuns(dagId: string): Promise<DagRun[]> {
    const r = (await this.json('GET', `${this.apiPrefix}/dags/${enc(dagId)}/dagRuns?limit=100`)) as { dag_runs: DagRun[] };
    return r.dag_runs;
  }

  async taskInstances(dagId: string, runId: string): Promise<TaskInstance[]> {
    const r = (await this.json('GET', `${this.apiPrefix}/dags/${enc(dagId)}/dagRuns/${enc(runId)}/taskInstances?limit=1000`)) as {
      task_instances: TaskInstance[];
    };
    return r.task_instances;
  }

  /** Full log of one try; `content` is structured on Airflow 3 (see formatLogContent). */
  async taskLog(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): Promise<unknown> {
    const q = new URLSearchParams({ full_content: 'true' });
    if (mapIndex >= 0) q.set('map_index', String(mapIndex));
    const r = (await this.json(
      'GET',
      `${this.apiPrefix}/dags/${enc(dagId)}/dagRuns/${enc(runId)}/taskInstances/${enc(taskId)}/logs/${tryNumber}?${q.toString()}`,
    )) as { content: unknown };
    return r.content;
  }

  async importErrors(): Promise<ImportError[]> {
    const r = (await this.json('GET', `${this.apiPrefix}/importErrors?limit=1000`)) as { import_errors: ImportError[] };
    return r.import_errors;
  }

  private async json(method: string, p: string, body?: unknown, allow: readonly number[] = []): Promise<any> {
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
    return JSON.parse(r.body);
  }

  /**
   * One request, body read completely under the timeout. The timeout is our own (ref'd) timer rather than
   * AbortSignal.timeout (unref'd): a connection reset by a proxy that has no backend yet (Docker's port publisher
   * during start-up) can leave fetch pending with nothing else keeping the process alive.
   */
  private async raw(method: string, p: string, body: unknown, auth: boolean): Promise<{ status: number; ok: boolean; body: string }> {
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

function enc(s: string): string {
  return encodeURIComponent(s);
}

function snippet(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
