/**
 * The default embedding: local, deterministic and offline, so `npm start` needs no model download and
 * no network. It is a hashed TF-IDF vector:
 *
 *   tokens (jieba words + CJK bigrams) → weight (1 + ln tf) · idf · kind weight
 *   → feature hashing into `dimensions` buckets with a sign bit (collisions cancel instead of pile up)
 *   → L2 normalisation (cosine similarity = dot product).
 *
 * The idf table is part of the model. It is fitted on a full build of the index and then frozen:
 * incremental ingestion embeds only new or changed chunks, and their vectors must be comparable with the
 * stored ones, so the weights cannot drift under them. Words the table has never seen get the highest
 * idf (they are rare by definition). `fit` is called again on a rebuild.
 */
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import { isBigram, tokenize } from './text.js';

export interface LocalEmbeddingsState {
  kind: 'local-hash-tfidf';
  version: 1;
  dimensions: number;
  documentCount: number;
  /** Document frequency of every token seen when fitted. */
  df: Record<string, number>;
}

export interface LocalEmbeddingsParams extends EmbeddingsParams {
  dimensions?: number;
  state?: LocalEmbeddingsState;
  /** Extra features of a text beyond its tokens (the glossary's concept tokens). */
  features?: (text: string) => string[];
}

/**
 * Bigrams weigh as much as words: measured on the evaluation set, lower weights lost typo-tolerance
 * without sharpening anything (see `npm run eval`).
 */
const BIGRAM_WEIGHT = 1;

export class LocalHashEmbeddings extends Embeddings {
  readonly dimensions: number;
  private documentCount: number;
  private df: Map<string, number>;
  private readonly features: (text: string) => string[];

  constructor(params: LocalEmbeddingsParams = {}) {
    super(params);
    this.features = params.features ?? (() => []);
    this.dimensions = params.state?.dimensions ?? params.dimensions ?? 2048;
    this.documentCount = params.state?.documentCount ?? 0;
    this.df = new Map(Object.entries(params.state?.df ?? {}));
  }

  /** Learns document frequencies from a corpus; replaces any earlier fit. */
  fit(texts: string[]): void {
    const df = new Map<string, number>();
    for (const text of texts) for (const t of new Set(this.tokens(text))) df.set(t, (df.get(t) ?? 0) + 1);
    this.df = df;
    this.documentCount = texts.length;
  }

  get fitted(): boolean {
    return this.documentCount > 0;
  }

  /** BM25-style idf, always positive; unseen tokens get the maximum. */
  idf(token: string): number {
    const n = this.documentCount;
    const df = this.df.get(token) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  toJSON(): LocalEmbeddingsState {
    // Sorted keys: the same corpus always serialises to the same bytes.
    const df: Record<string, number> = {};
    for (const k of [...this.df.keys()].sort()) df[k] = this.df.get(k)!;
    return { kind: 'local-hash-tfidf', version: 1, dimensions: this.dimensions, documentCount: this.documentCount, df };
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map((d) => this.vectorize(this.tokens(d)));
  }

  async embedQuery(document: string): Promise<number[]> {
    return this.vectorize(this.tokens(document));
  }

  /** The tokens and features a text is embedded from. */
  tokens(text: string): string[] {
    return [...tokenize(text), ...this.features(text)];
  }

  /** Embeds a weighted bag of tokens (the retriever adds synonym expansions at a lower weight). */
  embedWeighted(weights: Map<string, number>): number[] {
    return this.hashWeights(weights);
  }

  vectorize(tokens: string[]): number[] {
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    const weights = new Map<string, number>();
    for (const [t, n] of tf) weights.set(t, 1 + Math.log(n));
    return this.hashWeights(weights);
  }

  private hashWeights(weights: Map<string, number>): number[] {
    const v = new Float64Array(this.dimensions);
    for (const [token, w] of weights) {
      const h = fnv1a(token);
      const bucket = h % this.dimensions;
      const sign = (h >>> 31) & 1 ? -1 : 1;
      v[bucket]! += sign * w * this.idf(token) * (isBigram(token) ? BIGRAM_WEIGHT : 1);
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    // An empty or all-stop-word text has no direction; a zero vector scores 0 against everything.
    return Array.from(v, (x) => (norm > 0 ? x / norm : 0));
  }
}

/** 32-bit FNV-1a over UTF-16 code units: tiny, fast, and stable across platforms and runs. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
