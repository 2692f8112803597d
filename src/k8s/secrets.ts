/**
 * Shared secrets: generated once from a random source, then reused forever. Pure — the random source is a
 * parameter (node:crypto randomBytes in the adapter, a fixed stream in tests), and the read-back of existing
 * values happens in the adapter, which passes them to `completeSecrets`.
 *
 * Why they must never be regenerated: a new fernet key makes every stored connection password unreadable; a new
 * JWT secret fails every running task's execution-API token; a new API secret key logs every user out.
 * @see https://airflow.apache.org/docs/apache-airflow/stable/security/secrets/fernet.html
 */
import { createHash } from 'node:crypto';
import type { SharedSecretValues } from './model.js';
import { SECRET_KEYS } from './labels.js';

export type RandomSource = (bytes: number) => Buffer;

/**
 * A Fernet key: url-safe base64 of 32 random bytes WITH `=` padding (44 characters). Node's `base64url` drops the
 * padding, which Python's `cryptography.Fernet` rejects, so translate standard base64 instead.
 */
export function fernetKey(random: RandomSource): string {
  const bytes = random(32);
  if (bytes.length !== 32) throw new Error(`random source returned ${bytes.length} bytes, expected 32`);
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** A password of `bytes` random bytes as url-safe characters (no quoting problems in URLs, env files or SQL). */
export function randomPassword(random: RandomSource, bytes = 24): string {
  return random(bytes).toString('base64url');
}

/** Fresh values for every shared secret. */
export function generateSecrets(random: RandomSource): SharedSecretValues {
  return {
    fernetKey: fernetKey(random),
    apiSecretKey: random(32).toString('hex'),
    jwtSecret: random(32).toString('hex'),
    adminPassword: randomPassword(random, 18),
    databasePassword: randomPassword(random, 24),
  };
}

/**
 * Existing values win; only keys missing from the cluster's Secret are generated. `existing` is the decoded data
 * of the Secret as read back (keys as in SECRET_KEYS), or undefined on the first deploy.
 * Returns which keys were generated, so the caller can say "generated" vs "reused" without printing values.
 */
export function completeSecrets(
  existing: Readonly<Record<string, string>> | undefined,
  random: RandomSource,
): { values: SharedSecretValues; generated: (keyof SharedSecretValues)[] } {
  const fresh = generateSecrets(random);
  const generated: (keyof SharedSecretValues)[] = [];
  const pick = (k: keyof SharedSecretValues): string => {
    const v = existing?.[SECRET_KEYS[k]];
    if (v !== undefined && v.length > 0) return v;
    generated.push(k);
    return fresh[k];
  };
  const values: SharedSecretValues = {
    fernetKey: pick('fernetKey'),
    apiSecretKey: pick('apiSecretKey'),
    jwtSecret: pick('jwtSecret'),
    adminPassword: pick('adminPassword'),
    databasePassword: pick('databasePassword'),
  };
  return { values, generated };
}

/**
 * Checksum for pod annotations: changes when any input changes, so the pods that use a ConfigMap or Secret roll.
 * SHA-256 of random 32-byte secrets reveals nothing useful about them.
 */
export function checksum(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(',')}}`;
}
