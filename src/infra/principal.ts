/**
 * Pure: who is calling (the ARN from sts:GetCallerIdentity), and which IAM principal an EKS access entry must name
 * so that this caller becomes cluster admin. No SDK calls here; the adapter (adapters/aws/access-entry.ts) resolves
 * role names to pathful ARNs.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
 */
import { UserError } from '../errors/user-error.js';

/** The caller ARN, classified. Partition (aws, aws-cn, aws-us-gov, ...) and account are kept as received. */
export type CallerIdentity =
  | { readonly kind: 'iam-user'; readonly partition: string; readonly accountId: string; readonly arn: string }
  | { readonly kind: 'iam-role'; readonly partition: string; readonly accountId: string; readonly arn: string }
  | {
      readonly kind: 'assumed-role';
      readonly partition: string;
      readonly accountId: string;
      readonly arn: string;
      readonly roleName: string;
      readonly sessionName: string;
    }
  | { readonly kind: 'federated-user'; readonly partition: string; readonly accountId: string; readonly arn: string }
  | { readonly kind: 'root'; readonly partition: string; readonly accountId: string; readonly arn: string };

/**
 * What the access entry's principal is: either an ARN usable as is, or a role name that must be looked up with
 * iam:GetRole because the STS ARN drops the role's path (SSO roles live under
 * `/aws-reserved/sso.amazonaws.com/[region/]`) and EKS matches the pathful ARN.
 */
export type AccessEntryPrincipal =
  | { readonly kind: 'principal-arn'; readonly principalArn: string; readonly partition: string; readonly accountId: string }
  | { readonly kind: 'role-name'; readonly roleName: string; readonly partition: string; readonly accountId: string };

/** EKS-managed access policy that grants cluster-admin (system:masters equivalent). */
export const CLUSTER_ADMIN_POLICY_NAME = 'AmazonEKSClusterAdminPolicy';

// Partitions are `aws` or `aws-<suffix>` (aws-cn, aws-us-gov, aws-eusc, aws-iso-b); accounts are 12 digits.
// IAM names and paths use [\w+=,.@-]; session names the same set (no slash), which is what makes the
// assumed-role ARN splittable into exactly role and session.
const ARN = /^arn:(aws(?:-[a-z]+)*):(iam|sts)::(\d{12}):(.+)$/;
const IAM_NAME = /^[\w+=,.@-]+$/;

function badArn(arn: string, why: string): UserError {
  return new UserError(`cannot use the caller identity ${JSON.stringify(arn)} for cluster access: ${why}`, {
    code: 'CALLER_ARN_UNRECOGNIZED',
    hint: 'run `aws sts get-caller-identity` to see who you are; expected an IAM user, an IAM role or an assumed role ARN',
  });
}

/** An IAM resource path + name (`path/to/name`): every segment a valid IAM name, none empty. */
function validPathAndName(rest: string): boolean {
  const parts = rest.split('/');
  return parts.length > 0 && parts.every((p) => IAM_NAME.test(p));
}

/** Classify a caller ARN; throws CALLER_ARN_UNRECOGNIZED for anything that is not an IAM/STS identity ARN. */
export function parseCallerArn(arn: string): CallerIdentity {
  const m = ARN.exec(arn.trim());
  if (!m) throw badArn(arn, 'not an IAM or STS ARN (arn:<partition>:iam|sts::<12-digit account>:...)');
  const [, partition = '', service, accountId = '', resource = ''] = m;
  const base = { partition, accountId, arn: arn.trim() };
  if (service === 'iam') {
    if (resource === 'root') return { kind: 'root', ...base };
    const slash = resource.indexOf('/');
    const type = resource.slice(0, slash);
    const rest = resource.slice(slash + 1);
    if (slash > 0 && (type === 'user' || type === 'role') && validPathAndName(rest)) {
      return { kind: type === 'user' ? 'iam-user' : 'iam-role', ...base };
    }
    throw badArn(arn, `unsupported IAM resource ${JSON.stringify(resource)}`);
  }
  const parts = resource.split('/');
  if (parts[0] === 'assumed-role' && parts.length === 3 && parts.slice(1).every((p) => IAM_NAME.test(p))) {
    return { kind: 'assumed-role', ...base, roleName: parts[1] ?? '', sessionName: parts[2] ?? '' };
  }
  if (parts[0] === 'federated-user' && parts.length === 2 && IAM_NAME.test(parts[1] ?? '')) {
    return { kind: 'federated-user', ...base };
  }
  throw badArn(arn, `unsupported STS resource ${JSON.stringify(resource)}`);
}

/**
 * The principal an access entry must name for this caller. Root and federated users are refused: EKS access
 * entries accept only IAM users and roles ("You can't use the STS session principal type with access entries").
 */
export function accessEntryPrincipal(identity: CallerIdentity): AccessEntryPrincipal {
  const { partition, accountId } = identity;
  switch (identity.kind) {
    case 'iam-user':
    case 'iam-role':
      return { kind: 'principal-arn', principalArn: identity.arn, partition, accountId };
    case 'assumed-role':
      return { kind: 'role-name', roleName: identity.roleName, partition, accountId };
    case 'root':
      throw new UserError(`you are signed in as the root user of account ${accountId}; EKS access entries cannot name the root user`, {
        code: 'CALLER_IS_ROOT',
        hint: 'use an IAM role (for example an IAM Identity Center permission set via `aws sso login`) or an IAM user with admin rights, and rerun',
      });
    case 'federated-user':
      throw new UserError(`you are a federated user (${identity.arn}); EKS access entries cannot name sts:GetFederationToken sessions`, {
        code: 'CALLER_IS_FEDERATED_USER',
        hint: 'use credentials of an IAM role (aws sso login, or sts assume-role) or an IAM user instead of GetFederationToken credentials',
      });
  }
}

/** Check a role ARN returned by iam:GetRole and that it names the role we asked for (guards against a mix-up). */
export function roleArnFor(roleName: string, roleArn: string): string {
  const id = parseCallerArn(roleArn);
  if (id.kind !== 'iam-role' || !roleArn.endsWith(`/${roleName}`)) {
    throw badArn(roleArn, `iam:GetRole(${roleName}) returned an ARN that is not that role`);
  }
  return roleArn;
}

/** `arn:<partition>:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy` — the partition follows the caller. */
export function clusterAdminPolicyArn(partition: string): string {
  return `arn:${partition}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_POLICY_NAME}`;
}

/** An access policy associated with an entry, as ListAssociatedAccessPolicies reports it. */
export interface AssociatedPolicy {
  readonly policyArn: string;
  /** 'cluster' or 'namespace'. */
  readonly scope: string;
}

/** What must change so the principal is cluster admin: nothing, associate the policy, or create the entry too. */
export type ClusterAdminStep = 'none' | 'associate-policy' | 'create-entry';

/**
 * Decide from what EKS reports. The admin policy only counts with cluster scope: a namespace-scoped association
 * would leave cluster-wide objects (CRDs, ClusterRoles) out of reach, so it is re-associated with cluster scope.
 */
export function clusterAdminStep(listed: boolean, policies: readonly AssociatedPolicy[], policyArn: string): ClusterAdminStep {
  if (!listed) return 'create-entry';
  return policies.some((p) => p.policyArn === policyArn && p.scope === 'cluster') ? 'none' : 'associate-policy';
}
