/**
 * The Airflow metadata database: RDS PostgreSQL in private subnets, reachable on 5432 only from the EKS cluster
 * security group (attached to every managed node), KMS-encrypted, TLS forced, generated credentials in Secrets
 * Manager, snapshot on removal.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { DEFAULTS } from '../config/defaults.js';
import type { ResolvedConfig } from '../config/resolved.js';
import {
  DATABASE_LOG_EXPORTS,
  databaseInstanceIdentifier,
  databaseLogGroupName,
  databaseSecretName,
} from './names.js';
import { cloudWatchRetention } from './retention.js';

export const DATABASE_PORT = 5432;
export const DATABASE_NAME = DEFAULTS.database.databaseName;
export const DATABASE_USER = 'airflow';

export interface DatabaseProps {
  readonly config: ResolvedConfig;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** The only source allowed to connect: the EKS cluster security group. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  /** Encrypts the PostgreSQL log groups. */
  readonly logKey: kms.IKey;
}

export class Database extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly securityGroup: ec2.SecurityGroup;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { config } = props;
    const d = config.database;
    const major = d.engineVersion.split('.')[0]!;
    const engine = rds.DatabaseInstanceEngine.postgres({
      version: rds.PostgresEngineVersion.of(d.engineVersion, major),
    });

    this.key = new kms.Key(this, 'Key', {
      description: `${databaseInstanceIdentifier(config)}: RDS storage and credentials secret`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Airflow metadata database: PostgreSQL from the EKS cluster security group only',
      // A database initiates no connections.
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(
      props.clientSecurityGroup,
      ec2.Port.tcp(DATABASE_PORT),
      'PostgreSQL from the EKS cluster security group (all managed nodes)',
    );

    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Airflow metadata database: TLS only',
      parameters: { 'rds.force_ssl': '1' },
    });

    // Created before the instance so they carry our retention; RDS would otherwise create them with none.
    const logGroups = DATABASE_LOG_EXPORTS.map(
      (type) =>
        new logs.LogGroup(this, `LogGroup${type[0]!.toUpperCase()}${type.slice(1)}`, {
          logGroupName: databaseLogGroupName(config, type),
          retention: cloudWatchRetention(config.storage.logRetentionDays),
          encryptionKey: props.logKey,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
    );

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      instanceIdentifier: databaseInstanceIdentifier(config),
      engine,
      instanceType: new ec2.InstanceType(d.instanceClass.replace(/^db\./, '')),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      publiclyAccessible: false,
      port: DATABASE_PORT,
      databaseName: DATABASE_NAME,
      credentials: rds.Credentials.fromGeneratedSecret(DATABASE_USER, {
        secretName: databaseSecretName(config),
        encryptionKey: this.key,
      }),
      parameterGroup,
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      storageType: rds.StorageType.GP3,
      allocatedStorage: d.storageGiB,
      maxAllocatedStorage: d.maxStorageGiB,
      multiAz: d.multiAz,
      backupRetention: Duration.days(d.backupRetentionDays),
      deletionProtection: d.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      cloudwatchLogsExports: [...DATABASE_LOG_EXPORTS],
      copyTagsToSnapshot: true,
      // OS metrics every minute (enhanced monitoring): memory and swap are what an Airflow metadata DB runs out of.
      monitoringInterval: Duration.seconds(60),
    });
    for (const g of logGroups) this.instance.node.addDependency(g);

    Validations.of(this.instance).acknowledge(
      {
        id: 'AwsSolutions-RDS11',
        reason: 'The default port 5432 is kept: the database is reachable only from the cluster security group, and a non-default port is obscurity, not access control.',
      },
    );
    // `instance.secret` is the target attachment; the generated secret itself is the instance's child "Secret".
    Validations.of(this.instance.node.findChild('Secret')).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotation needs a Lambda rotation function (this stack has no Lambda by design) and Airflow keeps its SQLAlchemy URL for the life of a pod; rotate by redeploying.',
    });
    const monitoringRole = this.instance.node.findChild('MonitoringRole');
    Validations.of(monitoringRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
      reason: 'The enhanced monitoring role of RDS needs exactly this AWS-maintained service policy.',
    });

    const skips = [
      {
        id: 'CKV_AWS_161',
        comment: 'IAM database authentication is off: Airflow connects with a password through SQLAlchemy, and IAM tokens expire every 15 minutes.',
      },
    ];
    if (!d.multiAz) {
      const reason = 'database.multiAz is false in the config (cost choice); set it to true for a standby in a second AZ.';
      Validations.of(this.instance).acknowledge({ id: 'AwsSolutions-RDS3', reason });
      skips.push({ id: 'CKV_AWS_157', comment: reason });
    }
    (this.instance.node.defaultChild as rds.CfnDBInstance).addMetadata('checkov', { skip: skips });
  }
}
