/**
 * Docker mode of `airflow-aws dev`: the project's image (built by `airflow-aws image build`), a PostgreSQL
 * container with a named volume (kept across `down` unless --purge), a private network, the DAG folder mounted
 * read-only so edits show up without a rebuild, the UI published on 127.0.0.1 only. Secrets reach containers
 * through 0600 env files (`--env-file`), never argv. Containers restart on crash (`--restart unless-stopped`); the
 * image's entrypoint waits (bounded) for the database, so a component started before PostgreSQL accepts
 * connections waits, and if the wait runs out, Docker restarts it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AirflowApi } from '../../adapters/airflow-api.js';
import { ensureStateDir, loadOrCreateSecrets, portFree, writePrivate, writeState } from '../../adapters/fs/dev-state.js';
import { runChecked, runProcess } from '../../adapters/proc/run-process.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { airflowEnv, envFileText, simpleAuthPasswordsJson } from '../../dev/airflow-env.js';
import { PARSE_SCRIPT, readParseOutput, type ParseResult } from '../../dev/parse.js';
import type { DevPaths } from '../../dev/paths.js';
import { allComponents, dockerNames, dockerPlan, type ContainerSpec, type DevComponent } from '../../dev/plan.js';
import type { DevState } from '../../dev/state.js';
import { UserError } from '../../errors/user-error.js';
import type { CommandContext } from '../context.js';
import { announce, waitHealthy } from './dev-shared.js';

/** PostgreSQL image of Docker mode; anything honouring the official image's POSTGRES_* variables and PGDATA works. */
export const DEFAULT_POSTGRES_IMAGE = 'postgres:16-bookworm';
const CONTAINER_AIRFLOW_HOME = '/opt/airflow';
const CONTAINER_API_PORT = 8080;
const SIMPLE_AUTH_DIR = '/opt/airflow-aws-dev/simple-auth';

export interface DockerUpOptions {
  readonly port: number;
  readonly waitSeconds: number;
  readonly image?: string;
  readonly postgresImage?: string;
}

