/**
 * Pod building blocks shared by every workload: the Pod Security `restricted` contexts, requests and limits,
 * writable scratch volumes, and the container command convention of our image.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
import type {
  V1Container,
  V1PodSecurityContext,
  V1ResourceRequirements,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { AIRFLOW_HOME } from './airflow-config.js';

/** The image's user: UID 50000, GID 0 (Airflow's image convention; the entrypoint refuses other GIDs). */
export const AIRFLOW_UID = 50000;

export function podSecurityContext(uid = AIRFLOW_UID, gid = 0): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Container context accepted by `restricted`. The root filesystem stays writable for Airflow containers: Airflow
 * writes airflow.cfg and webserver_config.py into AIRFLOW_HOME on first start; logs and /tmp get emptyDirs.
 */
export function containerSecurityContext(readOnlyRootFilesystem = false): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    readOnlyRootFilesystem,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Millicores of a CPU quantity ("250m", "1", "1.5"). */
export function cpuMillis(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** Canonical form, as the API server stores it ("2" rather than "2000m"). */
export function cpuQuantity(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/**
 * Requests from the config; memory limit = request (no overcommit: an OOM kill is clearer than node pressure);
 * CPU limit = 4x the request, so heartbeats may burst but a runaway process cannot starve the node.
 */
export function resources(cpu: string, memory: string): V1ResourceRequirements {
  return {
    requests: { cpu, memory },
    limits: { cpu: cpuQuantity(cpuMillis(cpu) * 4), memory },
  };
}

/** Small fixed resources for helper containers (init containers, Jobs' waits). */
export const SMALL_RESOURCES: V1ResourceRequirements = resources('50m', '256Mi');

export const SCRATCH_VOLUMES: V1Volume[] = [
  { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
  { name: 'logs', emptyDir: { sizeLimit: '2Gi' } },
];
export const SCRATCH_MOUNTS: V1VolumeMount[] = [
  { name: 'tmp', mountPath: '/tmp' },
  { name: 'logs', mountPath: `${AIRFLOW_HOME}/logs` },
];

/**
 * Our image's ENTRYPOINT (docker/entrypoint.sh, behind dumb-init) takes a subcommand: `api-server` (webserver on
 * Airflow 2), `scheduler`, `dag-processor`, `triggerer`, `migrate`, `create-admin` wait for the database and exec
 * Airflow; `airflow ...` and any other command run as given. Containers pass args and keep the ENTRYPOINT, so
 * signals reach Airflow through its `exec`.
 */
export type EntrypointCommand = 'api-server' | 'webserver' | 'scheduler' | 'dag-processor' | 'triggerer' | 'migrate' | 'create-admin';

export function entrypointArgs(cmd: EntrypointCommand, ...rest: string[]): string[] {
  return [cmd, ...rest];
}

/** A plain `airflow` CLI call through the ENTRYPOINT's passthrough. */
export function airflowArgs(...args: string[]): string[] {
  return ['airflow', ...args];
}

/** A container with the restricted context, resources and the scratch mounts; callers add the rest. */
export function baseContainer(name: string, image: string, res: V1ResourceRequirements): V1Container {
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    securityContext: containerSecurityContext(),
    resources: res,
    volumeMounts: [...SCRATCH_MOUNTS],
    // On failure the kubelet keeps the log tail in the pod status: the apply engine reports it even if the
    // pod's logs are gone.
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}
