/**
 * Contract of the infrastructure synthesis (implemented by the CDK app in this folder): resolved config in,
 * CloudFormation templates out — offline, no credentials, no lookups, no assets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Errors, type IStackSynthesizer } from 'aws-cdk-lib';
import type { ResolvedConfig } from '../config/resolved.js';
import { EXIT_BAD_INPUT, UserError } from '../errors/user-error.js';
import { buildApp } from './app.js';

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

export interface SynthesisOptions {
  /** Extra cluster-admin principals (IAM role/user ARNs), e.g. the deploying caller. @default - none */
  readonly additionalAdminPrincipalArns?: readonly string[];
}

export function synthesizeTemplates(config: ResolvedConfig, options: SynthesisOptions = {}): SynthesizedTemplate[] {
  // CDK always writes a cloud assembly; keep it in a private temporary directory and remove it afterwards.
  const outdir = mkdtempSync(path.join(tmpdir(), 'airflow-aws-synth-'));
  try {
    const { app, stack } = buildApp(config, { outdir, additionalAdminPrincipalArns: options.additionalAdminPrincipalArns ?? [] });
    const template = app.synth().getStackArtifact(stack.artifactId).template as CfnTemplate;
    return [{ stackName: stack.stackName, template }];
  } catch (e) {
    throw asUserError(e);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** A synthesized cloud assembly on disk, for the deploy to use as it is (no second synthesis). */
export interface SynthesizedAssembly extends SynthesizedTemplate {
  /** The cloud assembly directory; the caller removes it (dispose). */
  readonly directory: string;
  /** Stack-level tags, as the deploy sets them on the stack. */
  readonly tags: Readonly<Record<string, string>>;
  readonly terminationProtection: boolean;
  dispose(): void;
}

/**
 * The same synthesis as synthesizeTemplates, with the synthesizer the deploy needs, kept on disk: `up` plans from its
 * template and deploys exactly this assembly.
 */
export function synthesizeAssembly(config: ResolvedConfig, synthesizer: IStackSynthesizer): SynthesizedAssembly {
  const directory = mkdtempSync(path.join(tmpdir(), 'airflow-aws-assembly-'));
  const dispose = () => rmSync(directory, { recursive: true, force: true });
  try {
    const { app, stack } = buildApp(config, { outdir: directory, synthesizer });
    const artifact = app.synth().getStackArtifact(stack.artifactId);
    return {
      stackName: stack.stackName,
      template: artifact.template as CfnTemplate,
      directory,
      tags: { ...artifact.tags },
      terminationProtection: Boolean(artifact.terminationProtection),
      dispose,
    };
  } catch (e) {
    dispose();
    throw asUserError(e);
  }
}

/** CDK refuses some combinations the config rules let through (e.g. a VPC too small for its subnets). */
function asUserError(e: unknown): unknown {
  if (!Errors.isValidationError(e)) return e;
  return new UserError(`the infrastructure cannot be synthesized from this config: ${(e as Error).message}`, {
    code: 'INFRA_INVALID',
    exitCode: EXIT_BAD_INPUT,
    hint: 'change the config value behind this message (e.g. a larger network.vpc.cidr); if the config looks right, report it with --verbose output',
    cause: e,
  });
}
