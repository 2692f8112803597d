/**
 * Step 1 of `up`: the CloudFormation stack. Describes itself as the resource diff against the deployed template
 * (dangerous replacements flagged); does itself by first settling whatever state an earlier run left (see
 * stack-resume.ts), then deploying through change sets with per-resource progress.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { cloudFormationClient, deployedTemplate } from '../../adapters/aws/cloudformation.js';
import { awsUserError } from '../../adapters/aws/errors.js';
import { deployStack, synthesizeForDeploy, type StackActivity } from '../../adapters/aws/stack-deployer.js';
import {
  cancelUpdate,
  deleteStack,
  failedResources,
  followUntilSettled,
  readStack,
  waitUntilSettled,
  type StackState,
} from '../../adapters/aws/stack-state.js';
import { STACK_OUTPUTS, stackName, templateBucketName } from '../../config/naming.js';
import { pauseGuard } from '../pause/record.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import type { SynthesizedAssembly } from '../../infra/synthesize.js';
import { dangerousChanges, diffStack, formatStackDiff, STATEFUL_TYPES } from '../../plan/infra-diff.js';
import type { Step, StepDescription, StepReporter } from '../steps.js';
import type { UpContext } from './context.js';
import { decideOnInterrupt } from './stack-interrupt.js';
import { deployIsNoOp } from './stack-noop.js';
import { decideStackAction, type StackAction } from './stack-resume.js';

/** The resources that take minutes: named while they run so a long wait never looks like a hang. */
export const SLOW_RESOURCES: Readonly<Record<string, string>> = {
  'AWS::EKS::Cluster': 'the EKS cluster (usually 10–15 min)',
  'AWS::RDS::DBInstance': 'the RDS instance (usually 5–15 min)',
  'AWS::EKS::Nodegroup': 'the node group (usually 3–5 min)',
  'AWS::EC2::NatGateway': 'the NAT gateway (usually 1–2 min)',
};

export const infrastructureStep: Step<UpContext> = {
  id: 'infrastructure',
  title: 'Infrastructure (CloudFormation)',

  async describe(ctx) {
    const name = stackName(ctx.config);
    const cfn = client(ctx);
    try {
      // Synthesized once per run, with the deploy's own synthesizer: run() deploys this very assembly.
      const synth = await assembly(ctx);
      const found = await readStack(cfn, name, { lastEvent: false }).catch((e: unknown) => {
        throw awsUserError(e, { action: `reading stack ${name}`, region: ctx.region });
      });
      const action = decideStackAction(found && toFound(found), ctx.config.name, name);
      // Later steps describe themselves against what exists now (the cluster, the registry).
      if (found && action.kind === 'update' && Object.keys(found.outputs).length > 0) {
        await refuseIfPaused(ctx, name, found.outputs);
        ctx.found.outputs = found.outputs;
      }
      const deployed = found && action.kind !== 'delete-then-create' && action.kind !== 'create' ? await deployedTemplate(cfn, name) : undefined;
      const diff = diffStack(name, synth.template, deployed);
      const resources = Object.keys(synth.template.Resources ?? {}).length;
      const dangers = dangerousChanges(diff).map((c) => {
        const what = STATEFUL_TYPES[c.type]?.what ?? c.type;
        return `${c.action === 'remove' ? 'removes' : 'replaces'} ${what} ${c.logicalId}`;
      });
      const prefix = actionLine(action, name, resources);
      // The description (it names the Airflow version) and the outputs change without any resource changing.
      const stackLevel = deployed !== undefined && ['Description', 'Outputs'].filter((k) => JSON.stringify(deployed[k]) !== JSON.stringify(synth.template[k]));
      const noChanges = diff.status === 'unchanged' && action.kind === 'update' && !action.note && !(stackLevel && stackLevel.length);
      const summary = noChanges ? 'no changes' : diff.status === 'unchanged' && stackLevel && stackLevel.length ? `update stack ${name}: ${stackLevel.join(' and ').toLowerCase()} only` : prefix;
      return {
        summary,
        changes: !noChanges,
        details: [...(action.kind === 'update' && action.note ? [action.note] : []), ...formatStackDiff(diff).split('\n')],
        dangers,
        data: { stackName: name, status: found?.status ?? 'absent', action: action.kind, diff },
      } satisfies StepDescription;
    } finally {
      cfn.destroy();
    }
  },

  async run(ctx, report) {
    const name = stackName(ctx.config);
    const cfn = client(ctx);
    try {
      const synth = await assembly(ctx);
      const existing = await readStack(cfn, name, { lastEvent: false });
      if (existing) await refuseIfPaused(ctx, name, existing.outputs);
      const settled = await settleStack(ctx, cfn, name, report, existing);
      if (settled.kind === 'update') {
        // The toolkit's own no-op test, made without loading the toolkit or creating a change set.
        const verdict = deployIsNoOp(synth, { ...settled.stack, template: await deployedTemplate(cfn, name) });
        if (verdict.noOp) {
          ctx.found.outputs = settled.stack.outputs;
          return { changed: false, summary: 'no changes', data: { stackName: name, stackArn: settled.stack.id } };
        }
      }
      await ensureBucket(ctx, report);
      const result = await deployWithProgress(ctx, cfn, name, synth, report, settled.kind);
      ctx.found.outputs = result.outputs;
      return {
        changed: !result.noChanges,
        summary: result.noChanges ? 'no changes' : `stack ${name} ${settled.kind === 'create' ? 'created' : 'updated'}`,
        data: { stackName: name, stackArn: result.stackArn },
      };
    } finally {
      cfn.destroy();
      disposeAssembly(ctx);
    }
  },
};

