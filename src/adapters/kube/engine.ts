/**
 * The apply engine: takes the ordered phases of a KubeApp (src/k8s/app.ts) and makes the cluster match.
 *
 * - Server-side apply with field manager `airflow-aws`. Objects we own outright (namespace, RBAC, config,
 *   secrets, policies) are applied with force, so drift is corrected; workloads are applied without force, so a
 *   conflicting change by someone else (kubectl scale/edit) stops the deploy with a clear error unless
 *   `forceConflicts` is set.
 * - Phases in order, waiting where the phase says: Jobs complete (a failed Job is reported with its pod's last
 *   log lines), Deployments/StatefulSets rolled out. Timeouts name what was waited for and what it was doing.
 * - Pruning after everything else succeeded: objects carrying our owner labels that are no longer desired are
 *   deleted (never Secrets, never the namespace). Nothing is ever deleted to be re-created.
 * - `plan`: the same applies with `dryRun=All`, diffed against the live objects.
 * Change detection: an apply that changes nothing leaves `resourceVersion` as it was.
 */
import type { KubernetesObject, V1Deployment, V1Job, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { UserError } from '../../errors/user-error.js';
import { FIELD_MANAGER } from '../../k8s/labels.js';
import type { KubeApp, KubeObject, Phase } from '../../k8s/model.js';
import { sleep, type KubeClient } from './client.js';

export type ObjectAction = 'created' | 'configured' | 'unchanged' | 'pruned';

export interface ObjectChange {
  readonly ref: string;
  readonly action: ObjectAction;
}

export type ApplyEvent =
  | { readonly type: 'phase'; readonly phase: string; readonly description: string }
  | { readonly type: 'object'; readonly ref: string; readonly action: ObjectAction }
  | { readonly type: 'wait'; readonly what: string }
  | { readonly type: 'waited'; readonly what: string; readonly ms: number };

export interface ApplyOptions {
  /** Take over fields owned by other managers on workloads too. @default false */
  readonly forceConflicts?: boolean;
  /** Delete owned objects that are no longer desired. @default true */
  readonly prune?: boolean;
  /** Wait for Jobs and rollouts. @default true */
  readonly wait?: boolean;
  /** Bound on each Job wait. @default the Job's activeDeadlineSeconds + 60 s, else 30 min */
  readonly jobTimeoutMs?: number;
  /** Bound on each rollout wait. @default 10 min */
  readonly rolloutTimeoutMs?: number;
  /** Longest interval between polls of a wait (they start at 100 ms and back off to it). @default 1000 ms */
  readonly pollMs?: number;
  readonly onEvent?: (e: ApplyEvent) => void;
  readonly signal?: AbortSignal;
}

export interface ApplyReport {
  readonly changes: readonly ObjectChange[];
  /** Objects created, configured or pruned. */
  readonly changed: number;
  readonly durationMs: number;
}

export interface PlannedChange {
  readonly ref: string;
  readonly action: 'create' | 'update' | 'unchanged' | 'delete';
  /** Changed field paths (never values: Secrets show which keys change, not what to). */
  readonly fields?: readonly string[];
}

/** Kinds we may own, for pruning. Secrets and the Namespace are deliberately absent: never deleted. */
export const PRUNABLE_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
];

/** Kinds whose every field is ours: applied with force (drift corrected). */
const FORCE_KINDS = new Set(['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Secret', 'NetworkPolicy']);

export function refOf(o: KubernetesObject): string {
  const ns = o.metadata?.namespace;
  return `${o.kind ?? '?'}/${ns ? `${ns}/` : ''}${o.metadata?.name ?? '?'}`;
}

