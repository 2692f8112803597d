/**
 * What EKS's built-in load balancer controller needs from the stack (docs/exposure.md): it acts with the cluster
 * role and picks subnets by their role tags. Both are in the stack already, so `exposure` changes no resource.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourcesOf, synth } from './template-fixture.js';

const PUBLIC = `exposure:
  mode: public
  certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d
  hostname: airflow.example.com
  sourceCidrs: [203.0.113.0/24]
`;

const tagsOf = (p: Record<string, unknown>) => Object.fromEntries(((p['Tags'] ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]));

describe('stack support for an exposed UI', () => {
  it('tags public subnets for internet-facing and private subnets for internal load balancers', () => {
    const subnets = Object.values(resourcesOf(synth().template, 'AWS::EC2::Subnet')).map((s) => tagsOf(s.Properties));
    const publicSubnets = subnets.filter((t) => t['aws-cdk:subnet-type'] === 'Public');
    const privateSubnets = subnets.filter((t) => t['aws-cdk:subnet-type'] === 'Private');
    assert.equal(publicSubnets.length, 2);
    assert.equal(privateSubnets.length, 2);
    for (const t of publicSubnets) assert.equal(t['kubernetes.io/role/elb'], '1');
    for (const t of privateSubnets) assert.equal(t['kubernetes.io/role/internal-elb'], '1');
  });

  it('gives the cluster role AmazonEKSClusterPolicy, the permissions the built-in controller creates load balancers with', () => {
    const roles = Object.values(resourcesOf(synth().template, 'AWS::IAM::Role')).filter((r) =>
      JSON.stringify(r.Properties['AssumeRolePolicyDocument']).includes('"Service":"eks.amazonaws.com"'),
    );
    assert.equal(roles.length, 1);
    assert.match(JSON.stringify(roles[0]!.Properties['ManagedPolicyArns']), /AmazonEKSClusterPolicy/);
  });

  it('synthesizes the same template for a private and a public UI (the load balancer lives outside the stack)', () => {
    assert.deepEqual(synth(PUBLIC).template.toJSON(), synth().template.toJSON());
  });
});
