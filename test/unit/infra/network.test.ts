import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { publicSubnetMask } from '../../../src/infra/network.js';
import { cloudWatchRetention } from '../../../src/infra/retention.js';
import { EXISTING_VPC, resourcesOf, synth } from './template-fixture.js';

describe('network', () => {
  it('creates a VPC with public and private subnets per AZ, NAT, and flow logs to CloudWatch with retention', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 'cloud-watch-logs', TrafficType: 'ALL', ResourceType: 'VPC' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30, LogGroupName: Match.absent() });
  });

  it('spreads over maxAzs availability zones without a lookup, with the configured NAT gateways', () => {
    const { template } = synth('network: {vpc: {cidr: 10.20.0.0/16, maxAzs: 3, natGateways: 3, flowLogRetentionDays: 45}}');
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
    const azs = Object.values(resourcesOf(template, 'AWS::EC2::Subnet')).map((s) => JSON.stringify(s.Properties['AvailabilityZone']));
    assert.equal(new Set(azs).size, 3);
    for (const az of azs) assert.match(az, /Fn::GetAZs/);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 60 });
  });

  it('imports an existing VPC by id: creates no VPC, subnet, NAT or flow log and places everything in the given subnets', () => {
    const { template } = synth(EXISTING_VPC);
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::NatGateway', 'AWS::EC2::FlowLog', 'AWS::EC2::InternetGateway']) {
      template.resourceCountIs(type, 0);
    }
    const subnets = ['subnet-0abc12345def67890', 'subnet-0abc12345def67891'];
    template.hasResourceProperties('AWS::EKS::Cluster', { ResourcesVpcConfig: { SubnetIds: subnets } });
    template.hasResourceProperties('AWS::EKS::Nodegroup', { Subnets: subnets });
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: subnets });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0abc12345def67890' });
  });

  for (const [cidr, azs, mask] of [
    ['10.0.0.0/16', 2, 24],
    ['10.0.0.0/16', 3, 24],
    ['10.0.0.0/20', 3, 25],
    ['10.0.0.0/24', 2, 28],
  ] as const) {
    it(`sizes public subnets /${mask} on a ${cidr} over ${azs} AZs`, () => assert.equal(publicSubnetMask(cidr, azs), mask));
  }

  for (const [days, kept] of [
    [1, 1],
    [30, 30],
    [45, 60],
    [366, 400],
    [3653, 3653],
  ] as const) {
    it(`keeps logs ${kept} days when ${days} are asked (CloudWatch accepts fixed values only)`, () => {
      assert.equal(cloudWatchRetention(days), kept);
    });
  }
});
