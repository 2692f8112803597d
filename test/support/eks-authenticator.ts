/**
 * EKS's authenticator for a test kube-apiserver: a token webhook (`--authentication-token-webhook-config-file`)
 * that does with a `k8s-aws-v1.` bearer token what EKS does, against moto instead of AWS:
 *  1. the token is a presigned STS GetCallerIdentity URL for the region's STS host, signed less than 15 minutes ago,
 *     whose signed headers bind it to this cluster (`x-k8s-aws-id: <cluster>`): the signature is recomputed with the
 *     caller's secret key, so a token minted for another cluster, or tampered with, is refused;
 *  2. the URL is replayed against moto's STS, which names the caller (moto does not check signatures; step 1 did);
 *  3. an assumed role maps to its IAM role ARN with the role's path (iam:GetRole), as EKS matches access entries;
 *  4. the principal must have an EKS access entry (moto-server.py, behaviour 13). Its username is the entry's; the
 *     AmazonEKSClusterAdminPolicy association becomes the group `system:masters`. (EKS authorizes access policies
 *     with its own authorizer; RBAC's system:masters is the same grant on a cluster without it.)
 * Anything else is answered `authenticated: false`, which the apiserver turns into 401, as EKS does.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { DescribeAccessEntryCommand, EKSClient, ListAssociatedAccessPoliciesCommand } from '@aws-sdk/client-eks';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { SignatureV4 } from '@smithy/signature-v4';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedLoopbackCert } from './tls.js';

export const CLUSTER_ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
const TOKEN_PREFIX = 'k8s-aws-v1.';
const SIGNATURE_VALID_MS = 15 * 60_000;

export interface EksAuthenticatorOptions {
  /** The cluster the apiserver stands in for: tokens must be signed for it. */
  readonly clusterName: string;
  readonly region: string;
  /** moto's endpoint (STS, IAM, EKS); asked per review, as moto may start after the apiserver that calls this. */
  readonly motoEndpoint: () => string;
  /** Secret keys by access key id, to recompute signatures (moto's test keys); read per review. */
  readonly secrets: Readonly<Record<string, string>>;
}

export interface EksAuthenticator {
  /** The webhook's URL and the CA (its own self-signed certificate) the apiserver trusts it with. */
  readonly url: string;
  readonly caPem: string;
  /** Every decision, in order: the principal (or the reason for a refusal). */
  readonly decisions: readonly string[];
  stop(): Promise<void>;
}

interface Verdict {
  readonly username?: string;
  readonly groups?: readonly string[];
  readonly refused?: string;
}