/**
 * The cloud assembly of this run, synthesized on first use (the plan's describe, or run() when nothing described
 * it) and shared by both: the template the plan showed is the template deployed.
 */
async function assembly(ctx: UpContext): Promise<SynthesizedAssembly> {
  if (!ctx.found.assembly) {
    ctx.found.account ??= await callerAccount(ctx);
    ctx.found.assembly = synthesizeForDeploy(ctx.config, templateBucketName(ctx.found.account, ctx.region));
  }
  return ctx.found.assembly;
}

/** Removes the run's cloud assembly directory; the CLI calls it too when the plan is not applied. */
export function disposeAssembly(ctx: UpContext): void {
  ctx.found.assembly?.dispose();
  delete ctx.found.assembly;
}

async function ensureBucket(ctx: UpContext, report: StepReporter): Promise<void> {
  const { ensureTemplateBucket, s3Client } = await import('../../adapters/aws/template-bucket.js');
  const bucket = templateBucketName(ctx.found.account ?? (await callerAccount(ctx)), ctx.region);
  const s3 = s3Client({ region: ctx.region, ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}) });
  try {
    if ((await ensureTemplateBucket(s3, bucket, ctx.region)) === 'created') report.info(`created the template bucket ${bucket}`);
  } catch (e) {
    throw awsUserError(e, { action: `creating the template bucket ${bucket}`, region: ctx.region });
  } finally {
    s3.destroy();
  }
}

/** `up` never silently undoes a pause (nodes at 0, database stopped): resume is the way back. */
async function refuseIfPaused(ctx: UpContext, name: string, outputs: Readonly<Record<string, string>>): Promise<void> {
  const clusterName = outputs[STACK_OUTPUTS.clusterName];
  if (!clusterName) return;
  // Lazy: the EKS client is not loaded on the no-op path of a stack without a cluster output.
  const { pauseRecordOf } = await import('../../adapters/aws/pause.js');
  const pause = await pauseRecordOf({ region: ctx.region, ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}) }, clusterName);
  const refusal = pauseGuard({ stackName: name, ...(pause ? { pause } : {}) });
  if (refusal) throw refusal;
}

function client(ctx: UpContext): CloudFormationClient {
  const c = cloudFormationClient({ region: ctx.region, ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}) });
  return c;
}

function toFound(s: StackState) {
  return { status: s.status, ...(s.reason ? { reason: s.reason } : {}), ...(s.deploymentTag ? { deploymentTag: s.deploymentTag } : {}) };
}

function actionLine(a: StackAction, name: string, resources: number): string {
  switch (a.kind) {
    case 'create':
      return `create stack ${name} (${resources} resources)`;
    case 'update':
      return `update stack ${name}`;
    case 'delete-then-create':
      return `delete the failed stack ${name}, then create it again (${resources} resources)`;
    case 'wait':
      return `wait for stack ${name} to settle, then deploy it`;
    case 'refuse':
      return `cannot deploy: ${a.why}`;
  }
}

