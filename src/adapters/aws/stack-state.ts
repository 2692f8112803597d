/**
 * The stack as CloudFormation sees it: status, termination protection, our deployment tag, and the reasons of the
 * resources that failed in its last operation. Also the two state changes `up` makes outside the CDK toolkit:
 * deleting a stack whose first create failed, and waiting while CloudFormation is busy.
 */
import {
  CancelUpdateStackCommand,
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateTerminationProtectionCommand,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { DEPLOYMENT_TAG } from '../../infra/names.js';
import { interrupted, sleep } from '../kube/client.js';

export interface StackState {
  /** The stack's ARN. */
  readonly id?: string;
  readonly status: string;
  readonly reason?: string;
  readonly terminationProtection: boolean;
  readonly deploymentTag?: string;
  /** Every stack-level tag (the deployment tag among them). */
  readonly tags: Readonly<Record<string, string>>;
  readonly notificationArns: readonly string[];
  readonly parameterKeys: readonly string[];
  readonly outputs: Readonly<Record<string, string>>;
  readonly lastEvent?: { readonly time?: Date; readonly resource: string; readonly status: string; readonly reason?: string };
}

export interface FailedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly status: string;
  readonly reason: string;
}

export interface ReadStackOptions {
  /** Also read the newest stack event (one more call; `status` shows it, `up` does not need it). @default true */
  readonly lastEvent?: boolean;
}

export async function readStack(cfn: CloudFormationClient, stackName: string, o: ReadStackOptions = {}): Promise<StackState | undefined> {
  let stack: Stack | undefined;
  try {
    stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (e) {
    const err = e as { name?: string; message?: string };
    if (err.name === 'ValidationError' && /does not exist/i.test(err.message ?? '')) return undefined;
    throw e;
  }
  if (!stack?.StackStatus) return undefined;
  const tag = stack.Tags?.find((t) => t.Key === DEPLOYMENT_TAG)?.Value;
  const last = o.lastEvent === false ? undefined : (await recentEvents(cfn, stackName, 1))[0];
  return {
    ...(stack.StackId ? { id: stack.StackId } : {}),
    status: stack.StackStatus,
    ...(stack.StackStatusReason ? { reason: stack.StackStatusReason } : {}),
    terminationProtection: Boolean(stack.EnableTerminationProtection),
    ...(tag ? { deploymentTag: tag } : {}),
    tags: Object.fromEntries((stack.Tags ?? []).flatMap((t) => (t.Key !== undefined ? [[t.Key, t.Value ?? '']] : []))),
    notificationArns: stack.NotificationARNs ?? [],
    parameterKeys: (stack.Parameters ?? []).flatMap((p) => (p.ParameterKey ? [p.ParameterKey] : [])),
    outputs: Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : []))),
    ...(last
      ? {
          lastEvent: {
            ...(last.Timestamp ? { time: last.Timestamp } : {}),
            resource: last.LogicalResourceId ?? '',
            status: last.ResourceStatus ?? '',
            ...(last.ResourceStatusReason ? { reason: last.ResourceStatusReason } : {}),
          },
        }
      : {}),
  };
}

/** Newest first. */
async function recentEvents(cfn: CloudFormationClient, stackName: string, limit: number): Promise<StackEvent[]> {
  const out: StackEvent[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName, ...(token ? { NextToken: token } : {}) }));
    out.push(...(page.StackEvents ?? []));
    token = page.NextToken;
  } while (token && out.length < limit);
  return out.slice(0, limit);
}

/**
 * The resources that failed in the stack's most recent operation, oldest first — CloudFormation's own reasons,
 * which name the real cause (a quota, a permission, a name taken). The stack-level "The following resource(s)
 * failed" summaries are left out: they repeat the resource events.
 */
