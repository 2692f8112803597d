import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1Deployment, V1NetworkPolicy, V1Service } from '@kubernetes/client-node';
import { buildApp } from '../../../src/k8s/app.js';
import { exposureSummary, LB_ANNOTATIONS, TLS_POLICY } from '../../../src/k8s/exposure.js';
import { renderKubernetes } from '../../../src/k8s/render.js';
import { toYaml } from '../../../src/k8s/yaml.js';
import { config, inputs } from './fixtures.js';
import { find, ofKind } from './support.js';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
const EXISTING_VPC = {
  existingVpc: { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
};

interface Case {
  readonly name: string;
  readonly exposure: Record<string, unknown>;
  readonly airflow?: string;
  readonly network?: Record<string, unknown>;
  readonly baseUrl?: string;
  /** Expected Service, or undefined for none. */
  readonly lb?: {
    readonly internal: 'true' | 'false';
    readonly scheme: 'internal' | 'internet-facing';
    readonly port: number;
    readonly tls: boolean;
    readonly sourceRanges: readonly string[];
    readonly healthPath: string;
    readonly selectorComponent: 'api-server' | 'webserver';
  };
  readonly baseUrlEnv: string;
  readonly proxyFixSection?: 'FAB' | 'WEBSERVER';
  readonly proxyHeadersArg: boolean;
  readonly forwardedAllowIps?: string;
}

const CASES: readonly Case[] = [
  {
    name: 'private (default)',
    exposure: {},
    baseUrlEnv: 'http://localhost:8080',
    proxyHeadersArg: false,
  },
  {
    name: 'internal with TLS',
    exposure: { mode: 'internal', certificateArn: CERT, hostname: 'airflow.corp.example', sourceCidrs: ['10.0.0.0/8'] },
    lb: { internal: 'true', scheme: 'internal', port: 443, tls: true, sourceRanges: ['10.0.0.0/8'], healthPath: '/api/v2/monitor/health', selectorComponent: 'api-server' },
    baseUrlEnv: 'https://airflow.corp.example',
    proxyFixSection: 'FAB',
    proxyHeadersArg: true,
    forwardedAllowIps: '10.0.0.0/16',
  },
  {
    name: 'public with TLS',
    exposure: { mode: 'public', certificateArn: CERT, hostname: 'airflow.example.com', sourceCidrs: ['203.0.113.0/24', '198.51.100.7/32'] },
    lb: { internal: 'false', scheme: 'internet-facing', port: 443, tls: true, sourceRanges: ['203.0.113.0/24', '198.51.100.7/32'], healthPath: '/api/v2/monitor/health', selectorComponent: 'api-server' },
    baseUrlEnv: 'https://airflow.example.com',
    proxyFixSection: 'FAB',
    proxyHeadersArg: true,
    forwardedAllowIps: '10.0.0.0/16',
  },
  {
    name: 'public without TLS (explicitly allowed), no host name',
    exposure: { mode: 'public', allowInsecureHttp: true, sourceCidrs: ['0.0.0.0/0'] },
    lb: { internal: 'false', scheme: 'internet-facing', port: 80, tls: false, sourceRanges: ['0.0.0.0/0'], healthPath: '/api/v2/monitor/health', selectorComponent: 'api-server' },
    baseUrlEnv: 'http://localhost:8080',
    proxyFixSection: 'FAB',
    proxyHeadersArg: true,
    forwardedAllowIps: '10.0.0.0/16',
  },
  {
    name: 'internal on an existing VPC, base URL with a path from deploy',
    exposure: { mode: 'internal', certificateArn: CERT, hostname: 'airflow.corp.example', sourceCidrs: ['172.16.0.0/12'] },
    network: EXISTING_VPC,
    baseUrl: 'https://tools.corp.example/airflow',
    lb: { internal: 'true', scheme: 'internal', port: 443, tls: true, sourceRanges: ['172.16.0.0/12'], healthPath: '/airflow/api/v2/monitor/health', selectorComponent: 'api-server' },
    baseUrlEnv: 'https://tools.corp.example/airflow',
    proxyFixSection: 'FAB',
    proxyHeadersArg: true,
    forwardedAllowIps: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16',
  },
  {
    name: 'public with TLS on Airflow 2.9',
    airflow: '2.9.0',
    exposure: { mode: 'public', certificateArn: CERT, hostname: 'airflow.example.com', sourceCidrs: ['203.0.113.0/24'] },
    lb: { internal: 'false', scheme: 'internet-facing', port: 443, tls: true, sourceRanges: ['203.0.113.0/24'], healthPath: '/health', selectorComponent: 'webserver' },
    baseUrlEnv: 'https://airflow.example.com',
    proxyFixSection: 'WEBSERVER',
    proxyHeadersArg: false,
    forwardedAllowIps: '10.0.0.0/16',
  },
];

for (const t of CASES) {
  describe(`exposure: ${t.name}`, () => {
    const cfg = config({ exposure: t.exposure, ...(t.network ? { network: t.network } : {}) }, t.airflow ? { version: t.airflow } : {});
    const app = buildApp(inputs(cfg, t.baseUrl ? { baseUrl: t.baseUrl } : {}));
    const services = ofKind<V1Service>(app, 'Service');
    const lbs = services.filter((s) => s.spec?.type === 'LoadBalancer');
    const cm = find<V1ConfigMap>(app, 'ConfigMap', 'airflow-config').data!;
    const ui = find<V1Deployment>(app, 'Deployment', t.airflow ? 'airflow-webserver' : 'airflow-api-server');
    const lb = t.lb;

    it(lb ? 'renders exactly one Service of type LoadBalancer, next to the unchanged ClusterIP Service' : 'renders no load balancer', () => {
      assert.equal(lbs.length, lb ? 1 : 0);
      const clusterIp = find<V1Service>(app, 'Service', 'airflow-api-server');
      assert.equal(clusterIp.spec!.type, 'ClusterIP');
      assert.deepEqual(clusterIp.metadata!.annotations, undefined);
    });

    if (lb) {
      const svc = lbs[0]!;
      const a = svc.metadata!.annotations!;
      it(`is ${lb.scheme}: internal annotation "${lb.internal}", scheme "${lb.scheme}"`, () => {
        assert.equal(svc.metadata!.name, 'airflow-ui-lb');
        assert.equal(a[LB_ANNOTATIONS.internal], lb.internal);
        assert.equal(a[LB_ANNOTATIONS.scheme], lb.scheme);
        if (lb.scheme === 'internal') assert.doesNotMatch(toYaml([svc]), /internet-facing/);
      });
      it(lb.tls ? 'terminates TLS on 443 with the ACM certificate and a TLS 1.2+ policy' : 'listens on plain HTTP port 80, without certificate annotations', () => {
        assert.deepEqual(svc.spec!.ports, [{ name: lb.tls ? 'https' : 'http', port: lb.port, targetPort: 'api', protocol: 'TCP' }]);
        assert.equal(a[LB_ANNOTATIONS.sslCert], lb.tls ? CERT : undefined);
        assert.equal(a[LB_ANNOTATIONS.sslPorts], lb.tls ? 'https' : undefined);
        assert.equal(a[LB_ANNOTATIONS.sslPolicy], lb.tls ? TLS_POLICY : undefined);
        // A layer-7 listener: the one that adds X-Forwarded-Proto.
        assert.equal(a[LB_ANNOTATIONS.backendProtocol], 'http');
      });
      it(`admits only ${lb.sourceRanges.join(', ')}`, () => {
        assert.deepEqual(svc.spec!.loadBalancerSourceRanges, lb.sourceRanges);
      });
      it(`health-checks ${lb.healthPath} over HTTP, the same path as the readiness probe`, () => {
        assert.equal(a[LB_ANNOTATIONS.healthCheckProtocol], 'HTTP');
        assert.equal(a[LB_ANNOTATIONS.healthCheckPath], lb.healthPath);
        assert.equal(ui.spec!.template.spec!.containers[0]!.readinessProbe!.httpGet!.path, lb.healthPath);
      });
      it(`selects the ${lb.selectorComponent} pods, and is owned (pruned and listed by down like every object of ours)`, () => {
        assert.equal(svc.spec!.selector!['app.kubernetes.io/component'], lb.selectorComponent);
        assert.equal(svc.metadata!.labels!['app.kubernetes.io/managed-by'], 'airflow-aws');
        assert.equal(svc.metadata!.labels!['airflow-aws/deployment'], 'demo');
      });
    }

    it(`sets the base URL to ${t.baseUrlEnv}`, () => {
      assert.equal(cm[t.airflow ? 'AIRFLOW__WEBSERVER__BASE_URL' : 'AIRFLOW__API__BASE_URL'], t.baseUrlEnv);
    });

    it(t.proxyFixSection ? `trusts X-Forwarded-Proto/For/Port from the VPC only (${t.proxyFixSection} ProxyFix), never X-Forwarded-Host` : 'trusts no proxy headers', () => {
      const s = t.proxyFixSection;
      assert.equal(cm['FORWARDED_ALLOW_IPS'], t.forwardedAllowIps);
      for (const section of ['FAB', 'WEBSERVER']) {
        assert.equal(cm[`AIRFLOW__${section}__ENABLE_PROXY_FIX`], section === s ? 'True' : undefined);
      }
      if (s) {
        assert.equal(cm[`AIRFLOW__${s}__PROXY_FIX_X_PROTO`], '1');
        assert.equal(cm[`AIRFLOW__${s}__PROXY_FIX_X_HOST`], '0');
        assert.equal(cm[`AIRFLOW__${s}__PROXY_FIX_X_PREFIX`], '0');
      }
    });

    it(t.proxyHeadersArg ? 'starts the api-server with --proxy-headers' : 'starts the UI without --proxy-headers', () => {
      assert.equal(ui.spec!.template.spec!.containers[0]!.args!.includes('--proxy-headers'), t.proxyHeadersArg);
    });

    it('admits the UI port from Airflow pods and the VPC address space only, never from anywhere', () => {
      const np = find<V1NetworkPolicy>(app, 'NetworkPolicy', 'airflow-ui-ingress');
      const rule = np.spec!.ingress![0]!;
      assert.deepEqual(rule.ports, [{ protocol: 'TCP', port: 8080 }]);
      const from = rule._from ?? [];
      assert.ok(from.length > 0, 'a rule without sources admits every address');
      assert.equal(from[0]!.podSelector!.matchLabels!['app.kubernetes.io/instance'], 'demo');
      const cidrs = from.slice(1).map((f) => f.ipBlock!.cidr);
      assert.deepEqual(cidrs, t.network ? ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] : ['10.0.0.0/16']);
      assert.ok(!cidrs.includes('0.0.0.0/0'));
    });
  });
}

