/**
 * Safe upgrades, the pure half: does this `up` migrate the metadata schema, what the pre-migration snapshot is
 * called, and the texts the plan and a failed migration print. No I/O: the deployed version, the clock and the
 * instance id come in as inputs (the snapshot itself is src/adapters/aws/db-snapshot.ts).
 *
 * Only the Airflow version migrates the schema among the things the config controls: `airflow db migrate` applies
 * the migrations between the schema's revision and the running Airflow's, and nothing else in the config (image
 * contents, executor, sizes) adds revisions.
 * @see https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSnapshot.html
 */
import { createHash } from 'node:crypto';
import { EXIT_BAD_INPUT, UserError } from '../errors/user-error.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { AIRFLOW_VERSION_PATTERN } from '../config/versions.js';
import { DATABASE_LOG_EXPORTS, DEPLOYMENT_TAG } from '../infra/names.js';

/** The label our Deployments carry the Airflow version in (src/k8s/labels.ts objectLabels). */
export const VERSION_LABEL = 'app.kubernetes.io/version';

/** Tag on a pre-upgrade snapshot naming the migration, e.g. `2.10.5-to-3.0.6`: `down` and a rerun find it by it. */
export const UPGRADE_TAG = 'airflow-aws:upgrade';

/** RDS DB snapshot identifiers: 1–255 characters. */
export const SNAPSHOT_ID_MAX = 255;

export interface DeployedState {
  /** The Airflow version our Deployments run, or undefined when nothing is deployed (first install). */
  readonly airflowVersion: string | undefined;
}

export type UpgradeDecision =
  | { readonly kind: 'first-install'; readonly to: string }
  | { readonly kind: 'same'; readonly version: string }
  | { readonly kind: 'upgrade'; readonly from: string; readonly to: string; readonly snapshotId: string }
  | { readonly kind: 'downgrade'; readonly from: string; readonly to: string };

/** Anything with labels, as a Deployment read from the API server is. */
export interface Labelled {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>> | undefined } | undefined;
}

/**
 * The deployed Airflow version from our Deployments' version labels: the highest one. Versions differ only after
 * an `up` that stopped midway through rolling the Deployments, and those roll only after the migration Job
 * succeeded — so the schema is at the highest version seen, and a "downgrade" to any lower one must be caught.
 * Labels that are not a version (edited by hand) are ignored; none at all means first install.
 */
export function deployedAirflowVersion(deployments: readonly Labelled[]): string | undefined {
  let best: string | undefined;
  for (const d of deployments) {
    const v = d.metadata?.labels?.[VERSION_LABEL];
    if (v === undefined || !AIRFLOW_VERSION_PATTERN.test(v)) continue;
    if (best === undefined || compareVersions(v, best) > 0) best = v;
  }
  return best;
}

/** Numeric comparison of two `major.minor.patch` versions (negative, 0, positive). Non-versions compare as 0.0.0. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (AIRFLOW_VERSION_PATTERN.exec(v)?.slice(1, 4) ?? ['0', '0', '0']).map(Number);
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < 3; i++) {
    const d = pa[i]! - pb[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * What `up` does about the schema. `now` names the snapshot (UTC minutes), so a rerun of a failed upgrade takes a
 * fresh snapshot of the database as it is then rather than reusing an older one that misses newer task history.
 */
export function decideUpgrade(
  deployed: DeployedState,
  config: Pick<ResolvedConfig, 'name' | 'airflow'>,
  now: Date,
): UpgradeDecision {
  const to = config.airflow.version;
  const from = deployed.airflowVersion;
  if (from === undefined) return { kind: 'first-install', to };
  const order = compareVersions(from, to);
  if (from === to || order === 0) return { kind: 'same', version: to };
  if (order > 0) return { kind: 'downgrade', from, to };
  return { kind: 'upgrade', from, to, snapshotId: snapshotIdentifier(config.name, from, to, now) };
}

/** The refusal of a downgrade, for `up` to throw (and `plan` to show) before anything changes. */
export function downgradeError(from: string, to: string, instanceId?: string): UserError {
  const instance = instanceId ?? '<instance>';
  return new UserError(`airflow.version ${to} is older than the deployed Airflow ${from}: refusing to downgrade`, {
    code: 'AIRFLOW_DOWNGRADE_REFUSED',
    exitCode: EXIT_BAD_INPUT,
    hint: `set airflow.version back to ${from}; an older Airflow cannot run on the schema ${from} migrated to`,
    details: [
      `to go back to ${to} anyway, either:`,
      `  - restore the snapshot taken before the upgrade to ${from} (list them: aws rds describe-db-snapshots --db-instance-identifier ${instance} --snapshot-type manual), losing what ran since; or`,
      `  - downgrade the schema with the ${from} image first: airflow db downgrade --to-version ${to} (take a snapshot before; see https://airflow.apache.org/docs/apache-airflow/stable/howto/usage-cli.html#downgrading-airflow)`,
    ],
  });
}

