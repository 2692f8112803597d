/**
 * Everything that needs the real single-node cluster (a registry, a kube-apiserver, and a kubelet + containerd node
 * that really runs pods), on ONE cluster started once: node:test runs each test file in its own process, so a
 * cluster per file cost ~17 s of start-up (plus the registry) per file. The suites live in ./suites (not *.test.ts,
 * so the runner does not start them on their own): each takes the shared harness, works in its own namespaces,
 * imports its own images and leaves the cluster as it found it, so their order does not matter.
 *
 * Never skipped: a missing binary, package or image fails with what to run (scripts/testbed/setup.sh, docker.sh).
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { startRealNode, type RealNode } from '../../support/real-node.js';
import { airflowSuite } from './suites/airflow.js';
import { kubeletSuite } from './suites/kubelet.js';
import { logsOpenSuite } from './suites/logs-open.js';

describe('the real single-node cluster (registry + control plane + kubelet/containerd node, started once)', { timeout: 5_400_000 }, () => {
  let harness: RealNode | undefined;
  const t0 = Date.now();

  before(async () => {
    harness = await startRealNode();
    process.stderr.write(`# real node started in ${harness.startMs} ms\n`);
  });

  after(async () => {
    await harness?.stop();
    process.stderr.write(`# real-node file wall time ${Date.now() - t0} ms\n`);
  });

  const shared = (): RealNode => {
    assert.ok(harness, 'the shared real node did not start (see the before hook)');
    return harness;
  };

  // Quick ones first: they fail in seconds if the node itself is broken.
  kubeletSuite(shared);
  logsOpenSuite(shared);
  // Airflow 3 with its DAGs and logs in S3 and Pod Identity (./suites/bucket.ts checks those), then the 2.x line.
  airflowSuite(shared);
});
