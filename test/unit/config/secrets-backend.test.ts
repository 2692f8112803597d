import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendSecretName, parseBackendSecretName, secretsBackendPrefixes, type SecretKind } from '../../../src/config/naming.js';
import { SECRETS_MANAGER_BACKEND, secretsBackendEnv } from '../../../src/config/secrets-backend.js';
import { airflowEnv } from '../../../src/dev/airflow-env.js';
import { configMap } from '../../../src/k8s/airflow-config.js';
import { generateSecrets } from '../../../src/dev/secrets.js';
import { config, IN_CLUSTER_DB, inputs } from '../k8s/fixtures.js';
import { secretsBackendClient } from '../../../src/ops/dev/up.js';

const kwargs = (env: Record<string, string>) => JSON.parse(env['AIRFLOW__SECRETS__BACKEND_KWARGS'] ?? 'null') as Record<string, string> | null;

describe('Secrets Manager backend settings', () => {
  it('names secrets as the backend looks them up (prefix, "/", id) and reads the names back', () => {
    const table: [SecretKind, string, string][] = [
      ['connection', 'warehouse', 'airflow-aws/demo/connections/warehouse'],
      ['variable', 'api_token', 'airflow-aws/demo/variables/api_token'],
      ['config', 'sql_alchemy_conn', 'airflow-aws/demo/config/sql_alchemy_conn'],
    ];
    for (const [kind, id, name] of table) {
      assert.equal(backendSecretName({ name: 'demo' }, kind, id), name);
      assert.deepEqual(parseBackendSecretName({ name: 'demo' }, name), { kind, id });
    }
    for (const other of ['airflow-aws/demo/database', 'airflow-aws/demo/connections/', 'airflow-aws/demo2/connections/x', 'airflow-aws/other/variables/x']) {
      assert.equal(parseBackendSecretName({ name: 'demo' }, other), undefined, other);
    }
  });

  it('gives the cluster the backend with the prefixes its roles may read, and no endpoint', () => {
    const cm = configMap(inputs(config())).data;
    assert.equal(cm['AIRFLOW__SECRETS__BACKEND'], SECRETS_MANAGER_BACKEND);
    const p = secretsBackendPrefixes({ name: 'demo' });
    assert.deepEqual(kwargs(cm), { connections_prefix: p.connections, variables_prefix: p.variables, config_prefix: p.config });
  });

  it('gives a cluster with an in-cluster database (no AWS) no secrets backend', () => {
    assert.equal(configMap(inputs(config(), { database: IN_CLUSTER_DB })).data['AIRFLOW__SECRETS__BACKEND'], undefined);
  });

  describe('dev', () => {
    const base = {
      config: { name: 'demo', airflowMajor: 3, airflow: { version: '3.3.2', python: '3.12', executor: 'LocalExecutor', auth: 'simple' } } as const,
      secrets: generateSecrets((n) => Buffer.alloc(n, 7)),
      db: { host: '127.0.0.1', port: 5433, user: 'airflow', database: 'airflow' },
      apiPort: 8080,
      apiHost: '127.0.0.1',
      executionApiUrl: 'http://127.0.0.1:8080/execution/',
      baseUrl: 'http://localhost:8080',
      airflowHome: '/p/h',
      dagsFolder: '/p/dags',
      pluginsFolder: '/p/plugins',
      taskLogsFolder: '/p/logs',
      simpleAuthPasswordsFile: '/p/pw.json',
    };
    const cluster = kwargs(configMap(inputs(config())).data)!;

    it('has no secrets backend unless asked', () => {
      assert.equal(airflowEnv(base)['AIRFLOW__SECRETS__BACKEND'], undefined);
    });

    const table: [string, string, Record<string, string>][] = [
      ['an emulator URL', 'http://127.0.0.1:4566', { region_name: 'eu-west-1', endpoint_url: 'http://127.0.0.1:4566' }],
      ['"aws": AWS in the config region', 'aws', { region_name: 'eu-west-1' }],
    ];
    for (const [what, endpoint, client] of table) {
      it(`with --secrets-endpoint ${what}: the cluster's prefixes plus ${Object.keys(client).join(' and ')}`, () => {
        const env = airflowEnv({ ...base, secretsBackend: secretsBackendClient({ region: 'eu-west-1' }, endpoint) });
        assert.equal(env['AIRFLOW__SECRETS__BACKEND'], SECRETS_MANAGER_BACKEND);
        assert.deepEqual(kwargs(env), { ...cluster, ...client });
      });
    }
  });
});
