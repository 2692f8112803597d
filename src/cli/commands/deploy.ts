import { STACK_OUTPUTS, stackName } from '../../config/naming.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { NAMES, SECRET_KEYS } from '../../k8s/labels.js';
import type { DatabaseMasterValues, DatabaseTarget } from '../../k8s/model.js';
import type { CommandContext } from '../context.js';
import type { DeployFlags } from '../specs/kube.js';

interface Target {
  readonly client: import('../../adapters/kube/client.js').KubeClient;
  readonly database: DatabaseTarget;
  readonly master?: DatabaseMasterValues;
  readonly where: string;
}

/** Cluster access + database: a kube context (any cluster), or the EKS cluster and RDS of the stack. */
async function resolveTarget(ctx: CommandContext, config: ResolvedConfig, o: DeployFlags): Promise<Target> {
  const { KubeClient, loadKubeConfig } = await import('../../adapters/kube/client.js');
  const useContext = o.kubeContext !== undefined || o.kubeconfig !== undefined;
  let outputs: Record<string, string> | undefined;
  const needStack = !useContext || !o.inClusterPostgres;
  if (needStack) {
    const { stackOutputs } = await import('../../adapters/aws/deploy-inputs.js');
    outputs = await stackOutputs({ region: config.region }, stackName(config));
    if (!outputs) {
      throw new UserError(`stack ${stackName(config)} not found in ${config.region}`, {
        code: 'STACK_NOT_FOUND',
        hint: useContext
          ? 'create the infrastructure first (airflow-aws up), or pass --in-cluster-postgres to run the database in the cluster'
          : 'create the infrastructure first (airflow-aws up), or deploy to another cluster with --kube-context CTX --in-cluster-postgres',
      });
    }
  }
  const out = (key: string): string => {
    const v = outputs?.[key];
    if (!v) throw new UserError(`stack ${stackName(config)} has no output ${key}`, { code: 'STACK_OUTPUT_MISSING', hint: 'run airflow-aws up to update the stack' });
    return v;
  };

  let client: InstanceType<typeof KubeClient>;
  let where: string;
  if (useContext) {
    const kc = loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.kubeContext });
    client = new KubeClient(kc, undefined, ctx.signal);
    where = `context ${kc.getCurrentContext()}`;
  } else {
    const eks = await import('../../adapters/aws/eks-token.js');
    const { defaultCredentials } = await import('../../adapters/aws/deploy-inputs.js');
    const clusterName = out(STACK_OUTPUTS.clusterName);
    const provider = new eks.EksTokenProvider(clusterName, config.region, defaultCredentials({ region: config.region }));
    const kc = await eks.eksKubeConfig({
      clusterName,
      endpoint: out(STACK_OUTPUTS.clusterEndpoint),
      caData: out(STACK_OUTPUTS.clusterCertificateAuthority),
      provider,
    });
    client = new KubeClient(kc, undefined, ctx.signal);
    where = `EKS cluster ${clusterName}`;
  }

  if (o.inClusterPostgres) {
    return { client, where, database: { kind: 'in-cluster', image: o.postgresImage, storage: '8Gi' } };
  }
  const { rdsMasterCredentials } = await import('../../adapters/aws/deploy-inputs.js');
  const master = await rdsMasterCredentials({ region: config.region }, out(STACK_OUTPUTS.databaseSecretArn));
  return {
    client,
    where,
    master,
    database: { kind: 'external', host: out(STACK_OUTPUTS.databaseEndpoint), port: Number(out(STACK_OUTPUTS.databasePort)), sslmode: 'require' },
  };
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
  const { deploy, planDeploy } = await import('../../adapters/kube/deploy.js');
  const req = {
    config,
    image: o.image,
    database: target.database,
    ...(target.master ? { databaseMaster: target.master } : {}),
    ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
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
  ctx.out.info(`next: kubectl -n ${ns} port-forward svc/${NAMES.uiService} 8080:8080  →  http://localhost:8080`);
  ctx.out.info(
    `      admin password: kubectl -n ${ns} get secret ${NAMES.secrets} -o jsonpath='{.data.${SECRET_KEYS.adminPassword}}' | base64 -d`,
  );
  return 0;
}
