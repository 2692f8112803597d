import { Option, type Command } from 'commander';
import { countFlag, endpointFlag, portFlag, secondsFlag } from '../flags.js';
import { examples, type Runner } from '../program.js';

export function registerDevCommands(program: Command, run: Runner): void {
  const dev = program
    .command('dev')
    .description('run the same Airflow on this machine: Docker (the project image) or native (a virtualenv from the same lock)')
    .addHelpText(
      'after',
      examples('airflow-aws dev up', 'airflow-aws dev run-dag example_pipeline', 'airflow-aws dev parse', 'airflow-aws dev down'),
    );

  dev
    .command('up')
    .description('start PostgreSQL and the Airflow components (API/UI, scheduler, DAG processor, triggerer) with the LocalExecutor')
    .option('--native', 'no Docker: a virtualenv from the lock and the machine\'s PostgreSQL (the default when no Docker engine answers)', false)
    .option('--port <port>', 'UI/API port on localhost', portFlag, 8080)
    .option('-d, --detach', 'native mode: run in the background and return once healthy (Docker mode always does)', false)
    .option('--python <path>', 'native mode: Python interpreter for the virtualenv (default: python<airflow.python>)')
    .option('--wait <seconds>', 'how long to wait for a healthy API', secondsFlag, 300)
    .option('--image <ref>', 'Docker mode: Airflow image to run (default: the project image from `airflow-aws image build`)')
    .addOption(
      new Option('--dags <from>', 'native mode: read DAGs from the folder, or from the deployed S3 bundle exactly as the cluster does (dags.source: s3; the stack must exist)')
        .choices(['folder', 's3'])
        .default('folder'),
    )
    .option('--postgres-image <ref>', 'Docker mode: PostgreSQL image (POSTGRES_* variables as the official image)', 'postgres:16-bookworm')
    .option('--secrets-endpoint <url>', 'native mode: read connections, variables and config through Airflow\'s Secrets Manager backend (the deployment\'s prefixes, as on the cluster) at this endpoint URL, or "aws" for AWS in the config\'s region; AWS credentials from your environment', endpointFlag)
    .addOption(new Option('--supervised').hideHelp().default(false))
    .addHelpText(
      'after',
      examples('airflow-aws dev up', 'airflow-aws dev up --native            # foreground; Ctrl-C stops everything', 'airflow-aws dev up --native --detach --port 8081', 'airflow-aws dev up --native --secrets-endpoint http://localhost:4566   # an emulator; "aws" for the real one'),
    )
    .action(async (o: { native: boolean; port: number; detach: boolean; python?: string; wait: number; image?: string; postgresImage?: string; secretsEndpoint?: string; supervised: boolean; dags: 'folder' | 's3' }) =>
      run(false, async (ctx) => (await import('../commands/dev-up.js')).devUpCommand(ctx, o)),
    );

  dev
    .command('down')
    .description('stop the local Airflow; the database (run history) is kept unless --purge')
    .option('--purge', 'also delete the local database, logs and generated secrets', false)
    .addHelpText('after', examples('airflow-aws dev down', 'airflow-aws dev down --purge'))
    .action(async (o: { purge: boolean }) => run(false, async (ctx) => (await import('../commands/dev-down.js')).devDownCommand(ctx, o)));

  dev
    .command('status')
    .description('show the mode, URL, components and API health (exit 0 healthy, 1 unhealthy, 3 not running)')
    .option('--json', 'print as JSON', false)
    .addHelpText('after', examples('airflow-aws dev status', 'airflow-aws dev status --json | jq .health'))
    .action(async (o: { json: boolean }) => run(o.json, async (ctx) => (await import('../commands/dev-status.js')).devStatusCommand(ctx, o)));

  dev
    .command('logs')
    .description('print component logs (postgres, api-server, scheduler, dag-processor, triggerer); all when none is given')
    .argument('[component]', 'one component')
    .option('-f, --follow', 'keep printing new lines', false)
    .option('--tail <lines>', 'lines of history per component', countFlag, 100)
    .addHelpText('after', examples('airflow-aws dev logs scheduler', 'airflow-aws dev logs -f'))
    .action(async (component: string | undefined, o: { follow: boolean; tail: number }) =>
      run(false, async (ctx) => (await import('../commands/dev-logs.js')).devLogsCommand(ctx, component, o)),
    );

  dev
    .command('run-dag')
    .description('trigger a DAG through the REST API, wait, print task states; on failure print the failing task logs (exit 1)')
    .argument('<dag_id>', 'the DAG to run')
    .option('--conf <json>', 'run configuration (a JSON object)')
    .option('--timeout <seconds>', 'give up after this long (exit 124)', secondsFlag, 600)
    .option('--json', 'print the result as JSON', false)
    .addHelpText('after', examples('airflow-aws dev run-dag example_pipeline', 'airflow-aws dev run-dag etl --conf \'{"day": "2024-01-01"}\' --timeout 120'))
    .action(async (dagId: string, o: { conf?: string; timeout: number; json: boolean }) =>
      run(o.json, async (ctx) => (await import('../commands/dev-run-dag.js')).devRunDagCommand(ctx, dagId, o)),
    );

  dev
    .command('parse')
    .description('import every DAG and report import errors as FILE:LINE: message (exit 1 on errors); no running Airflow needed')
    .option('--native', 'use the virtualenv even when a Docker engine answers', false)
    .option('--python <path>', 'native mode: Python interpreter for the virtualenv')
    .option('--json', 'print the result as JSON', false)
    .addHelpText('after', examples('airflow-aws dev parse', 'airflow-aws dev parse --native --json'))
    .action(async (o: { native: boolean; json: boolean; python?: string }) =>
      run(o.json, async (ctx) => (await import('../commands/dev-parse.js')).devParseCommand(ctx, o)),
    );
}
