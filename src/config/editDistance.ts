/**
 * How many single-letter edits turn `a` into `b`: insertions, deletions, substitutions, and swaps
 * of two neighbours (optimal string alignment), since `lable` for `label` is one slip of the
 * fingers, not two. Used for every "did you mean" of the configuration files.
 */
export function editDistance(a: string, b: string): number {
  // Rows i-2, i-1 and i of the usual table.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current[j] = best;
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