async function callerAccount(ctx: UpContext): Promise<string> {
  const sts = new STSClient({ region: ctx.region, credentials: ctx.credentials, ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}) });
  try {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    if (!id.Account) throw new Error('STS GetCallerIdentity returned no account');
    return id.Account;
  } catch (e) {
    throw awsUserError(e, { action: 'identifying the AWS account (sts:GetCallerIdentity)', region: ctx.region });
  } finally {
    sts.destroy();
  }
}

/** Leaves the stack in a state a change set can start from, or stops with the reason. */
async function settleStack(
  ctx: UpContext,
  cfn: CloudFormationClient,
  name: string,
  report: StepReporter,
  first: StackState | undefined,
): Promise<{ readonly kind: 'create' } | { readonly kind: 'update'; readonly stack: StackState }> {
  // The caller has just read the stack: decide from that read first, and read again only after a change.
  let found = first;
  for (let reread = false; ; reread = true) {
    if (reread) found = await readStack(cfn, name, { lastEvent: false });
    const action = decideStackAction(found && toFound(found), ctx.config.name, name);
    switch (action.kind) {
      case 'create':
        return { kind: 'create' };
      case 'update':
        if (action.note) report.warn(action.note);
        return { kind: 'update', stack: found! };
      case 'refuse':
        throw new UserError(action.why, { code: action.code, hint: action.hint, ...(action.code === 'STACK_NOT_OURS' ? { exitCode: EXIT_BAD_INPUT } : {}) });
      case 'wait':
        report.progress(`${action.why}; waiting for it to finish`);
        await waitUntilSettled(cfn, name, {
          signal: ctx.signal,
          timeoutMs: ctx.timeoutMs,
          onWait: (status) => report.progress(`stack ${name} is still ${status}`),
        }).then((s) => {
          if (s?.status.endsWith('_IN_PROGRESS') && s.status !== 'REVIEW_IN_PROGRESS') {
            throw new UserError(`stack ${name} is still ${s.status} after ${Math.round(ctx.timeoutMs / 60_000)} min`, {
              code: 'STACK_BUSY',
              hint: 'run up again later, or pass a longer --timeout',
            });
          }
        });
        continue;
      case 'delete-then-create': {
        const failed = await failedResources(cfn, name);
        report.warn(action.why);
        for (const f of failed) report.warn(`  ${f.logicalId} (${f.type}): ${f.reason}`);
        const ok = await ctx.prompt.confirm(`delete stack ${name} and create it again?`);
        if (!ok) {
          throw new UserError(`stack ${name} is in ${found?.status ?? 'ROLLBACK_COMPLETE'} and was left as it is`, {
            code: 'STACK_NEEDS_RECREATE',
            exitCode: EXIT_BAD_INPUT,
            hint: 'run `airflow-aws up` on a terminal and confirm, or `airflow-aws up --yes`',
          });
        }
        report.progress(`deleting the failed stack ${name}`);
        await deleteStack(cfn, name, { signal: ctx.signal, timeoutMs: ctx.timeoutMs });
        continue;
      }
    }
  }
}

