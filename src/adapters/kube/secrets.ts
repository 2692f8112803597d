/**
 * Read-back of the Secrets the deploy command owns: the shared Airflow secrets are generated on the first
 * deploy only; every later deploy reads the existing values back and reuses them (src/k8s/secrets.ts decides,
 * purely, which keys are missing). Values are returned to the caller and never logged.
 */
import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { NAMES } from '../../k8s/labels.js';
import type { DatabaseMasterValues, SharedSecretValues } from '../../k8s/model.js';
import { completeSecrets, randomPassword, type RandomSource } from '../../k8s/secrets.js';
import type { KubeClient } from './client.js';

/** Decoded data of a Secret, or undefined if it (or its namespace) does not exist. */
export async function readSecretData(client: KubeClient, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  const s = await client.call(
    `read Secret ${namespace}/${name}`,
    () => client.objects.read<V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace } }),
    true,
  );
  if (!s) return undefined;
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

export interface ResolvedSecrets {
  readonly values: SharedSecretValues;
  /** Keys generated now (first deploy: all of them); the rest were read back. */
  readonly generated: readonly (keyof SharedSecretValues)[];
}

export async function resolveSharedSecrets(client: KubeClient, namespace: string, random: RandomSource = randomBytes): Promise<ResolvedSecrets> {
  const existing = await readSecretData(client, namespace, NAMES.secrets);
  return completeSecrets(existing, random);
}

/**
 * In-cluster PostgreSQL: the superuser credentials are ours too — generated once, read back afterwards.
 * (With RDS the deploy command copies them from Secrets Manager instead.)
 */
export async function resolveInClusterMaster(
  client: KubeClient,
  namespace: string,
  random: RandomSource = randomBytes,
): Promise<{ values: DatabaseMasterValues; generated: boolean }> {
  const existing = await readSecretData(client, namespace, NAMES.databaseMaster);
  if (existing?.['username'] && existing['password']) {
    return { values: { username: existing['username'], password: existing['password'] }, generated: false };
  }
  return { values: { username: 'postgres', password: randomPassword(random, 24) }, generated: true };
}
