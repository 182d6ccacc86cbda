/**
 * Extractive answers: the relevant sentences of the best section(s), in their original order, with the
 * section cited. Nothing is generated, so nothing can be invented; below the confidence gate there is
 * no answer at all (the bot says it does not know and offers a person).
 */
import type { Chunk, ChunkLang } from './documents.js';
import type { Retrieval, RetrievalHit, Retriever } from './retriever.js';
import { ENGLISH_SENTENCE_END, tokenize } from './text.js';

export interface AnswerSource {
  file: string;
  title: string;
  section: string;
  headingPath: string[];
  chunkId: string;
  score: number;
}

export interface Answer {
  answered: boolean;
  /** The language the passages are in (the question's). */
  lang: ChunkLang;
  /** The extracted passage(s), one block per source, blocks separated by a blank line. Empty when not answered. */
  text: string;
  /** The same blocks one by one, aligned with `sources`. */
  passages: string[];
  /** Some passage is only part of its section: the full text is one tap away ("查看完整说明"). */
  abridged?: boolean;
  confidence: number;
  /** Cited sections when answered; the nearest candidates (for the miss log and the handoff) when not. */
  sources: AnswerSource[];
}

export interface ComposeOptions {
  minConfidence: number;
  maxSources: number;
  /** Target length of one source's extract, in characters; a short section is quoted whole. */
  targetChars?: number;
}

/** A second section is cited only when it is nearly as relevant as the first and covers the question too. */
const SECOND_SOURCE_SCORE_RATIO = 0.85;
const SECOND_SOURCE_MIN_COVERAGE = 0.6;
const PRIMARY_SUFFICIENT_COVERAGE = 0.9;

export function composeAnswer(retriever: Retriever, retrieval: Retrieval, options: ComposeOptions): Answer {
  const groups = groupBySection(retrieval.hits);
  const toSource = (g: SectionGroup): AnswerSource => ({
    file: g.hits[0]!.chunk.file,
    title: g.hits[0]!.chunk.title,
    section: g.hits[0]!.chunk.section,
    headingPath: g.hits[0]!.chunk.headingPath,
    chunkId: g.hits[0]!.chunk.id,
    score: round(g.hits[0]!.score),
  });
  const lang = retrieval.analysis.lang;
  if (groups.length === 0 || retrieval.confidence < options.minConfidence) {
    return { answered: false, lang, text: '', passages: [], confidence: retrieval.confidence, sources: groups.slice(0, 3).map(toSource) };
  }
  // The best-ranked section leads; among those that rank about as well, a second is cited only when it
  // covers the question well too. (Leading with the best-covering contender instead was measured worse
  // on dev: a general section often covers a short question's words as well as the one that answers it.)
  const topScore = groups[0]!.hits[0]!.score;
  const contenders = groups
    .filter((g) => g.hits[0]!.score >= SECOND_SOURCE_SCORE_RATIO * topScore)
    .map((g) => ({ g, coverage: retriever.coverage(retrieval.question, g.hits[0]!.chunk) }));
  const chosen = [contenders[0]!.g];
  // A section that covers the whole question answers it alone: a phone screen has no room for a second.
  // (Citing a second that covers it as fully and ranks within 90% was tried: +0.6% on dev, longer answers,
  // and a grounded model given both would be judged against two quotes.)
  const primaryCovers = contenders[0]!.coverage >= PRIMARY_SUFFICIENT_COVERAGE;
  for (const c of contenders.slice(1)) {
    if (chosen.length >= options.maxSources || primaryCovers) break;
    if (c.coverage >= SECOND_SOURCE_MIN_COVERAGE) chosen.push(c.g);
  }
  // "参考号和凭证号有什么区别" is answered by both fields' sections, in the order asked.
  if (retrieval.compared && options.maxSources >= 2) {
    const keys = retrieval.compared;
    chosen.splice(0, chosen.length, ...keys.map((k) => groups.find((g) => g.key === k)!).filter(Boolean));
  }
  const target = options.targetChars ?? (lang === 'en' ? 420 : 200);
  const sections = chosen.map((g) => sectionChunks(retriever, g));
  const blocks = sections.map((chunks) => extract(chunks, retrieval.query, retriever, target, asksForNumber(retrieval.analysis.original)));
  const abridged = blocks.some((b, i) => b.length < sectionText(sections[i]!).length);
  return {
    answered: true,
    lang,
    text: blocks.join('\n\n'),
    passages: blocks,
    abridged,
    confidence: retrieval.confidence,
    sources: chosen.map(toSource),
  };
}

/**
 * One answer for a message that asked two or three things: each part's answer, the sections in the order
 * asked, a section answered once. Parts that found nothing are left out; nothing found at all is no answer.
 */
export function combineAnswers(parts: Answer[]): Answer | undefined {
  const answered = parts.filter((a) => a.answered);
  if (answered.length < 2) return undefined;
  const seen = new Set<string>();
  const passages: string[] = [];
  const sources: AnswerSource[] = [];
  for (const a of answered) {
    a.sources.forEach((s, i) => {
      const key = `${s.file}#${s.section}`;
      if (seen.has(key)) return;
      seen.add(key);
      sources.push(s);
      passages.push(a.passages[i]!);
    });
  }
  if (sources.length < 2) return undefined;
  const abridged = answered.some((a) => a.abridged);
  return { answered: true, lang: answered[0]!.lang, text: passages.join('\n\n'), passages, abridged, confidence: Math.min(...answered.map((a) => a.confidence)), sources };
}

