/**
 * A local TCP port forwarded to a Service's pod, the way `kubectl port-forward svc/NAME` does it: pick a ready pod
 * behind the Service, resolve the Service's target port on it, and open one API-server port-forward stream
 * (client-node's `PortForward`, WebSocket) per accepted connection. If that pod goes away, the next connection
 * picks another.
 */
import { PortForward, type V1Pod, type V1Service } from '@kubernetes/client-node';
import net from 'node:net';
import { Writable } from 'node:stream';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { labelSelector } from '../../k8s/labels.js';
import type { KubeClient } from './client.js';

export interface ForwardTarget {
  readonly pod: string;
  readonly port: number;
}

const isReady = (p: V1Pod): boolean =>
  !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** The container port a Service port targets on `pod`: a number, or a port name looked up in the pod's containers. */
export function resolveTargetPort(svc: V1Service, pod: V1Pod): number | undefined {
  const sp = svc.spec?.ports?.[0];
  if (!sp) return undefined;
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    const p = (c.ports ?? []).find((x) => x.name === target);
    if (p) return p.containerPort;
  }
  return undefined;
}

/** A ready pod behind the Service and the port to reach on it; a UserError that says why when there is none. */
export async function pickServicePod(client: KubeClient, namespace: string, service: string): Promise<ForwardTarget> {
  const svc = await client.call(`read Service ${namespace}/${service}`, () => client.core.readNamespacedService({ name: service, namespace }), true);
  if (!svc) {
    throw new UserError(`no Service ${namespace}/${service}: Airflow is not deployed to this cluster`, {
      code: 'NOT_DEPLOYED',
      hint: 'deploy it with airflow-aws deploy (or check --kube-context and the namespace in the config)',
    });
  }
  const selector = svc.spec?.selector ?? {};
  const pods = (await client.call(`list pods of Service ${namespace}/${service}`, () => client.core.listNamespacedPod({ namespace, labelSelector: labelSelector(selector) }))).items;
  const ready = pods.filter(isReady).sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
  const pod = ready[0];
  if (!pod?.metadata?.name) {
    throw new UserError(`no ready pod behind Service ${namespace}/${service} (${pods.length} pod(s), none ready)`, {
      code: 'NO_READY_POD',
      hint: 'see what is wrong with airflow-aws status, and the api-server log with airflow-aws logs api-server',
    });
  }
  const port = resolveTargetPort(svc, pod);
  if (port === undefined) {
    throw new UserError(`Service ${namespace}/${service} targets a port pod ${pod.metadata.name} does not declare`, { code: 'NO_TARGET_PORT' });
  }
  return { pod: pod.metadata.name, port };
}

export interface Forwarding {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Collects what the port-forward error stream says for one connection (e.g. "connection refused" inside the pod). */
function errorText(onText: (t: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const t = chunk.toString('utf8').trim();
      if (t) onText(t);
      done();
    },
  });
}

/**
 * Listens on `address:port` and forwards each connection to a ready pod of the Service. A busy port is a UserError
 * (exit 2) naming `--port`. `onProblem` hears per-connection failures (the listener keeps running).
 */
export async function forwardService(
  client: KubeClient,
  namespace: string,
  service: string,
  listen: { readonly address: string; readonly port: number },
  first: ForwardTarget,
  onProblem: (message: string) => void,
): Promise<Forwarding> {
  const pf = new PortForward(client.kubeConfig);
  let target: ForwardTarget | undefined = first;
  const sockets = new Set<net.Socket>();

  const connect = async (socket: net.Socket): Promise<void> => {
    target ??= await pickServicePod(client, namespace, service);
    const t = target;
    const errStream = errorText((text) => {
      onProblem(`pod ${t.pod}: ${text}`);
      target = undefined;
    });
    // Without a retry count portForward resolves to the open WebSocket itself (the union also covers a reconnect factory).
    const ws = (await pf.portForward(namespace, t.pod, [t.port], socket, errStream, socket)) as unknown as {
      on(event: 'close' | 'error', fn: (e?: Error) => void): void;
      close(): void;
    };
    ws.on('close', () => socket.end());
    ws.on('error', () => socket.destroy());
    socket.on('close', () => ws.close());
    socket.on('error', () => ws.close());
    socket.resume();
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Hold the client's first bytes (an HTTP request) until the stream is up; connect() resumes.
    socket.pause();
    connect(socket).catch((e: unknown) => {
      onProblem(UserError.is(e) ? e.message : `port-forward to pod ${target?.pod ?? '?'} failed: ${(e as Error).message ?? String(e)}`);
      target = undefined;
      socket.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
        reject(
          new UserError(`cannot listen on ${listen.address}:${listen.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}`, {
            code: 'PORT_BUSY',
            exitCode: EXIT_BAD_INPUT,
            hint: 'pick another one with --port, e.g. --port 8081',
          }),
        );
      } else {
        reject(e);
      }
    });
    server.listen(listen.port, listen.address, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  return {
    address: addr.address,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
