/**
 * Maps what @kubernetes/client-node throws to UserErrors that say what was attempted, what the server answered
 * and what to do — and decides which failures are worth retrying.
 */
import { UserError } from '../../errors/user-error.js';

/** The shape of the client's ApiException (checked structurally: no instanceof across module copies). */
export interface ApiErrorLike {
  code: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: { type?: string; message?: string; field?: string }[] };
}

export function isApiError(e: unknown): e is ApiErrorLike {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number' && 'body' in e;
}

export function statusOf(e: unknown): StatusBody {
  if (!isApiError(e)) return {};
  const b = e.body;
  if (typeof b === 'string') {
    try {
      return JSON.parse(b) as StatusBody;
    } catch {
      return { message: b };
    }
  }
  return (b ?? {}) as StatusBody;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET']);

export function networkCode(e: unknown): string | undefined {
  for (let cur: unknown = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    const c = (cur as { code?: unknown; errno?: unknown }).code ?? (cur as { errno?: unknown }).errno;
    if (typeof c === 'string' && (NETWORK_CODES.has(c) || c.startsWith('ERR_TLS') || c.includes('CERT'))) return c;
    if ((cur as { type?: unknown }).type === 'request-timeout') return 'ETIMEDOUT';
  }
  return undefined;
}

/** A server-side apply conflict with another field manager (not a retryable optimistic-lock conflict). */
export function isFieldConflict(e: unknown): boolean {
  if (!isApiError(e) || e.code !== 409) return false;
  const s = statusOf(e);
  return (s.details?.causes ?? []).some((c) => c.type === 'FieldManagerConflict') || /conflict.*with "/i.test(s.message ?? '');
}

export function isRetryable(e: unknown): boolean {
  if (isApiError(e)) {
    if (e.code === 409) return !isFieldConflict(e);
    return e.code === 429 || e.code >= 500;
  }
  const code = networkCode(e);
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT' || code === 'UND_ERR_SOCKET' || code === 'EAI_AGAIN';
}

/** Seconds from a Retry-After header, if any. */
export function retryAfterMs(e: unknown): number | undefined {
  if (!isApiError(e)) return undefined;
  const h = e.headers?.['retry-after'] ?? e.headers?.['Retry-After'];
  const n = h === undefined ? NaN : Number(h);
  return Number.isFinite(n) ? Math.min(n, 30) * 1000 : undefined;
}

export interface CallContext {
  /** What we tried, e.g. `apply Deployment airflow/airflow-scheduler`. */
  readonly what: string;
  /** API server URL and context name, for unreachable/unauthorised messages. */
  readonly server: string;
  readonly context: string;
}

/** Turn anything the client threw into a UserError (or rethrow if it is one already). */
export function toUserError(e: unknown, ctx: CallContext): UserError {
  if (UserError.is(e)) return e;
  const net = networkCode(e);
  if (net) {
    const tls = net.startsWith('ERR_TLS') || net.includes('CERT');
    return new UserError(`cannot reach the Kubernetes API at ${ctx.server} (context "${ctx.context}"): ${net}`, {
      code: tls ? 'KUBE_TLS' : 'KUBE_UNREACHABLE',
      hint: tls
        ? 'the server certificate does not match the kubeconfig CA; check the cluster entry of the context'
        : 'check that the cluster is running and the context points at it (kubectl --context <ctx> cluster-info); on EKS check cluster.endpointAccess and your network',
      details: [`while trying to ${ctx.what}`],
      cause: e,
    });
  }
  if (isApiError(e)) {
    const s = statusOf(e);
    const message = s.message ?? `HTTP ${e.code}`;
    if (e.code === 401) {
      return new UserError(`the Kubernetes API at ${ctx.server} rejected our credentials (401) while trying to ${ctx.what}`, {
        code: 'KUBE_UNAUTHORIZED',
        hint: 'refresh the credentials of the context (on EKS: does your IAM principal have an access entry?)',
        details: [message],
        cause: e,
      });
    }
    if (e.code === 403) {
      const m = /User "([^"]+)" cannot ([\w-]+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)")?/.exec(message);
      const permission = m
        ? `${m[2]} ${m[3]}${m[4] ? `.${m[4]}` : ''}${m[5] ? ` in namespace ${m[5]}` : ' (cluster-wide)'}`
        : undefined;
      return new UserError(
        permission
          ? `permission denied: ${m?.[1]} may not ${permission} (needed to ${ctx.what})`
          : `permission denied while trying to ${ctx.what}`,
        {
          code: 'KUBE_FORBIDDEN',
          hint: permission
            ? `grant the missing permission (RBAC verb "${m?.[2]}" on "${m?.[3]}") to the identity of context "${ctx.context}", or use a context with cluster-admin`
            : `use a context with enough rights (context "${ctx.context}")`,
          details: [message],
          cause: e,
        },
      );
    }
    if (isFieldConflict(e)) {
      const fields = (s.details?.causes ?? []).map((c) => `${c.field ?? '?'}: ${c.message ?? ''}`.trim());
      return new UserError(`another field manager owns fields we set while trying to ${ctx.what}`, {
        code: 'KUBE_FIELD_CONFLICT',
        hint: 'someone changed these fields with another tool (kubectl edit/scale, a controller). Re-run with --force-conflicts to take them back, or remove the other manager\'s change',
        details: fields.length > 0 ? fields : [message],
        cause: e,
      });
    }
    if (e.code === 422 || e.code === 400) {
      return new UserError(`the Kubernetes API rejected an object while trying to ${ctx.what}`, {
        code: 'KUBE_INVALID',
        hint: 'this is likely a bug in airflow-aws or a cluster policy (admission webhook, Pod Security); the server said why above',
        details: [message],
        cause: e,
      });
    }
    return new UserError(`the Kubernetes API answered HTTP ${e.code} while trying to ${ctx.what}`, {
      code: 'KUBE_API_ERROR',
      details: [message],
      cause: e,
    });
  }
  return new UserError(`unexpected failure while trying to ${ctx.what}: ${(e as Error)?.message ?? String(e)}`, {
    code: 'KUBE_API_ERROR',
    cause: e,
  });
}
