/**
 * Hybrid retrieval: BM25 over each section's text (with the questions it lists), the same question against
 * each section's listed questions (question to question), and the vector index each score the chunks; a
 * weighted sum fuses them, and a confidence score says whether the best chunk really answers the question.
 * The message is first read as merchants write it (question-analysis.ts: script, lexicon, pinyin and
 * homophone typos, spoken numbers, the asking part of a long message); a quoted response code is looked
 * up in a table (code-lookup.ts); English questions search the English texts.
 *
 * Why a separate confidence and not the fused score: fused scores are relative, not evidence — an off-topic
 * question ("明天会下雨吗") still has a "best" chunk. Confidence asks two questions of that chunk:
 * - coverage: how much of what the merchant asked about (idf-weighted content words, with synonym groups
 *   counted as one concept) appears in it — an off-topic question's key words are simply not there;
 * - similarity: the cosine between the question and the chunk.
 *
 * Confidence always uses the local TF-IDF model (the gate is calibrated on it). With a remote embedding
 * (`EMBEDDINGS=openai`) only the vector ranking comes from the remote vectors; if the question cannot be
 * embedded remotely (timeout, error), that one search is ranked by BM25 alone and a warning is reported.
 */
import { CodeLookup } from './code-lookup.js';
import { FieldLookup } from './field-lookup.js';
import type { Chunk } from './documents.js';
import { expansions, mentionedGroups, mentions, type Glossary } from './glossary.js';
import { indexText, type LoadedIndex } from './ingest.js';
import { EnglishSpeller } from './english-speller.js';
import { PinyinSpeller } from './pinyin-speller.js';
import { QuestionAnalyzer, isQuestionWord, type AnalyzedQuestion } from './question-analysis.js';
import { QuestionIndex } from './question-index.js';
import { STOPWORDS, dictionaryWords, hasCjk, isBigram, isFunctionCompound, normalize, tokenize, words } from './text.js';

/** Both languages share one index, so each retriever returns enough to fill a ranking in either. */
const CANDIDATES = 60;
/** The story around a long message's question counts, but far less than the question. */
const CONTEXT_WEIGHT = 0.3;
/**
 * Question-to-question similarity (the merchant's question against the questions a section lists) at or
 * above this is, by itself, evidence enough to answer: paraphrases are written as merchants ask.
 */
const QUESTION_SIM_SURE = 0.62;
const QUESTION_SIM_FLOOR = 0.3;
/** Below this, question similarity adds nothing to confidence (measured on the dev split). */
const QUESTION_SIM_GATE = 0.35;

/** A question this similar to an out-of-scope one (and more than to the section's) is refused. */
const OUT_OF_SCOPE_SIM = 0.35;
const OUT_OF_SCOPE_CONFIDENCE = 0.1;
const CYCLE_BONUS = 0.5;
/** A question that starts by pointing back at what the message told ("这个…", "这种情况…", "那我该…"). */
const ANAPHORIC = /^[这那]|\b(?:it|this|that)\b/i;
/** A question this short ("有什么规定吗") says nothing of its own without its story. */
const BARE_QUESTION_CHARS = 8;
const ASKS_WHEN = /什么时候|啥时候|哪天|几号|多久|几天|\bwhen\b|how long|how soon/i;
/**
 * Hybrid fusion weights, measured on the dev split (`pos-assist eval`): BM25 (scaled to the best BM25
 * score of the search) carries the literal match, the listed questions carry how merchants ask, and the
 * local vector a little of both. Reciprocal-rank fusion was tried and ranked worse: it flattens a clear
 * BM25 lead into a tie with whatever the other lists put first.
 */
const WEIGHTS = { bm25: 1, questions: 1.5, vector: 0.3 };
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
  /** Fused score (hybrid), or the single retriever's score in single mode. */
  score: number;
  vectorScore: number;
  vectorRank: number | undefined;
  bm25Score: number;
  bm25Rank: number | undefined;
}

