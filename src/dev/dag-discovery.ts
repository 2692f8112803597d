/**
 * Which files of the DAG folder Airflow's DAG processor parses, and whether it has parsed them all yet — pure logic,
 * shared by `dev parse` (files safe mode skips) and `dev run-dag` (fail fast on an unknown DAG id).
 *
 * Airflow has no API that says "a full pass over the DAG folder is done", so `dev run-dag` infers it (see
 * judgeParsePass): the candidates are the `*.py` files the processor would parse — not excluded by `.airflowignore`
 * and passing the safe-mode heuristic — and the pass is complete once each candidate is accounted for, i.e. it is
 * the file of a DAG Airflow knows or of an import error, parsed after the file last changed. A candidate that never
 * becomes accounted for (a helper module that mentions "airflow" and "dag" but defines no DAG) must not make us wait
 * forever, so a quiet period with no change in what Airflow reports also ends the pass.
 * @see https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html#airflowignore
 * @see https://airflow.apache.org/docs/apache-airflow/stable/configurations-ref.html#dag-discovery-safe-mode
 */

/** `[core] dag_ignore_file_syntax`: Airflow 3 made glob the default; Airflow 2's default is regexp. */
export type IgnoreSyntax = 'glob' | 'regexp';

export function defaultIgnoreSyntax(major: 2 | 3): IgnoreSyntax {
  return major === 3 ? 'glob' : 'regexp';
}

/**
 * Airflow's `might_contain_dag_via_default_heuristic`: in safe mode (the default) a file is only imported when its
 * bytes, lower-cased, contain "airflow" and "dag" — Airflow 3 also accepts "asset" in place of "dag" (asset-only
 * files schedule nothing but still register assets). Byte-wise like Python: latin1 maps each byte to one code point
 * and lower-casing it never produces an ASCII letter from a non-ASCII byte.
 */
export function mightContainDag(content: Uint8Array | string, major: 2 | 3): boolean {
  const text = (typeof content === 'string' ? content : Buffer.from(content).toString('latin1')).toLowerCase();
  if (!text.includes('airflow')) return false;
  return text.includes('dag') || (major === 3 && text.includes('asset'));
}

/** One compiled line of a `.airflowignore`. */
export interface IgnoreRule {
  readonly syntax: IgnoreSyntax;
  readonly re: RegExp;
  /** glob: false for a `!negation` line, which re-includes what earlier lines excluded. */
  readonly include: boolean;
  /**
   * glob: folder (relative to the DAG folder, '' for its root) the pattern is anchored at — the `.airflowignore`'s
   * own folder when the pattern has a slash at its start or middle; undefined when it matches names at any depth.
   */
  readonly anchor: string | undefined;
}

/**
 * Compiles a `.airflowignore` found in `dir` (relative to the DAG folder, '' for the root) the way Airflow reads it:
 * `#` starts a comment anywhere on a line, empty lines are skipped. A pattern we cannot translate (Python-only regexp
 * syntax, say) is dropped: the file then stays a candidate, which at worst makes `dev run-dag` wait for the quiet
 * period instead of failing early.
 */
export function compileIgnoreFile(text: string, dir: string, syntax: IgnoreSyntax): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s*#.*/, '');
    if (!line) continue;
    const rule = syntax === 'regexp' ? regexpRule(line) : globRule(line, dir);
    if (rule) rules.push(rule);
  }
  return rules;
}

/**
 * Whether `rel` (a path relative to the DAG folder, '/'-separated) is excluded by `rules` (those of its folder and
 * every folder above it, outermost first). regexp: any pattern found anywhere in the relative path. glob: the last
 * matching line wins (so `!` can re-include), directories are matched with a trailing slash.
 */
