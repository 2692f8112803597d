/**
 * The import errors Airflow records (the ParseImportError rows its DAG processor writes), read one of two ways —
 * the REST API of the local Airflow (`dags status --local`) or `airflow dags list-import-errors --output json` in a
 * cluster pod — and turned into `file:line: message` the same way (src/dev/parse.ts), so both read alike.
 */
import { z } from 'zod';
import type { ImportError } from '../dev/api-shapes.js';
import { formatProblem, importProblem } from '../dev/parse.js';
import { BUNDLE_NAMES } from './bundle.js';

export interface RecordedImportError {
  /** As Airflow stores it: relative to the bundle on Airflow 3 (`sub/bad.py`). */
  readonly file: string;
  readonly traceback: string;
  /** Airflow 3 only; absent (or empty) for errors recorded outside a bundle. */
  readonly bundleName?: string;
}

/**
 * Arguments of the Airflow CLI command that prints the recorded errors. It reads the database, so it needs no API
 * credentials and works whatever the auth manager (SSO included).
 * @see https://airflow.apache.org/docs/apache-airflow/stable/cli-and-env-variables-ref.html#list-import-errors
 */
export const LIST_IMPORT_ERRORS_ARGS = ['dags', 'list-import-errors', '--output', 'json'] as const;

// Airflow 3 (database rows): bundle_name, filepath, error. Airflow 2 (a DagBag of the image's folder): filepath, error.
const cliRows = z.array(z.looseObject({ filepath: z.string(), error: z.string(), bundle_name: z.string().nullish() }));

/**
 * Pure: the command's stdout -> the errors, or undefined when it printed no result. Airflow writes start-up
 * warnings (graphviz missing, …) to stdout before the data and exits 1 when there are import errors, so the result
 * is the last stdout line that is a JSON array, whatever the exit code. Rich prints the JSON on one line
 * (`soft_wrap`); colour codes are stripped in case a terminal setting forced them.
 */
export function readListImportErrors(stdout: string): RecordedImportError[] | undefined {
  const lines = stdout.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.startsWith('[')) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const rows = cliRows.safeParse(json);
    if (!rows.success) continue;
    return rows.data.map((r) => ({ file: r.filepath, traceback: r.error, ...(r.bundle_name ? { bundleName: r.bundle_name } : {}) }));
  }
  return undefined;
}

/** An item of the REST API's `importErrors` collection, in the same terms. */
export function fromApi(e: ImportError): RecordedImportError {
  const bundle = e['bundle_name'];
  return { file: e.filename, traceback: e.stack_trace, ...(typeof bundle === 'string' && bundle !== '' ? { bundleName: bundle } : {}) };
}

/**
 * The errors of the S3 bundle as sorted `dags/bad.py:3: SyntaxError: …` lines. Errors of other bundles are left
 * out; the traceback names the bundle's local copy on the pod, so the line is found by the file's suffix.
 */
export function bundleProblemLines(errors: readonly RecordedImportError[], dagFolder: string, displayFolder: string): string[] {
  return errors
    .filter((e) => e.bundleName === undefined || e.bundleName === BUNDLE_NAMES.s3)
    .map((e) => formatProblem(importProblem(e.file, e.traceback, dagFolder), displayFolder))
    .sort();
}
