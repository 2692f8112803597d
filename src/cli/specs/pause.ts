import type { Command } from 'commander';
import { KUBE_CONTEXT_OPTION, KUBECONFIG_OPTION, secondsFlag } from '../flags.js';
import { examples, type Runner } from '../program.js';
import type { PauseFlags, ResumeFlags } from '../commands/pause-common.js';


export function registerPauseCommands(program: Command, run: Runner): void {
  program
    .command('pause')
    .description('stop paying for compute: scheduler to 0, wait for running tasks, Airflow to 0, nodes to 0, database stopped (RDS restarts it on its own after 7 days); see docs/pause.md')
    .option('--force', 'delete task pods still running when --timeout ends (their tasks fail; they are named)', false)
    .option('--timeout <seconds>', 'bound on each wait (running tasks, node group, database)', secondsFlag, 600)
    .option('-y, --yes', 'do not ask for confirmation (automation)', false)
    .option(...KUBE_CONTEXT_OPTION)
    .option(...KUBECONFIG_OPTION)
    .option('--json', 'print the result as JSON on stdout', false)
    .addHelpText('after', examples('airflow-aws pause', 'airflow-aws pause --yes --timeout 1800', 'airflow-aws pause --yes --force --json'))
    .action(async (o: PauseFlags) => run(o.json, async (ctx) => (await import('../commands/pause.js')).pauseCommand(ctx, o)));

  program
    .command('resume')
    .description('undo pause: start the database, restore the node group, scale Airflow back, wait until it is ready')
    .option('--timeout <seconds>', 'bound on each wait (database, nodes, readiness)', secondsFlag, 1800)
    .option(...KUBE_CONTEXT_OPTION)
    .option(...KUBECONFIG_OPTION)
    .option('--json', 'print the result as JSON on stdout', false)
    .addHelpText('after', examples('airflow-aws resume', 'airflow-aws resume --json'))
    .action(async (o: ResumeFlags) => run(o.json, async (ctx) => (await import('../commands/resume.js')).resumeCommand(ctx, o)));
}
