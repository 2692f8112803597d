/**
 * The single CloudFormation stack of a deployment: one construct per concept. Construct ids are API — they become
 * logical ids, and renaming one replaces the resource (for the database: a new, empty database). Never rename them.
 */
import { BootstraplessSynthesizer, CfnOutput, Fn, Stack, type IStackSynthesizer } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { COMPONENTS, STACK_OUTPUTS, stackName } from '../config/naming.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { Cluster } from './cluster.js';
import { Database, DATABASE_NAME } from './database.js';
import { Identity } from './identity.js';
import { LogEncryptionKey } from './log-key.js';
import { Network } from './network.js';
import { Registry } from './registry.js';
import { Storage } from './storage.js';

export interface AirflowStackProps {
  readonly config: ResolvedConfig;
  /**
   * Principals granted cluster-admin in addition to `cluster.adminPrincipalArns` — the hook through which the deploy
   * step adds its own caller.
   * @default - none
   */
  readonly additionalAdminPrincipalArns?: readonly string[];
  /**
   * How the template reaches CloudFormation. Offline synthesis (plan, synth, tests) needs none; `up` passes one that
   * uploads the template to the tool's own bucket, because ours is over the 51,200-byte inline limit.
   * @default BootstraplessSynthesizer (no assets, no bootstrap stack)
   */
  readonly synthesizer?: IStackSynthesizer;
}

export class AirflowStack extends Stack {
  readonly logs: LogEncryptionKey;
  readonly network: Network;
  readonly cluster: Cluster;
  readonly database: Database;
  readonly registry: Registry;
  readonly storage: Storage;
  readonly identity: Identity;
  private readonly azCount: number;

  constructor(scope: Construct, id: string, props: AirflowStackProps) {
    const { config } = props;
    super(scope, id, {
      stackName: stackName(config),
      description: `airflow-aws: Apache Airflow ${config.airflow.version} on EKS for "${config.name}"`,
      // No assets, no bootstrap stack: the template is all there is to deploy.
      synthesizer: props.synthesizer ?? new BootstraplessSynthesizer(),
      // A stray `aws cloudformation delete-stack` must not take the database with it; `down` lifts this explicitly.
      terminationProtection: true,
      analyticsReporting: false,
      // Environment-agnostic on purpose: synthesis needs no account, no credentials and makes no lookups.
    });
    this.azCount = config.network.kind === 'new' ? config.network.maxAzs : config.network.availabilityZones.length;

    this.logs = new LogEncryptionKey(this, 'Logs', { deployment: config.name });
    const logKey = this.logs.key;
    this.network = new Network(this, 'Network', { network: config.network, logKey });
    this.cluster = new Cluster(this, 'Cluster', {
      config,
      vpc: this.network.vpc,
      subnets: this.network.privateSubnets,
      logKey,
      additionalAdminPrincipalArns: props.additionalAdminPrincipalArns ?? [],
    });
    this.database = new Database(this, 'Database', {
      config,
      vpc: this.network.vpc,
      subnets: this.network.privateSubnets,
      clientSecurityGroup: this.cluster.cluster.clusterSecurityGroup,
      logKey,
    });
    this.registry = new Registry(this, 'Registry', { config });
    this.storage = new Storage(this, 'Storage', { config });
    this.identity = new Identity(this, 'Identity', {
      config,
      cluster: this.cluster.cluster,
      bucket: this.storage.bucket,
      bucketKey: this.storage.key,
    });

    const eksCluster = this.cluster.cluster;
    const db = this.database.instance;
    const out = (key: string, value: string, description: string) => new CfnOutput(this, key, { value, description });
    out(STACK_OUTPUTS.clusterName, eksCluster.clusterName, 'EKS cluster name');
    out(STACK_OUTPUTS.clusterEndpoint, eksCluster.clusterEndpoint, 'Kubernetes API endpoint');
    out(STACK_OUTPUTS.clusterCertificateAuthority, eksCluster.clusterCertificateAuthorityData, 'Kubernetes API CA (base64 PEM)');
    out(STACK_OUTPUTS.clusterSecurityGroupId, eksCluster.clusterSecurityGroupId, 'EKS cluster security group (on every node)');
    out(STACK_OUTPUTS.databaseEndpoint, db.dbInstanceEndpointAddress, 'PostgreSQL host');
    out(STACK_OUTPUTS.databasePort, db.dbInstanceEndpointPort, 'PostgreSQL port');
    out(STACK_OUTPUTS.databaseSecretArn, db.secret!.secretArn, 'Secrets Manager secret with the database credentials');
    out(STACK_OUTPUTS.databaseName, DATABASE_NAME, 'PostgreSQL database of Airflow');
    out(STACK_OUTPUTS.databaseInstanceId, db.instanceIdentifier, 'RDS DB instance identifier (snapshots before schema migrations)');
    out(STACK_OUTPUTS.repositoryUri, this.registry.repository.repositoryUri, 'ECR repository of the Airflow image');
    out(STACK_OUTPUTS.bucketName, this.storage.bucket.bucketName, 'S3 bucket for task logs (logs/) and DAG bundles (dags/)');
    for (const c of COMPONENTS) {
      out(STACK_OUTPUTS.roleArn(c), this.identity.roles.get(c)!.roleArn, `IAM role of the ${c} (EKS Pod Identity)`);
    }
  }

  /**
   * Environment-agnostic stacks get only two AZs from CDK; select as many as the VPC spans from Fn::GetAZs,
   * still without a lookup.
   */
  override get availabilityZones(): string[] {
    return Array.from({ length: this.azCount ?? 2 }, (_, i) => Fn.select(i, Fn.getAzs()));
  }
}
