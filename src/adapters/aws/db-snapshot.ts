/**
 * Manual RDS snapshots of the metadata database: the one `up` takes before a schema migration, and the list `down`
 * reports as still costing money. Creating is idempotent per identifier (an existing snapshot of the same instance is
 * reused, or waited for while it is still being created), so an interrupted `up` can be rerun.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CreateSnapshot.html
 */
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  type DBSnapshot,
} from '@aws-sdk/client-rds';
import { STACK_OUTPUTS } from '../../config/naming.js';
import { UserError } from '../../errors/user-error.js';
import type { RestoreSettings } from '../../ops/upgrade-guard.js';
import { pause } from '../proc/pause.js';
import type { AwsTarget } from './cloudformation.js';
import { awsUserError } from './errors.js';

export function rdsClient(t: AwsTarget): RDSClient {
  return new RDSClient({ region: t.region, ...(t.endpoint ? { endpoint: t.endpoint } : {}), maxAttempts: 3 });
}

/** A manual snapshot as `up` and `down` need it. */
export interface SnapshotInfo {
  readonly snapshotId: string;
  readonly instanceId: string;
  /** RDS status: creating, available, failed, deleting, ... */
  readonly status: string;
  /** 0–100; RDS reports it while creating. */
  readonly percent: number;
  readonly arn?: string;
  readonly createdAt?: Date;
  /** What the storage bill is based on (the instance's allocated storage at snapshot time). */
  readonly allocatedStorageGiB?: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface SnapshotProgress {
  readonly snapshotId: string;
  readonly status: string;
  readonly percent: number;
}

export interface CreateSnapshotRequest {
  readonly target: AwsTarget;
  readonly instanceId: string;
  /** A valid identifier (src/ops/upgrade-guard.ts snapshotIdentifier). */
  readonly snapshotId: string;
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Give up waiting after this long. The snapshot keeps going in AWS; a rerun with the same id waits for it.
   * @default 3_600_000 (one hour: the first snapshot of an instance copies all of its storage)
   */
  readonly timeoutMs?: number;
  /**
   * Between two DescribeDBSnapshots calls.
   * @default 15_000
   */
  readonly pollMs?: number;
  /** Stops waiting (the snapshot itself is not cancelled: RDS has no such call). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SnapshotProgress) => void;
}

export interface CreateSnapshotResult {
  readonly snapshot: SnapshotInfo;
  /** True when the snapshot existed before this call (a rerun): nothing was created. */
  readonly reused: boolean;
}

const DEFAULT_TIMEOUT_MS = 3_600_000;
const DEFAULT_POLL_MS = 15_000;
/** Statuses a manual snapshot passes through on its way to `available`. */
const IN_PROGRESS = new Set(['creating', 'pending']);

/** Take (or reuse) a manual snapshot of the instance and wait until it is `available`. */
export async function createSnapshot(req: CreateSnapshotRequest): Promise<CreateSnapshotResult> {
  const rds = rdsClient(req.target);
  const ctx = { action: `creating snapshot ${req.snapshotId} of RDS instance ${req.instanceId}`, region: req.target.region };
  try {
    let existing = await describeSnapshot(rds, req.snapshotId, req.signal);
    let reused = existing !== undefined;
    if (existing === undefined) {
      try {
        await rds.send(
          new CreateDBSnapshotCommand({
            DBInstanceIdentifier: req.instanceId,
            DBSnapshotIdentifier: req.snapshotId,
            Tags: Object.entries(req.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
          abortable(req.signal),
        );
      } catch (e) {
        const code = (e as { name?: string }).name;
        // A concurrent run created it between our describe and create: wait for theirs.
        if (code === 'DBSnapshotAlreadyExists' || code === 'DBSnapshotAlreadyExistsFault') reused = true;
        else throw createError(e, req);
      }
      existing = await describeSnapshot(rds, req.snapshotId, req.signal);
    }
    if (existing && existing.instanceId !== req.instanceId) {
      throw new UserError(`snapshot ${req.snapshotId} already exists but belongs to RDS instance ${existing.instanceId}, not ${req.instanceId}`, {
        code: 'SNAPSHOT_ID_TAKEN',
        hint: `rerun in a minute (the identifier ends with the time), or delete that snapshot if it is not needed: aws rds delete-db-snapshot --db-snapshot-identifier ${req.snapshotId}`,
      });
    }
    const snapshot = await waitAvailable(rds, req, existing);
    return { snapshot, reused };
  } catch (e) {
    if (req.signal?.aborted) throw req.signal.reason;
    throw awsUserError(e, ctx);
  } finally {
    rds.destroy();
  }
}

async function waitAvailable(rds: RDSClient, req: CreateSnapshotRequest, first: SnapshotInfo | undefined): Promise<SnapshotInfo> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pollMs = req.pollMs ?? DEFAULT_POLL_MS;
  const deadline = Date.now() + timeoutMs;
  let current = first;
  for (;;) {
    req.signal?.throwIfAborted();
    // Eventual consistency: right after CreateDBSnapshot the describe may not see it yet; that counts as creating.
    const status = current?.status ?? 'creating';
    req.onProgress?.({ snapshotId: req.snapshotId, status, percent: current?.percent ?? 0 });
    if (current && status === 'available') return current;
    if (current && !IN_PROGRESS.has(status)) {
      throw new UserError(`snapshot ${req.snapshotId} of RDS instance ${req.instanceId} is "${status}", not available: the migration did not start`, {
        code: 'SNAPSHOT_FAILED',
        hint: `see the RDS events (aws rds describe-events --source-type db-snapshot --source-identifier ${req.snapshotId}); delete the snapshot (aws rds delete-db-snapshot --db-snapshot-identifier ${req.snapshotId}) and rerun up`,
      });
    }
    if (Date.now() >= deadline) {
      throw new UserError(`snapshot ${req.snapshotId} was not available after ${Math.round(timeoutMs / 60_000)} min (status ${status}, ${current?.percent ?? 0}%): the migration did not start`, {
        code: 'SNAPSHOT_TIMEOUT',
        hint: `the snapshot keeps going in AWS: follow it with aws rds describe-db-snapshots --db-snapshot-identifier ${req.snapshotId}, and rerun up once it is available`,
      });
    }
    await pause(Math.min(pollMs, Math.max(0, deadline - Date.now())), req.signal);
    req.signal?.throwIfAborted();
    current = await describeSnapshot(rds, req.snapshotId, req.signal);
  }
}

function createError(e: unknown, req: CreateSnapshotRequest): unknown {
  const code = (e as { name?: string }).name;
  const message = (e as { message?: string }).message ?? '';
  if (code === 'DBInstanceNotFound' || code === 'DBInstanceNotFoundFault') {
    return new UserError(`RDS instance ${req.instanceId} does not exist in ${req.target.region}: cannot snapshot it before migrating`, {
      code: 'DATABASE_NOT_FOUND',
      hint: 'check the region and the AWS account of your credentials (aws sts get-caller-identity)',
      cause: e,
    });
  }
  if (code === 'InvalidDBInstanceState' || code === 'InvalidDBInstanceStateFault') {
    // Typically another snapshot or a backup, a modification or a stop is in progress on the instance.
    return new UserError(`RDS instance ${req.instanceId} cannot be snapshotted now: ${message}`, {
      code: 'DATABASE_BUSY',
      hint: `wait until aws rds describe-db-instances --db-instance-identifier ${req.instanceId} shows status "available" (a backup, snapshot or modification is running), then rerun up`,
      cause: e,
    });
  }
  if (code === 'SnapshotQuotaExceeded' || code === 'SnapshotQuotaExceededFault') {
    return new UserError(`the account's quota of manual RDS snapshots in ${req.target.region} is used up`, {
      code: 'AWS_QUOTA_EXCEEDED',
      hint: `delete snapshots you no longer need (aws rds describe-db-snapshots --snapshot-type manual), or request an increase of "Manual DB instance snapshots" in Service Quotas`,
      cause: e,
    });
  }
  return e;
}

async function describeSnapshot(rds: RDSClient, snapshotId: string, signal: AbortSignal | undefined): Promise<SnapshotInfo | undefined> {
  try {
    const out = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }), abortable(signal));
    const s = out.DBSnapshots?.[0];
    return s ? info(s) : undefined;
  } catch (e) {
    const code = (e as { name?: string }).name;
    if (code === 'DBSnapshotNotFound' || code === 'DBSnapshotNotFoundFault') return undefined;
    throw e;
  }
}

