/**
 * Make the caller of `up` cluster admin through an EKS access entry (the cluster runs with authenticationMode API,
 * as aws-eks-v2 sets it, so there is no aws-auth ConfigMap to edit).
 *
 * Steps: sts:GetCallerIdentity -> principal (iam:GetRole for assumed roles, because the STS ARN drops the role's
 * path and EKS matches the pathful ARN) -> eks:ListAccessEntries -> eks:ListAssociatedAccessPolicies ->
 * eks:CreateAccessEntry (STANDARD) + eks:AssociateAccessPolicy (AmazonEKSClusterAdminPolicy, cluster scope).
 * Idempotent: a second run finds the entry and the policy and changes nothing.
 *
 * The EKS and identity calls sit behind two narrow interfaces so `up`'s tests and ours can use fakes: moto (5.2)
 * implements STS and IAM but not the access-entry API (it answers 404), so only the identity half is tested against
 * a real peer.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
 * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_AssociateAccessPolicy.html
 */
import {
  AccessScopeType,
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  EKSClient,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
} from '@aws-sdk/client-eks';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { UserError } from '../../errors/user-error.js';
import {
  accessEntryPrincipal,
  clusterAdminPolicyArn,
  clusterAdminStep,
  parseCallerArn,
  roleArnFor,
  type AssociatedPolicy,
  type ClusterAdminStep,
} from '../../infra/principal.js';
import type { AwsTarget } from './cloudformation.js';
import { awsUserError } from './errors.js';

/** One page of a paginated EKS list call. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

/** The four EKS access-entry calls this module needs, one page at a time (the caller paginates). */
export interface AccessEntryApi {
  /** Principal ARNs that have an access entry. Throws ResourceNotFoundException when the cluster does not exist. */
  listAccessEntries(clusterName: string, nextToken?: string): Promise<Page<string>>;
  listAssociatedPolicies(clusterName: string, principalArn: string, nextToken?: string): Promise<Page<AssociatedPolicy>>;
  /** Type STANDARD. Throws ResourceInUseException when the entry already exists. */
  createAccessEntry(clusterName: string, principalArn: string): Promise<void>;
  /** Cluster scope. Re-associating replaces the scope, so repeating it is harmless. */
  associateAccessPolicy(clusterName: string, principalArn: string, policyArn: string): Promise<void>;
}

/** Who is calling, and the pathful ARN of a role. */
export interface IdentityApi {
  callerArn(): Promise<string>;
  roleArn(roleName: string): Promise<string>;
}

export interface ClusterAdminApis {
  readonly identity: IdentityApi;
  readonly accessEntries: AccessEntryApi;
}

export interface ClusterAdminRequest {
  readonly target: AwsTarget;
  readonly clusterName: string;
  /**
   * The caller's ARN when already known (an IAM user or role ARN is used as is; an assumed-role ARN is resolved).
   * @default the ARN sts:GetCallerIdentity returns
   */
  readonly callerArn?: string;
}

export type ClusterAdminAction = 'created' | 'already-listed' | 'policy-associated';

export interface ClusterAdminResult {
  readonly principalArn: string;
  readonly action: ClusterAdminAction;
}

export interface ClusterAdminPlan {
  readonly principalArn: string;
  readonly policyArn: string;
  readonly step: ClusterAdminStep;
  /** False before the cluster exists (first `up`): the entry is then created after the stack deploys. */
  readonly clusterExists: boolean;
  /** One line for the plan. */
  readonly description: string;
}

