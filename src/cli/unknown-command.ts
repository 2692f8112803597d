/**
 * Finds a mistyped command before commander sees the arguments. Commander reports `airflow-aws nosuch` as unknown,
 * but `airflow-aws nosuch --help` prints the root help and exits 0, so a script that checks a command's existence
 * with `--help` is told it exists. Walking the command tree ourselves gives one answer for both, with or without
 * --help: "unknown command", the closest match, exit 2.
 */
import type { Command } from 'commander';
import { EXIT_BAD_INPUT, UserError } from '../errors/user-error.js';
import { likelyTypo } from '../text/similarity.js';

export function unknownCommandError(program: Command, argv: readonly string[]): UserError | undefined {
  let cmd = program;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') return undefined;
    if (token.startsWith('-')) {
      if (takesValue(cmd, token)) i++;
      continue;
    }
    if (cmd.commands.length === 0) return undefined; // an argument of a leaf command
    if (token === 'help') continue; // `help CMD`: CMD is checked as the next token
    const sub = cmd.commands.find((c) => c.name() === token || c.aliases().includes(token));
    if (!sub) return unknown(cmd, token);
    cmd = sub;
  }
  return undefined;
}

/** `-c FILE` / `--config FILE` consume the next token; `--config=FILE` and flags do not. */
function takesValue(cmd: Command, token: string): boolean {
  if (token.includes('=')) return false;
  for (let c: Command | null = cmd; c; c = c.parent) {
    const opt = c.options.find((o) => o.short === token || o.long === token);
    if (opt) return opt.required || opt.optional;
  }
  return false;
}

function unknown(parent: Command, word: string): UserError {
  // What --help lists: hidden commands (eks-token, used by kubeconfig) are not suggested.
  const names = parent.createHelp().visibleCommands(parent).map((c) => c.name()).filter((n) => n !== 'help');
  const guess = likelyTypo(word, names);
  const where = parent.parent ? `${commandPath(parent).split(' ').slice(1).join(' ')} ` : '';
  return new UserError(`unknown command '${where}${word}'${guess ? ` — did you mean '${where}${guess}'?` : ''}`, {
    code: 'UNKNOWN_COMMAND',
    exitCode: EXIT_BAD_INPUT,
    details: [`commands: ${names.join(', ')}`],
    hint: `run \`${commandPath(parent)} --help\` for usage`,
  });
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
