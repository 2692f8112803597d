/**
 * What `dev up` starts, as data: the long-running components (each supervised and restarted on crash) and the
 * one-shot steps before them. Native mode turns each entry into a process group; Docker mode into a container of
 * the project's image. Same commands as the cluster's Deployments (fact sheet A1), with the LocalExecutor.
 */
export const AIRFLOW3_COMPONENTS = ['api-server', 'scheduler', 'dag-processor', 'triggerer'] as const;
export const AIRFLOW2_COMPONENTS = ['webserver', 'scheduler', 'triggerer'] as const;
export type AirflowComponent = (typeof AIRFLOW3_COMPONENTS)[number] | (typeof AIRFLOW2_COMPONENTS)[number];
export type DevComponent = 'postgres' | AirflowComponent;

export function airflowComponents(major: 2 | 3): readonly AirflowComponent[] {
  return major === 3 ? AIRFLOW3_COMPONENTS : AIRFLOW2_COMPONENTS;
}

/** Every component name `dev logs` accepts, in start order. */
export function allComponents(major: 2 | 3): readonly DevComponent[] {
  return ['postgres', ...airflowComponents(major)];
}

/** The `airflow ...` arguments of a component (after the `airflow` executable). */
export function componentArgs(c: AirflowComponent): string[] {
  switch (c) {
    case 'api-server':
      return ['api-server'];
    case 'webserver':
      return ['webserver'];
    case 'scheduler':
      return ['scheduler'];
    case 'dag-processor':
      return ['dag-processor'];
    case 'triggerer':
      return ['triggerer'];
  }
}

export interface ProcessSpec {
  readonly name: DevComponent;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** SIGINT for PostgreSQL ("fast shutdown": aborts sessions, no wait for clients); SIGTERM for Airflow. */
  readonly stopSignal: 'SIGTERM' | 'SIGINT';
  /**
   * What to do with the rest of a crashed component's process group. The scheduler's group holds the
   * LocalExecutor's task processes: they keep reporting to the API server and finish on their own, so a crashed
   * scheduler leaves them running (the restarted scheduler adopts their results). Any other group is killed so
   * that e.g. an orphaned API worker cannot keep the port.
   */
  readonly onCrash: 'kill-group' | 'keep-group';
  /** Start (and restart) only once the metadata database accepts connections. */
  readonly needsDatabase: boolean;
}

export interface NativePlanInput {
  readonly major: 2 | 3;
  /** `<venv>/bin/airflow` */
  readonly airflowBin: string;
  readonly airflowEnv: Readonly<Record<string, string>>;
  /** The inherited environment minus anything Airflow-specific (so a user's AIRFLOW__* cannot leak in). */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly postgres?: { readonly argv: readonly string[] };
}

export function nativePlan(input: NativePlanInput): ProcessSpec[] {
  const env = { ...input.baseEnv, ...input.airflowEnv };
  const specs: ProcessSpec[] = [];
  if (input.postgres) {
    specs.push({
      name: 'postgres',
      argv: input.postgres.argv,
      env: input.baseEnv,
      stopSignal: 'SIGINT',
      onCrash: 'kill-group',
      needsDatabase: false,
    });
  }
  for (const c of airflowComponents(input.major)) {
    specs.push({
      name: c,
      argv: [input.airflowBin, ...componentArgs(c)],
      env,
      stopSignal: 'SIGTERM',
      onCrash: c === 'scheduler' ? 'keep-group' : 'kill-group',
      needsDatabase: true,
    });
  }
  return specs;
}

/** Drops inherited AIRFLOW_* / AIRFLOW__* variables and Python path overrides that would change what runs. */
export function cleanBaseEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (k.startsWith('AIRFLOW') || k === 'PYTHONPATH' || k === 'PYTHONHOME' || k === 'VIRTUAL_ENV') continue;
    if (k.startsWith('PG')) continue;
    out[k] = v;
  }
  return out;
}

/** Docker mode names: everything of one project under one prefix, so `down` finds it without a state file. */
export interface DockerNames {
  readonly network: string;
  readonly volume: string;
  readonly container: (c: DevComponent) => string;
  /** Label put on every object: `down` and `status` select on it. */
  readonly label: string;
}

export function dockerNames(projectName: string): DockerNames {
  const prefix = `airflow-aws-${projectName}-dev`;
  return {
    network: prefix,
    volume: `${prefix}-postgres`,
    container: (c) => `${prefix}-${c}`,
    label: `io.airflow-aws.dev=${projectName}`,
  };
}

export interface ContainerSpec {
  readonly name: string;
  readonly component: DevComponent;
  readonly image: string;
  /** Arguments after the image (the image's entrypoint runs them). */
  readonly args: readonly string[];
  readonly envFile?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly mounts: readonly { readonly source: string; readonly target: string; readonly readOnly: boolean; readonly volume?: boolean }[];
  readonly ports: readonly { readonly host: number; readonly container: number }[];
  readonly networkAlias: string;
  readonly user?: string;
}

export interface DockerPlanInput {
  readonly projectName: string;
  readonly major: 2 | 3;
  readonly airflowImage: string;
  readonly postgresImage: string;
  readonly envFile: string;
  readonly postgresEnvFile: string;
  readonly hostDagsDir: string;
  readonly hostPluginsDir: string | undefined;
  readonly hostLogsDir: string;
  readonly containerDagsDir: string;
  readonly containerPluginsDir: string;
  readonly containerLogsDir: string;
  readonly apiPort: number;
  readonly containerApiPort: number;
  /** Host uid:gid so files the containers write under logs/ stay the user's. */
  readonly user: string | undefined;
}

export function dockerPlan(input: DockerPlanInput): ContainerSpec[] {
  const names = dockerNames(input.projectName);
  const specs: ContainerSpec[] = [
    {
      name: names.container('postgres'),
      component: 'postgres',
      image: input.postgresImage,
      args: [],
      envFile: input.postgresEnvFile,
      mounts: [{ source: names.volume, target: '/var/lib/postgresql/data', readOnly: false, volume: true }],
      ports: [],
      networkAlias: 'postgres',
    },
  ];
  for (const c of airflowComponents(input.major)) {
    const mounts = [
      { source: input.hostDagsDir, target: input.containerDagsDir, readOnly: true },
      { source: input.hostLogsDir, target: input.containerLogsDir, readOnly: false },
    ];
    if (input.hostPluginsDir) mounts.push({ source: input.hostPluginsDir, target: input.containerPluginsDir, readOnly: true });
    const api = c === 'api-server' || c === 'webserver';
    specs.push({
      name: names.container(c),
      component: c,
      image: input.airflowImage,
      args: componentArgs(c),
      envFile: input.envFile,
      mounts,
      ports: api ? [{ host: input.apiPort, container: input.containerApiPort }] : [],
      networkAlias: c,
      ...(input.user ? { user: input.user } : {}),
    });
  }
  return specs;
}

/** Restart back-off: 1 s doubling to 30 s; a component that ran a minute counts as healthy again. */
export function restartDelayMs(consecutiveCrashes: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, consecutiveCrashes - 1));
}
export const STABLE_AFTER_MS = 60_000;