describe('exposure in plan and synth', () => {
  it('summarises each mode in one plan line', () => {
    assert.match(exposureSummary(config()), /^private: `airflow-aws open`/);
    const pub = config({ exposure: { mode: 'public', certificateArn: CERT, hostname: 'airflow.example.com', sourceCidrs: ['203.0.113.0/24'] } });
    assert.equal(exposureSummary(pub), `public: internet-facing Classic Load Balancer, TLS (ACM, ${TLS_POLICY}), from 203.0.113.0/24 → https://airflow.example.com`);
    const internal = config({ exposure: { mode: 'internal', allowInsecureHttp: true, sourceCidrs: ['10.0.0.0/8'] } });
    assert.match(exposureSummary(internal), /^internal: internal \(VPC only\) .*plain HTTP .*load balancer's DNS name \(port 80\)$/);
  });

  it('writes the load balancer into the foundation file of synth', () => {
    const files = renderKubernetes(config({ exposure: { mode: 'internal', certificateArn: CERT, hostname: 'a.example.com', sourceCidrs: ['10.0.0.0/8'] } }));
    const foundation = files.find((f) => f.path === 'kubernetes/01-foundation.yaml')!.content;
    assert.match(foundation, /name: airflow-ui-lb/);
    assert.match(foundation, /service\.beta\.kubernetes\.io\/aws-load-balancer-internal: "true"/);
    assert.ok(!renderKubernetes(config()).some((f) => f.content.includes('LoadBalancer')));
  });
});