function describe(o: KubernetesObject): string {
  return `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
}

/** Runs `fn` over items with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class ApplyEngine {
  constructor(private readonly client: KubeClient) {}

  /** Live objects we own, by ref (pruning candidates and "before" resource versions). */
  async listOwned(app: KubeApp, kinds: readonly { apiVersion: string; kind: string }[]): Promise<Map<string, KubernetesObject>> {
    const out = new Map<string, KubernetesObject>();
    const lists = await mapLimit(kinds, 6, (k) =>
      this.client.call(
        `list ${k.kind} in namespace ${app.namespace}`,
        () =>
          this.client.objects.list(k.apiVersion, k.kind, app.namespace, undefined, undefined, undefined, undefined, app.ownerSelector),
        true,
      ),
    );
    lists.forEach((list, i) => {
      for (const item of list?.items ?? []) {
        // list items carry no kind/apiVersion
        const o = { ...item, kind: kinds[i]!.kind, apiVersion: kinds[i]!.apiVersion };
        out.set(refOf(o), o);
      }
    });
    return out;
  }

  private kindsOf(app: KubeApp): { apiVersion: string; kind: string }[] {
    const seen = new Map<string, { apiVersion: string; kind: string }>();
    for (const k of PRUNABLE_KINDS) seen.set(k.kind, k);
    for (const p of app.phases) for (const o of p.objects) if (o.kind !== 'Namespace') seen.set(o.kind, { apiVersion: o.apiVersion, kind: o.kind });
    return [...seen.values()];
  }

  async apply(app: KubeApp, opts: ApplyOptions = {}): Promise<ApplyReport> {
    const t0 = Date.now();
    const emit = opts.onEvent ?? (() => {});
    const before = await this.listOwned(app, this.kindsOf(app));
    const changes: ObjectChange[] = [];
    const desired = new Set<string>();
    for (const phase of app.phases) {
      emit({ type: 'phase', phase: phase.name, description: phase.description });
      const results = await mapLimit(phase.objects, 8, (o) => this.applyOne(o, before.get(refOf(o)), opts));
      for (const r of results) {
        desired.add(r.ref);
        changes.push(r);
        emit({ type: 'object', ref: r.ref, action: r.action });
      }
      if (opts.wait !== false) await this.waitPhase(phase, opts);
    }
    if (opts.prune !== false) {
      const stale = [...before.entries()].filter(([ref, o]) => !desired.has(ref) && PRUNABLE_KINDS.some((k) => k.kind === o.kind));
      await mapLimit(stale, 6, async ([ref, o]) => {
        await this.client.call(
          `delete ${describe(o)} (no longer desired)`,
          () => this.client.objects.delete(o, undefined, undefined, undefined, undefined, 'Background'),
          true,
        );
        changes.push({ ref, action: 'pruned' });
        emit({ type: 'object', ref, action: 'pruned' });
      });
    }
    return { changes, changed: changes.filter((c) => c.action !== 'unchanged').length, durationMs: Date.now() - t0 };
  }

  private async applyOne(o: KubeObject, known: KubernetesObject | undefined, opts: ApplyOptions): Promise<ObjectChange> {
    const ref = refOf(o);
    let previous = known?.metadata?.resourceVersion;
    if (previous === undefined) {
      // Not listed as ours (first deploy, or created by someone else): look it up directly.
      const live = await this.client.call(`read ${describe(o)}`, () => this.client.objects.read(o), true);
      previous = live?.metadata?.resourceVersion;
    }
    const force = FORCE_KINDS.has(o.kind) || opts.forceConflicts === true;
    const applied = await this.client.call(`apply ${describe(o)}`, () =>
      this.client.apply(o, FIELD_MANAGER, { force, dryRun: false }),
    );
    const now = applied.metadata?.resourceVersion;
    const action: ObjectAction = previous === undefined ? 'created' : now === previous ? 'unchanged' : 'configured';
    return { ref, action };
  }

  // ---- waiting ---------------------------------------------------------------------------------------------

  private async waitPhase(phase: Phase, opts: ApplyOptions): Promise<void> {
    if (phase.wait === 'none') return;
    const emit = opts.onEvent ?? (() => {});
    for (const o of phase.objects) {
      if (phase.wait === 'jobs-complete' && o.kind === 'Job') {
        const what = `Job ${o.metadata.namespace}/${o.metadata.name} to complete`;
        emit({ type: 'wait', what });
        const t = Date.now();
        await this.waitJob(o as V1Job & KubeObject, opts);
        emit({ type: 'waited', what, ms: Date.now() - t });
      }
      if (phase.wait === 'rollout' && (o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
        const what = `${o.kind} ${o.metadata.namespace}/${o.metadata.name} to roll out`;
        emit({ type: 'wait', what });
        const t = Date.now();
        await this.waitRollout(o, opts);
        emit({ type: 'waited', what, ms: Date.now() - t });
      }
    }
  }

  private async poll<T>(
    namespace: string,
    what: string,
    timeoutMs: number,
    opts: ApplyOptions,
    check: () => Promise<{ done: true; value: T } | { done: false; status: string }>,
    onTimeout: (status: string) => Promise<string[]>,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let status = 'no status yet';
    // Short Jobs and no-op rollouts finish within a second: start polling fast, then back off to the cap, so a
    // quick wait is not rounded up to a whole interval and a long one does not flood the apiserver.
    const cap = opts.pollMs ?? 1_000;
    let interval = Math.min(100, cap);
    for (;;) {
      const r = await check();
      if (r.done) return r.value;
      status = r.status;
      if (Date.now() >= deadline) {
        throw new UserError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`, {
          code: 'KUBE_TIMEOUT',
          hint: `look at the pods (kubectl -n ${namespace} get pods; kubectl -n ${namespace} describe pod <name>) — image pulls, scheduling and probes are the usual causes; raise the bound with --timeout`,
          details: [`last status: ${status}`, ...(await onTimeout(status))],
        });
      }
      await sleep(interval, opts.signal);
      interval = Math.min(cap, interval * 1.5);
    }
  }

  private async waitJob(job: V1Job & KubeObject, opts: ApplyOptions): Promise<void> {
    const ns = job.metadata.namespace ?? 'default';
    const name = job.metadata.name;
    const deadline = job.spec?.activeDeadlineSeconds;
    const timeout = opts.jobTimeoutMs ?? (deadline ? (deadline + 60) * 1000 : 30 * 60_000);
    await this.poll(
      ns,
      `Job ${ns}/${name} to complete`,
      timeout,
      opts,
      async () => {
        const live = await this.client.call(`read Job ${ns}/${name}`, () => this.client.objects.read<V1Job>(job));
        const conds = live.status?.conditions ?? [];
        if (conds.some((c) => c.type === 'Complete' && c.status === 'True')) return { done: true, value: undefined };
        const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
        if (failed) {
          throw new UserError(`Job ${ns}/${name} failed: ${failed.reason ?? 'Failed'}${failed.message ? ` — ${failed.message}` : ''}`, {
            code: 'KUBE_JOB_FAILED',
            hint: `inspect it with: kubectl -n ${ns} logs job/${name}; fix the cause and deploy again (the Job is re-run only if its spec changed, so delete it first: kubectl -n ${ns} delete job ${name})`,
            details: await this.jobPodReport(ns, name),
          });
        }
        const s = live.status;
        return { done: false, status: `active ${s?.active ?? 0}, succeeded ${s?.succeeded ?? 0}, failed ${s?.failed ?? 0}` };
      },
      async () => this.jobPodReport(ns, name),
    );
  }

  /** Lines about the Job's pods: phase, container state, and the last log lines (or the termination message). */
  async jobPodReport(ns: string, jobName: string, tailLines = 20): Promise<string[]> {
    const pods = await this.client.call(`list pods of Job ${ns}/${jobName}`, () =>
      this.client.core.listNamespacedPod({ namespace: ns, labelSelector: `batch.kubernetes.io/job-name=${jobName}` }),
    );
    const sorted = [...pods.items].sort(
      (a, b) => (b.metadata?.creationTimestamp?.getTime?.() ?? 0) - (a.metadata?.creationTimestamp?.getTime?.() ?? 0),
    );
    const latest = sorted[0];
    if (!latest) return ['no pod was created (check quota, Pod Security admission and the service account)'];
    return this.podReport(latest, tailLines);
  }

  async podReport(pod: V1Pod, tailLines = 20): Promise<string[]> {
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '?';
    const lines = [`pod ${name}: ${pod.status?.phase ?? 'Unknown'}${pod.status?.reason ? ` (${pod.status.reason})` : ''}`];
    for (const c of pod.status?.conditions ?? []) {
      if (c.status !== 'True' && c.message) lines.push(`  ${c.type}: ${c.reason ?? ''} ${c.message}`.trimEnd());
    }
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const cs of statuses) {
      const st = cs.state;
      if (st?.waiting) lines.push(`  container ${cs.name}: waiting (${st.waiting.reason ?? '?'})${st.waiting.message ? ` ${st.waiting.message}` : ''}`);
      if (st?.terminated && st.terminated.exitCode !== 0) {
        lines.push(`  container ${cs.name}: exited ${st.terminated.exitCode} (${st.terminated.reason ?? '?'})`);
        const log = await this.client.call(
          `read logs of pod ${ns}/${name}`,
          () => this.client.core.readNamespacedPodLog({ name, namespace: ns, container: cs.name, tailLines }),
          true,
        ).catch(() => undefined);
        const text = (log && log.trim()) || st.terminated.message?.trim();
        if (text) {
          lines.push(`  last log lines of ${cs.name}:`);
          for (const l of text.split('\n').slice(-tailLines)) lines.push(`    ${l}`);
        } else {
          lines.push(`  (no log lines available for ${cs.name})`);
        }
      }
    }
    return lines;
  }

  private async waitRollout(o: KubeObject, opts: ApplyOptions): Promise<void> {
    const ns = o.metadata.namespace ?? 'default';
    const what = `${o.kind} ${ns}/${o.metadata.name} to roll out`;
    await this.poll(
      ns,
      what,
      opts.rolloutTimeoutMs ?? 10 * 60_000,
      opts,
      async () => {
        const live = await this.client.call(`read ${describe(o)}`, () => this.client.objects.read<V1Deployment | V1StatefulSet>(o));
        const want = live.spec?.replicas ?? 1;
        const st = live.status;
        const observed = (st?.observedGeneration ?? 0) >= (live.metadata?.generation ?? 0);
        const updated = st?.updatedReplicas ?? 0;
        const ready = st?.readyReplicas ?? 0;
        const available = (st as { availableReplicas?: number } | undefined)?.availableReplicas ?? ready;
        const total = st?.replicas ?? 0;
        if (o.kind === 'Deployment') {
          const stuck = (live as V1Deployment).status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
          if (stuck) {
            throw new UserError(`${o.kind} ${ns}/${o.metadata.name} did not roll out: ${stuck.message ?? 'progress deadline exceeded'}`, {
              code: 'KUBE_ROLLOUT_FAILED',
              details: await this.workloadPodReport(live),
            });
          }
        }
        const revisionOk =
          o.kind !== 'StatefulSet' || (live as V1StatefulSet).status?.currentRevision === (live as V1StatefulSet).status?.updateRevision;
        if (observed && updated >= want && ready >= want && available >= want && total <= want && revisionOk) {
          return { done: true, value: undefined };
        }
        return { done: false, status: `${updated}/${want} updated, ${ready}/${want} ready, ${available}/${want} available, ${total} total` };
      },
      async () => {
        const live = await this.client.call(`read ${describe(o)}`, () => this.client.objects.read<V1Deployment | V1StatefulSet>(o));
        return this.workloadPodReport(live);
      },
    );
  }

  private async workloadPodReport(w: V1Deployment | V1StatefulSet): Promise<string[]> {
    const ns = w.metadata?.namespace ?? 'default';
    const labels = w.spec?.selector?.matchLabels ?? {};
    const selector = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pods = await this.client.call(`list pods in ${ns}`, () => this.client.core.listNamespacedPod({ namespace: ns, labelSelector: selector }));
    const lines: string[] = [];
    for (const p of pods.items.slice(0, 3)) lines.push(...(await this.podReport(p, 10)));
    return lines.length > 0 ? lines : ['no pods exist (check events: kubectl -n ' + ns + ' get events --sort-by=.lastTimestamp)'];
  }

  // ---- plan (server-side dry run) --------------------------------------------------------------------------

  async plan(app: KubeApp): Promise<PlannedChange[]> {
    const before = await this.listOwned(app, this.kindsOf(app));
    const out: PlannedChange[] = [];
    const desired = new Set<string>();
    for (const phase of app.phases) {
      const results = await mapLimit(phase.objects, 8, async (o): Promise<PlannedChange> => {
        const ref = refOf(o);
        desired.add(ref);
        const live = await this.client.call(`read ${describe(o)}`, () => this.client.objects.read(o), true);
        if (!live) return { ref, action: 'create' };
        const force = FORCE_KINDS.has(o.kind);
        const dry = await this.client.call(`dry-run apply ${describe(o)}`, () => this.client.apply(o, FIELD_MANAGER, { force, dryRun: true }));
        const fields = diffPaths(comparable(live), comparable(dry));
        return fields.length === 0 ? { ref, action: 'unchanged' } : { ref, action: 'update', fields };
      });
      out.push(...results);
    }
    for (const [ref, o] of before) {
      if (!desired.has(ref) && PRUNABLE_KINDS.some((k) => k.kind === o.kind)) out.push({ ref, action: 'delete' });
    }
    return out;
  }
}

/** The parts of an object a human changes: no status, no server bookkeeping. */
export function comparable(o: KubernetesObject): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
  delete plain['status'];
  const md = (plain['metadata'] ?? {}) as Record<string, unknown>;
  for (const k of ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid', 'selfLink']) delete md[k];
  return plain;
}

/** Dotted paths where two JSON values differ (values never included). */
export function diffPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return [prefix || '(root)'];
}
