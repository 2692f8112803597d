import type { Command } from 'commander';
import { KUBE_CONTEXT_OPTION, KUBECONFIG_OPTION } from '../flags.js';
import { examples, type Runner } from '../program.js';

export interface DagsDeployFlags {
  readonly dryRun: boolean;
  readonly json: boolean;
}

export interface DagsStatusFlags {
  readonly local: boolean;
  readonly kubeContext?: string;
  readonly kubeconfig?: string;
  readonly json: boolean;
}

export function registerDagsCommands(program: Command, run: Runner): void {
  const dags = program
    .command('dags')
    .description('DAGs without image rebuilds: the S3 DAG bundle (dags.source: s3) — see docs/dags.md')
    .addHelpText('after', examples('airflow-aws dags deploy --dry-run', 'airflow-aws dags deploy', 'airflow-aws dags status'));

  dags
    .command('deploy')
    .description('upload the DAG folder to the deployment bucket: new and changed files first, removed files deleted last; Airflow picks it up within a minute, no restart')
    .option('--dry-run', 'list the files that would be added, changed and removed; change nothing', false)
    .option('--json', 'print the result as JSON on stdout', false)
    .addHelpText('after', examples('airflow-aws dags deploy --dry-run', 'airflow-aws dags deploy --json'))
    .action(async (o: DagsDeployFlags) => run(o.json, async (ctx) => (await import('../commands/dags-deploy.js')).dagsDeployCommand(ctx, o)));

  dags
    .command('status')
    .description(
      'the live bundle version (content hash, time, uploader) and the import errors Airflow reports, as FILE:LINE: message — read with `airflow dags list-import-errors` in a ready api-server pod of the cluster; when none answers, the bucket part is still shown with the reason',
    )
    .option('--local', 'read import errors from the local Airflow (`dev up --dags s3`) instead of the cluster', false)
    .option(...KUBE_CONTEXT_OPTION)
    .option(...KUBECONFIG_OPTION)
    .option('--json', 'print as JSON', false)
    .addHelpText('after', examples('airflow-aws dags status', 'airflow-aws dags status --kube-context minikube', 'airflow-aws dags status --local --json'))
    .action(async (o: DagsStatusFlags) => run(o.json, async (ctx) => (await import('../commands/dags-status.js')).dagsStatusCommand(ctx, o)));
}
