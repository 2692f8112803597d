/**
 * One mapping from AWS SDK errors to UserErrors (STYLE.md: stable code, what happened, the value received, what
 * to do next). Recognises errors by `name`/`code`/message, never by `instanceof`: the same exception arrives from
 * different client packages (and module copies), and EC2/RDS errors arrive as the base ServiceException whose
 * `name` is the wire error code (`VpcLimitExceeded`, `UnauthorizedOperation`).
 */
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { isKnownRegion, unknownRegionError } from '../../config/regions.js';
import { DEPLOYMENT_TAG } from '../../infra/names.js';

export interface AwsErrorContext {
  /** What we were doing, as a phrase: "creating the EKS access entry". */
  readonly action: string;
  /** The region the client was configured with; used to tell a typo'd region from a network failure. */
  readonly region?: string;
  /** Environment to name the active profile from; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

interface ErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly Code?: string;
  readonly message?: string;
  readonly hostname?: string;
}

function shape(e: unknown): ErrorShape {
  return typeof e === 'object' && e !== null ? (e as ErrorShape) : { message: String(e) };
}

/** The wire error code: SDK v3 puts it in `name`; Node network errors in `code`; some XML errors in `Code`. */
function errorCode(s: ErrorShape): string {
  return s.name && s.name !== 'Error' ? s.name : (s.Code ?? s.code ?? s.name ?? 'Error');
}

/** The SDK's default chain for Node, in order (@aws-sdk/credential-provider-node defaultProvider). */
export const CREDENTIAL_CHAIN: readonly string[] = [
  'environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN)',
  'the profile in ~/.aws/config (AWS_PROFILE, else "default"), including IAM Identity Center (SSO) profiles',
  'the same profile in ~/.aws/credentials',
  'credential_process in the profile',
  'web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (CI OIDC, EKS IRSA)',
  'container credentials (ECS, EKS Pod Identity) or EC2 instance metadata (IMDS)',
];

/** The IAM action, resource and principal named in an AccessDenied message, when AWS names them. */
export interface DeniedAction {
  readonly action?: string;
  readonly resource?: string;
  readonly principal?: string;
  /** An explicit deny (SCP, permissions boundary, resource or session policy) rather than a missing allow. */
  readonly explicitDeny: boolean;
}

/**
 * Parse "User: arn:... is not authorized to perform: eks:CreateAccessEntry on resource: arn:... because ..."
 * (the form IAM, EKS, STS, S3, CloudFormation and recent EC2 messages share).
 */
export function deniedAction(message: string): DeniedAction {
  const action = /not authorized to perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1];
  const resource = /on resource:\s*"?([^\s"]+?)"?(?=[\s,]|$)/.exec(message)?.[1]?.replace(/[.,]$/, '');
  const principal = /User:\s*(arn:[^\s]+)/.exec(message)?.[1];
  return {
    ...(action ? { action } : {}),
    ...(resource ? { resource } : {}),
    ...(principal ? { principal } : {}),
    explicitDeny: /explicit deny/i.test(message),
  };
}

/** Quotas we can name, by wire error code: the human name and the Service Quotas service code. */
const QUOTAS: Readonly<Record<string, { readonly quota: string; readonly service: string }>> = {
  VpcLimitExceeded: { quota: 'VPCs per Region', service: 'vpc' },
  AddressLimitExceeded: { quota: 'EC2-VPC Elastic IPs', service: 'ec2' },
  InternetGatewayLimitExceeded: { quota: 'Internet gateways per Region', service: 'vpc' },
  NatGatewayLimitExceeded: { quota: 'NAT gateways per Availability Zone', service: 'vpc' },
  ResourceLimitExceededException: { quota: 'EKS clusters (or node groups / add-ons) per Region', service: 'eks' },
  InstanceQuotaExceeded: { quota: 'RDS DB instances', service: 'rds' },
  StorageQuotaExceeded: { quota: 'RDS total storage for all DB instances', service: 'rds' },
  TooManyBuckets: { quota: 'S3 general purpose buckets', service: 's3' },
};

// Throttling codes look like quota codes ("RequestLimitExceeded") but are retried by the SDK and are not quotas.
const THROTTLING = /^(RequestLimitExceeded|Throttling|ThrottlingException|TooManyRequestsException|SlowDown|RequestThrottled)$/;
const QUOTA_CODE = /LimitExceeded|QuotaExceeded|^TooMany/;
const QUOTA_TEXT = /maximum number of|limit exceeded|quota exceeded/i;

function quotaError(code: string, message: string, ctx: AwsErrorContext, cause: unknown): UserError {
  const known = QUOTAS[code];
  const service = known?.service;
  const what = known ? `the "${known.quota}" quota` : 'an account quota';
  return new UserError(`${ctx.action} failed: ${what} is used up (${code}: ${message})`, {
    code: 'AWS_QUOTA_EXCEEDED',
    hint: `free some of these resources, or request an increase in the Service Quotas console (https://console.aws.amazon.com/servicequotas/)${service ? ` or with \`aws service-quotas list-service-quotas --service-code ${service}\` then \`aws service-quotas request-service-quota-increase\`` : ' or with `aws service-quotas request-service-quota-increase`'}${ctx.region ? ` in ${ctx.region}` : ''}`,
    cause,
  });
}

function noCredentials(message: string, ctx: AwsErrorContext, cause: unknown): UserError {
  const env = ctx.env ?? process.env;
  const profile = env['AWS_PROFILE'] ?? env['AWS_DEFAULT_PROFILE'];
  return new UserError(`${ctx.action} failed: no AWS credentials found (${message})`, {
    code: 'AWS_NO_CREDENTIALS',
    hint: profile
      ? `profile "${profile}" (AWS_PROFILE) gave no credentials: if it is an SSO profile run \`aws sso login --profile ${profile}\`, else check it exists in ~/.aws/config`
      : 'set AWS_PROFILE to a profile from ~/.aws/config and, for IAM Identity Center, run `aws sso login`; or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    details: ['the AWS SDK looked, in order, at:', ...CREDENTIAL_CHAIN.map((c) => `  - ${c}`)],
    cause,
  });
}

