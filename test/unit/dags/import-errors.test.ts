import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bundleProblemLines, fromApi, readListImportErrors, type RecordedImportError } from '../../../src/dags/import-errors.js';
import { importErrorSchema } from '../../../src/dev/api-shapes.js';
import { REPO_ROOT } from '../../support/cli.js';

/** Real stdout of `airflow dags list-import-errors --output json` (Airflow 3.3.2, dags-folder bundle; exit 1). */
const REAL_3_3_2 = readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'dags', 'list-import-errors-3.3.2.out'), 'utf8');
const WARNING = '2026-12-04T11:44:24Z [warning  ] Could not import graphviz.\nRun `pip install graphviz` to attempt to install it. [py.warnings]\n';
const TB = (file: string, line: number, last: string): string =>
  `Traceback (most recent call last):\n  File "<frozen importlib._bootstrap>", line 241, in _call_with_frames_removed\n  File "${file}", line ${line}, in <module>\n    x\n${last}\n`;

describe('readListImportErrors: the command\'s stdout -> recorded errors', () => {
  const cases: [string, string, RecordedImportError[] | undefined][] = [
    ['none: `[]` after the start-up warning (exit 0)', `${WARNING}[]\n`, []],
    [
      'Airflow 3: bundle_name, filepath (relative to the bundle), error',
      `${WARNING}${JSON.stringify([{ bundle_name: 's3_dags', filepath: 'sub/bad.py', error: 'boom' }])}\n`,
      [{ file: 'sub/bad.py', traceback: 'boom', bundleName: 's3_dags' }],
    ],
    ['Airflow 3, a row without a bundle: bundle_name ""', `${JSON.stringify([{ bundle_name: '', filepath: 'bad.py', error: 'boom' }])}\n`, [{ file: 'bad.py', traceback: 'boom' }]],
    ['Airflow 2: filepath (absolute) and error, no bundle_name', `${JSON.stringify([{ filepath: '/opt/airflow/dags/bad.py', error: 'boom' }])}\n`, [{ file: '/opt/airflow/dags/bad.py', traceback: 'boom' }]],
    ['colour codes forced on are stripped', `\x1b[38;5;1m${JSON.stringify([{ filepath: 'a.py', error: 'e' }])}\x1b[0m\n`, [{ file: 'a.py', traceback: 'e' }]],
    ['the last JSON array wins over an earlier bracketed log line', `[2026-12-04] starting\n${JSON.stringify([{ filepath: 'a.py', error: 'e' }])}\n`, [{ file: 'a.py', traceback: 'e' }]],
    ['no result: only a traceback (the command itself failed)', 'Traceback (most recent call last):\nOperationalError: could not connect to server\n', undefined],
    ['no result: a JSON array of something else', '["scheduler", "webserver"]\n', undefined],
    ['no result: nothing at all', '', undefined],
  ];
  for (const [name, stdout, want] of cases) {
    it(name, () => assert.deepEqual(readListImportErrors(stdout), want));
  }

  it('reads the real 3.3.2 output: warnings on stdout first, one JSON line, rows with bundle_name', () => {
    const rows = readListImportErrors(REAL_3_3_2);
    assert.deepEqual(
      rows?.map((r) => [r.bundleName, r.file]),
      [
        ['dags-folder', 'syntax_error.py'],
        ['dags-folder', 'sub/broken_dag.py'],
      ],
    );
    assert.match(rows![0]!.traceback, /SyntaxError: invalid syntax\n$/);
  });
});

describe('bundleProblemLines: file:line: message for the S3 bundle', () => {
  const S3_COPY = '/tmp/airflow/dag_bundles/s3_dags';
  const cases: [string, RecordedImportError[], string[]][] = [
    [
      'the line is the frame of the bundle\'s own copy of the file; sorted by file',
      [
        { file: 'syntax_error.py', bundleName: 's3_dags', traceback: `Traceback (most recent call last):\n  File "${S3_COPY}/syntax_error.py", line 4\n    def broken(:\n               ^\nSyntaxError: invalid syntax\n` },
        { file: 'sub/broken_dag.py', bundleName: 's3_dags', traceback: TB(`${S3_COPY}/sub/broken_dag.py`, 9, "ModuleNotFoundError: No module named 'nope'") },
      ],
      ["dags/sub/broken_dag.py:9: ModuleNotFoundError: No module named 'nope'", 'dags/syntax_error.py:4: SyntaxError: invalid syntax'],
    ],
    ['another bundle\'s errors are left out', [{ file: 'x.py', bundleName: 'dags-folder', traceback: TB('/opt/airflow/dags/x.py', 1, 'E: x') }], []],
    ['no bundle (Airflow 2): the path relative to the DAG folder', [{ file: '/project/dags/x.py', traceback: TB('/project/dags/x.py', 2, 'E: x') }], ['dags/x.py:2: E: x']],
    ['no frame in the file: no line', [{ file: 'x.py', bundleName: 's3_dags', traceback: 'AirflowDagDuplicatedIdException: Ignoring DAG a from x.py - also found in y.py' }], ['dags/x.py: AirflowDagDuplicatedIdException: Ignoring DAG a from x.py - also found in y.py']],
  ];
  for (const [name, errors, want] of cases) {
    it(name, () => assert.deepEqual(bundleProblemLines(errors, '/project/dags', 'dags'), want));
  }

  it('the real 3.3.2 rows read the same once their bundle is the S3 one', () => {
    const rows = readListImportErrors(REAL_3_3_2)!.map((r) => ({ ...r, bundleName: 's3_dags' }));
    assert.deepEqual(bundleProblemLines(rows, '/tmp/dagstatus-probe/dags', 'dags'), [
      "dags/sub/broken_dag.py:9: ModuleNotFoundError: No module named 'airflow_aws_no_such_module'",
      'dags/syntax_error.py:4: SyntaxError: invalid syntax',
    ]);
  });
});

describe('fromApi: the REST API item in the same terms', () => {
  // Items as the API client's schema lets them through.
  const cases: [string, unknown, RecordedImportError][] = [
    ['Airflow 3: with its bundle', { filename: 'a.py', stack_trace: 't', bundle_name: 's3_dags' }, { file: 'a.py', traceback: 't', bundleName: 's3_dags' }],
    ['Airflow 2: no bundle_name', { filename: '/d/a.py', stack_trace: 't' }, { file: '/d/a.py', traceback: 't' }],
    ['a null bundle_name is no bundle', { filename: 'a.py', stack_trace: 't', bundle_name: null }, { file: 'a.py', traceback: 't' }],
  ];
  for (const [name, item, want] of cases) it(name, () => assert.deepEqual(fromApi(importErrorSchema.parse(item)), want));
});
