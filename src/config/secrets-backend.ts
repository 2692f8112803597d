/**
 * Airflow's `[secrets]` settings for the Secrets Manager backend, shared by the cluster (ConfigMap) and `dev`, so a
 * DAG finds the same connection ids and variable keys under the same names in both places.
 * @see https://airflow.apache.org/docs/apache-airflow-providers-amazon/stable/secrets-backends/aws-secrets-manager.html
 */
import { secretsBackendPrefixes } from './naming.js';
import type { ResolvedConfig } from './resolved.js';

export const SECRETS_MANAGER_BACKEND = 'airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend';

/** `dev up --secrets-endpoint aws`: AWS's own endpoint of the config's region, not an emulator's. */
export const SECRETS_ENDPOINT_AWS = 'aws';

export interface SecretsBackendClient {
  /**
   * Region of the Secrets Manager client. On the cluster the pods' AWS_REGION says it already.
   * @default the boto3 default chain (AWS_REGION / AWS_DEFAULT_REGION)
   */
  readonly region?: string;
  /**
   * Endpoint URL of a Secrets Manager API (an emulator, a VPC endpoint). Passed as the backend's `endpoint_url`
   * kwarg, which the provider hands to boto3 like an AWS connection's extra.
   * @default AWS's public endpoint of the region
   */
  readonly endpoint?: string;
}

/** `AIRFLOW__SECRETS__BACKEND` and `..._BACKEND_KWARGS` for the deployment's prefixes. */
export function secretsBackendEnv(config: Pick<ResolvedConfig, 'name'>, client: SecretsBackendClient = {}): Record<string, string> {
  const p = secretsBackendPrefixes(config);
  return {
    AIRFLOW__SECRETS__BACKEND: SECRETS_MANAGER_BACKEND,
    AIRFLOW__SECRETS__BACKEND_KWARGS: JSON.stringify({
      connections_prefix: p.connections,
      variables_prefix: p.variables,
      config_prefix: p.config,
      ...(client.region ? { region_name: client.region } : {}),
      ...(client.endpoint ? { endpoint_url: client.endpoint } : {}),
    }),
  };
}
