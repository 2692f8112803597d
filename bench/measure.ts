/** Small timing helpers for benches: medians of repeated runs, printed next to a baseline measured in the same run. */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Wall time of one run of a command, in ms, with no warm-up (for what can happen only once). */
export function timeOnce(argv: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const dt = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr?.toString().slice(-500)}`);
  return dt;
}

/** Wall time of a command, in ms, median of `runs` after one warm-up. Fails loudly on a non-zero exit. */
export function timeCommand(argv: readonly string[], runs: number, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  const once = () => timeOnce(argv, opts);
  once();
  return median(Array.from({ length: runs }, once));
}

export function report(rows: readonly { name: string; ms: number; baselineName: string; baselineMs: number; targetMs?: number }[]): void {
  for (const r of rows) {
    const ratio = r.ms / r.baselineMs;
    const target = r.targetMs === undefined ? '' : `  target <= ${r.targetMs} ms: ${r.ms <= r.targetMs ? 'met' : 'MISSED'}`;
    console.log(
      `${r.name.padEnd(28)} ${r.ms.toFixed(0).padStart(6)} ms   ${r.baselineName} ${r.baselineMs.toFixed(0).padStart(6)} ms   ratio ${ratio.toFixed(2)}x${target}`,
    );
  }
}
