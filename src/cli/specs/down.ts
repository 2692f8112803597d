import type { Command } from 'commander';
import { KUBE_CONTEXT_OPTION, KUBECONFIG_OPTION, secondsFlag } from '../flags.js';
import { examples, type Runner } from '../program.js';
import type { DownFlags } from '../commands/down.js';

export function registerDownCommands(program: Command, run: Runner): void {
  program
    .command('down')
    .description(
      'remove the deployment: scale Airflow to zero, delete its load balancers and volumes, lift the protections and delete the stack — the database leaves a final snapshot, the bucket and the image repository are kept unless --delete-data; ends with what still costs money',
    )
    .option('-y, --yes', 'do not ask for confirmation (automation); never implies --delete-data', false)
    .option('--delete-data', 'also delete the retained bucket (every object version) and the image repository (every image)', false)
    .option(...KUBE_CONTEXT_OPTION)
    .option(...KUBECONFIG_OPTION)
    .option('--timeout <seconds>', 'bound on each wait (load balancers, volumes, the stack deletion)', secondsFlag, 3600)
    .option('--json', 'print the result and what is left as JSON on stdout', false)
    .addHelpText('after', examples('airflow-aws down', 'airflow-aws down --yes --json', 'airflow-aws down --yes --delete-data'))
    .action(async (o: DownFlags) => run(o.json, async (ctx) => (await import('../commands/down.js')).downCommand(ctx, o)));
}
