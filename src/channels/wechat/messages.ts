/**
 * What the WeChat channel itself says (the bot's own text lives in src/i18n): why a file was not taken,
 * and what the kinds of message it does not take are called. WeChat tells nothing about a contact's
 * language: Chinese.
 */
import type { Locale } from '../../core/locale.js';
export type WechatLocale = Locale;

export { refusalText, type FileRefusal } from '../file-refusals.js';

/** Names of WeChat message kinds the channel does not take (keys: wechaty `types.Message` names). */
export function kindName(locale: WechatLocale, kind: string): string {
  const names: Record<string, [string, string]> = {
    Audio: ['语音消息', 'voice messages'],
    Video: ['视频', 'videos'],
    Emoticon: ['表情', 'stickers'],
    Location: ['位置', 'locations'],
    Contact: ['名片', 'contact cards'],
    Url: ['链接', 'links'],
    MiniProgram: ['小程序', 'mini programs'],
    Transfer: ['转账', 'transfers'],
    RedEnvelope: ['红包', 'red envelopes'],
    ChatHistory: ['聊天记录', 'chat histories'],
  };
  const name = names[kind] ?? ['这类消息', 'this kind of message'];
  return locale === 'zh-CN' ? name[0] : name[1];
}

