/**
 * Python packaging tools on the host, for the image lock and the offline wheelhouse: a pinned uv (the resolver)
 * and pip (the downloader), bootstrapped once into a virtualenv under the machine cache from PyPI.
 *
 * Needs a `python3` (>= 3.9) with the venv module on the host. Nothing here touches the user's Python.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LockWait } from '../../dev/build-lock.js';
import { UserError } from '../../errors/user-error.js';
import { pipPlatformTags, UV_VERSION, uvCompileArgs, type LockRequest, type Platform } from '../../image/lock.js';
import { withBuildLock } from '../fs/build-lock.js';
import { runChecked, runProcess } from './run-process.js';

export interface PythonToolsOptions {
  /** Machine cache directory (see src/dev/paths.ts cacheDir). */
  readonly cacheDir: string;
  readonly signal?: AbortSignal;
  /** Host interpreter used to create the tool virtualenv. @default "python3" */
  readonly python?: string;
  readonly onLine?: (line: string) => void;
  /** Called once when another process is building the same thing (tool venv, wheelhouse) and this one waits. */
  readonly onWait?: (wait: LockWait) => void;
}

export interface PythonTools {
  readonly venv: string;
  readonly uv: string;
  readonly pip: string;
}

/**
 * Create (once) `<cache>/tools/uv-<version>` with pip and uv==UV_VERSION; later calls reuse it. Built under a lock
 * (`<venv>.lock`): two `image lock` at once on a machine that has no tools yet would otherwise delete and build
 * the same directory.
 */
export async function ensurePythonTools(opts: PythonToolsOptions): Promise<PythonTools> {
  const venv = path.join(opts.cacheDir, 'tools', `uv-${UV_VERSION}`);
  const tools = { venv, uv: path.join(venv, 'bin', 'uv'), pip: path.join(venv, 'bin', 'pip') };
  // The marker is written last: a half-built venv from an interrupted run is never mistaken for a good one.
  const marker = path.join(venv, '.airflow-aws-complete');
  if (existsSync(marker)) return tools;
  await mkdir(path.dirname(venv), { recursive: true });
  return withBuildLock(`${venv}.lock`, { building: `the tool virtualenv ${venv}`, signal: opts.signal, onWait: opts.onWait }, async () => {
    // Built by the process we waited for, unless it failed.
    if (!existsSync(marker)) await buildPythonTools(tools, marker, opts);
    return tools;
  });
}

async function buildPythonTools(tools: PythonTools, marker: string, opts: PythonToolsOptions): Promise<void> {
  await rm(tools.venv, { recursive: true, force: true });
  const python = opts.python ?? 'python3';
  const sig = opts.signal ? { signal: opts.signal } : {};
  await runChecked(python, ['-m', 'venv', tools.venv], {
    ...sig,
    what: `${python} -m venv`,
    code: 'PYTHON_TOOLS_FAILED',
    hint: 'install Python 3 with its venv module on this machine (Debian/Ubuntu: apt-get install python3-venv)',
  });
  await runChecked(tools.pip, ['install', '--quiet', '--disable-pip-version-check', `uv==${UV_VERSION}`], {
    ...sig,
    what: `pip install uv==${UV_VERSION}`,
    code: 'PYTHON_TOOLS_FAILED',
    hint: 'PyPI must be reachable from this machine (set PIP_INDEX_URL / PIP_CERT for a mirror or a TLS-intercepting proxy)',
  });
  await writeFile(marker, `uv ${UV_VERSION}\n`);
}

/**
 * Resolve a lock request with `uv pip compile --generate-hashes` for the target Python and platform. Returns
 * uv's output (hashed requirements); the caller adds the header.
 */
