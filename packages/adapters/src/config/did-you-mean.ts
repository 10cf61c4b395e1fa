/**
 * The optimal-string-alignment distance of `a` and `b`: insertions, deletions, substitutions
 * and transpositions of two neighbours each cost 1 (`logLevl` → `logLevel` is 1, `batchSzie`
 * → `batchSize` is 1). Case counts: compare lower-cased text for a case-blind distance.
 */
export function editDistance(a: string, b: string): number {
  // Three rows suffice: a transposition looks two rows back.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Near misses only: at most two edits, and fewer than half the name (so `ab` never suggests `xy`). */
const MAX_DISTANCE = 2;

/**
 * The candidate closest to `input`, ignoring case, when it is a near miss (at most two edits,
 * and fewer edits than half of `input`'s length); undefined otherwise. Ties go to the earlier
 * candidate.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const wanted = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(MAX_DISTANCE, Math.ceil(input.length / 2) - 1) + 1;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
