/**
 * Reading what is deployed: the current template of a stack, or "absent". Credentials come from the SDK's default
 * chain; when none resolve quickly the caller plans offline.
 */
import { CloudFormationClient, GetTemplateCommand, TemplateStage } from '@aws-sdk/client-cloudformation';
import type { CfnTemplate } from '../../infra/synthesize.js';

export interface AwsTarget {
  readonly region: string;
  /** For tests against an emulator; real use leaves it to AWS_ENDPOINT_URL / the default. */
  readonly endpoint?: string;
}

export function cloudFormationClient(t: AwsTarget): CloudFormationClient {
  return new CloudFormationClient({ region: t.region, ...(t.endpoint ? { endpoint: t.endpoint } : {}), maxAttempts: 3 });
}

/** True when the default credential chain yields credentials within `timeoutMs` (IMDS probing can hang). */
export async function credentialsAvailable(client: CloudFormationClient, timeoutMs = 3000): Promise<boolean> {
  const provider = client.config.credentials;
  let timer: NodeJS.Timeout | undefined;
  try {
    const creds = await Promise.race([
      provider(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      }),
    ]);
    return Boolean(creds?.accessKeyId);
  } catch {
    return false;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The deployed template, or undefined when the stack does not exist. */
export async function deployedTemplate(client: CloudFormationClient, stackName: string): Promise<CfnTemplate | undefined> {
  try {
    const out = await client.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: TemplateStage.Original }));
    const body = out.TemplateBody;
    if (!body) return undefined;
    // GetTemplate returns JSON for JSON stacks; our stacks are always deployed as JSON.
    return JSON.parse(body) as CfnTemplate;
  } catch (e) {
    const err = e as { name?: string; message?: string };
    if (err.name === 'ValidationError' && /does not exist/i.test(err.message ?? '')) return undefined;
    throw e;
  }
}

/**
 * Cheap check, before any network probe: is any credential source configured at all? Avoids a multi-second IMDS
 * probe on laptops and CI machines that have no AWS setup, which is exactly when `plan` must stay offline and fast.
 */
export function credentialSourceConfigured(env: NodeJS.ProcessEnv, homeDirFiles: (rel: string) => boolean): boolean {
  const vars = [
    'AWS_ACCESS_KEY_ID',
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ];
  if (vars.some((v) => Boolean(env[v]))) return true;
  return homeDirFiles('.aws/credentials') || homeDirFiles('.aws/config');
}
