/**
 * What a native environment leaves on the machine and how it is found again: the supervisor and its process groups
 * (signalled only while they provably are the processes that were recorded), and PostgreSQL's data directory.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { removeState, writePrivate } from '../../adapters/fs/dev-state.js';
import { reachableByOthers } from '../../adapters/postgres/native.js';
import { verifyProcess } from '../../adapters/proc/process-identity.js';
import { stopRecordedGroups } from '../../adapters/proc/supervisor.js';
import type { DevPaths } from '../../dev/paths.js';
import type { Verdict } from '../../dev/process-identity.js';
import { recordedIdentity, type DevState } from '../../dev/state.js';
import type { DevLog } from './context.js';
import { devCacheDir } from './project.js';

type Reporter = Pick<DevLog, 'debug' | 'warn'>;

/** Where root keeps local PostgreSQL data when the cache dir is not reachable by the postgres user. */
const ROOT_POSTGRES_BASE = '/var/lib/airflow-aws/dev-postgres';

/** File in the state dir naming a PostgreSQL data dir kept outside it (root, see postgresDataDir). */
const POSTGRES_POINTER = 'postgres-data-dir';

function existingAncestor(dir: string): string {
  let cur = path.resolve(dir);
  while (!existsSync(cur) && path.dirname(cur) !== cur) cur = path.dirname(cur);
  return cur;
}

/** Where PostgreSQL keeps its data: the state dir, unless root must run it as another user who cannot reach it. */
export function postgresDataDir(paths: DevPaths, runAsRoot: boolean): string {
  if (!runAsRoot || reachableByOthers(paths.pgDataDir)) return paths.pgDataDir;
  const key = createHash('sha256').update(paths.projectDir).digest('hex').slice(0, 16);
  // As root, initdb and postgres run as the postgres user, who must traverse every parent directory. The cache is
  // fine when it lives somewhere shared (/var/cache); under root's 0700 home it is not, so use /var/lib instead.
  const cacheBase = path.join(devCacheDir(), 'dev', 'postgres');
  const base = reachableByOthers(path.join(existingAncestor(cacheBase), '.probe')) ? cacheBase : ROOT_POSTGRES_BASE;
  return path.join(base, key);
}

/** Remembers a data dir outside the state dir: `down --purge` must find it even if AIRFLOW_AWS_CACHE changed since. */
export async function rememberPostgresDataDir(paths: DevPaths, dataDir: string): Promise<void> {
  if (dataDir !== paths.pgDataDir) await writePrivate(path.join(paths.stateDir, POSTGRES_POINTER), `${dataDir}\n`);
}

/**
 * Says why a live pid from the state file was left alone. A proven stranger (pid reused, machine rebooted) is
 * expected and harmless: debug. An unverifiable one may be a leftover of ours the user must stop: a warning.
 */
export function reportLeftAlone(out: Reporter, what: string, verdict: Exclude<Verdict, { kind: 'ours' | 'gone' }>): void {
  if (verdict.kind === 'foreign') out.debug(`not signalling ${what}: it is not ours (${verdict.why})`);
  else out.warn(`not signalling ${what}: ${verdict.why}; if it is left over from airflow-aws, stop it yourself`);
}

/** Kills what a dead supervisor left behind (only what still proves to be ours) and forgets its state. */
export async function cleanupStale(paths: DevPaths, state: DevState, out: Reporter): Promise<void> {
  const groups = (state.groups ?? []).map((pgid) => ({ pgid, identity: recordedIdentity(state, pgid) }));
  await stopRecordedGroups(groups, 15_000, (pgid, verdict) => reportLeftAlone(out, `process group ${pgid}`, verdict));
  await removeState(paths);
}

/** Whether the state's supervisor is running: alive AND provably the process that wrote the state. */
export function supervisorRunning(state: DevState, out: Reporter): boolean {
  const pid = state.supervisorPid;
  if (!pid || pid === process.pid) return false;
  const verdict = verifyProcess(recordedIdentity(state, pid), pid);
  if (verdict.kind === 'foreign' || verdict.kind === 'unverifiable') reportLeftAlone(out, `the recorded supervisor pid ${pid}`, verdict);
  return verdict.kind === 'ours';
}

/** Deletes the state dir and, when PostgreSQL's data lives outside it, that data dir. */
export async function purgeNative(paths: DevPaths): Promise<void> {
  const pointer = path.join(paths.stateDir, POSTGRES_POINTER);
  if (existsSync(pointer)) {
    const dir = (await readFile(pointer, 'utf8')).trim();
    // Only ever a directory this tool created under a cache's dev/postgres/ folder.
    if (/\/dev\/postgres\/[0-9a-f]{16}$/.test(dir)) await rm(dir, { recursive: true, force: true });
  }
  await rm(paths.stateDir, { recursive: true, force: true });
}
