/**
 * One IAM role per Airflow component for EKS Pod Identity, each with only what ./permissions.ts grants it, and the
 * Pod Identity association binding it to the component's ServiceAccount. No IAM users, no access keys.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html
 */
import { Arn, ArnFormat, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  COMPONENTS,
  S3_PREFIXES,
  secretsBackendPrefixes,
  serviceAccountName,
  type Component,
} from '../config/naming.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { componentPermissions } from './permissions.js';

export interface IdentityProps {
  readonly config: ResolvedConfig;
  readonly cluster: eks.ICluster;
  readonly bucket: s3.IBucket;
  readonly bucketKey: kms.IKey;
}

/** PascalCase of a component, used in construct ids and output keys ("dag-processor" -> "DagProcessor"). */
export function pascal(component: Component): string {
  return component
    .split('-')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

export class Identity extends Construct {
  readonly roles: ReadonlyMap<Component, iam.Role>;

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    const { config, cluster, bucket, bucketKey } = props;
    const namespace = config.kubernetes.namespace;
    const roles = new Map<Component, iam.Role>();

    for (const component of COMPONENTS) {
      const sa = serviceAccountName(component);
      const p = componentPermissions(component, config);
      const role = new iam.Role(this, `Role${pascal(component)}`, {
        description: `Airflow ${component} of ${config.name} (EKS Pod Identity: ${namespace}/${sa})`,
        // AssumeRole + TagSession, and only for this cluster, namespace and ServiceAccount (the session tags EKS sets).
        assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')).withConditions({
          StringEquals: {
            'aws:RequestTag/eks-cluster-arn': cluster.clusterArn,
            'aws:RequestTag/kubernetes-namespace': namespace,
            'aws:RequestTag/kubernetes-service-account': sa,
          },
        }),
      });

      const statements: iam.PolicyStatement[] = [];
      if (p.logs !== 'none') {
        statements.push(
          new iam.PolicyStatement({
            sid: 'ListLogs',
            actions: ['s3:ListBucket'],
            resources: [bucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': [`${S3_PREFIXES.logs}*`] } },
          }),
          new iam.PolicyStatement({
            sid: p.logs === 'read' ? 'ReadLogs' : 'ReadWriteLogs',
            actions: p.logs === 'read' ? ['s3:GetObject'] : ['s3:GetObject', 's3:PutObject'],
            resources: [bucket.arnForObjects(`${S3_PREFIXES.logs}*`)],
          }),
        );
      }
      if (p.readDags) {
        statements.push(
          new iam.PolicyStatement({
            sid: 'ListDags',
            actions: ['s3:ListBucket'],
            resources: [bucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': [`${S3_PREFIXES.dags}*`] } },
          }),
          new iam.PolicyStatement({
            sid: 'ReadDags',
            actions: ['s3:GetObject'],
            resources: [bucket.arnForObjects(`${S3_PREFIXES.dags}*`)],
          }),
        );
      }
      if (p.logs !== 'none' || p.readDags) {
        statements.push(
          new iam.PolicyStatement({
            sid: 'BucketKey',
            actions: p.logs === 'read-write' ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
            resources: [bucketKey.keyArn],
          }),
        );
      }
      if (p.secrets.length > 0) {
        const prefixes = secretsBackendPrefixes(config);
        statements.push(
          new iam.PolicyStatement({
            sid: 'ReadSecretsBackend',
            actions: ['secretsmanager:GetSecretValue'],
            resources: p.secrets.map((s) => secretArnPattern(this, prefixes[s])),
          }),
        );
      }
      const policy = new iam.Policy(this, `Policy${pascal(component)}`, {
        roles: [role],
        document: new iam.PolicyDocument({ statements }),
      });
      acknowledgePrefixWildcards(policy, config, bucket, p);

      new eks.CfnPodIdentityAssociation(this, `Association${pascal(component)}`, {
        clusterName: cluster.clusterName,
        namespace,
        serviceAccount: sa,
        roleArn: role.roleArn,
      });
      roles.set(component, role);
    }
    this.roles = roles;
  }
}

/** Every secret under `prefix/` (Secrets Manager appends "-" and 6 random characters to each ARN). */
function secretArnPattern(scope: Construct, prefix: string): string {
  return Arn.format(
    { service: 'secretsmanager', resource: 'secret', resourceName: `${prefix}/*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
    Stack.of(scope),
  );
}

/**
 * cdk-nag flags every `*` in a resource (AwsSolutions-IAM5). Ours are all key or name prefixes: object keys under
 * a prefix of the deployment bucket, and secrets under a prefix of this deployment. Each one is acknowledged by its
 * exact finding id, so a new wildcard still fails the check.
 */
function acknowledgePrefixWildcards(
  policy: iam.Policy,
  config: ResolvedConfig,
  bucket: s3.IBucket,
  p: ReturnType<typeof componentPermissions>,
): void {
  const bucketId = Stack.of(policy).getLogicalId(bucket.node.defaultChild as CfnElement);
  const v = Validations.of(policy);
  const object = (prefix: string, why: string) =>
    v.acknowledge({ id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`, reason: why });
  if (p.logs !== 'none') {
    object(S3_PREFIXES.logs, 'Task log keys are created per DAG, run, task and try; access is limited to the logs/ prefix of this deployment\'s bucket.');
  }
  if (p.readDags) {
    object(S3_PREFIXES.dags, 'DAG bundle keys are chosen by users; read access is limited to the dags/ prefix of this deployment\'s bucket.');
  }
  const prefixes = secretsBackendPrefixes(config);
  for (const s of p.secrets) {
    v.acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${prefixes[s]}/*]`,
      reason: `Airflow's Secrets Manager backend looks up ${s} by name under this deployment's ${prefixes[s]}/ prefix; names are chosen by users, and Secrets Manager appends a random suffix to every ARN.`,
    });
  }
}
