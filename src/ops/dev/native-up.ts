/**
 * `dev up --native` in the foreground: PostgreSQL from the machine, Airflow from a virtualenv built from the lock,
 * every process supervised by this process until the user stops it (Ctrl-C, SIGTERM, `dev down`). Preparing is a
 * list of steps; once the supervisor runs, the database and the components are steps too, inside the try whose
 * finally stops everything.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AirflowApi } from '../../adapters/airflow-api.js';
import { ensureStateDir, freePort, loadOrCreateSecrets, portFree, readState, removeState, writePrivate, writeState } from '../../adapters/fs/dev-state.js';
import {
  ensureCluster,
  ensureDatabase,
  findPostgres,
  postgresArgv,
  postgresReady,
  postgresRunAs,
  type PostgresInstall,
  type RunAs,
} from '../../adapters/postgres/native.js';
import { pause } from '../../adapters/proc/pause.js';
import { identify } from '../../adapters/proc/process-identity.js';
import { runChecked } from '../../adapters/proc/run-process.js';
import { Supervisor } from '../../adapters/proc/supervisor.js';
import { OIDC_PROVIDER, redirectPath, renderWebserverConfig, ssoOf } from '../../airflow/fab-oidc.js';
import { devLogStore } from '../../airflow/remote-logs.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { airflowConfigFile, airflowEnv, CONTROLLED_AIRFLOW_CFG, simpleAuthPasswordsJson } from '../../dev/airflow-env.js';
import { hasPackage } from '../../dev/lock.js';
import type { DevPaths } from '../../dev/paths.js';
import { dagBundleEnvironment, type BundleTarget } from '../../dags/bundle.js';
import { cleanBaseEnv, nativePlan } from '../../dev/plan.js';
import type { DevSecrets } from '../../dev/secrets.js';
import type { DevState } from '../../dev/state.js';
import { UserError } from '../../errors/user-error.js';
import { runSteps, unchanged, type Step } from '../steps.js';
import { changes, stepLog, type DevOpContext, type DevUp } from './context.js';
import { cleanupStale, postgresDataDir, rememberPostgresDataDir, supervisorRunning } from './native-state.js';
import { nativeEnvInput, simpleAuthFile } from './native-env.js';
import { waitHealthy } from './project.js';
import { prepareVenv, type NativeEnvironment } from './venv.js';
import type { SecretsBackendClient } from '../../config/secrets-backend.js';

export interface NativeUpOptions {
  readonly port: number;
  readonly python?: string;
  /** Seconds to wait for a healthy API before reporting failure (the processes keep running). */
  readonly waitSeconds: number;
  /** Whether the secrets this start creates may be shown (not when a detached copy of the CLI runs it). */
  readonly mayShowSecrets: boolean;
  /** Airflow's Secrets Manager backend for this run (see AirflowEnvInput.secretsBackend). */
  readonly secretsBackend?: SecretsBackendClient;
  /** Read DAGs from this S3 bundle (the cluster's settings) instead of the project's folder. */
  readonly dagBundle?: BundleTarget;
}

/** What the steps find and make, for the steps after them; each field is set by the step named beside it. */
class NativeRun {
  /** venv */
  env!: NativeEnvironment;
  /** postgres */
  install!: PostgresInstall;
  dataDir!: string;
  pgPort!: number;
  runAs: RunAs | undefined;
  /** configure */
  airflowEnv!: Record<string, string>;
  supervisor!: Supervisor;
  baseState!: DevState;
  lastWrite: Promise<void> = Promise.resolve();
  /** database: the supervisor starts the Airflow components only once the database is migrated. */
  migrated = false;
  /** Set before the supervisor starts; aborts on Ctrl-C, SIGTERM and SIGHUP. */
  stop!: AbortSignal;
  healthy = false;

  constructor(
    readonly ctx: DevOpContext,
    readonly config: ResolvedConfig,
    readonly paths: DevPaths,
    readonly opts: NativeUpOptions,
    readonly secrets: DevSecrets,
  ) {}
}

