/**
 * Names shared by the infrastructure and the Kubernetes layer. Pod Identity associations (CloudFormation) and the
 * ServiceAccounts (Kubernetes) must agree on namespace and account names, so both read them from here.
 */
import type { ResolvedConfig } from './resolved.js';

/** Airflow components that get their own ServiceAccount and IAM role. `api-server` is the webserver on Airflow 2. */
export const COMPONENTS = ['api-server', 'scheduler', 'dag-processor', 'triggerer', 'worker'] as const;
export type Component = (typeof COMPONENTS)[number];

export function serviceAccountName(component: Component): string {
  return `airflow-${component}`;
}

/** The single CloudFormation stack of a deployment. */
export function stackName(config: Pick<ResolvedConfig, 'name'>): string {
  return `${config.name}-airflow`;
}

/** Secrets Manager names: everything of a deployment under one prefix, so IAM can scope reads to it. */
export function secretsPrefix(config: Pick<ResolvedConfig, 'name'>): string {
  return `airflow-aws/${config.name}`;
}

/** Prefixes used by Airflow's Secrets Manager backend (connections, variables, config). */
export function secretsBackendPrefixes(config: Pick<ResolvedConfig, 'name'>) {
  const p = secretsPrefix(config);
  return { connections: `${p}/connections`, variables: `${p}/variables`, config: `${p}/config` };
}

/** What a secret under the backend's prefixes is to Airflow; `secrets` commands write connections and variables. */
export type SecretKind = 'connection' | 'variable' | 'config';

const KIND_PREFIX = { connection: 'connections', variable: 'variables', config: 'config' } as const satisfies Record<SecretKind, keyof ReturnType<typeof secretsBackendPrefixes>>;

/** The prefix of one kind (`airflow-aws/<name>/connections`). */
export function secretKindPrefix(config: Pick<ResolvedConfig, 'name'>, kind: SecretKind): string {
  return secretsBackendPrefixes(config)[KIND_PREFIX[kind]];
}

/**
 * The Secrets Manager name Airflow's backend looks up for a connection id, variable key or config key: prefix, the
 * backend's default separator "/", the id. The backend is configured without `sep`, so "/" it is.
 */
export function backendSecretName(config: Pick<ResolvedConfig, 'name'>, kind: SecretKind, id: string): string {
  return `${secretKindPrefix(config, kind)}/${id}`;
}

/** The kind and id of a full secret name under this deployment's prefixes, or undefined for any other name. */
export function parseBackendSecretName(config: Pick<ResolvedConfig, 'name'>, secretName: string): { kind: SecretKind; id: string } | undefined {
  for (const kind of Object.keys(KIND_PREFIX) as SecretKind[]) {
    const prefix = `${secretKindPrefix(config, kind)}/`;
    if (secretName.startsWith(prefix) && secretName.length > prefix.length) return { kind, id: secretName.slice(prefix.length) };
  }
  return undefined;
}

/** S3 key prefixes in the deployment bucket. */
export const S3_PREFIXES = { logs: 'logs/', dags: 'dags/' } as const;

/** Stack output keys later steps read (deploy, kubeconfig, image push). */
export const STACK_OUTPUTS = {
  clusterName: 'ClusterName',
  clusterEndpoint: 'ClusterEndpoint',
  clusterCertificateAuthority: 'ClusterCertificateAuthorityData',
  clusterSecurityGroupId: 'ClusterSecurityGroupId',
  databaseEndpoint: 'DatabaseEndpoint',
  databasePort: 'DatabasePort',
  databaseSecretArn: 'DatabaseSecretArn',
  databaseName: 'DatabaseName',
  /** The RDS instance identifier: what `up` snapshots before a schema migration and `down` lists snapshots of. */
  databaseInstanceId: 'DatabaseInstanceId',
  repositoryUri: 'RepositoryUri',
  bucketName: 'BucketName',
  /** One per component: e.g. RoleArnScheduler. */
  roleArn: (c: Component) => `RoleArn${c.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`,
} as const;

/**
 * The tool's template bucket (src/adapters/aws/template-bucket.ts). S3 names are global: the account id keeps ours
 * from colliding with anyone else's. Here, not in the adapter, so that naming it does not load the S3 client.
 */
export function templateBucketName(account: string, region: string): string {
  return `airflow-aws-templates-${account}-${region}`;
}
