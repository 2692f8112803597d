/** What the `dev` operations share about a project: its paths, its lock, its running environment and its API. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AirflowApi } from '../../adapters/airflow-api.js';
import { readSecrets, readState } from '../../adapters/fs/dev-state.js';
import { pause } from '../../adapters/proc/pause.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { isHealthy } from '../../dev/api-shapes.js';
import { parseLock, LockParseError, type Lock } from '../../dev/lock.js';
import { cacheDir, devPaths, type DevPaths } from '../../dev/paths.js';
import { apiBaseUrl, type DevState } from '../../dev/state.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { assertLockFresh, lockRequest } from '../../image/lock.js';

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

/** Polls the API's health until healthy (true), or until the timeout or the signal (false). */
export async function waitHealthy(api: AirflowApi, major: 2 | 3, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    if (isHealthy(await api.health(), major)) {
      // Healthy, but not ready for a task until the execution API exists (see warmExecutionApi).
      while (Date.now() < deadline && !signal.aborted && !(await api.warmExecutionApi())) await pause(1000, signal);
      return true;
    }
    await pause(1000, signal);
  }
  return false;
}
