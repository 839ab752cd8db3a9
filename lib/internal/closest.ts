/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * The candidates closest to `given` by edit distance (case-insensitive), nearest first, at most `count`, and
 * only those at most `maxDistance` edits away (a typo, not another name).
 */
export function closestMatches(given: string, candidates: Iterable<string>, count = 3, maxDistance = 2): string[] {
  const g = given.toLowerCase();
  return [...candidates]
    .map((c) => ({ c, d: editDistance(g, c.toLowerCase()) }))
    .filter(({ d }) => d <= maxDistance)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, count)
    .map(({ c }) => c);
}
