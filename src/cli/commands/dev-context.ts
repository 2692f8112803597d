/**
 * What the `dev` commands hand to the operations in src/ops/dev: the cancellation signal, a log bound to this
 * command's output, and the renderer of step events (progress lines as before; step boundaries and timings with
 * --verbose only).
 */
import type { ResolvedConfig } from '../../config/resolved.js';
import type { DevLog, DevOpContext } from '../../ops/dev/context.js';
import type { CurrentImageRef } from '../../ops/dev/docker-image.js';
import type { StepEvent } from '../../ops/steps.js';
import type { Output } from '../../ui/output.js';
import type { CommandContext } from '../context.js';

export function devContext(ctx: CommandContext): DevOpContext {
  const out = ctx.out;
  return { signal: ctx.signal, cwd: ctx.cwd, log: devLog(out), emit: (e) => renderStepEvent(out, e) };
}

function devLog(out: Output): DevLog {
  return {
    step: (m) => out.step(m),
    info: (m) => out.info(m),
    warn: (m) => out.warn(m),
    success: (m) => out.success(m),
    debug: (m) => out.debug(m),
    verbose: out.verbose,
    terminal: out.terminal,
    // With --verbose, debug lines would land under a line being rewritten.
    live: out.terminal && !out.verbose,
    rewrite: (text) => out.progressStream.write(`\r\u001b[2K${text}`),
    endRewrite: () => out.progressStream.write('\n'),
  };
}

function renderStepEvent(out: Output, e: StepEvent): void {
  switch (e.type) {
    case 'start':
      out.debug(`${e.step}: ${e.title}`);
      break;
    case 'progress':
      out.step(e.message);
      break;
    case 'note':
      if (e.level === 'warn') out.warn(e.message);
      else out.info(e.message);
      break;
    case 'done':
      out.debug(`${e.step}: ${e.outcome.summary} (${(e.ms / 1000).toFixed(1)} s)`);
      break;
    case 'failed':
      // The error itself is reported once, at the CLI's edge.
      out.debug(`${e.step}: failed after ${(e.ms / 1000).toFixed(1)} s`);
      break;
  }
}

/** The project's current image tag, as `image build` computes it (the image commands own that computation). */
export function currentImageRef(config: ResolvedConfig): CurrentImageRef {
  return async () => (await (await import('./image-common.js')).prepareImage(config)).ref;
}