/** Every chunk of a hit's section (a long section is several chunks; retrieval may have found one). */
function sectionChunks(retriever: Retriever, g: SectionGroup): Chunk[] {
  const first = g.hits[0]!.chunk;
  const all = retriever.allChunks().filter((c) => c.file === first.file && c.section === first.section && c.lang === first.lang);
  return all.length > 0 ? all : g.hits.map((h) => h.chunk);
}

/** Questions about a length, a limit, a time or an amount: the sentence with the number answers them. */
const NUMBER_QUESTION = /几|多久|多长|多少|多大|哪天|什么时候|啥时候|期限|时限|有效期|位数|how (long|many|much|soon)|when|digits?|days?|limit|deadline/i;
function asksForNumber(question: string): boolean {
  return NUMBER_QUESTION.test(question);
}

interface SectionGroup {
  key: string;
  hits: RetrievalHit[];
}

function groupBySection(hits: RetrievalHit[]): SectionGroup[] {
  const groups = new Map<string, SectionGroup>();
  for (const h of hits) {
    const key = `${h.chunk.file}#${h.chunk.section}`;
    const g = groups.get(key) ?? { key, hits: [] };
    g.hits.push(h);
    groups.set(key, g);
  }
  return [...groups.values()];
}

interface Unit {
  text: string;
  line: number;
  order: number;
  score: number;
}

/**
 * Picks sentences from a section's retrieved chunks: the section's first sentence (the knowledge base is
 * written so that it answers directly), then the sentences sharing most weighted words with the question,
 * up to the target length; printed in document order, list items on their own lines.
 */
/** A section's whole text, in order. */
export function sectionText(chunks: Chunk[]): string {
  const ordered = [...chunks].sort((a, b) => chunkNo(a) - chunkNo(b) || a.headingPath.length - b.headingPath.length);
  return ordered.map((c) => c.text).join('\n').trim();
}

function extract(chunks: Chunk[], query: Map<string, number>, retriever: Retriever, target: number, numeric: boolean): string {
  const ordered = [...chunks].sort((a, b) => chunkNo(a) - chunkNo(b) || a.headingPath.length - b.headingPath.length);
  const full = ordered.map((c) => c.text).join('\n');
  if (full.length <= target * 1.25) return full.trim();
  const english = ordered[0]?.lang === 'en';

  const units: Unit[] = [];
  let line = 0;
  for (const text of full.split('\n')) {
    line++;
    const trimmed = text.trim();
    if (!trimmed) continue;
    // An English sentence is quoted whole: after a semicolon it goes on about what came before ("…cannot
    // then be cancelled; do a completion cancellation instead"), which alone would mislead.
    const parts = /^([-*+]|\d+[.、)])\s/.test(trimmed) ? [trimmed] : english ? trimmed.split(ENGLISH_SENTENCE_END) : (trimmed.match(/[^。！？；!?;]+[。！？；!?;]*/g) ?? [trimmed]);
    for (const p of parts) {
      const t = p.trim();
      if (!t) continue;
      const score = scoreUnit(t, query, retriever);
      // A question about a number is answered by the sentence that has one.
      units.push({ text: t, line, order: units.length, score: numeric && /\d/.test(t) ? score * 1.5 + 1 : score });
    }
  }
  const picked = new Set<Unit>();
  let length = 0;
  const first = units.find((u) => !/[:：]$/.test(u.text)) ?? units[0];
  if (first) {
    picked.add(first);
    length += first.text.length;
  }
  const ranked = units.filter((u) => u.score > 0).sort((a, b) => b.score - a.score || a.order - b.order);
  for (const u of ranked) {
    if (length >= target) break;
    if (picked.has(u)) continue;
    picked.add(u);
    length += u.text.length;
    // A list item rarely makes sense without the line that introduces the list.
    const intro = units.filter((x) => x.order < u.order && /[:：]$/.test(x.text)).pop();
    if (intro && /^([-*+]|\d+[.、)])\s/.test(u.text) && !picked.has(intro)) {
      picked.add(intro);
      length += intro.text.length;
    }
  }
  const inOrder = units.filter((u) => picked.has(u));
  let out = '';
  let prev: Unit | undefined;
  for (const u of inOrder) {
    if (prev) out += u.line === prev.line ? (/[a-z0-9,.;:!?)"]$/i.test(prev.text) ? ' ' : '') : '\n';
    out += u.text;
    prev = u;
  }
  return out.trim();
}

function scoreUnit(text: string, query: Map<string, number>, retriever: Retriever): number {
  let score = 0;
  const seen = new Set<string>();
  for (const t of tokenize(text)) {
    if (seen.has(t)) continue;
    seen.add(t);
    const w = query.get(t);
    if (w) score += w * retriever.idf(t) * (t.startsWith('²') ? 0.5 : 1);
  }
  return score;
}

function chunkNo(c: Chunk): number {
  return Number(c.id.slice(c.id.lastIndexOf('#') + 1)) || 0;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
