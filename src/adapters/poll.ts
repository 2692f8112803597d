/** Bounded polling for the waits of pause and resume (AWS and Kubernetes alike). */
import { UserError } from '../errors/user-error.js';
import { interrupted, sleep } from './kube/client.js';

export interface WaitOpts {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** @default 10_000 */
  readonly pollMs?: number;
  readonly onWait?: (what: string) => void;
}

/** Bounded polling; a timeout is a UserError that names what was awaited (the AWS operation itself goes on). */
export async function poll(w: WaitOpts, what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + w.timeoutMs;
  for (;;) {
    if (await done()) return;
    if (Date.now() > deadline) {
      throw new UserError(`timed out after ${Math.round(w.timeoutMs / 1000)} s waiting for ${what}`, {
        code: 'WAIT_TIMEOUT',
        hint: 'AWS keeps going on its own; rerun the same command (it continues where it stopped), with a longer --timeout if needed',
      });
    }
    w.onWait?.(what);
    if (w.signal?.aborted) throw interrupted();
    await sleep(w.pollMs ?? 10_000, w.signal);
  }
}
