/**
 * Starts a process that outlives this one: its own session (so closing the terminal does not hang it up), output
 * appended to a log file, nothing of ours kept open. Used by `dev up --detach` to start the supervisor.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface Detached {
  readonly pid: number | undefined;
  /** Whether the process has exited (as far as this process saw it: only while this process runs). */
  exited(): boolean;
}

export function startDetached(
  file: string,
  args: readonly string[],
  o: { readonly logFile: string; readonly cwd: string; readonly env: NodeJS.ProcessEnv },
): Detached {
  const fd = openSync(o.logFile, 'a', 0o600);
  try {
    const child = spawn(file, [...args], { detached: true, stdio: ['ignore', fd, fd], cwd: o.cwd, env: o.env });
    child.unref();
    let exited = false;
    child.once('exit', () => (exited = true));
    // A child that cannot start counts as exited: the caller then reports the log instead of waiting out its timeout.
    child.once('error', () => (exited = true));
    return { pid: child.pid, exited: () => exited };
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }
}
