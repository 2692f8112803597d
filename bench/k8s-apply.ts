/**
 * Apply speed against a real kube-apiserver (+ kwok node): the whole Airflow app (first deploy, API work only),
 * the same with waits (Jobs complete, rollouts; kwok timings), and the no-op re-deploy a user runs most often.
 * Baseline, measured in the same run: server-side apply of one Namespace (one round trip through the same client).
 * Targets from issue 4: whole app <= 2 s, no-op re-apply <= 1 s.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/k8s-apply.js
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../src/adapters/kube/client.js';
import { deploy } from '../src/adapters/kube/deploy.js';
import { parseConfig } from '../src/config/load.js';
import { FIELD_MANAGER } from '../src/k8s/labels.js';
import { kubeBinariesAvailable, startKubeTestCluster } from '../test/support/kube-cluster.js';

const SAMPLES = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function cfg(i: number) {
  return parseConfig(JSON.stringify({ name: `bench${i}`, region: 'eu-west-1', kubernetes: { namespace: `bench-${i}` } }), '/bench/airflow-aws.yaml', '/bench');
}

async function main(): Promise<void> {
  const avail = kubeBinariesAvailable({ kwok: true });
  if (!avail.ok) throw new Error(`${avail.reason}`);
  const cluster = await startKubeTestCluster({ kwok: true });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const client = new KubeClient(kc);
    const req = (i: number) => ({
      config: cfg(i),
      image: 'registry.example/airflow:bench',
      database: { kind: 'external' as const, host: 'db.example.internal', port: 5432, sslmode: 'require' as const },
      databaseMaster: { username: 'master', password: 'bench' },
    });
    // Warm-up: discovery caches, TLS session, apiserver caches.
    await deploy(client, req(0), { wait: false });

    const baseline: number[] = [];
    for (let i = 0; i < SAMPLES * 2; i++) {
      baseline.push(
        await time(() =>
          client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-baseline-${i % 2}` } }, FIELD_MANAGER, { force: true, dryRun: false }),
        ),
      );
    }
    const first: number[] = [];
    for (let i = 1; i <= SAMPLES; i++) first.push(await time(() => deploy(client, req(i), { wait: false })));
    const firstWithWaits = await time(() => deploy(client, req(SAMPLES + 1), { pollMs: 200 }));
    const noop: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      noop.push(
        await time(async () => {
          const r = await deploy(client, req(SAMPLES + 1), { pollMs: 200 });
          if (r.changed !== 0) throw new Error(`re-apply changed ${r.changed} objects`);
        }),
      );
    }
    const b = median(baseline);
    const f = median(first);
    const n = median(noop);
    const objects = (await deploy(client, req(1), { wait: false })).changes.length;
    const row = (what: string, ms: number, target?: number) =>
      `${what.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / b).toFixed(1).padStart(6)}x baseline${target ? `  (target <= ${target} ms: ${ms <= target ? 'met' : 'MISSED'})` : ''}`;
    console.log(`kube-apiserver ${cluster.server} (kwok node); ${objects} objects per app; median of ${SAMPLES}`);
    console.log(row('baseline: apply one Namespace', b));
    console.log(row('first deploy, whole app (no waits)', f, 2000));
    console.log(row('first deploy, whole app incl. Jobs + rollout (kwok)', firstWithWaits));
    console.log(row('no-op re-deploy (incl. secret read-back and checks)', n, 1000));
  } finally {
    await cluster.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
