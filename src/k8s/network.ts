/**
 * NetworkPolicies (enforced where the CNI supports them: on EKS with the VPC CNI network policy agent, Calico,
 * Cilium). Ingress: nothing reaches any pod of the namespace except the UI/API port (from Airflow's own pods and
 * from inside the VPC), the log servers (from the UI only) and — with the in-cluster database — PostgreSQL from
 * Airflow pods only. Egress of the Airflow control
 * plane and Jobs: DNS, the database, HTTPS (Kubernetes and AWS APIs), the API server and the log servers. Task
 * pods keep open egress: they run your code, which talks to whatever your DAGs need.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import type { V1NetworkPolicy, V1NetworkPolicyPort } from '@kubernetes/client-node';
import { API_PORT, TRIGGERER_LOG_PORT, WORKER_LOG_PORT } from './airflow-config.js';
import { ssoOf } from '../airflow/fab-oidc.js';
import { clusterAddressSpace } from './exposure.js';
import { AIRFLOW_POD_SELECTOR, COMPONENT_LABEL, objectLabels, selectorLabels } from './labels.js';
import type { KubeInputs, KubeObject } from './model.js';

/** @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html */
export const EKS_POD_IDENTITY_AGENT = '169.254.170.23/32';

const tcp = (port: number | string): V1NetworkPolicyPort => ({ protocol: 'TCP', port });

export function networkPolicies(inputs: KubeInputs): KubeObject[] {
  const c = inputs.config;
  const ns = c.kubernetes.namespace;
  const labels = objectLabels(c, undefined);
  const ui = c.airflowMajor === 3 ? 'api-server' : 'webserver';
  const np = (name: string, spec: V1NetworkPolicy['spec']): V1NetworkPolicy & KubeObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: ns, labels },
    spec,
  });
  const instance = { 'app.kubernetes.io/instance': c.name };
  const out: KubeObject[] = [
    np('airflow-default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }),
    // UI + REST API + execution API: the only port reachable from outside the namespace. Task pods and the other
    // components call it; from the VPC come the EKS control plane (its service proxy, which `status` uses) and,
    // with exposure internal/public, the load balancer — through NodePorts, so from node addresses. Nothing from
    // outside the VPC: the load balancer's security group is where exposure.sourceCidrs are enforced. The kubelet's
    // probes and `airflow-aws open` (a port-forward) come from the pod's own node, which is always admitted.
    np('airflow-ui-ingress', {
      podSelector: { matchLabels: selectorLabels(c, ui) },
      policyTypes: ['Ingress'],
      ingress: [
        {
          _from: [
            { podSelector: { matchLabels: { ...AIRFLOW_POD_SELECTOR, ...instance } } },
            ...clusterAddressSpace(c).map((cidr) => ({ ipBlock: { cidr } })),
          ],
          ports: [tcp(API_PORT)],
        },
      ],
    }),
    // The UI fetches logs of running tasks from the worker/triggerer log servers.
    np('airflow-log-server-ingress', {
      podSelector: {
        matchLabels: { ...AIRFLOW_POD_SELECTOR, ...instance },
        matchExpressions: [{ key: COMPONENT_LABEL, operator: 'In', values: ['worker', 'triggerer', 'scheduler'] }],
      },
      policyTypes: ['Ingress'],
      ingress: [{ _from: [{ podSelector: { matchLabels: selectorLabels(c, ui) } }], ports: [tcp(WORKER_LOG_PORT), tcp(TRIGGERER_LOG_PORT)] }],
    }),
    np('airflow-control-plane-egress', {
      podSelector: {
        matchLabels: { ...AIRFLOW_POD_SELECTOR, ...instance },
        matchExpressions: [
          { key: COMPONENT_LABEL, operator: 'In', values: [ui, 'scheduler', 'dag-processor', 'triggerer', 'db-bootstrap', 'migrate', 'create-admin'] },
        ],
      },
      policyTypes: ['Egress'],
      egress: [
        { ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] },
        { ports: [tcp(5432)] },
        // Kubernetes API (443 on EKS, 6443/8443 on kubeadm/minikube after DNAT) and AWS APIs.
        { ports: [tcp(443), tcp(6443), tcp(8443)] },
        // EKS Pod Identity agent (credentials for S3 logs and the Secrets Manager backend), on the node.
        { to: [{ ipBlock: { cidr: EKS_POD_IDENTITY_AGENT } }], ports: [tcp(80)] },
        { to: [{ podSelector: { matchLabels: AIRFLOW_POD_SELECTOR } }], ports: [tcp(API_PORT), tcp(WORKER_LOG_PORT), tcp(TRIGGERER_LOG_PORT)] },
      ],
    }),
  ];
  // The UI fetches the OpenID provider's discovery document, keys, tokens and userinfo: 443 is open already; an
  // issuer on another port needs its own rule.
  const oidc = ssoOf(c);
  const idpPort = oidc ? Number(new URL(oidc.issuer).port || (new URL(oidc.issuer).protocol === 'https:' ? 443 : 80)) : 443;
  if (idpPort !== 443) {
    out.push(np('airflow-ui-oidc-egress', { podSelector: { matchLabels: selectorLabels(c, ui) }, policyTypes: ['Egress'], egress: [{ ports: [tcp(idpPort)] }] }));
  }
  if (inputs.database.kind === 'in-cluster') {
    out.push(
      np('airflow-postgresql-ingress', {
        podSelector: { matchLabels: selectorLabels(c, 'postgres') },
        policyTypes: ['Ingress'],
        ingress: [{ _from: [{ podSelector: { matchLabels: { ...AIRFLOW_POD_SELECTOR, ...instance } } }], ports: [tcp(5432)] }],
      }),
    );
  }
  return out;
}