export async function compileLock(tools: PythonTools, req: LockRequest, opts: PythonToolsOptions): Promise<string> {
  const work = await mkdtemp(path.join(opts.cacheDir, 'tools', 'lock-'));
  try {
    await writeFile(path.join(work, 'airflow-aws.in'), `${req.requirementsIn.join('\n')}\n`);
    if (req.userRequirements) await writeFile(path.join(work, 'requirements.txt'), req.userRequirements);
    const r = await runProcess(tools.uv, uvCompileArgs(req), {
      cwd: work,
      // Never fetch a managed CPython (from GitHub) for a non-host --python-version: resolution needs none.
      env: { UV_CACHE_DIR: path.join(opts.cacheDir, 'uv-cache'), UV_NO_PROGRESS: '1', UV_PYTHON_DOWNLOADS: 'never' },
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onLine ? { onLine: (l: string, s: 'stdout' | 'stderr') => (s === 'stderr' ? opts.onLine!(l) : undefined) } : {}),
      tailLines: 30,
    });
    if (r.cancelled) throw new UserError('image lock was cancelled', { code: 'CANCELLED', exitCode: 130 });
    if (r.exitCode !== 0) {
      const text = r.stderr;
      const unknownVersion = /apache-airflow.*(no version|there is no version)/i.test(text) || /No solution found/i.test(text);
      throw new UserError(
        unknownVersion
          ? `cannot resolve Airflow ${req.airflowVersion} for Python ${req.python} on ${req.platform}`
          : `dependency resolution failed (uv exit ${r.exitCode})`,
        {
          code: unknownVersion ? 'LOCK_UNRESOLVABLE' : 'LOCK_FAILED',
          details: r.tail.slice(-15),
          hint: unknownVersion
            ? 'check that airflow.version exists on PyPI and supports airflow.python, and that your requirements.txt is compatible with it'
            : 'see the resolver output above; PyPI must be reachable (UV_INDEX_URL / SSL_CERT_FILE for mirrors and proxies)',
        },
      );
    }
    return r.stdout;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Download every locked distribution for the target platform into `dir` (pip download --require-hashes --no-deps),
 * so `image build --wheelhouse DIR` needs no network inside the build. Wheels are preferred; a package published
 * only as a source archive (Airflow 2.9 has two: python-nvd3, unicodecsv) is downloaded as such, hash-checked, and
 * built in the builder stage — so the wheelhouse also gets the build backend (setuptools, wheel) for it.
 * Returns the file count.
 *
 * One download per folder at a time (lock `<dir>.lock`): pip copies each file into `--dest` in place, and a second
 * pip that checks the hash of a half-copied file deletes it as corrupt, under the first one's feet.
 */
export async function downloadWheelhouse(
  tools: PythonTools,
  lockFile: string,
  target: { readonly python: string; readonly platform: Platform },
  dir: string,
  opts: PythonToolsOptions,
): Promise<{ files: number; sdists: string[] }> {
  await mkdir(dir, { recursive: true });
  const lock = { building: `the wheelhouse ${dir}`, signal: opts.signal, onWait: opts.onWait };
  return withBuildLock(`${path.resolve(dir)}.lock`, lock, async () => {
    const abi = `cp${target.python.replace('.', '')}`;
    const targetArgs = [
      '--python-version',
      target.python,
      '--implementation',
      'cp',
      ...['--abi', abi, '--abi', 'abi3', '--abi', 'none'],
      ...pipPlatformTags(target.platform).flatMap((p) => ['--platform', p]),
    ];
    const common = {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onLine ? { onLine: (l: string) => opts.onLine!(l) } : {}),
      env: { PIP_CACHE_DIR: path.join(opts.cacheDir, 'pip-cache') },
      code: 'WHEELHOUSE_FAILED',
      hint: 'a locked package may have no wheel or source archive usable on this Python/platform; PyPI must be reachable from this machine',
    };
    // pip skips files already in `dir` after checking their hash, so re-running only fetches what is missing.
    await runChecked(
      tools.pip,
      ['download', '--disable-pip-version-check', '--no-deps', '--require-hashes', ...targetArgs, '--dest', dir, '--requirement', lockFile],
      { ...common, what: 'pip download (wheelhouse)' },
    );
    const files = (await readdir(dir)).filter((f) => !f.startsWith('.'));
    const sdists = files.filter((f) => /\.(tar\.gz|zip|tar\.bz2)$/.test(f));
    if (sdists.length > 0) {
      await runChecked(
        tools.pip,
        ['download', '--disable-pip-version-check', '--no-deps', '--only-binary=:all:', ...targetArgs, '--dest', dir, ...SDIST_BUILD_BACKEND],
        { ...common, what: 'pip download (build backend for source archives)' },
      );
    }
    return { files: (await readdir(dir)).filter((f) => !f.startsWith('.')).length, sdists };
  });
}

/**
 * What pip's isolated build of a setup.py-only source archive installs (PEP 517 fallback backend). Not hashed:
 * pip does not hash-check build requirements; the archives themselves are hash-checked.
 */
export const SDIST_BUILD_BACKEND = ['setuptools', 'wheel'];
