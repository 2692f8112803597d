/**
 * Whether deploying the synthesized stack would change nothing, decided from what CloudFormation reports (pure).
 * The same test the CDK toolkit makes before it skips a deploy (toolkit-lib's canSkipDeploy: template, tags,
 * notification ARNs, termination protection, parameters, a failed status), made here so that a no-op rerun of `up`
 * needs neither the toolkit (over a second of CPU to load) nor a change set. Stricter where in doubt: any stack
 * parameter, or a status other than a completed create or update, goes through the toolkit.
 */
import type { CfnTemplate } from '../../infra/synthesize.js';

export interface DesiredStack {
  readonly template: CfnTemplate;
  readonly tags: Readonly<Record<string, string>>;
  readonly terminationProtection: boolean;
}

export interface DeployedStack {
  readonly status: string;
  /** GetTemplate, stage Original, parsed. */
  readonly template: CfnTemplate | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly terminationProtection: boolean;
  readonly notificationArns: readonly string[];
  readonly parameterKeys: readonly string[];
}

export type NoOpVerdict = { readonly noOp: true } | { readonly noOp: false; readonly why: string };

const SETTLED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE']);

export function deployIsNoOp(desired: DesiredStack, deployed: DeployedStack): NoOpVerdict {
  if (!SETTLED.has(deployed.status)) return { noOp: false, why: `the stack is ${deployed.status}` };
  if (deployed.template === undefined) return { noOp: false, why: 'the deployed template could not be read' };
  // Key order matters to the toolkit too: it compares the same two JSON strings.
  if (JSON.stringify(desired.template) !== JSON.stringify(deployed.template)) return { noOp: false, why: 'the template changed' };
  if (!sameTags(desired.tags, deployed.tags)) return { noOp: false, why: 'the stack tags changed' };
  if (desired.terminationProtection !== deployed.terminationProtection) return { noOp: false, why: 'termination protection changed' };
  if (deployed.notificationArns.length > 0) return { noOp: false, why: 'the stack has notification ARNs the deploy would remove' };
  if (deployed.parameterKeys.length > 0) return { noOp: false, why: 'the stack has parameters' };
  return { noOp: true };
}

function sameTags(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && b[k] === a[k]);
}
