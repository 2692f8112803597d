/**
 * Names of AWS resources that must be known before the resource exists (so their CloudWatch log groups can be
 * created first, with a retention, instead of being auto-created by the service without one).
 * Fixed names also make an accidental replacement of the cluster or the database fail loudly instead of
 * silently creating an empty twin.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import { secretsPrefix, stackName } from '../config/naming.js';

/** EKS cluster name. @see https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html */
export function clusterName(config: Pick<ResolvedConfig, 'name'>): string {
  return stackName(config);
}

/** RDS DB instance identifier (lowercase, letters/digits/hyphens, <= 63; `name` is a DNS label of <= 28). */
export function databaseInstanceIdentifier(config: Pick<ResolvedConfig, 'name'>): string {
  return stackName(config);
}

/** Secrets Manager name of the generated master credentials, under the deployment's prefix. */
export function databaseSecretName(config: Pick<ResolvedConfig, 'name'>): string {
  return `${secretsPrefix(config)}/database`;
}

/** The log group EKS writes control-plane logs to. */
export function clusterLogGroupName(config: Pick<ResolvedConfig, 'name'>): string {
  return `/aws/eks/${clusterName(config)}/cluster`;
}

/** The log groups RDS exports PostgreSQL logs to, one per log type. */
export function databaseLogGroupName(config: Pick<ResolvedConfig, 'name'>, logType: string): string {
  return `/aws/rds/instance/${databaseInstanceIdentifier(config)}/${logType}`;
}

/** PostgreSQL log types exported to CloudWatch Logs. */
export const DATABASE_LOG_EXPORTS = ['postgresql', 'upgrade'] as const;

/** Tag put on every resource, naming the deployment it belongs to. */
export const DEPLOYMENT_TAG = 'airflow-aws:deployment';