export async function startEksAuthenticator(o: EksAuthenticatorOptions): Promise<EksAuthenticator> {
  const { key, cert } = selfSignedLoopbackCert();
  const decisions: string[] = [];

  const review = async (token: string): Promise<Verdict> => {
    const aws = { region: o.region, endpoint: o.motoEndpoint(), credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    const eks = new EKSClient(aws);
    const iam = new IAMClient(aws);
    try {
      return await reviewWith(token, eks, iam);
    } finally {
      eks.destroy();
      iam.destroy();
    }
  };

  const reviewWith = async (token: string, eks: EKSClient, iam: IAMClient): Promise<Verdict> => {
    if (!token.startsWith(TOKEN_PREFIX)) return { refused: 'not a k8s-aws-v1 token' };
    const url = new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
    const q = url.searchParams;
    if (url.protocol !== 'https:' || url.hostname !== `sts.${o.region}.amazonaws.com` || url.pathname !== '/') return { refused: `unexpected STS URL ${url.origin}${url.pathname}` };
    if (q.get('Action') !== 'GetCallerIdentity' || q.get('Version') !== '2011-06-15') return { refused: 'not GetCallerIdentity' };
    const signed = (q.get('X-Amz-SignedHeaders') ?? '').split(';');
    if (!signed.includes('host') || !signed.includes('x-k8s-aws-id')) return { refused: `signed headers ${signed.join(';')} do not bind the cluster` };
    const date = parseAmzDate(q.get('X-Amz-Date') ?? '');
    if (!date || Math.abs(Date.now() - date.getTime()) > SIGNATURE_VALID_MS) return { refused: 'signature expired' };
    const [accessKeyId] = (q.get('X-Amz-Credential') ?? '').split('/');
    const secret = o.secrets[accessKeyId ?? ''];
    if (secret === undefined) return { refused: `unknown access key ${accessKeyId}` };
    if (!(await signatureMatches(url, o.clusterName, o.region, date, { accessKeyId: accessKeyId!, secretAccessKey: secret }))) {
      return { refused: `signature does not match a token for cluster ${o.clusterName}` };
    }
    const arn = await replayGetCallerIdentity(o.motoEndpoint(), url, o.clusterName);
    const principal = await principalOf(arn, iam);
    const entry = await eks.send(new DescribeAccessEntryCommand({ clusterName: o.clusterName, principalArn: principal })).catch((e: unknown) => {
      if ((e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw e;
    });
    if (!entry?.accessEntry) return { refused: `${principal} has no access entry` };
    const policies = await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: o.clusterName, principalArn: principal }));
    const admin = (policies.associatedAccessPolicies ?? []).some((p) => p.policyArn === CLUSTER_ADMIN_POLICY && p.accessScope?.type === 'cluster');
    return {
      username: entry.accessEntry.username ?? principal,
      groups: [...(entry.accessEntry.kubernetesGroups ?? []), ...(admin ? ['system:masters'] : []), 'system:authenticated'],
    };
  };

  const server = https.createServer({ key, cert }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const tr = JSON.parse(body || '{}') as { apiVersion?: string; spec?: { token?: string } };
      review(tr.spec?.token ?? '')
        .catch((e: unknown) => ({ refused: `error: ${(e as Error).message}` }) as Verdict)
        .then((v) => {
          decisions.push(v.refused ? `refused: ${v.refused}` : `${v.username} [${v.groups?.join(',')}]`);
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              apiVersion: tr.apiVersion ?? 'authentication.k8s.io/v1',
              kind: 'TokenReview',
              status: v.refused ? { authenticated: false, error: v.refused } : { authenticated: true, user: { username: v.username, groups: v.groups } },
            }),
          );
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/authenticate`,
    caPem: cert,
    decisions,
    async stop() {
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** `20261204T024436Z` → Date. */
function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/** Presign the same request for `clusterName` with the caller's secret; the signatures must be equal. */
async function signatureMatches(url: URL, clusterName: string, region: string, date: Date, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<boolean> {
  const signer = new SignatureV4({ service: 'sts', region, credentials, sha256: Sha256 });
  const expires = Number(url.searchParams.get('X-Amz-Expires') ?? '60');
  const again = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: url.hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: url.hostname, 'x-k8s-aws-id': clusterName },
    },
    { expiresIn: expires, signingDate: date },
  );
  return again.query?.['X-Amz-Signature'] === url.searchParams.get('X-Amz-Signature');
}

/**
 * The token's request, replayed to moto's STS. moto routes by the SigV4 credential scope of an Authorization header
 * (not by Host, and not from a presigned query), so the query's signature travels as that header, which STS accepts
 * as well; the query keeps the rest. The signature itself was checked above: moto checks none.
 */
async function replayGetCallerIdentity(motoEndpoint: string, url: URL, clusterName: string): Promise<string> {
  const q = url.searchParams;
  const authorization = `AWS4-HMAC-SHA256 Credential=${q.get('X-Amz-Credential')}, SignedHeaders=${q.get('X-Amz-SignedHeaders')}, Signature=${q.get('X-Amz-Signature')}`;
  const res = await fetch(`${motoEndpoint}/?Action=GetCallerIdentity&Version=2011-06-15`, {
    headers: { authorization, 'x-amz-date': q.get('X-Amz-Date') ?? '', 'x-k8s-aws-id': clusterName },
  });
  const xml = await res.text();
  if (!res.ok) throw new Error(`STS answered ${res.status}: ${xml.slice(0, 200)}`);
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(xml)?.[1];
  if (!arn) throw new Error(`no Arn in STS's answer: ${xml.slice(0, 200)}`);
  return arn;
}

/** arn:aws:sts::A:assumed-role/NAME/SESSION → the role's ARN with its path; users and roles as they are. */
async function principalOf(arn: string, iam: IAMClient): Promise<string> {
  const m = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  if (!m) return arn;
  const role = await iam.send(new GetRoleCommand({ RoleName: m[3] }));
  return role.Role?.Arn ?? arn;
}
