/**
 * The CDK app of a deployment: one stack, tagged. Tests use this to reach the constructs (Template.fromStack);
 * everything else calls synthesizeTemplates().
 */
import { App, Tags, type IStackSynthesizer } from 'aws-cdk-lib';
import { stackName } from '../config/naming.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { DEPLOYMENT_TAG } from './names.js';
import { AirflowStack } from './stack.js';

export interface BuildAppOptions {
  /** Extra cluster-admin principals (the deploy step's caller). @default - none */
  readonly additionalAdminPrincipalArns?: readonly string[];
  /** Cloud assembly directory. @default - a fresh temporary directory chosen by CDK */
  readonly outdir?: string;
  /**
   * Run CDK's built-in CloudFormation validation plugin during synth. Off by default: it takes seconds, and the
   * validator tests run cfn-lint, cdk-nag and checkov on the same template.
   * @default false
   */
  readonly builtinValidation?: boolean;
  /** How the template reaches CloudFormation (see AirflowStackProps.synthesizer). @default BootstraplessSynthesizer */
  readonly synthesizer?: IStackSynthesizer;
}

export function buildApp(config: ResolvedConfig, options: BuildAppOptions = {}): { app: App; stack: AirflowStack } {
  const app = new App({
    analyticsReporting: false,
    builtinCloudFormationValidation: options.builtinValidation ?? false,
    ...(options.outdir ? { outdir: options.outdir } : {}),
    context: {
      // Our node group sets amiType explicitly; the flag only makes any future default AL2023 as well.
      '@aws-cdk/aws-eks:defaultToAL2023': true,
    },
  });
  const stack = new AirflowStack(app, stackName(config), {
    config,
    additionalAdminPrincipalArns: options.additionalAdminPrincipalArns ?? [],
    ...(options.synthesizer ? { synthesizer: options.synthesizer } : {}),
  });
  for (const [key, value] of Object.entries(config.tags)) Tags.of(app).add(key, value);
  Tags.of(app).add(DEPLOYMENT_TAG, config.name);
  return { app, stack };
}
