/**
 * `dev parse`: import every DAG file the way Airflow's DAG processor does (a DagBag over the DAG folder) and report
 * each import error with its file and line. Runs inside the project's virtualenv or image, needs no database and
 * no running environment, so it fits a CI step. The Python side only collects; reading the traceback is done here.
 */
export const PARSE_MARKER = '@@airflow-aws-parse@@';

/**
 * Python run as `python -c PARSE_SCRIPT <dag_folder>`. DagBag's signature moved between 2.x and 3.x (import path,
 * include_examples, bundle_path), so the keywords are chosen by inspection. Output: one marker-prefixed JSON line.
 */
export const PARSE_SCRIPT = `
import inspect, json, os, sys
from pathlib import Path
folder = os.path.abspath(sys.argv[1])
try:
    from airflow.dag_processing.dagbag import DagBag
except ImportError:
    from airflow.models.dagbag import DagBag
params = inspect.signature(DagBag.__init__).parameters
kw = {"dag_folder": folder}
if "include_examples" in params:
    kw["include_examples"] = False
if "bundle_path" in params:
    kw["bundle_path"] = Path(folder)
bag = DagBag(**kw)
out = {
    "dags": sorted(({"dag_id": d.dag_id, "fileloc": str(d.fileloc)} for d in bag.dags.values()), key=lambda d: d["dag_id"]),
    "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
}
sys.stdout.write("\\n${PARSE_MARKER}" + json.dumps(out) + "\\n")
`;

export interface ParsedDag {
  readonly dag_id: string;
  readonly fileloc: string;
}

export interface ImportProblem {
  /** Path relative to the DAG folder. */
  readonly file: string;
  /** Line in that file where the error arose, when the traceback names it. */
  readonly line: number | undefined;
  /** Last line of the traceback, e.g. `ModuleNotFoundError: No module named 'nope'`. */
  readonly message: string;
  readonly traceback: string;
}

export interface ParseResult {
  readonly dags: readonly ParsedDag[];
  readonly problems: readonly ImportProblem[];
}

/** Pure: the script's stdout -> result. Throws when the marker line is missing (the script itself failed). */
export function readParseOutput(stdout: string, dagFolder: string): ParseResult {
  const line = stdout.split('\n').find((l) => l.startsWith(PARSE_MARKER));
  if (!line) throw new Error('the DAG parser printed no result');
  const raw = JSON.parse(line.slice(PARSE_MARKER.length)) as { dags: ParsedDag[]; import_errors: Record<string, string> };
  const problems = Object.entries(raw.import_errors)
    .map(([file, tb]) => importProblem(file, tb, dagFolder))
    .sort((a, b) => a.file.localeCompare(b.file));
  return { dags: raw.dags, problems };
}

export function importProblem(file: string, traceback: string, dagFolder: string): ImportProblem {
  const rel = relativeTo(file, dagFolder);
  const abs = rel.startsWith('/') ? rel : `${dagFolder.replace(/\/+$/, '')}/${rel}`;
  const frames = [...traceback.matchAll(/File "([^"]+)", line (\d+)/g)].map((m) => ({ file: m[1]!, line: Number(m[2]) }));
  const own = frames.filter((f) => f.file === abs || f.file.endsWith(`/${rel}`) || f.file === rel);
  const pick = own[own.length - 1];
  const lines = traceback.trim().split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const message = lines[lines.length - 1]?.trim() ?? 'import failed';
  return { file: rel, line: pick?.line, message, traceback: traceback.trimEnd() };
}

function relativeTo(file: string, folder: string): string {
  const f = folder.replace(/\/+$/, '');
  return file.startsWith(`${f}/`) ? file.slice(f.length + 1) : file;
}

/** `dags/bad.py:3: ModuleNotFoundError: ...` — the format editors and CI annotators understand. */
export function formatProblem(p: ImportProblem, displayFolder: string): string {
  const where = `${displayFolder.replace(/\/+$/, '')}/${p.file}${p.line !== undefined ? `:${p.line}` : ''}`;
  return `${where}: ${p.message}`;
}

/**
 * The warning for a `*.py` file Airflow's DAG discovery safe mode never imports (no "airflow" and "dag" in it, see
 * mightContainDag): without it such a file is silently invisible — no DAG, no import error.
 */
export function safeModeWarning(rel: string, displayFolder: string): string {
  return `skipped by safe mode: ${displayFolder.replace(/\/+$/, '')}/${rel}`;
}
