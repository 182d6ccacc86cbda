/**
 * The knowledge capability's front door: open (ingesting first when the index is missing or stale),
 * then ask. The bot and the CLI use only this.
 */
import { isAppError } from '../app/errors.js';
import { composeAnswer, type Answer } from './answer.js';
import { indexIsStale, ingest, loadIndex, type IngestReport } from './ingest.js';
import { Retriever, type Retrieval, type RetrieverMode } from './retriever.js';

export interface KnowledgeBaseOptions {
  knowledgeDir: string;
  indexDir: string;
  minConfidence: number;
  maxSources: number;
  /** Build or update the index when it is missing or stale (default true). */
  autoIngest?: boolean;
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
  ) {}

  static async open(options: KnowledgeBaseOptions): Promise<KnowledgeBase> {
    const auto = options.autoIngest ?? true;
    let report: IngestReport | undefined;
    if (auto && indexIsStale(options.knowledgeDir, options.indexDir)) {
      report = await ingest({ knowledgeDir: options.knowledgeDir, indexDir: options.indexDir });
    }
    let index: Awaited<ReturnType<typeof loadIndex>>;
    try {
      index = await loadIndex(options.knowledgeDir, options.indexDir);
    } catch (err) {
      // The index is derived data: a damaged one is rebuilt from the knowledge files, not a reason to
      // stay down.
      if (!auto || !(isAppError(err, 'KNOWLEDGE_INDEX_CORRUPT') || isAppError(err, 'KNOWLEDGE_INDEX_MISSING'))) throw err;
      report = await ingest({ knowledgeDir: options.knowledgeDir, indexDir: options.indexDir, rebuild: true });
      index = await loadIndex(options.knowledgeDir, options.indexDir);
    }
    return new KnowledgeBase(new Retriever(index), options, report);
  }

  get minConfidence(): number {
    return this.options.minConfidence;
  }

  get chunkCount(): number {
    return this.retriever.allChunks().length;
  }

  /** Re-ingests if the files changed since the index was loaded, and swaps the new index in. */
  async refresh(): Promise<IngestReport | undefined> {
    if (!indexIsStale(this.options.knowledgeDir, this.options.indexDir)) return undefined;
    const report = await ingest({ knowledgeDir: this.options.knowledgeDir, indexDir: this.options.indexDir });
    this.retriever = new Retriever(await loadIndex(this.options.knowledgeDir, this.options.indexDir));
    return report;
  }

  async search(question: string, options: { k?: number; mode?: RetrieverMode } = {}): Promise<Retrieval> {
    return this.retriever.search(question, options);
  }

  async ask(question: string, options: { mode?: RetrieverMode } = {}): Promise<KnowledgeAnswer> {
    const retrieval = await this.retriever.search(question, { k: 8, mode: options.mode });
    const answer = composeAnswer(this.retriever, retrieval, {
      minConfidence: this.options.minConfidence,
      maxSources: this.options.maxSources,
    });
    return { ...answer, retrieval };
  }
}
