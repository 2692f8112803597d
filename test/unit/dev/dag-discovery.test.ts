import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  candidateFor,
  compileIgnoreFile,
  defaultIgnoreSyntax,
  isIgnored,
  judgeParsePass,
  mightContainDag,
  type DagFile,
  type IgnoreSyntax,
  type ParserView,
  type PassWatch,
} from '../../../src/dev/dag-discovery.js';

describe('safe-mode heuristic (might_contain_dag_via_default_heuristic)', () => {
  const cases: [string, string | Uint8Array, 2 | 3, boolean][] = [
    ['a DAG file', 'from airflow.sdk import dag\n', 3, true],
    ['words in any case', 'from AIRFLOW import DAG', 2, true],
    ['words only in a comment', '# an Airflow dag helper\nx = 1', 3, true],
    ['"airflow" without "dag"', 'import airflow\n', 3, false],
    ['"dag" without "airflow"', 'dag = 1\n', 3, false],
    ['neither word', 'def add(a, b):\n    return a + b\n', 3, false],
    ['"asset" with "airflow" on Airflow 3', 'from airflow.sdk import Asset\n', 3, true],
    ['"asset" with "airflow" on Airflow 2', 'from airflow.sdk import Asset\n', 2, false],
    ['raw bytes', new TextEncoder().encode('from airflow import DAG'), 2, true],
    ['an empty file', '', 3, false],
  ];
  for (const [what, content, major, expected] of cases) {
    it(`${expected ? 'imports' : 'skips'} ${what}`, () => assert.equal(mightContainDag(content, major), expected));
  }
});

describe('.airflowignore', () => {
  it('defaults to glob on Airflow 3 and regexp on Airflow 2, as Airflow does', () => {
    assert.equal(defaultIgnoreSyntax(3), 'glob');
    assert.equal(defaultIgnoreSyntax(2), 'regexp');
  });

  // [syntax, file text, folder of the .airflowignore, path, is a directory, ignored?]
  const cases: [IgnoreSyntax, string, string, string, boolean, boolean][] = [
    ['glob', '*_test.py', '', 'sub/deep/a_test.py', false, true],
    ['glob', '*_test.py', '', 'sub/a.py', false, false],
    ['glob', '/top.py', '', 'top.py', false, true],
    ['glob', '/top.py', '', 'sub/top.py', false, false],
    ['glob', 'sub/', '', 'x/sub', true, true],
    ['glob', 'sub/', '', 'sub', false, false],
    ['glob', 'sub/*.py', '', 'sub/x.py', false, true],
    ['glob', 'sub/*.py', '', 'sub/deep/x.py', false, false],
    ['glob', '**/gen/*.py', '', 'a/b/gen/x.py', false, true],
    ['glob', '*.py\n!keep.py', '', 'keep.py', false, false],
    ['glob', '*.py\n!keep.py', '', 'other.py', false, true],
    ['glob', 'x.py   # trailing comment', '', 'x.py', false, true],
    ['glob', '# only a comment\n\n', '', 'x.py', false, false],
    ['glob', '[ab].py', '', 'b.py', false, true],
    ['glob', '[!ab].py', '', 'b.py', false, false],
    ['glob', '?.py', '', 'ab.py', false, false],
    ['glob', '/a.py', 'sub', 'sub/a.py', false, true],
    ['glob', '/a.py', 'sub', 'other/a.py', false, false],
    ['regexp', '_test\\.py$', '', 'sub/x_test.py', false, true],
    ['regexp', 'legacy', '', 'old/legacy_dag.py', false, true],
    ['regexp', '^sub/', '', 'sub', true, false],
    ['regexp', '^sub/', '', 'sub/x.py', false, true],
    ['regexp', '(?P<name>x)', '', 'x.py', false, false],
  ];
  for (const [syntax, text, dir, rel, isDir, expected] of cases) {
    it(`${syntax} ${JSON.stringify(text)} in "${dir || '.'}" ${expected ? 'excludes' : 'keeps'} ${rel}${isDir ? '/' : ''}`, () => {
      assert.equal(isIgnored(rel, isDir, compileIgnoreFile(text, dir, syntax)), expected);
    });
  }

  it('lets a sub-folder rule apply after the rules inherited from above (last match wins)', () => {
    const rules = [...compileIgnoreFile('*.py', '', 'glob'), ...compileIgnoreFile('!keep.py', 'sub', 'glob')];
    assert.equal(isIgnored('sub/keep.py', false, rules), false);
    assert.equal(isIgnored('sub/drop.py', false, rules), true);
  });
});

