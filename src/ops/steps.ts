/**
 * Multi-step operations (up, and later down/pause) as a list of named steps. Each step describes itself — what it
 * would change, read-only, for the plan and the confirmation prompt — and does itself. The runner only sequences
 * them and turns what they report into events; rendering is the CLI's job (eksctl's Describe/Do, without a
 * framework).
 */

/** What a step would do, read-only. */
export interface StepDescription {
  /** One-line verdict, e.g. "update 3 resources" or "no changes". */
  readonly summary: string;
  /** Whether doing the step would change anything. */
  readonly changes: boolean;
  /** Detail lines (the diff, the objects, the reasons). */
  readonly details: readonly string[];
  /** Changes that lose data or identity unless the user acts (replacing a database, a bucket, the cluster). */
  readonly dangers: readonly string[];
  /** Machine-readable detail for --json. */
  readonly data?: unknown;
}

/** What a step did. */
export interface StepOutcome {
  readonly changed: boolean;
  readonly summary: string;
  readonly data?: unknown;
}

export type StepEvent =
  | { readonly type: 'start'; readonly step: string; readonly title: string }
  | { readonly type: 'progress'; readonly step: string; readonly message: string; readonly done?: number; readonly total?: number }
  | { readonly type: 'note'; readonly step: string; readonly level: 'info' | 'warn'; readonly message: string }
  | { readonly type: 'done'; readonly step: string; readonly outcome: StepOutcome; readonly ms: number }
  | { readonly type: 'failed'; readonly step: string; readonly error: unknown; readonly ms: number };

/** How a running step reports; bound to the step's id by the runner. */
export interface StepReporter {
  progress(message: string, counts?: { done: number; total?: number }): void;
  info(message: string): void;
  warn(message: string): void;
}

export interface Step<C> {
  readonly id: string;
  readonly title: string;
  describe(ctx: C): Promise<StepDescription>;
  run(ctx: C, report: StepReporter): Promise<StepOutcome>;
}

export interface DescribedStep {
  readonly id: string;
  readonly title: string;
  readonly description: StepDescription;
}

export async function describeSteps<C>(steps: readonly Step<C>[], ctx: C): Promise<DescribedStep[]> {
  const out: DescribedStep[] = [];
  // In order: a later step's description may read what an earlier one found (e.g. the stack's outputs).
  for (const s of steps) out.push({ id: s.id, title: s.title, description: await s.describe(ctx) });
  return out;
}

export interface StepResult {
  readonly id: string;
  readonly title: string;
  readonly outcome: StepOutcome;
  readonly ms: number;
}

/** Runs the steps in order; the first failure stops the run and is rethrown after its event. */
export async function runSteps<C>(steps: readonly Step<C>[], ctx: C, emit: (e: StepEvent) => void, now: () => number = Date.now): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const s of steps) {
    const started = now();
    emit({ type: 'start', step: s.id, title: s.title });
    const report: StepReporter = {
      progress: (message, counts) => emit({ type: 'progress', step: s.id, message, ...(counts ?? {}) }),
      info: (message) => emit({ type: 'note', step: s.id, level: 'info', message }),
      warn: (message) => emit({ type: 'note', step: s.id, level: 'warn', message }),
    };
    try {
      const outcome = await s.run(ctx, report);
      const ms = now() - started;
      emit({ type: 'done', step: s.id, outcome, ms });
      results.push({ id: s.id, title: s.title, outcome, ms });
    } catch (error) {
      emit({ type: 'failed', step: s.id, error, ms: now() - started });
      throw error;
    }
  }
  return results;
}

/** A description of a step that will change nothing. */
export function unchanged(summary = 'no changes', data?: unknown): StepDescription {
  return { summary, changes: false, details: [], dangers: [], ...(data === undefined ? {} : { data }) };
}
