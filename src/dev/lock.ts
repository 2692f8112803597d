/**
 * Reads the hashed lock file (`image.lockFile`, written by `airflow-aws image lock`): pip requirements, one pinned
 * `name==version` per entry with `--hash=sha256:` options, as produced by `uv pip compile --generate-hashes` or
 * pip-tools. Native dev mode installs it with `pip install --require-hashes --no-deps`, so the checks here only turn
 * pip's late, noisy failures into one early message that names the line.
 */
import { createHash } from 'node:crypto';

export interface LockedPackage {
  /** PEP 503 normalised name (lowercase, runs of `-_.` become `-`). */
  readonly name: string;
  readonly version: string;
  readonly hashes: readonly string[];
  /** 1-based line where the entry starts. */
  readonly line: number;
}

export interface Lock {
  /** sha256 of the file bytes: the cache key of the virtualenv. */
  readonly sha256: string;
  readonly packages: readonly LockedPackage[];
  /** Version of apache-airflow (or apache-airflow-core when only the core is locked). */
  readonly airflowVersion: string | undefined;
}

export interface LockProblem {
  readonly line: number;
  readonly message: string;
}

export class LockParseError extends Error {
  constructor(readonly problems: readonly LockProblem[]) {
    super(problems.map((p) => `line ${p.line}: ${p.message}`).join('; '));
    this.name = 'LockParseError';
  }
}

export function normalizePackageName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Pure: lock file text -> packages. Throws LockParseError listing every unpinned or unhashed entry. */
export function parseLock(text: string): Lock {
  const packages: LockedPackage[] = [];
  const problems: LockProblem[] = [];
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length) {
    const start = i + 1;
    // Join backslash continuations into one logical line.
    let logical = stripComment(lines[i] ?? '');
    while (/\\\s*$/.test(logical) && i + 1 < lines.length) {
      logical = logical.replace(/\\\s*$/, ' ') + stripComment(lines[++i] ?? '');
    }
    i++;
    const entry = logical.trim();
    if (!entry || entry.startsWith('-')) continue; // blank, or a global option such as --index-url
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;]+)\s*(;[^-]*)?(.*)$/.exec(entry);
    if (!m) {
      problems.push({ line: start, message: `"${entry.split(/\s/)[0]}" is not pinned with ==` });
      continue;
    }
    const hashes = [...(m[5] ?? '').matchAll(/--hash[=\s]sha256:([0-9a-f]{64})/g)].map((h) => h[1]!);
    if (hashes.length === 0) {
      problems.push({ line: start, message: `${m[1]}==${m[3]} has no --hash=sha256: option` });
      continue;
    }
    packages.push({ name: normalizePackageName(m[1]!), version: m[3]!, hashes, line: start });
  }
  if (problems.length > 0) throw new LockParseError(problems);
  if (packages.length === 0) throw new LockParseError([{ line: 1, message: 'no pinned packages found' }]);
  const find = (n: string) => packages.find((p) => p.name === n)?.version;
  return {
    sha256: createHash('sha256').update(text).digest('hex'),
    packages,
    airflowVersion: find('apache-airflow') ?? find('apache-airflow-core'),
  };
}

export function hasPackage(lock: Lock, name: string): boolean {
  const n = normalizePackageName(name);
  return lock.packages.some((p) => p.name === n);
}

function stripComment(line: string): string {
  // pip treats " #" (whitespace then #) and a leading # as comments; a # inside a URL fragment is not.
  const idx = line.search(/(^|\s)#/);
  return idx === -1 ? line : line.slice(0, idx);
}
