/**
 * Where everything runs: a new VPC (public subnets for NAT gateways and internet-facing load balancers, private
 * subnets with NAT egress for the nodes and the database, flow logs to CloudWatch Logs) or an existing VPC imported
 * from ids alone — never looked up, so synthesis needs no credentials.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ResolvedNetwork } from '../config/resolved.js';
import { cloudWatchRetention } from './retention.js';

export interface NetworkProps {
  readonly network: ResolvedNetwork;
  /** Encrypts the flow log group. */
  readonly logKey: kms.IKey;
}

export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  /** Private subnets (egress through NAT) for the cluster, its nodes and the database. */
  readonly privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const net = props.network;
    if (net.kind === 'existing') {
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: net.vpcId,
        availabilityZones: [...net.availabilityZones],
        privateSubnetIds: [...net.privateSubnetIds],
      });
      return;
    }
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(net.cidr),
      maxAzs: net.maxAzs,
      natGateways: net.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: publicSubnetMask(net.cidr, net.maxAzs) },
        // No cidrMask: the private subnets share the rest of the VPC evenly — pods take VPC addresses (vpc-cni).
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ],
      // `true` would add a Lambda-backed custom resource; the default security group is unused by this stack.
      restrictDefaultSecurityGroup: false,
    });
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      retention: cloudWatchRetention(net.flowLogRetentionDays),
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    this.vpc = vpc;
  }
}

/**
 * Public subnets only hold NAT gateways and load balancer nodes: keep them small (/24 on a /16) so the private
 * subnets, where every pod takes an address, get the rest.
 */
export function publicSubnetMask(cidr: string, azs: number): number {
  const prefix = Number(cidr.split('/')[1]);
  return Math.min(28, Math.max(24, prefix + Math.ceil(Math.log2(azs)) + 3));
}
