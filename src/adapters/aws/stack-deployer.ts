/**
 * Deploys the stack with the CDK's own toolkit library (change sets, asset upload, no-op detection, event
 * monitoring) instead of re-implementing them. The template goes through the tool's bucket (template-bucket.ts);
 * every toolkit message is mapped to a small activity event for the renderer, and nothing the toolkit prints
 * reaches the terminal directly.
 * @see https://docs.aws.amazon.com/cdk/api/toolkit-lib/
 */
import { BaseCredentials, StackSelectionStrategy, Toolkit, ToolkitError, type IIoHost } from '@aws-cdk/toolkit-lib';
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { CliCredentialsStackSynthesizer } from 'aws-cdk-lib';
import type { ResolvedConfig } from '../../config/resolved.js';
import { buildApp } from '../../infra/app.js';

export interface StackActivity {
  readonly logicalId: string;
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  /** Resources finished so far and in total, as the toolkit counts them. */
  readonly done?: number;
  readonly total?: number;
}

export interface DeployStackRequest {
  readonly config: ResolvedConfig;
  readonly region: string;
  readonly credentials: AwsCredentialIdentityProvider;
  readonly templateBucket: string;
  readonly onActivity: (a: StackActivity) => void;
  readonly onDebug?: (line: string) => void;
  /** Seconds between event polls. @default 5 */
  readonly pollSeconds?: number;
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
  const source = await toolkit.fromAssemblyBuilder(
    async (props) => {
      const { app } = buildApp(r.config, {
        ...(props.outdir ? { outdir: props.outdir } : {}),
        // Uploads the template to our bucket (no bootstrap stack, no roles, no version check).
        synthesizer: new CliCredentialsStackSynthesizer({ fileAssetsBucketName: r.templateBucket, bucketPrefix: `${r.config.name}/` }),
      });
      return app.synth();
    },
    // No process.env mutation, no context lookups: synthesis stays the pure function the tests exercise.
    { clobberEnv: false, lookups: false },
  );
  const result = await toolkit.deploy(source, {
    stacks: { strategy: StackSelectionStrategy.ALL_STACKS },
    deploymentMethod: { method: 'change-set' },
    stackEventPollingInterval: r.pollSeconds ?? 5,
  });
  const stack = result.stacks[0];
  if (!stack) throw new Error('the CDK toolkit deployed no stack');
  return { stackName: stack.stackName, stackArn: stack.stackArn, outputs: stack.outputs, noChanges };
}

export function isToolkitError(e: unknown): e is Error {
  return ToolkitError.isToolkitError(e);
}
