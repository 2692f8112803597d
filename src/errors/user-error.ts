/**
 * The two kinds of error (see STYLE.md): a UserError is expected — bad input, a missing tool, a refused AWS call —
 * and carries a stable code, what happened, the value received and what to do next. Anything else is a bug and is
 * reported as "unexpected error — rerun with --verbose". The CLI edge maps both, once.
 */
export interface UserErrorOptions {
  /** Stable machine-readable code, e.g. CONFIG_INVALID, DOCKER_UNREACHABLE. */
  readonly code: string;
  /** What to do next. */
  readonly hint?: string;
  /** Process exit code: 2 for bad input (config, flags), 1 for a failed operation. */
  readonly exitCode?: number;
  /** Extra lines shown under the message (e.g. one per config problem, the tail of a failed build). */
  readonly details?: readonly string[];
  readonly cause?: unknown;
}

export class UserError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly details: readonly string[];

  constructor(message: string, options: UserErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.code = options.code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
    this.details = options.details ?? [];
  }

  /** instanceof breaks across duplicated module copies; a brand check does not. */
  static is(e: unknown): e is UserError {
    return e instanceof Error && (e as { name?: string }).name === 'UserError' && typeof (e as UserError).code === 'string';
  }
}

/** Exit code for invalid input (config or flags), as in `validate`. */
export const EXIT_BAD_INPUT = 2;
