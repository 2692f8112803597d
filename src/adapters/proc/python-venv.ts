/**
 * The native-mode virtualenv: `python3 -m venv` + `pip install --require-hashes --no-deps -r <lock>`, so the host
 * runs exactly the distributions the image runs. Built once per (lock hash, Python minor) under the cache dir and
 * shared by every project with the same lock; pip's wheel cache sits beside it. A marker file written last makes a
 * half-built venv (Ctrl-C, full disk) visible: it is removed and rebuilt on the next run. The build runs under a
 * lock (`<dir>.lock`, see adapters/fs/build-lock.ts): two processes that need the same venv at once would otherwise
 * both delete and build the one directory; the second waits, then finds the marker and reuses the venv.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LockWait } from '../../dev/build-lock.js';
import { UserError } from '../../errors/user-error.js';
import { withBuildLock } from '../fs/build-lock.js';
import { runChecked, runProcess } from './run-process.js';

const MARKER = '.airflow-aws-complete';

export interface PythonInterpreter {
  readonly path: string;
  /** Minor version, e.g. "3.12". */
  readonly version: string;
}

/** Version of an interpreter, or undefined when it does not run (e.g. a pyenv shim for an inactive version). */
export async function pythonVersion(file: string): Promise<string | undefined> {
  try {
    const r = await runProcess(file, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { timeoutMs: 15_000 });
    const v = r.stdout.trim();
    return r.exitCode === 0 && /^3\.\d+$/.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds an interpreter of the wanted minor: an explicit path first (used as given, with its own version),
 * then `python<minor>`, then `python3` if it happens to be that minor.
 */
export async function findPython(wanted: string, explicit: string | undefined): Promise<PythonInterpreter> {
  if (explicit) {
    const v = await pythonVersion(explicit);
    if (!v) throw new UserError(`--python ${explicit} does not run`, { code: 'PYTHON_NOT_FOUND', exitCode: 2 });
    return { path: explicit, version: v };
  }
  for (const candidate of [`python${wanted}`, 'python3']) {
    const v = await pythonVersion(candidate);
    if (v === wanted) return { path: candidate, version: v };
  }
  const found = await pythonVersion('python3');
  throw new UserError(`native mode needs Python ${wanted} (airflow.python), but it was not found`, {
    code: 'PYTHON_NOT_FOUND',
    details: [found ? `python3 on PATH is ${found}` : 'no python3 on PATH'],
    hint:
      `install Python ${wanted}, or pass --python PATH, or set airflow.python to the Python you have ` +
      '(then run `airflow-aws image lock` again), or use Docker mode',
  });
}

export interface VenvResult {
  readonly dir: string;
  readonly python: string;
  readonly bin: (name: string) => string;
  readonly created: boolean;
}

export interface VenvOptions {
  readonly dir: string;
  readonly python: PythonInterpreter;
  readonly lockFile: string;
  /** Wheel cache (PIP_CACHE_DIR), shared by all venvs. */
  readonly pipCacheDir: string;
  readonly signal?: AbortSignal;
  /** Called once when the venv has to be built (not when a complete one exists): the caller can say it takes minutes. */
  readonly onBuild?: () => void;
  /** Called once when another process is building this venv and this one waits for it (then reuses it). */
  readonly onWait?: (wait: LockWait) => void;
  /** Every line pip prints while installing (progress is parsed from them). */
  readonly onLine?: (line: string) => void;
}

export async function ensureVenv(opts: VenvOptions): Promise<VenvResult> {
  const { dir } = opts;
  const result = (created: boolean): VenvResult => ({
    dir,
    python: path.join(dir, 'bin', 'python'),
    bin: (name) => path.join(dir, 'bin', name),
    created,
  });
  const complete = (): boolean => existsSync(path.join(dir, MARKER));
  if (complete()) return result(false);
  await mkdir(path.dirname(dir), { recursive: true });
  return withBuildLock(`${dir}.lock`, { building: `the virtualenv ${dir}`, signal: opts.signal, onWait: opts.onWait }, async () => {
    // The process we waited for built it (unless it failed or was killed: then the marker is missing).
    if (complete()) return result(false);
    opts.onBuild?.();
    await buildVenv(opts);
    return result(true);
  });
}

/** Deletes whatever is at `opts.dir` and builds the venv there; on failure nothing is left. */
async function buildVenv(opts: VenvOptions): Promise<void> {
  const { dir } = opts;
  await rm(dir, { recursive: true, force: true });
  await mkdir(opts.pipCacheDir, { recursive: true });
  const sig = opts.signal ? { signal: opts.signal } : {};
  try {
    await runChecked(opts.python.path, ['-m', 'venv', dir], {
      what: 'creating the virtualenv',
      code: 'VENV_FAILED',
      hint: 'on Debian/Ubuntu install python3-venv',
      ...sig,
    });
    await runChecked(
      path.join(dir, 'bin', 'python'),
      ['-m', 'pip', 'install', '--require-hashes', '--no-deps', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', '-r', opts.lockFile],
      {
        what: `installing the lock ${path.basename(opts.lockFile)} into the virtualenv`,
        code: 'VENV_INSTALL_FAILED',
        env: { PIP_CACHE_DIR: opts.pipCacheDir },
        tailLines: 30,
        hint: 'check that the lock was written for this Python and platform (`airflow-aws image lock`), and that PyPI (or your index) is reachable',
        ...(opts.onLine ? { onLine: (l: string) => opts.onLine!(l) } : {}),
        ...sig,
      },
    );
    await writeFile(path.join(dir, MARKER), `${new Date().toISOString()}\n`);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
