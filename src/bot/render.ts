/**
 * Turns a knowledge answer into the text a merchant reads: the passage(s), then where they come from.
 * Shared by the bot and the `ask` command so both say exactly the same thing.
 */
import { t, type Locale } from '../i18n/messages.js';
import type { Answer, AnswerSource } from '../knowledge/answer.js';

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
