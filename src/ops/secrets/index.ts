/**
 * The `secrets` operations: connection ids and variable keys in, Secrets Manager names out (from the same naming
 * module the cluster's backend settings use), input validated before any AWS call. Values are passed to the store
 * and never returned.
 */
import { backendSecretName, parseBackendSecretName, secretKindPrefix, secretsPrefix, type SecretKind } from '../../config/naming.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import {
  parseConnectionInput,
  validateSecretId,
  validateValueSize,
  validateVariableValue,
  valueFromText,
} from '../../secrets/input.js';

/** What the operations need of Secrets Manager (src/adapters/aws/secrets-store.ts). */
export interface SecretsStorePort {
  put(name: string, value: string, meta: { readonly deployment: string; readonly description: string }): Promise<'created' | 'updated'>;
  list(prefix: string): Promise<readonly { readonly name: string; readonly lastChanged?: Date; readonly deletionDate?: Date }[]>;
  state(name: string): Promise<'present' | 'absent' | 'pending-deletion'>;
  delete(name: string, recoveryWindowDays: number): Promise<Date | undefined>;
}

export type WritableKind = Extract<SecretKind, 'connection' | 'variable'>;

export interface SetResult {
  readonly kind: WritableKind;
  readonly id: string;
  readonly secretName: string;
  readonly action: 'created' | 'updated';
  /** For connections: the form given and its conn_type (not secret). */
  readonly form?: 'uri' | 'json';
  readonly connType?: string;
}

const WHAT = { connection: 'connection id', variable: 'variable key' } as const;

/** Validates, then stores a connection (URI or JSON form) or a variable under the deployment's prefix. */
export async function setSecret(store: SecretsStorePort, config: ResolvedConfig, kind: WritableKind, id: string, rawText: string): Promise<SetResult> {
  validateSecretId(WHAT[kind], id, secretKindPrefix(config, kind));
  let value: string;
  let conn: { form: 'uri' | 'json'; connType: string } | undefined;
  if (kind === 'connection') {
    const c = parseConnectionInput(rawText);
    value = c.text;
    conn = { form: c.form, connType: c.connType };
  } else {
    value = valueFromText(rawText);
    validateVariableValue(value);
  }
  validateValueSize(value);
  const secretName = backendSecretName(config, kind, id);
  const action = await store.put(secretName, value, {
    deployment: config.name,
    description: `Airflow ${kind} "${id}" of airflow-aws deployment "${config.name}"`,
  });
  return { kind, id, secretName, action, ...(conn ?? {}) };
}

export interface ListedSecret {
  readonly kind: SecretKind;
  readonly id: string;
  readonly secretName: string;
  readonly lastChanged?: Date;
  /** Scheduled for deletion on this date (still restorable until then). */
  readonly deletionDate?: Date;
}

/** Connections, variables and config options under the deployment's prefixes: names and dates, never values. */
export async function listSecrets(store: SecretsStorePort, config: ResolvedConfig): Promise<ListedSecret[]> {
  const found = await store.list(`${secretsPrefix(config)}/`);
  const out: ListedSecret[] = [];
  for (const s of found) {
    const parsed = parseBackendSecretName(config, s.name);
    // Other names under the deployment prefix (e.g. the database secret) are not Airflow's to read: not listed.
    if (!parsed) continue;
    out.push({
      kind: parsed.kind,
      id: parsed.id,
      secretName: s.name,
      ...(s.lastChanged ? { lastChanged: s.lastChanged } : {}),
      ...(s.deletionDate ? { deletionDate: s.deletionDate } : {}),
    });
  }
  return out;
}

export interface DeleteResult {
  readonly kind: WritableKind;
  readonly id: string;
  readonly secretName: string;
  readonly recoveryWindowDays: number;
  readonly deletionDate?: Date;
}

/** The secret a `delete` would remove; fails (exit 1) when there is none, before anyone is asked to confirm. */
export async function deletionTarget(store: SecretsStorePort, config: ResolvedConfig, kind: WritableKind, id: string): Promise<string> {
  validateSecretId(WHAT[kind], id, secretKindPrefix(config, kind));
  const secretName = backendSecretName(config, kind, id);
  if ((await store.state(secretName)) !== 'present') {
    throw new UserError(`there is no ${kind} "${id}" (${secretName}) in ${config.region}`, {
      code: 'SECRET_NOT_FOUND',
      hint: `see what exists with \`airflow-aws secrets list\`${kind === 'connection' ? '; a variable needs --variable' : ''}`,
    });
  }
  return secretName;
}

/**
 * Days AWS keeps a deleted secret restorable (`aws secretsmanager restore-secret`); AWS's bounds, and its own default.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html
 */
export const RECOVERY_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;

/** Schedules the deletion after a recovery window: there is deliberately no force-delete. */
export async function deleteSecret(store: SecretsStorePort, secretName: string, kind: WritableKind, id: string, recoveryWindowDays: number): Promise<DeleteResult> {
  if (!Number.isInteger(recoveryWindowDays) || recoveryWindowDays < RECOVERY_WINDOW_DAYS.min || recoveryWindowDays > RECOVERY_WINDOW_DAYS.max) {
    throw new UserError(`--recovery-window must be ${RECOVERY_WINDOW_DAYS.min}-${RECOVERY_WINDOW_DAYS.max} days, got ${recoveryWindowDays}`, { code: 'FLAG_INVALID', exitCode: EXIT_BAD_INPUT });
  }
  const deletionDate = await store.delete(secretName, recoveryWindowDays);
  return { kind, id, secretName, recoveryWindowDays, ...(deletionDate ? { deletionDate } : {}) };
}
