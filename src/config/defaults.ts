/**
 * Every default of airflow-aws.yaml, in one place. The schema reads these so that the JSON Schema documents
 * them, and `plan` can print the fully resolved config.
 */
import {
  DEFAULT_AIRFLOW_VERSION,
  DEFAULT_KUBERNETES_VERSION,
  DEFAULT_POSTGRES_VERSION,
  DEFAULT_PYTHON_VERSION,
  defaultPostgresVersion,
} from './versions.js';

export const DEFAULTS = {
  airflow: {
    version: DEFAULT_AIRFLOW_VERSION,
    python: DEFAULT_PYTHON_VERSION,
    /** One pod per task, as in the origin project: isolation and per-task memory limits. */
    executor: 'KubernetesExecutor',
    /** FAB: SimpleAuthManager is documented as "not for production". */
    auth: 'fab',
  },
  network: {
    vpc: {
      cidr: '10.0.0.0/16',
      maxAzs: 2,
      /** One NAT gateway keeps the bill small; raise to maxAzs for zone-independent egress. */
      natGateways: 1,
      flowLogRetentionDays: 30,
    },
  },
  database: {
    /** For the default Airflow version; other lines get derivedDefaults.engineVersion (the starter writes this one). */
    engineVersion: DEFAULT_POSTGRES_VERSION,
    instanceClass: 'db.t4g.medium',
    storageGiB: 20,
    maxStorageGiB: 100,
    multiAz: false,
    backupRetentionDays: 7,
    deletionProtection: true,
    databaseName: 'airflow',
  },
  cluster: {
    kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
    endpointAccess: 'public-and-private',
    publicAccessCidrs: ['0.0.0.0/0'],
    adminPrincipalArns: [] as string[],
    nodeGroup: {
      instanceTypes: ['m6i.large'],
      capacityType: 'on-demand',
      minSize: 1,
      desiredSize: 2,
      maxSize: 4,
      diskGiB: 50,
    },
  },
  registry: {
    scanOnPush: true,
    keepImages: 30,
  },
  storage: {
    logRetentionDays: 30,
  },
  dags: {
    /**
     * DAGs baked into the image: `up` alone yields working DAGs, the code a task runs is the code of its image, and
     * an existing deployment keeps its bundle name (renaming a bundle breaks runs created before). `s3`/`git` are
     * opt-in (docs/dags.md).
     */
    source: 'image',
    git: {
      trackingRef: 'main',
      connectionId: 'git_dags',
    },
  },
  image: {
    platform: 'linux/amd64',
    requirements: 'requirements.txt',
    lockFile: 'airflow-aws.lock',
    dagsDir: 'dags',
    pluginsDir: 'plugins',
  },
  exposure: {
    /** Reached through `airflow-aws open` (a port-forward through the Kubernetes API): no load balancer at all. */
    mode: 'private',
    /** TLS is the rule; plain HTTP on a load balancer needs this opt-out. */
    allowInsecureHttp: false,
  },
  auth: {
    oidc: {
      /** The claim most providers (Keycloak, Okta, Authentik, oidc-provider) use; Cognito's is cognito:groups. */
      groupsClaim: 'groups',
      scopes: ['openid', 'email', 'profile'],
    },
  },
  kubernetes: {
    namespace: 'airflow',
    /** Memory limit = request (no overcommit for a memory-bound scheduler); CPU limit = 4x request (bursts allowed, runaway bounded; see src/k8s/pod.ts). */
    apiServer: { replicas: 2, cpu: '250m', memory: '1Gi' },
    scheduler: { replicas: 1, cpu: '500m', memory: '1Gi' },
    dagProcessor: { replicas: 1, cpu: '250m', memory: '1Gi' },
    triggerer: { replicas: 1, cpu: '100m', memory: '512Mi' },
    /** Default for each KubernetesExecutor task pod; a task overrides it with executor_config. */
    workers: { cpu: '250m', memory: '512Mi' },
  },
} as const;

/** Defaults that depend on other values; documented in the schema descriptions. */
export const derivedDefaults = {
  repositoryName: (name: string) => `${name}/airflow`,
  baseImage: (python: string) => `python:${python}-slim-bookworm`,
  /** The newest PostgreSQL the Airflow line supports (18 on 3.2+, 17 before). */
  engineVersion: (airflowVersion: string) => defaultPostgresVersion(airflowVersion),
  /** With SSO people sign in through the provider: a password user nobody needs is only an attack surface. */
  createAdminUser: (sso: boolean) => !sso,
};
