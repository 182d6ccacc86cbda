/**
 * Retrieval evaluation on labelled merchant questions: hit@1, hit@3 and MRR over distinct sections, and
 * how many off-topic questions fall below the confidence gate. Run for the hybrid retriever and BM25
 * alone so that every change to either shows whether fusion still earns its keep.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { KnowledgeBase } from './knowledge-base.js';
import type { RetrieverMode } from './retriever.js';

export const EvalFixturesSchema = z.object({
  questions: z.array(z.object({ q: z.string().min(1), expect: z.array(z.string().regex(/^[^#]+#.+$/)).min(1) })).min(1),
  offTopic: z.array(z.string().min(1)).default([]),
});
export type EvalFixtures = z.infer<typeof EvalFixturesSchema>;

export interface EvalMiss {
  q: string;
  expect: string[];
  got: string[];
  confidence: number;
}

export interface EvalResult {
  mode: RetrieverMode;
  questions: number;
  hitAt1: number;
  hitAt3: number;
  mrr: number;
  /** In-domain questions whose confidence clears the gate (they get an answer, not "I don't know"). */
  answerRate: number;
  offTopic: number;
  offTopicRejection: number;
  misses: EvalMiss[];
  /** Off-topic questions that were wrongly answered. */
  falseAnswers: { q: string; confidence: number; got: string }[];
}

export function loadEvalFixtures(file: string): EvalFixtures {
  return EvalFixturesSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export async function evaluate(kb: KnowledgeBase, fixtures: EvalFixtures, mode: RetrieverMode): Promise<EvalResult> {
  let hit1 = 0;
  let hit3 = 0;
  let rr = 0;
  let answered = 0;
  const misses: EvalMiss[] = [];
  for (const { q, expect } of fixtures.questions) {
    const r = await kb.search(q, { k: 20, mode });
    const sections = [...new Set(r.hits.map((h) => `${h.chunk.file}#${h.chunk.section}`))];
    const rank = sections.findIndex((s) => expect.includes(s)) + 1;
    if (rank === 1) hit1++;
    if (rank >= 1 && rank <= 3) hit3++;
    if (rank >= 1) rr += 1 / rank;
    if (r.confidence >= kb.minConfidence) answered++;
    if (rank !== 1) misses.push({ q, expect, got: sections.slice(0, 3), confidence: r.confidence });
  }
  let rejected = 0;
  const falseAnswers: EvalResult['falseAnswers'] = [];
  for (const q of fixtures.offTopic) {
    const r = await kb.search(q, { k: 3, mode });
    if (r.confidence < kb.minConfidence) rejected++;
    else falseAnswers.push({ q, confidence: r.confidence, got: r.hits[0] ? `${r.hits[0].chunk.file}#${r.hits[0].chunk.section}` : '' });
  }
  const n = fixtures.questions.length;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    mode,
    questions: n,
    hitAt1: round(hit1 / n),
    hitAt3: round(hit3 / n),
    mrr: round(rr / n),
    answerRate: round(answered / n),
    offTopic: fixtures.offTopic.length,
    offTopicRejection: fixtures.offTopic.length ? round(rejected / fixtures.offTopic.length) : 1,
    misses,
    falseAnswers,
  };
}
