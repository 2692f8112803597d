/**
 * The whole Airflow application as ordered phases — the single description both `synth` (YAML files) and
 * `deploy` (the apply engine) consume. Pure: same inputs, same objects.
 *
 * Order: namespace -> identities, config, secrets, policies, services -> [in-cluster database, rolled out] ->
 * bootstrap Job -> migration Job -> admin-user Job -> components (rolled out).
 */
import type { V1Namespace, V1Secret } from '@kubernetes/client-node';
import { ADMIN_USERNAME, basePath, configMap, effectiveBaseUrl, metadataConnection } from './airflow-config.js';
import { loadBalancerService } from './exposure.js';
import { componentSpecs, deployment, podDisruptionBudget, uiService, workerPodTemplate } from './workloads.js';
import { jobComponents, job } from './jobs.js';
import { NAMES, objectLabels, ownerSelector, SECRET_KEYS } from './labels.js';
import type { KubeApp, KubeInputs, KubeObject, Phase } from './model.js';
import { networkPolicies } from './network.js';
import { postgresObjects } from './postgres.js';
import { roles, serviceAccounts } from './rbac.js';
import { checksum } from './secrets.js';
import { oidcSecretData, webserverConfigMap } from './sso.js';
import { toYaml } from './yaml.js';

/** Pod Security Standards level enforced on the namespace (and audited, and warned about). */
export const POD_SECURITY_LEVEL = 'restricted';

export function namespace(inputs: KubeInputs): V1Namespace & KubeObject {
  const c = inputs.config;
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: c.kubernetes.namespace,
      labels: {
        ...objectLabels(c, undefined),
        'pod-security.kubernetes.io/enforce': POD_SECURITY_LEVEL,
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/audit': POD_SECURITY_LEVEL,
        'pod-security.kubernetes.io/audit-version': 'latest',
        'pod-security.kubernetes.io/warn': POD_SECURITY_LEVEL,
        'pod-security.kubernetes.io/warn-version': 'latest',
      },
    },
  };
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Secret data as applied (base64). Only built when the deploy command supplies values. */
export function secretData(inputs: KubeInputs): Record<string, Record<string, string>> | undefined {
  const s = inputs.secrets;
  const m = inputs.databaseMaster;
  if (!s || !m) return undefined;
  const shared: Record<string, string> = {
    [SECRET_KEYS.fernetKey]: s.fernetKey,
    [SECRET_KEYS.apiSecretKey]: s.apiSecretKey,
    [SECRET_KEYS.jwtSecret]: s.jwtSecret,
    [SECRET_KEYS.adminPassword]: s.adminPassword,
    [SECRET_KEYS.databasePassword]: s.databasePassword,
  };
  if (inputs.config.airflowMajor === 3 && inputs.config.airflow.auth === 'simple') {
    shared[SECRET_KEYS.simpleAuthPasswords] = JSON.stringify({ [ADMIN_USERNAME]: s.adminPassword });
  }
  const oidc = oidcSecretData(inputs);
  return {
    [NAMES.secrets]: shared,
    [NAMES.metadata]: { connection: metadataConnection(inputs, s.databasePassword) },
    [NAMES.databaseMaster]: { username: m.username, password: m.password },
    ...(oidc ? { [NAMES.oidc]: oidc } : {}),
  };
}

function secrets(inputs: KubeInputs): (V1Secret & KubeObject)[] {
  const data = secretData(inputs);
  if (!data) return [];
  return Object.entries(data).map(([name, values]) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name, namespace: inputs.config.kubernetes.namespace, labels: objectLabels(inputs.config, undefined) },
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, b64(v)])),
  }));
}

export function buildApp(inputs: KubeInputs): KubeApp {
  const c = inputs.config;
  const ns = c.kubernetes.namespace;
  const cm = configMap(inputs);
  const foundation: KubeObject[] = [...serviceAccounts(inputs), ...roles(inputs), cm];
  let podTemplateSum: string | undefined;
  if (c.airflow.executor === 'KubernetesExecutor') {
    const template = toYaml([workerPodTemplate(inputs)]);
    podTemplateSum = checksum(template);
    foundation.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: NAMES.podTemplate, namespace: ns, labels: objectLabels(c, 'worker') },
      data: { 'pod_template_file.yaml': template },
    } as KubeObject);
  }
  const fabConfig = webserverConfigMap(inputs);
  if (fabConfig) foundation.push(fabConfig);
  const data = secretData(inputs);
  foundation.push(...secrets(inputs), ...networkPolicies(inputs), uiService(inputs));
  const lb = loadBalancerService(inputs, basePath({ baseUrl: effectiveBaseUrl(inputs) }));
  if (lb) foundation.push(lb);

  // The OIDC client secret has its own checksum, on the UI only: rotating it restarts nothing else.
  const { [NAMES.oidc]: oidcData, ...shared } = data ?? {};
  const sums = {
    config: checksum(cm.data),
    ...(data ? { secrets: checksum(shared) } : {}),
    ...(oidcData ? { oidcSecret: checksum(oidcData) } : {}),
    ...(podTemplateSum ? { podTemplate: podTemplateSum } : {}),
    ...(fabConfig ? { webserverConfig: checksum(fabConfig.data) } : {}),
  };
  const specs = componentSpecs(inputs);
  const components: KubeObject[] = [
    ...specs.map((s) => deployment(inputs, s, sums)),
    ...specs.map((s) => podDisruptionBudget(inputs, s.component)),
  ];

  const phases: Phase[] = [
    { name: 'namespace', description: `namespace ${ns} (Pod Security: ${POD_SECURITY_LEVEL})`, objects: [namespace(inputs)], wait: 'none' },
    { name: 'foundation', description: 'service accounts, RBAC, configuration, secrets, network policies, services', objects: foundation, wait: 'none' },
  ];
  const pg = postgresObjects(inputs);
  if (pg.length > 0) phases.push({ name: 'database', description: 'in-cluster PostgreSQL', objects: pg, wait: 'rollout' });
  const jobText: Record<string, string> = {
    'db-bootstrap': 'database bootstrap Job (Airflow user and database)',
    migrate: 'migration Job (airflow db migrate)',
    'create-admin': 'admin user Job',
  };
  for (const j of jobComponents(inputs)) {
    phases.push({ name: j, description: jobText[j] ?? j, objects: [job(inputs, j)], wait: 'jobs-complete' });
  }
  phases.push({ name: 'components', description: specs.map((s) => s.component).join(', '), objects: components, wait: 'rollout' });
  return { namespace: ns, ownerSelector: ownerSelector(c), phases };
}