const checkStep: Step<NativeRun> = {
  id: 'check',
  title: 'check that this project has no local Airflow running',
  describe: async () => unchanged('read-only'),
  async run(r, report) {
    const previous = await readState(r.paths);
    if (previous) {
      const log = stepLog(r.ctx.log, report);
      if (supervisorRunning(previous, log)) {
        throw new UserError(`a local Airflow is already running for this project (pid ${previous.supervisorPid})`, {
          code: 'DEV_ALREADY_RUNNING',
          hint: 'see `airflow-aws dev status`, or stop it with `airflow-aws dev down`',
        });
      }
      if (previous.mode === 'native') await cleanupStale(r.paths, previous, log);
    }
    if (!(await portFree(r.opts.port))) {
      throw new UserError(`port ${r.opts.port} on 127.0.0.1 is in use`, {
        code: 'PORT_IN_USE',
        exitCode: 2,
        hint: 'stop what uses it, or pick another port with --port',
      });
    }
    return { changed: previous !== undefined, summary: previous ? 'cleaned up after a stopped environment' : 'nothing running' };
  },
};

const venvStep: Step<NativeRun> = {
  id: 'venv',
  title: 'virtualenv from the lock',
  describe: async () => changes('build the virtualenv unless the lock\'s one exists'),
  async run(r, report) {
    r.env = await prepareVenv(stepLog(r.ctx.log, report), r.ctx.signal, r.config, r.opts.python);
    if (r.config.airflow.auth === 'fab' && r.config.airflowMajor === 3 && !hasPackage(r.env.lock.lock, 'apache-airflow-providers-fab')) {
      throw new UserError('airflow.auth is fab, but the lock has no apache-airflow-providers-fab', {
        code: 'LOCK_STALE',
        exitCode: 2,
        hint: 'run `airflow-aws image lock` again',
      });
    }
    if (ssoOf(r.config) && !hasPackage(r.env.lock.lock, 'authlib')) {
      throw new UserError('auth.oidc needs FAB\'s OAuth client (Authlib), but the lock has none', {
        code: 'LOCK_STALE',
        exitCode: 2,
        hint: 'run `airflow-aws image lock` again',
      });
    }
    if (devLogStore(r.config) && !hasPackage(r.env.lock.lock, 'apache-airflow-providers-amazon')) {
      throw new UserError('storage.devBucket turns on remote task logs, but the lock has no apache-airflow-providers-amazon', {
        code: 'LOCK_STALE',
        exitCode: 2,
        hint: 'run `airflow-aws image lock` again (the amazon provider is part of every lock it writes)',
      });
    }
    return { changed: false, summary: r.env.venv.dir };
  },
};

const postgresStep: Step<NativeRun> = {
  id: 'postgres',
  title: 'PostgreSQL cluster',
  describe: async () => changes('create the cluster unless it exists'),
  async run(r, report) {
    r.install = findPostgres();
    r.runAs = postgresRunAs();
    r.dataDir = postgresDataDir(r.paths, r.runAs !== undefined);
    await rememberPostgresDataDir(r.paths, r.dataDir);
    const cluster = await ensureCluster({ install: r.install, dataDir: r.dataDir, password: r.secrets.postgresPassword, runAs: r.runAs, signal: r.ctx.signal });
    if (cluster.created) report.progress(`created a PostgreSQL ${r.install.major} cluster in ${path.resolve(r.dataDir)}`);
    r.pgPort = await freePort();
    return { changed: cluster.created, summary: `PostgreSQL ${r.install.major} in ${r.dataDir}` };
  },
};

