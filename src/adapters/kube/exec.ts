/**
 * A command in a running container through the API server's exec endpoint (client-node's `Exec`, WebSocket), the
 * way `kubectl exec [-i]` does it. With text on its stdin it is how a secret reaches a process in a pod without argv
 * (the exec URL, and so the API server's audit log, holds the command) and without a Secret object; without, it
 * runs a read-only Airflow CLI command (`dags status`).
 */
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
// Not re-exported by the package index; needed to give the handler our own streams (below).
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import { PassThrough, Writable } from 'node:stream';
import { redactText } from '../proc/run-process.js';
import { UserError } from '../../errors/user-error.js';

export interface ExecTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The exit code a finished exec reports in its status (stream 3): `Success`, or `NonZeroExitCode` with the code. */
export function exitCodeOf(status: V1Status | undefined): number {
  if (!status) return 1;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export interface ExecOptions {
  /**
   * Sent on stdin; the stream is left open (see below), so the program must not wait for end-of-input.
   * @default no stdin at all (the exec request says `stdin=false`)
   */
  readonly input?: string;
  /** Replaced by `***` in what comes back. */
  readonly redact?: readonly string[];
  readonly signal?: AbortSignal;
  /** @default 120000 */
  readonly timeoutMs?: number;
}

/**
 * Runs `command` in `target` and collects its output. Before the v5 channel protocol (Kubernetes 1.30) a client
 * cannot half-close stdin — client-node closes the whole connection when stdin ends — so the input is written
 * and stdin is never ended: programs run this way read a line, not to EOF.
 */
export async function execInPod(kc: KubeConfig, target: ExecTarget, command: readonly string[], o: ExecOptions): Promise<ExecResult> {
  const stdin = new PassThrough();
  const out = collector();
  const err = collector();
  // The default handler applies the server's stream-close frames to process.stdout/stderr; give it ours.
  const exec = new Exec(kc, new WebSocketHandler(kc, undefined, { stdin, stdout: out.stream, stderr: err.stream }));
  const where = `pod ${target.namespace}/${target.pod}`;
  let status: V1Status | undefined;
  const ws = await exec
    .exec(target.namespace, target.pod, target.container, [...command], out.stream, err.stream, o.input === undefined ? null : stdin, false, (s) => {
      status = s;
    })
    .catch((e: unknown) => {
      throw new UserError(`cannot exec into ${where} (container ${target.container}): ${(e as Error).message ?? String(e)}`, {
        code: 'KUBE_EXEC_FAILED',
        hint: 'exec needs the pods/exec permission in the namespace (cluster admins have it) and a running pod',
        cause: e,
      });
    });
  if (o.input !== undefined) stdin.write(o.input);
  const timeoutMs = o.timeoutMs ?? 120_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(new UserError(`the command in ${where} did not finish within ${timeoutMs / 1000} s`, { code: 'KUBE_EXEC_TIMEOUT' }));
    }, timeoutMs);
    const onAbort = (): void => {
      ws.close();
      reject(new UserError('interrupted', { code: 'INTERRUPTED', exitCode: 130 }));
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    ws.on('close', () => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });
  stdin.destroy();
  const redact = o.redact ?? [];
  return { exitCode: exitCodeOf(status), stdout: redactText(out.text(), redact), stderr: redactText(err.text(), redact) };
}