export function eksAccessEntryApi(client: EKSClient): AccessEntryApi {
  return {
    async listAccessEntries(clusterName, nextToken) {
      const out = await client.send(new ListAccessEntriesCommand({ clusterName, ...(nextToken ? { nextToken } : {}) }));
      return { items: out.accessEntries ?? [], ...(out.nextToken ? { nextToken: out.nextToken } : {}) };
    },
    async listAssociatedPolicies(clusterName, principalArn, nextToken) {
      const out = await client.send(
        new ListAssociatedAccessPoliciesCommand({ clusterName, principalArn, ...(nextToken ? { nextToken } : {}) }),
      );
      const items = (out.associatedAccessPolicies ?? []).flatMap((p) =>
        p.policyArn ? [{ policyArn: p.policyArn, scope: p.accessScope?.type ?? '' }] : [],
      );
      return { items, ...(out.nextToken ? { nextToken: out.nextToken } : {}) };
    },
    async createAccessEntry(clusterName, principalArn) {
      await client.send(new CreateAccessEntryCommand({ clusterName, principalArn, type: 'STANDARD' }));
    },
    async associateAccessPolicy(clusterName, principalArn, policyArn) {
      await client.send(
        new AssociateAccessPolicyCommand({ clusterName, principalArn, policyArn, accessScope: { type: AccessScopeType.cluster } }),
      );
    },
  };
}

export function awsIdentityApi(sts: STSClient, iam: IAMClient): IdentityApi {
  return {
    async callerArn() {
      const out = await sts.send(new GetCallerIdentityCommand({}));
      if (!out.Arn) throw new UserError('sts:GetCallerIdentity returned no ARN', { code: 'CALLER_ARN_UNRECOGNIZED' });
      return out.Arn;
    },
    async roleArn(roleName) {
      const out = await iam.send(new GetRoleCommand({ RoleName: roleName }));
      if (!out.Role?.Arn) throw new UserError(`iam:GetRole(${roleName}) returned no ARN`, { code: 'CALLER_ARN_UNRECOGNIZED' });
      return out.Role.Arn;
    },
  };
}

/** The access entry's principal ARN for the caller, and the partition its policy ARN must use. */
export async function resolvePrincipalArn(
  identity: IdentityApi,
  region: string,
  callerArn?: string,
): Promise<{ principalArn: string; partition: string }> {
  const arn = callerArn ?? (await call(() => identity.callerArn(), 'reading the caller identity (sts:GetCallerIdentity)', region));
  const principal = accessEntryPrincipal(parseCallerArn(arn));
  if (principal.kind === 'principal-arn') return { principalArn: principal.principalArn, partition: principal.partition };
  const roleArn = await call(
    () => identity.roleArn(principal.roleName),
    `looking up the path of role ${principal.roleName} (iam:GetRole)`,
    region,
    // Without iam:GetRole the path (SSO: /aws-reserved/sso.amazonaws.com/...) cannot be known, and a path-less
    // ARN would not match the role in EKS.
    'or pass the role ARN including its path as the caller ARN',
  );
  return { principalArn: roleArnFor(principal.roleName, roleArn), partition: principal.partition };
}

/** What ensureClusterAdmin would do, without changing anything (read-only calls only). */
export async function describeClusterAdmin(req: ClusterAdminRequest, apis?: Partial<ClusterAdminApis>): Promise<ClusterAdminPlan> {
  return withApis(req.target, apis, async ({ identity, accessEntries }) => {
    const { principalArn, partition } = await resolvePrincipalArn(identity, req.target.region, req.callerArn);
    const policyArn = clusterAdminPolicyArn(partition);
    const state = await readState(accessEntries, req, principalArn, policyArn);
    const step = state === 'no-cluster' ? 'create-entry' : state;
    const description =
      state === 'no-cluster'
        ? `create an access entry for ${principalArn} with AmazonEKSClusterAdminPolicy once cluster ${req.clusterName} exists`
        : step === 'none'
          ? `${principalArn} is already cluster admin of ${req.clusterName}`
          : step === 'associate-policy'
            ? `associate AmazonEKSClusterAdminPolicy (cluster scope) with the existing access entry of ${principalArn}`
            : `create an access entry for ${principalArn} on ${req.clusterName} with AmazonEKSClusterAdminPolicy`;
    return { principalArn, policyArn, step, clusterExists: state !== 'no-cluster', description };
  });
}

