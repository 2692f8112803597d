import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT_BAD_INPUT } from '../../../src/errors/user-error.js';
import { safeModeWarning } from '../../../src/dev/parse.js';
import { importErrorLine, MAX_SUGGESTIONS, unknownDagError, type UnknownDagInput } from '../../../src/dev/unknown-dag.js';

const TRACE = (file: string) =>
  ['Traceback (most recent call last):', `  File "${file}", line 9, in <module>`, '    import nope', "ModuleNotFoundError: No module named 'nope'"].join('\n');

const base: UnknownDagInput = {
  dagId: 'example_pipelin',
  knownDagIds: ['slow_pipeline', 'example_pipeline'],
  importErrors: [],
  dagsDir: '/home/me/proj/dags',
  display: 'dags',
  candidates: ['example_pipeline.py', 'slow_pipeline.py', 'broken_dag.py', 'sub/broken_dag.py'],
  skipped: [],
  unreported: [],
};

describe('the DAG_NOT_FOUND error of dev run-dag', () => {
  it('is bad input (exit 2) with a stable code, the closest DAG first and a did-you-mean hint', () => {
    const e = unknownDagError(base);
    assert.equal(e.code, 'DAG_NOT_FOUND');
    assert.equal(e.exitCode, EXIT_BAD_INPUT);
    assert.equal(e.message, 'Airflow does not know a DAG "example_pipelin"');
    assert.deepEqual(e.details, ['known DAGs, closest first: example_pipeline, slow_pipeline']);
    assert.match(e.hint ?? '', /did you mean example_pipeline\?/);
  });

  // [wanted, known, the suggestion line]
  const rankings: [string, string[], string][] = [
    ['example_pipelin', ['aaa', 'slow_pipeline', 'example_pipeline'], 'known DAGs, closest first: example_pipeline, slow_pipeline, aaa'],
    ['ETL_Daily', ['etl_weekly', 'etl_daily'], 'known DAGs, closest first: etl_daily, etl_weekly'],
    ['etl_', ['etl', 'etl', 'elt'], 'known DAGs, closest first: etl, elt'],
  ];
  for (const [wanted, known, line] of rankings) {
    it(`ranks ${JSON.stringify(known)} for "${wanted}" closest first`, () => {
      assert.equal(unknownDagError({ ...base, dagId: wanted, knownDagIds: known }).details[0], line);
    });
  }

  it('points at dev parse when no known DAG is close', () => {
    assert.match(unknownDagError({ ...base, dagId: 'zzz' }).hint ?? '', /dev parse/);
  });

  it('says when Airflow knows no DAG at all', () => {
    assert.deepEqual(unknownDagError({ ...base, knownDagIds: [] }).details, ['Airflow knows no DAG in this project yet']);
  });

  it(`lists at most ${MAX_SUGGESTIONS} known DAGs and counts the rest`, () => {
    const ids = Array.from({ length: MAX_SUGGESTIONS + 3 }, (_, i) => `dag_${String(i).padStart(2, '0')}`);
    const line = unknownDagError({ ...base, dagId: 'dag_12', knownDagIds: ids }).details[0]!;
    assert.match(line, /^known DAGs, closest first: dag_12, /);
    assert.equal(line.replace(/^known DAGs, closest first: /, '').split(', ').length, MAX_SUGGESTIONS);
    assert.match(line, / … \(3 more\)$/);
  });

  it('adds import errors as file:line: message, then skipped and unreported files', () => {
    const e = unknownDagError({
      ...base,
      importErrors: [{ filename: 'broken_dag.py', stack_trace: TRACE('/opt/airflow/dags/broken_dag.py') }],
      skipped: ['helpers.py'],
      unreported: ['util_dag_helpers.py'],
    });
    assert.deepEqual(e.details.slice(1), [
      'import errors:',
      "  dags/broken_dag.py:9: ModuleNotFoundError: No module named 'nope'",
      'skipped by safe mode (no "airflow" and "dag" in the file): dags/helpers.py',
      'parsed without a DAG or an error: dags/util_dag_helpers.py',
    ]);
  });
});

describe('importErrorLine', () => {
  // [what, filename as Airflow reports it, file named in the traceback, expected]
  const cases: [string, string, string, string][] = [
    ['Airflow 3 (bundle-relative), native', 'broken_dag.py', '/home/me/proj/dags/broken_dag.py', "dags/broken_dag.py:9: ModuleNotFoundError: No module named 'nope'"],
    ['Airflow 3, Docker', 'broken_dag.py', '/opt/airflow/dags/broken_dag.py', "dags/broken_dag.py:9: ModuleNotFoundError: No module named 'nope'"],
    ['Airflow 2 (absolute), Docker, in a sub-folder', '/opt/airflow/dags/sub/broken_dag.py', '/opt/airflow/dags/sub/broken_dag.py', "dags/sub/broken_dag.py:9: ModuleNotFoundError: No module named 'nope'"],
    ['a file we do not know, under our folder', '/home/me/proj/dags/gone.py', '/home/me/proj/dags/gone.py', "dags/gone.py:9: ModuleNotFoundError: No module named 'nope'"],
    ['a file elsewhere', '/elsewhere/x.py', '/elsewhere/x.py', "/elsewhere/x.py:9: ModuleNotFoundError: No module named 'nope'"],
  ];
  for (const [what, filename, traced, expected] of cases) {
    it(`reads ${what}`, () => assert.equal(importErrorLine(filename, TRACE(traced), base), expected));
  }
});

describe('dev parse safe-mode warning', () => {
  const cases: [string, string, string][] = [
    ['helpers.py', 'dags', 'skipped by safe mode: dags/helpers.py'],
    ['sub/util.py', 'dags/', 'skipped by safe mode: dags/sub/util.py'],
    ['x.py', '../other/dags', 'skipped by safe mode: ../other/dags/x.py'],
  ];
  for (const [rel, folder, expected] of cases) {
    it(`shows ${rel} in ${folder} as "${expected}"`, () => assert.equal(safeModeWarning(rel, folder), expected));
  }
});
