/**
 * `dev up` in Docker mode: the project's image (built by `airflow-aws image build`), a PostgreSQL container with a
 * named volume (kept across `down` unless --purge), a private network, the DAG folder mounted read-only so edits
 * show up without a rebuild, the UI published on 127.0.0.1 only. Secrets reach containers through 0600 env files
 * (`--env-file`), never argv. Containers restart on crash (`--restart unless-stopped`); the image's entrypoint waits
 * (bounded) for the database, so a component started before PostgreSQL accepts connections waits, and if the wait
 * runs out, Docker restarts it.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AirflowApi } from '../../adapters/airflow-api.js';
import type { DockerCli, ServiceContainer } from '../../adapters/docker/docker-cli.js';
import { ensureStateDir, loadOrCreateSecrets, portFree, writePrivate, writeState } from '../../adapters/fs/dev-state.js';
import { devLogStore } from '../../airflow/remote-logs.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { airflowEnv, envFileText, simpleAuthPasswordsJson } from '../../dev/airflow-env.js';
import type { DevPaths } from '../../dev/paths.js';
import { dockerNames, dockerPlan, type ContainerSpec, type DockerNames } from '../../dev/plan.js';
import type { DevSecrets } from '../../dev/secrets.js';
import type { DevState } from '../../dev/state.js';
import { UserError } from '../../errors/user-error.js';
import { runSteps, unchanged, type Step } from '../steps.js';
import { changes, stepLog, type DevOpContext, type DevUp } from './context.js';
import { resolveImage, type CurrentImageRef } from './docker-image.js';
import { waitHealthy } from './project.js';

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
  readonly currentImageRef: CurrentImageRef;
}

/** What the steps find and make, for the steps after them; each field is set by the step named beside it. */
class DockerRun {
  /** image */
  image!: string;
  /** prepare */
  secrets!: DevSecrets;
  created = false;
  specs!: ContainerSpec[];
  simpleAuthHostDir!: string;
  redact!: string[];
  /** components: what `status`, `logs` and `down` read. */
  state!: DevState;
  readonly names: DockerNames;
  readonly postgresImage: string;
  /** The host user with group 0 (the image accepts any UID with GID 0): files the containers write stay the user's. */
  readonly user: string | undefined;

  constructor(
    readonly ctx: DevOpContext,
    readonly docker: DockerCli,
    readonly config: ResolvedConfig,
    readonly paths: DevPaths,
    readonly opts: DockerUpOptions,
  ) {
    this.names = dockerNames(config.name);
    this.postgresImage = opts.postgresImage ?? DEFAULT_POSTGRES_IMAGE;
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    this.user = uid === undefined ? undefined : `${uid}:0`;
  }

  /** A container of the plan as the engine runs it: on the project's network, labelled for `down` and `status`. */
  service(spec: ContainerSpec, withExtraMounts: boolean): ServiceContainer {
    const extraMounts =
      withExtraMounts && this.config.airflow.auth === 'simple' ? [{ source: this.simpleAuthHostDir, target: SIMPLE_AUTH_DIR, readOnly: false }] : [];
    return {
      name: spec.name,
      image: spec.image,
      args: spec.args,
      network: this.names.network,
      networkAlias: spec.networkAlias,
      labels: [this.names.label, `io.airflow-aws.dev.component=${spec.component}`],
      ...(spec.envFile ? { envFile: spec.envFile } : {}),
      ...(spec.user ? { user: spec.user } : {}),
      mounts: [...spec.mounts, ...extraMounts],
      ports: spec.ports,
    };
  }
}