export interface Retrieval {
  /** The question in the guide's spelling (the asking part of a long message). */
  question: string;
  /** What the message was read as: spelling, language, focus, parts. */
  analysis: AnalyzedQuestion;
  /** The best question-to-question similarity of the top hit's section (0 when it lists none). */
  questionSimilarity: number;
  /** Set when the message quoted a response code or asked about a slip field the knowledge base has a section for. */
  lookup?: string;
  /** The two slip fields' sections when the message asks how they differ: both answer it. */
  compared?: string[];
  hits: RetrievalHit[];
  /** 0..1: how sure we are that hits[0] answers the question. */
  confidence: number;
  coverage: number;
  similarity: number;
  /** The weighted query tokens, for the answer composer's sentence scoring. */
  query: Map<string, number>;
  /** Set when the vector side could not be used for this search, so it was ranked by BM25 alone. */
  vectorUnavailable?: string;
  /** The out-of-scope question (`out-of-scope.yaml`) the message was judged to be, when it was. */
  outOfScope?: string;
  /**
   * The out-of-scope question nearest the message and its similarity, judged or not: what an operator
   * reads to see why an off-topic message was answered (`pos-assist ask --json`).
   */
  nearestOutOfScope?: { question: string; sim: number };
}

/** A question attached to a section (`file`, `section` as chunks name them) from outside its file. */
export interface ExtraQuestion {
  file: string;
  section: string;
  question: string;
}

/** The language a listed question belongs to: Chinese when it has a Chinese character (as documents.ts splits them). */
export function questionLang(question: string): 'zh' | 'en' {
  return /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/.test(question) ? 'zh' : 'en';
}

/** Told when a search falls back to BM25 alone. */
export type RetrieverWarning = (message: string, details: Record<string, unknown>) => void;

/**
 * What a retriever derives from its index before the first search: the guide's terms, the spellers, the
 * lookups and the question indexes — about 150 ms of segmenting, pinyin and lexicon passes over every
 * section. All of it is read-only once built (the lookups' memos aside), so retrievers over the same
 * loaded index share one copy: `loadIndex` hands back the same `LoadedIndex` for the same files
 * (loaded-index-cache.ts), and a knowledge base reopened or refreshed with nothing changed pays nothing.
 */
interface RetrieverParts {
  chunks: Map<string, Chunk>;
  terms: Set<string>;
  distinctive: Set<string[]>;
  analyzer: QuestionAnalyzer;
  codes: CodeLookup;
  fields: FieldLookup;
  outOfScope: QuestionIndex<number>;
  elsewhereWords: ReturnType<typeof wordMatcher>[];
  terminalWords: ReturnType<typeof wordMatcher>[];
  unansweredWords: ReturnType<typeof wordMatcher>[];
  carriers: Set<string>;
  /** The listed questions' tokens, keyed by chunk id: the question index is these plus the extra ones. */
  listedQuestions: { key: string; tokens: string[] }[];
  /** The listed questions' index alone (no extra questions). */
  questions: QuestionIndex<string>;
  haystacks: Map<string, string>;
  vectors: Map<string, number[]>;
}

const PARTS = new WeakMap<LoadedIndex, RetrieverParts>();