/**
 * Map an AWS SDK (or network) error to a UserError. A UserError passes through unchanged; anything unrecognised
 * becomes AWS_API_ERROR carrying the service's own code and message.
 */
export function awsUserError(e: unknown, context: AwsErrorContext | string): UserError {
  if (UserError.is(e)) return e;
  const ctx: AwsErrorContext = typeof context === 'string' ? { action: context } : context;
  const s = shape(e);
  const code = errorCode(s);
  const message = s.message ?? '';

  if (code === 'CredentialsProviderError' || code === 'TokenProviderError') {
    // An expired SSO session surfaces from the provider chain, not from the service.
    if (/expired/i.test(message)) return expired(message, ctx, e);
    return noCredentials(message, ctx, e);
  }
  if (code === 'ExpiredToken' || code === 'ExpiredTokenException') return expired(message, ctx, e);
  if (/^(InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|AuthFailure|InvalidAccessKeyId)$/.test(code)) {
    return new UserError(`${ctx.action} failed: AWS rejected the credentials (${code}: ${message})`, {
      code: 'AWS_CREDENTIALS_INVALID',
      hint: 'the access key is unknown or its secret is wrong: check AWS_PROFILE / AWS_ACCESS_KEY_ID and run `aws sts get-caller-identity`',
      cause: e,
    });
  }
  if (/^(AccessDenied|AccessDeniedException|UnauthorizedOperation)$/.test(code) || /not authorized to perform/.test(message)) {
    const d = deniedAction(message);
    const who = d.principal ? ` (${d.principal})` : '';
    const what = d.action ? `${d.action}${d.resource ? ` on ${d.resource}` : ''}` : 'this call';
    return new UserError(`${ctx.action} failed: your AWS identity${who} is not allowed to perform ${what}`, {
      code: 'AWS_ACCESS_DENIED',
      hint: d.explicitDeny
        ? `an explicit deny blocks ${d.action ?? 'it'} (service control policy, permissions boundary or session policy): ask your AWS administrator`
        : `grant ${d.action ?? 'the missing permission'} to your role or user (or use a profile that has it), then rerun`,
      details: [`${code}: ${message}`],
      cause: e,
    });
  }
  if (!THROTTLING.test(code) && (QUOTAS[code] || QUOTA_CODE.test(code) || QUOTA_TEXT.test(message))) {
    return quotaError(code, message, ctx, e);
  }
  if (/^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|ENETUNREACH)$/.test(s.code ?? '') || /getaddrinfo/.test(message)) {
    const region = ctx.region ?? regionFromHost(s.hostname);
    if (region && !isKnownRegion(region)) return unknownRegionError(region, e);
    return new UserError(`${ctx.action} failed: cannot reach the AWS endpoint${s.hostname ? ` ${s.hostname}` : ''} (${s.code ?? code}: ${message})`, {
      code: 'AWS_ENDPOINT_UNREACHABLE',
      hint: 'check the network, DNS and any proxy (HTTPS_PROXY); AWS_ENDPOINT_URL* variables redirect the SDK if set',
      cause: e,
    });
  }
  return new UserError(`${ctx.action} failed: ${code}: ${message || String(e)}`, { code: 'AWS_API_ERROR', cause: e });
}

function expired(message: string, ctx: AwsErrorContext, cause: unknown): UserError {
  const env = ctx.env ?? process.env;
  const profile = env['AWS_PROFILE'] ?? env['AWS_DEFAULT_PROFILE'];
  return new UserError(`${ctx.action} failed: your AWS credentials have expired (${message})`, {
    code: 'AWS_CREDENTIALS_EXPIRED',
    hint: `renew them: \`aws sso login${profile ? ` --profile ${profile}` : ''}\` for IAM Identity Center, or fetch new temporary keys, then rerun`,
    cause,
  });
}

/** `sts.eu-wset-1.amazonaws.com` -> `eu-wset-1` (the label before the partition's DNS suffix). */
function regionFromHost(hostname: string | undefined): string | undefined {
  const m = hostname ? /\.([a-z]{2,}(?:-[a-z]+)+-\d+)\.(?:amazonaws\.com(?:\.cn)?|api\.aws)$/.exec(hostname) : null;
  return m?.[1];
}

/** A tag as CloudFormation's DescribeStacks returns it. */
export interface StackTag {
  readonly Key?: string;
  readonly Value?: string;
}

/**
 * Refuse to update a stack that has our name but not our deployment tag (or another deployment's): `up` would
 * otherwise rewrite someone else's stack. Pure: the caller passes DescribeStacks' tags.
 */
export function assertStackIsOurs(stackName: string, tags: readonly StackTag[] | undefined, deployment: string): void {
  const found = (tags ?? []).find((t) => t.Key === DEPLOYMENT_TAG)?.Value;
  if (found === deployment) return;
  const why = found === undefined ? `it has no ${DEPLOYMENT_TAG} tag` : `its ${DEPLOYMENT_TAG} tag is ${JSON.stringify(found)}`;
  throw new UserError(`stack ${stackName} exists but was not created by this deployment (${JSON.stringify(deployment)}): ${why}`, {
    code: 'STACK_NOT_OURS',
    exitCode: EXIT_BAD_INPUT,
    hint: `pick another \`name\` in the config (the stack is named "<name>-airflow"), or delete stack ${stackName} if you know it is unused`,
  });
}
