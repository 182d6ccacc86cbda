/**
 * The knowledge capability's front door: open (ingesting first when the index is missing or stale),
 * then ask. The bot and the CLI use only this.
 */
import { isAppError, type AppError } from '../core/errors.js';
import { combineAnswers, composeAnswer, sectionText, type Answer, type AnswerSource } from './answer.js';
import type { ChunkLang } from './documents.js';
import { indexIsStale, ingest, loadIndex, readManifest, type IngestReport, type LoadedIndex } from './ingest.js';
import { Retriever, questionLang, type ExtraQuestion, type Retrieval, type RetrieverMode } from './retriever.js';
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
  /** The answer comes from `alsoSearch`'s reading of the message, which was better supported. */
  alsoSearched?: boolean;
  /** Set when the answer is a curated one, given verbatim: which, and how close the question was. */
  curated?: { id: number; question: string; by: string; at: string; similarity: number };
}

/** A supervisor's answer to a question (Dify's annotation reply): given verbatim when a message matches it closely. */
export interface CuratedAnswer {
  id: number;
  question: string;
  answer: string;
  /** Who wrote it (login name) and when (ISO). */
  by: string;
  at: string;
}

/** The `file` a curated answer is cited by (its `section` is `curated#<id>`). */
export const CURATED_FILE = 'curated';
/**
 * How close a message must be to a curated question (cosine of question-to-question vectors, the message in
 * the guide's spelling) to be answered with it: a rewording with a particle or punctuation more or less,
 * not a question that merely shares its topic.
 */
export const CURATED_SIMILARITY = 0.8;

export interface AskOptions {
  mode?: RetrieverMode;
  /** A second reading of the message, searched too; the better-supported result is kept. */
  alsoSearch?: string;
  /** The section (`file#section`) to lead the answer with, when it is among the retrieved ones. */
  prefer?: string;
}

/**
 * How much more confident the second reading must be to replace the message's own: a rewrite that reads
 * as well as the message (or is the message) leaves the merchant's words in charge.
 */
const ALSO_SEARCH_MARGIN = 0.1;
/** How much more confident the whole of a long message must be than its question to be searched instead. */
const WHOLE_MESSAGE_MARGIN = 0;

/** A section of the guide as the console lists it: where it is, its title and the questions its file lists. */
export interface SectionInfo {
  file: string;
  section: string;
  title: string;
  /** The languages the section has text in. */
  langs: ChunkLang[];
  /** The questions the file lists for it (`### 问法`), both languages. */
  questions: string[];
}

export class KnowledgeBase {
  /** Questions attached to sections from the console (paraphrases), kept across `refresh`. */
  private paraphrases: readonly ExtraQuestion[] = [];
  /** Curated answers from the console, and the matcher over their questions (rebuilt with the retriever). */
  private curated: readonly CuratedAnswer[] = [];
  private matchCurated: ((message: string) => { at: number; similarity: number } | undefined) | undefined;

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

  /** The folder of the guide's files (where `pos-assist knowledge export` writes). */
  get knowledgeDir(): string {
    return this.options.knowledgeDir;
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
    const retriever = KnowledgeBase.retrieverFor(await loadIndex(knowledgeDir, indexDir, embeddings), this.options);
    retriever.setExtraQuestions(this.paraphrases);
    this.retriever = retriever;
    this.setCuratedAnswers(this.curated);
    return report;
  }

  /** The curated answers written in the console; replaces the previous set, in force from the next question. */
  setCuratedAnswers(curated: readonly CuratedAnswer[]): void {
    this.curated = [...curated];
    this.matchCurated = this.curated.length > 0 ? this.retriever.questionMatcher(this.curated.map((c) => c.question)) : undefined;
  }

  /** The curated answer whose question the message matches closely (at least CURATED_SIMILARITY), if any. */
  curatedFor(message: string): { answer: CuratedAnswer; similarity: number } | undefined {
    const best = this.matchCurated?.(message);
    if (!best || best.similarity < CURATED_SIMILARITY) return undefined;
    return { answer: this.curated[best.at]!, similarity: Math.round(best.similarity * 1000) / 1000 };
  }

  /**
   * The paraphrases attached from the console: each question is matched to its section as if the file
   * listed it, from the next question on (no restart, no re-ingest). Replaces the previous set; returns
   * those whose section the guide no longer has (they are kept, and count again if it comes back).
   */
  setParaphrases(paraphrases: readonly ExtraQuestion[]): ExtraQuestion[] {
    this.paraphrases = [...paraphrases];
    return this.retriever.setExtraQuestions(this.paraphrases);
  }

