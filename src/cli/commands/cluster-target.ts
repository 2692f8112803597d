/**
 * Which cluster a command talks to, decided the same way for every Kubernetes command (deploy, status, open,
 * logs): `--kube-context`/`--kubeconfig` name an existing cluster; otherwise the EKS cluster of the stack, found
 * through the stack outputs and reached with a token minted in-process (no aws CLI, no kubeconfig entry).
 */
import { STACK_OUTPUTS, stackName } from '../../config/naming.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { UserError } from '../../errors/user-error.js';
import type { KubeClient } from '../../adapters/kube/client.js';
import type { CommandContext } from '../context.js';

/** The cluster-target flags every Kubernetes command accepts. */
export interface ClusterFlags {
  readonly kubeContext?: string;
  readonly kubeconfig?: string;
}

export interface ClusterTarget {
  readonly client: KubeClient;
  /** For messages: `context NAME` or `EKS cluster NAME`. */
  readonly where: string;
  /** The stack outputs, when they were read (always for the EKS cluster; on request with a kube context). */
  readonly outputs?: StackOutputs;
}

/** Stack outputs by key, with a lookup that says which output is missing and how to get it. */
export class StackOutputs {
  constructor(
    readonly stack: string,
    private readonly values: Readonly<Record<string, string>>,
  ) {}

  get(key: string): string {
    const v = this.values[key];
    if (!v) throw new UserError(`stack ${this.stack} has no output ${key}`, { code: 'STACK_OUTPUT_MISSING', hint: 'run airflow-aws up to update the stack' });
    return v;
  }
}

export function usesKubeContext(o: ClusterFlags): boolean {
  return o.kubeContext !== undefined || o.kubeconfig !== undefined;
}

/** The stack's outputs; a missing stack is a UserError whose hint the caller words for its own command. */
export async function readStackOutputs(config: ResolvedConfig, hint: string): Promise<StackOutputs> {
  const { stackOutputs } = await import('../../adapters/aws/deploy-inputs.js');
  const name = stackName(config);
  const outputs = await stackOutputs({ region: config.region }, name);
  if (!outputs) throw new UserError(`stack ${name} not found in ${config.region}`, { code: 'STACK_NOT_FOUND', hint });
  return new StackOutputs(name, outputs);
}

/**
 * Whether a deployment on a cluster named with --kube-context keeps its DAGs, and so its task logs, in the stack's
 * bucket: `deploy` then reads the stack for the bucket, and `logs` reads a finished task's log from it.
 */
export function usesStackBucket(config: Pick<ResolvedConfig, 'dags'>): boolean {
  return config.dags.source === 's3';
}

export const NO_STACK_HINT =
  'create the infrastructure first (airflow-aws up), or point at another cluster with --kube-context CTX';

/**
 * A client for the target cluster. `readOutputs` also reads the stack outputs with a kube context (deploy needs the
 * database outputs when the database is RDS); the EKS path always reads them. `noStackHint` words the error for a
 * missing stack.
 */
export async function resolveCluster(
  ctx: CommandContext,
  config: ResolvedConfig,
  o: ClusterFlags,
  opts: { readonly readOutputs?: boolean; readonly noStackHint?: string } = {},
): Promise<ClusterTarget> {
  const { KubeClient, loadKubeConfig } = await import('../../adapters/kube/client.js');
  const hint = opts.noStackHint ?? NO_STACK_HINT;
  if (usesKubeContext(o)) {
    const outputs = opts.readOutputs ? await readStackOutputs(config, hint) : undefined;
    const kc = loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.kubeContext });
    return { client: new KubeClient(kc, undefined, ctx.signal), where: `context ${kc.getCurrentContext()}`, ...(outputs ? { outputs } : {}) };
  }
  const outputs = await readStackOutputs(config, hint);
  const eks = await import('../../adapters/aws/eks-token.js');
  const { defaultCredentials } = await import('../../adapters/aws/deploy-inputs.js');
  const clusterName = outputs.get(STACK_OUTPUTS.clusterName);
  const provider = new eks.EksTokenProvider(clusterName, config.region, defaultCredentials({ region: config.region }));
  const kc = await eks.eksKubeConfig({
    clusterName,
    endpoint: outputs.get(STACK_OUTPUTS.clusterEndpoint),
    caData: outputs.get(STACK_OUTPUTS.clusterCertificateAuthority),
    provider,
  });
  return { client: new KubeClient(kc, undefined, ctx.signal), where: `EKS cluster ${clusterName}`, outputs };
}

/** The flags to repeat in a suggested next command, so it reaches the same cluster (` --kube-context prod`). */
export function clusterFlagsText(o: ClusterFlags): string {
  const q = (v: string): string => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  return `${o.kubeconfig !== undefined ? ` --kubeconfig ${q(o.kubeconfig)}` : ''}${o.kubeContext !== undefined ? ` --kube-context ${q(o.kubeContext)}` : ''}`;
}
