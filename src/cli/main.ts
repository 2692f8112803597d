/**
 * CLI entry: builds the command tree (cheap: only commander and the spec modules load here) and maps errors once.
 * Command implementations are imported lazily inside each action so `--help` stays fast.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT_BAD_INPUT } from '../errors/user-error.js';
import { Output } from '../ui/output.js';
import { CommandContext, type GlobalOptions } from './context.js';
import { reportError } from './errors.js';
import { registerCommands } from './program.js';
import { unknownCommandError } from './unknown-command.js';

export interface MainOptions {
  readonly cwd?: string;
  readonly out?: Output;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: readonly string[], opts: MainOptions = {}): Promise<number> {
  // `airflow-aws ... | head` closes stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  let exitCode = 0;
  let out = opts.out ?? new Output();

  const program = new Command('airflow-aws')
    .description('One YAML file to a production-grade Apache Airflow on your own AWS account — and the same Airflow locally.')
    .option('-c, --config <file>', 'config file', 'airflow-aws.yaml')
    .option('--verbose', 'show debug output and stack traces', false)
    .version(packageVersion(), '--version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    });

  /** Run one command implementation with a context; errors map to exit codes here only. */
  const run = async (json: boolean, fn: (ctx: CommandContext) => Promise<number | void>): Promise<void> => {
    const global = program.opts<GlobalOptions>();
    // The SDK warns on every client that releases after January 2027 need Node 22; once per README is enough.
    if (!global.verbose) process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    out = opts.out ?? new Output({ verbose: global.verbose ?? false, json });
    const ctx = new CommandContext({ global, json, signal: abort.signal, out, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    try {
      exitCode = (await fn(ctx)) ?? 0;
    } catch (e) {
      exitCode = reportError(e, out);
    }
  };

  registerCommands(program, run);

  const unknown = unknownCommandError(program, argv);
  if (unknown) {
    process.removeListener('SIGINT', onSigint);
    return reportError(unknown, out);
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage mistakes are bad input.
      exitCode = e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    } else {
      exitCode = reportError(e, out);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  return exitCode;
}
