/**
 * The apply engine against a real kube-apiserver + etcd + controller-manager + kube-scheduler + kwok (one fake
 * node: pods become Running/Ready, Job pods Succeeded), started on loopback by test/support/kube-cluster.ts.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { V1Deployment, V1Job } from '@kubernetes/client-node';
import { UserError } from '../../../src/errors/user-error.js';
import { ApplyEngine, refOf } from '../../../src/adapters/kube/engine.js';
import { deploy, planDeploy, prepareDeploy, type DeployRequest } from '../../../src/adapters/kube/deploy.js';
import { readSecretData } from '../../../src/adapters/kube/secrets.js';
import { buildApp } from '../../../src/k8s/app.js';
import { loadBalancersStep } from '../../../src/ops/down/kubernetes.js';
import { readLoadBalancerEndpoint } from '../../../src/adapters/kube/workload-status.js';
import type { DownContext } from '../../../src/ops/down/context.js';
import { allObjects, type KubeApp, type KubeObject } from '../../../src/k8s/model.js';
import type { KubeTestCluster } from '../../support/kube-cluster.js';
import { config, EXTERNAL_DB, IN_CLUSTER_DB, inputs } from '../../unit/k8s/fixtures.js';
import { podSpecs } from '../../unit/k8s/support.js';
import { clientFor, startCluster, unreachableClient } from './cluster.js';

const FAST = { pollMs: 200, jobTimeoutMs: 60_000, rolloutTimeoutMs: 60_000 };
const IMAGE = 'registry.example/airflow:3.3.2-1';
const MASTER = { username: 'master', password: 'master-password' };

function request(over: Partial<DeployRequest> = {}): DeployRequest {
  return { config: config(), image: IMAGE, database: EXTERNAL_DB, databaseMaster: MASTER, ...over };
}

async function expectUserError(p: Promise<unknown>, code: string): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    assert.ok(UserError.is(e), `expected a UserError, got ${String((e as Error)?.stack ?? e)}`);
    assert.equal(e.code, code, `${e.message}\n${e.details.join('\n')}`);
    return e;
  }
  assert.fail(`expected UserError ${code}, but it succeeded`);
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function apiPath(o: KubeObject): string {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const plural = o.kind === 'NetworkPolicy' ? 'networkpolicies' : o.kind === 'PodDisruptionBudget' ? 'poddisruptionbudgets' : `${o.kind.toLowerCase()}s`;
  return o.metadata.namespace ? `${base}/namespaces/${o.metadata.namespace}/${plural}/${o.metadata.name}` : `${base}/${plural}/${o.metadata.name}`;
}

describe('apply engine on a real kube-apiserver (kwok node)', () => {
  let cluster: KubeTestCluster;
  let firstApp: KubeApp;

  before(async () => {
    cluster = await startCluster({ kwok: true });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('applies every object, runs the bootstrap, migration and admin Jobs and waits for the rollout', async () => {
    const phases: string[] = [];
    const r = await deploy(clientFor(cluster), request(), { ...FAST, onEvent: (e) => e.type === 'phase' && phases.push(e.phase) });
    firstApp = r.app;
    assert.deepEqual(phases, ['namespace', 'foundation', 'db-bootstrap', 'migrate', 'create-admin', 'components']);
    assert.equal(r.changes.length, allObjects(r.app).length);
    assert.ok(r.changes.every((c) => c.action === 'created'), JSON.stringify(r.changes.filter((c) => c.action !== 'created')));
    assert.deepEqual([...r.generatedSecrets].sort(), ['adminPassword', 'apiSecretKey', 'databasePassword', 'fernetKey', 'jwtSecret']);
    for (const o of allObjects(r.app)) {
      const res = await cluster.request('GET', apiPath(o));
      assert.equal(res.status, 200, `${refOf(o)}: ${res.text.slice(0, 200)}`);
    }
    for (const o of allObjects(r.app).filter((x) => x.kind === 'Job')) {
      const job = (await cluster.request<V1Job>('GET', apiPath(o))).body;
      assert.ok(job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'), `${o.metadata.name} not complete`);
    }
    for (const o of allObjects(r.app).filter((x) => x.kind === 'Deployment')) {
      const d = (await cluster.request<V1Deployment>('GET', apiPath(o))).body;
      assert.equal(d.status?.availableReplicas, d.spec?.replicas, `${o.metadata.name} not available`);
    }
  });

  it('reports no changes on a second apply and reuses the shared secrets', async () => {
    const client = clientFor(cluster);
    const before = await readSecretData(client, 'airflow', 'airflow-secrets');
    const r = await deploy(client, request(), FAST);
    assert.equal(r.changed, 0, JSON.stringify(r.changes.filter((c) => c.action !== 'unchanged')));
    assert.deepEqual(r.generatedSecrets, []);
    assert.deepEqual(await readSecretData(client, 'airflow', 'airflow-secrets'), before);
  });

  it('plans nothing for an unchanged deployment, and names the changed field otherwise — without changing it', async () => {
    const client = clientFor(cluster);
    const same = await planDeploy(client, request());
    assert.deepEqual(same.changes.filter((c) => c.action !== 'unchanged'), []);
    const scaled = config({ kubernetes: { scheduler: { replicas: 2 } } });
    const p = await planDeploy(client, request({ config: scaled }));
    const sched = p.changes.find((c) => c.ref === 'Deployment/airflow/airflow-scheduler');
    assert.equal(sched?.action, 'update');
    assert.ok(sched?.fields?.includes('spec.replicas'), JSON.stringify(sched));
    assert.ok(p.changes.some((c) => c.ref === 'PodDisruptionBudget/airflow/airflow-scheduler' && c.action === 'unchanged'));
    const live = (await cluster.request<V1Deployment>('GET', '/apis/apps/v1/namespaces/airflow/deployments/airflow-scheduler')).body;
    assert.equal(live.spec?.replicas, 1, 'plan must not change anything');
  });

  it('lets Pod Security "restricted" admit every pod spec we produce (components, Jobs, executor template, PostgreSQL)', async () => {
    const variants = [
      buildApp(inputs(config())),
      buildApp(inputs(config({}, { auth: 'simple' }))),
      buildApp(inputs(config({}, { version: '2.9.0' }))),
      buildApp(inputs(config(), { database: IN_CLUSTER_DB })),
    ];
    let checked = 0;
    for (const app of variants) {
      for (const p of podSpecs(app)) {
        // A StatefulSet's controller adds a PVC volume per claim template; do the same.
        const claims = p.owner.startsWith('StatefulSet/') ? [{ name: 'data', persistentVolumeClaim: { claimName: 'data-check' } }] : [];
        const spec = { ...p.spec, volumes: [...(p.spec.volumes ?? []), ...claims] };
        const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'psa-check-', namespace: 'airflow', labels: p.labels }, spec };
        const res = await cluster.request('POST', '/api/v1/namespaces/airflow/pods?dryRun=All', pod);
        assert.equal(res.status, 201, `${p.owner}: ${res.text.slice(0, 400)}`);
        checked++;
      }
    }
    assert.ok(checked >= 20, `only ${checked} pod specs checked`);
    // The pods the controllers created for real were admitted too (kwok runs them).
    const pods = (await cluster.request<{ items: unknown[] }>('GET', '/api/v1/namespaces/airflow/pods')).body;
    assert.ok(pods.items.length >= 7, `expected component and Job pods, got ${pods.items.length}`);
    // And the namespace really enforces: a privileged pod is refused.
    const bad = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'privileged', namespace: 'airflow' }, spec: { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] } };
    const refused = await cluster.request<{ message: string }>('POST', '/api/v1/namespaces/airflow/pods?dryRun=All', bad);
    assert.equal(refused.status, 403);
    assert.match(refused.body.message, /violates PodSecurity "restricted/);
  });

  it('grants pod management to the scheduler only, pod logs to the api-server, and Secrets to nobody (SubjectAccessReview)', async () => {
    const can = async (sa: string, verb: string, resource: string, subresource?: string, name?: string): Promise<boolean> => {
      const res = await cluster.request<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: `system:serviceaccount:airflow:${sa}`,
          groups: ['system:serviceaccounts', 'system:serviceaccounts:airflow', 'system:authenticated'],
          resourceAttributes: { namespace: 'airflow', verb, resource, ...(subresource ? { subresource } : {}), ...(name ? { name } : {}) },
        },
      });
      assert.equal(res.status, 201, res.text);
      return res.body.status.allowed;
    };
    for (const verb of ['create', 'delete', 'list', 'get', 'patch', 'watch']) assert.equal(await can('airflow-scheduler', verb, 'pods'), true, `scheduler ${verb} pods`);
    assert.equal(await can('airflow-scheduler', 'get', 'pods', 'log'), true);
    assert.equal(await can('airflow-scheduler', 'create', 'pods', 'exec'), true);
    assert.equal(await can('airflow-scheduler', 'list', 'events'), true);
    for (const verb of ['create', 'delete', 'get', 'list']) assert.equal(await can('airflow-worker', verb, 'pods'), false, `worker ${verb} pods`);
    assert.equal(await can('airflow-api-server', 'get', 'pods', 'log'), true);
    assert.equal(await can('airflow-api-server', 'create', 'pods'), false);
    for (const sa of ['airflow-api-server', 'airflow-scheduler', 'airflow-dag-processor', 'airflow-triggerer', 'airflow-worker', 'airflow-jobs']) {
      for (const name of ['airflow-secrets', 'airflow-metadata', 'airflow-db-master', undefined]) {
        assert.equal(await can(sa, name ? 'get' : 'list', 'secrets', undefined, name), false, `${sa} may read secret ${name ?? '(list)'}`);
      }
    }
  });

  it('deploys and rolls out the Airflow 2.9 line (webserver, scheduler, triggerer) and re-applies it as a no-op', async () => {
    const c = config({ name: 'af2', kubernetes: { namespace: 'airflow2' } }, { version: '2.9.0' });
    const r = await deploy(clientFor(cluster), request({ config: c }), FAST);
    const deployments = r.changes.filter((x) => x.ref.startsWith('Deployment/')).map((x) => x.ref);
    assert.deepEqual(deployments, ['Deployment/airflow2/airflow-webserver', 'Deployment/airflow2/airflow-scheduler', 'Deployment/airflow2/airflow-triggerer']);
    const again = await deploy(clientFor(cluster), request({ config: c }), FAST);
    assert.equal(again.changed, 0);
  });

  it('deploys the in-cluster PostgreSQL variant into its own namespace', async () => {
    const c = config({ name: 'pgdemo', kubernetes: { namespace: 'airflow-pg' } });
    const r = await deploy(clientFor(cluster), request({ config: c, database: IN_CLUSTER_DB, databaseMaster: undefined }), { ...FAST, wait: false });
    assert.ok(r.generatedSecrets.includes('databaseMaster'));
    assert.ok(r.changes.some((x) => x.ref === 'StatefulSet/airflow-pg/airflow-postgresql' && x.action === 'created'));
    const again = await prepareDeploy(clientFor(cluster), request({ config: c, database: IN_CLUSTER_DB, databaseMaster: undefined }));
    assert.deepEqual(again.generatedSecrets, [], 'the superuser password is read back, not regenerated');
  });

  it('fails with the permission it lacks when the identity may not do something (a real service-account token)', async () => {
    const tr = await cluster.request<{ status: { token: string } }>('POST', '/api/v1/namespaces/airflow/serviceaccounts/airflow-worker/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 600 },
    });
    assert.equal(tr.status, 201, tr.text);
    const e = await expectUserError(new ApplyEngine(clientFor(cluster, tr.body.status.token)).apply(firstApp, FAST), 'KUBE_FORBIDDEN');
    assert.match(e.message, /system:serviceaccount:airflow:airflow-worker may not (list|get|patch) [a-z.]+ in namespace airflow/);
    assert.match(e.hint ?? '', /RBAC verb/);
  });

  it('fails clearly when the cluster is unreachable', async () => {
    const port = await closedPort();
    const e = await expectUserError(deploy(unreachableClient(cluster, port), request(), FAST), 'KUBE_UNREACHABLE');
    assert.match(e.message, new RegExp(`cannot reach the Kubernetes API at https://127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
  });

  it('stops on a field-manager conflict on a workload, and takes the field back with forceConflicts', async () => {
    const other = await cluster.request(
      'PATCH',
      '/apis/apps/v1/namespaces/airflow/deployments/airflow-triggerer?fieldManager=someone-else&force=true',
      JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'airflow-triggerer', namespace: 'airflow' }, spec: { replicas: 3 } }),
      { contentType: 'application/apply-patch+yaml' },
    );
    assert.equal(other.status, 200, other.text);
    const e = await expectUserError(deploy(clientFor(cluster), request(), FAST), 'KUBE_FIELD_CONFLICT');
    assert.match(e.message, /Deployment airflow\/airflow-triggerer/);
    assert.ok(e.details.some((d) => d.includes('.spec.replicas') && d.includes('someone-else')), e.details.join('\n'));
    assert.match(e.hint ?? '', /--force-conflicts/);
    const r = await deploy(clientFor(cluster), request(), { ...FAST, forceConflicts: true });
    assert.ok(r.changes.some((c) => c.ref === 'Deployment/airflow/airflow-triggerer' && c.action === 'configured'));
    const live = (await cluster.request<V1Deployment>('GET', '/apis/apps/v1/namespaces/airflow/deployments/airflow-triggerer')).body;
    assert.equal(live.spec?.replicas, 1);
  });

  /** The migration Job of the app, pinned to a node that does not exist so kwok never runs it. */
  function strandedMigration(suffix: string, backoffLimit = 0): KubeApp {
    const migrate = buildApp(inputs(config(), { image: IMAGE })).phases.find((p) => p.name === 'migrate')!;
    const job = structuredClone(migrate.objects[0]) as V1Job & KubeObject;
    job.metadata.name = `${job.metadata.name}-${suffix}`;
    job.spec!.backoffLimit = backoffLimit;
    job.spec!.template.spec!.nodeSelector = { 'airflow-aws.test/nowhere': 'true' };
    return { namespace: 'airflow', ownerSelector: 'airflow-aws.test/none=1', phases: [{ ...migrate, objects: [job] }] };
  }

  it('reports a failed migration Job with its exit code and last log lines', async () => {
    const app = strandedMigration('fail');
    const jobName = app.phases[0]!.objects[0]!.metadata.name;
    // Play kubelet: fail the Job's pod the way a crashing `airflow db migrate` would (with FallbackToLogsOnError the
    // kubelet puts the log tail into the termination message).
    const failer = (async () => {
      for (let i = 0; i < 100; i++) {
        const pods = (await cluster.request<{ items: { metadata: { name: string } }[] }>('GET', `/api/v1/namespaces/airflow/pods?labelSelector=batch.kubernetes.io/job-name=${jobName}`)).body;
        const pod = pods.items[0];
        if (pod) {
          const res = await cluster.request(
            'PATCH',
            `/api/v1/namespaces/airflow/pods/${pod.metadata.name}/status`,
            {
              status: {
                phase: 'Failed',
                containerStatuses: [
                  {
                    name: 'migrate',
                    image: IMAGE,
                    imageID: '',
                    ready: false,
                    restartCount: 0,
                    state: {
                      terminated: {
                        exitCode: 1,
                        reason: 'Error',
                        message: 'INFO  [alembic.runtime.migration] Running upgrade\nalembic.util.exc.CommandError: Can\'t locate revision identified by \'deadbeef\'',
                      },
                    },
                  },
                ],
              },
            },
            { contentType: 'application/merge-patch+json' },
          );
          assert.equal(res.status, 200, res.text);
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the Job never created a pod');
    })();
    const e = await expectUserError(new ApplyEngine(clientFor(cluster)).apply(app, { ...FAST, prune: false }), 'KUBE_JOB_FAILED');
    await failer;
    assert.match(e.message, new RegExp(`Job airflow/${jobName} failed: BackoffLimitExceeded`));
    assert.ok(e.details.some((d) => d.includes('exited 1')), e.details.join('\n'));
    assert.ok(e.details.some((d) => d.includes("Can't locate revision identified by 'deadbeef'")), e.details.join('\n'));
    assert.match(e.hint ?? '', /kubectl -n airflow logs job\//);
  });

  it('times out naming the Job it waited for and why its pod is stuck', async () => {
    const app = strandedMigration('stuck');
    const e = await expectUserError(
      new ApplyEngine(clientFor(cluster)).apply(app, { ...FAST, prune: false, jobTimeoutMs: 1500 }),
      'KUBE_TIMEOUT',
    );
    assert.match(e.message, /timed out after 2 s waiting for Job airflow\/airflow-migrate-[0-9a-f]+-stuck to complete/);
    assert.ok(e.details.some((d) => /Pending/.test(d)), e.details.join('\n'));
  });

  it('prunes what is no longer desired (executor switched, image changed) and never the Secrets', async () => {
    const client = clientFor(cluster);
    const local = config({}, { executor: 'LocalExecutor' });
    const r = await deploy(client, request({ config: local, image: 'registry.example/airflow:3.3.2-2' }), FAST);
    const pruned = r.changes.filter((c) => c.action === 'pruned').map((c) => c.ref).sort();
    for (const ref of ['ConfigMap/airflow/airflow-pod-template', 'Role/airflow/airflow-pod-launcher', 'RoleBinding/airflow/airflow-pod-launcher']) {
      assert.ok(pruned.includes(ref), `${ref} not pruned: ${pruned.join(', ')}`);
    }
    const oldJobs = allObjects(firstApp).filter((o) => o.kind === 'Job').map(refOf);
    for (const ref of oldJobs) assert.ok(pruned.includes(ref), `old Job ${ref} not pruned`);
    assert.ok(!pruned.some((p) => p.startsWith('Secret/') || p.startsWith('Namespace/')));
    assert.equal((await cluster.request('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/airflow/roles/airflow-pod-launcher')).status, 404);
    assert.equal((await cluster.request('GET', '/api/v1/namespaces/airflow/secrets/airflow-secrets')).status, 200);
    // Nothing was deleted to be re-created: the components kept their identity.
    for (const name of ['airflow-api-server', 'airflow-scheduler']) {
      const uidBefore = r.changes.find((c) => c.ref === `Deployment/airflow/${name}`)?.action;
      assert.equal(uidBefore, 'configured');
    }
  });

  it('accepts the exposure load balancer (server-side apply), prunes it when private again, and down deletes it first', async () => {
    const client = clientFor(cluster);
    const cert = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
    const exposed = (mode: 'internal' | 'public') =>
      config({ exposure: { mode, certificateArn: cert, hostname: 'airflow.example.com', sourceCidrs: ['203.0.113.0/24'] } }, { executor: 'LocalExecutor' });
    const image = 'registry.example/airflow:3.3.2-2';
    const r = await deploy(client, request({ config: exposed('internal'), image }), FAST);
    assert.ok(r.changes.some((c) => c.ref === 'Service/airflow/airflow-ui-lb' && c.action === 'created'), r.changes.map((c) => `${c.action} ${c.ref}`).join(', '));
    const read = async () => (await cluster.request<{ spec: { type: string; ports: { port: number; nodePort?: number }[]; loadBalancerSourceRanges: string[] }; metadata: { annotations: Record<string, string> } }>('GET', '/api/v1/namespaces/airflow/services/airflow-ui-lb')).body;
    const svc = await read();
    assert.equal(svc.spec.type, 'LoadBalancer');
    assert.ok((svc.spec.ports[0]!.nodePort ?? 0) > 0, 'the apiserver allocated a NodePort for the load balancer');
    assert.deepEqual(svc.spec.loadBalancerSourceRanges, ['203.0.113.0/24']);
    assert.equal(svc.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-internal'], 'true');
    // No cloud provider here: the Service exists, its address is still pending — as `status` and `open` say.
    assert.deepEqual(await readLoadBalancerEndpoint(client, 'airflow'), { scheme: 'internal' });
    // internal → public is an in-place change of the same Service (a new load balancer on AWS, same object here).
    const again = await deploy(client, request({ config: exposed('public'), image }), FAST);
    assert.ok(again.changes.some((c) => c.ref === 'Service/airflow/airflow-ui-lb' && c.action === 'configured'));
    assert.equal((await read()).metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme'], 'internet-facing');

    // down's load-balancer step finds exactly the Service we rendered and waits until it is gone.
    const ctx: DownContext = {
      config: exposed('public'),
      region: 'eu-west-1',
      signal: new AbortController().signal,
      timeoutMs: 30_000,
      deleteData: false,
      stack: undefined,
      kube: () => Promise.resolve({ client, where: 'kwok' }),
      found: {},
    };
    const described = await loadBalancersStep.describe(ctx);
    assert.deepEqual(described.details, ['Service airflow-ui-lb']);
    const quiet = { progress: () => undefined, info: () => undefined, warn: () => undefined };
    const outcome = await loadBalancersStep.run(ctx, quiet);
    assert.equal(outcome.summary, 'deleted Service airflow-ui-lb');
    assert.equal((await cluster.request('GET', '/api/v1/namespaces/airflow/services/airflow-ui-lb')).status, 404);
    assert.equal((await cluster.request('GET', '/api/v1/namespaces/airflow/services/airflow-api-server')).status, 200);

    // Back to exposed, then private: the apply engine prunes the load balancer Service.
    await deploy(client, request({ config: exposed('internal'), image }), FAST);
    const priv = await deploy(client, request({ config: config({}, { executor: 'LocalExecutor' }), image }), FAST);
    assert.ok(priv.changes.some((c) => c.ref === 'Service/airflow/airflow-ui-lb' && c.action === 'pruned'), priv.changes.map((c) => `${c.action} ${c.ref}`).join(', '));
  });

  it('deploys SSO: webserver_config.py and the client secret reach the api-server only, no admin Job, and a rotated secret rolls the api-server alone', async () => {
    const client = clientFor(cluster);
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow-oidc-AbCdEf';
    const sso = config({ auth: { oidc: { issuer: 'https://idp.example.com', clientId: 'airflow', clientSecret: arn, roleMapping: { admins: 'Admin' } } } }, { executor: 'LocalExecutor' });
    const image = 'registry.example/airflow:3.3.2-3';
    const phases: string[] = [];
    const r = await deploy(client, request({ config: sso, image, oidcClientSecret: 'first-client-secret' }), { ...FAST, onEvent: (e) => e.type === 'phase' && phases.push(e.phase) });
    assert.ok(!phases.includes('create-admin'), phases.join(', '));
    assert.deepEqual(await readSecretData(client, 'airflow', 'airflow-oidc'), { 'client-secret': 'first-client-secret' });
    const cm = (await cluster.request<{ data: Record<string, string> }>('GET', '/api/v1/namespaces/airflow/configmaps/airflow-webserver-config')).body;
    assert.match(cm.data['webserver_config.py']!, /^AUTH_TYPE = AUTH_OAUTH$/m);
    const get = async () => (await cluster.request<V1Deployment>('GET', '/apis/apps/v1/namespaces/airflow/deployments/airflow-api-server')).body;
    const d = await get();
    assert.equal(d.status?.availableReplicas, d.spec?.replicas);
    const volumes = d.spec!.template.spec!.volumes!.map((v) => v.name);
    assert.ok(volumes.includes('fab-config') && volumes.includes('oidc-secret'), volumes.join(', '));
    assert.equal(d.spec!.template.spec!.volumes!.find((v) => v.name === 'oidc-secret')!.secret!.defaultMode, 0o440);
    const checksum = d.spec!.template.metadata!.annotations!['airflow-aws/checksum-oidc-secret'];
    assert.ok(checksum);
    const schedulerBefore = (await cluster.request<V1Deployment>('GET', '/apis/apps/v1/namespaces/airflow/deployments/airflow-scheduler')).body.metadata!.generation;
    // A rotated client secret (a new value behind the same ARN): same objects, new Secret data, the api-server rolls.
    const rotated = await deploy(client, request({ config: sso, image, oidcClientSecret: 'rotated-client-secret' }), FAST);
    assert.ok(rotated.changes.some((c) => c.ref === 'Secret/airflow/airflow-oidc' && c.action === 'configured'), rotated.changes.map((c) => `${c.action} ${c.ref}`).join(', '));
    assert.deepEqual(await readSecretData(client, 'airflow', 'airflow-oidc'), { 'client-secret': 'rotated-client-secret' });
    assert.notEqual((await get()).spec!.template.metadata!.annotations!['airflow-aws/checksum-oidc-secret'], checksum);
    // Only the UI holds the secret, so only the UI restarts.
    assert.equal((await cluster.request<V1Deployment>('GET', '/apis/apps/v1/namespaces/airflow/deployments/airflow-scheduler')).body.metadata!.generation, schedulerBefore);
    for (const o of allObjects(rotated.app).filter((x) => x.kind === 'Deployment' && x.metadata.name !== 'airflow-api-server')) {
      const other = (await cluster.request<V1Deployment>('GET', apiPath(o))).body.spec!.template.spec!;
      assert.ok(!(other.volumes ?? []).some((v) => v.name === 'oidc-secret'), `${o.metadata.name} mounts the OIDC secret`);
    }
  });
});
