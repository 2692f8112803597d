/**
 * The command registry: each area registers its commands (flags, help, examples) from a small spec module and
 * imports its implementation lazily. Adding a command = one spec entry, one implementation module.
 */
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { registerConfigCommands } from './specs/config.js';
import { registerInfraCommands } from './specs/infra.js';
import { registerCostCommands } from './specs/cost.js';
import { registerImageCommands } from './specs/image.js';
import { registerDevCommands } from './specs/dev.js';
import { registerKubeCommands } from './specs/kube.js';
import { registerUpCommands } from './specs/up.js';
import { registerPauseCommands } from './specs/pause.js';
import { registerDownCommands } from './specs/down.js';
import { registerSecretsCommands } from './specs/secrets.js';
import { registerDagsCommands } from './specs/dags.js';
import { registerUsersCommands } from './specs/users.js';

export type Runner = (json: boolean, fn: (ctx: CommandContext) => Promise<number | void>) => Promise<void>;

export function registerCommands(program: Command, run: Runner): void {
  registerConfigCommands(program, run);
  registerInfraCommands(program, run);
  registerUpCommands(program, run);
  registerPauseCommands(program, run);
  registerDownCommands(program, run);
  registerSecretsCommands(program, run);
  registerUsersCommands(program, run);
  registerCostCommands(program, run);
  registerImageCommands(program, run);
  registerDagsCommands(program, run);
  registerDevCommands(program, run);
  registerKubeCommands(program, run);
}

/** Help text block with examples, appended after a command's options. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
