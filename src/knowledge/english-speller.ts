/**
 * English typed in a hurry ("refrence no on the reciept", "settelment", "paymnet"), corrected against the
 * English words of the guide: a word the guide and the common words do not know becomes the guide's word
 * nearest to it — at most one edit, two for long words, a swapped pair of letters counting
 * as one (the commonest typo) — and never a word with another first letter. Two edits turn many real words
 * into others (cracked → checked), so only words of nine letters or more get two. Like the pinyin speller, it
 * can only lead towards what the guide talks about; a word with no near neighbour is left alone.
 */

/** Words shorter than this are left alone: among short words every typo is another word. */
const MIN_LENGTH = 4;
/** Typed words shorter than this are never corrected into a word of another topic. */
const ELSEWHERE_MIN_LENGTH = 6;

export class EnglishSpeller {
  /** Known word → how often the guide uses it (the tie-break between equally near words). */
  private readonly counts = new Map<string, number>();
  private readonly byFirstLetter = new Map<string, string[]>();
  private readonly cache = new Map<string, string>();

  /**
   * Words of other topics (the out-of-scope list): left as they are, and the correction of a long word
   * ("recomend" → recommend) or of another form of one ("rolls" → roll), never of another short word —
   * "land" is no typo of "lend", a loan question's word.
   */
  private readonly elsewhere = new Set<string>();

  constructor(words: Iterable<string>, elsewhere: Iterable<string> = []) {
    for (const w of words) if (/^[a-z]+$/.test(w)) this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
    for (const w of elsewhere) {
      if (!/^[a-z]+$/.test(w) || this.counts.has(w)) continue;
      this.elsewhere.add(w);
      this.counts.set(w, 0);
    }
    for (const w of this.counts.keys()) {
      const list = this.byFirstLetter.get(w[0]!) ?? [];
      list.push(w);
      this.byFirstLetter.set(w[0]!, list);
    }
  }

  /** The text with each unknown English word replaced by its correction (text is lower-cased). */
  correct(text: string): string {
    return text.replace(/[a-z]+/g, (w) => this.word(w));
  }

  word(w: string): string {
    if (w.length < MIN_LENGTH || this.counts.has(w)) return w;
    const cached = this.cache.get(w);
    if (cached !== undefined) return cached;
    const limit = w.length >= 9 ? 2 : 1;
    let best = w;
    let bestDistance = limit + 1;
    let bestCount = 0;
    for (const candidate of this.byFirstLetter.get(w[0]!) ?? []) {
      if (Math.abs(candidate.length - w.length) > limit || candidate.length < MIN_LENGTH - 1) continue;
      if (w.length < ELSEWHERE_MIN_LENGTH && this.elsewhere.has(candidate) && !w.startsWith(candidate) && !candidate.startsWith(w)) continue;
      const d = editDistance(w, candidate, limit);
      if (d > limit) continue;
      const count = this.counts.get(candidate)!;
      if (d < bestDistance || (d === bestDistance && count > bestCount)) {
        best = candidate;
        bestDistance = d;
        bestCount = count;
      }
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(w, best);
    return best;
  }
}

/**
 * Edits from a to b (insert, delete, replace, swap two neighbours: optimal string alignment), or limit + 1
 * as soon as it is certain to exceed limit.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1);
    row[0] = i;
    rows.push(row);
  }
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > limit) return limit + 1;
  }
  return rows[a.length]![b.length]!;
}