export async function failedResources(cfn: CloudFormationClient, stackName: string): Promise<FailedResource[]> {
  const events = await recentEvents(cfn, stackName, 500);
  const failed: FailedResource[] = [];
  for (const e of events) {
    // Events are newest first; the operation began at the stack's "User Initiated" event.
    if (e.ResourceType === 'AWS::CloudFormation::Stack' && e.ResourceStatusReason === 'User Initiated') break;
    if (!e.ResourceStatus?.endsWith('_FAILED') || e.ResourceType === 'AWS::CloudFormation::Stack') continue;
    if (/Resource creation cancelled/i.test(e.ResourceStatusReason ?? '')) continue;
    failed.push({ logicalId: e.LogicalResourceId ?? '?', type: e.ResourceType ?? '', status: e.ResourceStatus, reason: e.ResourceStatusReason ?? '(no reason given)' });
  }
  return failed.reverse();
}

export interface WaitOptions {
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
  readonly timeoutMs: number;
  readonly onWait?: (status: string) => void;
}

/** Polls until the stack leaves every *_IN_PROGRESS status (or is gone); returns its settled state. */
export async function waitUntilSettled(cfn: CloudFormationClient, stackName: string, o: WaitOptions): Promise<StackState | undefined> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const s = await readStack(cfn, stackName);
    if (!s || !s.status.endsWith('_IN_PROGRESS') || s.status === 'REVIEW_IN_PROGRESS') return s;
    if (Date.now() > deadline) return s;
    o.onWait?.(s.status);
    if (o.signal?.aborted) throw interrupted();
    await sleep(o.pollMs ?? 10_000, o.signal);
  }
}

/** Lifts termination protection, deletes the stack and waits until it is gone. */
export async function deleteStack(cfn: CloudFormationClient, stackName: string, o: WaitOptions): Promise<void> {
  await cfn.send(new UpdateTerminationProtectionCommand({ StackName: stackName, EnableTerminationProtection: false }));
  await cfn.send(new DeleteStackCommand({ StackName: stackName }));
  const settled = await waitUntilSettled(cfn, stackName, o);
  if (settled && settled.status !== 'DELETE_COMPLETE') {
    throw new Error(`stack ${stackName} was not deleted: ${settled.status}${settled.reason ? ` (${settled.reason})` : ''}`);
  }
}

/**
 * Asks CloudFormation to stop an update in progress; it then rolls the stack back to its last template. Valid
 * only in UPDATE_IN_PROGRESS: for any other status CloudFormation answers ValidationError, which this returns as
 * 'not-cancellable' (the update may just have ended).
 */
export async function cancelUpdate(cfn: CloudFormationClient, stackName: string): Promise<'cancelled' | 'not-cancellable'> {
  try {
    await cfn.send(new CancelUpdateStackCommand({ StackName: stackName }));
    return 'cancelled';
  } catch (e) {
    if ((e as { name?: string }).name === 'ValidationError') return 'not-cancellable';
    throw e;
  }
}

export interface FollowOptions extends Omit<WaitOptions, 'onWait'> {
  /** Each stack event newer than `since`, oldest first. */
  readonly onEvent: (e: { readonly resource: string; readonly type: string; readonly status: string; readonly reason?: string }) => void;
  readonly since: Date;
}

/** Reports the stack's events as they come until it leaves every *_IN_PROGRESS status; returns its settled state. */
export async function followUntilSettled(cfn: CloudFormationClient, stackName: string, o: FollowOptions): Promise<StackState | undefined> {
  const seen = new Set<string>();
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    // Status first, then events: the events that settled the stack are reported before it returns.
    const s = await readStack(cfn, stackName, { lastEvent: false });
    const events = s ? await recentEvents(cfn, stackName, 100) : [];
    for (const e of events.reverse()) {
      if (!e.EventId || seen.has(e.EventId) || (e.Timestamp && e.Timestamp < o.since)) continue;
      seen.add(e.EventId);
      o.onEvent({
        resource: e.LogicalResourceId ?? '',
        type: e.ResourceType ?? '',
        status: e.ResourceStatus ?? '',
        ...(e.ResourceStatusReason ? { reason: e.ResourceStatusReason } : {}),
      });
    }
    if (!s || !s.status.endsWith('_IN_PROGRESS') || Date.now() > deadline) return s;
    if (o.signal?.aborted) throw interrupted();
    await sleep(o.pollMs ?? 5_000, o.signal);
  }
}
