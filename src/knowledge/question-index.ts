/**
 * Question-to-question matching: the merchant's question against every question the sections list (and
 * against the out-of-scope list), as sparse TF-IDF vectors over the same tokens as everything else, scored
 * through an inverted index. Sparse and exact: hundreds of listed questions cost microseconds per search,
 * with none of a hashed vector's collisions.
 */
export type Weights = Map<string, number>;

export class QuestionIndex<K> {
  /** token → postings: (entry number, weight in that entry's unit vector) */
  private readonly postings = new Map<string, { entry: number; weight: number }[]>();
  private readonly keys: K[] = [];

  private readonly idf: (token: string) => number;

  /** `idf`: the corpus's token weights; by default the listed questions' own document frequencies. */
  constructor(entries: Iterable<{ key: K; tokens: string[] }>, idf?: (token: string) => number) {
    const list = [...entries];
    if (idf) this.idf = idf;
    else {
      const df = new Map<string, number>();
      for (const e of list) for (const t of new Set(e.tokens)) df.set(t, (df.get(t) ?? 0) + 1);
      const n = list.length;
      this.idf = (t) => Math.log(1 + (n - (df.get(t) ?? 0) + 0.5) / ((df.get(t) ?? 0) + 0.5));
    }
    for (const { key, tokens } of list) {
      const entry = this.keys.push(key) - 1;
      for (const [token, weight] of this.vector(tokens)) {
        let list = this.postings.get(token);
        if (!list) this.postings.set(token, (list = []));
        list.push({ entry, weight });
      }
    }
  }

  get size(): number {
    return this.keys.length;
  }

  /** A text's TF-IDF vector (tokens → weight), L2-normalised. */
  vector(tokens: string[]): Weights {
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    const w: Weights = new Map();
    let norm = 0;
    for (const [t, n] of tf) {
      const x = (1 + Math.log(n)) * this.idf(t);
      if (!(x > 0)) continue;
      w.set(t, x);
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (const [t, x] of w) w.set(t, x / norm);
    return w;
  }

  /** The best cosine of the query with the entries of each key (keys with no shared token are absent). */
  similarities(query: Weights): Map<K, number> {
    const scores = new Map<number, number>();
    for (const [token, qw] of query) {
      for (const p of this.postings.get(token) ?? []) scores.set(p.entry, (scores.get(p.entry) ?? 0) + qw * p.weight);
    }
    const best = new Map<K, number>();
    for (const [entry, score] of scores) {
      const key = this.keys[entry]!;
      if (score > (best.get(key) ?? 0)) best.set(key, score);
    }
    return best;
  }

  /** The best cosine of the query with any entry. */
  best(query: Weights): number {
    let top = 0;
    for (const s of this.similarities(query).values()) top = Math.max(top, s);
    return top;
  }
}
