import type { Command } from 'commander';
import { secondsFlag } from '../flags.js';
import { examples, type Runner } from '../program.js';

export interface DeployFlags {
  readonly kubeContext?: string;
  readonly kubeconfig?: string;
  readonly inClusterPostgres: boolean;
  readonly postgresImage: string;
  readonly image?: string;
  readonly baseUrl?: string;
  readonly dryRun: boolean;
  readonly forceConflicts: boolean;
  readonly timeout: number;
  readonly json: boolean;
}

export interface KubeconfigFlags {
  readonly kubeconfig?: string;
  readonly alias?: string;
  readonly setCurrent: boolean;
  readonly print: boolean;
}

export function registerKubeCommands(program: Command, run: Runner): void {
  program
    .command('deploy')
    .description(
      'deploy Airflow to Kubernetes: namespace, RBAC, config, secrets (generated once, then reused), database bootstrap, migrations, admin user, components — then wait for the rollout',
    )
    .option('--kube-context <ctx>', 'kubeconfig context of any cluster (default: the EKS cluster of the stack, token minted in-process)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--in-cluster-postgres', 'run PostgreSQL inside the namespace instead of using the stack\'s RDS (minikube, kind, CI)', false)
    .option('--postgres-image <ref>', 'image of the in-cluster PostgreSQL', 'postgres:16-bookworm')
    .option('--image <ref>', 'the Airflow image to run, by tag or digest (see `airflow-aws image push`)')
    .option('--base-url <url>', 'public URL of the UI (default http://localhost:8080, for kubectl port-forward)')
    .option('--dry-run', 'show what would change (server-side dry run); change nothing', false)
    .option('--force-conflicts', 'take over fields another tool (kubectl edit/scale) changed on our workloads', false)
    .option('--timeout <seconds>', 'bound on each wait (Jobs, rollouts)', secondsFlag, 900)
    .option('--json', 'print the result as JSON', false)
    .addHelpText(
      'after',
      examples(
        'airflow-aws deploy --image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo/airflow:3.3.2-1',
        'airflow-aws deploy --kube-context minikube --in-cluster-postgres --image airflow-aws/demo:dev',
        'airflow-aws deploy --kube-context prod --image REF --dry-run',
      ),
    )
    .action(async (o: DeployFlags) => run(o.json, async (ctx) => (await import('../commands/deploy.js')).deployCommand(ctx, o)));

  program
    .command('kubeconfig')
    .description('add a context for the EKS cluster of this deployment to a kubeconfig (kubectl authenticates through `airflow-aws eks-token`; no aws CLI needed)')
    .option('--kubeconfig <file>', 'kubeconfig to update (default: $KUBECONFIG or ~/.kube/config)')
    .option('--alias <name>', 'context name (default: airflow-aws-<name>)')
    .option('--no-set-current', 'leave current-context as it is')
    .option('--print', 'print the kubeconfig to stdout instead of writing it', false)
    .addHelpText('after', examples('airflow-aws kubeconfig', 'airflow-aws kubeconfig --alias prod --kubeconfig ./kubeconfig.yaml', 'kubectl -n airflow get pods'))
    .action(async (o: KubeconfigFlags) => run(false, async (ctx) => (await import('../commands/kubeconfig.js')).kubeconfigCommand(ctx, o)));

  program
    .command('eks-token', { hidden: true })
    .description('print an ExecCredential with an EKS bearer token (kubectl exec plugin, used by `airflow-aws kubeconfig`)')
    .requiredOption('--cluster-name <name>', 'EKS cluster name')
    .requiredOption('--region <region>', 'AWS region of the cluster')
    .action(async (o: { clusterName: string; region: string }) =>
      run(true, async (ctx) => (await import('../commands/kubeconfig.js')).eksTokenCommand(ctx, o)),
    );
}