function partsOf(index: LoadedIndex): RetrieverParts {
  const kept = PARTS.get(index);
  if (kept) return kept;
  const terms = domainTerms(index);
  const glossaryTerms = index.glossary.terms;
  const names = (m: string) => glossaryTerms.some((t) => m === t || (hasCjk(t) && m.includes(t)));
  // What a question is about: the glossary's terms and the words of the headings, not question words.
  const subjects = [...index.glossary.terms, ...terms].filter((t) => hasCjk(t) && t.length >= 2 && !STOPWORDS.has(t) && !isQuestionWord(t));
  const spellers = spellersFor(index, terms);
  const analyzer = new QuestionAnalyzer(index.lexicon, spellers.pinyin, [...new Set(subjects)], spellers.english);
  const idf = (t: string) => index.embeddings.idf(t);
  const listedQuestions = index.manifest.chunks.flatMap((c) =>
    c.questions.map((q) => ({ key: c.id, tokens: questionTokens(index.lexicon.apply(normalize(q))) })),
  );
  const parts: RetrieverParts = {
    chunks: new Map(index.manifest.chunks.map((c) => [c.id, c])),
    terms,
    distinctive: new Set(index.glossary.synonyms.filter((g) => g.some(names))),
    analyzer,
    codes: new CodeLookup(index.manifest.chunks),
    fields: new FieldLookup(index.manifest.chunks, [...index.glossary.terms, ...index.lexicon.terms], index.lexicon),
    elsewhereWords: index.outOfScope.elsewhere.map(wordMatcher),
    terminalWords: index.outOfScope.terminal.map(wordMatcher),
    unansweredWords: index.outOfScope.unanswered.map(wordMatcher),
    carriers: new Set(index.outOfScope.carriers.map(normalize)),
    outOfScope: new QuestionIndex(index.outOfScope.questions.map((q, i) => ({ key: i, tokens: questionTokens(analyzer.canonical(q)) })), idf),
    listedQuestions,
    questions: new QuestionIndex(listedQuestions, idf),
    haystacks: new Map(),
    vectors: new Map(),
  };
  PARTS.set(index, parts);
  return parts;
}

export class Retriever {
  private readonly chunks: Map<string, Chunk>;
  private readonly haystacks: Map<string, string>;
  private readonly vectors: Map<string, number[]>;
  /**
   * Every chunk's listed questions, for question-to-question similarity (keyed by chunk id), with the
   * paraphrases attached from the console (`setExtraQuestions`).
   */
  private questions: QuestionIndex<string>;
  readonly analyzer: QuestionAnalyzer;
  /** The guide's terms: glossary, lexicon and the words of its headings. */
  private readonly terms: Set<string>;

  private readonly codes: CodeLookup;
  private readonly fields: FieldLookup;
  /** The synonym groups that name a glossary term (当天到账 names 到账), found once per index. */
  private readonly distinctive: Set<string[]>;
  /** `out-of-scope.yaml`'s questions. */
  private readonly outOfScope: QuestionIndex<number>;
  /** `out-of-scope.yaml`'s `elsewhere`, `terminal` and `unanswered` words, as matchers. */
  private readonly elsewhereWords: ReturnType<typeof wordMatcher>[];
  private readonly terminalWords: ReturnType<typeof wordMatcher>[];
  private readonly unansweredWords: ReturnType<typeof wordMatcher>[];
  /** `out-of-scope.yaml`'s `carriers`, normalized. */
  private readonly carriers: Set<string>;
  private readonly listedQuestions: readonly { key: string; tokens: string[] }[];

  constructor(
    private readonly index: LoadedIndex,
    private readonly onWarning: RetrieverWarning = () => undefined,
  ) {
    const parts = partsOf(index);
    this.chunks = parts.chunks;
    this.haystacks = parts.haystacks;
    this.vectors = parts.vectors;
    this.terms = parts.terms;
    this.distinctive = parts.distinctive;
    this.analyzer = parts.analyzer;
    this.codes = parts.codes;
    this.fields = parts.fields;
    this.elsewhereWords = parts.elsewhereWords;
    this.terminalWords = parts.terminalWords;
    this.unansweredWords = parts.unansweredWords;
    this.carriers = parts.carriers;
    this.outOfScope = parts.outOfScope;
    this.listedQuestions = parts.listedQuestions;
    this.questions = parts.questions;
  }

  /** The listed questions' index, with `extra` questions on the chunks given. */
  private questionIndex(extra: { chunkId: string; question: string }[]): QuestionIndex<string> {
    const lexicon = this.index.lexicon;
    return new QuestionIndex(
      [...this.listedQuestions, ...extra.map((e) => ({ key: e.chunkId, tokens: questionTokens(lexicon.apply(normalize(e.question))) }))],
      (t) => this.index.embeddings.idf(t),
    );
  }

