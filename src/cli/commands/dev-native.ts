/**
 * Native mode: PostgreSQL from the machine, Airflow from a virtualenv built from the lock, every process supervised
 * by this CLI process (foreground), or by a detached copy of it (`--detach`).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AirflowApi } from '../../adapters/airflow-api.js';
import {
  ensureStateDir,
  freePort,
  loadOrCreateSecrets,
  portFree,
  readState,
  removeState,
  writePrivate,
  writeState,
} from '../../adapters/fs/dev-state.js';
import {
  ensureCluster,
  ensureDatabase,
  findPostgres,
  PG_DATABASE,
  PG_USER,
  postgresArgv,
  postgresReady,
  postgresRunAs,
  reachableByOthers,
  type PostgresInstall,
} from '../../adapters/postgres/native.js';
import { identify, verifyProcess } from '../../adapters/proc/process-identity.js';
import { ensureVenv, findPython } from '../../adapters/proc/python-venv.js';
import { runChecked } from '../../adapters/proc/run-process.js';
import { stopRecordedGroups, Supervisor } from '../../adapters/proc/supervisor.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { airflowConfigFile, airflowEnv, CONTROLLED_AIRFLOW_CFG, simpleAuthPasswordsJson } from '../../dev/airflow-env.js';
import { hasPackage } from '../../dev/lock.js';
import type { DevPaths } from '../../dev/paths.js';
import { venvDir } from '../../dev/paths.js';
import { cleanBaseEnv, nativePlan } from '../../dev/plan.js';
import type { Verdict } from '../../dev/process-identity.js';
import { advanceProgress, formatProgress, progressDue, startProgress, type VenvPhase } from '../../dev/venv-progress.js';
import type { DevSecrets } from '../../dev/secrets.js';
import { recordedIdentity, type DevState } from '../../dev/state.js';
import { UserError } from '../../errors/user-error.js';
import type { CommandContext } from '../context.js';
import { devCacheDir, loadLock, waitHealthy, type LoadedLock } from './dev-shared.js';
import { pause } from '../../adapters/proc/pause.js';

export interface NativeUpOptions {
  readonly port: number;
  readonly python?: string;
  /** Seconds to wait for a healthy API before reporting failure (the processes keep running). */
  readonly waitSeconds: number;
}

export interface NativeEnvironment {
  readonly venv: { readonly dir: string; readonly bin: (n: string) => string };
  readonly lock: LoadedLock;
}

