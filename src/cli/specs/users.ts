import { Option, type Command } from 'commander';
import { FAB_ROLES } from '../../users/request.js';
import { KUBE_CONTEXT_OPTION, KUBECONFIG_OPTION } from '../flags.js';
import { examples, type Runner } from '../program.js';

export interface UsersTargetFlags {
  readonly dev: boolean;
  readonly kubeContext?: string;
  readonly kubeconfig?: string;
  readonly passwordFile?: string;
  readonly json: boolean;
}

export interface UsersAddFlags extends UsersTargetFlags {
  readonly role: (typeof FAB_ROLES)[number];
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
}

/** Flags both subcommands share: where the users live, and where the password comes from. */
function targetOptions(cmd: Command): Command {
  return cmd
    .option('--password-file <path>', 'read the password from this file instead of stdin (one trailing newline is dropped)')
    .option('--dev', 'the local Airflow of `airflow-aws dev up` instead of the deployed one', false)
    .option(...KUBE_CONTEXT_OPTION)
    .option(...KUBECONFIG_OPTION)
    .option('--json', 'print the result as JSON on stdout', false);
}

export function registerUsersCommands(program: Command, run: Runner): void {
  const users = program
    .command('users')
    .description('FAB database users of Airflow (airflow.auth: fab): passwords from stdin, --password-file or a hidden prompt, never arguments; see docs/users.md')
    .addHelpText(
      'after',
      examples(
        'airflow-aws users add ada --role Op --email ada@example.com          # asks for the password on a terminal',
        'pass show airflow/ada | airflow-aws users reset-password ada',
        'airflow-aws users add bob --role Viewer --email bob@example.com --password-file ./bob.txt --dev',
      ),
    );

  targetOptions(
    users
      .command('add')
      .description('create a user with one of FAB\'s roles, in the deployed Airflow (a ready api-server pod) or, with --dev, the local one')
      .argument('<username>', 'login name (letters, digits and . _ @ + -)')
      .addOption(new Option('--role <role>', 'FAB role').choices([...FAB_ROLES]).makeOptionMandatory())
      .requiredOption('--email <email>', 'email address (unique per user)')
      .option('--first-name <name>', 'first name (default: the username)')
      .option('--last-name <name>', 'last name (default: empty)'),
  )
    .addHelpText('after', examples('airflow-aws users add ada --role Op --email ada@example.com', 'printf %s "$PW" | airflow-aws users add ci --role User --email ci@example.com --kube-context prod'))
    .action(async (username: string, o: UsersAddFlags) => run(o.json, async (ctx) => (await import('../commands/users.js')).usersAddCommand(ctx, username, o)));

  targetOptions(users.command('reset-password').description('set a new password for an existing user').argument('<username>', 'login name'))
    .addHelpText('after', examples('airflow-aws users reset-password admin', 'airflow-aws users reset-password ada --password-file ./new.txt --dev'))
    .action(async (username: string, o: UsersTargetFlags) => run(o.json, async (ctx) => (await import('../commands/users.js')).usersResetPasswordCommand(ctx, username, o)));
}
