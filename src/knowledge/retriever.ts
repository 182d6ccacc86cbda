/**
 * Hybrid retrieval: the vector index and BM25 each rank the chunks, reciprocal-rank fusion merges the two
 * rankings, and a confidence score says whether the best chunk really answers the question.
 *
 * Why a separate confidence and not the fused score: RRF scores are ranks, not evidence — an off-topic
 * question ("明天会下雨吗") still has a "best" chunk. Confidence asks two questions of that chunk:
 * - coverage: how much of what the merchant asked about (idf-weighted content words, with synonym groups
 *   counted as one concept) appears in it — an off-topic question's key words are simply not there;
 * - similarity: the cosine between the question and the chunk.
 *
 * Confidence always uses the local TF-IDF model (the gate is calibrated on it). With a remote embedding
 * (`EMBEDDINGS=openai`) only the vector ranking comes from the remote vectors; if the question cannot be
 * embedded remotely (timeout, error), that one search is ranked by BM25 alone and a warning is reported.
 */
import type { Chunk } from './documents.js';
import { expansions, mentionedGroups, mentions, type Glossary } from './glossary.js';
import { indexText, type LoadedIndex } from './ingest.js';
import { hasCjk, isFunctionCompound, normalize, tokenize, words } from './text.js';

/** Standard RRF constant: damps the head of each list so neither retriever dominates by itself. */
const RRF_K = 60;
const CANDIDATES = 20;
/** Synonym expansions count, but less than the words the merchant actually typed. */
const EXPANSION_WEIGHT = 0.6;

/**
 * A document's overview (text before its first section) summarises every section below it, so it
 * matches most questions a little; when a section matches as well, the section should win.
 */
const INTRO_WEIGHT = 0.75;

export type RetrieverMode = 'hybrid' | 'bm25' | 'vector';

export interface RetrievalHit {
  chunk: Chunk;
  /** Fused score (RRF), or the single retriever's score in single mode. */
  score: number;
  vectorScore: number;
  vectorRank: number | undefined;
  bm25Score: number;
  bm25Rank: number | undefined;
}

export interface Retrieval {
  question: string;
  hits: RetrievalHit[];
  /** 0..1: how sure we are that hits[0] answers the question. */
  confidence: number;
  coverage: number;
  similarity: number;
  /** The weighted query tokens, for the answer composer's sentence scoring. */
  query: Map<string, number>;
  /** Set when the vector side could not be used for this search, so it was ranked by BM25 alone. */
  vectorUnavailable?: string;
}

/** Told when a search falls back to BM25 alone. */
export type RetrieverWarning = (message: string, details: Record<string, unknown>) => void;

export class Retriever {
  private readonly chunks: Map<string, Chunk>;
  private readonly haystacks = new Map<string, string>();
  private readonly vectors = new Map<string, number[]>();

  constructor(
    private readonly index: LoadedIndex,
    private readonly onWarning: RetrieverWarning = () => undefined,
  ) {
    this.chunks = new Map(index.manifest.chunks.map((c) => [c.id, c]));
  }

  get glossary(): Glossary {
    return this.index.glossary;
  }

  chunk(id: string): Chunk | undefined {
    return this.chunks.get(id);
  }

  idf(token: string): number {
    return this.index.bm25.idf(token);
  }

  allChunks(): Chunk[] {
    return [...this.chunks.values()];
  }

  /**
   * Typed words and bigrams at weight 1; synonym expansions as words only, limited to words the corpus
   * uses (an unknown word cannot match anything), and sharing one weight per query so that a long
   * synonym list cannot drown what the merchant actually typed.
   */
  buildQuery(question: string): Map<string, number> {
    const query = new Map<string, number>();
    for (const t of tokenize(question)) query.set(t, 1);
    const extra = new Set<string>();
    for (const phrase of expansions(this.index.glossary, question)) {
      for (const t of words(phrase)) if (!query.has(t) && this.index.bm25.df(t) > 0) extra.add(t);
    }
    const weight = extra.size > 0 ? Math.min(EXPANSION_WEIGHT, (EXPANSION_WEIGHT * 3) / extra.size) : 0;
    for (const t of extra) query.set(t, weight);
    return query;
  }

