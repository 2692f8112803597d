/**
 * The EKS cluster (aws-eks-v2: native AWS::EKS::Cluster, access entries only, no kubectl Lambda), its AL2023
 * managed node group, managed add-ons and cluster-admin access entries.
 */
import { createHash } from 'node:crypto';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ResolvedConfig } from '../config/resolved.js';
import { instanceArchitecture } from '../config/rules.js';
import { clusterLogGroupName, clusterName } from './names.js';
import { cloudWatchRetention } from './retention.js';

/** Control-plane log types sent to CloudWatch Logs: all five (audit is the one security reviews ask for). */
export const CLUSTER_LOGGING: readonly eks.ClusterLoggingTypes[] = [
  eks.ClusterLoggingTypes.API,
  eks.ClusterLoggingTypes.AUDIT,
  eks.ClusterLoggingTypes.AUTHENTICATOR,
  eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
  eks.ClusterLoggingTypes.SCHEDULER,
];

/**
 * EKS-managed add-ons. vpc-cni, kube-proxy and coredns are installed self-managed at cluster creation anyway
 * (bootstrapSelfManagedAddons); declaring them as managed add-ons makes EKS own their upgrades and makes them
 * visible in the template. No versions are pinned: EKS picks its default version for the cluster's Kubernetes
 * version at creation, which is the combination AWS tests.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html
 */
export const MANAGED_ADDONS = ['vpc-cni', 'kube-proxy', 'coredns', 'eks-pod-identity-agent'] as const;

export interface ClusterProps {
  readonly config: ResolvedConfig;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** Encrypts the control-plane log group. */
  readonly logKey: kms.IKey;
  /** Principals granted cluster-admin on top of `config.cluster.adminPrincipalArns` (e.g. the deploying role). */
  readonly additionalAdminPrincipalArns?: readonly string[];
}

export class Cluster extends Construct {
  readonly cluster: eks.Cluster;
  readonly nodeGroup: eks.Nodegroup;
  readonly secretsKey: kms.Key;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const { config } = props;
    const c = config.cluster;

    this.secretsKey = new kms.Key(this, 'SecretsKey', {
      description: `${clusterName(config)}: envelope encryption of Kubernetes Secrets`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });

    // Created before the cluster so it carries our retention; EKS would otherwise create it with "never expire".
    const logGroup = new logs.LogGroup(this, 'ControlPlaneLogGroup', {
      logGroupName: clusterLogGroupName(config),
      retention: cloudWatchRetention(config.storage.logRetentionDays),
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.cluster = new eks.Cluster(this, 'Eks', {
      clusterName: clusterName(config),
      version: eks.KubernetesVersion.of(c.kubernetesVersion),
      vpc: props.vpc,
      vpcSubnets: [props.subnets],
      // Auto Mode is the aws-eks-v2 default; we run one managed node group we size ourselves.
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      endpointAccess: endpointAccess(config),
      clusterLogging: [...CLUSTER_LOGGING],
      secretsEncryptionKey: this.secretsKey,
      // The CLI writes kubeconfig itself; the `aws eks update-kubeconfig` output would only add noise.
      outputConfigCommand: false,
    });
    this.cluster.node.addDependency(logGroup);
    if (c.endpointAccess === 'public') {
      // EndpointAccess.PUBLIC.onlyFrom() is refused by CDK (a restriction kept from the kubectl-Lambda era);
      // EKS itself accepts public-only access with CIDRs.
      const cfn = this.cluster.node.defaultChild as eks.CfnCluster;
      cfn.addPropertyOverride('ResourcesVpcConfig.PublicAccessCidrs', [...c.publicAccessCidrs]);
    }

    const ng = c.nodeGroup;
    this.nodeGroup = this.cluster.addNodegroupCapacity('Nodes', {
      amiType: nodeGroupAmiType(ng.instanceTypes),
      instanceTypes: ng.instanceTypes.map((t) => new ec2.InstanceType(t)),
      capacityType: ng.capacityType === 'spot' ? eks.CapacityType.SPOT : eks.CapacityType.ON_DEMAND,
      minSize: ng.minSize,
      desiredSize: ng.desiredSize,
      maxSize: ng.maxSize,
      diskSize: ng.diskGiB,
      subnets: props.subnets,
    });

    const awsManaged = (name: string) => `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`;
    Validations.of(this.cluster).acknowledge(
      {
        id: awsManaged('AmazonEKSClusterPolicy'),
        reason: 'The EKS service role needs exactly AmazonEKSClusterPolicy, which AWS maintains as EKS gains features.',
      },
      {
        id: awsManaged('AmazonEKSWorkerNodePolicy'),
        reason: 'Required by EKS managed nodes (includes eks-auth:AssumeRoleForPodIdentity for Pod Identity); AWS-maintained.',
      },
      {
        id: awsManaged('AmazonEKS_CNI_Policy'),
        reason: 'vpc-cni on the nodes assigns pod IPs with it; AWS-maintained, and the set of EC2 calls it needs changes with vpc-cni.',
      },
      {
        id: awsManaged('AmazonEC2ContainerRegistryReadOnly'),
        reason: 'Nodes pull the Airflow image from ECR with it (read only); AWS-maintained.',
      },
    );

    for (const name of MANAGED_ADDONS) {
      const addon =
        name === 'eks-pod-identity-agent'
          ? (this.cluster.eksPodIdentityAgent as eks.Addon)
          : new eks.Addon(this, addonId(name), { cluster: this.cluster, addonName: name });
      // Adopt the bootstrap (self-managed) copies instead of failing on their existing objects.
      (addon.node.defaultChild as eks.CfnAddon).resolveConflicts = 'OVERWRITE';
      // coredns only becomes ACTIVE once it can schedule; ordering all add-ons after the nodes keeps it simple.
      addon.node.addDependency(this.nodeGroup);
    }

    for (const arn of [...c.adminPrincipalArns, ...(props.additionalAdminPrincipalArns ?? [])]) {
      this.grantClusterAdmin(arn);
    }
  }

  /**
   * Grants cluster-admin (AmazonEKSClusterAdminPolicy, cluster scope) to an IAM role or user ARN through an access
   * entry. The construct id derives from the ARN, so reordering the config list changes nothing.
   */
  grantClusterAdmin(principalArn: string): void {
    this.cluster.grantClusterAdmin(`Admin${shortHash(principalArn)}`, principalArn);
  }
}

export function endpointAccess(config: ResolvedConfig): eks.EndpointAccess {
  const c = config.cluster;
  switch (c.endpointAccess) {
    case 'private':
      return eks.EndpointAccess.PRIVATE;
    case 'public':
      return eks.EndpointAccess.PUBLIC;
    case 'public-and-private':
      return eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...c.publicAccessCidrs);
  }
}

/** AL2023 in the node group's architecture (the config rules guarantee one architecture). */
export function nodeGroupAmiType(instanceTypes: readonly string[]): eks.NodegroupAmiType {
  return instanceTypes.every((t) => instanceArchitecture(t) === 'arm64')
    ? eks.NodegroupAmiType.AL2023_ARM_64_STANDARD
    : eks.NodegroupAmiType.AL2023_X86_64_STANDARD;
}

function addonId(name: string): string {
  return `Addon${name
    .split('-')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')}`;
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}
