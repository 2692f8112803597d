/**
 * EKS Pod Identity for a test cluster, built from the two pieces EKS documents, so pods get AWS credentials exactly
 * as on EKS: with no key in any manifest.
 *
 *  1. The mutating admission webhook (on EKS, run by the control plane): a pod created under a ServiceAccount that has
 *     a Pod Identity association (namespace + ServiceAccount) gets, in every container and init container,
 *     `AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials` and
 *     `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=<mount>/eks-pod-identity-token`, plus a projected service-account
 *     token (audience `pods.eks.amazonaws.com`) mounted read-only at `<mount>`. As EKS's webhook does, it leaves a
 *     container that already names its own credential URI alone.
 *  2. The agent (on EKS, the `eks-pod-identity-agent` DaemonSet on every node): HTTP on 169.254.170.23:80, the one
 *     link-local address botocore and the JS SDK accept for a plain-http container credential URI besides loopback
 *     and ECS's. It reads the token from the Authorization header, has the apiserver review it for the
 *     `pods.eks.amazonaws.com` audience (EKS Auth's AssumeRoleForPodIdentity does the same check), refuses a token of
 *     a ServiceAccount without an association, and answers temporary credentials in the container-credentials JSON
 *     shape. moto accepts any key unless told to enforce IAM, so the keys are made up per ServiceAccount (so a test
 *     can tell whose they were from `issued`).
 *
 * The agent adds 169.254.170.23/32 to `lo` (this needs root, as the real agent's host network does) and removes it on
 * stop(). Pods on a real node reach it through their CNI bridge's gateway, as they reach the apiserver.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeTestCluster } from './kube-cluster.js';
import { selfSignedLoopbackCert } from './tls.js';

export const POD_IDENTITY_AUDIENCE = 'pods.eks.amazonaws.com';
export const POD_IDENTITY_AGENT_ADDRESS = '169.254.170.23';
export const POD_IDENTITY_CREDENTIALS_URI = `http://${POD_IDENTITY_AGENT_ADDRESS}/v1/credentials`;
export const POD_IDENTITY_TOKEN_DIR = '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount';
export const POD_IDENTITY_TOKEN_NAME = 'eks-pod-identity-token';
export const POD_IDENTITY_TOKEN_FILE = `${POD_IDENTITY_TOKEN_DIR}/${POD_IDENTITY_TOKEN_NAME}`;
/** What EKS's webhook asks the kubelet for: a day, refreshed by the kubelet at 80 %. */
const TOKEN_EXPIRATION_SECONDS = 86_400;
const WEBHOOK_NAME = 'pod-identity.airflow-aws.test';
const CONFIGURATION_NAME = 'eks-pod-identity-emulation';

/** One Pod Identity association, as `aws eks create-pod-identity-association` takes it (less the cluster and role). */
export interface PodIdentityAssociation {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface PodIdentity {
  /** Every credential request the agent answered, as `namespace/serviceAccount`, in order. */
  readonly issued: readonly string[];
  /** Every request the agent refused, with the reason. */
  readonly refused: readonly string[];
  /** The access key id the agent hands to a ServiceAccount (so a test can recognise it). */
  accessKeyIdOf(a: PodIdentityAssociation): string;
  stop(): Promise<void>;
}

const ENV = [
  { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: POD_IDENTITY_CREDENTIALS_URI },
  { name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', value: POD_IDENTITY_TOKEN_FILE },
];

interface Container {
  env?: { name: string }[];
  volumeMounts?: unknown[];
}
interface Pod {
  metadata?: { namespace?: string };
  spec?: { serviceAccountName?: string; containers?: Container[]; initContainers?: Container[]; volumes?: unknown[] };
}

/** JSON patch (RFC 6902) that does to `pod` what EKS's webhook does to a pod of an associated ServiceAccount. */
export function podIdentityPatch(pod: Pod): unknown[] {
  const spec = pod.spec ?? {};
  const ops: unknown[] = [];
  const volume = {
    name: POD_IDENTITY_TOKEN_NAME,
    projected: { sources: [{ serviceAccountToken: { audience: POD_IDENTITY_AUDIENCE, expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: POD_IDENTITY_TOKEN_NAME } }] },
  };
  let mutated = false;
  for (const kind of ['initContainers', 'containers'] as const) {
    (spec[kind] ?? []).forEach((c, i) => {
      if ((c.env ?? []).some((e) => e.name === 'AWS_CONTAINER_CREDENTIALS_FULL_URI')) return;
      mutated = true;
      const base = `/spec/${kind}/${i}`;
      if (c.env === undefined) ops.push({ op: 'add', path: `${base}/env`, value: ENV });
      else for (const e of ENV) ops.push({ op: 'add', path: `${base}/env/-`, value: e });
      const mount = { name: POD_IDENTITY_TOKEN_NAME, mountPath: POD_IDENTITY_TOKEN_DIR, readOnly: true };
      ops.push(c.volumeMounts === undefined ? { op: 'add', path: `${base}/volumeMounts`, value: [mount] } : { op: 'add', path: `${base}/volumeMounts/-`, value: mount });
    });
  }
  if (!mutated) return [];
  ops.push(spec.volumes === undefined ? { op: 'add', path: '/spec/volumes', value: [volume] } : { op: 'add', path: '/spec/volumes/-', value: volume });
  return ops;
}

const key = (a: PodIdentityAssociation): string => `${a.namespace}/${a.serviceAccount}`;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } });
}

