/**
 * Just enough of a Kubernetes API server to exec into one pod (ready unless told otherwise): the Service and pod
 * reads `pickServicePod` makes, and the exec endpoint's WebSocket channel protocol (v4 or v5.channel.k8s.io; stream byte, then data;
 * stdin on 0, stdout 1, stderr 2, status 3). The test harness's kube-apiserver has no kubelet, so it cannot exec;
 * this records exactly what a client sends (URL, stdin) and answers as a kubelet would. Hand-rolled RFC 6455
 * framing (unfragmented frames, which is what client-node sends) to avoid a test-only dependency.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ExecCall {
  readonly path: string;
  readonly query: URLSearchParams;
  /** Everything received on stdin (channel 0) up to and including the first newline; empty with `stdin=false`. */
  readonly stdin: string;
  readonly protocol: string;
}

export interface ExecReply {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exitCode: number;
}

export interface FakeKubeExec {
  readonly url: string;
  /** Every HTTP request line (method and URL) received, exec upgrades included. */
  readonly requests: string[];
  readonly execs: ExecCall[];
  kubeconfigYaml(): string;
  close(): Promise<void>;
}

const NS = 'airflow';
export const FAKE_POD = 'airflow-api-server-7f9c-abcde';

const SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'airflow-api-server', namespace: NS },
  spec: { selector: { component: 'api' }, ports: [{ name: 'api', port: 8080, targetPort: 'api' }] },
};

const podList = (ready: boolean): object => ({
  apiVersion: 'v1',
  kind: 'PodList',
  metadata: {},
  items: [
    {
      metadata: { name: FAKE_POD, namespace: NS },
      spec: { containers: [{ name: 'api-server', image: 'x', ports: [{ name: 'api', containerPort: 8080 }] }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    },
  ],
});

export interface FakeKubeExecOptions {
  /** The channel protocol the server picks. @default 'v4.channel.k8s.io' */
  readonly protocol?: 'v4.channel.k8s.io' | 'v5.channel.k8s.io';
  /** Whether the one pod is Ready. @default true */
  readonly podReady?: boolean;
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]);
  if (len > 0xffff) throw new Error('frame too large for this fake');
  return Buffer.concat([head, payload]);
}

/** Unmasked payloads of the complete client frames in `buf`, and what is left over. */
function readFrames(buf: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const opcode = buf[at]! & 0x0f;
    let len = buf[at + 1]! & 0x7f;
    let p = at + 2;
    if (len === 126) {
      if (buf.length - p < 2) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (buf.length - p < 8) break;
      len = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    if (buf.length - p < 4 + len) break;
    const mask = buf.subarray(p, p + 4);
    const payload = Buffer.from(buf.subarray(p + 4, p + 4 + len));
    for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
    frames.push({ opcode, payload });
    at = p + 4 + len;
  }
  return { frames, rest: buf.subarray(at) };
}

function status(exitCode: number): object {
  return exitCode === 0
    ? { metadata: {}, status: 'Success' }
    : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] } };
}

/**
 * Starts the fake on a loopback port. `reply` answers each exec once its stdin has a full line, or at once when the
 * exec has no stdin (`stdin=false`).
 */
export async function startFakeKubeExec(reply: (call: ExecCall) => ExecReply, options: FakeKubeExecOptions = {}): Promise<FakeKubeExec> {
  const protocol = options.protocol ?? 'v4.channel.k8s.io';
  const POD_LIST = podList(options.podReady ?? true);
  const requests: string[] = [];
  const execs: ExecCall[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const u = new URL(req.url ?? '/', 'http://x');
    const body =
      u.pathname === `/api/v1/namespaces/${NS}/services/airflow-api-server` ? SERVICE : u.pathname === `/api/v1/namespaces/${NS}/pods` ? POD_LIST : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket: Socket) => {
    requests.push(`${req.method} ${req.url}`);
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(/\s*,\s*/);
    if (!offered.includes(protocol)) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(
      ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, `Sec-WebSocket-Protocol: ${protocol}`, '', ''].join('\r\n'),
    );
    const u = new URL(req.url ?? '/', 'http://x');
    let buf: Buffer = Buffer.alloc(0);
    let stdin = '';
    let answered = false;
    const answer = (): void => {
      answered = true;
      const call: ExecCall = { path: u.pathname, query: u.searchParams, stdin: stdin.includes('\n') ? stdin.slice(0, stdin.indexOf('\n') + 1) : '', protocol };
      execs.push(call);
      const r = reply(call);
      if (r.stdout) socket.write(frame(0x2, Buffer.concat([Buffer.from([1]), Buffer.from(r.stdout)])));
      if (r.stderr) socket.write(frame(0x2, Buffer.concat([Buffer.from([2]), Buffer.from(r.stderr)])));
      socket.write(frame(0x2, Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status(r.exitCode)))])));
      socket.end(frame(0x8, Buffer.alloc(0)));
    };
    if (u.searchParams.get('stdin') !== 'true') answer();
    socket.on('data', (chunk: Buffer) => {
      if (socket.writableEnded) return;
      const { frames, rest } = readFrames(Buffer.concat([buf, chunk]));
      buf = rest;
      for (const f of frames) {
        if (f.opcode === 0x8) {
          socket.end(frame(0x8, Buffer.alloc(0)));
          return;
        }
        if (f.payload[0] === 0) stdin += f.payload.subarray(1).toString('utf8');
      }
      if (!answered && stdin.includes('\n')) answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    execs,
    kubeconfigYaml: () =>
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: fake, cluster: {server: "' + url + '", insecure-skip-tls-verify: true}}]',
        'users: [{name: fake, user: {token: fake-token}}]',
        'contexts: [{name: fake, context: {cluster: fake, user: fake}}]',
        'current-context: fake',
        '',
      ].join('\n'),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