const imageStep: Step<DockerRun> = {
  id: 'image',
  title: 'Airflow and PostgreSQL images',
  describe: async () => changes('pull the PostgreSQL image unless it exists'),
  async run(r, report) {
    const { config, docker } = r;
    const image = await resolveImage(docker, stepLog(r.ctx.log, report), config, r.opts.currentImageRef, r.opts.image);
    if (!image) {
      throw new UserError(`no image of ${config.registry.repositoryName} for Airflow ${config.airflow.version} / Python ${config.airflow.python} exists locally`, {
        code: 'DEV_IMAGE_MISSING',
        hint: 'build it with `airflow-aws image build` (same image as production), or run `airflow-aws dev up --native`',
      });
    }
    r.image = image;
    if (await docker.imageExists(r.postgresImage)) return { changed: false, summary: image };
    const pull = await docker.pull(r.postgresImage, 600_000);
    if (pull.exitCode !== 0) {
      throw new UserError(`cannot get the PostgreSQL image ${r.postgresImage}`, {
        code: 'DEV_POSTGRES_IMAGE_MISSING',
        details: pull.tail.slice(-5),
        hint: 'pass --postgres-image with an image you have (it must honour POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB), or use --native',
      });
    }
    return { changed: true, summary: `${image}; pulled ${r.postgresImage}` };
  },
};