/**
 * Registers the webhook with `cluster` (a MutatingWebhookConfiguration whose URL is this process) and starts the
 * agent. Only pods created afterwards are mutated, as on EKS.
 */
export async function startPodIdentity(cluster: KubeTestCluster, associations: readonly PodIdentityAssociation[]): Promise<PodIdentity> {
  const associated = new Set(associations.map(key));
  const issued: string[] = [];
  const refused: string[] = [];
  const accessKeyIdOf = (a: PodIdentityAssociation): string =>
    `ASIAPODID${Buffer.from(key(a)).toString('hex').toUpperCase().slice(0, 11)}`;

  // 1. The webhook.
  const { key: tlsKey, cert } = selfSignedLoopbackCert();
  const webhook = https.createServer({ key: tlsKey, cert }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const review = JSON.parse(body) as { apiVersion: string; request: { uid: string; namespace?: string; object: Pod } };
      const pod = review.request.object;
      const namespace = review.request.namespace ?? pod.metadata?.namespace ?? 'default';
      // The ServiceAccount admission plugin runs before webhooks and has set the default by now.
      const serviceAccount = pod.spec?.serviceAccountName ?? 'default';
      const patch = associated.has(key({ namespace, serviceAccount })) ? podIdentityPatch(pod) : [];
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          apiVersion: review.apiVersion,
          kind: 'AdmissionReview',
          response: {
            uid: review.request.uid,
            allowed: true,
            ...(patch.length > 0 ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') } : {}),
          },
        }),
      );
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', () => r()));
  const webhookUrl = `https://127.0.0.1:${(webhook.address() as AddressInfo).port}/mutate`;
  const created = await cluster.request('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: CONFIGURATION_NAME },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        clientConfig: { url: webhookUrl, caBundle: Buffer.from(cert).toString('base64') },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
        // Only the associations' namespaces ask: pods of other tests on the same cluster never wait for this process.
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...new Set(associations.map((a) => a.namespace))] }] },
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        // As on EKS: a pod is not created without its identity when the webhook cannot answer.
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
      },
    ],
  });
  if (created.status !== 201) {
    webhook.close();
    throw new Error(`registering the Pod Identity webhook failed: HTTP ${created.status} ${created.text}`);
  }

  // 2. The agent.
  const whoseToken = async (token: string): Promise<PodIdentityAssociation | string> => {
    const r = await cluster.request<{ status?: { authenticated?: boolean; error?: string; user?: { username?: string }; audiences?: string[] } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/tokenreviews',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [POD_IDENTITY_AUDIENCE] } },
    );
    const s = r.body.status;
    if (!s?.authenticated) return `token not valid for ${POD_IDENTITY_AUDIENCE}: ${s?.error ?? `HTTP ${r.status}`}`;
    const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(s.user?.username ?? '');
    if (!m) return `not a service account: ${s.user?.username}`;
    const a = { namespace: m[1]!, serviceAccount: m[2]! };
    return associated.has(key(a)) ? a : `no Pod Identity association for ${key(a)}`;
  };
  const agent = http.createServer((req, res) => {
    const token = req.headers.authorization ?? '';
    const answer = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || req.url !== '/v1/credentials') return answer(404, { message: 'not found' });
    if (token === '') {
      refused.push('no Authorization header');
      return answer(400, { message: 'Service account token cannot be empty' });
    }
    whoseToken(token)
      .then((who) => {
        if (typeof who === 'string') {
          refused.push(who);
          return answer(400, { message: who });
        }
        issued.push(key(who));
        answer(200, {
          AccessKeyId: accessKeyIdOf(who),
          SecretAccessKey: 'pod-identity-secret',
          Token: `pod-identity-session-${key(who)}`,
          AccountId: '123456789012',
          Expiration: new Date(Date.now() + 6 * 3600_000).toISOString(),
        });
      })
      .catch((e: unknown) => {
        refused.push(`error: ${(e as Error).message}`);
        answer(500, { message: (e as Error).message });
      });
  });
  const hadAddress = ip(['-4', '-o', 'addr', 'show', 'dev', 'lo']).includes(`inet ${POD_IDENTITY_AGENT_ADDRESS}/`);
  if (!hadAddress) ip(['addr', 'add', `${POD_IDENTITY_AGENT_ADDRESS}/32`, 'dev', 'lo']);
  const dropAddress = (): void => {
    if (hadAddress) return;
    try {
      ip(['addr', 'del', `${POD_IDENTITY_AGENT_ADDRESS}/32`, 'dev', 'lo']);
    } catch {
      /* already gone */
    }
  };
  process.once('exit', dropAddress);
  try {
    await new Promise<void>((resolve, reject) => {
      agent.once('error', reject);
      agent.listen(80, POD_IDENTITY_AGENT_ADDRESS, () => resolve());
    });
  } catch (e) {
    dropAddress();
    webhook.close();
    throw new Error(`the Pod Identity agent cannot listen on ${POD_IDENTITY_AGENT_ADDRESS}:80 (needs root): ${(e as Error).message}`);
  }

  return {
    issued,
    refused,
    accessKeyIdOf,
    async stop() {
      await cluster.request('DELETE', `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${CONFIGURATION_NAME}`).catch(() => undefined);
      const closed = Promise.all([
        new Promise<void>((r) => webhook.close(() => r())),
        new Promise<void>((r) => agent.close(() => r())),
      ]);
      agent.closeAllConnections();
      webhook.closeAllConnections();
      await closed;
      process.removeListener('exit', dropAddress);
      dropAddress();
    },
  };
}
