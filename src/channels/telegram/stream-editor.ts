/**
 * Streamed replies on Telegram (../streaming.ts): the first interim of a stream is sent as a message,
 * later ones edit it — at most one edit per interval (1 s) per stream, always with the latest text, never
 * with unchanged text — and the final message edits it once more into the complete reply (the adapter
 * sends what does not fit as new messages). A failure here never fails the turn: when the message
 * cannot be edited the adapter sends the final reply as a new message, so the complete text is never lost.
 */
import type { ResourceResponse } from 'botbuilder';
import type { Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Logger } from '../../core/logger.js';
import { escapeHtml, HTML_TEXT, splitText } from './format.js';

/** A streamed reply being shown: one message, edited as the text grows. */
export interface TelegramStream {
  chatId: number;
  /** The message showing the text so far (undefined until the first interim was sent). */
  messageId: number | undefined;
  /** The HTML the message shows, and the HTML it should show next (the latest interim). */
  shown: string;
  latest: string;
  sequence: number;
  lastEditAt: number;
  touchedAt: number;
  timer: NodeJS.Timeout | undefined;
  /** The edit in flight (never rejects). */
  editing: Promise<void> | undefined;
  /** No more interim edits: the first send or an edit failed (the final message is still delivered). */
  broken: boolean;
  /** The final message has taken over. */
  closed: boolean;
}

/** How the first message of a stream quotes the merchant's (asked only when it is sent). */
export type QuoteParameters = () => { reply_parameters?: { message_id: number; allow_sending_without_reply: true } };

/** A stream without its final message for this long is forgotten (the turn failed mid-answer). */
const STREAM_TTL_MS = 10 * 60_000;

/** Telegram's answer to an edit that would change nothing: the message already shows that content. */
function notModified(err: unknown): boolean {
  return err instanceof Error && /message is not modified/i.test(err.message);
}

export class TelegramStreamEditor {
  /** Streamed replies being shown, by `chat:streamId`. */
  private readonly streams = new Map<string, TelegramStream>();

  constructor(
    private readonly api: Api,
    /** Shortest time between two edits of one stream's message. */
    private readonly intervalMs: number,
    private readonly logger: Logger | undefined,
  ) {}

  /**
   * An interim of a streamed reply: the first is sent (awaited, so later ones have a message to edit);
   * later ones only note the latest text, and a timer edits the message at most once per interval.
   */
  async interim(chatId: number, streamId: string, sequence: number, text: string, quote: QuoteParameters): Promise<ResourceResponse> {
    const key = `${chatId}:${streamId}`;
    // Only what one message can hold: a longer reply is split when it is complete.
    const html = escapeHtml(splitText(text)[0] ?? '');
    const now = Date.now();
    let stream = this.streams.get(key);
    if (stream) {
      if (stream.closed || stream.broken || sequence <= stream.sequence || !html) return { id: stream.messageId === undefined ? '' : String(stream.messageId) };
      stream.sequence = sequence;
      stream.latest = html;
      stream.touchedAt = now;
      this.scheduleEdit(stream);
      return { id: String(stream.messageId) };
    }
    if (!html) return { id: '' };
    this.forgetStaleStreams(now);
    stream = { chatId, messageId: undefined, shown: html, latest: html, sequence, lastEditAt: now, touchedAt: now, timer: undefined, editing: undefined, broken: false, closed: false };
    this.streams.set(key, stream);
    try {
      const sent = await this.api.sendMessage(chatId, html, { ...HTML_TEXT, ...quote() });
      stream.messageId = sent.message_id;
      stream.lastEditAt = Date.now();
      return { id: String(sent.message_id) };
    } catch (err) {
      stream.broken = true;
      this.logger?.warn({ err }, 'telegram: could not send a streamed reply; the complete reply follows');
      return { id: '' };
    }
  }

  /** The final message takes over: no more interim edits (the one in flight is waited for). */
  async end(chatId: number, streamId: string): Promise<TelegramStream | undefined> {
    const key = `${chatId}:${streamId}`;
    const stream = this.streams.get(key);
    if (!stream) return undefined;
    this.streams.delete(key);
    stream.closed = true;
    clearTimeout(stream.timer);
    stream.timer = undefined;
    await stream.editing;
    return stream;
  }

  /** Edits the streamed message into the first part of the complete reply; false when it could not. */
  async editFinal(stream: TelegramStream, chunk: string, keyboard: InlineKeyboardMarkup | undefined): Promise<boolean> {
    const html = escapeHtml(chunk);
    if (html === stream.shown && !keyboard) return true;
    try {
      await this.api.editMessageText(stream.chatId, stream.messageId!, html, { ...HTML_TEXT, ...(keyboard ? { reply_markup: keyboard } : {}) });
      return true;
    } catch (err) {
      // "Not modified": the message already shows exactly this (text and keyboard).
      if (notModified(err)) return true;
      this.logger?.warn({ err }, 'telegram: could not edit a streamed reply into the complete one; sending it as a new message');
      return false;
    }
  }

  /** Plans the next edit (unless one is planned or running: that one reschedules when it is done). */
  private scheduleEdit(stream: TelegramStream): void {
    if (stream.timer || stream.editing || stream.closed) return;
    const wait = Math.max(0, stream.lastEditAt + this.intervalMs - Date.now());
    stream.timer = setTimeout(() => {
      stream.timer = undefined;
      this.flushEdit(stream);
    }, wait);
    stream.timer.unref();
  }

  /** Edits the message to the latest text (skipped when it already shows it). */
  private flushEdit(stream: TelegramStream): void {
    if (stream.closed || stream.broken || stream.messageId === undefined) return;
    const html = stream.latest;
    if (html === stream.shown) return;
    stream.lastEditAt = Date.now();
    stream.editing = this.api
      .editMessageText(stream.chatId, stream.messageId, html, HTML_TEXT)
      .then(
        () => {
          stream.shown = html;
        },
        (err: unknown) => {
          if (notModified(err)) stream.shown = html;
          else {
            stream.broken = true;
            this.logger?.warn({ err }, 'telegram: could not edit a streamed reply; the complete reply follows');
          }
        },
      )
      .finally(() => {
        stream.editing = undefined;
        if (!stream.closed && !stream.broken && stream.latest !== stream.shown) this.scheduleEdit(stream);
      });
  }

  private forgetStaleStreams(now: number): void {
    for (const [key, stream] of this.streams) {
      if (now - stream.touchedAt < STREAM_TTL_MS) continue;
      clearTimeout(stream.timer);
      stream.closed = true;
      this.streams.delete(key);
    }
  }
}
