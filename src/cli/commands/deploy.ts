import { clusterLogStore, type LogStore } from '../../airflow/remote-logs.js';
import { ssoOf } from '../../airflow/fab-oidc.js';
import { STACK_OUTPUTS } from '../../config/naming.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { NAMES } from '../../k8s/labels.js';
import { pauseGuard } from '../../ops/pause/record.js';
import type { DatabaseMasterValues, DatabaseTarget } from '../../k8s/model.js';
import type { CommandContext } from '../context.js';
import type { DeployFlags } from '../specs/kube.js';
import { clusterFlagsText, resolveCluster, usesKubeContext, usesStackBucket, type ClusterTarget } from './cluster-target.js';

interface Target extends ClusterTarget {
  readonly database: DatabaseTarget;
  readonly master?: DatabaseMasterValues;
  /** The stack's bucket, whenever the stack outputs were read: remote task logs are on by default on AWS. */
  readonly logStore?: LogStore;
  /** auth.oidc's client secret, read from its Secrets Manager ARN (in memory only; it becomes a Kubernetes Secret). */
  readonly oidcClientSecret?: string;
}

/**
 * Cluster access (see cluster-target.ts) + database: in the namespace, or the stack's RDS. `up` uses it too.
 *
 * With a kube context and --in-cluster-postgres the stack is read only when the config puts the DAGs in its bucket
 * (`dags.source: s3`): "the database in the cluster, the DAGs and task logs in the stack's bucket". A deploy that needs
 * nothing from the stack makes no AWS call, so it works on a cluster with no AWS account behind it.
 */
export async function resolveTarget(
  ctx: CommandContext,
  config: ResolvedConfig,
  o: Pick<DeployFlags, 'kubeContext' | 'kubeconfig' | 'inClusterPostgres' | 'postgresImage'>,
): Promise<Target> {
  const useContext = usesKubeContext(o);
  const cluster = await resolveCluster(ctx, config, o, {
    readOutputs: !o.inClusterPostgres || usesStackBucket(config),
    noStackHint: !useContext
      ? 'create the infrastructure first (airflow-aws up), or deploy to another cluster with --kube-context CTX --in-cluster-postgres'
      : o.inClusterPostgres
        ? 'dags.source is "s3": the DAG bundle lives in the stack\'s bucket; create the infrastructure first (airflow-aws up), or set dags.source: image'
        : 'create the infrastructure first (airflow-aws up), or pass --in-cluster-postgres to run the database in the cluster',
  });
  const logStore = cluster.outputs ? clusterLogStore(config, cluster.outputs.get(STACK_OUTPUTS.bucketName)) : undefined;
  const sso = await ssoSecret(config);
  if (o.inClusterPostgres) {
    return { ...cluster, ...sso, ...(logStore ? { logStore } : {}), database: { kind: 'in-cluster', image: o.postgresImage, storage: '8Gi' } };
  }
  const outputs = cluster.outputs;
  if (!outputs || !logStore) throw new Error('resolveCluster read no stack outputs although readOutputs was set');
  const { rdsMasterCredentials } = await import('../../adapters/aws/deploy-inputs.js');
  const master = await rdsMasterCredentials({ region: config.region }, outputs.get(STACK_OUTPUTS.databaseSecretArn));
  return {
    ...cluster,
    ...sso,
    master,
    logStore,
    database: {
      kind: 'external',
      host: outputs.get(STACK_OUTPUTS.databaseEndpoint),
      port: Number(outputs.get(STACK_OUTPUTS.databasePort)),
      sslmode: 'require',
    },
  };
}

/** With SSO, the client secret from its ARN through the SDK (the AWS_ENDPOINT_URL override applies, as for every call). */
async function ssoSecret(config: ResolvedConfig): Promise<{ oidcClientSecret?: string }> {
  const oidc = ssoOf(config);
  if (!oidc) return {};
  const { oidcClientSecret } = await import('../../adapters/aws/deploy-inputs.js');
  return { oidcClientSecret: await oidcClientSecret({}, oidc.clientSecret) };
}

/** The S3 DAG bundle lives in the stack's bucket; resolveTarget reads the stack whenever dags.source is "s3". */
function dagBundleTarget(config: ResolvedConfig, target: Target): { dagBundle?: { bucketName: string } } {
  if (config.dags.source !== 's3') return {};
  if (!target.outputs) throw new Error('resolveTarget read no stack outputs although dags.source is "s3"');
  return { dagBundle: { bucketName: target.outputs.get(STACK_OUTPUTS.bucketName) } };
}

