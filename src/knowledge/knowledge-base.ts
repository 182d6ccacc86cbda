/**
 * The knowledge capability's front door: open (ingesting first when the index is missing or stale),
 * then ask. The bot and the CLI use only this.
 */
import { isAppError, type AppError } from '../app/errors.js';
import { combineAnswers, composeAnswer, sectionText, type Answer, type AnswerSource } from './answer.js';
import type { ChunkLang } from './documents.js';
import { indexIsStale, ingest, loadIndex, readManifest, type IngestReport, type LoadedIndex } from './ingest.js';
import { Retriever, type Retrieval, type RetrieverMode } from './retriever.js';
import type { EmbeddingSettings } from './vector-embeddings.js';

/** Where warnings go (a pino logger fits). */
export interface KnowledgeLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface KnowledgeBaseOptions {
  knowledgeDir: string;
  indexDir: string;
  minConfidence: number;
  maxSources: number;
  /** Build or update the index when it is missing or stale (default true). */
  autoIngest?: boolean;
  /** Which embedding builds the vectors (`Config['embeddings']`; absent = local). */
  embeddings?: EmbeddingSettings;
  /** Told when a remote embedding fails (a search falls back to BM25, or an older index is kept). */
  logger?: KnowledgeLogger;
}

export interface KnowledgeAnswer extends Answer {
  retrieval: Retrieval;
}

export class KnowledgeBase {
  private constructor(
    private retriever: Retriever,
    private readonly options: KnowledgeBaseOptions,
    /** What ingestion did while opening, if it ran. */
    readonly ingestReport: IngestReport | undefined,
    /**
     * Set when opening had to update the index, the remote embedding failed, and the older index on disk
     * is served instead (it is retried at the next open or refresh).
     */
    readonly ingestError: AppError | undefined,
  ) {}

  static async open(options: KnowledgeBaseOptions): Promise<KnowledgeBase> {
    const auto = options.autoIngest ?? true;
    const { knowledgeDir, indexDir, embeddings } = options;
    let report: IngestReport | undefined;
    let ingestError: AppError | undefined;
    if (auto && indexIsStale(knowledgeDir, indexDir, embeddings)) {
      try {
        report = await ingest({ knowledgeDir, indexDir, embeddings });
      } catch (err) {
        // The embeddings endpoint is down: answering from the older index beats not starting at all.
        if (!isAppError(err, 'KNOWLEDGE_EMBEDDINGS_FAILED') || !readManifest(indexDir)) throw err;
        ingestError = err;
        options.logger?.warn({ err, code: err.code }, 'knowledge index not updated; serving the previous index');
      }
    }
    let index: LoadedIndex;
    try {
      index = await loadIndex(knowledgeDir, indexDir, embeddings);
    } catch (err) {
      // The index is derived data: a damaged one is rebuilt from the knowledge files, not a reason to
      // stay down.
      if (!auto || !(isAppError(err, 'KNOWLEDGE_INDEX_CORRUPT') || isAppError(err, 'KNOWLEDGE_INDEX_MISSING'))) throw err;
      report = await ingest({ knowledgeDir, indexDir, rebuild: true, embeddings });
      ingestError = undefined;
      index = await loadIndex(knowledgeDir, indexDir, embeddings);
    }
    if (index.vectorQuery.kind === 'unavailable') {
      options.logger?.warn({ reason: index.vectorQuery.reason }, 'vector search disabled until the knowledge index is rebuilt; BM25 ranks alone');
    }
    return new KnowledgeBase(KnowledgeBase.retrieverFor(index, options), options, report, ingestError);
  }

  private static retrieverFor(index: LoadedIndex, options: KnowledgeBaseOptions): Retriever {
    return new Retriever(index, (message, details) => options.logger?.warn(details, message));
  }

  get minConfidence(): number {
    return this.options.minConfidence;
  }

  get chunkCount(): number {
    return this.retriever.allChunks().length;
  }

  /**
   * Re-ingests if the files (or the configured embedding) changed since the index was loaded, and swaps
   * the new index in. If ingestion fails, the current index stays in use and the error is thrown.
   */
  async refresh(): Promise<IngestReport | undefined> {
    const { knowledgeDir, indexDir, embeddings } = this.options;
    if (!indexIsStale(knowledgeDir, indexDir, embeddings)) return undefined;
    const report = await ingest({ knowledgeDir, indexDir, embeddings });
    this.retriever = KnowledgeBase.retrieverFor(await loadIndex(knowledgeDir, indexDir, embeddings), this.options);
    return report;
  }

  async search(question: string, options: { k?: number; mode?: RetrieverMode } = {}): Promise<Retrieval> {
    return this.retriever.search(question, options);
  }

  /** A section's whole text and its citation, or undefined when the knowledge base no longer has it. */
  fullSection(file: string, section: string, lang: ChunkLang): { text: string; source: AnswerSource } | undefined {
    const chunks = this.retriever.allChunks().filter((c) => c.file === file && c.section === section && c.lang === lang);
    if (chunks.length === 0) return undefined;
    const c = chunks[0]!;
    return { text: sectionText(chunks), source: { file, title: c.title, section, headingPath: c.headingPath, chunkId: c.id, score: 1 } };
  }

  async ask(question: string, options: { mode?: RetrieverMode } = {}): Promise<KnowledgeAnswer> {
    const compose = { minConfidence: this.options.minConfidence, maxSources: this.options.maxSources };
    const retrieval = await this.retriever.search(question, { k: 8, mode: options.mode });
    const whole = composeAnswer(this.retriever, retrieval, compose);
    // Two questions in one message: each part is searched alone and both are answered.
    const { analysis } = retrieval;
    if (analysis.parts.length >= 2 && this.options.maxSources >= 2) {
      const parts: Answer[] = [];
      for (const part of analysis.parts) {
        const r = await this.retriever.searchAnalyzed(analysis, part, '', { k: 8, mode: options.mode });
        parts.push(composeAnswer(this.retriever, r, { ...compose, maxSources: 1 }));
      }
      const combined = combineAnswers(parts);
      if (combined) return { ...combined, retrieval };
    }
    return { ...whole, retrieval };
  }
}
