import type { Command } from 'commander';
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
    .description('show what would be created: resources by kind and the notable settings (offline without AWS credentials)')
    .option('--json', 'print the plan as JSON', false)
    .option('--offline', 'do not read the deployed stack even when AWS credentials are configured', false)
    .addHelpText('after', examples('airflow-aws plan', 'airflow-aws plan --offline --json | jq .infrastructure.resources'))
    .action(async (o: { json: boolean; offline: boolean }) => run(o.json, async (ctx) => (await import('../commands/plan.js')).planCommand(ctx, o)));
}
