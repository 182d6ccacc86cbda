/** Every string the widget shows, in Chinese and English. Server error messages come already translated. */
export type { Locale } from '../../../core/locale.js';
import type { Locale } from '../../../core/locale.js';

const zh = {
  title: 'POS Assist 智能客服',
  open: '打开在线客服',
  close: '关闭在线客服',
  minimise: '最小化',
  switchLang: 'Switch to English',
  langButton: 'EN',
  log: '聊天记录',
  placeholder: '请输入您的问题…',
  send: '发送',
  attach: '添加图片或 PDF',
  remove: '移除',
  typing: '正在输入…',
  connecting: '连接中…',
  reconnecting: '已断开，正在重连…',
  connected: '已连接',
  sending: '发送中…',
  retry: '发送失败，点此重试',
  empty: '您好！我可以解答撤销、退货、暂停结算等收单问题，也可以看签购单照片。请不要发送完整卡号或密码。',
  suggestions: '建议的回复',
  unread: '有新消息',
  newConversation: '之前的会话已过期，已为您开始新的会话。',
  network: '网络连接失败，请检查网络后重试。',
  failed: '发送失败，请稍后重试。',
  fileType: '仅支持 JPG、PNG、WebP、GIF 图片和 PDF 文件：',
  fileSize: '文件超过 10 MB，无法发送：',
  fileCount: '每条消息最多发送 5 个文件。',
  image: '图片',
  file: '文件',
  you: '我',
  bot: '客服',
};

export type Strings = typeof zh;
export type StringKey = keyof Strings;

const en: Strings = {
  title: 'POS Assist',
  open: 'Open support chat',
  close: 'Close support chat',
  minimise: 'Minimise',
  switchLang: '切换到中文',
  langButton: '中文',
  log: 'Conversation',
  placeholder: 'Type your question…',
  send: 'Send',
  attach: 'Add an image or PDF',
  remove: 'Remove',
  typing: 'typing…',
  connecting: 'Connecting…',
  reconnecting: 'Disconnected, reconnecting…',
  connected: 'Connected',
  sending: 'Sending…',
  retry: 'Not sent. Click to retry',
  empty: 'Hello! Ask me about voids, refunds or suspending settlement, or send a photo of a sales slip. Never send a full card number or a PIN.',
  suggestions: 'Suggested replies',
  unread: 'New message',
  newConversation: 'Your previous conversation had expired, so a new one has started.',
  network: 'No network connection. Check it and try again.',
  failed: 'The message was not sent. Please try again later.',
  fileType: 'Only JPG, PNG, WebP, GIF images and PDF files can be sent: ',
  fileSize: 'This file is larger than 10 MB: ',
  fileCount: 'At most 5 files per message.',
  image: 'Image',
  file: 'File',
  you: 'Me',
  bot: 'Support',
};

export const STRINGS: Record<Locale, Strings> = { 'zh-CN': zh, en };

export function toLocale(value: string | null | undefined): Locale | undefined {
  if (!value) return undefined;
  if (/^en\b/i.test(value)) return 'en';
  if (/^zh\b/i.test(value)) return 'zh-CN';
  return undefined;
}
