/**
 * Where output goes: data (tables, JSON, file contents) on stdout so it can be piped; progress, warnings and logs
 * on stderr. Colour only on a TTY and never with NO_COLOR (https://no-color.org).
 */
import type { Writable } from 'node:stream';

export interface OutputOptions {
  readonly stdout?: Writable & { isTTY?: boolean };
  readonly stderr?: Writable & { isTTY?: boolean };
  readonly verbose?: boolean;
  readonly json?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export class Output {
  readonly verbose: boolean;
  readonly json: boolean;
  readonly color: boolean;
  /** Whether a person reads stderr: only then may a secret be shown (never in CI logs, pipes or tees). */
  readonly terminal: boolean;
  private readonly stdout: Writable & { isTTY?: boolean };
  private readonly stderr: Writable & { isTTY?: boolean };

  constructor(opts: OutputOptions = {}) {
    this.stdout = opts.stdout ?? process.stdout;
    this.stderr = opts.stderr ?? process.stderr;
    this.verbose = opts.verbose ?? false;
    this.json = opts.json ?? false;
    const env = opts.env ?? process.env;
    this.terminal = Boolean(this.stderr.isTTY);
    this.color = this.terminal && env['NO_COLOR'] === undefined && env['TERM'] !== 'dumb';
  }

  /** Data for the user or a pipe: stdout. */
  data(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Machine-readable result: stdout, stable key order as built by the caller. */
  dataJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Progress and status lines: stderr. */
  info(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  step(text: string): void {
    this.stderr.write(`${this.paint('36', '›')} ${text}\n`);
  }

  success(text: string): void {
    this.stderr.write(`${this.paint('32', '✔')} ${text}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${this.paint('33', 'warning:')} ${text}\n`);
  }

  error(text: string): void {
    this.stderr.write(`${this.paint('31', 'error:')} ${text}\n`);
  }

  debug(text: string): void {
    if (this.verbose) this.stderr.write(`${this.paint('2', text)}\n`);
  }

  paint(code: string, text: string): string {
    return this.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  bold(text: string): string {
    return this.paint('1', text);
  }

  /** Raw stderr stream for renderers (progress lists, subprocess output passthrough). */
  get progressStream(): Writable & { isTTY?: boolean } {
    return this.stderr;
  }
}
