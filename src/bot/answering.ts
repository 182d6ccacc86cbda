/**
 * One answer to one question, the same for the bot, the `ask` command and `eval --model`: the knowledge
 * base's extractive answer and — with a language model — three steps over the same retrieval:
 *
 * 1. rewrite (only when the offline reading is unsure): the message in the guide's terms is searched too,
 *    and the knowledge base keeps the better-supported reading;
 * 2. rerank: the model picks which of the best sections answers the question; its pick leads the extractive
 *    answer and the grounded answer's passages;
 * 3. the grounded answer, which wins when it is grounded. The model finding no answer in passages the
 *    extractive path was sure about (confidence 0.5 or more, on the merchant's own words) leaves the quoted
 *    passages: they are the guide's own words, so nothing is invented.
 *
 * An off-topic message (nothing near it in the guide) costs no model call at all. A timeout or provider
 * error in any step ends the model's part of this turn: the merchant gets the offline answer at once
 * rather than waiting out a deadline per step.
 */
import { detectLocale, type Locale } from '../i18n/messages.js';
import type { AnswerSource } from '../knowledge/answer.js';
import type { EvalAnswer } from '../knowledge/evaluate.js';
import type { AskOptions, KnowledgeAnswer, KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { Retrieval } from '../knowledge/retriever.js';
import { passagesOf, type GroundedAnswerer, type GroundedResult } from '../knowledge/grounded-answer.js';
import type { LlmOutcome } from '../llm/language-model.js';
import { QueryRewriter, type RewriteResult } from '../knowledge/query-rewrite.js';
import { Reranker, type RerankResult } from '../knowledge/rerank.js';
import { renderAnswer, renderGrounded, sourceOfHit } from './render.js';

/**
 * A short message that leans on the one before ("那要多久？", "如果是昨天的呢", "what about a refund?"):
 * with a language model it is searched together with the previous question, which the model sees too.
 */
const FOLLOW_UP = /^(那|那么|那如果|如果|要是|这个|这种|这样|它|还有|另外|然后|and|so|then|what about|how about)|多久|多长时间|几天|多少钱|(怎么办|呢)[?？。.!！]*$|\b(how long|how much|what if)\b/i;
const FOLLOW_UP_MAX_CHARS = 24;

export function isFollowUp(question: string): boolean {
  const q = question.trim();
  return q.length > 0 && q.length <= FOLLOW_UP_MAX_CHARS && FOLLOW_UP.test(q);
}

/**
 * A model's NO_ANSWER overrules an extractive answer below this confidence: near the gate the quote may
 * share only words with the question, and the model read the passages. Above it, the guide's own words
 * stand (nothing invented either way).
 */
const MODEL_OVERRULES_BELOW = 0.5;

/** The model sees retrievals down to this share of the answer gate: it can tell near misses apart. */
const MODEL_CONFIDENCE_SHARE = 0.5;

/**
 * At or above this confidence the offline reading is sure and the message is not rewritten. Measured on
 * the dev split: 81% of the questions read this sure and 93% of them are answered correctly offline; an
 * ideal rewrite (the labelled section's own question) would fix 2 of those 143 and 7 of the 34 below, while
 * a rewrite that misreads the message (another retrieved section's question) — which wins whenever it
 * reads better — would break 14 of the sure ones. So the call is spent where the reading is weak.
 */
const REWRITE_BELOW = 0.7;

/** The model path: the grounded answer, and the steps before it (each may be left out). */
export interface ModelSteps {
  answerer: GroundedAnswerer;
  /** Rewrites an unsure message into the guide's terms (left out: the message is searched as sent). */
  rewriter?: QueryRewriter;
  /** Picks the passage that answers (left out: retrieval's order stands). */
  reranker?: Reranker;
}

/** All three steps over the answerer's model; the steps' deadlines are their defaults unless given. */
export function modelSteps(answerer: GroundedAnswerer, deadlines: { rewriteMs?: number; rerankMs?: number } = {}): ModelSteps {
  return { answerer, rewriter: new QueryRewriter(answerer.llm, deadlines.rewriteMs), reranker: new Reranker(answerer.llm, deadlines.rerankMs) };
}

/** What the rewrite and rerank did this turn (for `ask --json` and the logs). */
export interface StepTrace {
  rewrite?: RewriteResult['kind'];
  /** The rewrite, when one was searched. */
  rewritten?: string;
  /** The rewrite's reading was better supported, and kept. */
  rewriteUsed?: boolean;
  rerank?: RerankResult['kind'];
  /** The section (`file#section`) the rerank picked. */
  picked?: string;
  /** Why the model's part of the turn ended early (a timeout or provider error in a step). */
  stopped?: LlmOutcome;
}

export interface Reply {
  answered: boolean;
  /** What the merchant reads (the no-answer text when not answered). */
  text: string;
  /** Cited sources when answered; the nearest candidates when not. */
  sources: AnswerSource[];
  confidence: number;
  /** Who wrote the text. */
  by: 'model' | 'extractive';
  /** What the model did, when it was asked: answered, no_answer, or failed (with why). */
  model?: { kind: GroundedResult['kind']; reason?: string };
  /** What the rewrite and rerank did, when a model is configured and the message was near the guide. */
  steps?: StepTrace;
  /**
   * The answer's own words — the model's text without its [n] markers, or the quoted passages — without
   * intro or source list; '' when not answered. What `eval` checks the labelled facts against.
   */
  answerText: string;
  knowledge: KnowledgeAnswer;
}

export async function answerQuestion(
  knowledge: KnowledgeBase,
  /** The model path: a grounded answerer (all steps over its model) or chosen steps; undefined offline. */
  model: GroundedAnswerer | ModelSteps | undefined,
  question: string,
  locale: Locale,
  onText?: (textSoFar: string) => void | Promise<void>,
  /** The merchant's previous question in this conversation, if recent. */
  previousQuestion?: string,
): Promise<Reply> {
  const steps = model === undefined ? undefined : 'answerer' in model ? model : modelSteps(model);
  const followUp = steps !== undefined && previousQuestion !== undefined && isFollowUp(question);
  const searched = followUp ? `${previousQuestion} ${question}` : question;
  let answer = await knowledge.ask(searched);
  const nearEnough = answer.answered || answer.retrieval.confidence >= knowledge.minConfidence * MODEL_CONFIDENCE_SHARE;
  let grounded: GroundedResult | undefined;
  let trace: StepTrace | undefined;
  /** The rerank's pick leads the extractive answer, the offline lead after it (only one of them is needed). */
  let reLed = false;
  // An off-topic message (weather, prices) finds nothing near it and costs no model call; nor does one the
  // guide's out-of-scope list declines (another platform, a loan): a model must not answer it from passages
  // that only share its words.
  if (steps && answer.retrieval.hits.length > 0 && nearEnough && !answer.retrieval.outOfScope) {
    trace = {};
    const context = followUp ? { previousQuestion } : {};
    let ask: AskOptions = {};
    if (steps.rewriter && wantsRewrite(answer)) {
      const r = await steps.rewriter.rewrite(question, { lang: answer.retrieval.analysis.lang, headings: headingsOf(answer.retrieval), ...context });
      trace.rewrite = r.kind;
      if (r.kind === 'failed' && providerDown(r.reason)) trace.stopped = r.reason;
      if (r.kind === 'rewritten') {
        trace.rewritten = r.question;
        ask = { alsoSearch: r.question };
        answer = await knowledge.ask(searched, ask);
        trace.rewriteUsed = answer.alsoSearched === true;
      }
    }
    if (!trace.stopped && steps.reranker && wantsRerank(answer)) {
      const candidates = passagesOf(leading(answer.retrieval, answer.sources), sourceOfHit);
      if (candidates.length >= 2) {
        const r = await steps.reranker.pick(question, candidates, context);
        trace.rerank = r.kind;
        if (r.kind === 'failed' && providerDown(r.reason)) trace.stopped = r.reason;
        if (r.kind === 'picked') {
          trace.picked = keyOf(r.passage.source);
          // Passage 1 is the answer's own lead already.
          if (r.passage.n !== 1) {
            answer = await knowledge.ask(searched, { ...ask, prefer: trace.picked });
            reLed = true;
          }
        }
      }
    }
    if (!trace.stopped) {
      grounded = await steps.answerer.answer(question, passagesOf(leading(answer.retrieval, answer.sources), sourceOfHit), locale, {
        ...(onText ? { onText } : {}),
        ...context,
      });
    }
  }
  const base = { confidence: answer.confidence, knowledge: answer, ...(trace ? { steps: trace } : {}) };
  // A step that found the provider down is the model failing this turn, as a failed answer would be.
  if (trace?.stopped) grounded = { kind: 'failed', reason: trace.stopped };
  const said = grounded ? { model: { kind: grounded.kind, ...(grounded.kind === 'failed' ? { reason: grounded.reason } : {}) } } : {};
  // The extractive answer quotes a second section when the first does not cover the question (or the
  // message asked two things, or compared two slip fields); a model answer leaving one of those sections
  // uncited may have left part of the question unanswered, and the extractive answer is kept.
  // (A follow-up searched with the question before it asks one thing: the new one.)
  if (grounded?.kind === 'answered' && !followUp && !reLed && !citesEverySection(answer, grounded.cited.map((p) => p.source))) {
    grounded = { kind: 'failed', reason: 'incomplete' };
  }
  if (grounded?.kind === 'answered') {
    const sources = grounded.cited.map((p) => p.source);
    const answerText = grounded.text.replace(/\[\d+\]/g, '').trim();
    return { ...base, answered: true, text: renderGrounded(grounded.text, grounded.cited, locale), answerText, sources, by: 'model', ...said };
  }
  // The model read the passages and found no answer: below a sure match — or when the match is the
  // model's own rewrite, not the merchant's words — it is believed over the quote.
  if (grounded?.kind === 'no_answer' && answer.answered && (answer.confidence < MODEL_OVERRULES_BELOW || answer.alsoSearched)) {
    return { ...base, answered: false, text: renderAnswer({ ...answer, answered: false }, locale), answerText: '', sources: answer.sources, by: 'extractive', ...said };
  }
  // An answer is told in the language of the passages it quotes (an English question finds the English text).
  const answerLocale: Locale = answer.answered ? (answer.lang === 'en' ? 'en' : 'zh-CN') : locale;
  return {
    ...base,
    answered: answer.answered,
    text: renderAnswer(answer, answerLocale),
    answerText: answer.answered ? answer.text : '',
    sources: answer.sources,
    by: 'extractive',
    ...said,
  };
}

/**
 * The eval's view of this answer path (`pos-assist eval --model`): the same function the bot calls, with
 * the merchant's language detected as `ask` does, scored on the answer's own words.
 */
export function answerPath(knowledge: KnowledgeBase, model: GroundedAnswerer | ModelSteps | undefined, defaultLocale: Locale): (question: string) => Promise<EvalAnswer> {
  return async (question) => {
    const reply = await answerQuestion(knowledge, model, question, detectLocale(question) ?? defaultLocale);
    return { answered: reply.answered, text: reply.answerText, sources: reply.sources, confidence: reply.confidence, retrieval: reply.knowledge.retrieval };
  };
}

/** A sure offline reading, a looked-up code or field, or a two-part message is not rewritten. */
function wantsRewrite(answer: KnowledgeAnswer): boolean {
  const r = answer.retrieval;
  return r.lookup === undefined && r.analysis.parts.length < 2 && r.confidence < REWRITE_BELOW;
}

/**
 * A looked-up code or field is a table's answer, and a two-part message has one answer per part: neither
 * is reranked.
 */
function wantsRerank(answer: KnowledgeAnswer): boolean {
  return answer.retrieval.lookup === undefined && answer.retrieval.analysis.parts.length < 2;
}

/** Whether the cited sections include every section the extractive answer quotes. */
function citesEverySection(answer: KnowledgeAnswer, cited: AnswerSource[]): boolean {
  if (!answer.answered || answer.sources.length < 2) return true;
  const keys = new Set(cited.map(keyOf));
  return answer.sources.every((s) => keys.has(keyOf(s)));
}

/** A timeout or a provider error: the provider is not asked again this turn. */
function providerDown(outcome: LlmOutcome): boolean {
  return outcome === 'timeout' || outcome === 'error';
}

function keyOf(s: { file: string; section: string }): string {
  return `${s.file}#${s.section}`;
}

/** The retrieval with the answer's sections first (in the answer's order), then the rest as ranked. */
function leading(retrieval: Retrieval, sources: AnswerSource[]): Retrieval {
  const rank = new Map(sources.map((s, i) => [keyOf(s), i]));
  const at = (hit: Retrieval['hits'][number]) => rank.get(keyOf(hit.chunk)) ?? sources.length;
  return { ...retrieval, hits: [...retrieval.hits].sort((a, b) => at(a) - at(b)) };
}

/** The headings of the retrieved sections, as the guide words them (vocabulary for the rewrite). */
function headingsOf(retrieval: Retrieval): string[] {
  return [...new Set(retrieval.hits.map((h) => [h.chunk.title, ...h.chunk.headingPath].join(' › ')))];
}
