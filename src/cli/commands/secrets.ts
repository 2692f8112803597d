/**
 * `secrets set-connection|set-variable|list|delete`: flags and input in, src/ops/secrets does the work against
 * Secrets Manager (src/adapters/aws/secrets-store.ts), names and outcomes out. No value is ever printed.
 */
import { readSecretText } from '../../adapters/fs/secret-input.js';
import type { SecretsStore } from '../../adapters/aws/secrets-store.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { deleteSecret, deletionTarget, listSecrets, setSecret, type WritableKind } from '../../ops/secrets/index.js';
import { terminalPrompter, YES } from '../../ui/prompt.js';
import type { CommandContext } from '../context.js';

export interface SecretsSetFlags {
  readonly file?: string;
  readonly json: boolean;
}

export interface SecretsDeleteFlags {
  readonly variable: boolean;
  readonly recoveryWindow: number;
  readonly yes: boolean;
  readonly json: boolean;
}

async function withStore<T>(config: ResolvedConfig, fn: (store: SecretsStore) => Promise<T>): Promise<T> {
  const { SecretsStore } = await import('../../adapters/aws/secrets-store.js');
  const store = new SecretsStore({ region: config.region });
  try {
    return await fn(store);
  } finally {
    store.destroy();
  }
}

export async function secretsSetCommand(ctx: CommandContext, kind: WritableKind, id: string, o: SecretsSetFlags): Promise<number> {
  const config = await ctx.config();
  const text = await readSecretText({ cwd: ctx.cwd, ...(o.file !== undefined ? { file: o.file } : {}) });
  const r = await withStore(config, (store) => setSecret(store, config, kind, id, text));
  if (o.json) {
    ctx.out.dataJson({ kind: r.kind, name: r.id, secretName: r.secretName, action: r.action, ...(r.form ? { form: r.form, connType: r.connType } : {}) });
  } else {
    ctx.out.data(`${r.action} ${r.kind} ${r.id} (${r.secretName})`);
  }
  ctx.out.success(`${r.kind} ${r.id} ${r.action}${r.form ? ` (${r.connType}, ${r.form} form)` : ''}; Airflow reads it on the next lookup`);
  return 0;
}

export async function secretsListCommand(ctx: CommandContext, o: { json: boolean }): Promise<number> {
  const config = await ctx.config();
  const rows = await withStore(config, (store) => listSecrets(store, config));
  if (o.json) {
    ctx.out.dataJson(
      rows.map((r) => ({
        kind: r.kind,
        name: r.id,
        secretName: r.secretName,
        lastChanged: r.lastChanged?.toISOString() ?? null,
        ...(r.deletionDate ? { deletionDate: r.deletionDate.toISOString() } : {}),
      })),
    );
    return 0;
  }
  if (rows.length === 0) {
    ctx.out.info(`no connections or variables under airflow-aws/${config.name}/ in ${config.region}`);
    return 0;
  }
  const width = Math.max(4, ...rows.map((r) => r.id.length));
  ctx.out.data(`${'KIND'.padEnd(10)}  ${'NAME'.padEnd(width)}  LAST CHANGED`);
  for (const r of rows) {
    const changed = r.lastChanged?.toISOString() ?? '-';
    const pending = r.deletionDate ? `  (deleted on ${r.deletionDate.toISOString()} unless restored)` : '';
    ctx.out.data(`${r.kind.padEnd(10)}  ${r.id.padEnd(width)}  ${changed}${pending}`);
  }
  return 0;
}

export async function secretsDeleteCommand(ctx: CommandContext, id: string, o: SecretsDeleteFlags): Promise<number> {
  const config = await ctx.config();
  const kind: WritableKind = o.variable ? 'variable' : 'connection';
  return withStore(config, async (store) => {
    const secretName = await deletionTarget(store, config, kind, id);
    const prompt = o.yes ? YES : terminalPrompter(ctx.signal);
    if (!o.yes && !prompt.interactive) {
      throw new UserError(`deleting ${kind} ${id} needs a confirmation, but there is no terminal to ask on`, {
        code: 'CONFIRMATION_REQUIRED',
        exitCode: EXIT_BAD_INPUT,
        hint: `run \`airflow-aws secrets delete ${id}${o.variable ? ' --variable' : ''} --yes\``,
      });
    }
    ctx.out.info(`${secretName} will be scheduled for deletion: restorable for ${o.recoveryWindow} days, then gone; DAGs stop finding it at once`);
    if (!(await prompt.confirmTyped(`delete ${kind} ${id}?`, id))) {
      ctx.out.info('nothing changed');
      return 1;
    }
    const r = await deleteSecret(store, secretName, kind, id, o.recoveryWindow);
    const when = r.deletionDate?.toISOString();
    if (o.json) ctx.out.dataJson({ kind, name: id, secretName, recoveryWindowDays: r.recoveryWindowDays, deletionDate: when ?? null });
    else ctx.out.data(`scheduled ${kind} ${id} (${secretName}) for deletion${when ? ` on ${when}` : ''}`);
    ctx.out.success(`${kind} ${id} deleted; restore it until then with: aws secretsmanager restore-secret --secret-id ${secretName} --region ${config.region}`);
    return 0;
  });
}