async function deployWithProgress(
  ctx: UpContext,
  cfn: CloudFormationClient,
  name: string,
  synth: SynthesizedAssembly,
  report: StepReporter,
  kind: 'create' | 'update',
) {
  const slowSince = new Map<string, { label: string; since: number }>();
  let interruptedAt: number | undefined;
  const onActivity = (a: StackActivity) => {
    // After Ctrl-C the toolkit still polls in the background; its lines would cut into the question and the rollback.
    if (interruptedAt !== undefined) return;
    const counts = a.done !== undefined ? { done: a.done, ...(a.total !== undefined ? { total: a.total } : {}) } : undefined;
    const label = SLOW_RESOURCES[a.type];
    if (label && a.status.endsWith('_IN_PROGRESS') && !slowSince.has(a.logicalId)) {
      slowSince.set(a.logicalId, { label, since: Date.now() });
      report.info(`waiting for ${label}`);
    } else if (label && slowSince.has(a.logicalId) && !a.status.endsWith('_IN_PROGRESS')) {
      const s = slowSince.get(a.logicalId)!;
      slowSince.delete(a.logicalId);
      report.info(`${s.label.replace(/ \(.*\)$/, '')}: ${a.status} after ${minutes(Date.now() - s.since)}`);
    }
    report.progress(`${a.status} ${a.logicalId} (${a.type})${a.reason && a.status.endsWith('FAILED') ? `: ${a.reason}` : ''}`, counts);
  };
  // A long wait must never look like a hang: name what is still running once a minute.
  const heartbeat = setInterval(() => {
    for (const s of slowSince.values()) report.progress(`still waiting for ${s.label.replace(/ \(.*\)$/, '')} (${minutes(Date.now() - s.since)})`);
  }, 60_000);
  heartbeat.unref();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      interruptedAt = Date.now();
      clearInterval(heartbeat);
      onInterrupt(ctx, cfn, name, kind, report).then(reject, reject);
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      deployStack({ assembly: synth, region: ctx.region, credentials: ctx.credentials, onActivity }),
      aborted,
    ]);
  } catch (e) {
    if (UserError.is(e)) throw e;
    const failed = await failedResources(cfn, name).catch(() => []);
    if (failed.length === 0) throw awsUserError(e, { action: `deploying stack ${name}`, region: ctx.region });
    throw new UserError(`deploying stack ${name} failed`, {
      code: 'STACK_DEPLOY_FAILED',
      details: failed.map((f) => `${f.logicalId} (${f.type}): ${f.reason}`),
      hint: 'fix the cause above, then run `airflow-aws up` again: it continues from where this run stopped',
      cause: e,
    });
  } finally {
    clearInterval(heartbeat);
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Ctrl-C while CloudFormation works: offers to cancel an update (on a terminal), otherwise says what goes on and
 * how to continue. Resolves to the error the step ends with. A second Ctrl-C ends the process at once: the first
 * one removed the CLI's handler, and at the question the prompter turns it into INTERRUPTED.
 */
async function onInterrupt(ctx: UpContext, cfn: CloudFormationClient, name: string, kind: 'create' | 'update', report: StepReporter): Promise<UserError> {
  const now = await readStack(cfn, name, { lastEvent: false }).catch(() => 'unknown' as const);
  // Unreadable (network gone): say what is known from the operation that was started.
  const status = now === 'unknown' ? (kind === 'create' ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS') : now?.status;
  const choice = decideOnInterrupt({ stackName: name, status, interactive: ctx.prompt.interactive });
  // Said once, by the CLI's error mapping: the first line as the error, the rest (how to watch, resume) under it.
  const leave = (lines: readonly string[]) => new UserError(`interrupted: ${lines[0]}`, { code: 'INTERRUPTED', exitCode: 130, details: lines.slice(1) });
  if (choice.kind === 'leave') return leave(choice.lines);
  // A second Ctrl-C at the question (or a terminal gone) means: leave it running, and stop now.
  if (!(await ctx.prompt.confirm(choice.question, { afterInterrupt: true }).catch(() => false))) return leave(choice.leave);

  const since = new Date(Date.now() - 5_000);
  report.progress(`cancelling the update of stack ${name}`);
  if ((await cancelUpdate(cfn, name)) === 'not-cancellable') {
    const s = await readStack(cfn, name, { lastEvent: false });
    // It ended or moved on meanwhile (e.g. to its cleanup): say what it does now.
    const again = decideOnInterrupt({ stackName: name, status: s?.status, interactive: false });
    return leave(['the update can no longer be cancelled', ...(again.kind === 'leave' ? again.lines : again.leave)]);
  }
  // No abort signal here: it has fired already, and a second Ctrl-C ends the process anyway.
  const settled = await followUntilSettled(cfn, name, {
    since,
    timeoutMs: ctx.timeoutMs,
    onEvent: (e) => report.progress(`${e.status} ${e.resource} (${e.type})${e.reason && e.status.endsWith('FAILED') ? `: ${e.reason}` : ''}`),
  });
  const final = settled?.status ?? 'absent';
  if (final === 'UPDATE_ROLLBACK_COMPLETE') {
    return new UserError(`interrupted: the update of stack ${name} was cancelled and rolled back`, {
      code: 'UPDATE_CANCELLED',
      exitCode: 130,
      hint: 'the stack is as it was before this run; `airflow-aws up` applies the changes again',
    });
  }
  const next = decideStackAction(settled && toFound(settled), ctx.config.name, name);
  return new UserError(`interrupted: the update of stack ${name} was cancelled; the stack is ${final}${settled?.reason ? ` (${settled.reason})` : ''}`, {
    code: 'UPDATE_CANCELLED',
    exitCode: 130,
    hint: next.kind === 'refuse' ? next.hint : 'run `airflow-aws up` again: it continues from this state',
  });
}

function minutes(ms: number): string {
  const m = Math.floor(ms / 60_000);
  return m >= 1 ? `${m} min` : `${Math.round(ms / 1000)} s`;
}
