/**
 * Secrets of the local environment, generated once per project and kept in `.airflow-aws/dev/secrets.json` (0600):
 * the values Airflow requires to be identical in every component (fernet key, API secret key, JWT secret — see
 * the fact sheet A2), the PostgreSQL password and the admin login. Regenerating them would orphan encrypted
 * connections in the kept database, so they live exactly as long as the database does.
 */
export interface DevSecrets {
  readonly version: 1;
  /** `[core] fernet_key`: url-safe base64 of 32 bytes WITH padding (44 chars), as Python's Fernet requires. */
  readonly fernetKey: string;
  /** `[api] secret_key` */
  readonly apiSecretKey: string;
  /** `[api_auth] jwt_secret` */
  readonly jwtSecret: string;
  readonly postgresPassword: string;
  readonly adminUser: string;
  readonly adminPassword: string;
}

export type RandomBytes = (n: number) => Uint8Array;

/** Fernet keys are urlsafe_b64encode(32 bytes): Node's base64url drops the padding Python insists on. */
export function fernetKey(bytes: Uint8Array): string {
  if (bytes.length !== 32) throw new Error(`a fernet key needs 32 bytes, got ${bytes.length}`);
  return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Letters and digits only: safe in URLs (the database URI), env files and shells without quoting. */
export function token(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  // 256 % 57 != 0 gives a tiny bias; irrelevant for 32-char local secrets, and keeps the function pure.
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export function generateSecrets(random: RandomBytes): DevSecrets {
  return {
    version: 1,
    fernetKey: fernetKey(random(32)),
    apiSecretKey: token(random(32)),
    // 64 characters: PyJWT warns on every token signed with a shorter HMAC key (RFC 7518 §3.2 for HS512).
    jwtSecret: token(random(64)),
    postgresPassword: token(random(24)),
    adminUser: 'admin',
    adminPassword: token(random(16)),
  };
}

/** Validates a secrets file read back from disk; returns a reason when it is unusable. */
export function checkSecrets(value: unknown): DevSecrets | string {
  if (!value || typeof value !== 'object') return 'not a JSON object';
  const v = value as Record<string, unknown>;
  if (v['version'] !== 1) return `unknown version ${JSON.stringify(v['version'])}`;
  for (const k of ['fernetKey', 'apiSecretKey', 'jwtSecret', 'postgresPassword', 'adminUser', 'adminPassword']) {
    if (typeof v[k] !== 'string' || (v[k] as string).length === 0) return `missing "${k}"`;
  }
  if (!/^[A-Za-z0-9_-]{43}=$/.test(v['fernetKey'] as string)) return 'fernetKey is not a 44-character url-safe base64 key';
  return v as unknown as DevSecrets;
}
