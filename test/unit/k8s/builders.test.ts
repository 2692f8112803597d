import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  V1ConfigMap,
  V1Deployment,
  V1Job,
  V1Namespace,
  V1NetworkPolicy,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import { COMPONENTS, serviceAccountName } from '../../../src/config/naming.js';
import { buildApp } from '../../../src/k8s/app.js';
import { metadataConnection } from '../../../src/k8s/airflow-config.js';
import { allObjects } from '../../../src/k8s/model.js';
import { renderKubernetes, PLACEHOLDERS } from '../../../src/k8s/render.js';
import { toYaml } from '../../../src/k8s/yaml.js';
import { config, IN_CLUSTER_DB, inputs, TEST_SECRETS } from './fixtures.js';
import { containers, find, ofKind, podSpecs, restrictedViolations } from './support.js';

const LINES = [
  { version: '3.3.2', deployments: ['airflow-api-server', 'airflow-scheduler', 'airflow-dag-processor', 'airflow-triggerer'], ui: 'api-server' },
  { version: '2.9.0', deployments: ['airflow-webserver', 'airflow-scheduler', 'airflow-triggerer'], ui: 'webserver' },
] as const;

function env(dep: V1Deployment, container = 0): Map<string, string> {
  const c = dep.spec!.template.spec!.containers[container]!;
  return new Map((c.env ?? []).map((e) => [e.name, e.value ?? `secret:${e.valueFrom?.secretKeyRef?.name}/${e.valueFrom?.secretKeyRef?.key}`]));
}

for (const line of LINES) {
  describe(`Kubernetes builders for Airflow ${line.version}`, () => {
    const app = buildApp(inputs(config({}, { version: line.version })));
    const cm = find<V1ConfigMap>(app, 'ConfigMap', 'airflow-config').data!;

    it(`deploys exactly ${line.deployments.join(', ')}`, () => {
      assert.deepEqual(ofKind(app, 'Deployment').map((d) => d.metadata.name), line.deployments);
    });

    it('labels the namespace for Pod Security restricted (enforce, audit and warn)', () => {
      const ns = find<V1Namespace>(app, 'Namespace', 'airflow');
      for (const mode of ['enforce', 'audit', 'warn']) assert.equal(ns.metadata!.labels![`pod-security.kubernetes.io/${mode}`], 'restricted');
    });

    it('creates one ServiceAccount per component, named as the Pod Identity associations', () => {
      const names = ofKind(app, 'ServiceAccount').map((s) => s.metadata.name);
      for (const c of COMPONENTS) assert.ok(names.includes(serviceAccountName(c)), `missing ${serviceAccountName(c)}`);
    });

    it('gives every pod spec requests and limits for cpu and memory', () => {
      for (const p of podSpecs(app)) {
        for (const c of containers(p.spec)) {
          for (const k of ['requests', 'limits'] as const) {
            assert.ok(c.resources?.[k]?.['cpu'] && c.resources[k]['memory'], `${p.owner}/${c.name} lacks ${k}`);
          }
        }
      }
    });

    it('keeps every pod spec within Pod Security restricted', () => {
      for (const p of podSpecs(app)) assert.deepEqual(restrictedViolations(p.spec), [], p.owner);
    });

    it('runs the UI behind a Service on port 8080 with health probes', () => {
      const svc = find<V1Service>(app, 'Service', 'airflow-api-server');
      assert.deepEqual(svc.spec!.ports!.map((p) => p.port), [8080]);
      assert.equal(svc.spec!.selector!['app.kubernetes.io/component'], line.ui);
      const ui = find<V1Deployment>(app, 'Deployment', `airflow-${line.ui}`).spec!.template.spec!.containers[0]!;
      const path = line.ui === 'api-server' ? '/api/v2/monitor/health' : '/health';
      for (const probe of [ui.livenessProbe, ui.readinessProbe, ui.startupProbe]) assert.equal(probe?.httpGet?.path, path);
    });

    it('gives the UI and the scheduler five minutes to start before a restart (a busy small node imports slowly)', () => {
      for (const name of [`airflow-${line.ui}`, 'airflow-scheduler']) {
        const p = find<V1Deployment>(app, 'Deployment', name).spec!.template.spec!.containers[0]!.startupProbe!;
        assert.equal(p.failureThreshold! * p.periodSeconds!, 300, name);
      }
    });

    it('probes the scheduler on its health server and the triggerer with `airflow jobs check`', () => {
      const s = find<V1Deployment>(app, 'Deployment', 'airflow-scheduler').spec!.template.spec!.containers[0]!;
      assert.equal(s.livenessProbe?.httpGet?.path, '/health');
      assert.equal(s.livenessProbe?.httpGet?.port, 'health');
      assert.equal(s.ports?.find((p) => p.name === 'health')?.containerPort, 8974);
      assert.equal(cm['AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK'], 'True');
      const t = find<V1Deployment>(app, 'Deployment', 'airflow-triggerer').spec!.template.spec!.containers[0]!;
      assert.ok(t.livenessProbe?.exec?.command?.join(' ').includes('jobs check --job-type TriggererJob --local'));
    });

    it('shares the fernet key with every component and the task pods, from the Secret', () => {
      for (const d of ofKind<V1Deployment>(app, 'Deployment')) assert.equal(env(d).get('AIRFLOW__CORE__FERNET_KEY'), 'secret:airflow-secrets/fernet-key');
    });

    it('runs database bootstrap, migration and admin-user Jobs in that order before the components', () => {
      const names = app.phases.map((p) => p.name);
      assert.deepEqual(names.slice(-4), ['db-bootstrap', 'migrate', 'create-admin', 'components']);
      const migrate = ofKind<V1Job>(app, 'Job').find((j) => j.metadata!.name!.startsWith('airflow-migrate-'))!;
      assert.deepEqual(migrate.spec!.template.spec!.containers[0]!.args, ['migrate']);
      assert.equal(migrate.spec!.template.spec!.restartPolicy, 'Never');
    });

    it('waits for migrations in an init container instead of migrating on start-up', () => {
      for (const d of ofKind<V1Deployment>(app, 'Deployment')) {
        const init = d.spec!.template.spec!.initContainers!.find((c) => c.name === 'wait-for-migrations');
        assert.ok(init?.args?.join(' ').includes('db check-migrations'), d.metadata!.name);
      }
    });
  });
}

