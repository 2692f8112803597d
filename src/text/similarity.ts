/**
 * "Did you mean …?" for every place that names a thing the user may have mistyped: config keys and enum values,
 * commands, DAG ids. One edit distance, one notion of "close enough".
 */

/** Levenshtein distance, case-sensitive; Infinity past 64 characters (names, not documents). */
export function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Infinity;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Every name, closest to `wanted` first (case-insensitive), ties in alphabetical order; duplicates dropped. */
export function closestFirst(wanted: string, names: readonly string[]): string[] {
  const w = wanted.toLowerCase();
  return [...new Set(names)]
    .map((n) => ({ n, d: editDistance(w, n.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : a.n > b.n ? 1 : 0))
    .map((x) => x.n);
}

/** The closest name if it is close enough to be a typo: within a third of the word's length, at least 2 edits. */
export function likelyTypo(wanted: string, names: readonly string[]): string | undefined {
  const best = closestFirst(wanted, names)[0];
  if (best === undefined) return undefined;
  return editDistance(wanted.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(wanted.length / 3)) ? best : undefined;
}
