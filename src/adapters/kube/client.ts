/**
 * A thin, retrying client over @kubernetes/client-node: one place that knows how to load a context, how to
 * retry (409 optimistic-lock conflicts, 429, 5xx, dropped connections; exponential backoff honouring
 * Retry-After) and how to turn failures into UserErrors.
 */
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';
import { UserError } from '../../errors/user-error.js';
import { isApiError, isRetryable, retryAfterMs, toUserError } from './errors.js';

export interface LoadKubeConfigOptions {
  /** Path of a kubeconfig file; default: $KUBECONFIG or ~/.kube/config. */
  readonly kubeconfig?: string | undefined;
  /** Context name; default: the file's current-context. */
  readonly context?: string | undefined;
}

export function loadKubeConfig(o: LoadKubeConfigOptions): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new UserError(`cannot read kubeconfig ${o.kubeconfig ?? '(default: $KUBECONFIG or ~/.kube/config)'}: ${(e as Error).message}`, {
      code: 'KUBECONFIG_INVALID',
      exitCode: 2,
      hint: 'pass --kubeconfig FILE, or write one with `airflow-aws kubeconfig`',
      cause: e,
    });
  }
  if (o.context) {
    if (!kc.getContextObject(o.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new UserError(`kube context "${o.context}" not found in ${o.kubeconfig ?? 'the default kubeconfig'}`, {
        code: 'KUBE_CONTEXT_NOT_FOUND',
        exitCode: 2,
        hint: known.length > 0 ? `known contexts: ${known.join(', ')}` : 'the kubeconfig has no contexts',
      });
    }
    kc.setCurrentContext(o.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new UserError(`kube context "${kc.getCurrentContext() || '(none)'}" has no cluster`, {
      code: 'KUBE_CONTEXT_NOT_FOUND',
      exitCode: 2,
      hint: 'pass --kube-context NAME (see kubectl config get-contexts)',
    });
  }
  return kc;
}

export interface RetryPolicy {
  /** Attempts in total. @default 6 */
  readonly attempts: number;
  /** First backoff; doubles each retry, with jitter. @default 200 */
  readonly baseDelayMs: number;
  /** @default 5000 */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 5000 };

/** Ctrl-C during a deploy: a UserError (exit 130), not an "unexpected error". */
export function interrupted(): UserError {
  return new UserError('interrupted: the deploy stopped part-way; run it again to finish (applies are idempotent)', {
    code: 'INTERRUPTED',
    exitCode: 130,
  });
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interrupted());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(interrupted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * The client library builds a new https.Agent — a new TLS connection — for every request. A deploy makes ~100
 * requests, so keep one keep-alive agent per KubeConfig, built from the same TLS options (CA, client cert, SNI).
 * Credentials are headers, so token refreshes are unaffected.
 */
function reuseConnections(kc: KubeConfig): void {
  const marked = kc as KubeConfig & { __airflowAwsKeepAlive?: boolean };
  if (marked.__airflowAwsKeepAlive) return;
  marked.__airflowAwsKeepAlive = true;
  const original = kc.applySecurityAuthentication.bind(kc);
  let shared: https.Agent | undefined;
  kc.applySecurityAuthentication = async (context) => {
    await original(context);
    const fresh = context.getAgent() as (https.Agent & { options?: https.AgentOptions }) | undefined;
    if (!fresh || !(fresh instanceof https.Agent)) return;
    shared ??= new https.Agent({ ...fresh.options, keepAlive: true, maxSockets: 16 });
    context.setAgent(shared);
    fresh.destroy();
  };
}

export class KubeClient {
  readonly objects: KubernetesObjectApi;
  readonly core: CoreV1Api;
  readonly server: string;
  readonly context: string;

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly signal?: AbortSignal,
  ) {
    reuseConnections(kubeConfig);
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.server = kubeConfig.getCurrentCluster()?.server ?? '(unknown server)';
    this.context = kubeConfig.getCurrentContext();
  }

  /** Run one API call with retries; failures become UserErrors that name `what`. 404 is returned as undefined when `allow404`. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  async call<T>(what: string, fn: () => Promise<T>, allow404: true): Promise<T | undefined>;
  async call<T>(what: string, fn: () => Promise<T>, allow404 = false): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (allow404 && isApiError(e) && e.code === 404) return undefined;
        if (this.signal?.aborted) throw interrupted();
        if (attempt >= this.retry.attempts || !isRetryable(e)) {
          throw toUserError(e, { what, server: this.server, context: this.context });
        }
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        await sleep(retryAfterMs(e) ?? backoff * (0.75 + Math.random() * 0.5), this.signal);
      }
    }
  }

  /**
   * GET a path of the API server that the generated client cannot express, e.g. a service proxy path (its
   * `connect…ProxyWithPath` URL-encodes the slashes of the proxied path). Same credentials and TLS as every other
   * call; no retries (callers use it for probes, where a failure is the answer). Never throws for an HTTP status.
   */
  async getRaw(apiPath: string, timeoutMs: number): Promise<{ readonly status: number; readonly text: string }> {
    const url = new URL(this.server.replace(/\/+$/, '') + apiPath);
    const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' }, timeout: timeoutMs };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const lib = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { ...opts, ...(this.signal ? { signal: this.signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end();
    });
  }

  /** Server-side apply as field manager `manager`. */
  apply<T extends KubernetesObject>(obj: T, manager: string, opts: { force: boolean; dryRun: boolean }): Promise<T> {
    return this.objects.patch(obj, undefined, opts.dryRun ? 'All' : undefined, manager, opts.force, PatchStrategy.ServerSideApply);
  }
}
