/** The status verdict and its text: every degraded condition named, "nothing deployed" told apart from broken. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AwsPresent, ComponentStatus, EnvironmentStatus, KubeStatus } from '../../../src/status/model.js';
import { ago, renderStatus } from '../../../src/status/render.js';
import { STATUS_EXIT, verdict } from '../../../src/status/verdict.js';

const comp = (component: string, over: Partial<ComponentStatus> = {}): ComponentStatus => ({
  component,
  exists: true,
  desired: 1,
  ready: 1,
  restarts: 0,
  images: ['repo/airflow:3.1.0-1'],
  waiting: [],
  ...over,
});

const healthyKube = (over: Partial<KubeStatus> = {}): KubeStatus => ({
  where: 'context kube-test',
  namespace: 'airflow',
  namespaceExists: true,
  components: ['api-server', 'scheduler', 'dag-processor', 'triggerer'].map((c) => comp(c)),
  tasks: { running: 2, queued: 1, succeeded: 0, failed: 0, problems: [] },
  health: {
    reachable: true,
    components: [
      { name: 'metadatabase', status: 'healthy' },
      { name: 'scheduler', status: 'healthy', latestHeartbeat: '2025-01-01T00:00:00Z' },
      { name: 'dag_processor', status: 'healthy', latestHeartbeat: '2025-01-01T00:00:00Z' },
      { name: 'triggerer', status: 'healthy', latestHeartbeat: '2025-01-01T00:00:00Z' },
    ],
  },
  nodes: { total: 2, ready: 2, byNodegroup: { 'ng-1': { total: 2, ready: 2 } } },
  ...over,
});

const healthyAws = (over: Partial<AwsPresent> = {}): AwsPresent => ({
  exists: true,
  stackName: 'demo-airflow',
  region: 'eu-west-1',
  stack: { status: 'UPDATE_COMPLETE', lastEvent: { time: '2025-01-01T00:00:00.000Z', resource: 'demo-airflow', status: 'UPDATE_COMPLETE' } },
  cluster: { name: 'demo', status: 'ACTIVE', version: '1.33' },
  nodegroups: [{ name: 'ng-1', status: 'ACTIVE', desired: 2, min: 1, max: 4, issues: [] }],
  databases: [{ id: 'demo-db', status: 'available', engine: 'postgres 16.4' }],
  ...over,
});

const env = (over: Partial<EnvironmentStatus> = {}): EnvironmentStatus => ({
  name: 'demo',
  airflowVersion: '3.1.0',
  airflowMajor: 3,
  aws: healthyAws(),
  kube: healthyKube(),
  ...over,
});

describe('status verdict', () => {
  it('is healthy when the stack, cluster, node groups, database, components and Airflow health are all fine (exit 0)', () => {
    const v = verdict(env());
    assert.deepEqual(v, { state: 'healthy', problems: [] });
    assert.equal(STATUS_EXIT[v.state], 0);
  });

  it('is "not deployed" (exit 3) for a missing stack, and for an empty namespace with no AWS asked', () => {
    const missing = verdict(env({ aws: { exists: false, stackName: 'demo-airflow', region: 'eu-west-1' }, kube: undefined }));
    assert.equal(missing.state, 'not-deployed');
    assert.equal(STATUS_EXIT[missing.state], 3);
    const empty = verdict(env({ aws: undefined, kube: healthyKube({ namespaceExists: false, components: [] }) }));
    assert.equal(empty.state, 'not-deployed');
  });

  it('is degraded, not "not deployed", when a read failed: a failure is no evidence of absence', () => {
    const v = verdict(env({ aws: undefined, awsError: 'reading stack failed: Throttling', kube: healthyKube({ namespaceExists: false, components: [] }) }));
    assert.equal(v.state, 'degraded');
    assert.ok(v.problems.includes('AWS: reading stack failed: Throttling'));
  });

  const degraded: [string, Partial<EnvironmentStatus>, RegExp][] = [
    ['a stack whose last update rolled back', { aws: healthyAws({ stack: { status: 'UPDATE_ROLLBACK_COMPLETE', reason: 'Resource Db failed' } }) }, /^stack demo-airflow is UPDATE_ROLLBACK_COMPLETE \(Resource Db failed\)$/],
    ['a stack still updating', { aws: healthyAws({ stack: { status: 'UPDATE_IN_PROGRESS' } }) }, /is UPDATE_IN_PROGRESS/],
    ['an EKS cluster that is not ACTIVE', { aws: healthyAws({ cluster: { name: 'demo', status: 'UPDATING' } }) }, /^EKS cluster demo is UPDATING$/],
    [
      'a node group with fewer Ready nodes than desired',
      { kube: healthyKube({ nodes: { total: 2, ready: 1, byNodegroup: { 'ng-1': { total: 2, ready: 1 } } } }) },
      /^node group ng-1: 1\/2 nodes Ready$/,
    ],
    [
      'a degraded node group, with its health issues',
      { aws: healthyAws({ nodegroups: [{ name: 'ng-1', status: 'DEGRADED', desired: 2, min: 1, max: 4, issues: ['AsgInstanceLaunchFailures: no capacity'] }] }) },
      /^node group ng-1 is DEGRADED: AsgInstanceLaunchFailures: no capacity$/,
    ],
    ['a stopped database', { aws: healthyAws({ databases: [{ id: 'demo-db', status: 'stopped' }] }) }, /^database demo-db is stopped$/],
    [
      'a crash-looping scheduler',
      { kube: healthyKube({ components: [comp('api-server'), comp('scheduler', { ready: 0, restarts: 7, waiting: ['airflow-scheduler-abc: CrashLoopBackOff'] }), comp('dag-processor'), comp('triggerer')] }) },
      /^scheduler: 0\/1 pods ready \(airflow-scheduler-abc: CrashLoopBackOff\)$/,
    ],
    ['a component scaled to zero', { kube: healthyKube({ components: [comp('api-server'), comp('scheduler', { desired: 0, ready: 0 }), comp('dag-processor'), comp('triggerer')] }) }, /^scheduler: scaled to 0 replicas$/],
    ['a missing Deployment', { kube: healthyKube({ components: [comp('api-server'), comp('scheduler'), comp('dag-processor', { exists: false }), comp('triggerer')] }) }, /^dag-processor: no Deployment in namespace airflow$/],
    ['an unreachable health endpoint', { kube: healthyKube({ health: { reachable: false, error: 'HTTP 503: no endpoints available' } }) }, /^Airflow health endpoint unreachable: HTTP 503/],
    [
      'an unhealthy scheduler in Airflow\'s own report',
      { kube: healthyKube({ health: { reachable: true, components: [{ name: 'metadatabase', status: 'healthy' }, { name: 'scheduler', status: 'unhealthy' }, { name: 'dag_processor', status: 'healthy' }, { name: 'triggerer', status: 'healthy' }] } }) },
      /^Airflow reports scheduler unhealthy$/,
    ],
    [
      'a triggerer Airflow never heard of',
      { kube: healthyKube({ health: { reachable: true, components: [{ name: 'metadatabase', status: 'healthy' }, { name: 'scheduler', status: 'healthy' }, { name: 'dag_processor', status: 'healthy' }, { name: 'triggerer', status: null }] } }) },
      /^Airflow reports triggerer not reported$/,
    ],
    ['a stack whose cluster has nothing of ours yet', { kube: healthyKube({ namespaceExists: false, components: [] }) }, /^Airflow is not deployed to namespace airflow \(run airflow-aws deploy\)$/],
    ['an unreachable cluster', { kube: undefined, kubeError: 'cannot reach the Kubernetes API' }, /^Kubernetes: cannot reach/],
  ];
  for (const [name, over, problem] of degraded) {
    it(`is degraded (exit 1) for ${name}`, () => {
      const v = verdict(env(over));
      assert.equal(v.state, 'degraded');
      assert.equal(STATUS_EXIT[v.state], 1);
      assert.ok(v.problems.some((p) => problem.test(p)), `no problem matching ${problem} in ${JSON.stringify(v.problems)}`);
    });
  }

  it('does not require a dag-processor health entry on Airflow 2', () => {
    const kube = healthyKube({
      components: ['webserver', 'scheduler', 'triggerer'].map((c) => comp(c)),
      health: { reachable: true, components: [{ name: 'metadatabase', status: 'healthy' }, { name: 'scheduler', status: 'healthy' }, { name: 'triggerer', status: 'healthy' }] },
    });
    assert.equal(verdict(env({ airflowMajor: 2, airflowVersion: '2.11.0', kube })).state, 'healthy');
    assert.equal(verdict(env({ airflowMajor: 3, kube })).state, 'degraded');
  });
});

describe('status text', () => {
  const now = new Date('2025-01-01T00:00:42Z');

  it('shows each part on its own line and the problems last', () => {
    const e = env({ kube: healthyKube({ components: [comp('api-server'), comp('scheduler', { ready: 0, restarts: 3 }), comp('dag-processor'), comp('triggerer')] }) });
    const lines = renderStatus(e, verdict(e), now);
    assert.equal(lines[0], 'degraded: demo (Airflow 3.1.0)');
    assert.ok(lines.includes('  stack          demo-airflow  UPDATE_COMPLETE  (last event 2025-01-01T00:00:00.000Z: demo-airflow UPDATE_COMPLETE)'), lines.join('\n'));
    assert.ok(lines.includes('  node group     ng-1  ACTIVE  2/2 nodes Ready (min 1, max 4)'), lines.join('\n'));
    assert.ok(lines.includes('  scheduler      0/1 ready  restarts 3  repo/airflow:3.1.0-1'), lines.join('\n'));
    assert.ok(lines.includes('  task pods      running 2, queued 1'), lines.join('\n'));
    assert.ok(lines.includes('  health scheduler healthy  (heartbeat 42 s ago)'), lines.join('\n'));
    assert.deepEqual(lines.slice(-2), ['Problems', '  - scheduler: 0/1 pods ready']);
  });

  it('lists task pods that went wrong under the counts, with their task instance, and keeps the verdict healthy', () => {
    const problem = (i: number) => ({ pod: `oom-eat-${i}`, dagId: 'oom', taskId: 'eat', runId: 'manual__1', tryNumber: 1, kind: 'oom-killed', text: 'OOMKilled — exceeded the memory limit of 512Mi' });
    const one = env({ kube: healthyKube({ tasks: { running: 0, queued: 0, succeeded: 1, failed: 0, problems: [problem(1), { pod: 'bare', kind: 'evicted', text: 'Evicted — low memory' }] } }) });
    const lines = renderStatus(one, verdict(one), now);
    // A task's own failure is the DAG's business, not the deployment's health.
    assert.equal(verdict(one).state, 'healthy');
    const at = lines.indexOf('  task pods      running 0, queued 0, succeeded 1');
    assert.deepEqual(lines.slice(at + 1, at + 3), [
      '  task pod       oom-eat-1 (oom.eat, run manual__1, try 1): OOMKilled — exceeded the memory limit of 512Mi',
      '  task pod       bare: Evicted — low memory',
    ]);
    const many = env({ kube: healthyKube({ tasks: { running: 0, queued: 0, succeeded: 0, failed: 12, problems: Array.from({ length: 12 }, (_, i) => problem(i)) } }) });
    const manyLines = renderStatus(many, verdict(many), now);
    assert.equal(manyLines.filter((l) => l.startsWith('  task pod  ')).length, 10);
    assert.ok(manyLines.includes('                 … and 2 more (status --json lists them all)'), manyLines.join('\n'));
  });

  it('says "nothing deployed" and where it looked', () => {
    const e = env({ aws: { exists: false, stackName: 'demo-airflow', region: 'eu-west-1' }, kube: undefined });
    assert.deepEqual(renderStatus(e, verdict(e), now), ['nothing deployed: demo (Airflow 3.1.0) — no stack demo-airflow in eu-west-1']);
  });

  it('shows the load balancer of an exposed UI, or that it is still being made, and nothing when private', () => {
    const line = (endpoint?: KubeStatus['endpoint']) =>
      renderStatus(env({ kube: healthyKube(endpoint ? { endpoint } : {}) }), verdict(env()), now).find((l) => l.startsWith('  endpoint'));
    assert.equal(line({ scheme: 'internet-facing', address: 'a1b2.eu-west-1.elb.amazonaws.com' }), '  endpoint       a1b2.eu-west-1.elb.amazonaws.com  (internet-facing load balancer)');
    assert.equal(line({ scheme: 'internal' }), '  endpoint       load balancer being provisioned  (internal load balancer)');
    assert.equal(line(undefined), undefined);
  });

  it('words heartbeat ages for a glance', () => {
    assert.equal(ago('2025-01-01T00:00:00Z', now), '42 s ago');
    assert.equal(ago('2024-12-31T23:50:42Z', now), '10 min ago');
    assert.equal(ago('2024-12-31T21:00:42Z', now), '3 h ago');
    assert.equal(ago('not a date', now), 'not a date');
  });
});
