/**
 * Questions to the person at the terminal: yes/no, or a typed word for destructive steps. Only asked on a TTY;
 * elsewhere the caller must have been given --yes (copilot's "ask only on a TTY, only when a flag is missing").
 */
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { UserError } from '../errors/user-error.js';

export interface AskOptions {
  /**
   * Asked after the first Ctrl-C (e.g. "cancel the update?"): not bound to the command's abort signal, which has
   * fired already. A Ctrl-C at the question itself still ends the wait at once (INTERRUPTED).
   * @default false
   */
  readonly afterInterrupt?: boolean;
}

export interface Prompter {
  /** Whether anyone can answer (stdin and stderr are terminals). */
  readonly interactive: boolean;
  confirm(question: string, options?: AskOptions): Promise<boolean>;
  /** Destructive: the answer must be exactly `expected` (e.g. the environment's name). */
  confirmTyped(question: string, expected: string): Promise<boolean>;
}

export function terminalPrompter(signal?: AbortSignal): Prompter {
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const ask = async (question: string, o: AskOptions = {}): Promise<string> => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const bound = o.afterInterrupt ? undefined : signal;
    // On a terminal readline reads Ctrl-C as a key, so no SIGINT reaches the process: without this listener the
    // question would just close and never answer.
    const ctrlC = new Promise<never>((_, reject) => rl.once('SIGINT', () => reject(interruptedAtQuestion())));
    try {
      return (await Promise.race([rl.question(question, bound ? { signal: bound } : {}), ctrlC])).trim();
    } finally {
      rl.close();
    }
  };
  return {
    interactive,
    async confirm(question, o) {
      if (!interactive) return false;
      return /^(y|yes)$/i.test(await ask(`${question} [y/N] `, o));
    },
    async confirmTyped(question, expected) {
      if (!interactive) return false;
      return (await ask(`${question}\n  type "${expected}" to confirm: `)) === expected;
    },
  };
}

/**
 * Asks for a secret on the terminal without echoing it (readline writes what is typed to a muted output). Only for
 * a person at a terminal; the caller checks `interactive` first.
 */
export async function askHidden(question: string, signal?: AbortSignal): Promise<string> {
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  // The interface first: it puts the terminal in raw mode, so nothing typed after the question shows is echoed.
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  process.stderr.write(question);
  const ctrlC = new Promise<never>((_, reject) => rl.once('SIGINT', () => reject(interruptedAtQuestion())));
  try {
    return await Promise.race([rl.question('', signal ? { signal } : {}), ctrlC]);
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

function interruptedAtQuestion(): UserError {
  return new UserError('interrupted at the question', { code: 'INTERRUPTED', exitCode: 130 });
}

/** For --yes: every question is answered yes, and nothing is read. */
export const YES: Prompter = { interactive: false, confirm: async () => true, confirmTyped: async () => true };
