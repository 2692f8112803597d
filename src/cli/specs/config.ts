import type { Command } from 'commander';
import { examples, type Runner } from '../program.js';

export function registerConfigCommands(program: Command, run: Runner): void {
  program
    .command('init')
    .description('write a commented airflow-aws.yaml and an example dags/ folder')
    .option('--dir <dir>', 'project directory', '.')
    .option('--name <name>', 'deployment name (DNS-1123 label); default: the directory name')
    .option('--region <region>', 'AWS region', 'us-east-1')
    .option('--python <minor>', 'Python minor version of the image and local virtualenv (default 3.12)')
    .option('--force', 'overwrite an existing airflow-aws.yaml', false)
    .addHelpText('after', examples('airflow-aws init', 'airflow-aws init --dir my-airflow --name analytics --region eu-west-1'))
    .action(async (o: { dir: string; name?: string; region: string; python?: string; force: boolean }) =>
      run(false, async (ctx) => (await import('../commands/init.js')).initCommand(ctx, o)),
    );

  program
    .command('validate')
    .description('check the config file; exit 2 with one line per problem when it is invalid')
    .option('--json', 'print the result as JSON', false)
    .option('--print', 'print the fully resolved config (defaults applied)', false)
    .addHelpText('after', examples('airflow-aws validate', 'airflow-aws validate -c prod.yaml --print'))
    .action(async (o: { json: boolean; print: boolean }) =>
      run(o.json, async (ctx) => (await import('../commands/validate.js')).validateCommand(ctx, o)),
    );

  program
    .command('schema')
    .description("print the config's JSON Schema (the one the validator uses)")
    .addHelpText('after', examples('airflow-aws schema > airflow-aws.schema.json'))
    .action(async () => run(false, async (ctx) => (await import('../commands/schema.js')).schemaCommand(ctx)));
}
