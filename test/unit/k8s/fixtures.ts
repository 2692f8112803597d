/** Inputs for the Kubernetes builders: a parsed config per Airflow line plus deterministic secrets. */
import { parseConfig } from '../../../src/config/load.js';
import type { ResolvedConfig } from '../../../src/config/resolved.js';
import type { DatabaseTarget, KubeInputs, SharedSecretValues } from '../../../src/k8s/model.js';
import { generateSecrets, type RandomSource } from '../../../src/k8s/secrets.js';

export function config(extra: Record<string, unknown> = {}, airflow: Record<string, unknown> = {}): ResolvedConfig {
  const doc = { name: 'demo', region: 'eu-west-1', airflow: { version: '3.3.2', ...airflow }, ...extra };
  return parseConfig(JSON.stringify(doc), '/project/airflow-aws.yaml', '/project');
}

/** A deterministic "random" source: a counter-seeded byte stream (never use outside tests). */
export function counterRandom(seed = 1): RandomSource {
  let n = seed;
  return (bytes: number) => {
    const b = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) b[i] = (n++ * 37) & 0xff;
    return b;
  };
}

export const TEST_SECRETS: SharedSecretValues = generateSecrets(counterRandom());

export const EXTERNAL_DB: DatabaseTarget = { kind: 'external', host: 'db.example.internal', port: 5432, sslmode: 'require' };
export const IN_CLUSTER_DB: DatabaseTarget = { kind: 'in-cluster', image: 'postgres:16-bookworm', storage: '8Gi' };

export function inputs(cfg: ResolvedConfig, over: Partial<KubeInputs> = {}): KubeInputs {
  return {
    config: cfg,
    image: 'registry.example/airflow@sha256:' + 'a'.repeat(64),
    database: EXTERNAL_DB,
    secrets: TEST_SECRETS,
    databaseMaster: { username: 'master', password: 'master-pass^=,.' },
    ...over,
  };
}
