/** Synthesized templates for infrastructure tests, cached per config text (synthesis takes a few hundred ms). */
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BuildAppOptions } from '../../../src/infra/app.js';
import type { AirflowStack } from '../../../src/infra/stack.js';
import { testConfig } from './config-fixture.js';

const cache = new Map<string, { template: Template; stack: AirflowStack }>();

export function synth(extra = '', options: BuildAppOptions = {}): { template: Template; stack: AirflowStack } {
  const key = `${extra}\u0000${JSON.stringify(options)}`;
  let hit = cache.get(key);
  if (!hit) {
    const { stack } = buildApp(testConfig(extra), options);
    hit = { template: Template.fromStack(stack), stack };
    cache.set(key, hit);
  }
  return hit;
}

/** Resources of one type, as logical id -> resource. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string; DependsOn?: string[] }> {
  return template.findResources(type) as never;
}

export const EXISTING_VPC = `network:
  existingVpc:
    vpcId: vpc-0abc12345def67890
    availabilityZones: [eu-west-1a, eu-west-1b]
    privateSubnetIds: [subnet-0abc12345def67890, subnet-0abc12345def67891]
`;

export const ARM_NODES = `cluster:
  nodeGroup:
    instanceTypes: [m7g.large, c7g.xlarge]
image:
  platform: linux/arm64
`;
