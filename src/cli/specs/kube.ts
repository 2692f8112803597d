import type { Command } from 'commander';
import { countFlag, durationFlag, KUBE_CONTEXT_OPTION, KUBECONFIG_OPTION, portFlag, secondsFlag } from '../flags.js';
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

export interface StatusFlags {
  readonly kubeContext?: string;
  readonly kubeconfig?: string;
  readonly json: boolean;
}

export interface OpenFlags {
  readonly kubeContext?: string;
  readonly kubeconfig?: string;
  readonly port: number;
  readonly browser: boolean;
}

export interface LogsFlags {
  readonly kubeContext?: string;
  readonly kubeconfig?: string;
  readonly follow: boolean;
  /** Seconds. */
  readonly since?: number;
  readonly tail?: number;
  readonly dag?: string;
  readonly run?: string;
  readonly task?: string;
  readonly try?: number;
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
    .option(...KUBE_CONTEXT_OPTION)
    .option(...KUBECONFIG_OPTION)
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
    .command('status')
    .description(
      'what is deployed and whether it is healthy: the stack, EKS cluster, node groups and database (AWS); each Airflow component, task pods and Airflow\'s own health report (Kubernetes). Exit 0 healthy, 1 degraded, 3 nothing deployed',
    )
    .option(...KUBE_CONTEXT_OPTION)
    .option(...KUBECONFIG_OPTION)
    .option('--json', 'print the status as JSON (same data; progress stays on stderr)', false)
    .addHelpText(
      'after',
      examples('airflow-aws status', 'airflow-aws status --json | jq .problems', 'airflow-aws status --kube-context minikube'),
    )
    .action(async (o: StatusFlags) => run(o.json, async (ctx) => (await import('../commands/status.js')).statusCommand(ctx, o)));

  program
    .command('open')
    .description('open the Airflow UI on http://localhost:PORT through a port-forward to a ready api-server pod (no kubectl needed); runs until Ctrl-C')
    .option(...KUBE_CONTEXT_OPTION)
    .option(...KUBECONFIG_OPTION)
    .option('--port <port>', 'local port, on 127.0.0.1', portFlag, 8080)
    .option('--no-browser', 'only print the URL; do not start a browser (one starts only on a terminal anyway)')
    .addHelpText('after', examples('airflow-aws open', 'airflow-aws open --port 8081 --no-browser', 'airflow-aws open --kube-context minikube'))
    .action(async (o: OpenFlags) => run(false, async (ctx) => (await import('../commands/open.js')).openCommand(ctx, o)));

  program
    .command('logs [component]')
    .description(
      'logs of an Airflow component\'s pods (api-server, scheduler, dag-processor, triggerer; the Jobs db-bootstrap, migrate, create-admin; postgres), or of one task with --dag/--run/--task (from its pod while it runs, from S3 once the pod is gone). Without a component: every long-running component',
    )
    .option(...KUBE_CONTEXT_OPTION)
    .option(...KUBECONFIG_OPTION)
    .option('-f, --follow', 'keep streaming new lines until Ctrl-C', false)
    .option('--since <duration>', 'only lines newer than this: 30s, 10m, 2h, 1d', durationFlag)
    .option('--tail <lines>', 'lines of history per pod (default 100 for components without --since; a task\'s whole log)', countFlag)
    .option('--dag <dag_id>', 'with --run and --task: the log of that task instance (its KubernetesExecutor pod, or the stack bucket\'s logs/ once the pod is gone; storage.devBucket in dev)')
    .option('--run <run_id>', 'the DAG run id, e.g. manual__2025-01-01T00:00:00+00:00')
    .option('--task <task_id>', 'the task id')
    .option('--try <n>', 'the try number (default: the latest one that still has a pod, or the latest stored one)', countFlag)
    .addHelpText(
      'after',
      examples(
        'airflow-aws logs scheduler -f',
        'airflow-aws logs api-server --since 10m',
        'airflow-aws logs --dag etl --run manual__2025-01-01T00:00:00+00:00 --task extract',
        'airflow-aws logs migrate --kube-context minikube',
      ),
    )
    .action(async (component: string | undefined, o: LogsFlags) =>
      run(false, async (ctx) => (await import('../commands/logs.js')).logsCommand(ctx, component, o)),
    );

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