const configureStep: Step<NativeRun> = {
  id: 'configure',
  title: 'Airflow home, environment and processes',
  describe: async () => changes('write the Airflow home and the state file'),
  async run(r) {
    const { config, paths, opts, secrets } = r;
    await mkdir(paths.airflowHome, { recursive: true, mode: 0o700 });
    await mkdir(paths.taskLogsDir, { recursive: true, mode: 0o700 });
    await writePrivate(airflowConfigFile(paths.airflowHome), CONTROLLED_AIRFLOW_CFG);
    if (config.airflow.auth === 'simple') await writePrivate(simpleAuthFile(paths), simpleAuthPasswordsJson(secrets));
    // Remote task logs only when the config names a bucket on an S3-compatible endpoint (see devLogStore).
    const logStore = devLogStore(config);
    const sso = await prepareSso(r);
    const env = airflowEnv({
      ...nativeEnvInput(config, paths, secrets, { postgres: r.pgPort, api: opts.port }),
      logServerPorts: { worker: await freePort(), triggerer: await freePort() },
      ...(opts.secretsBackend ? { secretsBackend: opts.secretsBackend } : {}),
      ...(logStore ? { logStore } : {}),
      ...(sso ? { sso } : {}),
    });
    if (opts.dagBundle) {
      Object.assign(env, dagBundleEnvironment(config, opts.dagBundle), {
        // Per project: the default (the system temp dir) would be shared by every local environment on the machine.
        AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH: path.join(paths.airflowHome, 'dag_bundles'),
      });
    }
    const { venv } = r.env;
    const baseEnv = { ...cleanBaseEnv(process.env), PATH: `${venv.bin('')}${path.delimiter}${process.env['PATH'] ?? ''}` };
    r.airflowEnv = { ...baseEnv, ...env };
    const specs = nativePlan({
      major: config.airflowMajor,
      airflowBin: venv.bin('airflow'),
      airflowEnv: env,
      baseEnv,
      postgres: { argv: postgresArgv(r.install, r.dataDir, r.pgPort, r.runAs) },
    });
    const self = identify(process.pid);
    r.baseState = {
      version: 1,
      mode: 'native',
      airflowMajor: config.airflowMajor,
      apiPort: opts.port,
      postgresPort: r.pgPort,
      supervisorPid: process.pid,
      startedAt: new Date().toISOString(),
      venv: venv.dir,
      postgresDataDir: r.dataDir,
      identities: self ? [self] : [],
    };
    r.supervisor = new Supervisor(specs, {
      logsDir: paths.logsDir,
      databaseReady: async (signal) => r.migrated && (await postgresReady(r.install, r.pgPort, signal)),
      onChange: (states, groups, identities) => {
        const snapshot: DevState = {
          ...r.baseState,
          groups,
          components: states.map((s) => ({ ...s, ...(s.pid ? { pid: s.pid } : {}) })),
          identities: [...(r.baseState.identities ?? []), ...identities],
        };
        r.lastWrite = r.lastWrite.then(() => writeState(paths, snapshot)).catch(() => undefined);
      },
    });
    await writeState(paths, { ...r.baseState, groups: [] });
    return { changed: true, summary: `${specs.length} processes planned` };
  },
};

const databaseStep: Step<NativeRun> = {
  id: 'database',
  title: 'metadata database',
  describe: async () => changes('create and migrate the metadata database'),
  async run(r, report) {
    report.progress(`starting PostgreSQL ${r.install.major} on 127.0.0.1:${r.pgPort}`);
    await prepareDatabase(r, (m) => report.progress(m));
    r.migrated = true;
    return { changed: true, summary: 'migrated' };
  },
};

const componentsStep: Step<NativeRun> = {
  id: 'components',
  title: 'Airflow components',
  describe: async () => changes('start the Airflow components'),
  async run(r, report) {
    report.progress('starting the Airflow components (logs: `airflow-aws dev logs -f`)');
    const api = new AirflowApi({
      baseUrl: `http://127.0.0.1:${r.opts.port}`,
      major: r.config.airflowMajor,
      username: r.secrets.adminUser,
      password: r.secrets.adminPassword,
    });
    r.healthy = await waitHealthy(api, r.config.airflowMajor, r.opts.waitSeconds * 1000, r.stop);
    return { changed: true, summary: r.healthy ? 'healthy' : 'not healthy yet' };
  },
};

/** Runs until the user stops it; returns the exit code (130 when interrupted). `onUp` runs once the API is healthy. */
export async function nativeUp(ctx: DevOpContext, config: ResolvedConfig, paths: DevPaths, opts: NativeUpOptions, onUp: (up: DevUp) => void): Promise<number> {
  await ensureStateDir(paths);
  const { secrets, created } = await loadOrCreateSecrets(paths);
  const r = new NativeRun(ctx, config, paths, opts, secrets);
  await runSteps([checkStep, venvStep, postgresStep, configureStep], r, ctx.emit);

  const stop = new AbortController();
  r.stop = stop.signal;
  const onStop = () => stop.abort();
  ctx.signal.addEventListener('abort', onStop, { once: true });
  process.once('SIGTERM', onStop);
  process.once('SIGHUP', onStop);
  let exitCode = 0;
  try {
    r.supervisor.start();
    await runSteps([databaseStep, componentsStep], r, ctx.emit);
    if (stop.signal.aborted) return 130;
    if (!r.healthy) {
      ctx.log.warn(`the API did not report healthy within ${opts.waitSeconds} s; the components keep restarting — see \`airflow-aws dev logs\``);
    } else {
      onUp({ state: r.baseState, secrets, firstTime: created && opts.mayShowSecrets, secretsFile: paths.secretsFile });
    }
    await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    exitCode = ctx.signal.aborted ? 130 : 0;
  } finally {
    // main() handles only the first Ctrl-C; a second one during the stop must not kill us and orphan the components.
    const patience = () => ctx.log.info('still stopping the components (up to 30 s); they are being shut down cleanly');
    process.on('SIGINT', patience);
    ctx.log.step('stopping the local Airflow');
    await r.supervisor.stop();
    await r.lastWrite;
    await removeState(paths);
    process.removeListener('SIGTERM', onStop);
    process.removeListener('SIGHUP', onStop);
    process.removeListener('SIGINT', patience);
    ctx.log.success('stopped');
  }
  return exitCode;
}

