/**
 * Okapi BM25 over the same tokens as the embedding. The lexical side of hybrid retrieval: exact codes
 * ("25", "A0"), field names (参考号) and rare words score here even when the vector side blurs them.
 * Rebuilt in full on every ingestion — it is counting, no model to call — and saved as JSON.
 */
export interface Bm25State {
  version: 1;
  k1: number;
  b: number;
  docs: { id: string; length: number; tf: Record<string, number> }[];
}

export interface Bm25Hit {
  id: string;
  score: number;
}

export class Bm25Index {
  private readonly k1: number;
  private readonly b: number;
  private readonly docs: { id: string; length: number; tf: Map<string, number> }[] = [];
  private readonly docFreq = new Map<string, number>();
  private totalLength = 0;

  constructor(options: { k1?: number; b?: number } = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
  }

  get size(): number {
    return this.docs.length;
  }

  add(id: string, tokens: string[]): void {
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const t of tf.keys()) this.docFreq.set(t, (this.docFreq.get(t) ?? 0) + 1);
    this.docs.push({ id, length: tokens.length, tf });
    this.totalLength += tokens.length;
  }

  /** How many documents contain the token. */
  df(token: string): number {
    return this.docFreq.get(token) ?? 0;
  }

  idf(token: string): number {
    const n = this.docs.length;
    const df = this.docFreq.get(token) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Scores every document for a weighted query (weight 1 for typed words, less for expansions). */
  search(query: Map<string, number>, k: number): Bm25Hit[] {
    if (this.docs.length === 0) return [];
    const avg = this.totalLength / this.docs.length;
    const hits: Bm25Hit[] = [];
    for (const d of this.docs) {
      let score = 0;
      for (const [t, w] of query) {
        const f = d.tf.get(t);
        if (!f) continue;
        score += w * this.idf(t) * ((f * (this.k1 + 1)) / (f + this.k1 * (1 - this.b + (this.b * d.length) / avg)));
      }
      if (score > 0) hits.push({ id: d.id, score });
    }
    // Ties break by id so results never depend on insertion order.
    hits.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1));
    return hits.slice(0, k);
  }

  toJSON(): Bm25State {
    return {
      version: 1,
      k1: this.k1,
      b: this.b,
      docs: this.docs.map((d) => ({ id: d.id, length: d.length, tf: Object.fromEntries(d.tf) })),
    };
  }

  static fromJSON(state: Bm25State): Bm25Index {
    const index = new Bm25Index({ k1: state.k1, b: state.b });
    for (const d of state.docs) {
      const tokens: string[] = [];
      for (const [t, n] of Object.entries(d.tf)) for (let i = 0; i < n; i++) tokens.push(t);
      index.add(d.id, tokens);
    }
    return index;
  }
}
