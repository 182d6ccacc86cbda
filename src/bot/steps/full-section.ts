/** "查看完整说明" after an answer that quoted part of its sections: their whole text, each with its citation. */
import { t, type Locale } from '../../i18n/messages.js';
import { citation } from '../render.js';
import type { TurnStep } from '../turn.js';

export const fullSection: TurnStep = async ({ context, conversation, text, locale }, kit) => {
  const sections = conversation.fullSections;
  if (!sections || (text !== t('zh-CN', 'actionFullSection') && text !== t('en', 'actionFullSection'))) return false;
  delete conversation.fullSections;
  const found = sections.map((s) => kit.options.knowledge.fullSection(s.file, s.section, s.lang)).filter((x) => x !== undefined);
  if (found.length === 0) {
    await kit.say(context, t(locale, 'fullSectionGone'));
    return true;
  }
  const lang: Locale = sections[0]!.lang === 'en' ? 'en' : 'zh-CN';
  const sep = lang === 'en' ? ': ' : '：';
  await kit.say(context, `${found.map((f) => f.text).join('\n\n')}\n\n${t(lang, 'sourcesLabel')}${sep}${found.map((f) => citation(f.source)).join(lang === 'en' ? '; ' : '；')}`);
  return true;
};
