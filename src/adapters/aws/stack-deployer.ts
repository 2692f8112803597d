/**
 * Deploys the stack with the CDK's own toolkit library (change sets, asset upload, no-op detection, event
 * monitoring) instead of re-implementing them. The template goes through the tool's bucket (template-bucket.ts);
 * every toolkit message is mapped to a small activity event for the renderer, and nothing the toolkit prints
 * reaches the terminal directly.
 * @see https://docs.aws.amazon.com/cdk/api/toolkit-lib/
 */
import type { IIoHost } from '@aws-cdk/toolkit-lib';
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { CliCredentialsStackSynthesizer } from 'aws-cdk-lib';
import type { ResolvedConfig } from '../../config/resolved.js';
import { synthesizeAssembly, type SynthesizedAssembly } from '../../infra/synthesize.js';

export interface StackActivity {
  readonly logicalId: string;
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  /** Resources finished so far and in total, as the toolkit counts them. */
  readonly done?: number;
  readonly total?: number;
}

/**
 * The stack as the deploy uploads it: synthesized once with the synthesizer that sends the template through our
 * bucket (no bootstrap stack, no roles, no version check). `up` plans from this assembly's template and deploys it.
 */
export function synthesizeForDeploy(config: ResolvedConfig, templateBucket: string): SynthesizedAssembly {
  return synthesizeAssembly(config, new CliCredentialsStackSynthesizer({ fileAssetsBucketName: templateBucket, bucketPrefix: `${config.name}/` }));
}

export interface DeployStackRequest {
  /** From synthesizeForDeploy. */
  readonly assembly: SynthesizedAssembly;
  readonly region: string;
  readonly credentials: AwsCredentialIdentityProvider;
  readonly onActivity: (a: StackActivity) => void;
  readonly onDebug?: (line: string) => void;
  /** Milliseconds between CloudFormation polls (events and stabilization). @default 2000, the CDK CLI's */
  readonly pollMs?: number;
}

export interface DeployStackResult {
  readonly stackName: string;
  readonly stackArn: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly noChanges: boolean;
}

/** Toolkit message codes we read (@aws-cdk/toolkit-lib lib/api/io/private/messages.ts). */
const STACK_ACTIVITY = 'CDK_TOOLKIT_I5502';
const DEPLOY_RESULT = 'CDK_TOOLKIT_I5900';

export async function deployStack(r: DeployStackRequest): Promise<DeployStackResult> {
  // Over a second of CPU to load: only a run that really deploys pays for it (a no-op rerun never gets here).
  const { BaseCredentials, StackSelectionStrategy, Toolkit } = await import('@aws-cdk/toolkit-lib');
  let noChanges = false;
  const ioHost: IIoHost = {
    async notify(msg) {
      if (msg.code === STACK_ACTIVITY) {
        const data = msg.data as { event?: StackEvent; progress?: { completed?: number; total?: number } } | undefined;
        const e = data?.event;
        if (e) {
          r.onActivity({
            logicalId: e.LogicalResourceId ?? '',
            type: e.ResourceType ?? '',
            status: e.ResourceStatus ?? '',
            ...(e.ResourceStatusReason ? { reason: e.ResourceStatusReason } : {}),
            ...(data?.progress?.completed !== undefined ? { done: data.progress.completed } : {}),
            ...(data?.progress?.total !== undefined ? { total: data.progress.total } : {}),
          });
        }
        return;
      }
      if (msg.code === DEPLOY_RESULT && /\(no changes\)/.test(msg.message)) noChanges = true;
      r.onDebug?.(`${msg.code ?? msg.level}: ${msg.message}`);
    },
    // The user confirmed the plan (or passed --yes) before this runs; the toolkit's own prompts (IAM changes)
    // would repeat that question, so take their defaults, which are "go ahead".
    async requestResponse(msg) {
      return msg.defaultResponse;
    },
  };
  const toolkit = new Toolkit({
    ioHost,
    color: false,
    emojis: false,
    sdkConfig: { baseCredentials: BaseCredentials.custom({ provider: r.credentials, region: r.region }) },
  });
  // The assembly the plan was made from, as it is: no second synthesis, no context lookups, no process.env change.
  const source = await toolkit.fromAssemblyDirectory(r.assembly.directory, { failOnMissingContext: true });
  const result = await toolkit.deploy(source, {
    stacks: { strategy: StackSelectionStrategy.ALL_STACKS },
    deploymentMethod: { method: 'change-set' },
    // Milliseconds, not seconds: a bare 5 here polled DescribeStackEvents every 5 ms and would be throttled on AWS.
    stackEventPollingInterval: r.pollMs ?? 2_000,
  });
  const stack = result.stacks[0];
  if (!stack) throw new Error('the CDK toolkit deployed no stack');
  return { stackName: stack.stackName, stackArn: stack.stackArn, outputs: stack.outputs, noChanges };
}
