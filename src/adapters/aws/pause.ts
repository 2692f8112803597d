/**
 * The AWS side of `pause` and `resume`: the pause record (a tag on the EKS cluster, see src/ops/pause/record.ts),
 * the managed node group's scaling, and stopping/starting the RDS instance. Resources are found through the stack
 * (outputs, then its resource list), never by name guessing.
 */
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand, TagResourceCommand, UntagResourceCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { DescribeDBInstancesCommand, RDSClient, StartDBInstanceCommand, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import { STACK_OUTPUTS } from '../../config/naming.js';
import { UserError } from '../../errors/user-error.js';
import { decodePause, encodePause, PAUSE_TAG, type NodegroupSizes, type PauseRecord } from '../../ops/pause/record.js';
import { poll, type WaitOpts } from '../poll.js';
import type { AwsTarget } from './cloudformation.js';
import { findInstanceId } from './db-snapshot.js';
import { stackOutputs } from './deploy-inputs.js';
import { awsUserError } from './errors.js';

/** What pause and resume read before acting. */
export interface PauseAwsState {
  readonly stackName: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly record?: PauseRecord;
  readonly nodegroup: { readonly name: string; readonly status: string; readonly sizes: NodegroupSizes };
  readonly database: { readonly id: string; readonly status: string };
}

const opts = (t: AwsTarget) => ({ region: t.region, ...(t.endpoint ? { endpoint: t.endpoint } : {}), maxAttempts: 3 });

export class PauseAws {
  private readonly eks: EKSClient;
  private readonly rds: RDSClient;

  constructor(private readonly target: AwsTarget) {
    this.eks = new EKSClient(opts(target));
    this.rds = new RDSClient(opts(target));
  }

  destroy(): void {
    this.eks.destroy();
    this.rds.destroy();
  }

  private fail(e: unknown, action: string): UserError {
    return awsUserError(e, { action, region: this.target.region });
  }

  /** The cluster, its one node group, the database and the pause record. A missing stack is a UserError. */
  async read(stackName: string): Promise<PauseAwsState> {
    const outputs = await stackOutputs(this.target, stackName);
    if (!outputs) {
      throw new UserError(`stack ${stackName} not found in ${this.target.region}: nothing to pause or resume`, {
        code: 'STACK_NOT_FOUND',
        hint: 'check the region and the AWS account of your credentials (aws sts get-caller-identity), or create it with airflow-aws up',
      });
    }
    const clusterName = outputs[STACK_OUTPUTS.clusterName];
    if (!clusterName) throw new UserError(`stack ${stackName} has no output ${STACK_OUTPUTS.clusterName}`, { code: 'STACK_OUTPUT_MISSING', hint: 'run airflow-aws up to update the stack' });
    const databaseId = await findInstanceId(this.target, { outputs, stackName });
    try {
      const cluster = (await this.eks.send(new DescribeClusterCommand({ name: clusterName }))).cluster;
      const names = (await this.eks.send(new ListNodegroupsCommand({ clusterName }))).nodegroups ?? [];
      if (names.length !== 1) {
        throw new UserError(`EKS cluster ${clusterName} has ${names.length} managed node groups; pause handles exactly the one the stack makes`, {
          code: 'NODEGROUP_NOT_FOUND',
          details: names.map((n) => `node group ${n}`),
          hint: `check with: aws eks list-nodegroups --cluster-name ${clusterName} --region ${this.target.region}`,
        });
      }
      const ng = (await this.eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName: names[0] }))).nodegroup;
      const db = (await this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: databaseId }))).DBInstances?.[0];
      const tag = cluster?.tags?.[PAUSE_TAG];
      return {
        stackName,
        clusterName,
        clusterArn: cluster?.arn ?? '',
        ...(tag !== undefined ? { record: decodePause(tag, `tag ${PAUSE_TAG} on EKS cluster ${clusterName}`) } : {}),
        nodegroup: {
          name: names[0]!,
          status: ng?.status ?? 'UNKNOWN',
          sizes: { min: ng?.scalingConfig?.minSize ?? 0, desired: ng?.scalingConfig?.desiredSize ?? 0, max: ng?.scalingConfig?.maxSize ?? 1 },
        },
        database: { id: databaseId, status: db?.DBInstanceStatus ?? 'UNKNOWN' },
      };
    } catch (e) {
      throw this.fail(e, `reading the cluster, node group and database of stack ${stackName}`);
    }
  }

  async writeRecord(clusterArn: string, record: PauseRecord): Promise<void> {
    try {
      await this.eks.send(new TagResourceCommand({ resourceArn: clusterArn, tags: { [PAUSE_TAG]: encodePause(record) } }));
    } catch (e) {
      throw this.fail(e, `recording the pause (tag ${PAUSE_TAG} on ${clusterArn})`);
    }
  }

  async clearRecord(clusterArn: string): Promise<void> {
    try {
      await this.eks.send(new UntagResourceCommand({ resourceArn: clusterArn, tagKeys: [PAUSE_TAG] }));
    } catch (e) {
      throw this.fail(e, `clearing the pause record (tag ${PAUSE_TAG} on ${clusterArn})`);
    }
  }

  /** Sets the node group's scaling and waits until EKS reports it ACTIVE again (an update in flight refuses another). */
  async scaleNodegroup(clusterName: string, nodegroupName: string, sizes: NodegroupSizes, w: WaitOpts): Promise<void> {
    await this.waitNodegroupActive(clusterName, nodegroupName, w);
    try {
      // maxSize must stay >= 1 on EKS; pause keeps the previous maximum.
      await this.eks.send(new UpdateNodegroupConfigCommand({ clusterName, nodegroupName, scalingConfig: { minSize: sizes.min, desiredSize: sizes.desired, maxSize: Math.max(1, sizes.max) } }));
    } catch (e) {
      throw this.fail(e, `scaling node group ${nodegroupName} to ${sizes.desired} (min ${sizes.min}, max ${sizes.max})`);
    }
    await this.waitNodegroupActive(clusterName, nodegroupName, w);
  }

  private async waitNodegroupActive(clusterName: string, nodegroupName: string, w: WaitOpts): Promise<void> {
    await poll(w, `node group ${nodegroupName} to be ACTIVE`, async () => {
      const status = (await this.eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName })).catch((e: unknown) => {
        throw this.fail(e, `describing node group ${nodegroupName}`);
      })).nodegroup?.status;
      if (status === 'ACTIVE') return true;
      if (status === 'DEGRADED' || status === 'CREATE_FAILED' || status === 'DELETE_FAILED') {
        throw new UserError(`node group ${nodegroupName} is ${status}`, { code: 'NODEGROUP_UNHEALTHY', hint: `see its health issues: aws eks describe-nodegroup --cluster-name ${clusterName} --nodegroup-name ${nodegroupName}` });
      }
      return false;
    });
  }

  async databaseStatus(id: string): Promise<string> {
    try {
      return (await this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0]?.DBInstanceStatus ?? 'UNKNOWN';
    } catch (e) {
      throw this.fail(e, `describing database ${id}`);
    }
  }

  async stopDatabase(id: string): Promise<void> {
    try {
      await this.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: id }));
    } catch (e) {
      throw this.fail(e, `stopping database ${id}`);
    }
  }

  async startDatabase(id: string): Promise<void> {
    try {
      await this.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: id }));
    } catch (e) {
      throw this.fail(e, `starting database ${id}`);
    }
  }

  /** Polls until the instance reaches one of `wanted`. */
  async waitDatabase(id: string, wanted: readonly string[], w: WaitOpts): Promise<void> {
    await poll(w, `database ${id} to be ${wanted.join(' or ')}`, async () => wanted.includes(await this.databaseStatus(id)));
  }
}

/**
 * The pause record on the stack's EKS cluster, if any: what `up` and `deploy` check before changing a deployment that
 * `pause` scaled to zero. A cluster that is gone carries no record (repairing it is the stack update's job).
 */
export async function pauseRecordOf(target: AwsTarget, clusterName: string): Promise<PauseRecord | undefined> {
  const eks = new EKSClient(opts(target));
  try {
    const tags = await eks
      .send(new DescribeClusterCommand({ name: clusterName }))
      .then((r) => r.cluster?.tags ?? {})
      .catch((e: unknown) => {
        if ((e as { name?: string }).name === 'ResourceNotFoundException') return {} as Record<string, string>;
        throw awsUserError(e, { action: `reading EKS cluster ${clusterName}`, region: target.region });
      });
    const tag = tags[PAUSE_TAG];
    return tag === undefined ? undefined : decodePause(tag, `tag ${PAUSE_TAG} on EKS cluster ${clusterName}`);
  } finally {
    eks.destroy();
  }
}
