import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1Container } from '@kubernetes/client-node';
import { REMOTE_LOG_CONN_ENV, type LogStore } from '../../../src/airflow/remote-logs.js';
import { buildApp } from '../../../src/k8s/app.js';
import type { KubeApp } from '../../../src/k8s/model.js';
import { offlineInputs, PLACEHOLDERS } from '../../../src/k8s/render.js';
import { config, inputs } from './fixtures.js';
import { containers, find, podSpecs } from './support.js';

/** What a container sees: the ConfigMaps it takes with envFrom, then its own env (values or secret refs). */
function effectiveEnv(app: KubeApp, c: V1Container): Map<string, string> {
  const env = new Map<string, string>();
  for (const from of c.envFrom ?? []) {
    const name = from.configMapRef?.name;
    if (!name) continue;
    for (const [k, v] of Object.entries(find<V1ConfigMap>(app, 'ConfigMap', name).data ?? {})) env.set(k, v);
  }
  for (const e of c.env ?? []) env.set(e.name, e.value ?? `secret:${e.valueFrom?.secretKeyRef?.name}`);
  return env;
}

/** Every Airflow container (those that take the Airflow ConfigMap), by owner. */
function airflowContainers(app: KubeApp): { owner: string; env: Map<string, string> }[] {
  return podSpecs(app).flatMap((p) =>
    containers(p.spec)
      .filter((c) => (c.envFrom ?? []).some((f) => f.configMapRef?.name === 'airflow-config'))
      .map((c) => ({ owner: `${p.owner}:${c.name}`, env: effectiveEnv(app, c) })),
  );
}

const AWS_STORE: LogStore = { bucket: 'demo-airflow-storagebucket-abc123', region: 'eu-west-1' };
const MINIO_STORE: LogStore = { bucket: 'logs-bucket', region: 'eu-west-1', endpointUrl: 'http://minio.storage:9000' };

const cases: readonly {
  name: string;
  executor: 'KubernetesExecutor' | 'LocalExecutor';
  store: LogStore;
  owners: readonly string[];
  extra: Record<string, unknown>;
}[] = [
  {
    name: 'KubernetesExecutor on AWS',
    executor: 'KubernetesExecutor',
    store: AWS_STORE,
    owners: ['Deployment/airflow-api-server', 'Deployment/airflow-scheduler', 'Deployment/airflow-dag-processor', 'Deployment/airflow-triggerer', 'executor pod template'],
    extra: { region_name: 'eu-west-1' },
  },
  {
    name: 'KubernetesExecutor on an S3-compatible endpoint',
    executor: 'KubernetesExecutor',
    store: MINIO_STORE,
    owners: ['Deployment/airflow-api-server', 'Deployment/airflow-scheduler', 'Deployment/airflow-dag-processor', 'Deployment/airflow-triggerer', 'executor pod template'],
    extra: { region_name: 'eu-west-1', endpoint_url: 'http://minio.storage:9000', config_kwargs: { s3: { addressing_style: 'path' } } },
  },
  {
    name: 'LocalExecutor on AWS',
    executor: 'LocalExecutor',
    store: AWS_STORE,
    owners: ['Deployment/airflow-api-server', 'Deployment/airflow-scheduler', 'Deployment/airflow-dag-processor', 'Deployment/airflow-triggerer'],
    extra: { region_name: 'eu-west-1' },
  },
];

describe('remote task logs in the manifests', () => {
  for (const c of cases) {
    it(`configures S3 remote logging on every component and task pod (${c.name})`, () => {
      const app = buildApp(inputs(config({}, { executor: c.executor }), { logStore: c.store }));
      const all = airflowContainers(app);
      for (const owner of c.owners) assert.ok(all.some((x) => x.owner.startsWith(`${owner}:`)), `${owner} has an Airflow container`);
      assert.equal(all.some((x) => x.owner.startsWith('executor pod template')), c.executor === 'KubernetesExecutor');
      for (const { owner, env } of all) {
        assert.equal(env.get('AIRFLOW__LOGGING__REMOTE_LOGGING'), 'True', owner);
        assert.equal(env.get('AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER'), `s3://${c.store.bucket}/logs`, owner);
        assert.equal(env.get('AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID'), 'aws_logs', owner);
        const conn = JSON.parse(env.get(REMOTE_LOG_CONN_ENV) ?? 'null') as unknown;
        // No keys: Pod Identity (the boto3 chain) supplies credentials.
        assert.deepEqual(conn, { conn_type: 'aws', extra: c.extra }, owner);
      }
    });
  }

  it('leaves logging alone when no log store is given (a cluster of its own without a stack)', () => {
    const app = buildApp(inputs(config()));
    for (const { owner, env } of airflowContainers(app)) {
      for (const k of ['AIRFLOW__LOGGING__REMOTE_LOGGING', 'AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER', REMOTE_LOG_CONN_ENV]) {
        assert.equal(env.has(k), false, `${owner}: ${k}`);
      }
    }
  });

  it('renders remote logging in synth output with a marked placeholder bucket and the configured endpoint', () => {
    const cfg = config({ storage: { endpointUrl: 'https://s3.internal.example:9000' } });
    const cm = find<V1ConfigMap>(buildApp(offlineInputs(cfg)), 'ConfigMap', 'airflow-config').data!;
    assert.equal(cm['AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER'], `s3://${PLACEHOLDERS.bucket}/logs`);
    assert.equal((JSON.parse(cm[REMOTE_LOG_CONN_ENV]!) as { extra: { endpoint_url: string } }).extra.endpoint_url, 'https://s3.internal.example:9000');
  });
});