/** Virtualenv for the project's lock (built on first use; minutes). */
export async function prepareVenv(ctx: CommandContext, config: ResolvedConfig, python: string | undefined): Promise<NativeEnvironment> {
  const lock = await loadLock(config);
  const interpreter = await findPython(config.airflow.python, python);
  if (interpreter.version !== config.airflow.python) {
    ctx.out.warn(`using Python ${interpreter.version}, but the lock was resolved for ${config.airflow.python} (airflow.python)`);
  }
  const cache = devCacheDir();
  const dir = venvDir(cache, lock.lock.sha256, interpreter.version);
  const started = Date.now();
  // An updating line on a terminal; elsewhere (CI, `--detach`'s log file) a line at most every 10 s. With --verbose
  // pip's own lines go through debug, so the status gets lines of its own instead of a line rewritten under them.
  const inPlace = Boolean(ctx.out.progressStream.isTTY) && !ctx.out.verbose;
  const intervalMs = inPlace ? 1000 : 10_000;
  let progress = startProgress(lock.lock.packages.length);
  let last: { atMs: number; phase: VenvPhase } | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const show = (): void => {
    const now = Date.now();
    if (!progressDue(last, now, progress.phase, intervalMs)) return;
    last = { atMs: now, phase: progress.phase };
    const text = formatProgress(progress, now - started);
    if (inPlace) ctx.out.progressStream.write(`\r\u001b[2K${text}`);
    else ctx.out.step(text);
  };
  let venv: Awaited<ReturnType<typeof ensureVenv>>;
  try {
    venv = await ensureVenv({
      dir,
      python: interpreter,
      lockFile: lock.file,
      pipCacheDir: path.join(cache, 'pip'),
      signal: ctx.signal,
      onBuild: () => {
        ctx.out.step(`building the virtualenv ${dir} from ${lock.lock.packages.length} locked packages (first run only; takes minutes)`);
        show();
        // pip is silent while it installs: the ticker keeps the elapsed time moving.
        ticker = setInterval(show, 1000);
        ticker.unref();
      },
      onLine: (l) => {
        progress = advanceProgress(progress, l);
        ctx.out.debug(l);
        show();
      },
    });
  } finally {
    clearInterval(ticker);
    if (inPlace && last) ctx.out.progressStream.write('\n');
  }
  if (venv.created) ctx.out.success(`virtualenv ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return { venv, lock };
}

/** Where PostgreSQL keeps its data: the state dir, unless root must run it as another user who cannot reach it. */
/** Where root keeps local PostgreSQL data when the cache dir is not reachable by the postgres user. */
const ROOT_POSTGRES_BASE = '/var/lib/airflow-aws/dev-postgres';

function existingAncestor(dir: string): string {
  let cur = path.resolve(dir);
  while (!existsSync(cur) && path.dirname(cur) !== cur) cur = path.dirname(cur);
  return cur;
}

function postgresDataDir(paths: DevPaths, runAsRoot: boolean): string {
  if (!runAsRoot || reachableByOthers(paths.pgDataDir)) return paths.pgDataDir;
  const key = createHash('sha256').update(paths.projectDir).digest('hex').slice(0, 16);
  // As root, initdb and postgres run as the postgres user, who must traverse every parent directory. The cache is
  // fine when it lives somewhere shared (/var/cache); under root's 0700 home it is not, so use /var/lib instead.
  const cacheBase = path.join(devCacheDir(), 'dev', 'postgres');
  const base = reachableByOthers(path.join(existingAncestor(cacheBase), '.probe')) ? cacheBase : ROOT_POSTGRES_BASE;
  return path.join(base, key);
}

type Reporter = Pick<CommandContext['out'], 'debug' | 'warn'>;

/**
 * Says why a live pid from the state file was left alone. A proven stranger (pid reused, machine rebooted) is
 * expected and harmless: debug. An unverifiable one may be a leftover of ours the user must stop: a warning.
 */
export function reportLeftAlone(out: Reporter, what: string, verdict: Exclude<Verdict, { kind: 'ours' | 'gone' }>): void {
  if (verdict.kind === 'foreign') out.debug(`not signalling ${what}: it is not ours (${verdict.why})`);
  else out.warn(`not signalling ${what}: ${verdict.why}; if it is left over from airflow-aws, stop it yourself`);
}

/** Kills what a dead supervisor left behind (only what still proves to be ours) and forgets its state. */
export async function cleanupStale(paths: DevPaths, state: DevState, out: Reporter): Promise<void> {
  const groups = (state.groups ?? []).map((pgid) => ({ pgid, identity: recordedIdentity(state, pgid) }));
  await stopRecordedGroups(groups, 15_000, (pgid, verdict) => reportLeftAlone(out, `process group ${pgid}`, verdict));
  await removeState(paths);
}

/** Whether the state's supervisor is running: alive AND provably the process that wrote the state. */
export function supervisorRunning(state: DevState, out: Reporter): boolean {
  const pid = state.supervisorPid;
  if (!pid || pid === process.pid) return false;
  const verdict = verifyProcess(recordedIdentity(state, pid), pid);
  if (verdict.kind === 'foreign' || verdict.kind === 'unverifiable') reportLeftAlone(out, `the recorded supervisor pid ${pid}`, verdict);
  return verdict.kind === 'ours';
}

/** `dev up --native` in the foreground: returns when the user stops it (Ctrl-C, SIGTERM, `dev down`). */
export async function runNativeForeground(
  ctx: CommandContext,
  config: ResolvedConfig,
  paths: DevPaths,
  opts: NativeUpOptions,
  onHealthy: (state: DevState, secrets: DevSecrets) => void,
): Promise<number> {
  const previous = await readState(paths);
  if (previous) {
    if (supervisorRunning(previous, ctx.out)) {
      throw new UserError(`a local Airflow is already running for this project (pid ${previous.supervisorPid})`, {
        code: 'DEV_ALREADY_RUNNING',
        hint: 'see `airflow-aws dev status`, or stop it with `airflow-aws dev down`',
      });
    }
    if (previous.mode === 'native') await cleanupStale(paths, previous, ctx.out);
  }
  if (!(await portFree(opts.port))) {
    throw new UserError(`port ${opts.port} on 127.0.0.1 is in use`, {
      code: 'PORT_IN_USE',
      exitCode: 2,
      hint: 'stop what uses it, or pick another port with --port',
    });
  }
  const { venv, lock } = await prepareVenv(ctx, config, opts.python);
  if (config.airflow.auth === 'fab' && config.airflowMajor === 3 && !hasPackage(lock.lock, 'apache-airflow-providers-fab')) {
    throw new UserError('airflow.auth is fab, but the lock has no apache-airflow-providers-fab', {
      code: 'LOCK_STALE',
      exitCode: 2,
      hint: 'run `airflow-aws image lock` again',
    });
  }
  await ensureStateDir(paths);
  const { secrets } = await loadOrCreateSecrets(paths);

  const install = findPostgres();
  const runAs = postgresRunAs();
  const dataDir = postgresDataDir(paths, runAs !== undefined);
  // Remember a data dir outside the state dir: `down --purge` must find it even if AIRFLOW_AWS_CACHE changed since.
  if (dataDir !== paths.pgDataDir) await writePrivate(path.join(paths.stateDir, POSTGRES_POINTER), `${dataDir}\n`);
  const cluster = await ensureCluster({ install, dataDir, password: secrets.postgresPassword, runAs, signal: ctx.signal });
  if (cluster.created) ctx.out.step(`created a PostgreSQL ${install.major} cluster in ${path.resolve(dataDir)}`);
  const pgPort = await freePort();

  await mkdir(paths.airflowHome, { recursive: true, mode: 0o700 });
  await mkdir(paths.taskLogsDir, { recursive: true, mode: 0o700 });
  await writePrivate(airflowConfigFile(paths.airflowHome), CONTROLLED_AIRFLOW_CFG);
  const simpleAuthFile = path.join(paths.airflowHome, 'simple_auth_manager_passwords.json');
  if (config.airflow.auth === 'simple') await writePrivate(simpleAuthFile, simpleAuthPasswordsJson(secrets));

  const env = airflowEnv({
    config,
    secrets,
    db: { host: '127.0.0.1', port: pgPort, user: PG_USER, database: PG_DATABASE },
    apiPort: opts.port,
    apiHost: '127.0.0.1',
    executionApiUrl: `http://127.0.0.1:${opts.port}/execution/`,
    baseUrl: `http://localhost:${opts.port}`,
    airflowHome: paths.airflowHome,
    dagsFolder: path.resolve(config.projectDir, config.image.dagsDir),
    pluginsFolder: path.resolve(config.projectDir, config.image.pluginsDir),
    taskLogsFolder: paths.taskLogsDir,
    simpleAuthPasswordsFile: simpleAuthFile,
    logServerPorts: { worker: await freePort(), triggerer: await freePort() },
  });
  const baseEnv = { ...cleanBaseEnv(process.env), PATH: `${venv.bin('')}${path.delimiter}${process.env['PATH'] ?? ''}` };
  const specs = nativePlan({
    major: config.airflowMajor,
    airflowBin: venv.bin('airflow'),
    airflowEnv: env,
    baseEnv,
    postgres: { argv: postgresArgv(install, dataDir, pgPort, runAs) },
  });

  let migrated = false;
  const startedAt = new Date().toISOString();
  const self = identify(process.pid);
  const baseState: DevState = {
    version: 1,
    mode: 'native',
    airflowMajor: config.airflowMajor,
    apiPort: opts.port,
    postgresPort: pgPort,
    supervisorPid: process.pid,
    startedAt,
    venv: venv.dir,
    postgresDataDir: dataDir,
    identities: self ? [self] : [],
  };
  let lastWrite = Promise.resolve();
  const supervisor = new Supervisor(specs, {
    logsDir: paths.logsDir,
    databaseReady: async (signal) => migrated && (await postgresReady(install, pgPort, signal)),
    onChange: (states, groups, identities) => {
      const snapshot: DevState = {
        ...baseState,
        groups,
        components: states.map((s) => ({ ...s, ...(s.pid ? { pid: s.pid } : {}) })),
        identities: [...(baseState.identities ?? []), ...identities],
      };
      lastWrite = lastWrite.then(() => writeState(paths, snapshot)).catch(() => undefined);
    },
  });
  await writeState(paths, { ...baseState, groups: [] });

  const stop = new AbortController();
  const onStop = () => stop.abort();
  ctx.signal.addEventListener('abort', onStop, { once: true });
  process.once('SIGTERM', onStop);
  process.once('SIGHUP', onStop);
  let exitCode = 0;
  try {
    supervisor.start();
    ctx.out.step(`starting PostgreSQL ${install.major} on 127.0.0.1:${pgPort}`);
    await prepareDatabase(ctx, config, install, pgPort, secrets, venv.bin('airflow'), { ...baseEnv, ...env }, stop.signal);
    migrated = true;
    ctx.out.step('starting the Airflow components (logs: `airflow-aws dev logs -f`)');
    const api = new AirflowApi({
      baseUrl: `http://127.0.0.1:${opts.port}`,
      major: config.airflowMajor,
      username: secrets.adminUser,
      password: secrets.adminPassword,
    });
    const healthy = await waitHealthy(api, config.airflowMajor, opts.waitSeconds * 1000, stop.signal);
    if (stop.signal.aborted) return 130;
    if (!healthy) {
      ctx.out.warn(`the API did not report healthy within ${opts.waitSeconds} s; the components keep restarting — see \`airflow-aws dev logs\``);
    } else {
      onHealthy(baseState, secrets);
    }
    await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    exitCode = ctx.signal.aborted ? 130 : 0;
  } finally {
    // main() handles only the first Ctrl-C; a second one during the stop must not kill us and orphan the components.
    const patience = () => ctx.out.info('still stopping the components (up to 30 s); they are being shut down cleanly');
    process.on('SIGINT', patience);
    ctx.out.step('stopping the local Airflow');
    await supervisor.stop();
    await lastWrite;
    await removeState(paths);
    process.removeListener('SIGTERM', onStop);
    process.removeListener('SIGHUP', onStop);
    process.removeListener('SIGINT', patience);
    ctx.out.success('stopped');
  }
  return exitCode;
}