const prepareStep: Step<DockerRun> = {
  id: 'prepare',
  title: 'secrets, environment files and containers to run',
  describe: async () => changes('write the 0600 env files'),
  async run(r, report) {
    const { config, paths, opts } = r;
    // storage.endpointUrl is usually a loopback URL, which inside a container is the container itself.
    if (devLogStore(config)) report.warn('storage.devBucket: remote task logs are wired in native mode only (dev up --native); task logs stay in the containers');
    if (!(await portFree(opts.port))) {
      throw new UserError(`port ${opts.port} on 127.0.0.1 is in use`, { code: 'PORT_IN_USE', exitCode: 2, hint: 'stop what uses it, or pick another port with --port' });
    }
    await ensureStateDir(paths);
    const { secrets, created } = await loadOrCreateSecrets(paths);
    r.secrets = secrets;
    r.created = created;
    await mkdir(paths.taskLogsDir, { recursive: true, mode: 0o700 });
    r.simpleAuthHostDir = path.join(paths.stateDir, 'simple-auth');
    await mkdir(r.simpleAuthHostDir, { recursive: true, mode: 0o700 });
    if (config.airflow.auth === 'simple') await writePrivate(path.join(r.simpleAuthHostDir, 'passwords.json'), simpleAuthPasswordsJson(secrets));

    const env = airflowEnv({
      config,
      secrets,
      db: { host: 'postgres', port: 5432, user: 'airflow', database: 'airflow' },
      apiPort: CONTAINER_API_PORT,
      apiHost: '0.0.0.0',
      executionApiUrl: `http://api-server:${CONTAINER_API_PORT}/execution/`,
      baseUrl: `http://localhost:${opts.port}`,
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

    const pluginsDir = path.resolve(config.projectDir, config.image.pluginsDir);
    r.specs = dockerPlan({
      projectName: config.name,
      major: config.airflowMajor,
      airflowImage: r.image,
      postgresImage: r.postgresImage,
      envFile: paths.envFile,
      postgresEnvFile: pgEnvFile,
      hostDagsDir: path.resolve(config.projectDir, config.image.dagsDir),
      hostPluginsDir: existsSync(pluginsDir) ? pluginsDir : undefined,
      hostLogsDir: paths.taskLogsDir,
      containerDagsDir: `${CONTAINER_AIRFLOW_HOME}/dags`,
      containerPluginsDir: `${CONTAINER_AIRFLOW_HOME}/plugins`,
      containerLogsDir: `${CONTAINER_AIRFLOW_HOME}/logs`,
      apiPort: opts.port,
      containerApiPort: CONTAINER_API_PORT,
      user: r.user,
    });
    r.redact = [secrets.postgresPassword, secrets.adminPassword, secrets.fernetKey, secrets.jwtSecret, secrets.apiSecretKey];
    return { changed: true, summary: `${r.specs.length} containers planned` };
  },
};

const networkStep: Step<DockerRun> = {
  id: 'network',
  title: 'network and database volume',
  describe: async () => changes('replace leftover containers; create the network and volume unless they exist'),
  async run(r) {
    const { docker, names } = r;
    // Containers of an earlier start that was not stopped with `dev down` would hold the names and the port.
    const stale = await docker.containersWithLabel(names.label);
    if (stale.length) await docker.removeContainers(stale);
    await docker.ensureNetwork(names.network, names.label);
    await docker.ensureVolume(names.volume, names.label, 'creating the database volume');
    return { changed: stale.length > 0, summary: `${names.network}, ${names.volume}` };
  },
};

const postgresStep: Step<DockerRun> = {
  id: 'postgres',
  title: 'PostgreSQL container',
  describe: async () => changes('start the PostgreSQL container'),
  async run(r, report) {
    report.progress(`starting PostgreSQL (${r.postgresImage})`);
    await r.docker.startService(r.service(r.specs[0]!, false), 'starting PostgreSQL', r.redact);
    return { changed: true, summary: 'started' };
  },
};

const migrateStep: Step<DockerRun> = {
  id: 'migrate',
  title: 'metadata database',
  describe: async () => changes('migrate the metadata database'),
  async run(r, report) {
    const { config, paths, secrets } = r;
    // One-shot steps, like the cluster's migration Job: the entrypoint waits for the database first.
    const oneShot = (args: string[], what: string, extraEnvFile?: string) =>
      r.docker.runOnce(
        {
          image: r.image,
          args,
          network: r.names.network,
          labels: [r.names.label],
          envFiles: [paths.envFile, ...(extraEnvFile ? [extraEnvFile] : [])],
          ...(r.user ? { user: r.user } : {}),
        },
        { redact: r.redact, tailLines: 30, check: { what, code: 'DEV_MIGRATE_FAILED' } },
      );
    report.progress('migrating the metadata database (airflow db migrate)');
    await oneShot(['migrate'], 'airflow db migrate');
    if (config.airflowMajor === 2 || config.airflow.auth === 'fab') {
      const adminEnv = path.join(paths.stateDir, 'admin.env');
      await writePrivate(adminEnv, envFileText({ AIRFLOW_ADMIN_USERNAME: secrets.adminUser, AIRFLOW_ADMIN_PASSWORD: secrets.adminPassword }));
      await oneShot(['create-admin'], 'creating the admin user', adminEnv);
    }
    return { changed: true, summary: 'migrated' };
  },
};

const componentsStep: Step<DockerRun> = {
  id: 'components',
  title: 'Airflow components',
  describe: async () => changes('start the Airflow containers'),
  async run(r, report) {
    report.progress(`starting the Airflow components from ${r.image}`);
    for (const spec of r.specs.slice(1)) await r.docker.startService(r.service(spec, true), `starting ${spec.component}`, r.redact);
    const { config, opts } = r;
    r.state = { version: 1, mode: 'docker', airflowMajor: config.airflowMajor, apiPort: opts.port, startedAt: new Date().toISOString(), image: r.image };
    await writeState(r.paths, r.state);
    return { changed: true, summary: `${r.specs.length - 1} started` };
  },
};

const healthyStep: Step<DockerRun> = {
  id: 'healthy',
  title: 'API health',
  describe: async () => unchanged('read-only'),
  async run(r) {
    const { opts, secrets, config } = r;
    const api = new AirflowApi({ baseUrl: `http://127.0.0.1:${opts.port}`, major: config.airflowMajor, username: secrets.adminUser, password: secrets.adminPassword });
    if (!(await waitHealthy(api, config.airflowMajor, opts.waitSeconds * 1000, r.ctx.signal))) {
      throw new UserError(`the API did not report healthy within ${opts.waitSeconds} s`, {
        code: 'DEV_UP_TIMEOUT',
        hint: 'see `airflow-aws dev logs` and `airflow-aws dev status`; stop with `airflow-aws dev down`',
      });
    }
    return { changed: false, summary: 'healthy' };
  },
};

/** Starts the containers and returns once the API is healthy; they keep running until `dev down`. */
export async function dockerUp(ctx: DevOpContext, docker: DockerCli, config: ResolvedConfig, paths: DevPaths, opts: DockerUpOptions): Promise<DevUp> {
  const r = new DockerRun(ctx, docker, config, paths, opts);
  await runSteps([imageStep, prepareStep, networkStep, postgresStep, migrateStep, componentsStep, healthyStep], r, ctx.emit);
  return { state: r.state, secrets: r.secrets, firstTime: r.created, secretsFile: paths.secretsFile };
}