export function isIgnored(rel: string, isDir: boolean, rules: readonly IgnoreRule[]): boolean {
  let ignored = false;
  for (const r of rules) {
    if (r.syntax === 'regexp') {
      if (r.re.test(rel)) return true;
      continue;
    }
    const subject = r.anchor === undefined ? basename(rel) : r.anchor === '' ? rel : rel.startsWith(`${r.anchor}/`) ? rel.slice(r.anchor.length + 1) : undefined;
    if (subject === undefined) continue;
    if (r.re.test(isDir ? `${subject}/` : subject)) ignored = r.include;
  }
  return ignored;
}

function regexpRule(pattern: string): IgnoreRule | undefined {
  try {
    return { syntax: 'regexp', re: new RegExp(pattern), include: true, anchor: undefined };
  } catch {
    return undefined;
  }
}

/**
 * gitignore ("gitwildmatch") pattern -> RegExp, following pathspec's translation that Airflow uses: a pattern without
 * a slash matches a name at any depth, `dir/` matches a directory and everything below it, `**` spans folders.
 */
function globRule(line: string, dir: string): IgnoreRule | undefined {
  let p = line.replace(/(?<!\\)\s+$/, '');
  if (!p || p.trim() === '/') return undefined;
  let include = true;
  if (p.startsWith('!')) {
    include = false;
    p = p.slice(1);
  } else if (p.startsWith('\\!') || p.startsWith('\\#')) {
    p = p.slice(1);
  }
  // Airflow anchors the pattern at the .airflowignore's folder when a slash starts it or sits in its middle.
  const anchored = p.startsWith('/') || p.replace(/\/+$/, '').includes('/');
  const segs = p.split('/');
  if (segs[0] === '') segs.shift();
  else if ((segs.length === 1 || (segs.length === 2 && segs[1] === '')) && segs[0] !== '**') segs.unshift('**');
  if (segs.length > 1 && segs[segs.length - 1] === '') segs[segs.length - 1] = '**';
  let out = '^';
  let needSlash = false;
  const end = segs.length - 1;
  for (const [i, seg] of segs.entries()) {
    if (seg === '**') {
      if (i === 0 && i === end) out += '.+';
      else if (i === 0) {
        out += '(?:.+/)?';
        needSlash = false;
      } else if (i === end) out += '/.*';
      else {
        out += '(?:/.+)?';
        needSlash = true;
      }
      continue;
    }
    const part = segmentGlob(seg);
    if (part === undefined) return undefined;
    if (needSlash) out += '/';
    out += part;
    if (i === end) out += '(?:/.*)?';
    needSlash = true;
  }
  try {
    return { syntax: 'glob', re: new RegExp(`${out}$`), include, anchor: anchored ? dir : undefined };
  } catch {
    return undefined;
  }
}

/** One path segment of a glob: `*`, `?`, `[...]` (with `!` or `^` negation) and `\` escapes; undefined if malformed. */
function segmentGlob(seg: string): string | undefined {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '\\') {
      i++;
      if (i >= seg.length) return undefined;
      out += escapeRe(seg[i]!);
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]')}]`;
      i = close;
    } else out += escapeRe(c);
  }
  return out;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function basename(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? rel : rel.slice(i + 1);
}

/** A `*.py` file the DAG processor will import: path relative to the DAG folder, and when it last changed. */
export interface DagFile {
  readonly rel: string;
  readonly mtimeMs: number;
}

/** What Airflow reports about one file: a DAG's `fileloc` or an import error's `filename`, and when it was parsed. */
export interface ReportedFile {
  /** Absolute (fileloc; Airflow 2 import errors) or relative to the bundle (Airflow 3 import errors). */
  readonly path: string;
  /** `last_parsed_time` / `timestamp`; undefined when Airflow does not say. */
  readonly parsedAtMs: number | undefined;
}

export interface ParserView {
  readonly dags: readonly { readonly dagId: string; readonly file: ReportedFile }[];
  readonly importErrors: readonly ReportedFile[];
}

