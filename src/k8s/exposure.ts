/**
 * Exposure of the UI/API beyond `airflow-aws open`: with `exposure.mode` internal or public, one extra Service of
 * type LoadBalancer in front of the api-server (the ClusterIP Service stays: task pods and `status` use it).
 *
 * Which controller: the one built into EKS's control plane (the in-tree AWS cloud provider) — nothing to install,
 * no IAM role of our own (it acts with the cluster role's AmazonEKSClusterPolicy), and it works on this project's
 * managed-node-group cluster. It defaults to internet-facing, so `internal` is always written out explicitly.
 * It makes a Classic Load Balancer with an HTTPS listener (`backend-protocol: http` + an ACM certificate): a layer-7
 * listener that terminates TLS and adds X-Forwarded-For/Proto/Port, which Airflow needs to know it is served over
 * https (Secure cookies, OAuth redirect URIs). Its NLB mode is layer 4 and forwards no such header, so Airflow would
 * believe every request is plain http. The AWS Load Balancer Controller (ALB) would need an IAM policy, a role, a
 * Helm chart, CRDs and a webhook certificate installed first. Decision record: docs/exposure.md.
 * @see https://github.com/kubernetes/cloud-provider-aws/blob/master/docs/service_controller.md
 */
import type { V1Service } from '@kubernetes/client-node';
import type { ResolvedConfig } from '../config/resolved.js';
import { NAMES, objectLabels, selectorLabels, type KubeComponent } from './labels.js';
import type { KubeInputs, KubeObject } from './model.js';

const A = 'service.beta.kubernetes.io/';

/** Annotations of the in-tree AWS load balancer controller (and their AWS Load Balancer Controller twins). */
export const LB_ANNOTATIONS = {
  internal: `${A}aws-load-balancer-internal`,
  /** Read by the AWS Load Balancer Controller only: keeps the scheme right if its webhook takes the Service over. */
  scheme: `${A}aws-load-balancer-scheme`,
  sslCert: `${A}aws-load-balancer-ssl-cert`,
  sslPorts: `${A}aws-load-balancer-ssl-ports`,
  sslPolicy: `${A}aws-load-balancer-ssl-negotiation-policy`,
  backendProtocol: `${A}aws-load-balancer-backend-protocol`,
  healthCheckProtocol: `${A}aws-load-balancer-healthcheck-protocol`,
  healthCheckPath: `${A}aws-load-balancer-healthcheck-path`,
  healthCheckInterval: `${A}aws-load-balancer-healthcheck-interval`,
  crossZone: `${A}aws-load-balancer-cross-zone-load-balancing-enabled`,
} as const;

/** TLS 1.2 and newer only (the controller's default, ELBSecurityPolicy-2016-08, still accepts TLS 1.0). */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS-1-2-2017-01';

/**
 * Address space of the cluster's VPC: where the load balancer, the nodes (kube-proxy rewrites the source of
 * NodePort traffic to a node address) and the EKS control plane's network interfaces connect from. An existing VPC
 * is imported from ids alone (no lookups), so its CIDR is unknown: the private ranges VPCs are made of stand in.
 */
export function clusterAddressSpace(config: Pick<ResolvedConfig, 'network'>): string[] {
  return config.network.kind === 'new' ? [config.network.cidr] : ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
}

export function isExposed(config: Pick<ResolvedConfig, 'exposure'>): boolean {
  return config.exposure.mode !== 'private';
}

function usesTls(config: Pick<ResolvedConfig, 'exposure'>): boolean {
  return config.exposure.certificateArn !== undefined;
}

/** `https://<hostname>` (or http:// without a certificate); undefined when private or no host name is set. */
export function exposureBaseUrl(config: Pick<ResolvedConfig, 'exposure'>): string | undefined {
  const e = config.exposure;
  if (!isExposed(config) || e.hostname === undefined) return undefined;
  return `${usesTls(config) ? 'https' : 'http'}://${e.hostname}`;
}

/** The port the load balancer listens on: 443 with TLS, 80 without. */
export function listenerPort(config: Pick<ResolvedConfig, 'exposure'>): number {
  return usesTls(config) ? 443 : 80;
}

/** One line for `plan`: how the UI is reached. */
export function exposureSummary(config: ResolvedConfig): string {
  const e = config.exposure;
  if (!isExposed(config)) return 'private: `airflow-aws open` (port-forward through the Kubernetes API), no load balancer';
  const scheme = e.mode === 'internal' ? 'internal (VPC only)' : 'internet-facing';
  const where = exposureBaseUrl(config) ?? `the load balancer's DNS name (port ${listenerPort(config)})`;
  const tls = usesTls(config) ? `TLS (ACM, ${TLS_POLICY})` : 'plain HTTP (allowInsecureHttp)';
  return `${e.mode}: ${scheme} Classic Load Balancer, ${tls}, from ${e.sourceCidrs.join(', ')} → ${where}`;
}

