import type { Command } from 'commander';
import { examples, type Runner } from '../program.js';

export function registerCostCommands(program: Command, run: Runner): void {
  program
    .command('cost')
    .description('estimate the monthly AWS bill from the config: running, paused, against MWAA, and the levers that lower it (offline)')
    .option('--json', 'print the estimate as JSON', false)
    .addHelpText('after', examples('airflow-aws cost', 'airflow-aws cost --json | jq .running.totalUsd'))
    .action(async (o: { json: boolean }) => run(o.json, async (ctx) => (await import('../commands/cost.js')).costCommand(ctx, o)));
}
