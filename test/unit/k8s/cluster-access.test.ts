/** Pure parts of the cluster commands: flags repeated in hints, the health proxy path, a Service's target port, durations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { resolveTargetPort } from '../../../src/adapters/kube/port-forward.js';
import { healthProxyPath } from '../../../src/adapters/kube/workload-status.js';
import { clusterFlagsText } from '../../../src/cli/commands/cluster-target.js';
import { durationFlag } from '../../../src/cli/flags.js';

describe('cluster command helpers', () => {
  it('repeats the cluster flags of this run in suggested commands, quoted when needed', () => {
    assert.equal(clusterFlagsText({}), '');
    assert.equal(clusterFlagsText({ kubeContext: 'minikube' }), ' --kube-context minikube');
    assert.equal(clusterFlagsText({ kubeconfig: '/tmp/my config', kubeContext: 'a' }), " --kubeconfig '/tmp/my config' --kube-context a");
  });

  it('reaches Airflow\'s health endpoint through the service proxy of the UI Service', () => {
    assert.equal(healthProxyPath('airflow', 3), '/api/v1/namespaces/airflow/services/http:airflow-api-server:8080/proxy/api/v2/monitor/health');
    assert.equal(healthProxyPath('team-a', 2, '/airflow'), '/api/v1/namespaces/team-a/services/http:airflow-api-server:8080/proxy/airflow/health');
  });

  it('resolves a named target port on the pod, and passes a numeric one through', () => {
    const pod = { spec: { containers: [{ name: 'api-server', ports: [{ name: 'api', containerPort: 8080 }] }] } };
    assert.equal(resolveTargetPort({ spec: { ports: [{ port: 80, targetPort: 'api' }] } }, pod), 8080);
    assert.equal(resolveTargetPort({ spec: { ports: [{ port: 80, targetPort: 9000 }] } }, pod), 9000);
    assert.equal(resolveTargetPort({ spec: { ports: [{ port: 80 }] } }, pod), 80);
    assert.equal(resolveTargetPort({ spec: { ports: [{ port: 80, targetPort: 'metrics' }] } }, pod), undefined);
  });

  const durations: [string, number | undefined][] = [['45', 45], ['30s', 30], ['10m', 600], ['2h', 7200], ['1d', 86_400], ['0m', undefined], ['ten', undefined], ['5w', undefined]];
  for (const [text, seconds] of durations) {
    it(`reads --since ${text} as ${seconds ?? 'invalid'}`, () => {
      if (seconds === undefined) assert.throws(() => durationFlag(text), InvalidArgumentError);
      else assert.equal(durationFlag(text), seconds);
    });
  }
});
