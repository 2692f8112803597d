/**
 * ECR login material from the AWS SDK (GetAuthorizationToken) — no aws CLI. The SDK honours AWS_ENDPOINT_URL /
 * AWS_ENDPOINT_URL_ECR (emulators such as moto); `endpoint` overrides it explicitly.
 * @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html
 */
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { UserError } from '../../errors/user-error.js';

export interface EcrLogin {
  readonly username: string;
  /** Secret: pass it on stdin only, never log it. */
  readonly password: string;
  /** Registry host without scheme, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com */
  readonly registry: string;
  readonly expiresAt?: Date;
}

export function ecrClient(region: string, endpoint?: string): ECRClient {
  return new ECRClient({ region, ...(endpoint ? { endpoint } : {}), maxAttempts: 3 });
}

/** Decode `base64("AWS:<password>")`, splitting at the first colon (the password may contain colons). */
export function decodeAuthorizationToken(token: string): { username: string; password: string } {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i <= 0) throw new UserError('ECR returned an authorization token that is not "user:password"', { code: 'REGISTRY_AUTH_FAILED' });
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

export async function ecrLogin(client: ECRClient, signal?: AbortSignal): Promise<EcrLogin> {
  let out;
  try {
    out = await client.send(new GetAuthorizationTokenCommand({}), signal ? { abortSignal: signal } : {});
  } catch (e) {
    const err = e as { name?: string; message?: string };
    throw new UserError(`ECR GetAuthorizationToken failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`, {
      code: 'REGISTRY_AUTH_FAILED',
      hint: 'check your AWS credentials (AWS_PROFILE, SSO login) and that they allow ecr:GetAuthorizationToken in this region',
      cause: e,
    });
  }
  const data = out.authorizationData?.[0];
  if (!data?.authorizationToken || !data.proxyEndpoint) {
    throw new UserError('ECR GetAuthorizationToken returned no token', { code: 'REGISTRY_AUTH_FAILED' });
  }
  const { username, password } = decodeAuthorizationToken(data.authorizationToken);
  return {
    username,
    password,
    registry: data.proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/+$/, ''),
    ...(data.expiresAt ? { expiresAt: data.expiresAt } : {}),
  };
}
