/**
 * The one way this tool starts a process: argv arrays (never a shell string), exit codes checked by the caller,
 * the last lines of output kept for error messages, secrets redacted from everything we keep or stream, and
 * cancellation through an AbortSignal (SIGTERM to the child).
 *
 * Shared helper: any adapter may use it (docker, kubectl-free helpers, python tools).
 */
import { execa } from 'execa';
import { UserError } from '../../errors/user-error.js';

export interface RunOptions {
  readonly cwd?: string;
  /** Extra environment variables, merged over process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Data written to the child's stdin (how secrets reach a child: never argv). */
  readonly input?: string;
  readonly signal?: AbortSignal;
  /** Called with each complete output line (already redacted), for progress streaming. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How many trailing lines of combined output to keep for error messages. @default 40 */
  readonly tailLines?: number;
  /** Strings to replace with `***` in everything kept or streamed (passwords, tokens). */
  readonly redact?: readonly string[];
  /** Kill the child after this many milliseconds. */
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Last lines of interleaved stdout+stderr, redacted. */
  readonly tail: readonly string[];
  readonly timedOut: boolean;
  readonly cancelled: boolean;
}

/** Replace every secret occurrence with `***`; empty and very short strings are ignored (they would mangle text). */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}

/** Human-readable argv for logs: quotes words that need it. Never pass secrets in argv anyway. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

class LineSplitter {
  private rest = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: string): void {
    const parts = (this.rest + chunk).split(/\r?\n|\r/);
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.emit(p);
  }
  end(): void {
    if (this.rest) this.emit(this.rest);
    this.rest = '';
  }
}

/**
 * Run `file` with `args`. Resolves with the result whatever the exit code (callers decide what a failure means);
 * rejects with a UserError only when the program cannot be started at all (not installed).
 */
export async function runProcess(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const tailMax = opts.tailLines ?? 40;
  const secrets = opts.redact ?? [];
  const tail: string[] = [];
  const keep = (line: string, stream: 'stdout' | 'stderr') => {
    const clean = redactText(line, secrets);
    tail.push(clean);
    if (tail.length > tailMax) tail.shift();
    opts.onLine?.(clean, stream);
  };
  const child = execa(file, [...args], {
    cwd: opts.cwd,
    env: opts.env as Record<string, string> | undefined,
    extendEnv: true,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : undefined,
    reject: false,
    stripFinalNewline: false,
    cancelSignal: opts.signal,
    timeout: opts.timeoutMs,
    forceKillAfterDelay: 5000,
    encoding: 'utf8',
  });
  const outSplit = new LineSplitter((l) => keep(l, 'stdout'));
  const errSplit = new LineSplitter((l) => keep(l, 'stderr'));
  child.stdout?.on('data', (c: Buffer | string) => outSplit.push(String(c)));
  child.stderr?.on('data', (c: Buffer | string) => errSplit.push(String(c)));
  const r = await child;
  outSplit.end();
  errSplit.end();
  const code = (r as { code?: string }).code;
  if (code === 'ENOENT' || (r.failed && r.exitCode === undefined && /ENOENT/.test(String(r.message)))) {
    throw new UserError(`\`${file}\` was not found on PATH`, {
      code: 'TOOL_NOT_FOUND',
      hint: `install ${file} (or put it on PATH) and retry`,
    });
  }
  return {
    command: formatArgv([file, ...args]),
    exitCode: r.exitCode ?? (r.isCanceled || r.timedOut ? 130 : 1),
    stdout: redactText(String(r.stdout ?? ''), secrets),
    stderr: redactText(String(r.stderr ?? ''), secrets),
    tail,
    timedOut: Boolean(r.timedOut),
    cancelled: Boolean(r.isCanceled),
  };
}

/** Like runProcess, but a non-zero exit becomes a UserError carrying the output tail. */
export async function runChecked(
  file: string,
  args: readonly string[],
  opts: RunOptions & { readonly what: string; readonly code: string; readonly hint?: string },
): Promise<RunResult> {
  const r = await runProcess(file, args, opts);
  if (r.cancelled) throw new UserError(`${opts.what} was cancelled`, { code: 'CANCELLED', exitCode: 130 });
  if (r.exitCode !== 0) {
    throw new UserError(`${opts.what} failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''})`, {
      code: opts.code,
      details: [`$ ${r.command}`, ...r.tail.slice(-20)],
      ...(opts.hint ? { hint: opts.hint } : {}),
    });
  }
  return r;
}
