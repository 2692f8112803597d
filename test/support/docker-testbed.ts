/**
 * The Docker side of the testbed for tests: a reachable engine, locally made base images and an htpasswd registry,
 * all set up by scripts/testbed/docker.sh. A missing piece fails the test with the command that provides it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';
import { freePort } from './moto.js';

export const DOCKER_SH = path.join(REPO_ROOT, 'scripts', 'testbed', 'docker.sh');
/** Stand-in for python:3.X-slim-bookworm: debootstrap bookworm + Debian's python3 (3.11). */
export const TEST_BASE_IMAGE = 'local/python:3.11-bookworm';
/** The bare debootstrap base (no Python). */
export const BARE_BASE_IMAGE = 'local/bookworm:base';

export function requireDocker(): void {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`no Docker engine answers (${(r.stderr || r.error?.message || '').trim()}): run \`bash scripts/testbed/docker.sh engine\``);
  }
}

export function requireImage(ref: string, subcommand: string): void {
  requireDocker();
  const r = spawnSync('docker', ['image', 'inspect', ref], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`image ${ref} is missing: run \`bash scripts/testbed/docker.sh ${subcommand}\``);
}

export function docker(args: readonly string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('docker', [...args], { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export interface Registry {
  /** host:port */
  readonly host: string;
  stop(): Promise<void>;
}

/**
 * An htpasswd-protected registry (user `user`, bcrypt) on a free loopback port, via docker.sh registry. Its storage
 * is temporary unless `storageDir` is given (kept after stop(), so a later push uploads only the layers it lacks).
 */
export async function startRegistry(user: string, password: string, opts: { storageDir?: string } = {}): Promise<Registry & { passwordFile: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-registry-'));
  const pwfile = path.join(dir, 'password');
  await writeFile(pwfile, password, { mode: 0o600 });
  const port = await freePort();
  const r = spawnSync('bash', [DOCKER_SH, 'registry', user, pwfile, String(port), opts.storageDir ?? path.join(dir, 'data')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not start the registry with docker.sh registry:\n${r.stderr}`);
  const pid = Number(r.stdout.trim().split('\n').pop());
  return {
    host: `127.0.0.1:${port}`,
    passwordFile: pwfile,
    async stop() {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
