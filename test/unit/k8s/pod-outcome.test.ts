/** Why a pod went wrong, from its status and spec: OOM kill with the limit that applied, exit codes, images, evictions. */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainPod, type PodOutcomeKind } from '../../../src/k8s/pod-outcome.js';

const IMAGE = 'repo/airflow:3.3.2-abc';
const terminated = (name: string, exitCode: number, reason?: string, extra: Record<string, unknown> = {}): V1ContainerStatus => ({
  name,
  image: IMAGE,
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode, ...(reason ? { reason } : {}), ...extra } },
});
const waiting = (name: string, reason: string, message?: string, last?: V1ContainerStatus['lastState']): V1ContainerStatus => ({
  name,
  image: IMAGE,
  imageID: '',
  ready: false,
  restartCount: last ? 3 : 0,
  state: { waiting: { reason, ...(message ? { message } : {}) } },
  ...(last ? { lastState: last } : {}),
});
const running = (name: string): V1ContainerStatus => ({ name, image: IMAGE, imageID: '', ready: true, restartCount: 0, state: { running: {} } });

/** A task pod as the pod template makes it: `base` with 512Mi, optionally a sidecar without a limit. */
function pod(status: V1Pod['status'], over: { memory?: string | undefined; podMemory?: string; init?: boolean; deadline?: number } = {}): V1Pod {
  const limits = over.memory === undefined ? {} : { memory: over.memory };
  return {
    metadata: { name: 'oom-eat-1' },
    spec: {
      containers: [
        { name: 'sidecar', image: 'side:1' },
        { name: 'base', image: IMAGE, resources: { requests: { cpu: '250m' }, limits: { cpu: '1', ...limits } } },
      ],
      ...(over.init ? { initContainers: [{ name: 'wait-db', image: IMAGE }] } : {}),
      ...(over.deadline !== undefined ? { activeDeadlineSeconds: over.deadline } : {}),
      ...(over.podMemory ? { resources: { limits: { memory: over.podMemory } } } : {}),
    } as V1Pod['spec'],
    status,
  };
}