  /** Every `##` section of the guide, in file order (the console's choice of where a paraphrase goes). */
  sections(): SectionInfo[] {
    const byKey = new Map<string, SectionInfo>();
    for (const c of this.retriever.allChunks()) {
      const key = `${c.file}\n${c.section}`;
      let info = byKey.get(key);
      if (!info) byKey.set(key, (info = { file: c.file, section: c.section, title: c.title, langs: [], questions: [] }));
      if (c.lang === 'zh') info.title = c.title;
      if (!info.langs.includes(c.lang)) info.langs.push(c.lang);
      info.questions.push(...c.questions);
    }
    return [...byKey.values()];
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

  /**
   * The answer to a message. `alsoSearch` is a second reading of the same message (a language model's
   * rewrite into the guide's terms): both are searched and the better-supported result is kept — the
   * second wins only when its confidence is higher by ALSO_SEARCH_MARGIN, so an unchanged or equally good
   * reading keeps the merchant's own words. `prefer` (`file#section`, a model's pick among the retrieved
   * sections) leads the answer when that section was retrieved; the section the answer led with
   * otherwise follows it, as the second source. Neither changes the confidence, so neither can turn a
   * question the guide does not answer into an answer.
   */
  async ask(question: string, options: AskOptions = {}): Promise<KnowledgeAnswer> {
    const first = await this.answer(question, options);
    const curated = this.curatedFor(question);
    if (curated) return this.curatedAnswer(first, curated.answer, curated.similarity);
    const also = options.alsoSearch?.trim();
    if (!also || also === question.trim()) return first;
    const second = await this.answer(also, options);
    return second.retrieval.confidence > first.retrieval.confidence + ALSO_SEARCH_MARGIN ? { ...second, alsoSearched: true } : first;
  }

  private async answer(question: string, options: AskOptions): Promise<KnowledgeAnswer> {
    const compose = { minConfidence: this.options.minConfidence, maxSources: this.options.maxSources };
    let retrieval = await this.retriever.search(question, { k: 8, mode: options.mode });
    // A long message's question may say little ("这些材料一般都包括什么"): the whole message, story and
    // question alike, is searched too, and the better-supported reading answers.
    // Not when the question itself was a table lookup (a code, a slip field): the story cannot do better.
    if (retrieval.analysis.context && !retrieval.lookup) {
      const all = await this.retriever.searchAnalyzed(retrieval.analysis, retrieval.analysis.text, '', { k: 8, mode: options.mode });
      if (all.confidence > retrieval.confidence + WHOLE_MESSAGE_MARGIN) retrieval = all;
    }
    let whole = composeAnswer(this.retriever, retrieval, compose);
    // Two questions in one message: each part is searched alone and both are answered — unless the message
    // as a whole asks what the guide does not cover (a part alone, "大概能贷多少", can look like anything).
    const { analysis } = retrieval;
    if (analysis.parts.length >= 2 && this.options.maxSources >= 2 && !retrieval.outOfScope) {
      const parts: Answer[] = [];
      for (const part of analysis.parts) {
        const r = await this.retriever.searchAnalyzed(analysis, part, '', { k: 8, mode: options.mode });
        parts.push(composeAnswer(this.retriever, r, { ...compose, maxSources: 1 }));
      }
      const combined = combineAnswers(parts);
      if (combined) return { ...combined, retrieval };
    }
    if (options.prefer) whole = this.leadWith(whole, retrieval, options.prefer, compose);
    return { ...whole, retrieval };
  }

  /**
   * A curated answer, verbatim, cited as such with who wrote it and when. Its retrieval keeps what the
   * guide's search found but no hits: the answer is final, with no passages for a model to rewrite it from.
   */
  private curatedAnswer(searched: KnowledgeAnswer, curated: CuratedAnswer, similarity: number): KnowledgeAnswer {
    const lang = questionLang(curated.answer);
    const source: AnswerSource = {
      file: CURATED_FILE,
      title: lang === 'zh' ? '精选答复' : 'Curated answer',
      section: `${CURATED_FILE}#${curated.id}`,
      headingPath: [`${curated.by} ${curated.at.slice(0, 10)}`],
      chunkId: `${CURATED_FILE}#${curated.id}`,
      score: similarity,
    };
    return {
      answered: true,
      lang,
      text: curated.answer,
      passages: [curated.answer],
      confidence: Math.max(similarity, searched.confidence),
      sources: [source],
      retrieval: { ...searched.retrieval, hits: [] },
      curated: { id: curated.id, question: curated.question, by: curated.by, at: curated.at, similarity },
    };
  }

  /** The answer led by the preferred section (when retrieved), the other sources after it, up to maxSources. */
  private leadWith(whole: Answer, retrieval: Retrieval, key: string, compose: { minConfidence: number; maxSources: number }): Answer {
    const keyOf = (s: { file: string; section: string }) => `${s.file}#${s.section}`;
    if (whole.sources[0] && keyOf(whole.sources[0]) === key) return whole;
    const hits = retrieval.hits.filter((h) => keyOf(h.chunk) === key);
    if (hits.length === 0) return whole;
    const lead = composeAnswer(this.retriever, { ...retrieval, hits }, { ...compose, maxSources: 1 });
    if (!whole.answered || !lead.answered) {
      // No answer either way: the preferred section leads the nearest candidates.
      return { ...whole, sources: [...lead.sources, ...whole.sources.filter((s) => keyOf(s) !== key)].slice(0, Math.max(3, whole.sources.length)) };
    }
    const passages = [lead.passages[0]!];
    const sources = [lead.sources[0]!];
    whole.sources.forEach((s, i) => {
      if (keyOf(s) !== key && sources.length < this.options.maxSources) {
        sources.push(s);
        passages.push(whole.passages[i]!);
      }
    });
    return { ...whole, text: passages.join('\n\n'), passages, sources, abridged: Boolean(lead.abridged || whole.abridged) };
  }
}
