/**
 * `airflow-aws dev parse`: import every DAG like the DAG processor does and report import errors as
 * `dags/file.py:LINE: Error: message`; exit 1 when there are any. Needs no running environment (CI-friendly).
 * Python files that DAG discovery's safe mode skips are reported as warnings (`skipped` in --json): they do not
 * change the exit code, since a helper module without DAGs is legitimate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '../../adapters/proc/run-process.js';
import { scanDagFolder } from '../../adapters/fs/dag-folder.js';
import { defaultIgnoreSyntax } from '../../dev/dag-discovery.js';
import { formatProblem, PARSE_SCRIPT, readParseOutput, safeModeWarning, type ParseResult } from '../../dev/parse.js';
import { cleanBaseEnv } from '../../dev/plan.js';
import { UserError } from '../../errors/user-error.js';
import type { CommandContext } from '../context.js';
import { prepareVenv } from './dev-native.js';

export async function devParseCommand(ctx: CommandContext, o: { native: boolean; json: boolean; python?: string }): Promise<number> {
  const config = await ctx.config();
  const dagsDir = path.resolve(config.projectDir, config.image.dagsDir);
  const display = path.relative(ctx.cwd, dagsDir) || '.';
  // DagBag applies the same heuristic and .airflowignore, but does not say what it left out.
  const { skipped } = await scanDagFolder(dagsDir, { major: config.airflowMajor, syntax: defaultIgnoreSyntax(config.airflowMajor) });
  let result: ParseResult;
  const useDocker = !o.native && (await (await import('./dev-docker.js')).dockerEngineAnswers()) && (await (await import('./dev-docker.js')).imageForParse(ctx, config));
  if (useDocker) {
    result = await (await import('./dev-docker.js')).dockerParse(ctx, config, useDocker);
  } else {
    const { venv } = await prepareVenv(ctx, config, o.python);
    const home = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-parse-'));
    try {
      const r = await runProcess(venv.bin('python'), ['-c', PARSE_SCRIPT, dagsDir], {
        env: {
          ...cleanBaseEnv(process.env),
          AIRFLOW_HOME: home,
          AIRFLOW__CORE__DAGS_FOLDER: dagsDir,
          AIRFLOW__CORE__PLUGINS_FOLDER: path.resolve(config.projectDir, config.image.pluginsDir),
          AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
          // No database is needed to import DAGs; point Airflow at a throw-away SQLite file so nothing else is touched.
          AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${path.join(home, 'parse.db')}`,
          PYTHONDONTWRITEBYTECODE: '1',
        },
        signal: ctx.signal,
        tailLines: 30,
      });
      try {
        result = readParseOutput(r.stdout, dagsDir);
      } catch {
        throw new UserError('the DAG parser failed before reporting', { code: 'DAG_PARSE_CRASHED', details: r.tail.slice(-20) });
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }
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