/** Manual snapshots of the instance, oldest first: what `down` reports as still billed after the stack is gone. */
export async function listSnapshots(target: AwsTarget, instanceId: string, signal?: AbortSignal): Promise<SnapshotInfo[]> {
  const rds = rdsClient(target);
  try {
    const out: SnapshotInfo[] = [];
    let marker: string | undefined;
    do {
      const page = await rds.send(
        new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: instanceId, SnapshotType: 'manual', ...(marker ? { Marker: marker } : {}) }),
        abortable(signal),
      );
      for (const s of page.DBSnapshots ?? []) out.push(info(s));
      marker = page.Marker;
    } while (marker);
    return out.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
  } catch (e) {
    const code = (e as { name?: string }).name;
    // The instance is gone (after `down`) while its manual snapshots remain; RDS answers with an empty list then,
    // but older API behaviour raised DBInstanceNotFound for the filter: both mean "none found through the instance".
    if (code === 'DBInstanceNotFound' || code === 'DBInstanceNotFoundFault') return [];
    throw awsUserError(e, { action: `listing the snapshots of RDS instance ${instanceId}`, region: target.region });
  } finally {
    rds.destroy();
  }
}

export interface InstanceSource {
  readonly stackName: string;
  /**
   * Outputs of the deployed stack when already read; `DatabaseInstanceId` there saves a call.
   * @default read from CloudFormation
   */
  readonly outputs?: Readonly<Record<string, string>>;
}

