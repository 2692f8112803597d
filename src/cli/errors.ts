/** The single mapping from a thrown value to what the user sees and the exit code. */
import { UserError } from '../errors/user-error.js';
import type { Output } from '../ui/output.js';

export const EXIT_UNEXPECTED = 1;

export function reportError(e: unknown, out: Output): number {
  if (UserError.is(e)) {
    out.error(e.message);
    for (const line of e.details) out.info(`  ${line}`);
    if (e.hint) out.info(`hint: ${e.hint}`);
    if (out.verbose && e.cause) out.debug(`cause: ${String((e.cause as Error)?.stack ?? e.cause)}`);
    return e.exitCode;
  }
  const err = e as Error;
  out.error(`unexpected error: ${err?.message ?? String(e)}`);
  if (out.verbose) out.info(String(err?.stack ?? ''));
  else out.info('rerun with --verbose for details; if it persists, report it with that output');
  return EXIT_UNEXPECTED;
}
