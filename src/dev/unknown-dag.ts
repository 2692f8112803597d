/**
 * What `dev run-dag` tells the user when the DAG processor has parsed the whole DAG folder and the DAG id is not
 * among the results: the known DAG ids, closest first (a typo is the usual cause), every import error as
 * `dags/file.py:LINE: message` (a broken file is the other usual cause) and the files Airflow never imports.
 */
import { EXIT_BAD_INPUT, UserError } from '../errors/user-error.js';
import { closestFirst, likelyTypo } from '../text/similarity.js';
import { candidateFor } from './dag-discovery.js';
import { formatProblem, importProblem } from './parse.js';

/** Known DAG ids listed at most; the closest come first, so the tail matters least. */
export const MAX_SUGGESTIONS = 10;

export interface UnknownDagInput {
  readonly dagId: string;
  readonly knownDagIds: readonly string[];
  readonly importErrors: readonly { readonly filename: string; readonly stack_trace: string }[];
  /** Absolute DAG folder on this machine, and how to show it (relative to the working directory, e.g. `dags`). */
  readonly dagsDir: string;
  readonly display: string;
  /** Files of the DAG folder the processor imports, relative to it. */
  readonly candidates: readonly string[];
  /** Files safe mode skips. */
  readonly skipped: readonly string[];
  /** Candidates Airflow never reported on (no DAG, no error) when the pass was judged complete. */
  readonly unreported: readonly string[];
}

/** The DAG_NOT_FOUND error, exit 2: the DAG id is input the user gave, as with a bad flag. */
export function unknownDagError(i: UnknownDagInput): UserError {
  const details: string[] = [];
  const ranked = closestFirst(i.dagId, i.knownDagIds);
  if (ranked.length === 0) details.push('Airflow knows no DAG in this project yet');
  else {
    const more = ranked.length > MAX_SUGGESTIONS ? ` … (${ranked.length - MAX_SUGGESTIONS} more)` : '';
    details.push(`known DAGs, closest first: ${ranked.slice(0, MAX_SUGGESTIONS).join(', ')}${more}`);
  }
  if (i.importErrors.length) {
    details.push('import errors:');
    for (const e of i.importErrors) details.push(`  ${importErrorLine(e.filename, e.stack_trace, i)}`);
  }
  const shown = (rel: string) => `${i.display.replace(/\/+$/, '')}/${rel}`;
  if (i.skipped.length) details.push(`skipped by safe mode (no "airflow" and "dag" in the file): ${i.skipped.map(shown).join(', ')}`);
  if (i.unreported.length) details.push(`parsed without a DAG or an error: ${i.unreported.map(shown).join(', ')}`);
  const typo = likelyTypo(i.dagId, i.knownDagIds);
  return new UserError(`Airflow does not know a DAG "${i.dagId}"`, {
    code: 'DAG_NOT_FOUND',
    exitCode: EXIT_BAD_INPUT,
    details,
    hint: typo
      ? `did you mean ${typo}? run \`airflow-aws dev run-dag ${typo}\``
      : 'check the dag_id in your DAG file; `airflow-aws dev parse` shows import errors with their traceback',
  });
}

/**
 * `dags/broken.py:9: ModuleNotFoundError: ...`. Airflow reports the file absolute (Airflow 2, or /opt/airflow/dags in
 * Docker mode) or relative to its bundle (Airflow 3); mapped onto our own folder when it names one of its files.
 */
export function importErrorLine(filename: string, stackTrace: string, i: Pick<UnknownDagInput, 'dagsDir' | 'display' | 'candidates'>): string {
  const rel = candidateFor(filename, i.candidates);
  if (rel !== undefined) return formatProblem(importProblem(rel, stackTrace, i.dagsDir), i.display);
  const p = importProblem(filename, stackTrace, i.dagsDir);
  if (!p.file.startsWith('/')) return formatProblem(p, i.display);
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`;
}
