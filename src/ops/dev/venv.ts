/** The virtualenv of native mode: built from the project's lock on first use (minutes), reused after. */
import path from 'node:path';
import { ensureVenv, findPython } from '../../adapters/proc/python-venv.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { reportWait } from '../../dev/build-lock.js';
import { venvDir } from '../../dev/paths.js';
import { advanceProgress, formatProgress, progressDue, startProgress, type VenvPhase } from '../../dev/venv-progress.js';
import type { DevLog } from './context.js';
import { devCacheDir, loadLock, type LoadedLock } from './project.js';

export interface NativeEnvironment {
  readonly venv: { readonly dir: string; readonly bin: (n: string) => string };
  readonly lock: LoadedLock;
}

/** Virtualenv for the project's lock (built on first use; minutes). */
export async function prepareVenv(log: DevLog, signal: AbortSignal, config: ResolvedConfig, python: string | undefined): Promise<NativeEnvironment> {
  const lock = await loadLock(config);
  const interpreter = await findPython(config.airflow.python, python);
  if (interpreter.version !== config.airflow.python) {
    log.warn(`using Python ${interpreter.version}, but the lock was resolved for ${config.airflow.python} (airflow.python)`);
  }
  const cache = devCacheDir();
  const dir = venvDir(cache, lock.lock.sha256, interpreter.version);
  const started = Date.now();
  // An updating line on a terminal; elsewhere (CI, `--detach`'s log file) a line at most every 10 s. With --verbose
  // pip's own lines go through debug, so the status gets lines of its own instead of a line rewritten under them.
  const intervalMs = log.live ? 1000 : 10_000;
  let progress = startProgress(lock.lock.packages.length);
  let last: { atMs: number; phase: VenvPhase } | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const show = (): void => {
    const now = Date.now();
    if (!progressDue(last, now, progress.phase, intervalMs)) return;
    last = { atMs: now, phase: progress.phase };
    const text = formatProgress(progress, now - started);
    if (log.live) log.rewrite(text);
    else log.step(text);
  };
  let venv: Awaited<ReturnType<typeof ensureVenv>>;
  try {
    venv = await ensureVenv({
      dir,
      python: interpreter,
      lockFile: lock.file,
      pipCacheDir: path.join(cache, 'pip'),
      signal,
      onWait: (wait) => reportWait(log, wait),
      onBuild: () => {
        log.step(`building the virtualenv ${dir} from ${lock.lock.packages.length} locked packages (first run only; takes minutes)`);
        show();
        // pip is silent while it installs: the ticker keeps the elapsed time moving.
        ticker = setInterval(show, 1000);
        ticker.unref();
      },
      onLine: (l) => {
        progress = advanceProgress(progress, l);
        log.debug(l);
        show();
      },
    });
  } finally {
    clearInterval(ticker);
    if (log.live && last) log.endRewrite();
  }
  if (venv.created) log.success(`virtualenv ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return { venv, lock };
}
