/**
 * The real stack on moto, made in-process by `up`'s infrastructure step: for tests of what comes after it (pause,
 * down, status) and of the step itself. Only the infrastructure step may run with this context: the Kubernetes and
 * image hooks fail the test if anything reaches them.
 */
import assert from 'node:assert/strict';
import { defaultCredentials } from '../../src/adapters/aws/deploy-inputs.js';
import type { ResolvedConfig } from '../../src/config/resolved.js';
import { runSteps } from '../../src/ops/steps.js';
import type { UpContext } from '../../src/ops/up/context.js';
import { infrastructureStep } from '../../src/ops/up/infrastructure.js';
import type { Prompter } from '../../src/ui/prompt.js';

/** A prompter that answers every question with `yes`. */
export const answer = (yes: boolean): Prompter => ({ interactive: true, confirm: async () => yes, confirmTyped: async () => yes });

export function infrastructureContext(config: ResolvedConfig, endpoint: string, prompt: Prompter = answer(true)): UpContext {
  return {
    config,
    region: config.region,
    endpoint,
    credentials: defaultCredentials({ region: config.region }),
    prompt,
    signal: new AbortController().signal,
    timeoutMs: 60_000,
    manageAccess: false,
    kubeTarget: async () => assert.fail('the infrastructure context reaches no cluster'),
    publishImage: async () => assert.fail('the infrastructure context builds no image'),
    imageInRegistry: async () => assert.fail('the infrastructure context builds no image'),
    found: {},
  };
}

/** Creates (or updates) the stack; returns its outputs. */
export async function deployStackOnMoto(config: ResolvedConfig, endpoint: string): Promise<Readonly<Record<string, string>>> {
  const ctx = infrastructureContext(config, endpoint);
  await runSteps([infrastructureStep], ctx, () => undefined);
  return ctx.found.outputs ?? {};
}
