import type { Command } from 'commander';
import type { PlanFlags } from '../commands/plan.js';
import { KUBE_CONTEXT_OPTION, KUBECONFIG_OPTION } from '../flags.js';
import { examples, type Runner } from '../program.js';

export function registerInfraCommands(program: Command, run: Runner): void {
  program
    .command('synth')
    .description('write the deployment artifacts (CloudFormation templates, image context, Kubernetes manifests) offline')
    .requiredOption('--out <dir>', 'output directory')
    .addHelpText('after', examples('airflow-aws synth --out out/', 'airflow-aws synth -c prod.yaml --out build/prod'))
    .action(async (o: { out: string }) => run(false, async (ctx) => (await import('../commands/synth.js')).synthCommand(ctx, o)));

  program
    .command('plan')
    .description('show what would be created: resources by kind and the notable settings (offline without AWS credentials); with AWS access also what `up` would change in each layer: stack, access entry, image, Kubernetes')
    .option('--json', 'print the plan as JSON', false)
    .option('--offline', 'do not read the deployed stack even when AWS credentials are configured', false)
    .option('--image <ref>', 'with AWS access: plan the Kubernetes layer with this image (as `up --image`)')
    .option(...KUBE_CONTEXT_OPTION)
    .option(...KUBECONFIG_OPTION)
    .addHelpText('after', examples('airflow-aws plan', 'airflow-aws plan --offline --json | jq .infrastructure.resources'))
    .action(async (o: PlanFlags) => run(o.json, async (ctx) => (await import('../commands/plan.js')).planCommand(ctx, o)));
}