/**
 * The RDS instance identifier of the deployment: from the `DatabaseInstanceId` stack output, or — for a stack
 * deployed before that output existed — the physical id of the stack's one AWS::RDS::DBInstance (by type rather
 * than logical id, so a change in CDK's id hashing cannot send us to the wrong place).
 */
export async function findInstanceId(target: AwsTarget, source: InstanceSource): Promise<string> {
  const fromOutput = source.outputs?.[STACK_OUTPUTS.databaseInstanceId];
  if (fromOutput) return fromOutput;
  const cfn = new CloudFormationClient({ region: target.region, ...(target.endpoint ? { endpoint: target.endpoint } : {}), maxAttempts: 3 });
  try {
    const out = await cfn.send(new DescribeStackResourcesCommand({ StackName: source.stackName }));
    const ids = (out.StackResources ?? []).filter((r) => r.ResourceType === 'AWS::RDS::DBInstance').flatMap((r) => (r.PhysicalResourceId ? [r.PhysicalResourceId] : []));
    if (ids.length !== 1) {
      throw new UserError(`stack ${source.stackName} has ${ids.length === 0 ? 'no' : ids.length} RDS DB instance${ids.length === 1 ? '' : 's'}; expected exactly one`, {
        code: 'DATABASE_NOT_FOUND',
        hint: `check the stack's resources: aws cloudformation describe-stack-resources --stack-name ${source.stackName} --region ${target.region}`,
      });
    }
    return ids[0]!;
  } catch (e) {
    const err = e as { name?: string; message?: string };
    if (err.name === 'ValidationError' && /does not exist/i.test(err.message ?? '')) {
      throw new UserError(`stack ${source.stackName} does not exist in ${target.region}: there is no database to snapshot`, {
        code: 'STACK_NOT_FOUND',
        hint: 'check the region and the AWS account of your credentials (aws sts get-caller-identity)',
        cause: e,
      });
    }
    throw awsUserError(e, { action: `finding the database of stack ${source.stackName}`, region: target.region });
  } finally {
    cfn.destroy();
  }
}

/** What a restore from snapshot must be told again (src/ops/upgrade-guard.ts restoreInstructions). */
export async function restoreSettings(target: AwsTarget, instanceId: string): Promise<RestoreSettings> {
  const rds = rdsClient(target);
  try {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
    const db = out.DBInstances?.[0];
    if (!db) return {};
    const sgs = (db.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : []));
    const params = db.DBParameterGroups?.[0]?.DBParameterGroupName;
    return {
      ...(db.DBSubnetGroup?.DBSubnetGroupName ? { subnetGroupName: db.DBSubnetGroup.DBSubnetGroupName } : {}),
      ...(sgs.length > 0 ? { securityGroupIds: sgs } : {}),
      ...(params ? { parameterGroupName: params } : {}),
      ...(db.DBInstanceClass ? { instanceClass: db.DBInstanceClass } : {}),
      ...(db.MultiAZ !== undefined ? { multiAz: db.MultiAZ } : {}),
      ...(db.BackupRetentionPeriod !== undefined ? { backupRetentionDays: db.BackupRetentionPeriod } : {}),
    };
  } catch (e) {
    throw awsUserError(e, { action: `reading the settings of RDS instance ${instanceId}`, region: target.region });
  } finally {
    rds.destroy();
  }
}

function info(s: DBSnapshot): SnapshotInfo {
  return {
    snapshotId: s.DBSnapshotIdentifier ?? '',
    instanceId: s.DBInstanceIdentifier ?? '',
    status: s.Status ?? 'unknown',
    percent: s.PercentProgress ?? (s.Status === 'available' ? 100 : 0),
    ...(s.DBSnapshotArn ? { arn: s.DBSnapshotArn } : {}),
    ...(s.SnapshotCreateTime ? { createdAt: s.SnapshotCreateTime } : {}),
    ...(s.AllocatedStorage !== undefined ? { allocatedStorageGiB: s.AllocatedStorage } : {}),
    tags: Object.fromEntries((s.TagList ?? []).flatMap((t) => (t.Key !== undefined ? [[t.Key, t.Value ?? '']] : []))),
  };
}

function abortable(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}