describe('candidateFor', () => {
  const rels = ['x.py', 'sub/x.py', 'example_pipeline.py'];
  const cases: [string, string | undefined][] = [
    ['/home/me/project/dags/example_pipeline.py', 'example_pipeline.py'],
    ['/opt/airflow/dags/sub/x.py', 'sub/x.py'],
    ['/opt/airflow/dags/x.py', 'x.py'],
    ['x.py', 'x.py'],
    ['sub/x.py', 'sub/x.py'],
    ['/opt/airflow/dags/notx.py', undefined],
    ['/opt/airflow/dags/other.py', undefined],
  ];
  for (const [reported, expected] of cases) {
    it(`maps ${reported} to ${expected ?? 'no candidate'}`, () => assert.equal(candidateFor(reported, rels), expected));
  }
});

describe('judgeParsePass', () => {
  const T = 1_000_000;
  const quiet = { activeMs: 30_000, idleMs: 120_000 };
  const files: DagFile[] = [
    { rel: 'a.py', mtimeMs: T - 10_000 },
    { rel: 'broken.py', mtimeMs: T - 10_000 },
  ];
  const view = (aParsedAt: number | undefined, extra: Partial<ParserView> = {}): ParserView => ({
    dags: [{ dagId: 'a', file: { path: '/dags/a.py', parsedAtMs: aParsedAt } }],
    importErrors: [{ path: 'broken.py', parsedAtMs: T - 5_000 }],
    ...extra,
  });
  const watch = (fingerprintOf: ParserView, changedAtMs: number, startedAtMs = changedAtMs): PassWatch => ({
    startedAtMs,
    changedAtMs,
    fingerprint: judgeParsePass(undefined, files, fingerprintOf, changedAtMs, quiet).watch.fingerprint,
  });

  const cases: { what: string; prev?: PassWatch; files?: DagFile[]; view: ParserView; now: number; complete: boolean; reason?: string; pending: string[] }[] = [
    { what: 'every file is a DAG file or an import error, parsed after its last change', view: view(T - 5_000), now: T, complete: true, reason: 'all-files-parsed', pending: [] },
    { what: 'the DAG folder has no candidate at all', files: [], view: { dags: [], importErrors: [] }, now: T, complete: true, reason: 'all-files-parsed', pending: [] },
    { what: 'Airflow gives no parse time (trusted as parsed)', view: view(undefined), now: T, complete: true, reason: 'all-files-parsed', pending: [] },
    { what: 'a file was edited after its last parse (its DAG ids may change)', view: view(T - 20_000), now: T, complete: false, pending: ['a.py'] },
    { what: 'a file Airflow has not reported on, on the first look', view: view(T - 5_000, { dags: [] }), now: T, complete: false, pending: ['a.py'] },
    {
      what: 'a file never reported, quiet for 30 s after the processor was seen working',
      prev: watch(view(T + 1_000, { dags: [] }), T, T - 1),
      view: view(T + 1_000, { dags: [], importErrors: [{ path: 'broken.py', parsedAtMs: T + 29_000 }] }),
      now: T + 30_000,
      complete: true,
      reason: 'quiet',
      pending: ['a.py'],
    },
    {
      what: 'a file never reported, quiet for 30 s with no sign of the processor working',
      prev: watch(view(T - 5_000, { dags: [] }), T),
      view: view(T - 5_000, { dags: [] }),
      now: T + 30_000,
      complete: false,
      pending: ['a.py'],
    },
    {
      what: 'a file never reported, quiet for 120 s with no sign of the processor working',
      prev: watch(view(T - 5_000, { dags: [] }), T),
      view: view(T - 5_000, { dags: [] }),
      now: T + 120_000,
      complete: true,
      reason: 'quiet',
      pending: ['a.py'],
    },
    {
      what: 'a new DAG appeared 10 s ago (the quiet period restarts)',
      prev: watch(view(T - 5_000, { dags: [] }), T - 100_000, T - 100_000),
      view: view(T - 5_000, { dags: [{ dagId: 'b', file: { path: '/dags/b.py', parsedAtMs: T + 1 } }] }),
      now: T + 10_000,
      complete: false,
      pending: ['a.py'],
    },
  ];
  for (const c of cases) {
    it(`${c.complete ? 'is complete' : 'is not complete'} when ${c.what}`, () => {
      const v = judgeParsePass(c.prev, c.files ?? files, c.view, c.now, quiet);
      assert.equal(v.complete, c.complete);
      assert.equal(v.reason, c.reason);
      assert.deepEqual(v.pending, c.pending);
    });
  }

  it('keeps its start and last-change times while nothing changes', () => {
    const first = judgeParsePass(undefined, files, view(T - 20_000), T, quiet);
    const second = judgeParsePass(first.watch, files, view(T - 20_000), T + 2_000, quiet);
    assert.deepEqual(second.watch, first.watch);
  });
});
