/**
 * A separate process that ensures one virtualenv, as `dev up --native` does, and reports on stdout, one JSON line
 * each: `wait` (another process holds the build lock), `build` (this one builds), then `done` with whether it built
 * the venv and what the venv's Python printed for `import tinypkg`, or `error`.
 * Usage: node venv-child.js '{"dir": ..., "python": ..., "lockFile": ..., "pipCacheDir": ...}'
 */
import { spawnSync } from 'node:child_process';
import { ensureVenv } from '../../src/adapters/proc/python-venv.js';
import { UserError } from '../../src/errors/user-error.js';
import { TINY_MODULE } from './tiny-wheel.js';

export type VenvChildEvent =
  | { readonly event: 'wait'; readonly ownerPid: number }
  | { readonly event: 'build' }
  | { readonly event: 'done'; readonly created: boolean; readonly imported: string }
  | { readonly event: 'error'; readonly code: string; readonly message: string };

export interface VenvChildArgs {
  readonly dir: string;
  /** Interpreter that creates the venv (a test may pass a wrapper that holds the build until told). */
  readonly python: string;
  readonly lockFile: string;
  readonly pipCacheDir: string;
}

const say = (e: VenvChildEvent): void => void process.stdout.write(`${JSON.stringify(e)}\n`);

const args = JSON.parse(process.argv[2] ?? '{}') as VenvChildArgs;
try {
  const venv = await ensureVenv({
    dir: args.dir,
    python: { path: args.python, version: 'test' },
    lockFile: args.lockFile,
    pipCacheDir: args.pipCacheDir,
    onWait: (w) => say({ event: 'wait', ownerPid: w.ownerPid }),
    onBuild: () => say({ event: 'build' }),
  });
  const r = spawnSync(venv.python, ['-c', `import ${TINY_MODULE}; print(${TINY_MODULE}.VALUE)`], { encoding: 'utf8' });
  say({ event: 'done', created: venv.created, imported: r.status === 0 ? r.stdout.trim() : `exit ${r.status}: ${r.stderr}` });
} catch (e) {
  say({ event: 'error', code: UserError.is(e) ? e.code : 'UNEXPECTED', message: String((e as Error).message) });
  process.exitCode = 1;
}