/** `202607141530` for 2026-07-14T15:30Z. */
export function snapshotTimestamp(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(now.getUTCFullYear(), 4)}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}`;
}

/**
 * `airflow-aws-<name>-<from>-to-<to>-<yyyymmddhhmm>`, made a valid RDS snapshot identifier: lowercase (RDS stores
 * identifiers lowercase), anything but letters/digits → hyphen, no double hyphen, starts with a letter, no trailing
 * hyphen, at most 255 characters. Truncation keeps the timestamp and replaces the cut part by a hash of the whole
 * name, so two long names that share a prefix still get different identifiers.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSnapshot.html
 */
export function snapshotIdentifier(name: string, from: string, to: string, now: Date): string {
  const head = sanitize(`airflow-aws-${name}-${from}-to-${to}`);
  const stamp = snapshotTimestamp(now);
  const whole = `${head}-${stamp}`;
  if (whole.length <= SNAPSHOT_ID_MAX) return whole;
  const hash = createHash('sha256').update(whole).digest('hex').slice(0, 8);
  const tail = `-${hash}-${stamp}`;
  const cut = head.slice(0, SNAPSHOT_ID_MAX - tail.length).replace(/-+$/, '');
  return `${cut}${tail}`;
}

function sanitize(s: string): string {
  const cleaned = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  // Only reachable with an empty name and versions of digits only; the prefix keeps "airflow-aws" anyway.
  return cleaned.length > 0 ? cleaned : 'airflow-aws';
}

/** True when `id` satisfies the RDS rules for a DB snapshot identifier. */
export function isValidSnapshotIdentifier(id: string): boolean {
  return id.length >= 1 && id.length <= SNAPSHOT_ID_MAX && /^[A-Za-z][A-Za-z0-9-]*$/.test(id) && !id.includes('--') && !id.endsWith('-');
}

/** Tags on the snapshot: the config's tags (as on every resource), the deployment, and which migration it guards. */
export function snapshotTags(
  config: Pick<ResolvedConfig, 'name' | 'tags'>,
  from: string,
  to: string,
): Record<string, string> {
  return { ...config.tags, [DEPLOYMENT_TAG]: config.name, [UPGRADE_TAG]: `${from}-to-${to}` };
}

export interface PlanContext {
  /** The RDS instance identifier (src/infra/names.ts databaseInstanceIdentifier). */
  readonly instanceId: string;
  readonly region: string;
}

/** The plan's lines about the schema, shown before anything changes. A downgrade says it will be refused. */
export function upgradePlanLines(decision: UpgradeDecision, ctx: PlanContext): string[] {
  switch (decision.kind) {
    case 'first-install':
      return [`first install of Airflow ${decision.to}: the migration Job creates the schema (no snapshot: there is no data yet)`];
    case 'same':
      return [`Airflow ${decision.version} is already deployed: the migration Job has nothing to migrate (no snapshot)`];
    case 'downgrade':
      return [`refused: airflow.version ${decision.to} is older than the deployed ${decision.from} (Airflow cannot run on a newer schema)`];
    case 'upgrade':
      return [
        `Airflow ${decision.from} -> ${decision.to}: the migration Job upgrades the database schema`,
        `before migrating: snapshot ${decision.snapshotId} of RDS instance ${ctx.instanceId} (${ctx.region}), waiting until it is available; it is billed as snapshot storage until you delete it`,
        'the migration runs before any Deployment changes: if it fails, the rollout stops and the old pods keep serving',
        `if the old pods then fail on a partly migrated schema (Airflow commits each migration on its own), restore the snapshot: up prints the commands (aws rds restore-db-instance-from-db-snapshot --db-snapshot-identifier ${decision.snapshotId} ...)`,
      ];
  }
}

/**
 * Settings of the current instance that a restored one must get again: a snapshot carries the data, engine, storage
 * encryption and master password, not the network placement or the parameter group. Unknown ones print as
 * placeholders with the command that reads them.
 */
export interface RestoreSettings {
  readonly subnetGroupName?: string;
  readonly securityGroupIds?: readonly string[];
  readonly parameterGroupName?: string;
  readonly instanceClass?: string;
  readonly multiAz?: boolean;
  readonly backupRetentionDays?: number;
}

export interface RestoreContext extends PlanContext {
  readonly snapshotId: string;
  /** The Airflow version the snapshot's schema belongs to: the config must go back to it. */
  readonly from: string;
  readonly settings?: RestoreSettings;
  /** Kubernetes namespace of the deployment, for the restart command. */
  readonly namespace?: string;
}

/**
 * How to go back to the snapshot, honestly: a restore always creates a NEW instance, and the stack owns the
 * instance by its identifier. Swapping identifiers (rename the current one away, the restored one in) puts the
 * restored data behind the same identifier and endpoint, so the stack, its outputs and the credentials secret
 * keep pointing at the right place; the replaced instance is kept (and billed) until deleted.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RestoreFromSnapshot.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RenameInstance.html
 */
export function restoreInstructions(ctx: RestoreContext): string[] {
  const s = ctx.settings ?? {};
  const id = ctx.instanceId;
  const restored = restoredInstanceId(id);
  const failed = replacedInstanceId(id);
  const r = `--region ${ctx.region}`;
  const sgs = s.securityGroupIds && s.securityGroupIds.length > 0 ? s.securityGroupIds.join(' ') : '<security-group-ids>';
  const logs = JSON.stringify([...DATABASE_LOG_EXPORTS]);
  const unknown = !s.subnetGroupName || !s.securityGroupIds?.length || !s.parameterGroupName || !s.instanceClass;
  return [
    `Restore the database from snapshot ${ctx.snapshotId} (taken before the migration, Airflow ${ctx.from}).`,
    `A restore creates a NEW instance; the stack keeps using the identifier ${id}, so the restored instance takes that identifier over:`,
    ...(unknown
      ? [
          `0. read the current settings the restore needs:`,
          `   aws rds describe-db-instances ${r} --db-instance-identifier ${id} --query 'DBInstances[0].{class:DBInstanceClass,subnets:DBSubnetGroup.DBSubnetGroupName,sgs:VpcSecurityGroups[].VpcSecurityGroupId,params:DBParameterGroups[].DBParameterGroupName,multiAz:MultiAZ}'`,
        ]
      : []),
    `1. set airflow.version back to ${ctx.from} in the config (the older Airflow is what matches the restored schema)`,
    `2. restore into a new instance (minutes to hours, depending on size):`,
    `   aws rds restore-db-instance-from-db-snapshot ${r} --db-instance-identifier ${restored} --db-snapshot-identifier ${ctx.snapshotId} ` +
      `--db-instance-class ${s.instanceClass ?? '<instance-class>'} --db-subnet-group-name ${s.subnetGroupName ?? '<subnet-group>'} ` +
      `--vpc-security-group-ids ${sgs} --db-parameter-group-name ${s.parameterGroupName ?? '<parameter-group>'} ` +
      `${s.multiAz === undefined ? '<--multi-az|--no-multi-az>' : s.multiAz ? '--multi-az' : '--no-multi-az'} --no-publicly-accessible --deletion-protection --copy-tags-to-snapshot ` +
      `--enable-cloudwatch-logs-exports '${logs}'`,
    `   aws rds wait db-instance-available ${r} --db-instance-identifier ${restored}`,
    `3. swap identifiers (each rename takes a few minutes; Airflow is down from the first rename until the second completes):`,
    `   aws rds modify-db-instance ${r} --db-instance-identifier ${id} --new-db-instance-identifier ${failed} --apply-immediately`,
    `   aws rds describe-db-instances ${r} --db-instance-identifier ${failed} --query 'DBInstances[0].DBInstanceStatus'   (repeat until "available": the rename takes effect after a few minutes)`,
    `   aws rds modify-db-instance ${r} --db-instance-identifier ${restored} --new-db-instance-identifier ${id} --apply-immediately` +
      (s.backupRetentionDays !== undefined ? ` --backup-retention-period ${s.backupRetentionDays}` : ''),
    `   aws rds describe-db-instances ${r} --db-instance-identifier ${id} --query 'DBInstances[0].DBInstanceStatus'   (repeat until "available")`,
    `4. restart the Airflow pods so they reconnect (kubectl rollout restart deployment -n ${ctx.namespace ?? '<namespace>'}), then run up again with airflow.version ${ctx.from}`,
    `5. CloudFormation does not notice the swap: settings the restore did not carry (backup retention, enhanced monitoring) stay as the restore set them until changed with aws rds modify-db-instance; compare with ${failed}`,
    `6. once Airflow works, delete the replaced instance (it is billed until then; deletion protection is on):`,
    `   aws rds modify-db-instance ${r} --db-instance-identifier ${failed} --no-deletion-protection --apply-immediately`,
    `   aws rds delete-db-instance ${r} --db-instance-identifier ${failed} --final-db-snapshot-identifier ${failed}-final`,
    `The snapshot ${ctx.snapshotId} stays (and is billed) until: aws rds delete-db-snapshot ${r} --db-snapshot-identifier ${ctx.snapshotId}`,
  ];
}

/** Identifier of the instance restored from the snapshot, before it takes over (≤ 63 characters like all instance ids). */
export function restoredInstanceId(instanceId: string): string {
  return `${instanceId.slice(0, 63 - '-restored'.length)}-restored`;
}

/** Identifier the current instance is renamed to while the restored one takes over its identifier. */
export function replacedInstanceId(instanceId: string): string {
  return `${instanceId.slice(0, 63 - '-replaced'.length)}-replaced`;
}
