/**
 * `dev parse`: import every DAG like the DAG processor does and collect the import errors, in the project's image
 * when a Docker engine answers and the image exists, in the lock's virtualenv otherwise. Needs no running
 * environment (CI-friendly).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DockerCli } from '../../adapters/docker/docker-cli.js';
import { scanDagFolder } from '../../adapters/fs/dag-folder.js';
import { runProcess, type RunResult } from '../../adapters/proc/run-process.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { defaultIgnoreSyntax } from '../../dev/dag-discovery.js';
import { PARSE_SCRIPT, readParseOutput, type ParseResult } from '../../dev/parse.js';
import { cleanBaseEnv } from '../../dev/plan.js';
import { UserError } from '../../errors/user-error.js';
import type { DevOpContext } from './context.js';
import { resolveImage, type CurrentImageRef } from './docker-image.js';
import { prepareVenv } from './venv.js';

export interface ParseOptions {
  /** Use the virtualenv even when a Docker engine answers. */
  readonly native: boolean;
  readonly python?: string;
  readonly currentImageRef: CurrentImageRef;
}

export interface DagParse {
  readonly result: ParseResult;
  /** Python files of the DAG folder that DAG discovery's safe mode skips (relative to it). */
  readonly skipped: readonly string[];
  /** The DAG folder as the user sees it (relative to where they ran the command). */
  readonly display: string;
}

const CONTAINER_DAGS = '/opt/airflow/dags';

export async function parseDags(ctx: DevOpContext, config: ResolvedConfig, o: ParseOptions): Promise<DagParse> {
  const dagsDir = path.resolve(config.projectDir, config.image.dagsDir);
  const display = path.relative(ctx.cwd, dagsDir) || '.';
  // DagBag applies the same heuristic and .airflowignore, but does not say what it left out.
  const { skipped } = await scanDagFolder(dagsDir, { major: config.airflowMajor, syntax: defaultIgnoreSyntax(config.airflowMajor) });
  const docker = new DockerCli({ signal: ctx.signal });
  const image = !o.native && (await docker.engineAnswers()) ? await resolveImage(docker, ctx.log, config, o.currentImageRef, undefined) : undefined;
  const result = image ? await parseInImage(docker, dagsDir, image) : await parseInVenv(ctx, config, dagsDir, o.python);
  return { result, skipped, display };
}

async function parseInImage(docker: DockerCli, dagsDir: string, image: string): Promise<ParseResult> {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const r = await docker.runOnce(
    {
      image,
      args: ['python', '-c', PARSE_SCRIPT, CONTAINER_DAGS],
      network: 'none',
      mounts: [{ source: dagsDir, target: CONTAINER_DAGS, readOnly: true }],
      env: {
        AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: 'sqlite:////tmp/parse.db',
        AIRFLOW_AWS_DB_WAIT_SECONDS: '0',
        PYTHONDONTWRITEBYTECODE: '1',
      },
      ...(uid === undefined ? {} : { user: `${uid}:0` }),
    },
    { tailLines: 30 },
  );
  return readOrCrash(r, CONTAINER_DAGS);
}

async function parseInVenv(ctx: DevOpContext, config: ResolvedConfig, dagsDir: string, python: string | undefined): Promise<ParseResult> {
  const { venv } = await prepareVenv(ctx.log, ctx.signal, config, python);
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
    return readOrCrash(r, dagsDir);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function readOrCrash(r: RunResult, dagsDir: string): ParseResult {
  try {
    return readParseOutput(r.stdout, dagsDir);
  } catch {
    throw new UserError('the DAG parser failed before reporting', { code: 'DAG_PARSE_CRASHED', details: r.tail.slice(-20) });
  }
}