/**
 * The candidate a reported path names: equal, or a suffix at a folder boundary. The longest candidate wins so that
 * `dags/sub/x.py` is not taken for `dags/x.py`. Suffix matching covers Docker mode, where Airflow sees the folder at
 * /opt/airflow/dags, and Airflow 3's bundle-relative import-error paths.
 */
export function candidateFor(reported: string, rels: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const rel of rels) {
    if (reported === rel || reported.endsWith(`/${rel}`)) {
      if (best === undefined || rel.length > best.length) best = rel;
    }
  }
  return best;
}

/** State carried from one poll to the next. */
export interface PassWatch {
  readonly startedAtMs: number;
  readonly fingerprint: string;
  readonly changedAtMs: number;
}

export interface PassVerdict {
  readonly watch: PassWatch;
  readonly complete: boolean;
  /** Why the pass counts as complete. */
  readonly reason: 'all-files-parsed' | 'quiet' | undefined;
  /** Candidates not yet accounted for. */
  readonly pending: readonly string[];
}

/**
 * Quiet period once the processor has been seen at work (a parse time after we started watching): in dev it scans
 * the folder every few seconds (DEV_DAG_REFRESH_SECONDS) and parses a new or edited file at once, so 30 s without
 * news means the leftover candidates hold no DAG.
 */
export const PASS_QUIET_MS = 30_000;
/**
 * Quiet period while the processor has shown no activity at all (just started, or a folder with no DAG): longer,
 * because a first parse of heavy imports on a busy machine can take that long before anything shows.
 */
export const PASS_QUIET_IDLE_MS = 120_000;

/**
 * One poll of "has the DAG processor finished a full pass?". Complete when every candidate was parsed after it last
 * changed (as a DAG's file or an import error's), or when nothing Airflow reports — DAG ids, files with import errors,
 * the pending candidates — has changed for the quiet period.
 */
export function judgeParsePass(
  prev: PassWatch | undefined,
  candidates: readonly DagFile[],
  view: ParserView,
  nowMs: number,
  quiet: { readonly activeMs: number; readonly idleMs: number } = { activeMs: PASS_QUIET_MS, idleMs: PASS_QUIET_IDLE_MS },
): PassVerdict {
  const rels = candidates.map((c) => c.rel);
  const parsedAt = new Map<string, number>();
  for (const f of [...view.dags.map((d) => d.file), ...view.importErrors]) {
    const rel = candidateFor(f.path, rels);
    if (rel === undefined) continue;
    // No timestamp: trust the report rather than wait for one that will never come.
    const at = f.parsedAtMs ?? Number.POSITIVE_INFINITY;
    parsedAt.set(rel, Math.max(parsedAt.get(rel) ?? Number.NEGATIVE_INFINITY, at));
  }
  // A file edited after its last parse is pending: its old DAGs may be about to change (a renamed dag_id).
  const pending = candidates.filter((c) => (parsedAt.get(c.rel) ?? Number.NEGATIVE_INFINITY) < c.mtimeMs).map((c) => c.rel).sort();
  const fingerprint = JSON.stringify([
    [...new Set(view.dags.map((d) => d.dagId))].sort(),
    [...new Set(view.importErrors.map((e) => e.path))].sort(),
    pending,
  ]);
  const startedAtMs = prev?.startedAtMs ?? nowMs;
  const changedAtMs = prev === undefined || prev.fingerprint !== fingerprint ? nowMs : prev.changedAtMs;
  const watch = { startedAtMs, fingerprint, changedAtMs };
  if (pending.length === 0) return { watch, complete: true, reason: 'all-files-parsed', pending };
  const active = [...view.dags.map((d) => d.file), ...view.importErrors].some((f) => f.parsedAtMs !== undefined && f.parsedAtMs > startedAtMs);
  const quietFor = nowMs - changedAtMs;
  const complete = quietFor >= (active ? quiet.activeMs : quiet.idleMs);
  return { watch, complete, reason: complete ? 'quiet' : undefined, pending };
}
