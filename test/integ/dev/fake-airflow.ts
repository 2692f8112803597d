/**
 * A tiny stand-in for Airflow 3's REST API on 127.0.0.1 (port 0): bearer login, and the paging contract of its
 * collection endpoints — `limit` silently capped at `maximum_page_limit`, `offset`, `total_entries` — which is what
 * the client must get right. Data is plain objects the test mutates; `override` injects odd answers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeDag {
  dag_id: string;
  fileloc: string;
  is_paused: boolean;
  last_parsed_time?: string | null;
  [extra: string]: unknown;
}

export interface FakeAirflowData {
  dags: FakeDag[];
  importErrors: { filename: string; stack_trace: string; timestamp?: string; [extra: string]: unknown }[];
  /** Runs by DAG id, oldest first. */
  runs: Record<string, { dag_run_id: string; dag_id: string; state: string }[]>;
  /** Task instances by run id. */
  taskInstances: Record<string, Record<string, unknown>[]>;
  /** State a triggered run reports from then on. @default 'success' */
  triggeredRunState?: string;
}

export interface FakeAirflow {
  readonly url: string;
  readonly port: number;
  readonly data: FakeAirflowData;
  /** `METHOD /path?query` of every request, in order. */
  readonly requests: string[];
  override: ((method: string, url: URL) => { status: number; body: unknown } | undefined) | undefined;
  close(): Promise<void>;
}

export const FAKE_TOKEN = 'fake-jwt';

export async function startFakeAirflow(data: FakeAirflowData, opts: { maxPageLimit: number; password?: string }): Promise<FakeAirflow> {
  const requests: string[] = [];
  const fake: FakeAirflow = {
    url: '',
    port: 0,
    data,
    requests,
    override: undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => send(res, 500, { detail: String(e) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    requests.push(`${method} ${url.pathname}${url.search}`);
    const body = await readBody(req);
    const forced = fake.override?.(method, url);
    if (forced) return send(res, forced.status, forced.body);
    if (method === 'POST' && url.pathname === '/auth/token') {
      const creds = JSON.parse(body || '{}') as { password?: string };
      if (opts.password !== undefined && creds.password !== opts.password) return send(res, 401, { detail: 'bad credentials' });
      return send(res, 201, { access_token: FAKE_TOKEN, token_type: 'bearer' });
    }
    if (url.pathname === '/api/v2/monitor/health') {
      return send(res, 200, { metadatabase: { status: 'healthy' }, scheduler: { status: 'healthy' }, triggerer: { status: 'healthy' }, dag_processor: { status: 'healthy' } });
    }
    if (req.headers.authorization !== `Bearer ${FAKE_TOKEN}`) return send(res, 401, { detail: 'Not authenticated' });

    const page = (key: string, items: readonly unknown[]) => {
      const limit = Math.min(Number(url.searchParams.get('limit') ?? '50'), opts.maxPageLimit);
      const offset = Number(url.searchParams.get('offset') ?? '0');
      send(res, 200, { [key]: items.slice(offset, offset + limit), total_entries: items.length });
    };
    const parts = url.pathname.split('/').slice(3).map(decodeURIComponent); // after /api/v2
    if (parts[0] === 'importErrors' && parts.length === 1) return page('import_errors', data.importErrors);
    if (parts[0] !== 'dags') return send(res, 404, { detail: 'Not Found' });
    if (parts.length === 1) return page('dags', data.dags);
    const dag = data.dags.find((d) => d.dag_id === parts[1]);
    if (!dag) return send(res, 404, { detail: `The Dag with ID: \`${parts[1]}\` was not found` });
    if (parts.length === 2) {
      if (method === 'PATCH') dag.is_paused = (JSON.parse(body) as { is_paused: boolean }).is_paused;
      return send(res, 200, dag);
    }
    const runs = (data.runs[dag.dag_id] ??= []);
    if (parts[2] === 'dagRuns' && parts.length === 3) {
      if (method === 'POST') {
        const run = { dag_run_id: `manual__${runs.length + 1}`, dag_id: dag.dag_id, state: 'queued' };
        runs.push(run);
        send(res, 200, run);
        run.state = data.triggeredRunState ?? 'success';
        return;
      }
      return page('dag_runs', runs);
    }
    const run = runs.find((r) => r.dag_run_id === parts[3]);
    if (!run) return send(res, 404, { detail: 'run not found' });
    if (parts.length === 4) return send(res, 200, run);
    if (parts[4] === 'taskInstances' && parts.length === 5) return page('task_instances', data.taskInstances[run.dag_run_id] ?? []);
    return send(res, 404, { detail: 'Not Found' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(fake, { port, url: `http://127.0.0.1:${port}` });
  return fake;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString()));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

/** `n` task instances of one task, mapped (map_index 0..n-1), all in `state`. */
export function mappedTis(taskId: string, n: number, state = 'success'): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    task_id: taskId,
    map_index: i,
    state,
    try_number: 1,
    start_date: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
    end_date: null,
    operator: 'PythonOperator',
  }));
}
