/**
 * Step 4 of `up`: Airflow on the cluster, with the existing apply engine (server-side apply; Jobs for bootstrap,
 * migration and the admin user; rollout waits). Describes itself with a server-side dry run when the cluster
 * answers, and otherwise lists what a first deploy creates.
 *
 * Safe upgrades: when the Airflow version changes, the RDS database is snapshotted (and waited for) before the
 * migration Job runs; the engine runs migrations before it touches any Deployment, so a failed migration leaves the
 * old pods serving, and the error carries the restore commands. A downgrade is refused before anything changes.
 */
import { deploy, planDeploy } from '../../adapters/kube/deploy.js';
import { STACK_OUTPUTS, stackName } from '../../config/naming.js';
import { UserError } from '../../errors/user-error.js';
import { NAMES, ownerSelector } from '../../k8s/labels.js';
import type { Step } from '../steps.js';
import { decideUpgrade, deployedAirflowVersion, downgradeError, restoreInstructions, snapshotTags, upgradePlanLines, type Labelled, type UpgradeDecision } from '../upgrade-guard.js';
import type { KubeTarget, UpContext } from './context.js';

export const kubernetesStep: Step<UpContext> = {
  id: 'kubernetes',
  title: 'Airflow on Kubernetes',

  async describe(ctx) {
    const image = ctx.image ?? ctx.found.image;
    if (!ctx.found.outputs || !image) {
      return { summary: 'deploy Airflow (namespace, RBAC, secrets, database Jobs, components) once the cluster and image exist', changes: true, details: [], dangers: [] };
    }
    const target = await kubeTarget(ctx);
    const upgrade = await upgradeDecision(ctx, target);
    const plan = await planDeploy(target.client, request(ctx, target, image));
    const changes = plan.changes.filter((c) => c.action !== 'unchanged');
    const upgradeLines = upgrade.kind === 'upgrade' || upgrade.kind === 'downgrade' ? await upgradeText(ctx, target, upgrade) : [];
    return {
      summary: changes.length === 0 ? 'no changes' : `${changes.length} object(s) to create or update on ${target.where}`,
      changes: changes.length > 0,
      details: [...upgradeLines, ...changes.map((c) => `${c.action} ${c.ref}`)],
      dangers: [],
      data: { changes: plan.changes, upgrade },
    };
  },

  async run(ctx, report) {
    const image = ctx.found.image ?? ctx.image;
    if (!image) throw new UserError('no image to deploy', { code: 'IMAGE_REQUIRED', hint: 'pass --image REF' });
    const target = await kubeTarget(ctx);
    const upgrade = await upgradeDecision(ctx, target);
    if (upgrade.kind === 'downgrade') throw downgradeError(upgrade.from, upgrade.to);
    const snapshot = upgrade.kind === 'upgrade' ? await snapshotBeforeMigration(ctx, target, upgrade, report) : undefined;
    report.progress(`deploying to ${target.where}, namespace ${ctx.config.kubernetes.namespace}`);
    const r = await deploy(target.client, request(ctx, target, image), {
      jobTimeoutMs: ctx.timeoutMs,
      rolloutTimeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      onEvent: (e) => {
        if (e.type === 'phase') report.progress(e.description);
        else if (e.type === 'wait') report.progress(`waiting for ${e.what}`);
        else if (e.type === 'object' && e.action !== 'unchanged') report.progress(`${e.action} ${e.ref}`);
      },
    }).catch((e: unknown) => {
      if (!snapshot || !UserError.is(e)) throw e;
      throw new UserError(`${e.message} — during the upgrade from Airflow ${snapshot.from}`, {
        code: e.code,
        exitCode: e.exitCode,
        details: [
          ...e.details,
          `the database was snapshotted first: ${snapshot.snapshotId}; the old pods keep serving if the migration did not get far`,
          ...restoreInstructions({ instanceId: snapshot.instanceId, region: ctx.region, snapshotId: snapshot.snapshotId, from: snapshot.from, namespace: ctx.config.kubernetes.namespace }),
        ],
        hint: 'read the migration Job\'s log (airflow-aws logs migrate), fix the cause, then run up again; restore from the snapshot only if Airflow no longer starts',
        cause: e,
      });
    });
    if (r.generatedSecrets.length > 0) report.info(`generated secrets (Secret ${ctx.config.kubernetes.namespace}/${NAMES.secrets}): ${r.generatedSecrets.join(', ')}`);
    return { changed: r.changed > 0, summary: r.changed === 0 ? 'no changes' : `${r.changed} object(s) changed`, data: { changes: r.changes } };
  },
};

