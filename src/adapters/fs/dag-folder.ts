/**
 * Walks a DAG folder the way Airflow's `find_dag_file_paths` does — `.airflowignore` per folder (inherited by
 * subfolders), symlinked folders followed once — and sorts its `*.py` files into those the DAG processor will import
 * and those safe mode skips. The rules themselves are pure (src/dev/dag-discovery.ts); this is only the reading.
 * Zip archives are left out: Airflow always imports them, and their DAGs' paths point inside the archive.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { compileIgnoreFile, isIgnored, mightContainDag, type DagFile, type IgnoreRule, type IgnoreSyntax } from '../../dev/dag-discovery.js';

export interface DagFolderScan {
  /** Files the processor imports, relative to the DAG folder ('/'-separated), sorted. */
  readonly candidates: readonly DagFile[];
  /** `*.py` files safe mode skips (no "airflow" and "dag" in them), relative, sorted. */
  readonly skipped: readonly string[];
}

const IGNORE_FILE = '.airflowignore';

/** A missing folder scans as empty: Airflow then has nothing to parse either. */
export async function scanDagFolder(root: string, opts: { readonly major: 2 | 3; readonly syntax: IgnoreSyntax }): Promise<DagFolderScan> {
  const candidates: DagFile[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();

  async function walk(abs: string, rel: string, inherited: readonly IgnoreRule[]): Promise<void> {
    const real = await realpath(abs).catch(() => undefined);
    if (real === undefined || seen.has(real)) return;
    seen.add(real);
    let entries: Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch {
      return;
    }
    let rules = inherited;
    if (entries.some((e) => e.name === IGNORE_FILE)) {
      const text = await readFile(path.join(abs, IGNORE_FILE), 'utf8').catch(() => '');
      rules = [...inherited, ...compileIgnoreFile(text, rel, opts.syntax)];
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name === IGNORE_FILE) continue;
      const childAbs = path.join(abs, e.name);
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      // Symlinks count as what they point to, as os.walk(followlinks=True) and Path.is_file() see them.
      const st = e.isSymbolicLink() ? await stat(childAbs).catch(() => undefined) : e;
      if (!st) continue;
      if (st.isDirectory()) {
        if (!isIgnored(childRel, true, rules)) await walk(childAbs, childRel, rules);
        continue;
      }
      if (!st.isFile() || !e.name.endsWith('.py') || isIgnored(childRel, false, rules)) continue;
      const [content, info] = await Promise.all([readFile(childAbs).catch(() => undefined), stat(childAbs).catch(() => undefined)]);
      if (!content || !info) continue;
      if (mightContainDag(content, opts.major)) candidates.push({ rel: childRel, mtimeMs: info.mtimeMs });
      else skipped.push(childRel);
    }
  }

  await walk(root, '', []);
  return { candidates: candidates.sort((a, b) => (a.rel < b.rel ? -1 : 1)), skipped: skipped.sort() };
}
