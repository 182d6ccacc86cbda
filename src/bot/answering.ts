/**
 * One answer to one question, the same for the bot and the `ask` command: the knowledge base's
 * extractive answer, and — with a language model — the model's grounded answer over the same retrieval,
 * which wins when it is grounded. The model finding no answer in passages the extractive path was
 * sure about (confidence 0.5 or more) leaves the quoted passages: they are the guide's own words, so nothing is invented.
 */
import type { Locale } from '../i18n/messages.js';
import type { AnswerSource } from '../knowledge/answer.js';
import type { KnowledgeAnswer, KnowledgeBase } from '../knowledge/knowledge-base.js';
import { passagesOf, type GroundedAnswerer, type GroundedResult } from '../llm/grounded-answer.js';
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
  knowledge: KnowledgeAnswer;
}

export async function answerQuestion(
  knowledge: KnowledgeBase,
  answerer: GroundedAnswerer | undefined,
  question: string,
  locale: Locale,
  onText?: (textSoFar: string) => void | Promise<void>,
  /** The merchant's previous question in this conversation, if recent. */
  previousQuestion?: string,
): Promise<Reply> {
  const followUp = answerer !== undefined && previousQuestion !== undefined && isFollowUp(question);
  const answer = await knowledge.ask(followUp ? `${previousQuestion} ${question}` : question);
  const base = { confidence: answer.confidence, knowledge: answer };
  const nearEnough = answer.answered || answer.retrieval.confidence >= knowledge.minConfidence * MODEL_CONFIDENCE_SHARE;
  let grounded: GroundedResult | undefined;
  // An off-topic message (weather, prices) finds nothing near it and costs no model call.
  if (answerer && answer.retrieval.hits.length > 0 && nearEnough) {
    grounded = await answerer.answer(question, passagesOf(answer.retrieval, sourceOfHit), locale, {
      ...(onText ? { onText } : {}),
      ...(followUp ? { previousQuestion } : {}),
    });
  }
  const model = grounded ? { kind: grounded.kind, ...(grounded.kind === 'failed' ? { reason: grounded.reason } : {}) } : undefined;
  if (grounded?.kind === 'answered') {
    const sources = grounded.cited.map((p) => p.source);
    return { ...base, answered: true, text: renderGrounded(grounded.text, grounded.cited, locale), sources, by: 'model', ...(model ? { model } : {}) };
  }
  // The model read the passages and found no answer: below a sure match, it is believed over the quote.
  if (grounded?.kind === 'no_answer' && answer.answered && answer.confidence < MODEL_OVERRULES_BELOW) {
    return { ...base, answered: false, text: renderAnswer({ ...answer, answered: false }, locale), sources: answer.sources, by: 'extractive', ...(model ? { model } : {}) };
  }
  // An answer is told in the language of the passages it quotes (an English question finds the English text).
  const answerLocale: Locale = answer.answered ? (answer.lang === 'en' ? 'en' : 'zh-CN') : locale;
  return { ...base, answered: answer.answered, text: renderAnswer(answer, answerLocale), sources: answer.sources, by: 'extractive', ...(model ? { model } : {}) };
}
