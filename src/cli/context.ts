/** What every command receives: resolved global flags, the output sink and a cancellation signal. */
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolved.js';
import { Output } from '../ui/output.js';

export interface GlobalOptions {
  readonly config?: string;
  readonly verbose?: boolean;
}

export class CommandContext {
  readonly out: Output;
  readonly configPath: string;
  readonly signal: AbortSignal;
  readonly cwd: string;

  constructor(opts: { global: GlobalOptions; json?: boolean; signal: AbortSignal; cwd?: string; out?: Output }) {
    this.cwd = opts.cwd ?? process.cwd();
    this.configPath = path.resolve(this.cwd, opts.global.config ?? 'airflow-aws.yaml');
    this.out = opts.out ?? new Output({ verbose: opts.global.verbose ?? false, json: opts.json ?? false });
    this.signal = opts.signal;
  }

  /** Path shown to the user: relative to where they ran the command. */
  get displayConfigPath(): string {
    return path.relative(this.cwd, this.configPath) || this.configPath;
  }

  async config(): Promise<ResolvedConfig> {
    // Imported here, not at the top: yaml + zod are not needed for --help.
    const [{ ConfigError }, { loadConfig }] = await Promise.all([import('../config/problems.js'), import('../config/load.js')]);
    try {
      return await loadConfig(this.configPath);
    } catch (e) {
      // Re-label with the path as the user typed it; the absolute path is noise in error lines.
      if (e instanceof ConfigError) throw new ConfigError(this.displayConfigPath, e.problems);
      throw e;
    }
  }
}
