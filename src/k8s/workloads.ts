/**
 * The long-running Airflow components (Deployments), the UI Service, PodDisruptionBudgets and the
 * KubernetesExecutor pod template. Probe timings follow Airflow's own chart (facts sheet A1).
 * @see https://github.com/apache/airflow/blob/main/chart/values.yaml
 */
import type {
  V1Container,
  V1Deployment,
  V1EnvFromSource,
  V1Pod,
  V1PodDisruptionBudget,
  V1PodSpec,
  V1Probe,
  V1Service,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { serviceAccountName, type Component } from '../config/naming.js';
import {
  API_PORT,
  basePath,
  effectiveBaseUrl,
  POD_TEMPLATE_DIR,
  SCHEDULER_HEALTH_PORT,
  secretEnvironment,
  SIMPLE_AUTH_DIR,
  SIMPLE_AUTH_FILE,
  TRIGGERER_LOG_PORT,
  WORKER_LOG_PORT,
} from './airflow-config.js';
import { apiServerProxyArgs, healthCheckPath } from './exposure.js';
import { NAMES, objectLabels, SECRET_KEYS, selectorLabels, deploymentName, type KubeComponent } from './labels.js';
import type { KubeInputs, KubeObject } from './model.js';
import {
  airflowArgs,
  baseContainer,
  entrypointArgs,
  podSecurityContext,
  resources,
  SCRATCH_VOLUMES,
  SMALL_RESOURCES,
} from './pod.js';
import { needsApiToken } from './rbac.js';
import { ssoPodParts } from './sso.js';

/** A long-running component as deployed on this Airflow line. */
export interface ComponentSpec {
  readonly component: KubeComponent;
  /** Whose ServiceAccount (and Pod Identity role) the pods use. */
  readonly identity: Component;
  readonly replicas: number;
  readonly cpu: string;
  readonly memory: string;
}

/** Airflow 3: api-server, scheduler, dag-processor (mandatory), triggerer. Airflow 2: webserver, scheduler, triggerer. */
export function componentSpecs(inputs: Pick<KubeInputs, 'config'>): ComponentSpec[] {
  const k = inputs.config.kubernetes;
  const specs: ComponentSpec[] = [
    { component: inputs.config.airflowMajor === 3 ? 'api-server' : 'webserver', identity: 'api-server', ...k.apiServer },
    { component: 'scheduler', identity: 'scheduler', ...k.scheduler },
  ];
  if (inputs.config.airflowMajor === 3) specs.push({ component: 'dag-processor', identity: 'dag-processor', ...k.dagProcessor });
  specs.push({ component: 'triggerer', identity: 'triggerer', ...k.triggerer });
  return specs;
}

export function uiServiceName(): string {
  return NAMES.uiService;
}

const ENV_FROM: V1EnvFromSource[] = [{ configMapRef: { name: NAMES.config } }];

/** `airflow jobs check` without the DB wait of the image entrypoint and without log noise. */
function jobsCheck(jobType: string): string[] {
  return ['env', 'CONNECTION_CHECK_MAX_COUNT=0', 'AIRFLOW__LOGGING__LOGGING_LEVEL=ERROR', 'airflow', 'jobs', 'check', '--job-type', jobType, '--local'];
}

interface Probes {
  readonly liveness?: V1Probe;
  readonly readiness?: V1Probe;
  readonly startup?: V1Probe;
}

/**
 * How long a starting api-server or scheduler may take before the kubelet restarts it: 30 × 10 s. Airflow imports
 * for 30-90 s on a small or busy node (a burstable instance out of CPU credits, a node starting every pod at once);
 * a startup probe that gave up after 60 s restarted it in a loop there, each restart starting over (seen on the
 * 2-core test node under load). A long allowance costs nothing when it starts fast: the probe passes at its first
 * answer, and liveness takes over from then on.
 */
const STARTUP_FAILURE_THRESHOLD = 30;

function probes(inputs: KubeInputs, component: KubeComponent): Probes {
  switch (component) {
    case 'api-server':
    case 'webserver': {
      const path = healthCheckPath({ config: inputs.config, basePath: basePath({ baseUrl: effectiveBaseUrl(inputs) }) });
      const http = { httpGet: { path, port: 'api' } };
      return {
        startup: { ...http, timeoutSeconds: 20, failureThreshold: STARTUP_FAILURE_THRESHOLD, periodSeconds: 10 },
        liveness: { ...http, initialDelaySeconds: 15, timeoutSeconds: 5, failureThreshold: 5, periodSeconds: 10 },
        readiness: { ...http, initialDelaySeconds: 15, timeoutSeconds: 5, failureThreshold: 5, periodSeconds: 10 },
      };
    }
    case 'scheduler': {
      const http = { httpGet: { path: '/health', port: 'health' } };
      return {
        startup: { ...http, timeoutSeconds: 20, failureThreshold: STARTUP_FAILURE_THRESHOLD, periodSeconds: 10 },
        liveness: { ...http, initialDelaySeconds: 10, timeoutSeconds: 20, failureThreshold: 5, periodSeconds: 60 },
      };
    }
    case 'triggerer':
    case 'dag-processor': {
      // Liveness only, as in Airflow's chart: each check starts the Airflow CLI, too heavy for a startup probe.
      const exec = { exec: { command: jobsCheck(component === 'triggerer' ? 'TriggererJob' : 'DagProcessorJob') } };
      return {
        liveness: { ...exec, initialDelaySeconds: 10, timeoutSeconds: 20, failureThreshold: 5, periodSeconds: 60 },
      };
    }
    default:
      return {};
  }
}

function componentArgs(inputs: KubeInputs, component: KubeComponent): string[] {
  switch (component) {
    case 'api-server':
      return entrypointArgs(component, ...apiServerProxyArgs(inputs.config));
    case 'webserver':
    case 'scheduler':
    case 'dag-processor':
    case 'triggerer':
      return entrypointArgs(component);
    default:
      throw new Error(`not a long-running component: ${component}`);
  }
}

function ports(inputs: KubeInputs, component: KubeComponent): V1Container['ports'] {
  switch (component) {
    case 'api-server':
    case 'webserver':
      return [{ name: 'api', containerPort: API_PORT, protocol: 'TCP' }];
    case 'scheduler': {
      const p = [{ name: 'health', containerPort: SCHEDULER_HEALTH_PORT, protocol: 'TCP' }];
      // LocalExecutor runs tasks inside the scheduler: its log server serves their logs.
      if (inputs.config.airflow.executor === 'LocalExecutor') p.push({ name: 'task-logs', containerPort: WORKER_LOG_PORT, protocol: 'TCP' });
      return p;
    }
    case 'triggerer':
      return [{ name: 'trigger-logs', containerPort: TRIGGERER_LOG_PORT, protocol: 'TCP' }];
    default:
      return undefined;
  }
}

/** Init container: waits until `airflow db migrate` (the migration Job) has brought the schema up to date. */
function waitForMigrations(inputs: KubeInputs, component: KubeComponent): V1Container {
  return {
    ...baseContainer('wait-for-migrations', inputs.image, SMALL_RESOURCES),
    args: airflowArgs('db', 'check-migrations', '--migration-wait-timeout=60'),
    envFrom: ENV_FROM,
    env: secretEnvironment(inputs, component),
  };
}

export interface PodChecksums {
  readonly config: string;
  readonly secrets?: string;
  readonly podTemplate?: string;
  /** FAB's webserver_config.py (SSO): the UI rolls when it changes. */
  readonly webserverConfig?: string;
  /** The OIDC client secret (SSO): the UI rolls when it is rotated. */
  readonly oidcSecret?: string;
}

function checksumAnnotations(c: PodChecksums, component: KubeComponent): Record<string, string> {
  const a: Record<string, string> = { 'airflow-aws/checksum-config': c.config };
  if (c.secrets) a['airflow-aws/checksum-secrets'] = c.secrets;
  if (c.podTemplate && component === 'scheduler') a['airflow-aws/checksum-pod-template'] = c.podTemplate;
  if (component === 'api-server' || component === 'webserver') {
    if (c.webserverConfig) a['airflow-aws/checksum-webserver-config'] = c.webserverConfig;
    if (c.oidcSecret) a['airflow-aws/checksum-oidc-secret'] = c.oidcSecret;
  }
  return a;
}

/**
 * How a Deployment rolls. Several replicas: one extra pod at a time and none taken away first, so the UI keeps its
 * capacity. One replica (the scheduler, dag-processor and triggerer by default): the old pod goes first, then the
 * new one starts in the room it freed. A surge would need a spare request's worth of CPU and memory on some node,
 * and when task pods fill the nodes (or the node group has no headroom and no autoscaler) the surge pod stays
 * Pending and the deploy times out. The price is a gap of one start-up (about a minute) in scheduling, parsing or
 * trigger handling; running task pods carry on and the new scheduler adopts them (proven on a real node:
 * test/e2e/k8s/suites/airflow.ts).
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment
 */
export function rolloutStrategy(replicas: number): NonNullable<V1Deployment['spec']>['strategy'] {
  return replicas > 1
    ? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }
    : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
}

