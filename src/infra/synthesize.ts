/**
 * Contract of the infrastructure synthesis (implemented by the CDK app in this folder): resolved config in,
 * CloudFormation templates out — offline, no credentials, no lookups, no assets.
 */
import type { ResolvedConfig } from '../config/resolved.js';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string; Export?: unknown }>;
  readonly Parameters?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export interface SynthesizedTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

export function synthesizeTemplates(_config: ResolvedConfig): SynthesizedTemplate[] {
  throw new Error('synthesizeTemplates: not implemented yet (src/infra)');
}
