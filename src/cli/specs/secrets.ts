import { InvalidArgumentError, type Command } from 'commander';
import { RECOVERY_WINDOW_DAYS } from '../../ops/secrets/index.js';
import { examples, type Runner } from '../program.js';
import type { SecretsDeleteFlags, SecretsSetFlags } from '../commands/secrets.js';

const { min, max } = RECOVERY_WINDOW_DAYS;

/** Whole days within AWS's bounds for a recovery window. */
function recoveryDaysFlag(v: string): number {
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw new InvalidArgumentError(`must be a whole number of days, ${min}-${max}.`);
  return n;
}

export function registerSecretsCommands(program: Command, run: Runner): void {
  const secrets = program
    .command('secrets')
    .description("Airflow connections and variables in AWS Secrets Manager, where the deployment's Secrets Manager backend reads them (values from stdin or --file, never arguments); see docs/secrets.md")
    .addHelpText(
      'after',
      examples(
        "printf %s 'postgres://etl:s3cret@db.internal:5432/warehouse' | airflow-aws secrets set-connection warehouse",
        'airflow-aws secrets set-variable api_token --file ./token.txt',
        'airflow-aws secrets list',
        'airflow-aws secrets delete api_token --variable --yes',
      ),
    );

  const setter = (name: string, kind: 'connection' | 'variable', description: string, ex: string[]) =>
    secrets
      .command(name)
      .description(description)
      .argument(kind === 'connection' ? '<conn_id>' : '<key>', kind === 'connection' ? 'the connection id DAGs use' : 'the variable key DAGs use')
      .option('--file <path>', 'read the value from this file instead of stdin (one trailing newline is dropped)')
      .option('--json', 'print the result as JSON on stdout', false)
      .addHelpText('after', examples(...ex))
      .action(async (id: string, o: SecretsSetFlags) =>
        run(o.json, async (ctx) => (await import('../commands/secrets.js')).secretsSetCommand(ctx, kind, id, o)),
      );

  setter('set-connection', 'connection', 'create or update a connection: an Airflow URI (conn-type://login:password@host:port/schema?extra=...) or its JSON form, checked before it is stored', [
    "printf %s 'postgres://etl:s3cret@db.internal:5432/warehouse' | airflow-aws secrets set-connection warehouse",
    'airflow-aws secrets set-connection aws_reports --file conn.json   # {"conn_type": "aws", "extra": {"region_name": "eu-west-1"}}',
  ]);
  setter('set-variable', 'variable', 'create or update a variable (any text; one trailing newline is dropped)', [
    'printf %s "$TOKEN" | airflow-aws secrets set-variable api_token',
    'airflow-aws secrets set-variable settings --file settings.json',
  ]);

  secrets
    .command('list')
    .description('list connections, variables and config options under the deployment\'s prefixes: kind, name, last changed — never values')
    .option('--json', 'print as JSON on stdout', false)
    .addHelpText('after', examples('airflow-aws secrets list', 'airflow-aws secrets list --json | jq -r \'.[] | select(.kind=="variable") | .name\''))
    .action(async (o: { json: boolean }) => run(o.json, async (ctx) => (await import('../commands/secrets.js')).secretsListCommand(ctx, o)));

  secrets
    .command('delete')
    .description(`schedule a connection (or, with --variable, a variable) for deletion after a recovery window (default ${RECOVERY_WINDOW_DAYS.default} days; restorable until then); asks for the name on a terminal, --yes otherwise`)
    .argument('<name>', 'connection id, or variable key with --variable')
    .option('--variable', 'NAME is a variable key, not a connection id', false)
    .option('--recovery-window <days>', `days AWS keeps it restorable before deleting it for good (${min}-${max})`, recoveryDaysFlag, RECOVERY_WINDOW_DAYS.default)
    .option('-y, --yes', 'do not ask for confirmation (automation)', false)
    .option('--json', 'print the result as JSON on stdout', false)
    .addHelpText('after', examples('airflow-aws secrets delete warehouse', 'airflow-aws secrets delete api_token --variable --yes --recovery-window 7'))
    .action(async (name: string, o: SecretsDeleteFlags) =>
      run(o.json, async (ctx) => (await import('../commands/secrets.js')).secretsDeleteCommand(ctx, name, o)),
    );
}
