/**
 * What `deploy` and `kubeconfig` read from AWS: the stack outputs (cluster endpoint and CA, database endpoint and
 * secret ARN) and the RDS master credentials from Secrets Manager. Values stay in memory; the master credentials
 * go into a Kubernetes Secret that only the bootstrap Job mounts.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { UserError } from '../../errors/user-error.js';
import type { DatabaseMasterValues } from '../../k8s/model.js';

export interface AwsTarget {
  readonly region: string;
  readonly endpoint?: string;
}

/** An SDK failure as a UserError: access problems get a credentials hint, the rest name the call that failed. */
export function awsError(e: unknown, what: string): UserError {
  const err = e as { name?: string; message?: string };
  const denied = /AccessDenied|UnrecognizedClient|InvalidClientTokenId|ExpiredToken|CredentialsProvider/i.test(`${err.name} ${err.message}`);
  return new UserError(`${what} failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`, {
    code: denied ? 'AWS_ACCESS_DENIED' : 'AWS_API_ERROR',
    hint: denied ? 'check your AWS credentials (aws sts get-caller-identity) and their permissions' : undefined,
    cause: e,
  });
}

/** Stack outputs by key, or undefined when the stack does not exist. */
export async function stackOutputs(t: AwsTarget, stackName: string): Promise<Record<string, string> | undefined> {
  const cfn = new CloudFormationClient({ region: t.region, ...(t.endpoint ? { endpoint: t.endpoint } : {}), maxAttempts: 3 });
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) return undefined;
    return Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
  } catch (e) {
    const err = e as { name?: string; message?: string };
    if (err.name === 'ValidationError' && /does not exist/i.test(err.message ?? '')) return undefined;
    throw awsError(e, `reading the outputs of stack ${stackName}`);
  } finally {
    cfn.destroy();
  }
}

/** The RDS-generated master credentials (JSON with username and password). */
export async function rdsMasterCredentials(t: AwsTarget, secretArn: string): Promise<DatabaseMasterValues> {
  const sm = new SecretsManagerClient({ region: t.region, ...(t.endpoint ? { endpoint: t.endpoint } : {}), maxAttempts: 3 });
  try {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const parsed = JSON.parse(out.SecretString ?? '{}') as { username?: string; password?: string };
    if (!parsed.username || !parsed.password) {
      throw new UserError(`secret ${secretArn} has no username/password fields`, { code: 'DB_SECRET_INVALID' });
    }
    return { username: parsed.username, password: parsed.password };
  } catch (e) {
    if (UserError.is(e)) throw e;
    throw awsError(e, `reading the database master secret ${secretArn}`);
  } finally {
    sm.destroy();
  }
}

/**
 * The OIDC client secret (auth.oidc.clientSecret): a plain string secret, read in the ARN's own region. The value
 * only ever goes into a Kubernetes Secret (or dev's 0600 file); errors name the ARN, never the value.
 */
export async function oidcClientSecret(t: Pick<AwsTarget, 'endpoint'>, secretArn: string): Promise<string> {
  const region = secretArn.split(':')[3] ?? '';
  const sm = new SecretsManagerClient({ region, ...(t.endpoint ? { endpoint: t.endpoint } : {}), maxAttempts: 3 });
  try {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const value = out.SecretString?.trim();
    if (!value) {
      throw new UserError(`secret ${secretArn} (auth.oidc.clientSecret) holds no string value`, {
        code: 'OIDC_SECRET_INVALID',
        hint: 'store the client secret as the plain SecretString: aws secretsmanager put-secret-value --secret-id ARN --secret-string file://client-secret.txt',
      });
    }
    return value;
  } catch (e) {
    if (UserError.is(e)) throw e;
    throw awsError(e, `reading the OIDC client secret ${secretArn} (auth.oidc.clientSecret)`);
  } finally {
    sm.destroy();
  }
}

/** The SDK's default credential chain (env, profile, SSO, container, IMDS), as a refreshing provider. */
export function defaultCredentials(t: AwsTarget): AwsCredentialIdentityProvider {
  const sts = new STSClient({ region: t.region, ...(t.endpoint ? { endpoint: t.endpoint } : {}) });
  return async () => {
    try {
      return await sts.config.credentials();
    } catch (e) {
      throw awsError(e, 'resolving AWS credentials');
    }
  };
}
