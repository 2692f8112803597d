/**
 * A throw-away airflow-aws project for image tests and benches: config, a DAG, then `image lock`, a wheelhouse
 * cached by lock hash under the machine cache (HTTPS from inside containers fails on our machines, so the
 * wheelhouse path is the tested path), and `image build` — all through the real CLI.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from './cli.js';

export const CACHE_DIR = process.env['AIRFLOW_AWS_CACHE'] ?? '/var/cache/airflow-aws';

export interface ImageProject {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  cli(args: readonly string[], killAfterMs?: number, env?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** Lock text (after `lock()`). */
  lockText(): Promise<string>;
  /** Runs `image lock`, throws with its output on failure. */
  lock(): Promise<void>;
  /** Fills (or reuses) the wheelhouse for the current lock; returns its directory. */
  wheelhouse(): Promise<string>;
}

export const HELLO_DAG = `from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def hello():
    @task
    def say():
        print("hello")

    say()


hello()
`;

export async function createImageProject(opts: {
  airflowVersion: string;
  python: string;
  auth?: 'fab' | 'simple';
  name?: string;
  /** More DAG files next to hello.py, by file name (they change the image's DAG layer and content tag). */
  extraDags?: Readonly<Record<string, string>>;
  /** YAML appended to airflow-aws.yaml (top-level keys), e.g. `dags:\n  source: s3\n`. */
  extraConfig?: string;
}): Promise<ImageProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-imgproj-'));
  await mkdir(path.join(dir, 'dags'));
  await writeFile(path.join(dir, 'dags', 'hello.py'), HELLO_DAG);
  for (const [file, text] of Object.entries(opts.extraDags ?? {})) await writeFile(path.join(dir, 'dags', file), text);
  await writeFile(
    path.join(dir, 'airflow-aws.yaml'),
    [
      `name: ${opts.name ?? 'imgtest'}`,
      'region: us-east-1',
      'airflow:',
      `  version: ${opts.airflowVersion}`,
      `  python: "${opts.python}"`,
      `  auth: ${opts.auth ?? 'fab'}`,
      ...(opts.extraConfig ? [opts.extraConfig.trimEnd()] : []),
      '',
    ].join('\n'),
  );
  const env = { AIRFLOW_AWS_CACHE: CACHE_DIR };
  const project: ImageProject = {
    dir,
    env,
    cli: (args, killAfterMs = 600_000, extra = {}) => runCli(args, { cwd: dir, env: { ...env, ...extra }, killAfterMs }),
    lockText: () => readFile(path.join(dir, 'airflow-aws.lock'), 'utf8'),
    async lock() {
      const r = await project.cli(['image', 'lock'], 300_000);
      if (r.code !== 0) throw new Error(`image lock failed (${r.code}):\n${r.stderr}`);
    },
    async wheelhouse() {
      const key = createHash('sha256').update(await project.lockText()).digest('hex').slice(0, 16);
      const out = path.join(CACHE_DIR, 'wheelhouse', key);
      // Keyed by the lock's hash: a complete wheelhouse for this exact lock is reused without asking PyPI again.
      const marker = path.join(out, '.complete');
      if (existsSync(marker)) return out;
      const r = await project.cli(['image', 'wheelhouse', '--out', out], 900_000);
      if (r.code !== 0) throw new Error(`image wheelhouse failed (${r.code}):\n${r.stderr}`);
      await writeFile(marker, '');
      return out;
    },
  };
  return project;
}

export interface BuildResult {
  readonly image: string;
  readonly tag: string;
  readonly id: string;
  readonly sizeBytes: number;
  readonly builder: string;
  readonly built: boolean;
  readonly builderImage: string;
  readonly builderBuilt: boolean;
  readonly seconds: number;
}

export async function buildImage(project: ImageProject, args: readonly string[]): Promise<BuildResult> {
  const r = await project.cli(['image', 'build', '--json', ...args], 1_800_000);
  if (r.code !== 0) throw new Error(`image build failed (${r.code}):\n${r.stderr.slice(-6000)}`);
  return JSON.parse(r.stdout) as BuildResult;
}
