#!/usr/bin/env node
// Part of scripts/test-aws.sh (real AWS, opt-in): runs example_pipeline through the Airflow REST API of a deployed
// environment. Reaches the API through `airflow-aws open` (port-forward, no kubectl) and reads the admin password from
// the Kubernetes Secret with the kubeconfig `airflow-aws kubeconfig` wrote. The password stays in this process.
// Usage: node scripts/aws/run-example-dag.mjs KUBECONFIG NAMESPACE BASE_URL
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { AirflowApi } from '../../dist/src/adapters/airflow-api.js';

const [kubeconfig, namespace, baseUrl] = process.argv.slice(2);
if (!kubeconfig || !namespace || !baseUrl) {
  console.error('usage: run-example-dag.mjs KUBECONFIG NAMESPACE BASE_URL');
  process.exit(2);
}
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace, name: 'airflow-secrets' });
const password = Buffer.from(secret.data?.['admin-password'] ?? '', 'base64').toString('utf8');
const api = new AirflowApi({ baseUrl, major: 3, username: 'admin', password });
await api.login();
await api.setPaused('example_pipeline', false);
const run = await api.triggerRun('example_pipeline', {});
const deadline = Date.now() + 15 * 60_000;
for (;;) {
  const r = await api.getRun('example_pipeline', run.dag_run_id);
  console.error(`example_pipeline ${r.dag_run_id}: ${r.state}`);
  if (r.state === 'success') break;
  if (r.state === 'failed' || Date.now() > deadline) {
    for (const t of await api.taskInstances('example_pipeline', r.dag_run_id)) console.error(`  ${t.task_id}: ${t.state}`);
    process.exit(1);
  }
  await new Promise((ok) => setTimeout(ok, 10_000));
}