/** Make the caller cluster admin of `clusterName`; a no-op when it already is. */
export async function ensureClusterAdmin(req: ClusterAdminRequest, apis?: Partial<ClusterAdminApis>): Promise<ClusterAdminResult> {
  return withApis(req.target, apis, async ({ identity, accessEntries }) => {
    const region = req.target.region;
    const { principalArn, partition } = await resolvePrincipalArn(identity, region, req.callerArn);
    const policyArn = clusterAdminPolicyArn(partition);
    let step = await readState(accessEntries, req, principalArn, policyArn);
    if (step === 'no-cluster') {
      throw new UserError(`EKS cluster ${req.clusterName} not found in ${region}`, {
        code: 'CLUSTER_NOT_FOUND',
        hint: 'the access entry is added after the stack has created the cluster; check the stack deployed in this region',
      });
    }
    if (step === 'none') return { principalArn, action: 'already-listed' };
    let created = false;
    if (step === 'create-entry') {
      try {
        await accessEntries.createAccessEntry(req.clusterName, principalArn);
        created = true;
      } catch (e) {
        if (errorName(e) !== 'ResourceInUseException') throw awsUserError(e, { action: `creating the EKS access entry for ${principalArn}`, region });
        // Created concurrently (or by cluster-creator bootstrap) after we listed: look at its policies again.
        step = await readState(accessEntries, req, principalArn, policyArn);
        if (step === 'none') return { principalArn, action: 'already-listed' };
      }
    }
    await call(
      () => accessEntries.associateAccessPolicy(req.clusterName, principalArn, policyArn),
      `associating AmazonEKSClusterAdminPolicy with ${principalArn}`,
      region,
    );
    return { principalArn, action: created ? 'created' : 'policy-associated' };
  });
}

async function readState(
  api: AccessEntryApi,
  req: ClusterAdminRequest,
  principalArn: string,
  policyArn: string,
): Promise<ClusterAdminStep | 'no-cluster'> {
  const region = req.target.region;
  let listed = false;
  try {
    let token: string | undefined;
    do {
      const page = await api.listAccessEntries(req.clusterName, token);
      if (page.items.includes(principalArn)) listed = true;
      token = page.nextToken;
    } while (token && !listed);
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return 'no-cluster';
    throw awsUserError(e, { action: `listing the access entries of EKS cluster ${req.clusterName}`, region });
  }
  if (!listed) return 'create-entry';
  const policies: AssociatedPolicy[] = [];
  let token: string | undefined;
  do {
    const page = await call(
      () => api.listAssociatedPolicies(req.clusterName, principalArn, token),
      `listing the access policies of ${principalArn}`,
      region,
    );
    policies.push(...page.items);
    token = page.nextToken;
  } while (token);
  return clusterAdminStep(true, policies, policyArn);
}

async function call<T>(fn: () => Promise<T>, action: string, region: string, extraHint?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const mapped = awsUserError(e, { action, region });
    if (!extraHint || mapped.code !== 'AWS_ACCESS_DENIED') throw mapped;
    throw new UserError(mapped.message, { code: mapped.code, hint: `${mapped.hint ?? ''}; ${extraHint}`, details: mapped.details, cause: e });
  }
}

function errorName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as { name?: string }).name : undefined;
}

/** Use the given APIs; the missing ones come from SDK clients for `target`, closed afterwards. */
async function withApis<T>(
  target: AwsTarget,
  apis: Partial<ClusterAdminApis> | undefined,
  fn: (apis: ClusterAdminApis) => Promise<T>,
): Promise<T> {
  const config = { region: target.region, ...(target.endpoint ? { endpoint: target.endpoint } : {}), maxAttempts: 3 };
  const clients: { destroy(): void }[] = [];
  const own = <C extends { destroy(): void }>(c: C): C => (clients.push(c), c);
  try {
    const identity = apis?.identity ?? awsIdentityApi(own(new STSClient(config)), own(new IAMClient(config)));
    const accessEntries = apis?.accessEntries ?? eksAccessEntryApi(own(new EKSClient(config)));
    return await fn({ identity, accessEntries });
  } finally {
    for (const c of clients) c.destroy();
  }
}
