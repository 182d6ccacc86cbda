/**
 * What the Telegram channel itself says (the bot's own text lives in src/i18n): why a file was not
 * taken, the command menu, and what each command means to the bot.
 */
import type { Locale } from '../../core/locale.js';
export type TelegramLocale = Locale;

export { refusalText, type FileRefusal } from '../file-refusals.js';

/** Names of message kinds the channel does not take, for `unsupported_message`. */
export function kindName(locale: TelegramLocale, kind: string): string {
  const names: Record<string, [string, string]> = {
    sticker: ['贴纸', 'stickers'],
    voice: ['语音消息', 'voice messages'],
    audio: ['音频', 'audio'],
    video: ['视频', 'videos'],
    video_note: ['视频消息', 'video messages'],
    animation: ['动图', 'animations'],
    location: ['位置', 'locations'],
    venue: ['地点', 'venues'],
    contact: ['联系人名片', 'contacts'],
    poll: ['投票', 'polls'],
    dice: ['骰子', 'dice'],
  };
  const name = names[kind] ?? ['这类消息', 'this kind of message'];
  return locale === 'zh-CN' ? name[0] : name[1];
}

/** A button that was already used, or whose answer is no longer known. */
export function staleButtonText(locale: TelegramLocale): string {
  return locale === 'zh-CN' ? '这个选项已失效，请直接输入您的回答。' : 'This option has expired; please type your answer.';
}

/** Text carrying an inline keyboard when the activity had buttons but no text. */
export function chooseText(locale: TelegramLocale): string {
  return locale === 'zh-CN' ? '请选择：' : 'Please choose:';
}


/**
 * The command menu (`setMyCommands`) and what each command says to the bot. `/start` is not a message:
 * it opens the conversation (the bot greets, or resumes a request half filled in).
 */
export const COMMANDS = ['start', 'help', 'status', 'human'] as const;
export type TelegramCommand = (typeof COMMANDS)[number];

export const COMMAND_MENU: Record<TelegramLocale, { command: TelegramCommand; description: string }[]> = {
  'zh-CN': [
    { command: 'start', description: '开始使用 / 查看可以办理的业务' },
    { command: 'help', description: '帮助' },
    { command: 'status', description: '查询申请状态' },
    { command: 'human', description: '转人工客服' },
  ],
  en: [
    { command: 'start', description: 'Start / what I can help with' },
    { command: 'help', description: 'Help' },
    { command: 'status', description: 'Check my request status' },
    { command: 'human', description: 'Talk to a human agent' },
  ],
};

/** The words a command stands for: the same the bot's buttons say (src/i18n/messages.ts). */
export const COMMAND_TEXT: Record<TelegramLocale, Record<Exclude<TelegramCommand, 'start'>, string>> = {
  'zh-CN': { help: '帮助', status: '查询申请状态', human: '转人工客服' },
  en: { help: 'help', status: 'Check my request status', human: 'Talk to a human agent' },
};
