/**
 * Progress of the first-run virtualenv build, read from pip's own output, so the minutes it takes are not silent.
 * pip (`--progress-bar off`) prints one `Collecting <req> (from -r <lock> (line N))` per locked package, then
 * `Building wheel for ...` for any sdist, one `Installing collected packages: a, b, ...` line, then a quiet install
 * and `Successfully installed ...`. Pure: the caller feeds lines and the clock.
 */

export type VenvPhase = 'creating' | 'collecting' | 'building' | 'installing' | 'done';

export interface VenvProgress {
  readonly phase: VenvPhase;
  /** Requirements pip has collected so far. */
  readonly collected: number;
  /** Packages in the lock (what `collected` counts up to). */
  readonly total: number;
  /** What is being built, in the `building` phase. */
  readonly detail?: string;
}

export function startProgress(total: number): VenvProgress {
  return { phase: 'creating', collected: 0, total };
}

/** The progress after one line of pip output (unknown lines change nothing). */
export function advanceProgress(p: VenvProgress, line: string): VenvProgress {
  const text = line.trim();
  if (text.startsWith('Collecting ')) return { phase: 'collecting', collected: p.collected + 1, total: Math.max(p.total, p.collected + 1) };
  const building = /^Building wheels? for (?:collected packages: )?(.+?)(?: \(.*)?$/.exec(text);
  if (building) return { ...p, phase: 'building', detail: building[1]! };
  const installing = /^Installing collected packages: (.+)$/.exec(text);
  if (installing) return { phase: 'installing', collected: p.collected, total: installing[1]!.split(',').filter((s) => s.trim()).length };
  if (text.startsWith('Successfully installed ')) return { ...p, phase: 'done' };
  return p;
}

/** One status line: what, how far, and for how long, e.g. `virtualenv: collecting packages 57/212 (43 s)`. */
export function formatProgress(p: VenvProgress, elapsedMs: number): string {
  const secs = `${Math.floor(elapsedMs / 1000)} s`;
  switch (p.phase) {
    case 'creating':
      return `virtualenv: creating it (${secs})`;
    case 'collecting':
      return `virtualenv: collecting packages ${p.collected}/${p.total} (${secs})`;
    case 'building':
      return `virtualenv: building wheels for ${p.detail ?? 'source packages'} (${secs})`;
    case 'installing':
      return `virtualenv: installing ${p.total} packages (${secs})`;
    case 'done':
      return `virtualenv: installed ${p.total} packages (${secs})`;
  }
}

/**
 * Whether to print now: on a phase change at once, otherwise at most once per `intervalMs` (a log file or CI
 * output must not get a line per package).
 */
export function progressDue(last: { readonly atMs: number; readonly phase: VenvPhase } | undefined, nowMs: number, phase: VenvPhase, intervalMs: number): boolean {
  return !last || last.phase !== phase || nowMs - last.atMs >= intervalMs;
}
