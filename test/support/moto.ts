/**
 * A real moto server (AWS API emulator) on a free loopback port, for tests of the tool's own SDK calls.
 * moto is NOT evidence that CloudFormation would deploy a template — validators cover that.
 *
 * It runs through moto-server.py, which adds the few CloudFormation behaviours of AWS that moto 5.2 lacks and `up`
 * relies on (termination protection, failed creates ending in ROLLBACK_COMPLETE, EKS/Secrets Manager resources
 * through moto's own backends); that file lists each one and why.
 */
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SHIM = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'support', 'moto-server.py');

export interface MotoServer {
  readonly endpoint: string;
  /** Environment for an SDK client or a child process: dummy credentials, region, endpoint. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export function motoBinary(): string {
  const fromEnv = process.env['MOTO_SERVER'];
  if (fromEnv) return fromEnv;
  const which = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (!found) {
    throw new Error('moto_server not found: install it with `pip install "moto[server]==5.2.1"` (the CI does: scripts/testbed/setup.sh)');
  }
  return found;
}

/**
 * The Python that has moto: the interpreter named on moto_server's #! line (setup.sh installs it in a venv), or
 * python3 when moto_server is a wrapper script (pyenv shims).
 */
export function motoPython(): string {
  const fromEnv = process.env['MOTO_PYTHON'];
  if (fromEnv) return fromEnv;
  const first = readFileSync(motoBinary(), 'utf8').split('\n', 1)[0] ?? '';
  const interpreter = /^#!\s*(\S*python[\d.]*)\s*$/.exec(first)?.[1];
  return interpreter ?? 'python3';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export interface MotoOptions {
  /**
   * Extra environment for moto_server, e.g. `INITIAL_NO_AUTH_ACTION_COUNT: '3'` to enforce IAM policies after the
   * first three requests (so a test can provoke a real AccessDenied).
   * @default none
   */
  readonly serverEnv?: Record<string, string>;
  /**
   * Address to listen on, and the one `endpoint` names: e.g. the node IP (kube-cluster.ts `defaultRouteIpv4()`), so
   * pods on a real test node reach the same moto as the tests do.
   * @default 127.0.0.1
   */
  readonly host?: string;
}

export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const port = await freePort();
  const host = options.host ?? '127.0.0.1';
  const child: ChildProcess = spawn(motoPython(), [SHIM, '-H', host, '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
    ...(options.serverEnv ? { env: { ...process.env, ...options.serverEnv } } : {}),
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const endpoint = `http://${host}:${port}`;
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', kill);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${endpoint}/moto-api/`);
      if (r.ok || r.status < 500) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`moto_server did not start on ${endpoint}; its log:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    env: {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: endpoint,
    },
    async stop() {
      process.removeListener('exit', kill);
      kill();
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    },
  };
}

const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * A stack named `name` holding only a bucket, with the `BucketName` output `dags deploy` and `dags status` read: the
 * part of `up` the DAG commands need, without a cluster. Returns the bucket's name.
 */
export async function createBucketStack(m: MotoServer, name: string): Promise<string> {
  const cfn = new CloudFormationClient({ region: 'us-east-1', endpoint: m.endpoint, credentials: MOTO_CREDENTIALS });
  try {
    await cfn.send(
      new CreateStackCommand({
        StackName: name,
        TemplateBody: JSON.stringify({ Resources: { Bucket: { Type: 'AWS::S3::Bucket' } }, Outputs: { BucketName: { Value: { Ref: 'Bucket' } } } }),
      }),
    );
    const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const v = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'BucketName')?.OutputValue;
    if (!v) throw new Error('the stack has no BucketName output');
    return v;
  } finally {
    cfn.destroy();
  }
}

/** The keys in `bucket`, sorted (one page: the tests' buckets are small). */
export async function bucketKeys(m: MotoServer, bucket: string): Promise<string[]> {
  const s3 = new S3Client({ region: 'us-east-1', endpoint: m.endpoint, forcePathStyle: true, credentials: MOTO_CREDENTIALS });
  try {
    return ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    s3.destroy();
  }
}