  /**
   * Questions attached to sections beyond those their files list (paraphrases a supervisor attached in the
   * console), matched question to question exactly as the listed ones; replaces the previous set. A
   * question goes to the first chunk of its section in its own language (Chinese when it has a Chinese
   * character, English otherwise). Returns the questions whose section (in that language) is not here.
   */
  setExtraQuestions(extra: readonly ExtraQuestion[]): ExtraQuestion[] {
    const attached: { chunkId: string; question: string }[] = [];
    const missing: ExtraQuestion[] = [];
    for (const e of extra) {
      const lang = questionLang(e.question);
      const chunk = this.index.manifest.chunks.find((c) => c.file === e.file && c.section === e.section && c.lang === lang);
      if (chunk) attached.push({ chunkId: chunk.id, question: e.question });
      else missing.push(e);
    }
    this.questions = this.questionIndex(attached);
    return missing;
  }

  /**
   * A matcher over other questions (curated answers' questions), read and weighted as the listed ones: the
   * message in the guide's spelling (script, lexicon, typos) against each, by the cosine of their
   * question-to-question vectors. Returns the best question's position and similarity, or undefined.
   */
  questionMatcher(questions: readonly string[]): (message: string) => { at: number; similarity: number } | undefined {
    const index = new QuestionIndex(
      questions.map((q, key) => ({ key, tokens: questionTokens(this.analyzer.canonical(q)) })),
      (t) => this.index.embeddings.idf(t),
    );
    return (message) => {
      let best: { at: number; similarity: number } | undefined;
      for (const [at, similarity] of index.similarities(index.vector(questionTokens(this.analyzer.canonical(message))))) {
        if (!best || similarity > best.similarity) best = { at, similarity };
      }
      return best;
    };
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
  buildQuery(question: string, context = ''): Map<string, number> {
    const query = new Map<string, number>();
    // A verb glued to its particle (刷了, 能分) is rare in the guide's written text, so its idf is high while
    // it says little: it counts as much as the story does.
    const weigh = (t: string) => (isFunctionCompound(isBigram(t) ? t.slice(1) : t) ? CONTEXT_WEIGHT : 1);
    for (const t of tokenize(context)) query.set(t, CONTEXT_WEIGHT);
    for (const t of tokenize(question)) query.set(t, weigh(t));
    const extra = new Set<string>();
    for (const phrase of expansions(this.index.glossary, question)) {
      for (const t of words(phrase)) if (!query.has(t) && this.index.bm25.df(t) > 0) extra.add(t);
    }
    const weight = extra.size > 0 ? Math.min(EXPANSION_WEIGHT, (EXPANSION_WEIGHT * 3) / extra.size) : 0;
    for (const t of extra) query.set(t, weight);
    return query;
  }

  async search(question: string, options: { k?: number; mode?: RetrieverMode } = {}): Promise<Retrieval> {
    const analysis = this.analyzer.analyze(question);
    return this.searchAnalyzed(analysis, analysis.focus, analysis.context, options);
  }

  /** Searches one part of an analysed message (`text`: what it asks, `context`: its story). */
  async searchAnalyzed(
    analysis: AnalyzedQuestion,
    text: string,
    context: string,
    options: { k?: number; mode?: RetrieverMode } = {},
  ): Promise<Retrieval> {
    const k = options.k ?? 5;
    let mode = options.mode ?? 'hybrid';
    const lang = analysis.lang;
    const query = this.buildQuery(text, context);
    // The vector side also matches concepts: the synonym groups the question mentions, as features that
    // the chunks carry too (see conceptTokens).
    const vectorQuery = new Map(query);
    for (const c of this.index.embeddings.tokens(text)) if (c.startsWith('§')) vectorQuery.set(c, 1);
    const remote = this.index.vectorQuery.kind !== 'local';
    let vector: number[] | undefined = remote ? undefined : this.index.embeddings.embedWeighted(vectorQuery);
    let vectorUnavailable: string | undefined;
    if (remote && mode !== 'bm25') {
      const embedded = await this.remoteQueryVector(analysis.original);
      if (typeof embedded === 'string') {
        vectorUnavailable = embedded;
        mode = 'bm25';
      } else {
        vector = embedded;
      }
    }

    const inLang = (id: string) => this.chunks.get(id)?.lang === lang;
    const vectorHits = mode === 'bm25' ? [] : (await this.vectorSearch(vector!)).filter(([id]) => inLang(id));
    const bm25Hits = mode === 'vector' ? [] : this.index.bm25.search(query, CANDIDATES).filter((h) => inLang(h.id));
    // Question to question: the merchant's words against the questions each section lists.
    const textTokens = tokenize(text);
    const typed = this.index.embeddings.vectorize(textTokens);
    // A long message's question may be all pronouns ("这种情况怎么办"): its story's domain terms (预授权 in
    // "客人入住时刷了预授权…能不能再多冻一点") then say what it is about, or failing that the whole story.
    const storyTerms = context ? words(context).filter((w) => this.terms.has(w) && hasCjk(w) && w.length >= 2) : [];
    const focused = storyTerms.length > 0 ? `${text} ${[...new Set(storyTerms)].join(' ')}` : text;
    // A question that points back at its story ("这个要怎么操作", "can I reverse it?") or is too short to say
    // anything alone ("有什么规定吗"), and names nothing of the guide, is compared with the questions the
    // guide lists together with its story: alone, it is like every "怎么操作".
    const bare = ANAPHORIC.test(text) || (hasCjk(text) && [...text.replace(/[\s?？!！。,，]/g, '')].length <= BARE_QUESTION_CHARS);
    const pointsBack = Boolean(context) && bare && this.distinctiveGroups(text).length === 0;
    const asked = this.questions.vector(questionTokens(pointsBack ? `${text} ${context}` : text));
    const questionSims = new Map([...this.questions.similarities(asked)].filter(([id]) => inLang(id)));
    const questionHits = mode === 'bm25' ? [] : [...questionSims].filter(([, sim]) => sim >= QUESTION_SIM_FLOOR).sort((a, b) => b[1] - a[1]);

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
      if (mode === 'vector') hit.score = sim;
    });
    bm25Hits.forEach(({ id, score }, rank) => {
      const hit = entry(id);
      if (!hit) return;
      hit.bm25Score = score;
      hit.bm25Rank = rank + 1;
      if (mode === 'bm25') hit.score = score;
    });
    if (mode === 'hybrid') {
      for (const [id] of questionHits) entry(id);
      const topBm25 = Math.max(1e-9, ...bm25Hits.map((h) => h.score));
      for (const hit of byId.values()) {
        hit.score =
          WEIGHTS.bm25 * (hit.bm25Score / topBm25) + WEIGHTS.vector * hit.vectorScore + WEIGHTS.questions * (questionSims.get(hit.chunk.id) ?? 0);
      }
    }
    // A payout cycle named in the question (T+1, D+1, T+0, D0) points at the section about that cycle:
    // the sections about the others mention it too, only in passing.
    // Named in the story, it counts when the question asks when ("I'm on T+1. When will the money come?").
    const cycleOf = (t: string) => [...new Set(words(t).filter((w) => /^[td]\+[01]$/.test(w)))];
    let cycles = cycleOf(text);
    if (cycles.length === 0 && context && ASKS_WHEN.test(text)) cycles = cycleOf(context);
    if (mode === 'hybrid' && cycles.length === 1) {
      for (const hit of byId.values()) if (words(hit.chunk.headingPath.join(' ')).includes(cycles[0]!)) hit.score += CYCLE_BONUS;
    }
    // A quoted response code is a table lookup: its section leads, whatever else the message says.
    const lookedUp = this.codes.find(context ? `${text} ${context}` : text);
    // A slip field asked about is looked up the same way, when no code is quoted.
    const field = lookedUp.length === 0 && lang === 'zh' ? this.fields.find(text) : undefined;
    if (field) lookedUp.push(field);
    // Two fields compared ("参考号和凭证号有什么区别"): each one's section answers its half.
    const compared = lookedUp.length === 0 && lang === 'zh' ? this.fields.compared(text) : [];
    lookedUp.push(...compared);
    for (const hit of byId.values()) {
      if (hit.chunk.headingPath.length === 0) hit.score *= INTRO_WEIGHT;
      hit.score *= hit.chunk.weight ?? 1;
    }
    if (lookedUp.length > 0) {
      const lead = Math.max(0, ...[...byId.values()].map((h) => h.score));
      for (const c of this.chunks.values()) {
        const at = lookedUp.indexOf(`${c.file}#${c.section}`);
        if (at < 0 || c.lang !== lang) continue;
        const hit = entry(c.id)!;
        hit.score = lead * 2 + (lookedUp.length - at) - chunkOrder(c) * 0.01;
      }
    }
    const order = (a: RetrievalHit, b: RetrievalHit) =>
      b.score - a.score || b.vectorScore - a.vectorScore || (a.chunk.id < b.chunk.id ? -1 : 1);
    const hits = [...byId.values()].sort(order);
    const top = hits[0];
    if (top && top.vectorRank === undefined && vector) top.vectorScore = this.vectorScore(vector, top.chunk);
    const coverage = top ? Math.max(this.coverage(focused, top.chunk), context ? this.coverage(`${text} ${context}`, top.chunk) : 0) : 0;
    // Confidence compares what was typed, without synonym expansions: expansions help find a section,
    // but must not make an off-topic question ("POS机多少钱") look like the section they point at.
    const similarity = top ? cosine(typed, this.chunkVector(top.chunk)) : 0;
    const questionSimilarity = top ? this.sectionQuestionSimilarity(top.chunk, questionSims) : 0;
    let confidence = Math.max(confidenceOf(coverage, similarity), questionConfidence(questionSimilarity));
    // Nearer to a question the guide does not answer than to any it does: not the guide's business.
    // Unless the merchant names one of the guide's own concepts (CVV, 预授权, 到账…) that the top section
    // covers and that question does not: "信用卡的CVV能发给你们吗" shares its words with "信用卡逾期了会怎么样",
    // but it asks about the guide's card-data rules.
    // A long message's story says what it is about as much as its question does ("我女儿在国外读书…想把
    // 刷卡的钱换成美元汇过去…这个要怎么操作"), so the whole message is compared as well.
    const whole = context ? this.outOfScope.vector(questionTokens(`${text} ${context}`)) : undefined;
    const outOfScope = [this.nearestOutOfScope(asked), whole && this.nearestOutOfScope(whole)].reduce<{ question: string; sim: number } | undefined>(
      (a, b) => (b && (!a || b.sim > a.sim) ? b : a),
      undefined,
    );
    const judgedOutOfScope =
      outOfScope !== undefined &&
      outOfScope.sim >= OUT_OF_SCOPE_SIM &&
      outOfScope.sim > questionSimilarity &&
      !(top && this.namesGuideConceptBeyond(context ? `${text} ${context}` : text, outOfScope.question, top.chunk));
    // A question about another product or place (淘宝上怎么退货, 微信零钱提现多久到账) is not the guide's, whatever
    // its wording shares with it — unless the message is about the card terminal too.
    // A question that points back at its story asks about what the story names ("…网上银行转错了账…这笔钱还能撤回来吗"),
    // and so does one that asks nothing of its own ("what can I do", "咋整"): in "my credit card annual fee was
    // charged, can they refund it" the fee is the card issuer's business, though "refund" is the guide's word.
    // So does a message none of whose words, question or story, name a concept of the guide ("…交了一季度的房租，
    // 房东说没收到…钱到底去哪了"): what it names decides.
    const storyDecides = Boolean(context) && (bare || textTokens.length === 0 || this.distinctiveGroups(`${text} ${context}`).length === 0);
    const elsewhere = judgedOutOfScope ? undefined : (this.elsewhere(pointsBack || storyDecides ? `${text} ${context}` : text, analysis.original) ?? this.unanswered(text));
    if (judgedOutOfScope || elsewhere) confidence = Math.min(confidence, OUT_OF_SCOPE_CONFIDENCE);
    const lookup = lookedUp[0];
    if (lookup && top && `${top.chunk.file}#${top.chunk.section}` === lookup) confidence = Math.max(confidence, LOOKUP_CONFIDENCE);
    const retrieval: Retrieval = {
      question: text,
      analysis,
      hits: hits.slice(0, k),
      confidence,
      coverage,
      similarity,
      questionSimilarity: Math.round(questionSimilarity * 1000) / 1000,
      query,
    };
    if (lookup) retrieval.lookup = lookup;
    if (compared.length === 2 && hits.slice(0, 2).every((h) => compared.includes(`${h.chunk.file}#${h.chunk.section}`))) retrieval.compared = compared;
    if (outOfScope) retrieval.nearestOutOfScope = { question: outOfScope.question, sim: Math.round(outOfScope.sim * 1000) / 1000 };
    if (judgedOutOfScope) retrieval.outOfScope = outOfScope.question;
    else if (elsewhere) retrieval.outOfScope = elsewhere;
    if (vectorUnavailable !== undefined) retrieval.vectorUnavailable = vectorUnavailable;
    return retrieval;
  }

  /**
   * The `elsewhere` word the question names, when the message does not mention the terminal at all. The
   * terminal is looked for in the message as typed: the lexicon reads "扣了两次" as 重复刷卡, which is
   * right for a card sale and says nothing about an ETC bill.
   */
  private elsewhere(text: string, message: string): string | undefined {
    const named = this.elsewhereWords.find((w) => w.in(text));
    if (!named) return undefined;
    const typed = normalize(message);
    return this.terminalWords.some((w) => w.in(typed)) ? undefined : named.word;
  }

  /**
   * The `unanswered` word the question names, when it names none of the guide's own concepts. The
   * terminal and its slip (`carriers`) do not count: they are what the ads, the battery or the paper are
   * parts of.
   */
  private unanswered(text: string): string | undefined {
    const named = this.unansweredWords.find((w) => w.in(text));
    if (!named) return undefined;
    const concepts = this.distinctiveGroups(text).filter((g) => !g.some((m) => this.carriers.has(m)));
    return concepts.length === 0 ? named.word : undefined;
  }

  /** The out-of-scope question most like the asked one, with its similarity. */
  private nearestOutOfScope(asked: Map<string, number>): { question: string; sim: number } | undefined {
    let best: { question: string; sim: number } | undefined;
    for (const [i, sim] of this.outOfScope.similarities(asked)) {
      if (!best || sim > best.sim) best = { question: this.index.outOfScope.questions[i]!, sim };
    }
    return best;
  }

  /**
   * Whether the question names a distinctive concept of the guide — a synonym group holding one of the
   * glossary's terms — that the chunk covers and the other question does not name.
   */
  private namesGuideConceptBeyond(question: string, other: string, chunk: Chunk): boolean {
    const haystack = this.haystack(chunk);
    const otherText = this.analyzer.canonical(other);
    const otherWords = words(otherText, false);
    return this.distinctiveGroups(question).some(
      (g) => g.some((m) => haystack.includes(m)) && !g.some((m) => mentions(otherText, m, otherWords)),
    );
  }

  /**
   * The synonym groups a text mentions that name a glossary term (当天到账 names 到账), not the everyday
   * ones (钱, 顾客, 多久).
   */
  private distinctiveGroups(text: string): string[][] {
    return mentionedGroups(this.index.glossary, normalize(text)).filter((g) => this.distinctive.has(g));
  }

  /** The best question similarity among the chunks of a chunk's section. */
  private sectionQuestionSimilarity(chunk: Chunk, sims: Map<string, number>): number {
    let best = 0;
    for (const [id, sim] of sims) {
      const c = this.chunks.get(id)!;
      if (c.file === chunk.file && c.section === chunk.section && c.lang === chunk.lang) best = Math.max(best, sim);
    }
    return best;
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
      this.onWarning('vector embedding failed; this search is ranked by BM25 alone', {
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
      v = this.index.embeddings.vectorize(this.index.embeddings.tokens(indexText(chunk, this.index.lexicon)));
      this.vectors.set(chunk.id, v);
    }
    return v;
  }

  /** The chunk's index text, and its tokens after a tab (English stems are found there, not in the text). */
  private haystack(chunk: Chunk): string {
    let h = this.haystacks.get(chunk.id);
    if (!h) {
      const text = indexText(chunk, this.index.lexicon);
      h = `${normalize(text)}\t${[...new Set(words(text))].join(' ')}`;
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

/** A quoted code or a named slip field found in its table is as sure as retrieval gets. */
const LOOKUP_CONFIDENCE = 0.9;

/** Question-to-question similarity on the same 0..1 scale: at QUESTION_SIM_SURE it clears any gate. */
export function questionConfidence(similarity: number): number {
  if (similarity < QUESTION_SIM_GATE) return 0;
  return Math.round(Math.min(1, 0.35 + (0.55 * (similarity - QUESTION_SIM_GATE)) / (QUESTION_SIM_SURE - QUESTION_SIM_GATE)) * 1000) / 1000;
}

/**
 * Question-to-question tokens: words, bigrams, and single Chinese characters — a question reworded in
 * dialect or speech keeps many of its characters while its words and bigrams change (measured on dev).
 */
function questionTokens(text: string): string[] {
  const tokens = tokenize(text);
  // A message of question words alone (你能帮我做什么) has nothing to match by.
  if (tokens.length === 0) return tokens;
  for (const ch of text.match(/[\u4e00-\u9fff]/g) ?? []) if (!STOPWORDS.has(ch)) tokens.push(`¹${ch}`);
  return tokens;
}

/** A Chinese word anywhere in the text; a Latin one as a whole word ("wire", not "wireless"). Built once per word. */
function wordMatcher(word: string): { word: string; in: (text: string) => boolean } {
  const w = normalize(word);
  if (hasCjk(w)) return { word, in: (text) => text.includes(w) };
  const re = new RegExp(`(?<![a-z0-9])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z0-9])`);
  return { word, in: (text) => re.test(text) };
}

function chunkOrder(c: Chunk): number {
  return Number(c.id.slice(c.id.lastIndexOf('#') + 1)) || 0;
}

/**
 * The speller's vocabulary: the guide's Chinese words (text, headings, listed questions), its lexicon and
 * glossary terms; its English words tell English questions from pinyin.
 */
function spellersFor(index: LoadedIndex, terms: Set<string>): { pinyin: PinyinSpeller; english: EnglishSpeller } {
  const zh: string[] = [...terms];
  const en: string[] = [...STOPWORDS].filter((w) => /^[a-z']+$/.test(w));
  for (const t of [...index.glossary.synonyms.flat(), ...index.glossary.terms]) en.push(...(normalize(t).match(/[a-z]+/g) ?? []));
  // Words known to be about something else are words too: "wire" must not be corrected into "were". They are
  // left alone, never offered: "land" is no typo of "lend" (a loan question).
  const elsewhereEn: string[] = [];
  const { questions, elsewhere, terminal, unanswered } = index.outOfScope;
  // The same in Chinese: "手许费" is 手续费 (a fee question the guide does not answer), not a guide word it sounds near.
  for (const t of [...questions, ...elsewhere, ...terminal, ...unanswered]) {
    const n = normalize(t);
    elsewhereEn.push(...(n.match(/[a-z]+/g) ?? []));
    if (hasCjk(n)) zh.push(...words(n, false));
  }
  for (const c of index.manifest.chunks) {
    const text = indexText(c, index.lexicon);
    if (c.lang === 'zh') zh.push(...words(text, false));
    else en.push(...(normalize(text).match(/[a-z]+/g) ?? []));
  }
  return {
    pinyin: new PinyinSpeller(zh, { englishWords: [...en, ...elsewhereEn], segment: dictionaryWords, terms: [...terms].filter(hasCjk) }),
    english: new EnglishSpeller(en, elsewhereEn),
  };
}

/** Glossary and lexicon terms and the words of every heading and title (both languages), as tokens. */
function domainTerms(index: LoadedIndex): Set<string> {
  const terms = new Set<string>();
  for (const t of [...index.lexicon.terms, ...index.glossary.terms]) for (const w of words(t)) terms.add(w);
  for (const c of index.manifest.chunks) for (const h of [c.title, ...c.headingPath]) for (const w of words(index.lexicon.apply(normalize(h)))) terms.add(w);
  return terms;
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