/**
 * SSO as on the cluster: the same rendered webserver_config.py, and the client secret read from its Secrets Manager
 * ARN (at --secrets-endpoint when given, else AWS) into a 0600 file beside the other local secrets.
 */
async function prepareSso(r: NativeRun): Promise<{ configFile: string; clientSecretFile: string } | undefined> {
  const oidc = ssoOf(r.config);
  if (!oidc) return undefined;
  const { oidcClientSecret } = await import('../../adapters/aws/deploy-inputs.js');
  const secret = await oidcClientSecret(r.opts.secretsBackend?.endpoint ? { endpoint: r.opts.secretsBackend.endpoint } : {}, oidc.clientSecret);
  const clientSecretFile = path.join(r.paths.stateDir, 'oidc-client-secret');
  const configFile = path.join(r.paths.airflowHome, 'webserver_config.py');
  await writePrivate(clientSecretFile, `${secret}\n`);
  await writePrivate(configFile, renderWebserverConfig({ oidc, defaultClientSecretFile: clientSecretFile }));
  r.ctx.log.info(`SSO: sign in at /auth/login/${OIDC_PROVIDER} through ${oidc.issuer}; redirect URI ${redirectPath(r.config.airflowMajor)} on this port`);
  return { configFile, clientSecretFile };
}

/** Waits for PostgreSQL, creates the database, migrates, creates the FAB admin. Retries while the server starts. */
async function prepareDatabase(r: NativeRun, progress: (message: string) => void): Promise<void> {
  const { install, pgPort, secrets, stop: signal } = r;
  const deadline = Date.now() + 120_000;
  while (!(await postgresReady(install, pgPort, signal))) {
    if (signal.aborted) throw new UserError('interrupted', { code: 'CANCELLED', exitCode: 130 });
    if (Date.now() > deadline) {
      throw new UserError('PostgreSQL did not accept connections within 120 s', {
        code: 'POSTGRES_START_FAILED',
        hint: 'see `airflow-aws dev logs postgres`',
      });
    }
    await pause(500, signal);
  }
  await ensureDatabase(install, pgPort, secrets.postgresPassword, signal);
  progress('migrating the metadata database (airflow db migrate)');
  const airflowBin = r.env.venv.bin('airflow');
  const redact = [secrets.postgresPassword, secrets.fernetKey, secrets.jwtSecret, secrets.apiSecretKey, secrets.adminPassword];
  await runChecked(airflowBin, ['db', 'migrate'], { what: 'airflow db migrate', code: 'AIRFLOW_MIGRATE_FAILED', env: r.airflowEnv, redact, signal });
  if (r.config.airflowMajor === 2 || r.config.airflow.auth === 'fab') await ensureFabAdmin(airflowBin, r.airflowEnv, secrets, signal);
}

/**
 * Creates the FAB admin user once, with the image's own helper (`docker/create-admin.py`, shipped with this
 * package) so both modes create it the same way. The password travels in the environment, never argv.
 */
async function ensureFabAdmin(airflowBin: string, env: Record<string, string>, secrets: DevSecrets, signal: AbortSignal): Promise<void> {
  const python = path.join(path.dirname(airflowBin), 'python');
  const script = fileURLToPath(new URL('../../../../docker/create-admin.py', import.meta.url));
  await runChecked(python, [script], {
    what: 'creating the admin user',
    code: 'AIRFLOW_ADMIN_FAILED',
    env: { ...env, AIRFLOW_ADMIN_USERNAME: secrets.adminUser, AIRFLOW_ADMIN_PASSWORD: secrets.adminPassword, AIRFLOW_ADMIN_EMAIL: `${secrets.adminUser}@localhost` },
    redact: [secrets.adminPassword, secrets.postgresPassword],
    signal,
  });
}
