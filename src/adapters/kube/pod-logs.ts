/**
 * Container logs through the API server (client-node's `Log`: `GET …/pods/NAME/log`), one stream per pod, merged
 * line by line onto one sink, each line prefixed with its pod's name when there are several. `follow` keeps the
 * streams open until the pods end or the signal fires.
 */
import { Log, type V1Pod } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import type { KubeClient } from './client.js';

export interface LogSource {
  readonly pod: string;
  readonly container: string;
}

export interface LogOptions {
  readonly follow: boolean;
  readonly sinceSeconds?: number;
  readonly tailLines?: number;
  /** Prefix each line with `POD | ` (the caller decides: several pods). */
  readonly prefix: boolean;
  readonly signal: AbortSignal;
  readonly write: (line: string) => void;
}

/** The container to read: the one named after the component (the others are init or helper containers), else the first. */
export function mainContainer(pod: V1Pod, preferred: string): string | undefined {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  return names.includes(preferred) ? preferred : names[0];
}

/** Whether the container has started at least once (before that the API server answers 400 "waiting to start"). */
export function containerStarted(pod: V1Pod, container: string): boolean {
  const s = (pod.status?.containerStatuses ?? []).find((c) => c.name === container);
  return Boolean(s?.state?.running || s?.state?.terminated || s?.lastState?.terminated);
}

/** Splits a byte stream into lines and hands each, prefixed, to `emit`; a partial last line is flushed at the end. */
function lineSink(prefix: string, emit: (line: string) => void): Writable {
  let rest = '';
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) emit(`${prefix}${p}`);
      done();
    },
    final(done) {
      if (rest) emit(`${prefix}${rest}`);
      rest = '';
      done();
    },
  });
}

/** Streams every source; resolves when all streams ended (or at once on abort). */
export async function streamLogs(client: KubeClient, namespace: string, sources: readonly LogSource[], o: LogOptions): Promise<void> {
  const log = new Log(client.kubeConfig);
  const width = Math.max(...sources.map((s) => s.pod.length));
  const controllers: AbortController[] = [];
  const onAbort = (): void => {
    for (const c of controllers) c.abort();
  };
  o.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(
      sources.map(async (s) => {
        const sink = lineSink(o.prefix ? `${s.pod.padEnd(width)} | ` : '', o.write);
        const ended = new Promise<void>((resolve) => {
          sink.once('finish', resolve);
          o.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        const controller = await client.call(`read the log of pod ${namespace}/${s.pod}`, () =>
          log.log(namespace, s.pod, s.container, sink, {
            follow: o.follow,
            ...(o.sinceSeconds !== undefined ? { sinceSeconds: o.sinceSeconds } : {}),
            ...(o.tailLines !== undefined ? { tailLines: o.tailLines } : {}),
          }),
        );
        controllers.push(controller);
        if (o.signal.aborted) controller.abort();
        await ended;
      }),
    );
  } finally {
    o.signal.removeEventListener('abort', onAbort);
  }
}
