/**
 * What the steps of `up` share: the resolved config, where AWS is, how to ask the user, and what earlier steps
 * found (the account, the stack's outputs, the image). The CLI builds it; the steps fill `found` in order.
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { KubeClient } from '../../adapters/kube/client.js';
import type { LogStore } from '../../airflow/remote-logs.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import type { SynthesizedAssembly } from '../../infra/synthesize.js';
import type { DatabaseMasterValues, DatabaseTarget } from '../../k8s/model.js';
import type { Prompter } from '../../ui/prompt.js';

export interface KubeTarget {
  readonly client: KubeClient;
  readonly where: string;
  readonly database: DatabaseTarget;
  readonly master?: DatabaseMasterValues;
  /** Remote task logs: the stack's bucket. */
  readonly logStore?: LogStore;
  /** auth.oidc's client secret, read from its Secrets Manager ARN (in memory only). */
  readonly oidcClientSecret?: string;
}

export interface UpContext {
  readonly config: ResolvedConfig;
  readonly region: string;
  /** For emulators only; AWS_ENDPOINT_URL works as well. */
  readonly endpoint?: string;
  readonly credentials: AwsCredentialIdentityProvider;
  readonly prompt: Prompter;
  readonly signal: AbortSignal;
  /** Bound on each wait (a busy stack, Jobs, rollouts). */
  readonly timeoutMs: number;
  /** An image given with --image: the image step then builds nothing. */
  readonly image?: string;
  /**
   * Where the Kubernetes layer goes once the stack's outputs are known: the stack's EKS cluster, or an existing
   * cluster (--kube-context). Resolved lazily because it needs the outputs.
   */
  readonly kubeTarget: (outputs: Readonly<Record<string, string>>) => Promise<KubeTarget>;
  /** Whether the caller must be made cluster admin (not for --kube-context: the kubeconfig already grants access). */
  readonly manageAccess: boolean;
  /** Builds the image from the lock and pushes it to the stack's registry, unless that tag is there already. */
  readonly publishImage: (repositoryUri: string) => Promise<{ readonly image: string; readonly pushed: boolean }>;
  /** Read-only, for the plan: the content tag the project makes now, and its digest when the registry has it. */
  readonly imageInRegistry: () => Promise<{ readonly tag: string; readonly digest?: string }>;
  readonly found: Found;
}

export interface Found {
  account?: string;
  /** The stack synthesized once per run: the plan's template is the one deployed. */
  assembly?: SynthesizedAssembly;
  outputs?: Readonly<Record<string, string>>;
  image?: string;
  kube?: KubeTarget;
}