export function deployment(inputs: KubeInputs, spec: ComponentSpec, sums: PodChecksums): V1Deployment & KubeObject {
  const c = inputs.config;
  const ns = c.kubernetes.namespace;
  const { component } = spec;
  const volumes: V1Volume[] = [...SCRATCH_VOLUMES];
  const extraMounts: V1VolumeMount[] = [];
  const initContainers: V1Container[] = [waitForMigrations(inputs, component)];
  if (component === 'scheduler' && c.airflow.executor === 'KubernetesExecutor') {
    volumes.push({ name: 'pod-template', configMap: { name: NAMES.podTemplate } });
    extraMounts.push({ name: 'pod-template', mountPath: POD_TEMPLATE_DIR, readOnly: true });
  }
  if (component === 'api-server' && c.airflow.auth === 'simple') {
    // Pre-seeded SimpleAuthManager passwords: the same admin password on every replica (otherwise each replica
    // generates its own). Copied to a writable emptyDir because the manager may reopen the file for writing.
    volumes.push(
      { name: 'simple-auth-seed', secret: { secretName: NAMES.secrets, items: [{ key: SECRET_KEYS.simpleAuthPasswords, path: 'passwords.json' }] } },
      { name: 'simple-auth', emptyDir: { sizeLimit: '1Mi' } },
    );
    extraMounts.push({ name: 'simple-auth', mountPath: SIMPLE_AUTH_DIR });
    initContainers.push({
      ...baseContainer('seed-simple-auth', inputs.image, SMALL_RESOURCES),
      command: ['cp', '/seed/passwords.json', SIMPLE_AUTH_FILE],
      volumeMounts: [
        { name: 'simple-auth-seed', mountPath: '/seed', readOnly: true },
        { name: 'simple-auth', mountPath: SIMPLE_AUTH_DIR },
      ],
    });
  }
  const sso = ssoPodParts(inputs, component);
  volumes.push(...sso.volumes);
  extraMounts.push(...sso.mounts);
  const p = probes(inputs, component);
  const main: V1Container = {
    ...baseContainer(component, inputs.image, resources(spec.cpu, spec.memory)),
    args: componentArgs(inputs, component),
    envFrom: ENV_FROM,
    env: [...secretEnvironment(inputs, component), ...sso.env],
    ports: ports(inputs, component),
    ...(p.startup ? { startupProbe: p.startup } : {}),
    ...(p.liveness ? { livenessProbe: p.liveness } : {}),
    ...(p.readiness ? { readinessProbe: p.readiness } : {}),
  };
  main.volumeMounts = [...(main.volumeMounts ?? []), ...extraMounts];
  const podSpec: V1PodSpec = {
    serviceAccountName: serviceAccountName(spec.identity),
    automountServiceAccountToken: needsApiToken(inputs, spec.identity),
    securityContext: podSecurityContext(),
    initContainers,
    containers: [main],
    volumes,
    terminationGracePeriodSeconds: component === 'triggerer' || component === 'scheduler' ? 60 : 30,
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selectorLabels(c, component) } },
          },
        ],
      },
    },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deploymentName(component), namespace: ns, labels: objectLabels(c, component) },
    spec: {
      replicas: spec.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(c, component) },
      strategy: rolloutStrategy(spec.replicas),
      template: {
        metadata: { labels: objectLabels(c, component), annotations: checksumAnnotations(sums, component) },
        spec: podSpec,
      },
    },
  };
}

