/** Small timing helpers for benches: medians of repeated runs, printed next to a baseline measured in the same run. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Wall time of one run of a command, in ms, with no warm-up (for what can happen only once). */
export function timeOnce(argv: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  return sampleOnce(argv, opts).wallMs;
}

export interface Sample {
  readonly wallMs: number;
  /** user + sys of the command and the children it waited for, in ms (Linux /proc; 0 elsewhere). */
  readonly cpuMs: number;
}

/**
 * Wall and CPU time of one run. On a shared machine the wall time moves with everyone else's load; the CPU time
 * of the command itself moves much less, so a bench that compares before/after reports both.
 */
export function sampleOnce(argv: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Sample {
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr?.toString().slice(-500)}`);
  return { wallMs, cpuMs: childrenCpuMs() - cpu0 };
}

/** Medians of wall and CPU time over `runs` after one warm-up. */
export function sampleCommand(argv: readonly string[], runs: number, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Sample {
  sampleOnce(argv, opts);
  const samples = Array.from({ length: runs }, () => sampleOnce(argv, opts));
  return { wallMs: median(samples.map((s) => s.wallMs)), cpuMs: median(samples.map((s) => s.cpuMs)) };
}

let ticksPerSecond: number | undefined;

/** cutime + cstime of this process (fields 16 and 17 of /proc/self/stat): CPU of the children it has reaped. */
function childrenCpuMs(): number {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return 0;
  }
  // The command name (field 2) is in parentheses and may contain spaces; count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond;
}

/** Wall time of a command, in ms, median of `runs` after one warm-up. Fails loudly on a non-zero exit. */
export function timeCommand(argv: readonly string[], runs: number, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  const once = () => timeOnce(argv, opts);
  once();
  return median(Array.from({ length: runs }, once));
}

export function report(
  rows: readonly { name: string; ms: number; baselineName: string; baselineMs: number; targetMs?: number; cpuMs?: number; baselineCpuMs?: number }[],
): void {
  for (const r of rows) {
    const ratio = r.ms / r.baselineMs;
    const target = r.targetMs === undefined ? '' : `  target <= ${r.targetMs} ms: ${r.ms <= r.targetMs ? 'met' : 'MISSED'}`;
    console.log(
      `${r.name.padEnd(28)} ${r.ms.toFixed(0).padStart(6)} ms   ${r.baselineName} ${r.baselineMs.toFixed(0).padStart(6)} ms   ratio ${ratio.toFixed(2)}x${target}`,
    );
    if (r.cpuMs !== undefined && r.baselineCpuMs !== undefined) {
      console.log(
        `${'  cpu (user+sys)'.padEnd(28)} ${r.cpuMs.toFixed(0).padStart(6)} ms   ${r.baselineName} ${r.baselineCpuMs.toFixed(0).padStart(6)} ms   ratio ${(r.cpuMs / r.baselineCpuMs).toFixed(2)}x`,
      );
    }
  }
}
