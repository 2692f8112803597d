/**
 * Step 4 of `down`: the CloudFormation stack. Lifts the two protections `up` turns on — the stack's termination
 * protection and the database's deletion protection — then deletes the stack and waits. The database leaves its
 * final snapshot (DeletionPolicy Snapshot); the bucket, the registry and the KMS keys are retained (RemovalPolicy
 * RETAIN). A stack already gone is done; a failed deletion names CloudFormation's reasons, and a rerun continues.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { cloudFormationClient } from '../../adapters/aws/cloudformation.js';
import { listSnapshots } from '../../adapters/aws/db-snapshot.js';
import { awsUserError } from '../../adapters/aws/errors.js';
import { deleteStack, failedResources, readStack } from '../../adapters/aws/stack-state.js';
import { liftDatabaseProtection } from '../../adapters/aws/teardown.js';
import { STACK_OUTPUTS, stackName } from '../../config/naming.js';
import { UserError } from '../../errors/user-error.js';
import { databaseInstanceIdentifier } from '../../infra/names.js';
import { unchanged, type Step } from '../steps.js';
import { awsTarget, type DownContext } from './context.js';

export const stackStep: Step<DownContext> = {
  id: 'stack',
  title: 'Infrastructure (delete the CloudFormation stack)',

  async describe(ctx) {
    const name = stackName(ctx.config);
    const s = ctx.stack;
    if (!s || s.status === 'DELETE_COMPLETE') return unchanged(`stack ${name} does not exist in ${ctx.region}`);
    assertOurs(ctx);
    return {
      summary: `delete stack ${name} (${s.status}): VPC, EKS cluster, RDS database, roles, log groups`,
      changes: true,
      details: [
        'lifts the stack\'s termination protection and the database\'s deletion protection first',
        'the database leaves a final snapshot; the bucket, the image repository and the KMS keys are retained',
      ],
      dangers: [`deletes the EKS cluster and the RDS instance of ${ctx.config.name} (a final snapshot of the database is kept)`],
      data: { stackName: name, status: s.status },
    };
  },

  async run(ctx, report) {
    const name = stackName(ctx.config);
    const cfn = cloudFormationClient(awsTarget(ctx));
    try {
      const s = await readStack(cfn, name).catch((e: unknown) => {
        throw awsUserError(e, { action: `reading stack ${name}`, region: ctx.region });
      });
      if (!s || s.status === 'DELETE_COMPLETE') return { changed: false, summary: `stack ${name} is already gone` };
      assertOurs({ ...ctx, stack: s });
      const instanceId = s.outputs[STACK_OUTPUTS.databaseInstanceId] ?? databaseInstanceIdentifier(ctx.config);
      const lifted = await liftDatabaseProtection(awsTarget(ctx), instanceId).catch((e: unknown) => {
        throw awsUserError(e, { action: `turning off deletion protection of RDS instance ${instanceId}`, region: ctx.region });
      });
      if (lifted === 'lifted') report.info(`turned off deletion protection of RDS instance ${instanceId}`);
      report.progress(`deleting stack ${name} (the EKS cluster and the database take 10–20 min)`);
      await deleteAndWait(ctx, cfn, name, (status) => report.progress(`stack ${name} is ${status}`));
      const snapshots = await listSnapshots(awsTarget(ctx), instanceId, ctx.signal).catch(() => []);
      for (const snap of snapshots) report.info(`database snapshot kept: ${snap.snapshotId}`);
      return { changed: true, summary: `deleted stack ${name}`, data: { snapshots: snapshots.map((x) => x.snapshotId) } };
    } finally {
      cfn.destroy();
    }
  },
};

function assertOurs(ctx: DownContext): void {
  const s = ctx.stack;
  if (!s || s.deploymentTag === ctx.config.name) return;
  const name = stackName(ctx.config);
  throw new UserError(
    s.deploymentTag
      ? `stack ${name} belongs to airflow-aws deployment "${s.deploymentTag}", not "${ctx.config.name}": not deleting it`
      : `stack ${name} was not created by airflow-aws (it has no airflow-aws:deployment tag): not deleting it`,
    { code: 'STACK_NOT_OURS', hint: 'check `name` and `region` in the config; delete that stack yourself if you know it is unused' },
  );
}

async function deleteAndWait(ctx: DownContext, cfn: CloudFormationClient, name: string, onWait: (status: string) => void): Promise<void> {
  try {
    await deleteStack(cfn, name, { signal: ctx.signal, timeoutMs: ctx.timeoutMs, onWait });
  } catch (e) {
    if (UserError.is(e)) throw e;
    const [state, failed] = await Promise.all([readStack(cfn, name).catch(() => undefined), failedResources(cfn, name).catch(() => [])]);
    if (state?.status.endsWith('_IN_PROGRESS')) {
      throw new UserError(`stack ${name} is still ${state.status} after ${Math.round(ctx.timeoutMs / 60_000)} min`, {
        code: 'STACK_BUSY',
        hint: 'CloudFormation keeps deleting it on its own: run `airflow-aws down` again later (or with a longer --timeout) to wait for the end',
        cause: e,
      });
    }
    if (!state && failed.length === 0) throw awsUserError(e, { action: `deleting stack ${name}`, region: ctx.region });
    throw new UserError(`stack ${name} was not deleted: it is ${state?.status ?? 'in an unknown state'}`, {
      code: 'STACK_DELETE_FAILED',
      details: failed.map((f) => `${f.logicalId} (${f.type}): ${f.reason}`),
      hint: 'remove what blocks the deletion (see the reasons above), then run `airflow-aws down` again: it continues from here',
      cause: e,
    });
  }
}