export async function deployCommand(ctx: CommandContext, o: DeployFlags): Promise<number> {
  const config = await ctx.config();
  if (!o.image) {
    throw new UserError('--image is required: the Airflow image to run', {
      code: 'IMAGE_REQUIRED',
      exitCode: EXIT_BAD_INPUT,
      hint: 'build and push one with `airflow-aws image build` / `airflow-aws image push`, then pass its reference',
    });
  }
  const timeoutMs = o.timeout * 1000;
  const target = await resolveTarget(ctx, config, o);
  // A deployment that uses the stack (its EKS cluster or its RDS database) and is paused has no nodes and a stopped
  // database: the rollout would only wait for its timeout. Same refusal as up's. Another cluster with the database
  // in it uses only the stack's bucket, which pausing leaves alone.
  if (target.outputs && !(usesKubeContext(o) && o.inClusterPostgres)) {
    const { pauseRecordOf } = await import('../../adapters/aws/pause.js');
    const pause = await pauseRecordOf({ region: config.region }, target.outputs.get(STACK_OUTPUTS.clusterName));
    const refusal = pauseGuard({ stackName: target.outputs.stack, ...(pause ? { pause } : {}) });
    if (refusal) throw refusal;
  }
  const { deploy, planDeploy } = await import('../../adapters/kube/deploy.js');
  const req = {
    config,
    image: o.image,
    database: target.database,
    ...(target.master ? { databaseMaster: target.master } : {}),
    ...(target.oidcClientSecret !== undefined ? { oidcClientSecret: target.oidcClientSecret } : {}),
    ...(target.logStore ? { logStore: target.logStore } : {}),
    ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
    ...dagBundleTarget(config, target),
  };
  const ns = config.kubernetes.namespace;

  if (o.dryRun) {
    ctx.out.step(`planning ${config.name} on ${target.where} (server-side dry run; nothing changes)`);
    const plan = await planDeploy(target.client, req);
    const changes = plan.changes.filter((c) => c.action !== 'unchanged');
    if (o.json) {
      ctx.out.dataJson({ dryRun: true, changes: plan.changes, generatedSecrets: plan.generatedSecrets });
    } else if (changes.length === 0) {
      ctx.out.data('no changes');
    } else {
      const sign = { create: '+', update: '~', delete: '-', unchanged: ' ' } as const;
      for (const c of changes) {
        ctx.out.data(`${sign[c.action]} ${c.ref}${c.fields ? `  (${c.fields.slice(0, 6).join(', ')}${c.fields.length > 6 ? ', …' : ''})` : ''}`);
      }
    }
    if (plan.generatedSecrets.length > 0) ctx.out.info(`secrets to generate on the first deploy: ${plan.generatedSecrets.join(', ')}`);
    return 0;
  }

  ctx.out.step(`deploying ${config.name} (Airflow ${config.airflow.version}) to ${target.where}, namespace ${ns}`);
  const report = await deploy(target.client, req, {
    forceConflicts: o.forceConflicts,
    jobTimeoutMs: timeoutMs,
    rolloutTimeoutMs: timeoutMs,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onEvent: (e) => {
      if (e.type === 'phase') ctx.out.step(e.description);
      else if (e.type === 'wait') ctx.out.info(`  waiting for ${e.what}`);
      else if (e.type === 'waited') ctx.out.debug(`  done in ${(e.ms / 1000).toFixed(1)} s: ${e.what}`);
      else if (e.action !== 'unchanged') ctx.out.info(`  ${e.action} ${e.ref}`);
      else ctx.out.debug(`  unchanged ${e.ref}`);
    },
  });
  if (report.generatedSecrets.length > 0) ctx.out.info(`generated secrets (stored in Secret ${ns}/${NAMES.secrets}): ${report.generatedSecrets.join(', ')}`);
  if (o.json) {
    ctx.out.dataJson({ changed: report.changed, durationMs: report.durationMs, changes: report.changes });
  } else {
    ctx.out.data(report.changed === 0 ? 'no changes' : `${report.changed} object(s) changed`);
  }
  ctx.out.success(`Airflow is running in namespace ${ns} (${(report.durationMs / 1000).toFixed(1)} s)`);
  const flags = clusterFlagsText(o);
  ctx.out.info(`next: airflow-aws open${flags}    (the UI on http://localhost:8080, and how to read the admin password)`);
  ctx.out.info(`      airflow-aws status${flags}  ·  airflow-aws logs scheduler${flags}`);
  return 0;
}
