/**
 * Telegram's formatting rules, kept pure so they are easy to test:
 * - text goes out with `parse_mode: 'HTML'`, so `&`, `<` and `>` in anything the bot or an agent wrote
 *   are escaped (nothing a merchant or an agent types can become markup);
 * - one message carries at most 4096 characters (after entity parsing); longer replies are split at the
 *   best boundary below the limit: a paragraph, a line, a sentence end, a clause, a space — a hard cut
 *   only when a single "sentence" is longer than a whole message;
 * - inline keyboard buttons carry at most 64 bytes of `callback_data`.
 */
import { createHash } from 'node:crypto';

/** Telegram's limit for one message's text, in UTF-16 code units after entity parsing. */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** Telegram's limit for a button's `callback_data`, in bytes. */
export const CALLBACK_DATA_LIMIT = 64;

/** How every text message is sent: escaped HTML, no link previews. */
export const HTML_TEXT = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } } as const;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** How long `text` is once escaped (what the HTML parser receives). */
function escapedLength(text: string): number {
  let n = text.length;
  for (const ch of text) if (ch === '&') n += 4; else if (ch === '<' || ch === '>') n += 3;
  return n;
}

/** Boundaries, best first: where a chunk may end (the index just after the match). */
const BOUNDARIES: RegExp[] = [
  /\n\s*\n/g, // paragraph
  /\n/g, // line
  /[。！？!?；;…]+[”’"'）)」』]*|\.(?=\s)/g, // sentence end (Chinese and Latin)
  /[，,、：:]/g, // clause
  /\s+/g, // word
];

/**
 * Splits `text` into chunks whose escaped length is at most `limit`, at the best boundary in the last
 * half of each window (so chunks are not tiny). Whitespace at the cut is dropped; nothing else is.
 */
export function splitText(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    if (escapedLength(rest) <= limit) {
      chunks.push(rest);
      break;
    }
    // The longest prefix whose escaped form fits.
    let fit = 0;
    let size = 0;
    while (fit < rest.length) {
      const ch = rest[fit]!;
      const add = ch === '&' ? 5 : ch === '<' || ch === '>' ? 4 : 1;
      if (size + add > limit) break;
      size += add;
      fit++;
    }
    const window = rest.slice(0, fit);
    let cut = -1;
    for (const boundary of BOUNDARIES) {
      boundary.lastIndex = 0;
      let best = -1;
      for (let m = boundary.exec(window); m; m = boundary.exec(window)) {
        const end = m.index + m[0].length;
        if (end <= window.length && end >= fit / 2) best = end;
        if (m[0].length === 0) boundary.lastIndex++;
      }
      if (best > 0) {
        cut = best;
        break;
      }
    }
    if (cut <= 0) {
      cut = fit;
      // Never cut a surrogate pair (an emoji, a rare CJK character) in two.
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff && cut > 1) cut--;
    }
    const chunk = rest.slice(0, cut).trimEnd();
    if (chunk) chunks.push(chunk);
    rest = rest.slice(cut).trimStart();
  }
  return chunks;
}

/**
 * `callback_data` for a button whose answer is `value`: the value itself (`v:` + value) when it fits in
 * 64 bytes, otherwise a short key (`k:` + 16 characters of its SHA-256) the adapter maps back.
 */
export function callbackDataFor(value: string): { data: string; key?: string } {
  const inline = `v:${value}`;
  if (Buffer.byteLength(inline, 'utf8') <= CALLBACK_DATA_LIMIT) return { data: inline };
  const key = `k:${createHash('sha256').update(value).digest('base64url').slice(0, 16)}`;
  return { data: key, key };
}

export interface InlineButton {
  text: string;
  callback_data: string;
}

/**
 * Lays buttons out: short labels (ratings 1–5, 是/否) side by side in one row, longer ones (topics,
 * actions) one per row so they are readable on a phone.
 */
export function layoutKeyboard(buttons: InlineButton[]): InlineButton[][] {
  const total = buttons.reduce((n, b) => n + b.text.length, 0);
  if (buttons.length <= 5 && total <= 16) return [buttons];
  return buttons.map((b) => [b]);
}

/** `tg:<chat id>` ↔ chat id. */
export function conversationIdFor(chatId: number): string {
  return `tg:${chatId}`;
}

export function chatIdOf(conversationId: string | undefined): number {
  const m = /^tg:(-?\d+)$/.exec(conversationId ?? '');
  if (!m) throw new Error(`telegram: not a Telegram conversation id: ${JSON.stringify(conversationId)}`);
  return Number(m[1]);
}

/** Telegram's `language_code` → the locale an activity carries (the bot knows zh-CN and en). */
export function localeFromLanguageCode(code: string | undefined): string | undefined {
  if (!code) return undefined;
  const lower = code.toLowerCase();
  if (lower.startsWith('zh')) return 'zh-CN';
  if (lower.startsWith('en')) return 'en';
  return code;
}
