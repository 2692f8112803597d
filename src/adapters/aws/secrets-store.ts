/**
 * Airflow's connections and variables in Secrets Manager, under the deployment's backend prefixes: the writes the
 * cluster's roles may not make (they read only). Values go to AWS and nowhere else; nothing here logs or returns one.
 * The SDK honours AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SECRETS_MANAGER, so an emulator needs no flag.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { DEPLOYMENT_TAG } from '../../infra/names.js';
import { awsUserError } from './errors.js';

/** One secret as `list` shows it: never its value. */
export interface StoredSecret {
  /** Full Secrets Manager name. */
  readonly name: string;
  /** When the value last changed (or the secret was created), when AWS says. */
  readonly lastChanged?: Date;
  /** Set while the secret waits out its recovery window after `delete`. */
  readonly deletionDate?: Date;
}

const isCode = (e: unknown, code: string): boolean => (e as { name?: string })?.name === code;

export class SecretsStore {
  private readonly client: SecretsManagerClient;
  private readonly region: string;

  constructor(opts: { readonly region: string; readonly endpoint?: string }) {
    this.region = opts.region;
    this.client = new SecretsManagerClient({ region: opts.region, ...(opts.endpoint ? { endpoint: opts.endpoint } : {}), maxAttempts: 3 });
  }

  /**
   * Stores `value` as the secret's current version: a new secret (tagged with the deployment) or a new version of
   * an existing one. A secret waiting for deletion is not silently brought back.
   */
  async put(name: string, value: string, meta: { readonly deployment: string; readonly description: string }): Promise<'created' | 'updated'> {
    // Described first: AWS refuses a new value for a secret scheduled for deletion, but not every emulator does,
    // and the user needs the restore hint either way.
    const state = await this.state(name);
    if (state === 'pending-deletion') {
      throw new UserError(`secret ${name} is scheduled for deletion and cannot take a new value`, {
        code: 'SECRET_PENDING_DELETION',
        exitCode: EXIT_BAD_INPUT,
        hint: `restore it first (aws secretsmanager restore-secret --secret-id ${name} --region ${this.region}), then set it again`,
      });
    }
    try {
      if (state === 'present') {
        await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
        return 'updated';
      }
      await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          Description: meta.description,
          Tags: [{ Key: DEPLOYMENT_TAG, Value: meta.deployment }],
        }),
      );
      return 'created';
    } catch (e) {
      throw awsUserError(e, { action: `${state === 'present' ? 'writing' : 'creating'} secret ${name}`, region: this.region });
    }
  }

  /** Every secret whose name starts with `prefix` (Secrets Manager's name filter is a prefix match). */
  async list(prefix: string): Promise<StoredSecret[]> {
    const out: StoredSecret[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], ...(token ? { NextToken: token } : {}) }),
        );
        for (const s of page.SecretList ?? []) {
          // The filter also matches names that merely contain the words; keep true prefix matches only.
          if (!s.Name?.startsWith(prefix)) continue;
          const lastChanged = s.LastChangedDate ?? s.CreatedDate;
          out.push({ name: s.Name, ...(lastChanged ? { lastChanged } : {}), ...(s.DeletedDate ? { deletionDate: s.DeletedDate } : {}) });
        }
        token = page.NextToken;
      } while (token);
    } catch (e) {
      throw awsUserError(e, { action: `listing secrets under ${prefix}`, region: this.region });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Whether the secret exists; one scheduled for deletion is neither usable nor gone. */
  async state(name: string): Promise<'present' | 'absent' | 'pending-deletion'> {
    try {
      const d = await this.client.send(new DescribeSecretCommand({ SecretId: name }));
      return d.DeletedDate === undefined ? 'present' : 'pending-deletion';
    } catch (e) {
      if (isCode(e, 'ResourceNotFoundException')) return 'absent';
      throw awsUserError(e, { action: `reading secret ${name}`, region: this.region });
    }
  }

  /** Schedules deletion after a recovery window (never a force delete); returns when AWS will delete it. */
  async delete(name: string, recoveryWindowDays: number): Promise<Date | undefined> {
    try {
      const r = await this.client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: recoveryWindowDays }));
      return r.DeletionDate;
    } catch (e) {
      throw awsUserError(e, { action: `deleting secret ${name}`, region: this.region });
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