describe('Airflow 3 specifics', () => {
  const app = buildApp(inputs(config()));
  const cm = find<V1ConfigMap>(app, 'ConfigMap', 'airflow-config').data!;

  it('points task pods at the in-cluster execution API', () => {
    assert.equal(cm['AIRFLOW__CORE__EXECUTION_API_SERVER_URL'], 'http://airflow-api-server.airflow.svc.cluster.local:8080/execution/');
  });

  it('keeps a base_url sub-path in the execution API URL and the probes', () => {
    const sub = buildApp(inputs(config(), { baseUrl: 'https://example.com/airflow/' }));
    const env = find<V1ConfigMap>(sub, 'ConfigMap', 'airflow-config').data!;
    assert.equal(env['AIRFLOW__API__BASE_URL'], 'https://example.com/airflow/');
    assert.equal(env['AIRFLOW__CORE__EXECUTION_API_SERVER_URL'], 'http://airflow-api-server.airflow.svc.cluster.local:8080/airflow/execution/');
    const api = find<V1Deployment>(sub, 'Deployment', 'airflow-api-server').spec!.template.spec!.containers[0]!;
    assert.equal(api.readinessProbe?.httpGet?.path, '/airflow/api/v2/monitor/health');
  });

  it('gives the JWT secret to every long-running component and the API secret key to the api-server only', () => {
    for (const d of ofKind<V1Deployment>(app, 'Deployment')) {
      assert.equal(env(d).get('AIRFLOW__API_AUTH__JWT_SECRET'), 'secret:airflow-secrets/jwt-secret', d.metadata!.name);
      assert.equal(env(d).has('AIRFLOW__API__SECRET_KEY'), d.metadata!.name === 'airflow-api-server', d.metadata!.name);
    }
  });

  it('builds the executor pod template: container base, worker account, Never, default resources, mounted where the config says', () => {
    const tmpl = podSpecs(app).find((p) => p.owner === 'executor pod template')!.spec;
    assert.equal(tmpl.containers[0]!.name, 'base');
    assert.equal(tmpl.containers[0]!.args, undefined, 'the executor supplies args');
    assert.equal(tmpl.serviceAccountName, 'airflow-worker');
    assert.equal(tmpl.restartPolicy, 'Never');
    assert.equal(tmpl.automountServiceAccountToken, false);
    assert.deepEqual(tmpl.containers[0]!.resources!.requests, { cpu: '250m', memory: '512Mi' });
    const file = cm['AIRFLOW__KUBERNETES_EXECUTOR__POD_TEMPLATE_FILE']!;
    const sched = find<V1Deployment>(app, 'Deployment', 'airflow-scheduler').spec!.template.spec!;
    const mount = sched.containers[0]!.volumeMounts!.find((m) => m.name === 'pod-template')!;
    assert.equal(`${mount.mountPath}/pod_template_file.yaml`, file);
    assert.equal(sched.volumes!.find((v) => v.name === 'pod-template')!.configMap!.name, 'airflow-pod-template');
  });

  it('gives task pods no database credentials (they use the execution API)', () => {
    const tmpl = podSpecs(app).find((p) => p.owner === 'executor pod template')!.spec;
    const names = (tmpl.containers[0]!.env ?? []).map((e) => e.name);
    assert.ok(!names.includes('AIRFLOW__DATABASE__SQL_ALCHEMY_CONN'));
    assert.ok(!names.includes('AIRFLOW__API_AUTH__JWT_SECRET'));
  });

  it('seeds the SimpleAuthManager passwords file and skips the admin Job when auth is simple', () => {
    const simple = buildApp(inputs(config({}, { auth: 'simple' })));
    assert.ok(!simple.phases.some((p) => p.name === 'create-admin'));
    const secret = find<V1Secret>(simple, 'Secret', 'airflow-secrets');
    const seeded = JSON.parse(Buffer.from(secret.data!['simple-auth-passwords.json']!, 'base64').toString()) as Record<string, string>;
    assert.deepEqual(seeded, { admin: TEST_SECRETS.adminPassword });
    const api = find<V1Deployment>(simple, 'Deployment', 'airflow-api-server').spec!.template.spec!;
    assert.ok(api.initContainers!.some((c) => c.name === 'seed-simple-auth'));
  });
});

