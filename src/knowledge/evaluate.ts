/**
 * Answer evaluation on labelled merchant questions. For every question: did retrieval put a labelled
 * section first (hit@1), in the first three (hit@3), at which rank (MRR); did the bot answer at all; and
 * is the answer correct — it must contain the labelled fact(s), not just cite the right file. Off-topic
 * messages must be refused. Everything is reported per category (spoken, code, English…) and for the
 * hybrid retriever beside BM25 alone, so every change shows whether fusion still earns its keep.
 *
 * The labelled set has two splits (`test/fixtures/eval/`): `dev`, which the knowledge data and weights
 * are tuned on, and `test`, which is only ever scored — the honest estimate of unseen questions.
 *
 * By default the knowledge base's own (offline) answer is scored; `answer` scores another answer path the
 * same way — `pos-assist eval --model` passes the bot's answer path with the language model.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../core/errors.js';
import type { AnswerSource } from './answer.js';
import type { KnowledgeBase } from './knowledge-base.js';
import type { Retrieval, RetrieverMode } from './retriever.js';

const SectionLabel = z.string().regex(/^[^#]+#.+$/);

export const EvalFixturesSchema = z.object({
  questions: z
    .array(
      z.object({
        q: z.string().min(1),
        expect: z.array(SectionLabel).min(1),
        category: z.string().min(1).default('general'),
        /** Groups of alternatives: the answer must contain one string of every group. */
        facts: z.array(z.array(z.string().min(1)).min(1)).default([]),
      }),
    )
    .min(1),
  offTopic: z
    .array(z.union([z.string().min(1).transform((q) => ({ q, category: 'off-topic' })), z.object({ q: z.string().min(1), category: z.string().default('off-topic') })]))
    .default([]),
});
export type EvalFixtures = z.infer<typeof EvalFixturesSchema>;

export interface EvalMiss {
  q: string;
  category: string;
  expect: string[];
  got: string[];
  confidence: number;
  answered: boolean;
  /** The fact groups the answer lacked (empty when only the ranking missed). */
  missingFacts: string[][];
}

export interface CategoryResult {
  category: string;
  questions: number;
  hitAt1: number;
  hitAt3: number;
  answerRate: number;
  /** Answered and containing every labelled fact. Off-topic: refused. */
  correct: number;
}

export interface EvalResult {
  mode: RetrieverMode;
  questions: number;
  hitAt1: number;
  hitAt3: number;
  mrr: number;
  /** In-domain questions whose confidence clears the gate (they get an answer, not "I don't know"). */
  answerRate: number;
  /** In-domain questions answered with every labelled fact in the answer. */
  correct: number;
  offTopic: number;
  offTopicRejection: number;
  byCategory: CategoryResult[];
  /** Questions not answered correctly (or, without facts, not ranked first). */
  misses: EvalMiss[];
  /** Off-topic questions that were wrongly answered. */
  falseAnswers: { q: string; confidence: number; got: string }[];
}

/** One answer as the eval scores it (a `KnowledgeAnswer` is one). */
export interface EvalAnswer {
  answered: boolean;
  /** The answer's own words: the labelled facts must be in them. */
  text: string;
  /** Cited sections when answered. */
  sources: AnswerSource[];
  confidence: number;
  retrieval: Retrieval;
}

export interface EvaluateOptions {
  /** The answer path to score (default: the knowledge base's offline answer in the given mode). */
  answer?: (question: string) => Promise<EvalAnswer>;
  /** Questions answered at once (default 1); results are scored in the fixtures' order either way. */
  concurrency?: number;
}

export function loadEvalFixtures(file: string): EvalFixtures {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('KNOWLEDGE_FILE_INVALID', `${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = EvalFixturesSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('KNOWLEDGE_FILE_INVALID', `${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** Case, width and spacing do not make a fact different ("T+1" in "t + 1"). */
function squash(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

export function missingFacts(answer: string, facts: string[][]): string[][] {
  const text = squash(answer);
  return facts.filter((group) => !group.some((f) => text.includes(squash(f))));
}

export async function evaluate(kb: KnowledgeBase, fixtures: EvalFixtures, mode: RetrieverMode, options: EvaluateOptions = {}): Promise<EvalResult> {
  const ask = options.answer ?? ((q: string) => kb.ask(q, { mode }));
  const answers = await mapLimit([...fixtures.questions.map((x) => x.q), ...fixtures.offTopic.map((x) => x.q)], options.concurrency ?? 1, ask);
  let next = 0;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const cats = new Map<string, { n: number; hit1: number; hit3: number; answered: number; correct: number }>();
  const cat = (c: string) => {
    let e = cats.get(c);
    if (!e) cats.set(c, (e = { n: 0, hit1: 0, hit3: 0, answered: 0, correct: 0 }));
    return e;
  };
  let hit1 = 0;
  let hit3 = 0;
  let rr = 0;
  let answered = 0;
  let correct = 0;
  const misses: EvalMiss[] = [];
  for (const { q, expect, category, facts } of fixtures.questions) {
    const answer = answers[next++]!;
    const r = answer.retrieval;
    const sections = [...new Set(r.hits.map((h) => `${h.chunk.file}#${h.chunk.section}`))];
    const cited = answer.sources.map((s) => `${s.file}#${s.section}`);
    // Rank by what the answer cites first (a two-part answer cites both), then by retrieval.
    const ranking = [...new Set([...(answer.answered ? cited : []), ...sections])];
    const rank = ranking.findIndex((s) => expect.includes(s)) + 1;
    const c = cat(category);
    c.n++;
    if (rank === 1) (hit1++, c.hit1++);
    if (rank >= 1 && rank <= 3) (hit3++, c.hit3++);
    if (rank >= 1) rr += 1 / rank;
    if (answer.answered) (answered++, c.answered++);
    const lacking = answer.answered ? missingFacts(answer.text, facts) : facts;
    const ok = answer.answered && (facts.length > 0 ? lacking.length === 0 : rank === 1);
    if (ok) (correct++, c.correct++);
    else misses.push({ q, category, expect, got: ranking.slice(0, 3), confidence: r.confidence, answered: answer.answered, missingFacts: lacking });
  }
  let rejected = 0;
  const falseAnswers: EvalResult['falseAnswers'] = [];
  for (const { q, category } of fixtures.offTopic) {
    const answer = answers[next++]!;
    const c = cat(category);
    c.n++;
    if (!answer.answered) (rejected++, c.correct++);
    else falseAnswers.push({ q, confidence: answer.confidence, got: answer.sources[0] ? `${answer.sources[0].file}#${answer.sources[0].section}` : '' });
  }
  const n = fixtures.questions.length;
  return {
    mode,
    questions: n,
    hitAt1: round(hit1 / n),
    hitAt3: round(hit3 / n),
    mrr: round(rr / n),
    answerRate: round(answered / n),
    correct: round(correct / n),
    offTopic: fixtures.offTopic.length,
    offTopicRejection: fixtures.offTopic.length ? round(rejected / fixtures.offTopic.length) : 1,
    byCategory: [...cats].map(([category, e]) => ({
      category,
      questions: e.n,
      hitAt1: round(e.hit1 / e.n),
      hitAt3: round(e.hit3 / e.n),
      answerRate: round(e.answered / e.n),
      correct: round(e.correct / e.n),
    })),
    misses,
    falseAnswers,
  };
}

/** `fn` over `items`, at most `limit` at a time, results in the items' order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let i = 0;
  const worker = async () => {
    while (i < items.length) {
      const at = i++;
      out[at] = await fn(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