  async search(question: string, options: { k?: number; mode?: RetrieverMode } = {}): Promise<Retrieval> {
    const k = options.k ?? 5;
    let mode = options.mode ?? 'hybrid';
    const query = this.buildQuery(question);
    // The vector side also matches concepts: the synonym groups the question mentions, as features that
    // the chunks carry too (see conceptTokens).
    const vectorQuery = new Map(query);
    for (const c of this.index.embeddings.tokens(question)) if (c.startsWith('§')) vectorQuery.set(c, 1);
    const remote = this.index.vectorQuery.kind !== 'local';
    let vector: number[] | undefined = remote ? undefined : this.index.embeddings.embedWeighted(vectorQuery);
    let vectorUnavailable: string | undefined;
    if (remote && mode !== 'bm25') {
      const embedded = await this.remoteQueryVector(question);
      if (typeof embedded === 'string') {
        vectorUnavailable = embedded;
        mode = 'bm25';
      } else {
        vector = embedded;
      }
    }

    const vectorHits = mode === 'bm25' ? [] : await this.vectorSearch(vector!);
    const bm25Hits = mode === 'vector' ? [] : this.index.bm25.search(query, CANDIDATES);

    const byId = new Map<string, RetrievalHit>();
    const entry = (id: string): RetrievalHit | undefined => {
      const chunk = this.chunks.get(id);
      if (!chunk) return undefined;
      let hit = byId.get(id);
      if (!hit) {
        hit = { chunk, score: 0, vectorScore: 0, vectorRank: undefined, bm25Score: 0, bm25Rank: undefined };
        byId.set(id, hit);
      }
      return hit;
    };
    vectorHits.forEach(([chunkId, sim], rank) => {
      const hit = entry(chunkId);
      if (!hit) return;
      hit.vectorScore = sim;
      hit.vectorRank = rank + 1;
      hit.score += mode === 'vector' ? sim : 1 / (RRF_K + rank + 1);
    });
    bm25Hits.forEach(({ id, score }, rank) => {
      const hit = entry(id);
      if (!hit) return;
      hit.bm25Score = score;
      hit.bm25Rank = rank + 1;
      hit.score += mode === 'bm25' ? score : 1 / (RRF_K + rank + 1);
    });
    for (const hit of byId.values()) if (hit.chunk.headingPath.length === 0) hit.score *= INTRO_WEIGHT;
    const order = (a: RetrievalHit, b: RetrievalHit) =>
      b.score - a.score || b.vectorScore - a.vectorScore || (a.chunk.id < b.chunk.id ? -1 : 1);
    const hits = [...byId.values()].sort(order);
    const top = hits[0];
    if (top && top.vectorRank === undefined && vector) top.vectorScore = this.vectorScore(vector, top.chunk);
    const coverage = top ? this.coverage(question, top.chunk) : 0;
    // Confidence compares what was typed, without synonym expansions: expansions help find a section,
    // but must not make an off-topic question ("POS机多少钱") look like the section they point at.
    const typed = this.index.embeddings.vectorize(tokenize(question));
    const similarity = top ? cosine(typed, this.chunkVector(top.chunk)) : 0;
    const retrieval: Retrieval = { question, hits: hits.slice(0, k), confidence: confidenceOf(coverage, similarity), coverage, similarity, query };
    if (vectorUnavailable !== undefined) retrieval.vectorUnavailable = vectorUnavailable;
    return retrieval;
  }