describe('Airflow 2 specifics', () => {
  const app = buildApp(inputs(config({}, { version: '2.9.0' })));
  const cm = find<V1ConfigMap>(app, 'ConfigMap', 'airflow-config').data!;
  it('uses [webserver] settings and no execution API', () => {
    assert.equal(cm['AIRFLOW__CORE__EXECUTION_API_SERVER_URL'], undefined);
    assert.equal(cm['AIRFLOW__WEBSERVER__BASE_URL'], 'http://localhost:8080');
    assert.equal(cm['AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR'], 'False');
    const web = find<V1Deployment>(app, 'Deployment', 'airflow-webserver');
    assert.equal(env(web).get('AIRFLOW__WEBSERVER__SECRET_KEY'), 'secret:airflow-secrets/api-secret-key');
    assert.equal(web.spec!.template.spec!.serviceAccountName, 'airflow-api-server');
  });
  it('gives task pods the database connection (Airflow 2 tasks talk to the database)', () => {
    const tmpl = podSpecs(app).find((p) => p.owner === 'executor pod template')!.spec;
    assert.ok((tmpl.containers[0]!.env ?? []).some((e) => e.name === 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN'));
  });
  it('creates the FAB admin user', () => {
    assert.ok(app.phases.some((p) => p.name === 'create-admin'));
  });
});

describe('RBAC', () => {
  const app = buildApp(inputs(config()));
  const rules = (role: string) => find<V1Role>(app, 'Role', role).rules!;
  it('lets the scheduler launch and manage task pods', () => {
    assert.deepEqual(rules('airflow-pod-launcher'), [
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'list', 'get', 'patch', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list'] },
    ]);
    assert.deepEqual(find<V1RoleBinding>(app, 'RoleBinding', 'airflow-pod-launcher').subjects!.map((s) => s.name), ['airflow-scheduler']);
  });
  it('lets the api-server read pods and their logs only', () => {
    for (const r of rules('airflow-pod-log-reader')) assert.ok(r.verbs.every((v) => ['get', 'list', 'watch'].includes(v)));
    assert.deepEqual(find<V1RoleBinding>(app, 'RoleBinding', 'airflow-pod-log-reader').subjects!.map((s) => s.name), ['airflow-api-server']);
  });
  it('binds nothing to the worker and grants no account access to Secrets', () => {
    for (const b of ofKind<V1RoleBinding>(app, 'RoleBinding')) assert.ok(!b.subjects!.some((s) => s.name === 'airflow-worker'));
    for (const r of ofKind<V1Role>(app, 'Role')) for (const rule of r.rules!) assert.ok(!rule.resources!.includes('secrets'));
  });
  it('drops the pod-launcher role with LocalExecutor', () => {
    const local = buildApp(inputs(config({}, { executor: 'LocalExecutor' })));
    assert.ok(!ofKind(local, 'Role').some((r) => r.metadata.name === 'airflow-pod-launcher'));
    assert.ok(!ofKind(local, 'ConfigMap').some((r) => r.metadata.name === 'airflow-pod-template'));
  });
});

describe('secrets in manifests', () => {
  it('never puts a secret value outside the Secret objects', () => {
    const app = buildApp(inputs(config()));
    const text = toYaml(allObjects(app).filter((o) => o.kind !== 'Secret'));
    for (const [k, v] of Object.entries(TEST_SECRETS)) assert.ok(!text.includes(v), `${k} leaked`);
    assert.ok(!text.includes('master-pass'), 'master password leaked');
  });
  it('rolls the pods when a secret or the configuration changes (checksum annotations)', () => {
    const sum = (i: ReturnType<typeof inputs>, a: string) =>
      find<V1Deployment>(buildApp(i), 'Deployment', 'airflow-scheduler').spec!.template.metadata!.annotations![a];
    const base = inputs(config());
    assert.notEqual(sum(base, 'airflow-aws/checksum-secrets'), sum({ ...base, secrets: { ...TEST_SECRETS, jwtSecret: 'other' } }, 'airflow-aws/checksum-secrets'));
    assert.notEqual(sum(base, 'airflow-aws/checksum-config'), sum({ ...base, baseUrl: 'https://airflow.example.com' }, 'airflow-aws/checksum-config'));
    assert.equal(sum(base, 'airflow-aws/checksum-config'), sum(inputs(config()), 'airflow-aws/checksum-config'));
  });
  it('a task-pod setting (kubernetes.workers.memory) changes only the scheduler\'s pod template', () => {
    const templates = (i: ReturnType<typeof inputs>) =>
      new Map(ofKind(buildApp(i), 'Deployment').map((d) => [d.metadata.name, JSON.stringify((d as V1Deployment).spec!.template)]));
    const before = templates(inputs(config()));
    const after = templates(inputs(config({ kubernetes: { workers: { memory: '768Mi' } } })));
    const changed = [...before].filter(([name, t]) => after.get(name) !== t).map(([name]) => name);
    assert.deepEqual(changed, ['airflow-scheduler']);
  });
  it('names Jobs by a hash of their spec, so a new image means a new migration Job', () => {
    const jobName = (image: string) => ofKind(buildApp(inputs(config(), { image })), 'Job').map((j) => j.metadata.name);
    assert.deepEqual(jobName('a:1'), jobName('a:1'));
    assert.notDeepEqual(jobName('a:1'), jobName('a:2'));
  });
  it('URL-encodes the database password and requires TLS', () => {
    const url = metadataConnection(inputs(config()), 'p@ss/w:rd^=');
    assert.ok(url.startsWith('postgresql+psycopg2://airflow_app:p%40ss%2Fw%3Ard%5E%3D@db.example.internal:5432/airflow?'));
    assert.ok(url.endsWith('?sslmode=require'));
  });
});

describe('rollout strategy', () => {
  const strategies = (extra: Record<string, unknown>) =>
    Object.fromEntries(ofKind(buildApp(inputs(config(extra))), 'Deployment').map((d) => [d.metadata.name, (d as V1Deployment).spec!.strategy!.rollingUpdate]));
  it('surges one pod for several replicas and replaces a single replica in place (no spare room needed)', () => {
    assert.deepEqual(strategies({}), {
      'airflow-api-server': { maxUnavailable: 0, maxSurge: 1 },
      'airflow-scheduler': { maxUnavailable: 1, maxSurge: 0 },
      'airflow-dag-processor': { maxUnavailable: 1, maxSurge: 0 },
      'airflow-triggerer': { maxUnavailable: 1, maxSurge: 0 },
    });
    assert.deepEqual(strategies({ kubernetes: { scheduler: { replicas: 2 } } })['airflow-scheduler'], { maxUnavailable: 0, maxSurge: 1 });
  });
});

describe('network policies', () => {
  it('denies all ingress except the UI port, the log servers from the UI, and PostgreSQL from Airflow pods', () => {
    const app = buildApp(inputs(config(), { database: IN_CLUSTER_DB }));
    const nps = ofKind<V1NetworkPolicy>(app, 'NetworkPolicy');
    const deny = nps.find((n) => n.metadata!.name === 'airflow-default-deny-ingress')!;
    assert.deepEqual(deny.spec!.podSelector, {});
    assert.deepEqual(deny.spec!.ingress, undefined);
    const ui = nps.find((n) => n.metadata!.name === 'airflow-ui-ingress')!;
    assert.deepEqual(ui.spec!.ingress![0]!.ports, [{ protocol: 'TCP', port: 8080 }]);
    const pg = nps.find((n) => n.metadata!.name === 'airflow-postgresql-ingress')!;
    assert.equal(pg.spec!.ingress![0]!._from![0]!.podSelector!.matchLabels!['app.kubernetes.io/name'], 'airflow');
    assert.ok(toYaml([pg]).includes('from:'), 'model field _from is written as from');
  });
});

describe('in-cluster PostgreSQL', () => {
  const app = buildApp(inputs(config(), { database: IN_CLUSTER_DB }));
  it('adds a StatefulSet and Service before the bootstrap Job and points Airflow at it without TLS', () => {
    assert.equal(app.phases.find((p) => p.name === 'database')!.wait, 'rollout');
    assert.ok(app.phases.findIndex((p) => p.name === 'database') < app.phases.findIndex((p) => p.name === 'db-bootstrap'));
    const sts = find(app, 'StatefulSet', 'airflow-postgresql') as { spec: { template: { spec: { containers: { image: string }[] } } } };
    assert.equal(sts.spec.template.spec.containers[0]!.image, 'postgres:16-bookworm');
    const conn = Buffer.from(find<V1Secret>(app, 'Secret', 'airflow-metadata').data!['connection']!, 'base64').toString();
    assert.ok(conn.includes('@airflow-postgresql.airflow.svc.cluster.local:5432/airflow?sslmode=disable'));
  });
});

describe('synth rendering', () => {
  const files = renderKubernetes(config());
  it('writes one file per phase in apply order, with placeholders marked and no Secrets', () => {
    assert.deepEqual(files.map((f) => f.path), [
      'kubernetes/00-namespace.yaml',
      'kubernetes/01-foundation.yaml',
      'kubernetes/02-db-bootstrap.yaml',
      'kubernetes/03-migrate.yaml',
      'kubernetes/04-create-admin.yaml',
      'kubernetes/05-components.yaml',
    ]);
    const all = files.map((f) => f.content).join('\n');
    assert.ok(all.includes(PLACEHOLDERS.image));
    assert.ok(!/^kind: Secret$/m.test(all));
    assert.ok(files.every((f) => f.content.startsWith('# Rendered offline by `airflow-aws synth`')));
  });
});
