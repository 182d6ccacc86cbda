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
  /**
   * token → the documents holding it (position in `docs`) with its count there. `search` visits only
   * these instead of every document for every query token: it was the largest single cost of a web chat
   * turn at saturation (`npm run bench:webchat`, node --cpu-prof), with the same scores to the last bit.
   */
  private readonly postings = new Map<string, { doc: number; f: number }[]>();
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
    const doc = this.docs.length;
    for (const [t, f] of tf) {
      this.docFreq.set(t, (this.docFreq.get(t) ?? 0) + 1);
      let list = this.postings.get(t);
      if (!list) this.postings.set(t, (list = []));
      list.push({ doc, f });
    }
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
    // Each document's terms are added in query order, as a document-by-document loop would: same sums.
    const scores = new Float64Array(this.docs.length);
    for (const [t, w] of query) {
      const list = this.postings.get(t);
      if (!list) continue;
      const idf = this.idf(t);
      for (const { doc, f } of list) {
        scores[doc] = scores[doc]! + w * idf * ((f * (this.k1 + 1)) / (f + this.k1 * (1 - this.b + (this.b * this.docs[doc]!.length) / avg)));
      }
    }
    const hits: Bm25Hit[] = [];
    for (let i = 0; i < scores.length; i++) if (scores[i]! > 0) hits.push({ id: this.docs[i]!.id, score: scores[i]! });
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