/**
 * The health check the load balancer runs through each node's NodePort (kube-proxy forwards it to an api-server
 * pod): Airflow's own health endpoint, under the base URL's path.
 */
export function healthCheckPath(inputs: Pick<KubeInputs, 'config'> & { readonly basePath: string }): string {
  return `${inputs.basePath}${inputs.config.airflowMajor === 3 ? '/api/v2/monitor/health' : '/health'}`;
}

/** The Service of type LoadBalancer, or undefined when private. */
export function loadBalancerService(inputs: KubeInputs, basePath: string): (V1Service & KubeObject) | undefined {
  const c = inputs.config;
  if (!isExposed(c)) return undefined;
  const e = c.exposure;
  const component: KubeComponent = c.airflowMajor === 3 ? 'api-server' : 'webserver';
  const internal = e.mode === 'internal';
  const annotations: Record<string, string> = {
    // Written out both ways: the in-tree controller makes an internet-facing load balancer unless told otherwise.
    [LB_ANNOTATIONS.internal]: internal ? 'true' : 'false',
    [LB_ANNOTATIONS.scheme]: internal ? 'internal' : 'internet-facing',
    // A layer-7 listener: terminates the connection and adds X-Forwarded-Proto/For/Port.
    [LB_ANNOTATIONS.backendProtocol]: 'http',
    [LB_ANNOTATIONS.healthCheckProtocol]: 'HTTP',
    [LB_ANNOTATIONS.healthCheckPath]: healthCheckPath({ config: c, basePath }),
    [LB_ANNOTATIONS.healthCheckInterval]: '10',
    // Two api-server replicas spread over zones: every load balancer node must reach both.
    [LB_ANNOTATIONS.crossZone]: 'true',
  };
  if (e.certificateArn !== undefined) {
    annotations[LB_ANNOTATIONS.sslCert] = e.certificateArn;
    annotations[LB_ANNOTATIONS.sslPorts] = 'https';
    annotations[LB_ANNOTATIONS.sslPolicy] = TLS_POLICY;
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: NAMES.loadBalancer, namespace: c.kubernetes.namespace, labels: objectLabels(c, component), annotations },
    spec: {
      type: 'LoadBalancer',
      selector: selectorLabels(c, component),
      ports: [
        usesTls(c)
          ? { name: 'https', port: 443, targetPort: 'api', protocol: 'TCP' }
          : { name: 'http', port: 80, targetPort: 'api', protocol: 'TCP' },
      ],
      // The load balancer's security group admits these clients only.
      loadBalancerSourceRanges: [...e.sourceCidrs],
      // Cluster: every node serves the NodePort, so the health check above decides, not kube-proxy's node check.
      externalTrafficPolicy: 'Cluster',
    },
  };
}

/** Environment that makes Airflow trust the load balancer's X-Forwarded-* headers (only when exposed). */
export function proxyEnvironment(config: ResolvedConfig): Record<string, string> {
  if (!isExposed(config)) return {};
  const env: Record<string, string> = {
    // Who may set X-Forwarded-*: uvicorn (Airflow 3 api-server with --proxy-headers) and gunicorn (Airflow 2) read
    // this; it lists the load balancer's and nodes' addresses, not 127.0.0.1 only.
    FORWARDED_ALLOW_IPS: clusterAddressSpace(config).join(','),
  };
  // Werkzeug ProxyFix in front of the FAB (Flask) app: redirect URIs such as /auth/oauth-authorized/<provider>
  // take the scheme from X-Forwarded-Proto. The load balancer never sets X-Forwarded-Host/-Prefix, so those
  // headers would come from the client: not trusted.
  const section = config.airflowMajor === 3 ? 'FAB' : 'WEBSERVER';
  env[`AIRFLOW__${section}__ENABLE_PROXY_FIX`] = 'True';
  env[`AIRFLOW__${section}__PROXY_FIX_X_FOR`] = '1';
  env[`AIRFLOW__${section}__PROXY_FIX_X_PROTO`] = '1';
  env[`AIRFLOW__${section}__PROXY_FIX_X_PORT`] = '1';
  env[`AIRFLOW__${section}__PROXY_FIX_X_HOST`] = '0';
  env[`AIRFLOW__${section}__PROXY_FIX_X_PREFIX`] = '0';
  return env;
}

/** Extra api-server arguments: Airflow 3's FastAPI server honours X-Forwarded-* only with --proxy-headers. */
export function apiServerProxyArgs(config: ResolvedConfig): string[] {
  return isExposed(config) && config.airflowMajor === 3 ? ['--proxy-headers'] : [];
}
