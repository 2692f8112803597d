import type { Command } from 'commander';
import { KUBE_CONTEXT_OPTION, KUBECONFIG_OPTION, secondsFlag } from '../flags.js';
import { examples, type Runner } from '../program.js';
import type { UpFlags } from '../commands/up.js';

export function registerUpCommands(program: Command, run: Runner): void {
  program
    .command('up')
    .description(
      'create or update everything: the CloudFormation stack (change sets, termination protection), your cluster-admin access entry, the image in ECR, and Airflow on the cluster — shows the plan first and continues where a failed run stopped',
    )
    .option('-y, --yes', 'do not ask for confirmation (automation); never implies --allow-replace', false)
    .option('--allow-replace', 'with --yes: allow changes that replace or remove stateful resources (database, buckets, registry, cluster)', false)
    .option('--image <ref>', 'deploy this image instead of building and pushing one')
    .option(...KUBE_CONTEXT_OPTION)
    .option(...KUBECONFIG_OPTION)
    .option('--in-cluster-postgres', 'with --kube-context: run PostgreSQL in the namespace instead of using the stack\'s RDS', false)
    .option('--postgres-image <ref>', 'image of the in-cluster PostgreSQL', 'postgres:16-bookworm')
    .option('--timeout <seconds>', 'bound on each wait (a busy stack, Jobs, rollouts)', secondsFlag, 3600)
    .option('--json', 'print the plan and the result as JSON on stdout', false)
    .addHelpText('after', examples('airflow-aws up', 'airflow-aws up --yes --json', 'airflow-aws up --image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo/airflow:3.2.0-ab12cd'))
    .action(async (o: UpFlags) => run(o.json, async (ctx) => (await import('../commands/up.js')).upCommand(ctx, o)));
}