/** Waits for PostgreSQL, creates the database, migrates, creates the FAB admin. Retries while the server starts. */
async function prepareDatabase(
  ctx: CommandContext,
  config: ResolvedConfig,
  install: PostgresInstall,
  pgPort: number,
  secrets: DevSecrets,
  airflowBin: string,
  env: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
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
  ctx.out.step('migrating the metadata database (airflow db migrate)');
  const redact = [secrets.postgresPassword, secrets.fernetKey, secrets.jwtSecret, secrets.apiSecretKey, secrets.adminPassword];
  await runChecked(airflowBin, ['db', 'migrate'], { what: 'airflow db migrate', code: 'AIRFLOW_MIGRATE_FAILED', env, redact, signal });
  if (config.airflowMajor === 2 || config.airflow.auth === 'fab') await ensureFabAdmin(airflowBin, env, secrets, signal);
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

/** File in the state dir naming a PostgreSQL data dir kept outside it (root, see postgresDataDir). */
const POSTGRES_POINTER = 'postgres-data-dir';

export async function purgeNative(paths: DevPaths): Promise<void> {
  const pointer = path.join(paths.stateDir, POSTGRES_POINTER);
  if (existsSync(pointer)) {
    const dir = (await readFile(pointer, 'utf8')).trim();
    // Only ever a directory this tool created under a cache's dev/postgres/ folder.
    if (/\/dev\/postgres\/[0-9a-f]{16}$/.test(dir)) await rm(dir, { recursive: true, force: true });
  }
  await rm(paths.stateDir, { recursive: true, force: true });
}
