/** Helpers shared by the `dev` commands: paths, lock, state checks, the API client and waiting for health. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AirflowApi } from '../../adapters/airflow-api.js';
import { pause } from '../../adapters/proc/pause.js';
import { readSecrets, readState } from '../../adapters/fs/dev-state.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import type { Health } from '../../dev/api-shapes.js';
import { parseLock, LockParseError, type Lock } from '../../dev/lock.js';
import { cacheDir, devPaths, type DevPaths } from '../../dev/paths.js';
import type { DevSecrets } from '../../dev/secrets.js';
import { apiBaseUrl, type DevState } from '../../dev/state.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { assertLockFresh, lockRequest } from '../../image/lock.js';
import type { CommandContext } from '../context.js';

export function pathsFor(config: ResolvedConfig): DevPaths {
  return devPaths(config.projectDir);
}

export function devCacheDir(): string {
  return cacheDir(process.env, os.homedir());
}

export interface LoadedLock {
  readonly file: string;
  readonly text: string;
  readonly lock: Lock;
}

/** Reads the project's lock and checks it matches the config (same check as `image build`). */
export async function loadLock(config: ResolvedConfig): Promise<LoadedLock> {
  const file = path.resolve(config.projectDir, config.image.lockFile);
  if (!existsSync(file)) {
    throw new UserError(`the lock file ${config.image.lockFile} does not exist`, {
      code: 'LOCK_MISSING',
      exitCode: EXIT_BAD_INPUT,
      hint: 'run `airflow-aws image lock` to resolve and hash the Python dependencies, then commit the lock',
    });
  }
  const text = await readFile(file, 'utf8');
  const reqFile = path.resolve(config.projectDir, config.image.requirements);
  const userReq = existsSync(reqFile) ? await readFile(reqFile, 'utf8') : '';
  assertLockFresh(text, lockRequest(config, userReq), config.image.lockFile);
  try {
    return { file, text, lock: parseLock(text) };
  } catch (e) {
    if (e instanceof LockParseError) {
      throw new UserError(`${config.image.lockFile} is not a hashed lock`, {
        code: 'LOCK_INVALID',
        exitCode: EXIT_BAD_INPUT,
        details: e.problems.slice(0, 10).map((p) => `line ${p.line}: ${p.message}`),
        hint: 'run `airflow-aws image lock` to write it again',
      });
    }
    throw e;
  }
}

/** The state of a running environment, or a UserError telling the user to start one. */
export async function requireRunning(paths: DevPaths): Promise<DevState> {
  const state = await readState(paths);
  if (!state) {
    throw new UserError('no local Airflow is running for this project', {
      code: 'DEV_NOT_RUNNING',
      hint: 'start it with `airflow-aws dev up`',
    });
  }
  return state;
}

export async function apiClient(paths: DevPaths, state: DevState, signal?: AbortSignal): Promise<AirflowApi> {
  const secrets = await readSecrets(paths);
  if (!secrets) {
    throw new UserError(`${paths.secretsFile} is missing`, { code: 'DEV_SECRETS_MISSING', hint: 'run `airflow-aws dev up` again' });
  }
  return new AirflowApi({
    baseUrl: apiBaseUrl(state),
    major: state.airflowMajor,
    username: secrets.adminUser,
    password: secrets.adminPassword,
    ...(signal ? { signal } : {}),
  });
}

/** Healthy = the API answers and reports the database, scheduler and DAG processor healthy. */
export function isHealthy(h: Health | undefined, major: 2 | 3): boolean {
  if (!h) return false;
  const ok = (s: { status: string | null } | undefined) => s?.status === 'healthy';
  if (!ok(h.metadatabase)) return false;
  if (!ok(h.scheduler)) return false;
  return major === 2 || ok(h.dag_processor);
}

export async function waitHealthy(
  api: AirflowApi,
  major: 2 | 3,
  timeoutMs: number,
  signal: AbortSignal,
  stillAlive: () => boolean = () => true,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    if (isHealthy(await api.health(), major)) return true;
    if (!stillAlive()) return false;
    await pause(1000, signal);
  }
  return false;
}


/**
 * What the user needs after `up`: the URL, and the credentials. The password itself is shown once, and only to a
 * terminal: stderr that is a pipe or a file ends up in CI logs and tees. Otherwise we say where to read it.
 */
export function announce(ctx: CommandContext, state: DevState, secrets: DevSecrets, firstTime: boolean, secretsFile: string): void {
  ctx.out.success(`Airflow is up: http://localhost:${state.apiPort}`);
  if (firstTime && ctx.out.terminal) {
    ctx.out.info(`  login: ${secrets.adminUser} / ${secrets.adminPassword}   (shown once; kept in ${secretsFile})`);
  } else {
    ctx.out.info(`  login: ${secrets.adminUser}; password: "adminPassword" in ${secretsFile} (mode 0600)`);
  }
  ctx.out.info('  next: `airflow-aws dev run-dag <dag_id>`, `airflow-aws dev logs -f`, `airflow-aws dev down`');
}

