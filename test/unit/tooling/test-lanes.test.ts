/**
 * How the test runner splits a run into lanes (scripts/lib/test-lanes.mjs): once-per-machine peers never overlap,
 * a group's lanes are balanced on past durations, and a file that reuses another's virtualenv runs after it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../support/cli.js';

interface Lane {
  readonly group: string;
  readonly files: string[];
  readonly expectedMs: number;
}
interface LanesModule {
  planLanes(files: readonly string[], durations?: Readonly<Record<string, number>>): Lane[];
  groupOf(file: string): { name: string };
  UNKNOWN_MS: number;
  PER_FILE_MS: number;
}
const lanes = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts', 'lib', 'test-lanes.mjs')).href)) as LanesModule;

const T = '/repo/dist/test';
const f = (rel: string) => `${T}/${rel}`;
const names = (l: Lane[]) => l.map((x) => [x.group, x.files.map((p) => p.slice(T.length + 1))]);

describe('planLanes', () => {
  const groupCases: [string, string][] = [
    ['e2e/k8s/real-node.test.js', 'kubelet'],
    ['integ/k8s/pod-identity.test.js', 'kubelet'],
    ['integ/k8s/apply.test.js', 'rest'],
    ['e2e/dev/docker.test.js', 'docker'],
    ['integ/image/image.test.js', 'docker'],
    ['e2e/dev/native.test.js', 'airflow'],
    ['e2e/dags/s3-bundle.test.js', 'airflow'],
    ['integ/dev/abandoned-transaction.test.js', 'airflow'],
    ['integ/dev/supervisor.test.js', 'rest'],
    ['unit/config/schema.test.js', 'rest'],
  ];
  for (const [file, group] of groupCases) {
    it(`puts ${file} in the ${group} group`, () => assert.equal(lanes.groupOf(f(file)).name, group));
  }

  it('gives a one-lane group one lane, in the order longest first', () => {
    const plan = lanes.planLanes([f('integ/image/a.test.js'), f('integ/image/b.test.js'), f('e2e/dev/docker.test.js')], {
      [f('integ/image/a.test.js')]: 5_000,
      [f('e2e/dev/docker.test.js')]: 300_000,
    });
    assert.deepEqual(names(plan), [['docker', ['e2e/dev/docker.test.js', 'integ/image/b.test.js', 'integ/image/a.test.js']]]);
  });

  it('balances a two-lane group on past durations (longest first, each to the lane with less work)', () => {
    const ms: Record<string, number> = {
      [f('e2e/dev/a.test.js')]: 280_000,
      [f('e2e/dev/b.test.js')]: 240_000,
      [f('e2e/dev/c.test.js')]: 130_000,
      [f('e2e/dev/d.test.js')]: 120_000,
      [f('e2e/dev/e.test.js')]: 30_000,
    };
    const plan = lanes.planLanes(Object.keys(ms), ms);
    assert.deepEqual(names(plan), [
      ['airflow', ['e2e/dev/a.test.js', 'e2e/dev/d.test.js']],
      ['airflow', ['e2e/dev/b.test.js', 'e2e/dev/c.test.js', 'e2e/dev/e.test.js']],
    ]);
    // Each file also costs PER_FILE_MS (its process): the lane of three files is that much longer.
    assert.deepEqual(plan.map((l) => l.expectedMs), [400_000 + 2 * lanes.PER_FILE_MS, 400_000 + 3 * lanes.PER_FILE_MS]);
  });

  it('counts a file with no past duration as UNKNOWN_MS, so a fresh machine still spreads a group', () => {
    const plan = lanes.planLanes([f('e2e/dev/x.test.js'), f('e2e/dev/y.test.js')]);
    assert.deepEqual(names(plan), [
      ['airflow', ['e2e/dev/x.test.js']],
      ['airflow', ['e2e/dev/y.test.js']],
    ]);
    assert.equal(plan[0]!.expectedMs, lanes.UNKNOWN_MS + lanes.PER_FILE_MS);
  });

  it('runs a file that reuses a virtualenv right after the file that builds it, in its lane', () => {
    const ms: Record<string, number> = {
      [f('e2e/dev/native-sso.test.js')]: 280_000,
      [f('e2e/dev/native.test.js')]: 240_000,
      [f('e2e/dev/native-fab.test.js')]: 130_000,
      [f('e2e/dev/proxy-headers.test.js')]: 900_000,
      [f('e2e/dev/sso-proxy.test.js')]: 30_000,
    };
    const plan = lanes.planLanes(Object.keys(ms), ms);
    assert.deepEqual(names(plan), [
      ['airflow', ['e2e/dev/native-sso.test.js', 'e2e/dev/sso-proxy.test.js']],
      ['airflow', ['e2e/dev/native.test.js', 'e2e/dev/proxy-headers.test.js', 'e2e/dev/native-fab.test.js']],
    ]);
  });

  it('runs a dependent file on its own when the filter left its dependency out', () => {
    const plan = lanes.planLanes([f('e2e/dev/proxy-headers.test.js')]);
    assert.deepEqual(names(plan), [['airflow', ['e2e/dev/proxy-headers.test.js']]]);
  });

  it('keeps the groups apart and drops empty lanes', () => {
    const plan = lanes.planLanes([f('unit/a.test.js'), f('e2e/k8s/real-node.test.js'), f('unit/b.test.js')]);
    assert.deepEqual(names(plan), [
      ['kubelet', ['e2e/k8s/real-node.test.js']],
      ['rest', ['unit/a.test.js', 'unit/b.test.js']],
    ]);
  });

  it('never puts a file of a one-peer group in another group\'s lane', () => {
    const ms: Record<string, number> = { [f('e2e/k8s/real-node.test.js')]: 900_000, [f('integ/k8s/pod-identity.test.js')]: 30_000, [f('unit/a.test.js')]: 1_000 };
    const plan = lanes.planLanes(Object.keys(ms), ms);
    assert.deepEqual(names(plan), [
      ['kubelet', ['e2e/k8s/real-node.test.js', 'integ/k8s/pod-identity.test.js']],
      ['rest', ['unit/a.test.js']],
    ]);
  });
});