export function uiService(inputs: KubeInputs): V1Service & KubeObject {
  const c = inputs.config;
  const component: KubeComponent = c.airflowMajor === 3 ? 'api-server' : 'webserver';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: uiServiceName(), namespace: c.kubernetes.namespace, labels: objectLabels(c, component) },
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(c, component),
      ports: [{ name: 'api', port: API_PORT, targetPort: 'api', protocol: 'TCP' }],
    },
  };
}

/** Voluntary disruptions (node drains, upgrades) take down at most one pod of a component at a time. */
export function podDisruptionBudget(inputs: KubeInputs, component: KubeComponent): V1PodDisruptionBudget & KubeObject {
  const c = inputs.config;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: deploymentName(component), namespace: c.kubernetes.namespace, labels: objectLabels(c, component) },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(c, component) } },
  };
}

/**
 * The KubernetesExecutor pod template: the main container MUST be named `base` (the executor reconciles by that
 * name and supplies `args`); `restartPolicy: Never`; the worker account (its Pod Identity role, no API token).
 * Labels are the selector subset only: Airflow creates these pods, we never own or prune them.
 */
export function workerPodTemplate(inputs: KubeInputs): V1Pod & KubeObject {
  const c = inputs.config;
  const w = c.kubernetes.workers;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'placeholder-name', namespace: c.kubernetes.namespace, labels: selectorLabels(c, 'worker') },
    spec: {
      serviceAccountName: serviceAccountName('worker'),
      automountServiceAccountToken: false,
      restartPolicy: 'Never',
      securityContext: podSecurityContext(),
      containers: [
        {
          ...baseContainer('base', inputs.image, resources(w.cpu, w.memory)),
          envFrom: ENV_FROM,
          env: [...secretEnvironment(inputs, 'worker'), { name: 'AIRFLOW_IS_K8S_EXECUTOR_POD', value: 'True' }],
          ports: [{ name: 'task-logs', containerPort: WORKER_LOG_PORT, protocol: 'TCP' }],
        },
      ],
      volumes: [...SCRATCH_VOLUMES],
    },
  };
}

