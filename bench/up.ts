/**
 * `up` end to end against moto (the AWS layers, through test/support/moto-server.py) and a kube-apiserver with a kwok
 * node (the Kubernetes layer): the first run (everything created) and the no-op rerun a user makes most often.
 * Baseline, measured in the same run: `plan --offline` (config, synthesis and the cost table; no AWS, no cluster).
 * Target from issue 8: both runs together <= 15 s.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/up.js
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeBinariesAvailable, startKubeTestCluster } from '../test/support/kube-cluster.js';
import { startMoto } from '../test/support/moto.js';
import { report, sampleCommand, sampleOnce } from './measure.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'bin', 'airflow-aws.js');

async function main(): Promise<void> {
  const avail = kubeBinariesAvailable({ kwok: true });
  if (!avail.ok) throw new Error(avail.reason);
  const [cluster, moto] = await Promise.all([startKubeTestCluster({ kwok: true }), startMoto()]);
  try {
    const project = mkdtempSync(path.join(tmpdir(), 'bench-up-'));
    writeFileSync(path.join(project, 'airflow-aws.yaml'), 'name: benchup\nregion: us-east-1\n');
    const up = [process.execPath, cli, 'up', '--yes', '--kube-context', 'kube-test', '--kubeconfig', cluster.kubeconfigPath, '--image', 'registry.example/airflow:bench'];
    const opts = { cwd: project, env: moto.env };
    // One sample each: the first run can only happen once per account, and the rerun is what the target is about.
    const first = sampleOnce(up, opts);
    const second = sampleCommand(up, 3, opts);
    const plan = sampleCommand([process.execPath, cli, 'plan', '--offline'], 3, opts);
    console.log('airflow-aws up bench (moto + kube-apiserver with a kwok node); cpu = the CLI process, not moto or the apiserver');
    const base = { baselineName: 'plan --offline', baselineMs: plan.wallMs, baselineCpuMs: plan.cpuMs };
    report([
      { name: 'up, first run', ms: first.wallMs, cpuMs: first.cpuMs, ...base },
      { name: 'up, no-op rerun (median 3)', ms: second.wallMs, cpuMs: second.cpuMs, ...base },
      { name: 'up, both runs', ms: first.wallMs + second.wallMs, cpuMs: first.cpuMs + second.cpuMs, ...base, targetMs: 15_000 },
    ]);
  } finally {
    await Promise.all([cluster.stop(), moto.stop()]);
  }
}

await main();
