/**
 * A config problem: one line of `validate` output. Always names the config path and the value received, and
 * where it can, a hint (a "did you mean" for unknown keys).
 */
import { EXIT_BAD_INPUT, UserError } from '../errors/user-error.js';

export interface ConfigProblem {
  /** Dotted path, e.g. `cluster.nodeGroup.maxSize` or `tags` ("" for the document itself). */
  readonly path: string;
  readonly message: string;
  /** Short rendering of the value received, if any. */
  readonly received?: string;
  readonly hint?: string;
  /** 1-based position in the file, when known. */
  readonly line?: number;
  readonly column?: number;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(seg))) out += out ? `.${String(seg)}` : String(seg);
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** Render a received value briefly and safely (bounded length, one line). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'a mapping';
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line ? `${file}:${p.line}:${p.column ?? 1}` : file;
  const path = p.path || '(document)';
  const received = p.received !== undefined ? ` (got ${p.received})` : '';
  const hint = p.hint ? ` — ${p.hint}` : '';
  return `${where}: ${path}: ${p.message}${received}${hint}`;
}

export class ConfigError extends UserError {
  readonly problems: readonly ConfigProblem[];
  readonly file: string;

  constructor(file: string, problems: readonly ConfigProblem[]) {
    const n = problems.length;
    super(`${file} is not a valid airflow-aws config (${n} problem${n === 1 ? '' : 's'})`, {
      code: 'CONFIG_INVALID',
      exitCode: EXIT_BAD_INPUT,
      details: problems.map((p) => formatProblem(file, p)),
      hint: 'fix the lines above; `airflow-aws schema` prints every key with its default',
    });
    this.problems = problems;
    this.file = file;
  }
}
