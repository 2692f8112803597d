/** Helpers to look inside built objects: every pod spec an app produces, every container, restricted checks. */
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import type { KubeApp, KubeObject } from '../../../src/k8s/model.js';
import { allObjects } from '../../../src/k8s/model.js';
import { parse } from 'yaml';

export interface NamedPodSpec {
  readonly owner: string;
  readonly spec: V1PodSpec;
  readonly labels: Record<string, string>;
}

/** Pod specs of Deployments, StatefulSets, Jobs and the executor pod template (parsed from its ConfigMap). */
export function podSpecs(app: KubeApp): NamedPodSpec[] {
  const out: NamedPodSpec[] = [];
  for (const o of allObjects(app)) {
    const t = (o as { spec?: { template?: { spec?: V1PodSpec; metadata?: { labels?: Record<string, string> } } } }).spec?.template;
    if (t?.spec) out.push({ owner: `${o.kind}/${o.metadata.name}`, spec: t.spec, labels: t.metadata?.labels ?? {} });
    if (o.kind === 'ConfigMap' && o.metadata.name === 'airflow-pod-template') {
      const pod = parse((o as unknown as { data: Record<string, string> }).data['pod_template_file.yaml']!) as { spec: V1PodSpec; metadata: { labels: Record<string, string> } };
      out.push({ owner: 'executor pod template', spec: pod.spec, labels: pod.metadata.labels });
    }
  }
  return out;
}

export function containers(spec: V1PodSpec): V1Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** Violations of Pod Security "restricted" (the rules our specs could break), empty when compliant. */
export function restrictedViolations(spec: V1PodSpec): string[] {
  const v: string[] = [];
  const podNonRoot = spec.securityContext?.runAsNonRoot === true;
  const podSeccomp = spec.securityContext?.seccompProfile?.type;
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) v.push('host namespaces');
  for (const vol of spec.volumes ?? []) if (vol.hostPath) v.push(`hostPath volume ${vol.name}`);
  for (const c of containers(spec)) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation not false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${c.name}: capabilities not dropping ALL`);
    if ((sc.capabilities?.add ?? []).some((a) => a !== 'NET_BIND_SERVICE')) v.push(`${c.name}: adds capabilities`);
    if (!(sc.runAsNonRoot === true || (podNonRoot && sc.runAsNonRoot === undefined))) v.push(`${c.name}: runAsNonRoot`);
    if (sc.runAsUser === 0 || spec.securityContext?.runAsUser === 0) v.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${c.name}: seccomp ${seccomp}`);
  }
  return v;
}

export function find<T = KubeObject>(app: KubeApp, kind: string, name: string): T {
  const o = allObjects(app).find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}; have ${allObjects(app).map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o as T;
}

export function ofKind<T = KubeObject>(app: KubeApp, kind: string): T[] {
  return allObjects(app).filter((x) => x.kind === kind) as T[];
}
