/**
 * EKS bearer tokens minted in-process (no aws CLI): a SigV4-presigned STS GetCallerIdentity URL whose signed
 * headers include `x-k8s-aws-id: <cluster name>`, base64url-encoded without padding behind `k8s-aws-v1.`. EKS's
 * authenticator replays the URL against STS to learn who we are. STS honours the signature for 15 minutes
 * after X-Amz-Date (X-Amz-Expires=60 notwithstanding), so tokens are treated as valid for 14 minutes and refreshed
 * a minute before that — or before the credentials themselves expire.
 * @see https://github.com/aws/aws-cli/blob/develop/awscli/customizations/eks/get_token.py
 * @see https://github.com/kubernetes-sigs/aws-iam-authenticator/blob/master/pkg/token/token.go
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { KubeConfig, User } from '@kubernetes/client-node';

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

export const TOKEN_PREFIX = 'k8s-aws-v1.';
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** What get_token.py uses; STS itself accepts the signature for 15 minutes. */
export const URL_EXPIRES_SECONDS = 60;
export const TOKEN_LIFETIME_MS = 14 * 60_000;
export const REFRESH_MARGIN_MS = 60_000;

/** Query order of botocore's presigned URL: the request's own parameters, then SigV4QueryAuth's, signature last. */
const BOTOCORE_QUERY_ORDER = [
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
];

export interface EksToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** The regional STS endpoint (EKS validates the host; the global endpoint is a legacy fallback). */
export function stsHost(region: string): string {
  return region.startsWith('cn-') ? `sts.${region}.amazonaws.com.cn` : `sts.${region}.amazonaws.com`;
}

export async function mintEksToken(opts: {
  readonly clusterName: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Signing time (tests). @default now */
  readonly now?: Date;
}): Promise<EksToken> {
  const now = opts.now ?? new Date();
  const hostname = stsHost(opts.region);
  const signer = new SignatureV4({ service: 'sts', region: opts.region, credentials: opts.credentials, sha256: Sha256 });
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, [CLUSTER_ID_HEADER]: opts.clusterName },
    },
    { expiresIn: URL_EXPIRES_SECONDS, signingDate: now },
  );
  const params = Object.entries(presigned.query ?? {}).flatMap(([k, v]) =>
    Array.isArray(v) ? v.map((x) => [k, x] as const) : v == null ? [] : [[k, v] as const],
  );
  // botocore's parameter order (what `aws eks get-token` emits), so the token is byte-for-byte the reference one;
  // the signature does not depend on it (SigV4 signs the sorted query).
  const rank = (k: string): number => (BOTOCORE_QUERY_ORDER.indexOf(k) + 1 || BOTOCORE_QUERY_ORDER.length + 1);
  const query = params
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p[0]) - rank(b.p[0]) || a.i - b.i)
    .map(({ p: [k, v] }) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  // Node's base64url has no `=` padding, which is exactly the documented format.
  const token = TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
  const creds = typeof opts.credentials === 'function' ? undefined : opts.credentials;
  let expiresAt = new Date(now.getTime() + TOKEN_LIFETIME_MS);
  if (creds?.expiration && creds.expiration < expiresAt) expiresAt = creds.expiration;
  return { token, expiresAt };
}

/** Caches a token and mints a new one shortly before expiry. */
export class EksTokenProvider {
  private current: EksToken | undefined;
  private pending: Promise<EksToken> | undefined;

  constructor(
    private readonly clusterName: string,
    private readonly region: string,
    private readonly credentials: AwsCredentialIdentityProvider,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async token(): Promise<EksToken> {
    const now = this.clock().getTime();
    if (this.current && this.current.expiresAt.getTime() - REFRESH_MARGIN_MS > now) return this.current;
    this.pending ??= (async () => {
      try {
        const credentials = await this.credentials();
        const t = await mintEksToken({ clusterName: this.clusterName, region: this.region, credentials, now: this.clock() });
        this.current = t;
        return t;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}

export const EKS_AUTH_PROVIDER = 'airflow-aws-eks';

/** Plugs a token provider into @kubernetes/client-node: every request gets a fresh-enough bearer token. */
export function eksAuthenticator(provider: EksTokenProvider): Authenticator {
  return {
    isAuthProvider: (user: User) => (user.authProvider as { name?: string } | undefined)?.name === EKS_AUTH_PROVIDER,
    applyAuthentication: async (_user: User, opts: unknown) => {
      const { token } = await provider.token();
      const o = opts as { headers?: Record<string, unknown> };
      o.headers ??= {};
      o.headers['Authorization'] = `Bearer ${token}`;
    },
  };
}

/** A KubeConfig for an EKS cluster from its endpoint and CA, authenticated by `provider`. */
export async function eksKubeConfig(opts: {
  readonly clusterName: string;
  readonly endpoint: string;
  /** Base64 PEM, as in the cluster's certificateAuthority.data / our stack output. */
  readonly caData: string;
  readonly provider: EksTokenProvider;
}): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const name = `eks-${opts.clusterName}`;
  kc.loadFromOptions({
    clusters: [{ name, server: opts.endpoint, caData: opts.caData, skipTLSVerify: false }],
    users: [{ name, authProvider: { name: EKS_AUTH_PROVIDER, config: {} } }],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  kc.addAuthenticator(eksAuthenticator(opts.provider));
  return kc;
}

/** The ExecCredential kubectl expects from an exec plugin (`airflow-aws eks-token`). */
export function execCredential(t: EksToken): Record<string, unknown> {
  return {
    kind: 'ExecCredential',
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    spec: {},
    status: { expirationTimestamp: t.expiresAt.toISOString(), token: t.token },
  };
}