/** Whether a Docker engine answers (client installed and daemon reachable), within a few seconds. */
export async function dockerEngineAnswers(): Promise<boolean> {
  try {
    const r = await runProcess('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 8000 });
    return r.exitCode === 0 && r.stdout.trim() !== '' && !r.stdout.includes('<no value>');
  } catch {
    return false;
  }
}

async function imageExists(ref: string): Promise<boolean> {
  return (await runProcess('docker', ['image', 'inspect', '--format', '{{.Id}}', ref])).exitCode === 0;
}

/**
 * The image to run: --image; else the project's current content-tagged image; else the newest local image of the
 * project's repository built for the same Airflow and Python (DAGs are mounted, so a DAG-only difference does not
 * matter). Undefined when none exists.
 */
export async function resolveImage(ctx: CommandContext, config: ResolvedConfig, explicit: string | undefined): Promise<string | undefined> {
  if (explicit) {
    if (!(await imageExists(explicit))) {
      throw new UserError(`image ${explicit} does not exist locally`, { code: 'IMAGE_NOT_FOUND', exitCode: 2, hint: 'build it with `airflow-aws image build`' });
    }
    return explicit;
  }
  try {
    const { prepareImage } = await import('./image-common.js');
    const prepared = await prepareImage(config);
    if (await imageExists(prepared.ref)) return prepared.ref;
  } catch (e) {
    ctx.out.debug(`current image tag unknown: ${(e as Error).message}`);
  }
  const repo = config.registry.repositoryName;
  const listed = await runProcess('docker', [
    'image',
    'ls',
    '--filter',
    `reference=${repo}`,
    '--filter',
    `label=org.apache.airflow.version=${config.airflow.version}`,
    '--filter',
    `label=io.airflow-aws.python=${config.airflow.python}`,
    '--format',
    '{{.Repository}}:{{.Tag}}',
  ]);
  const newest = listed.stdout.split('\n').map((l) => l.trim()).find((l) => l && !l.endsWith(':<none>'));
  if (newest) ctx.out.warn(`using ${newest}: the newest local image of ${repo}; run \`airflow-aws image build\` to match the current lock and plugins`);
  return newest;
}

export async function dockerUp(ctx: CommandContext, config: ResolvedConfig, paths: DevPaths, o: DockerUpOptions): Promise<number> {
  const image = await resolveImage(ctx, config, o.image);
  if (!image) {
    throw new UserError(`no image of ${config.registry.repositoryName} for Airflow ${config.airflow.version} / Python ${config.airflow.python} exists locally`, {
      code: 'DEV_IMAGE_MISSING',
      hint: 'build it with `airflow-aws image build` (same image as production), or run `airflow-aws dev up --native`',
    });
  }
  const postgresImage = o.postgresImage ?? DEFAULT_POSTGRES_IMAGE;
  if (!(await imageExists(postgresImage))) {
    const pull = await runProcess('docker', ['pull', postgresImage], { signal: ctx.signal, timeoutMs: 600_000 });
    if (pull.exitCode !== 0) {
      throw new UserError(`cannot get the PostgreSQL image ${postgresImage}`, {
        code: 'DEV_POSTGRES_IMAGE_MISSING',
        details: pull.tail.slice(-5),
        hint: 'pass --postgres-image with an image you have (it must honour POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB), or use --native',
      });
    }
  }
  if (!(await portFree(o.port))) {
    throw new UserError(`port ${o.port} on 127.0.0.1 is in use`, { code: 'PORT_IN_USE', exitCode: 2, hint: 'stop what uses it, or pick another port with --port' });
  }
  await ensureStateDir(paths);
  const { secrets, created } = await loadOrCreateSecrets(paths);
  const names = dockerNames(config.name);
  const label = names.label;
  await mkdir(paths.taskLogsDir, { recursive: true, mode: 0o700 });
  const simpleAuthHostDir = path.join(paths.stateDir, 'simple-auth');
  await mkdir(simpleAuthHostDir, { recursive: true, mode: 0o700 });
  if (config.airflow.auth === 'simple') await writePrivate(path.join(simpleAuthHostDir, 'passwords.json'), simpleAuthPasswordsJson(secrets));

  const env = airflowEnv({
    config,
    secrets,
    db: { host: 'postgres', port: 5432, user: 'airflow', database: 'airflow' },
    apiPort: CONTAINER_API_PORT,
    apiHost: '0.0.0.0',
    executionApiUrl: `http://api-server:${CONTAINER_API_PORT}/execution/`,
    baseUrl: `http://localhost:${o.port}`,
    airflowHome: CONTAINER_AIRFLOW_HOME,
    dagsFolder: `${CONTAINER_AIRFLOW_HOME}/dags`,
    pluginsFolder: `${CONTAINER_AIRFLOW_HOME}/plugins`,
    taskLogsFolder: `${CONTAINER_AIRFLOW_HOME}/logs`,
    simpleAuthPasswordsFile: `${SIMPLE_AUTH_DIR}/passwords.json`,
  });
  // The entrypoint's bounded database wait: long enough for a first initdb in the PostgreSQL container.
  env['AIRFLOW_AWS_DB_WAIT_SECONDS'] = '120';
  await writePrivate(paths.envFile, envFileText(env));
  const pgEnvFile = path.join(paths.stateDir, 'postgres.env');
  await writePrivate(pgEnvFile, envFileText({ POSTGRES_USER: 'airflow', POSTGRES_PASSWORD: secrets.postgresPassword, POSTGRES_DB: 'airflow' }));

  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const pluginsDir = path.resolve(config.projectDir, config.image.pluginsDir);
  const { existsSync } = await import('node:fs');
  const specs = dockerPlan({
    projectName: config.name,
    major: config.airflowMajor,
    airflowImage: image,
    postgresImage,
    envFile: paths.envFile,
    postgresEnvFile: pgEnvFile,
    hostDagsDir: path.resolve(config.projectDir, config.image.dagsDir),
    hostPluginsDir: existsSync(pluginsDir) ? pluginsDir : undefined,
    hostLogsDir: paths.taskLogsDir,
    containerDagsDir: `${CONTAINER_AIRFLOW_HOME}/dags`,
    containerPluginsDir: `${CONTAINER_AIRFLOW_HOME}/plugins`,
    containerLogsDir: `${CONTAINER_AIRFLOW_HOME}/logs`,
    apiPort: o.port,
    containerApiPort: CONTAINER_API_PORT,
    // The host user with group 0 (the image accepts any UID with GID 0): task logs stay the user's files.
    user: uid === undefined ? undefined : `${uid}:0`,
  });

  const stale = (await runProcess('docker', ['ps', '-aq', '--filter', `label=${label}`])).stdout.split('\n').filter(Boolean);
  if (stale.length) await runProcess('docker', ['rm', '-f', ...stale]);
  if ((await runProcess('docker', ['network', 'inspect', names.network])).exitCode !== 0) {
    await runChecked('docker', ['network', 'create', '--label', label, names.network], { what: 'creating the network', code: 'DOCKER_FAILED' });
  }
  if ((await runProcess('docker', ['volume', 'inspect', names.volume])).exitCode !== 0) {
    await runChecked('docker', ['volume', 'create', '--label', label, names.volume], { what: 'creating the database volume', code: 'DOCKER_FAILED' });
  }
  const redact = [secrets.postgresPassword, secrets.adminPassword, secrets.fernetKey, secrets.jwtSecret, secrets.apiSecretKey];
  const extraMounts = config.airflow.auth === 'simple' ? [{ source: simpleAuthHostDir, target: SIMPLE_AUTH_DIR, readOnly: false }] : [];

  const pg = specs[0]!;
  ctx.out.step(`starting PostgreSQL (${postgresImage})`);
  await runChecked('docker', runArgs(pg, names.network, label, [], true), { what: 'starting PostgreSQL', code: 'DOCKER_FAILED', redact });

  // One-shot steps, like the cluster's migration Job: the entrypoint waits for the database first.
  const oneShot = (args: string[], what: string, extraEnvFile?: string) =>
    runChecked(
      'docker',
      [
        'run', '--rm', '--network', names.network, '--label', label, '--env-file', paths.envFile,
        ...(extraEnvFile ? ['--env-file', extraEnvFile] : []),
        ...(uid === undefined ? [] : ['--user', `${uid}:0`]),
        image, ...args,
      ],
      { what, code: 'DEV_MIGRATE_FAILED', redact, signal: ctx.signal, tailLines: 30 },
    );
  ctx.out.step('migrating the metadata database (airflow db migrate)');
  await oneShot(['migrate'], 'airflow db migrate');
  if (config.airflowMajor === 2 || config.airflow.auth === 'fab') {
    const adminEnv = path.join(paths.stateDir, 'admin.env');
    await writePrivate(adminEnv, envFileText({ AIRFLOW_ADMIN_USERNAME: secrets.adminUser, AIRFLOW_ADMIN_PASSWORD: secrets.adminPassword }));
    await oneShot(['create-admin'], 'creating the admin user', adminEnv);
  }
  ctx.out.step(`starting the Airflow components from ${image}`);
  for (const spec of specs.slice(1)) {
    await runChecked('docker', runArgs(spec, names.network, label, extraMounts, false), { what: `starting ${spec.component}`, code: 'DOCKER_FAILED', redact });
  }
  const state: DevState = { version: 1, mode: 'docker', airflowMajor: config.airflowMajor, apiPort: o.port, startedAt: new Date().toISOString(), image };
  await writeState(paths, state);
  const api = new AirflowApi({ baseUrl: `http://127.0.0.1:${o.port}`, major: config.airflowMajor, username: secrets.adminUser, password: secrets.adminPassword });
  if (!(await waitHealthy(api, config.airflowMajor, o.waitSeconds * 1000, ctx.signal))) {
    throw new UserError(`the API did not report healthy within ${o.waitSeconds} s`, {
      code: 'DEV_UP_TIMEOUT',
      hint: 'see `airflow-aws dev logs` and `airflow-aws dev status`; stop with `airflow-aws dev down`',
    });
  }
  announce(ctx, state, secrets, created, paths.secretsFile);
  return 0;
}

function runArgs(
  spec: ContainerSpec,
  network: string,
  label: string,
  extraMounts: readonly { source: string; target: string; readOnly: boolean }[],
  isPostgres: boolean,
): string[] {
  const args = ['run', '--detach', '--name', spec.name, '--network', network, '--network-alias', spec.networkAlias, '--label', label];
  args.push('--label', `io.airflow-aws.dev.component=${spec.component}`, '--restart', 'unless-stopped');
  if (spec.envFile) args.push('--env-file', spec.envFile);
  if (spec.user) args.push('--user', spec.user);
  for (const m of [...spec.mounts, ...(isPostgres ? [] : extraMounts)]) {
    args.push('--mount', `type=${'volume' in m && m.volume ? 'volume' : 'bind'},source=${m.source},target=${m.target}${m.readOnly ? ',readonly' : ''}`);
  }
  // Loopback only: the dev UI must not be reachable from the network.
  for (const p of spec.ports) args.push('--publish', `127.0.0.1:${p.host}:${p.container}`);
  args.push(spec.image, ...spec.args);
  return args;
}

export async function imageForParse(ctx: CommandContext, config: ResolvedConfig): Promise<string | false> {
  return (await resolveImage(ctx, config, undefined)) ?? false;
}

export async function dockerParse(ctx: CommandContext, config: ResolvedConfig, image: string): Promise<ParseResult> {
  const dags = path.resolve(config.projectDir, config.image.dagsDir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const r = await runProcess(
    'docker',
    [
      'run', '--rm', '--network', 'none',
      '--mount', `type=bind,source=${dags},target=/opt/airflow/dags,readonly`,
      '--env', 'AIRFLOW__CORE__LOAD_EXAMPLES=False',
      '--env', 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:////tmp/parse.db',
      '--env', 'AIRFLOW_AWS_DB_WAIT_SECONDS=0',
      '--env', 'PYTHONDONTWRITEBYTECODE=1',
      ...(uid === undefined ? [] : ['--user', `${uid}:0`]),
      image, 'python', '-c', PARSE_SCRIPT, '/opt/airflow/dags',
    ],
    { signal: ctx.signal, tailLines: 30 },
  );
  try {
    return readParseOutput(r.stdout, '/opt/airflow/dags');
  } catch {
    throw new UserError('the DAG parser failed before reporting', { code: 'DAG_PARSE_CRASHED', details: r.tail.slice(-20) });
  }
}

export async function dockerComponentStates(projectName: string): Promise<{ name: string; state: string; pid: number | null; restarts: number }[]> {
  const names = dockerNames(projectName);
  const out: { name: string; state: string; pid: number | null; restarts: number }[] = [];
  for (const c of allComponents(3)) {
    const r = await runProcess('docker', ['inspect', '--format', '{{.State.Status}} {{.State.Pid}} {{.RestartCount}}', names.container(c)]);
    if (r.exitCode !== 0) continue;
    const [state, pid, restarts] = r.stdout.trim().split(' ');
    out.push({ name: c, state: state ?? 'unknown', pid: Number(pid) || null, restarts: Number(restarts) || 0 });
  }
  return out;
}

export async function dockerLogs(ctx: CommandContext, projectName: string, component: DevComponent | undefined, follow: boolean, tail: number): Promise<number> {
  const names = dockerNames(projectName);
  const targets = component ? [component] : allComponents(3);
  if (follow && targets.length > 1) {
    throw new UserError('-f follows one component in Docker mode', { code: 'BAD_FLAG', exitCode: 2, hint: 'e.g. `airflow-aws dev logs scheduler -f`' });
  }
  for (const c of targets) {
    const args = ['logs', '--tail', String(tail), ...(follow ? ['--follow'] : []), names.container(c)];
    await runProcess('docker', args, {
      signal: ctx.signal,
      onLine: (l) => ctx.out.data(targets.length > 1 ? `${c.padEnd(13)} | ${l}` : l),
    });
  }
  return 0;
}
