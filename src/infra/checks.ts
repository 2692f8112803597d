/**
 * Our own checks on a synthesized template, for what cdk-nag cannot see: its EKS rules (public endpoint,
 * control-plane logging) never fire on aws-eks-v2 clusters, and it knows nothing of this project's invariants.
 * Pure: template in, findings out. Errors are broken invariants; warnings are legitimate but risky choices.
 */
import type { CfnResource, CfnTemplate } from './synthesize.js';

export interface CheckFinding {
  readonly id: string;
  readonly severity: 'error' | 'warning';
  readonly resource: string;
  readonly message: string;
}

/** Control-plane log types that must be on (security reviews ask for audit and authenticator above all). */
export const REQUIRED_CLUSTER_LOG_TYPES = ['api', 'audit', 'authenticator'] as const;

const FORBIDDEN_TYPE = /^(AWS::Lambda::|Custom::|AWS::CloudFormation::CustomResource$|AWS::IAM::User$|AWS::IAM::AccessKey$|AWS::CloudFormation::Stack$)/;

export function checkTemplate(template: CfnTemplate): CheckFinding[] {
  const findings: CheckFinding[] = [];
  const add = (id: string, severity: CheckFinding['severity'], resource: string, message: string) =>
    findings.push({ id, severity, resource, message });
  const resources = Object.entries(template.Resources ?? {});
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);

  for (const [id, r] of resources) {
    if (FORBIDDEN_TYPE.test(r.Type)) {
      add('AA-NO-LAMBDA-OR-STATIC-KEYS', 'error', id, `${r.Type} is not allowed (no Lambda-backed or nested resources, no IAM users or access keys)`);
    }
  }

  const clusters = ofType('AWS::EKS::Cluster');
  if (clusters.length !== 1) add('AA-EKS-CLUSTER', 'error', '(template)', `expected one EKS cluster, found ${clusters.length}`);
  for (const [id, r] of clusters) {
    const p = props(r);
    const enabled = new Set(
      (get(p, 'Logging', 'ClusterLogging', 'EnabledTypes') as { Type?: string }[] | undefined)?.map((t) => t.Type) ?? [],
    );
    const missing = REQUIRED_CLUSTER_LOG_TYPES.filter((t) => !enabled.has(t));
    if (missing.length) add('AA-EKS-LOGGING', 'error', id, `control-plane logging is off for: ${missing.join(', ')}`);

    const enc = (p['EncryptionConfig'] as { Resources?: string[]; Provider?: { KeyArn?: unknown } }[] | undefined) ?? [];
    if (!enc.some((e) => e.Resources?.includes('secrets') && e.Provider?.KeyArn !== undefined)) {
      add('AA-EKS-SECRETS-ENCRYPTION', 'error', id, 'Kubernetes Secrets are not envelope-encrypted with a KMS key');
    }

    const vpcConfig = (p['ResourcesVpcConfig'] ?? {}) as Record<string, unknown>;
    // EKS defaults: public access on, from anywhere.
    const publicAccess = vpcConfig['EndpointPublicAccess'] !== false;
    const cidrs = (vpcConfig['PublicAccessCidrs'] as string[] | undefined) ?? ['0.0.0.0/0'];
    if (publicAccess && cidrs.includes('0.0.0.0/0')) {
      add(
        'AA-EKS-PUBLIC-ENDPOINT',
        'warning',
        id,
        'the Kubernetes API endpoint is public to 0.0.0.0/0 (authentication still applies); restrict cluster.publicAccessCidrs',
      );
    }
    if ((get(p, 'AccessConfig', 'AuthenticationMode') as string | undefined) !== 'API') {
      add('AA-EKS-ACCESS-ENTRIES', 'error', id, 'authentication mode must be API (access entries, no aws-auth ConfigMap)');
    }
  }

  for (const [id, r] of ofType('AWS::EKS::Nodegroup')) {
    const ami = props(r)['AmiType'];
    if (typeof ami !== 'string' || !ami.startsWith('AL2023_')) {
      add('AA-EKS-NODE-AMI', 'error', id, `node group AMI must be AL2023 (AL2 has no AMIs for Kubernetes >= 1.33), got ${String(ami)}`);
    }
  }

  const addons = new Set(ofType('AWS::EKS::Addon').map(([, r]) => props(r)['AddonName']));
  if (!addons.has('eks-pod-identity-agent')) {
    add('AA-EKS-POD-IDENTITY-AGENT', 'error', '(template)', 'the eks-pod-identity-agent add-on is missing; Pod Identity would not work');
  }

  for (const [id, r] of ofType('AWS::RDS::DBInstance')) {
    const p = props(r);
    if (p['PubliclyAccessible'] !== false) add('AA-RDS-PRIVATE', 'error', id, 'the database must not be publicly accessible');
    if (p['StorageEncrypted'] !== true) add('AA-RDS-ENCRYPTED', 'error', id, 'database storage must be encrypted');
    if (r.DeletionPolicy !== 'Snapshot' && r.DeletionPolicy !== 'Retain') {
      add('AA-RDS-SNAPSHOT', 'error', id, `the database must be snapshotted or retained on removal, got ${String(r.DeletionPolicy)}`);
    }
    if (p['DeletionProtection'] !== true) {
      add('AA-RDS-DELETION-PROTECTION', 'warning', id, 'deletion protection is off (database.deletionProtection: false)');
    }
  }

  for (const [id, r] of ofType('AWS::IAM::Role')) {
    const statements = (get(props(r), 'AssumeRolePolicyDocument', 'Statement') as { Principal?: Record<string, unknown> }[]) ?? [];
    for (const s of statements) {
      if (s.Principal && ('AWS' in s.Principal || 'Federated' in s.Principal) && JSON.stringify(s.Principal).includes('"*"')) {
        add('AA-IAM-OPEN-TRUST', 'error', id, 'a role may be assumed by any principal');
      }
    }
  }
  return findings;
}

function props(r: CfnResource): Record<string, unknown> {
  return r.Properties ?? {};
}

function get(o: Record<string, unknown>, ...path: string[]): unknown {
  let cur: unknown = o;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}
