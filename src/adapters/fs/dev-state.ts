/**
 * Files of the local environment's state dir: created 0700, secrets and state written 0600 through a rename so a
 * crash never leaves half a JSON file. Also the loopback port helpers native mode needs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { UserError } from '../../errors/user-error.js';
import type { DevPaths } from '../../dev/paths.js';
import { checkSecrets, generateSecrets, type DevSecrets } from '../../dev/secrets.js';
import { checkState, type DevState } from '../../dev/state.js';

export async function ensureStateDir(paths: DevPaths): Promise<void> {
  await mkdir(paths.stateDir, { recursive: true, mode: 0o700 });
  await chmod(paths.stateDir, 0o700);
  await mkdir(paths.logsDir, { recursive: true, mode: 0o700 });
}

export async function writePrivate(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

/** Reads the secrets, or generates and saves them on first use (`created` tells the caller to show them once). */
export async function loadOrCreateSecrets(paths: DevPaths): Promise<{ secrets: DevSecrets; created: boolean }> {
  const existing = await readSecrets(paths);
  if (existing) return { secrets: existing, created: false };
  await ensureStateDir(paths);
  const secrets = generateSecrets((n) => randomBytes(n));
  await writePrivate(paths.secretsFile, `${JSON.stringify(secrets, null, 2)}\n`);
  return { secrets, created: true };
}

export async function readSecrets(paths: DevPaths): Promise<DevSecrets | undefined> {
  if (!existsSync(paths.secretsFile)) return undefined;
  const checked = checkSecrets(JSON.parse(await readFile(paths.secretsFile, 'utf8')));
  if (typeof checked === 'string') {
    throw new UserError(`${paths.secretsFile} is unusable: ${checked}`, {
      code: 'DEV_SECRETS_INVALID',
      hint: 'restore it, or run `airflow-aws dev down --purge` to start over (this deletes the local database)',
    });
  }
  return checked;
}

export async function readState(paths: DevPaths): Promise<DevState | undefined> {
  if (!existsSync(paths.stateFile)) return undefined;
  try {
    return checkState(JSON.parse(await readFile(paths.stateFile, 'utf8')));
  } catch {
    return undefined;
  }
}

export async function writeState(paths: DevPaths, state: DevState): Promise<void> {
  await writePrivate(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeState(paths: DevPaths): Promise<void> {
  await rm(paths.stateFile, { force: true });
}

/**
 * Whether some process has this pid: fine for a child we spawned ourselves, NOT for a pid read from the state file,
 * which may now belong to someone else (see `verifyProcess` in adapters/proc/process-identity.ts).
 */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether nothing listens on 127.0.0.1:port. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the kernel says is free right now on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
