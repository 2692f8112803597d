import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { synthesizeTemplates } from '../../../src/infra/synthesize.js';
import { nodeGroupAmiType } from '../../../src/infra/cluster.js';
import { testConfig } from './config-fixture.js';
import { ARM_NODES, resourcesOf, synth } from './template-fixture.js';

describe('cluster', () => {
  it('runs the configured Kubernetes version with API authentication (access entries) and no Auto Mode', () => {
    const { template } = synth('cluster: {kubernetesVersion: "1.34"}');
    template.resourceCountIs('AWS::EKS::Cluster', 1);
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Name: 'demo-airflow',
      Version: '1.34',
      AccessConfig: { AuthenticationMode: 'API' },
      ComputeConfig: { Enabled: false },
    });
  });

  it('sends api, audit, authenticator, controllerManager and scheduler logs to a log group with our retention', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Logging: {
        ClusterLogging: {
          EnabledTypes: [{ Type: 'api' }, { Type: 'audit' }, { Type: 'authenticator' }, { Type: 'controllerManager' }, { Type: 'scheduler' }],
        },
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/eks/demo-airflow/cluster', RetentionInDays: 30 });
  });

  it('envelope-encrypts Kubernetes Secrets with a rotating KMS key', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::EKS::Cluster', {
      EncryptionConfig: [{ Provider: { KeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterSecretsKey'), 'Arn'] } }, Resources: ['secrets'] }],
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('Kubernetes Secrets') });
  });

  for (const [access, extra, expected] of [
    ['public-and-private (default)', '', { EndpointPublicAccess: true, EndpointPrivateAccess: true, PublicAccessCidrs: ['0.0.0.0/0'] }],
    [
      'public-and-private from given CIDRs',
      'cluster: {publicAccessCidrs: [203.0.113.0/24, 198.51.100.7/32]}',
      { EndpointPublicAccess: true, EndpointPrivateAccess: true, PublicAccessCidrs: ['203.0.113.0/24', '198.51.100.7/32'] },
    ],
    ['private', 'cluster: {endpointAccess: private}', { EndpointPublicAccess: false, EndpointPrivateAccess: true }],
    [
      'public only, from given CIDRs',
      'cluster: {endpointAccess: public, publicAccessCidrs: [203.0.113.0/24]}',
      { EndpointPublicAccess: true, EndpointPrivateAccess: false, PublicAccessCidrs: ['203.0.113.0/24'] },
    ],
  ] as const) {
    it(`sets endpoint access ${access}`, () => {
      const { template } = synth(extra);
      const [cluster] = Object.values(resourcesOf(template, 'AWS::EKS::Cluster'));
      const vpcConfig = cluster!.Properties['ResourcesVpcConfig'] as Record<string, unknown>;
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(vpcConfig[k], v, k);
      if (!('PublicAccessCidrs' in expected)) assert.equal(vpcConfig['PublicAccessCidrs'], undefined);
    });
  }

  it('has one AL2023 managed node group sized from the config, in the private subnets', () => {
    const { template } = synth('cluster: {nodeGroup: {instanceTypes: [m6i.xlarge, m5.xlarge], capacityType: spot, minSize: 2, desiredSize: 3, maxSize: 6, diskGiB: 80}}');
    template.resourceCountIs('AWS::EKS::Nodegroup', 1);
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      AmiType: 'AL2023_x86_64_STANDARD',
      InstanceTypes: ['m6i.xlarge', 'm5.xlarge'],
      CapacityType: 'SPOT',
      ScalingConfig: { MinSize: 2, DesiredSize: 3, MaxSize: 6 },
      DiskSize: 80,
      Subnets: [{ Ref: Match.stringLikeRegexp('^NetworkVpcprivateSubnet1') }, { Ref: Match.stringLikeRegexp('^NetworkVpcprivateSubnet2') }],
    });
  });

  it('gives Graviton instance types the AL2023 arm64 AMI', () => {
    const { template } = synth(ARM_NODES);
    template.hasResourceProperties('AWS::EKS::Nodegroup', { AmiType: 'AL2023_ARM_64_STANDARD', InstanceTypes: ['m7g.large', 'c7g.xlarge'] });
  });

  for (const [types, ami] of [
    [['m6i.large'], 'AL2023_x86_64_STANDARD'],
    [['t3.medium', 'm5a.large'], 'AL2023_x86_64_STANDARD'],
    [['m7g.large'], 'AL2023_ARM_64_STANDARD'],
    [['c6gn.xlarge', 't4g.large'], 'AL2023_ARM_64_STANDARD'],
  ] as const) {
    it(`picks ${ami} for ${types.join(', ')}`, () => {
      assert.equal(nodeGroupAmiType(types), ami);
    });
  }

  it('installs vpc-cni, kube-proxy, coredns and eks-pod-identity-agent as managed add-ons after the nodes', () => {
    const { template } = synth();
    const addons = Object.values(resourcesOf(template, 'AWS::EKS::Addon'));
    assert.deepEqual(addons.map((a) => a.Properties['AddonName']).sort(), ['coredns', 'eks-pod-identity-agent', 'kube-proxy', 'vpc-cni']);
    const nodeGroupId = Object.keys(resourcesOf(template, 'AWS::EKS::Nodegroup'))[0]!;
    for (const a of addons) {
      assert.equal(a.Properties['ResolveConflicts'], 'OVERWRITE');
      assert.equal(a.Properties['AddonVersion'], undefined, 'no pinned add-on version');
      assert.ok(a.DependsOn?.includes(nodeGroupId), `${String(a.Properties['AddonName'])} waits for the node group`);
    }
  });

  it('grants cluster-admin through access entries to each configured principal and to extra principals', () => {
    const admins = ['arn:aws:iam::123456789012:role/platform-admin', 'arn:aws:iam::123456789012:user/alice'];
    const extra = 'arn:aws:iam::123456789012:role/deployer';
    const [t] = synthesizeTemplates(testConfig(`cluster: {adminPrincipalArns: [${admins.join(', ')}]}`), {
      additionalAdminPrincipalArns: [extra],
    });
    const entries = Object.values(t!.template.Resources!).filter((r) => r.Type === 'AWS::EKS::AccessEntry');
    assert.deepEqual(entries.map((e) => e.Properties!['PrincipalArn']).sort(), [...admins, extra].sort());
    for (const e of entries) {
      assert.deepEqual(e.Properties!['AccessPolicies'], [
        { AccessScope: { Type: 'cluster' }, PolicyArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy']] } },
      ]);
    }
  });

  it('keeps access-entry ids stable when the admin list is reordered', () => {
    const a = 'arn:aws:iam::123456789012:role/a';
    const b = 'arn:aws:iam::123456789012:role/b';
    const ids = (list: string) =>
      Object.entries(synthesizeTemplates(testConfig(`cluster: {adminPrincipalArns: [${list}]}`))[0]!.template.Resources!)
        .filter(([, r]) => r.Type === 'AWS::EKS::AccessEntry')
        .map(([id]) => id)
        .sort();
    assert.deepEqual(ids(`${a}, ${b}`), ids(`${b}, ${a}`));
  });
});