  /** The question's remote embedding, or why there is none (the search then falls back to BM25). */
  private async remoteQueryVector(question: string): Promise<number[] | string> {
    const vq = this.index.vectorQuery;
    if (vq.kind === 'unavailable') return vq.reason;
    if (vq.kind !== 'remote') return 'no remote embedding';
    try {
      return await vq.embeddings.embedQuery(question);
    } catch (err) {
      const reason = `the question could not be embedded (${(err as Error).message})`;
      this.onWarning('remote embedding failed; this search is ranked by BM25 alone', {
        model: vq.embeddings.model,
        endpoint: vq.embeddings.endpoint,
        error: (err as Error).message,
      });
      return reason;
    }
  }

  /** Cosine between the question's vector and a chunk's, in the vector index's embedding. */
  private vectorScore(vector: number[], chunk: Chunk): number {
    if (this.index.vectorQuery.kind === 'local') return cosine(vector, this.chunkVector(chunk));
    const stored = this.index.vectors.vectorOf(chunk.id);
    return stored && stored.length === vector.length ? cosine(unit(vector), unit(stored)) : 0;
  }

  /** Nearest chunks by cosine similarity, as [chunk id, similarity]. */
  private async vectorSearch(vector: number[]): Promise<[string, number][]> {
    const hits = await this.index.vectors.similaritySearchVectorWithScore(vector, CANDIDATES);
    return hits.map(([doc, sim]) => [String(doc.metadata.chunkId ?? doc.id), sim]);
  }

  /**
   * The idf-weighted share of the question's concepts found in the chunk (its title, headings and text).
   * A synonym group the question mentions is one concept, found if any member is in the chunk.
   */
  coverage(question: string, chunk: Chunk): number {
    const haystack = this.haystack(chunk);
    const text = normalize(question);
    const questionWords = words(text, false);
    const groups = mentionedGroups(this.index.glossary, text, questionWords);
    const idf = (t: string) => this.index.bm25.idf(t);
    let total = 0;
    let found = 0;
    const attributed = new Set<string>();
    for (const group of groups) {
      const present = group.filter((m) => mentions(text, m, questionWords));
      const idfs = present.flatMap((m) => words(m).map(idf));
      // A member the corpus never uses (an English word, a typo) is maximally specific.
      const weight = idfs.length > 0 ? Math.max(...idfs) : idf('\u0000');
      for (const m of present) for (const w of words(m)) attributed.add(w);
      total += weight;
      if (group.some((m) => haystack.includes(m))) found += weight;
    }
    for (const w of new Set(words(question))) {
      // A word that is (part of) a mentioned synonym was counted with its group.
      if (attributed.has(w) || [...attributed].some((a) => a.includes(w))) continue;
      // Single CJK characters left over by the segmenter (吗, 钱) say little on their own.
      if (hasCjk(w) && (w.length < 2 || isFunctionCompound(w))) continue;
      const weight = idf(w);
      total += weight;
      if (haystack.includes(w)) found += weight;
    }
    return total > 0 ? found / total : 0;
  }

  private chunkVector(chunk: Chunk): number[] {
    let v = this.vectors.get(chunk.id);
    if (!v) {
      v = this.index.embeddings.vectorize(this.index.embeddings.tokens(indexText(chunk)));
      this.vectors.set(chunk.id, v);
    }
    return v;
  }

  private haystack(chunk: Chunk): string {
    let h = this.haystacks.get(chunk.id);
    if (!h) {
      h = normalize(indexText(chunk));
      this.haystacks.set(chunk.id, h);
    }
    return h;
  }
}

/**
 * Maps the two signals onto 0..1. Coverage carries most of the weight: off-topic questions fail it
 * outright, while a terse on-topic question ("退货") can cover fully with a modest cosine.
 */
export function confidenceOf(coverage: number, similarity: number): number {
  const c = 0.65 * coverage + 0.35 * Math.min(1, Math.max(0, similarity) / 0.5);
  return Math.round(c * 1000) / 1000;
}

function unit(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm > 0 ? v.map((x) => x / norm) : v;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}
