/**
 * Turns a knowledge answer into the text a merchant reads: the passage(s), then where they come from.
 * Shared by the bot and the `ask` command so both say exactly the same thing.
 */
import { t, type Locale } from '../i18n/messages.js';
import type { Answer, AnswerSource } from '../knowledge/answer.js';
import type { RetrievalHit } from '../knowledge/retriever.js';
import type { Passage } from '../knowledge/grounded-answer.js';

export function citation(source: AnswerSource): string {
  return `《${source.title}》› ${source.headingPath.join(' › ') || source.section}`;
}

export function renderAnswer(answer: Answer, locale: Locale): string {
  if (!answer.answered) return t(locale, 'noAnswer');
  const intro = t(locale, 'answerIntro');
  const body = answer.passages.join('\n\n');
  const sep = locale === 'en' ? ': ' : '：';
  const sources = `${t(locale, 'sourcesLabel')}${sep}${answer.sources.map(citation).join(locale === 'en' ? '; ' : '；')}`;
  return [intro, body, sources].filter(Boolean).join('\n\n');
}

/** A model's grounded answer: its text with [n] citations, then the numbered sources it cited. */
export function renderGrounded(text: string, cited: Passage[], locale: Locale): string {
  const sep = locale === 'en' ? ': ' : '：';
  const sources = cited.map((p) => `[${p.n}] ${citation(p.source)}`).join(locale === 'en' ? '; ' : '；');
  return `${text}\n\n${t(locale, 'sourcesLabel')}${sep}${sources}`;
}

/** The citation of one retrieved chunk. */
export function sourceOfHit(hit: RetrievalHit): AnswerSource {
  const c = hit.chunk;
  return { file: c.file, title: c.title, section: c.section, headingPath: c.headingPath, chunkId: c.id, score: Math.round(hit.score * 10000) / 10000 };
}
