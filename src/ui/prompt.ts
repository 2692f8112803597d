/**
 * Questions to the person at the terminal: yes/no, or a typed word for destructive steps. Only asked on a TTY;
 * elsewhere the caller must have been given --yes (copilot's "ask only on a TTY, only when a flag is missing").
 */
import { createInterface } from 'node:readline/promises';

export interface Prompter {
  /** Whether anyone can answer (stdin and stderr are terminals). */
  readonly interactive: boolean;
  confirm(question: string): Promise<boolean>;
  /** Destructive: the answer must be exactly `expected` (e.g. the environment's name). */
  confirmTyped(question: string, expected: string): Promise<boolean>;
}

export function terminalPrompter(signal?: AbortSignal): Prompter {
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const ask = async (question: string): Promise<string> => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return (await rl.question(question, signal ? { signal } : {})).trim();
    } finally {
      rl.close();
    }
  };
  return {
    interactive,
    async confirm(question) {
      if (!interactive) return false;
      return /^(y|yes)$/i.test(await ask(`${question} [y/N] `));
    },
    async confirmTyped(question, expected) {
      if (!interactive) return false;
      return (await ask(`${question}\n  type "${expected}" to confirm: `)) === expected;
    },
  };
}

/** For --yes: every question is answered yes, and nothing is read. */
export const YES: Prompter = { interactive: false, confirm: async () => true, confirmTyped: async () => true };
