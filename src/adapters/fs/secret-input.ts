/**
 * Reads a secret value from a file or from stdin — never from argv, where `ps` and shell history would see it.
 * A terminal on stdin is refused rather than echoing what is typed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';

export interface SecretSource {
  /** A file to read the value from; otherwise stdin. */
  readonly file?: string;
  readonly cwd: string;
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

export async function readSecretText(src: SecretSource): Promise<string> {
  if (src.file !== undefined) {
    const file = path.resolve(src.cwd, src.file);
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read --file ${src.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
        code: 'SECRET_FILE_UNREADABLE',
        exitCode: EXIT_BAD_INPUT,
        hint: 'give a readable file, or pipe the value on stdin',
        cause: e,
      });
    }
  }
  const stdin = src.stdin ?? process.stdin;
  if (stdin.isTTY) {
    throw new UserError('the value comes on stdin or from --file, and stdin is a terminal', {
      code: 'SECRET_VALUE_MISSING',
      exitCode: EXIT_BAD_INPUT,
      hint: 'pipe it (e.g. `pass show db | airflow-aws secrets set-connection db`) or give --file FILE; values are never taken from arguments',
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
