/**
 * What every chat-platform adapter does the same way with an outgoing message's words: its language, the
 * agent's name before a person's reply, the titles of its buttons (listed as numbered options where a
 * platform has no buttons).
 */
import type { Activity } from 'botbuilder';
import type { Locale } from '../core/locale.js';

/** English when the activity's locale (or a platform's language code) says so; Chinese otherwise. */
export function channelLocale(code: string | undefined): Locale {
  return code?.toLowerCase().startsWith('en') ? 'en' : 'zh-CN';
}

/** The message's text, with the agent's name first when a person wrote it ("客服 小王：\n…"). */
export function labelledText(activity: Partial<Activity>, locale: Locale): string {
  const text = activity.text ?? '';
  const agent = (activity.channelData as { handoff?: { agent?: unknown } } | undefined)?.handoff?.agent;
  if (typeof agent !== 'string' || !agent || !text) return text;
  return `${locale === 'zh-CN' ? `客服 ${agent}` : `Agent ${agent}`}：\n${text}`;
}

/** The suggested actions' titles (or string values), blank ones left out. */
export function actionTitles(activity: Partial<Activity>): string[] {
  return (activity.suggestedActions?.actions ?? []).map((a) => (a.title || (typeof a.value === 'string' ? a.value : '')).trim()).filter(Boolean);
}