async function kubeTarget(ctx: UpContext): Promise<KubeTarget> {
  if (!ctx.found.kube) {
    if (!ctx.found.outputs) throw new Error('the Kubernetes step needs the stack outputs');
    ctx.found.kube = await ctx.kubeTarget(ctx.found.outputs);
  }
  return ctx.found.kube;
}

/** The Airflow version our Deployments run now (their version label), against the config's. */
async function upgradeDecision(ctx: UpContext, target: KubeTarget): Promise<UpgradeDecision> {
  const ns = ctx.config.kubernetes.namespace;
  const list = await target.client.call(`listing the Deployments in ${ns}`, () =>
    target.client.objects.list('apps/v1', 'Deployment', ns, undefined, undefined, undefined, undefined, ownerSelector(ctx.config)),
  );
  return decideUpgrade({ airflowVersion: deployedAirflowVersion(list.items as Labelled[]) }, ctx.config, new Date());
}

/** Only an RDS database is snapshotted; an in-cluster one (tests, minikube) has no AWS snapshot to take. */
async function upgradeText(ctx: UpContext, target: KubeTarget, d: UpgradeDecision): Promise<string[]> {
  if (target.database.kind !== 'external') return upgradePlanLines(d, { instanceId: '(in-cluster database: no snapshot)', region: ctx.region });
  // The RDS client loads only for an upgrade; most runs are not one.
  const { findInstanceId } = await import('../../adapters/aws/db-snapshot.js');
  const instanceId = await findInstanceId(aws(ctx), { stackName: stackName(ctx.config), ...(ctx.found.outputs ? { outputs: ctx.found.outputs } : {}) });
  return upgradePlanLines(d, { instanceId, region: ctx.region });
}

async function snapshotBeforeMigration(
  ctx: UpContext,
  target: KubeTarget,
  d: Extract<UpgradeDecision, { kind: 'upgrade' }>,
  report: import('../steps.js').StepReporter,
): Promise<{ snapshotId: string; instanceId: string; from: string } | undefined> {
  if (target.database.kind !== 'external') {
    report.warn(`Airflow ${d.from} -> ${d.to} on an in-cluster database: no snapshot is taken`);
    return undefined;
  }
  const { createSnapshot, findInstanceId } = await import('../../adapters/aws/db-snapshot.js');
  const instanceId = await findInstanceId(aws(ctx), { stackName: stackName(ctx.config), ...(ctx.found.outputs ? { outputs: ctx.found.outputs } : {}) });
  report.progress(`Airflow ${d.from} -> ${d.to}: snapshot ${d.snapshotId} of ${instanceId} before the migration`);
  const r = await createSnapshot({
    target: aws(ctx),
    instanceId,
    snapshotId: d.snapshotId,
    tags: snapshotTags(ctx.config, d.from, d.to),
    signal: ctx.signal,
    onProgress: (p) => report.progress(`snapshot ${p.snapshotId}: ${p.status} ${p.percent}%`),
  });
  report.info(`${r.reused ? 'reusing' : 'took'} snapshot ${r.snapshot.snapshotId} (kept until you delete it)`);
  return { snapshotId: r.snapshot.snapshotId, instanceId, from: d.from };
}

function aws(ctx: UpContext) {
  return { region: ctx.region, ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}) };
}

function request(ctx: UpContext, target: KubeTarget, image: string) {
  const bucketName = ctx.found.outputs?.[STACK_OUTPUTS.bucketName];
  return {
    config: ctx.config,
    image,
    database: target.database,
    ...(target.master ? { databaseMaster: target.master } : {}),
    ...(target.oidcClientSecret !== undefined ? { oidcClientSecret: target.oidcClientSecret } : {}),
    ...(target.logStore ? { logStore: target.logStore } : {}),
    ...(bucketName ? { dagBundle: { bucketName } } : {}),
  };
}
