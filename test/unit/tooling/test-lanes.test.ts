/**
 * How the test runner splits a run into lanes (scripts/lib/test-lanes.mjs): once-per-machine peers never overlap,
 * a group's files go round its lanes in path order, and a file that reuses another's virtualenv runs after it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../support/cli.js';

interface Lane {
  readonly group: string;
  readonly files: string[];
}
interface LanesModule {
  planLanes(files: readonly string[]): Lane[];
  groupOf(file: string): { name: string };
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

  it('gives a one-lane group one lane, in path order', () => {
    const plan = lanes.planLanes([f('integ/image/b.test.js'), f('e2e/dev/docker.test.js'), f('integ/image/a.test.js')]);
    assert.deepEqual(names(plan), [['docker', ['e2e/dev/docker.test.js', 'integ/image/a.test.js', 'integ/image/b.test.js']]]);
  });

  it('deals a two-lane group round its lanes in path order', () => {
    const plan = lanes.planLanes(['e', 'c', 'a', 'd', 'b'].map((x) => f(`e2e/dev/${x}.test.js`)));
    assert.deepEqual(names(plan), [
      ['airflow', ['e2e/dev/a.test.js', 'e2e/dev/c.test.js', 'e2e/dev/e.test.js']],
      ['airflow', ['e2e/dev/b.test.js', 'e2e/dev/d.test.js']],
    ]);
  });

  it('runs a file that reuses a virtualenv right after the file that builds it, in its lane', () => {
    const plan = lanes.planLanes(['native-sso', 'native', 'native-fab', 'proxy-headers', 'sso-proxy'].map((x) => f(`e2e/dev/${x}.test.js`)));
    assert.deepEqual(names(plan), [
      ['airflow', ['e2e/dev/native-fab.test.js', 'e2e/dev/native.test.js', 'e2e/dev/proxy-headers.test.js']],
      ['airflow', ['e2e/dev/native-sso.test.js', 'e2e/dev/sso-proxy.test.js']],
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
    const plan = lanes.planLanes([f('e2e/k8s/real-node.test.js'), f('integ/k8s/pod-identity.test.js'), f('unit/a.test.js')]);
    assert.deepEqual(names(plan), [
      ['kubelet', ['e2e/k8s/real-node.test.js', 'integ/k8s/pod-identity.test.js']],
      ['rest', ['unit/a.test.js']],
    ]);
  });
});