const table: [string, V1Pod, PodOutcomeKind | undefined, string | RegExp | undefined][] = [
  [
    'OOMKilled with the container limit (cgroup v2: the whole container, exit 137)',
    pod({ phase: 'Failed', containerStatuses: [running('sidecar'), terminated('base', 137, 'OOMKilled')] }, { memory: '512Mi' }),
    'oom-killed',
    'OOMKilled — exceeded the memory limit of 512Mi (container base, exit code 137 (SIGKILL))',
  ],
  [
    'OOMKilled with exit code 0 (cgroup v1: only the task process was killed)',
    pod({ phase: 'Succeeded', containerStatuses: [terminated('base', 0, 'OOMKilled')] }, { memory: '1Gi' }),
    'oom-killed',
    'OOMKilled — exceeded the memory limit of 1Gi (container base, exit code 0; the kernel killed a process of the container, its main process then exited)',
  ],
  [
    'OOMKilled under a pod-level limit when the container has none',
    pod({ phase: 'Failed', containerStatuses: [terminated('base', 137, 'OOMKilled')] }, { podMemory: '2Gi' }),
    'oom-killed',
    /^OOMKilled — exceeded the memory limit of 2Gi \(container base/,
  ],
  [
    'OOMKilled without any limit: the node ran out',
    pod({ phase: 'Failed', containerStatuses: [terminated('base', 137, 'OOMKilled')] }),
    'oom-killed',
    'OOMKilled — the node ran out of memory; container base has no memory limit (exit code 137 (SIGKILL))',
  ],
  [
    'an OOM kill in the last run of a restarting container',
    pod({ phase: 'Running', containerStatuses: [waiting('base', 'CrashLoopBackOff', 'back-off 10s', { terminated: { exitCode: 137, reason: 'OOMKilled' } })] }, { memory: '512Mi' }),
    'oom-killed',
    /^OOMKilled — exceeded the memory limit of 512Mi/,
  ],
  [
    'a non-zero exit with the reason and the termination message',
    pod({ phase: 'Failed', containerStatuses: [terminated('base', 1, 'Error', { message: 'Traceback…\n  KeyError' })] }, { memory: '512Mi' }),
    'terminated',
    'Error — container base ended with exit code 1: Traceback… KeyError',
  ],
  [
    'a signal exit without OOM (SIGTERM)',
    pod({ phase: 'Failed', containerStatuses: [terminated('base', 143)] }),
    'terminated',
    'Error — container base ended with exit code 143 (SIGTERM)',
  ],
  [
    'a crash loop, with its last exit code',
    pod({ phase: 'Running', containerStatuses: [waiting('base', 'CrashLoopBackOff', 'back-off', { terminated: { exitCode: 2, reason: 'Error' } })] }),
    'terminated',
    'Error — container base ended with exit code 2, now CrashLoopBackOff',
  ],
  [
    'an image that cannot be pulled',
    pod({ phase: 'Pending', containerStatuses: [waiting('base', 'ErrImagePull', 'rpc error: not found')] }),
    'image-pull',
    `ErrImagePull — cannot get image ${IMAGE}: rpc error: not found`,
  ],
  [
    'an image pull back-off',
    pod({ phase: 'Pending', containerStatuses: [waiting('base', 'ImagePullBackOff')] }),
    'image-pull',
    `ImagePullBackOff — cannot get image ${IMAGE}`,
  ],
  [
    'a missing Secret key',
    pod({ phase: 'Pending', containerStatuses: [waiting('base', 'CreateContainerConfigError', 'secret "airflow-secrets" not found')] }),
    'container-config',
    'CreateContainerConfigError — container base cannot start: secret "airflow-secrets" not found',
  ],
  [
    'a failed init container before the main one',
    pod({ phase: 'Failed', initContainerStatuses: [terminated('wait-db', 1, 'Error')], containerStatuses: [waiting('base', 'PodInitializing')] }, { init: true }),
    'terminated',
    'Error — container wait-db ended with exit code 1',
  ],
  [
    'an eviction, with the kubelet message',
    pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory. Container base was using 900Mi, request is 512Mi.' }),
    'evicted',
    'Evicted — The node was low on resource: memory. Container base was using 900Mi, request is 512Mi.',
  ],
  [
    'an active deadline',
    pod({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' }, { deadline: 600 }),
    'deadline-exceeded',
    'DeadlineExceeded — the pod ran longer than its activeDeadlineSeconds (600 s)',
  ],
  [
    'an unschedulable pod',
    pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available: 2 Insufficient memory.' }] }),
    'unschedulable',
    'Unschedulable — 0/2 nodes are available: 2 Insufficient memory.',
  ],
  [
    'a failed pod with no container error',
    pod({ phase: 'Failed', reason: 'NodeLost' }),
    'failed',
    /^NodeLost — the pod failed without a container error/,
  ],
  ['a running pod: nothing to say', pod({ phase: 'Running', containerStatuses: [running('base')] }), undefined, undefined],
  ['a clean completion: nothing to say', pod({ phase: 'Succeeded', containerStatuses: [terminated('base', 0, 'Completed')] }), undefined, undefined],
  ['a pod still being created: nothing to say', pod({ phase: 'Pending', containerStatuses: [waiting('base', 'ContainerCreating')] }), undefined, undefined],
  ['a pod without status: nothing to say', pod(undefined), undefined, undefined],
];

describe('explainPod', () => {
  for (const [name, p, kind, text] of table) {
    it(`explains ${name}`, () => {
      const o = explainPod(p, 'base');
      assert.equal(o?.kind, kind);
      if (typeof text === 'string') assert.equal(o?.text, text);
      else if (text) assert.match(o?.text ?? '', text);
    });
  }

  it('reads the preferred container first when several went wrong', () => {
    const p = pod({ phase: 'Failed', containerStatuses: [terminated('sidecar', 1, 'Error'), terminated('base', 137, 'OOMKilled')] }, { memory: '512Mi' });
    assert.equal(explainPod(p, 'base')?.container, 'base');
    assert.equal(explainPod(p)?.container, 'sidecar');
  });
});
