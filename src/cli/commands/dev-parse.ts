/**
 * `airflow-aws dev parse`: report the DAG folder's import errors as `dags/file.py:LINE: Error: message`; exit 1 when
 * there are any (src/ops/dev/parse.ts imports the DAGs). Python files that DAG discovery's safe mode skips are
 * reported as warnings (`skipped` in --json): they do not change the exit code, since a helper module without DAGs
 * is legitimate.
 */
import path from 'node:path';
import { formatProblem, safeModeWarning } from '../../dev/parse.js';
import { parseDags } from '../../ops/dev/parse.js';
import type { CommandContext } from '../context.js';
import { currentImageRef, devContext } from './dev-context.js';

export async function devParseCommand(ctx: CommandContext, o: { native: boolean; json: boolean; python?: string }): Promise<number> {
  const config = await ctx.config();
  const { result, skipped, display } = await parseDags(devContext(ctx), config, {
    native: o.native,
    currentImageRef: currentImageRef(config),
    ...(o.python ? { python: o.python } : {}),
  });
  for (const rel of skipped) ctx.out.warn(safeModeWarning(rel, display));
  if (skipped.length) ctx.out.info('  Airflow imports only Python files that mention both "airflow" and "dag" ([core] dag_discovery_safe_mode)');
  if (o.json) {
    ctx.out.dataJson({
      dags: result.dags.map((d) => d.dag_id),
      import_errors: result.problems.map((p) => ({ file: path.join(display, p.file), line: p.line ?? null, message: p.message, traceback: p.traceback })),
      skipped: skipped.map((rel) => path.join(display, rel)),
    });
  } else {
    for (const p of result.problems) {
      ctx.out.data(formatProblem(p, display));
      if (ctx.out.verbose) ctx.out.info(p.traceback.split('\n').map((l) => `    ${l}`).join('\n'));
    }
    ctx.out.info(`${result.dags.length} DAG(s) imported from ${display}/, ${result.problems.length} import error(s)`);
  }
  return result.problems.length ? 1 : 0;
}
