/**
 * What `status` reads from AWS, read-only: the stack (status, last event), the EKS cluster and its managed node
 * groups, and the RDS instance(s) the stack created. A stack that does not exist is an answer ("nothing deployed"),
 * not an error. Resources are found through the stack itself (outputs, then its resource list), never by name
 * guessing, so a renamed deployment cannot report someone else's cluster.
 */
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { STACK_OUTPUTS } from '../../config/naming.js';
import { databaseAutoStart, decodePause, PAUSE_TAG } from '../../ops/pause/record.js';
import type { AwsStatus, ClusterStatus, PauseStatus, DatabaseStatus, NodegroupStatus, StackEvent } from '../../status/model.js';
import { awsError, type AwsTarget } from './deploy-inputs.js';

const isNotFound = (e: unknown, pattern: RegExp): boolean => {
  const err = e as { name?: string; message?: string };
  return pattern.test(`${err.name ?? ''} ${err.message ?? ''}`);
};

async function stackResources(cfn: CloudFormationClient, stackName: string): Promise<StackResourceSummary[]> {
  const all: StackResourceSummary[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, ...(token ? { NextToken: token } : {}) }));
    all.push(...(page.StackResourceSummaries ?? []));
    token = page.NextToken;
  } while (token);
  return all;
}

async function lastEvent(cfn: CloudFormationClient, stackName: string): Promise<StackEvent | undefined> {
  // Newest first; one page is enough for the newest.
  const e = (await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }))).StackEvents?.[0];
  if (!e) return undefined;
  return {
    time: (e.Timestamp ?? new Date(0)).toISOString(),
    resource: e.LogicalResourceId ?? '?',
    status: e.ResourceStatus ?? '?',
    ...(e.ResourceStatusReason ? { reason: e.ResourceStatusReason } : {}),
  };
}

async function clusterAndNodegroups(eks: EKSClient, name: string): Promise<{ cluster: ClusterStatus; nodegroups: NodegroupStatus[]; pause?: PauseStatus }> {
  let cluster;
  try {
    cluster = (await eks.send(new DescribeClusterCommand({ name }))).cluster;
  } catch (e) {
    if (isNotFound(e, /ResourceNotFound/)) return { cluster: { name, status: 'NOT_FOUND' }, nodegroups: [] };
    throw e;
  }
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await eks.send(new ListNodegroupsCommand({ clusterName: name, ...(token ? { nextToken: token } : {}) }));
    names.push(...(page.nodegroups ?? []));
    token = page.nextToken;
  } while (token);
  const nodegroups = await Promise.all(
    names.map(async (ng): Promise<NodegroupStatus> => {
      const d = (await eks.send(new DescribeNodegroupCommand({ clusterName: name, nodegroupName: ng }))).nodegroup;
      return {
        name: ng,
        status: d?.status ?? 'UNKNOWN',
        desired: d?.scalingConfig?.desiredSize ?? 0,
        min: d?.scalingConfig?.minSize ?? 0,
        max: d?.scalingConfig?.maxSize ?? 0,
        issues: (d?.health?.issues ?? []).map((i) => `${i.code ?? 'Issue'}: ${i.message ?? ''}`.trim()),
      };
    }),
  );
  return {
    cluster: { name, status: cluster?.status ?? 'UNKNOWN', ...(cluster?.version ? { version: cluster.version } : {}) },
    nodegroups,
    ...pauseOf(cluster?.tags, name),
  };
}

/** The pause record on the cluster, as status shows it. */
function pauseOf(tags: Record<string, string> | undefined, cluster: string): { pause?: PauseStatus } {
  const tag = tags?.[PAUSE_TAG];
  if (tag === undefined) return {};
  const r = decodePause(tag, `tag ${PAUSE_TAG} on EKS cluster ${cluster}`);
  return { pause: { since: r.since.toISOString(), databaseAutoStart: databaseAutoStart(r.since).toISOString() } };
}

async function database(rds: RDSClient, id: string): Promise<DatabaseStatus> {
  try {
    const d = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
    return {
      id,
      status: d?.DBInstanceStatus ?? 'UNKNOWN',
      ...(d?.Engine ? { engine: `${d.Engine}${d.EngineVersion ? ` ${d.EngineVersion}` : ''}` } : {}),
      ...(d?.DBInstanceClass ? { instanceClass: d.DBInstanceClass } : {}),
    };
  } catch (e) {
    if (isNotFound(e, /DBInstanceNotFound/)) return { id, status: 'NOT_FOUND' };
    throw e;
  }
}

/** The stack and what it runs, or `{ exists: false }` when there is no such stack in the region. */
export async function readAwsStatus(t: AwsTarget, stackName: string): Promise<AwsStatus> {
  const opts = { region: t.region, ...(t.endpoint ? { endpoint: t.endpoint } : {}), maxAttempts: 3 };
  const cfn = new CloudFormationClient(opts);
  const eks = new EKSClient(opts);
  const rds = new RDSClient(opts);
  let step = `describing stack ${stackName}`;
  try {
    let stack;
    try {
      stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    } catch (e) {
      if (isNotFound(e, /ValidationError.*does not exist/)) return { exists: false, stackName, region: t.region };
      throw e;
    }
    if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return { exists: false, stackName, region: t.region };
    step = `reading the events and resources of stack ${stackName}`;
    const [event, resources] = await Promise.all([lastEvent(cfn, stackName), stackResources(cfn, stackName)]);
    const physical = (type: string): string[] =>
      resources.filter((r) => r.ResourceType === type && r.PhysicalResourceId && !r.ResourceStatus?.startsWith('DELETE')).map((r) => r.PhysicalResourceId as string);
    const outputCluster = stack.Outputs?.find((o) => o.OutputKey === STACK_OUTPUTS.clusterName)?.OutputValue;
    const clusterName = outputCluster ?? physical('AWS::EKS::Cluster')[0];
    step = `describing EKS cluster ${clusterName ?? '(none)'} and its node groups`;
    const eksPart = clusterName ? await clusterAndNodegroups(eks, clusterName) : undefined;
    step = 'describing the RDS instances of the stack';
    const databases = await Promise.all(physical('AWS::RDS::DBInstance').map((id) => database(rds, id)));
    return {
      exists: true,
      stackName,
      region: t.region,
      stack: {
        status: stack.StackStatus ?? 'UNKNOWN',
        ...(stack.StackStatusReason ? { reason: stack.StackStatusReason } : {}),
        ...(event ? { lastEvent: event } : {}),
      },
      ...(eksPart ? { cluster: eksPart.cluster } : {}),
      nodegroups: eksPart?.nodegroups ?? [],
      databases,
      ...(eksPart?.pause ? { pause: eksPart.pause } : {}),
    };
  } catch (e) {
    throw awsError(e, step);
  } finally {
    cfn.destroy();
    eks.destroy();
    rds.destroy();
  }
}
