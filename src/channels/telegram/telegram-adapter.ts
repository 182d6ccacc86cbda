/**
 * Telegram as a channel (grammY). Like every channel it only translates; the base class masks card
 * numbers, keeps the transcript and runs one conversation's turns one at a time.
 *
 * Inbound (an `Update` from long polling or the webhook):
 * - each update is stored (card-masked) in the inbound journal (../inbound-journal.ts) before Telegram is
 *   told it arrived — grammY asks for the next polling offset, or answers the webhook call, only when
 *   `receive` has resolved — and marked processed when its turn is done; updates stored by a process that
 *   died before answering them are run at the next start (`replayPending`), and an update on record
 *   already (Telegram redelivering it) is dropped;
 * - text messages; photos (the largest size) and documents are downloaded (`getFile`, then
 *   `<apiRoot>/file/bot<token>/<file_path>`) after checking the size Telegram declares, and stored by
 *   their bytes (`storeFile`); a file that is too large or not an image/PDF is answered with the reason,
 *   never dropped silently; stickers, voice messages and the like are answered likewise;
 * - a button press (callback query) becomes a message with the button's answer; every query is answered
 *   and the keyboard is removed from the message once used;
 * - in groups only messages that @-mention the bot or reply to one of its messages are processed (the
 *   mention is removed from the text); commands: `/start` opens the conversation (greeting), `/help`,
 *   `/status` and `/human` say what the bot's buttons say;
 * - one chat's updates are handled in arrival order (downloads included); different chats in parallel.
 *   grammY awaits only the storing of an update, so long polling and webhook replies never wait for a turn.
 *
 * Outbound (`deliver`): text with HTML parse mode, escaped, split below 4096 characters at sentence
 * boundaries; suggested actions as an inline keyboard on the last message; stored files as photos or
 * documents uploaded from the files folder; typing as `sendChatAction`. Event activities (handoff
 * status, …) are not sent. `@grammyjs/auto-retry` waits out 429 `retry_after`.
 *
 * Streamed replies (../streaming.ts) are one message edited as the text grows (stream-editor.ts: at most
 * one edit per `streamEditIntervalMs`); the final message edits it into the complete reply (with its
 * keyboard; a reply longer than one message continues in new messages), or is sent as a new message when
 * the edit fails. Downloads and uploads are in files.ts.
 *
 * Conversation id `tg:<chat id>`, user id `tg:<user id>`, locale from the user's `language_code`.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { autoRetry } from '@grammyjs/auto-retry';
import { ActivityTypes, type Activity, type Attachment, type CardAction, type ResourceResponse } from 'botbuilder';
import { Bot } from 'grammy';
import type {
  CallbackQuery,
  Chat,
  InlineKeyboardButton,
  InlineKeyboardMarkup,
  MaybeInaccessibleMessage,
  Message,
  MessageEntity,
  Update,
  User,
  UserFromGetMe,
} from 'grammy/types';
import type { Logger } from '../../core/logger.js';
import type { SqlTranscriptStore } from '../../store/transcript-store.js';
import { BOT_ACCOUNT, ChannelAdapter, type BotLogic, type TurnOptions } from '../channel-adapter.js';
import { InboundInbox, type Admission, type InboundJob } from '../inbound-inbox.js';
import type { InboundJournal } from '../inbound-journal.js';
import type { TurnLock } from '../../scale/turn-lock.js';
import type { RateLimit, RateLimitSpec } from '../../scale/rate-limit.js';
import { maskActivity } from '../../privacy/card-mask.js';
import { isInterimStream, streamInfo } from '../streaming.js';
import { incomingFiles, TelegramFiles, type IncomingFile, type OutgoingFile } from './files.js';
import { TelegramStreamEditor } from './stream-editor.js';
import { channelLocale, labelledText } from '../outgoing-text.js';
import {
  callbackDataFor,
  HTML_TEXT,
  chatIdOf,
  conversationIdFor,
  escapeHtml,
  layoutKeyboard,
  localeFromLanguageCode,
  splitText,
  TELEGRAM_TEXT_LIMIT,
} from './format.js';
import {
  chooseText,
  COMMAND_TEXT,
  kindName,
  refusalText,
  staleButtonText,
  type FileRefusal,
  type TelegramLocale,
} from './messages.js';
import { TelegramState } from './telegram-state.js';
import type { InboundLimits } from '../channel-adapter.js';

export const TELEGRAM_CHANNEL_ID = 'telegram';
export const DEFAULT_TELEGRAM_API_ROOT = 'https://api.telegram.org';
/** The update types the channel handles (`allowed_updates` of polling and of the webhook). */
export const TELEGRAM_ALLOWED_UPDATES = ['message', 'callback_query'] as const;
export { TELEGRAM_DOWNLOAD_LIMIT } from './files.js';

/** Message kinds answered with "I can only handle text, images and PDF". */
const UNSUPPORTED_KINDS = ['sticker', 'voice', 'audio', 'video', 'video_note', 'animation', 'location', 'venue', 'contact', 'poll', 'dice'] as const;

export type UpdateOutcome = 'processed' | 'refused' | 'duplicate' | 'ignored' | 'failed';

export interface UpdateHandled {
  updateId: number;
  outcome: UpdateOutcome;
  /** Why an update was ignored or failed (never message content). */
  detail?: string;
}

export interface TelegramAdapterOptions {
  /** What one user may send (CHAT_MESSAGES_PER_MINUTE, CHAT_MAX_TEXT_LENGTH); unset: no limit. */
  inboundLimits?: InboundLimits;
  /** The bot token from @BotFather. */
  token: string;
  /** Bot API server (default https://api.telegram.org; tests point it at a local fake). */
  apiRoot?: string;
  /** The bot's own user (as `getMe` returns it); given, `getMe` is skipped. */
  botInfo?: UserFromGetMe;
  transcripts: SqlTranscriptStore;
  /** The files folder (`config.paths.files`): downloads are stored here, uploads read from here. */
  filesDir: string;
  /** Largest file taken from a merchant (bytes); the Bot API itself serves at most 20 MB. */
  uploadMaxBytes: number;
  /** Where the state file lives (long button answers): `DATA_DIR/telegram`. */
  stateDir: string;
  /** Where updates are stored before they are acknowledged (shared with the other channels). */
  journal: InboundJournal;
  /** The bot (`(context) => runtime.bot.run(context)`). */
  logic: BotLogic;
  /** One turn at a time per conversation across the instances (`coordination.turnLock`); default: this process. */
  turnLock?: TurnLock;
  /** Makes the per-user limits (`coordination.rateLimit`: shared by the instances with Redis); default: this process. */
  rateLimits?: (spec: RateLimitSpec) => RateLimit;
  logger?: Logger;
  /** 429 handling: how long a `retry_after` may be (seconds, default 60) and how many retries (default 3). */
  retry?: { maxDelaySeconds?: number; maxRetryAttempts?: number };
  /** Longest a file download may take (default 60 s). */
  downloadTimeoutMs?: number;
  /** Shortest time between two edits of a streamed reply's message (default 1000 ms; tests shorten it). */
  streamEditIntervalMs?: number;
}

/** An update as it is stored in the inbound journal and run (again, after a restart). */
interface TelegramJob {
  updateId: number;
  chatId: number;
  locale: TelegramLocale;
  /** The inbound activity, card-masked; the downloaded files are added when it runs. */
  activity: Partial<Activity>;
  /** Card numbers masking found in it (the turn is told). */
  masked: number;
  /** Files to download first, by Telegram's `file_id` (it stays valid: a replay downloads them too). */
  files: IncomingFile[];
  /** Why part of it is not taken, known before any download (a sticker, an empty private message). */
  refusals: FileRefusal[];
}

export class TelegramAdapter extends ChannelAdapter {
  readonly bot: Bot;
  /** Emits `'update'` with an `UpdateHandled` when an update has been handled (or dropped). */
  readonly events = new EventEmitter();
  readonly state: TelegramState;
  private readonly options: TelegramAdapterOptions;
  private readonly apiRoot: string;
  private readonly logger: Logger | undefined;
  /** Stores each update, then runs one chat's (downloads, then the turn) in arrival order. */
  private readonly inbox: InboundInbox<TelegramJob, UpdateHandled>;
  /** A pressed button's query being answered (the turn waits for it), by update id. */
  private readonly acks = new Map<number, Promise<void>>();
  /** Keyboards already used (`chat:message`), so a second quick press is not taken twice. */
  private readonly usedKeyboards = new Set<string>();
  /** Inbound group messages already quoted by a reply (only the first reply of a turn quotes). */
  private readonly quoted = new Set<string>();
  /** Downloads what merchants send, uploads what the bot sends. */
  private readonly files: TelegramFiles;
  /** Streamed replies: one message, edited as the text grows. */
  private readonly streamEditor: TelegramStreamEditor;

  constructor(options: TelegramAdapterOptions) {
    super({
      channelId: TELEGRAM_CHANNEL_ID,
      transcripts: options.transcripts,
      capabilities: { suggestedActions: true, markdown: false, attachments: true, typing: true, streaming: true, maxTextLength: TELEGRAM_TEXT_LIMIT },
      ...(options.inboundLimits ? { inboundLimits: options.inboundLimits } : {}),
      ...(options.turnLock ? { turnLock: options.turnLock } : {}),
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    });
    this.options = options;
    this.logger = options.logger;
    this.apiRoot = (options.apiRoot ?? DEFAULT_TELEGRAM_API_ROOT).replace(/\/+$/, '');
    this.bot = new Bot(options.token, {
      client: { apiRoot: this.apiRoot },
      ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    });
    this.bot.api.config.use(
      autoRetry({
        maxDelaySeconds: options.retry?.maxDelaySeconds ?? 60,
        maxRetryAttempts: options.retry?.maxRetryAttempts ?? 3,
        // A network failure is reported, not retried forever (a turn would hold its conversation).
        rethrowHttpErrors: true,
      }),
    );
    this.files = new TelegramFiles({
      api: this.bot.api,
      apiRoot: this.apiRoot,
      token: options.token,
      filesDir: options.filesDir,
      uploadMaxBytes: options.uploadMaxBytes,
      downloadTimeoutMs: options.downloadTimeoutMs,
      logger: this.logger,
    });
    this.streamEditor = new TelegramStreamEditor(this.bot.api, options.streamEditIntervalMs ?? 1000, this.logger);
    const botId = options.token.split(':')[0] || 'bot';
    this.state = new TelegramState(join(options.stateDir, `bot-${botId}.json`));
    if (this.state.loadError) this.logger?.warn({ err: this.state.loadError, file: this.state.file }, 'telegram state file unreadable; starting empty');
    this.inbox = new InboundInbox<TelegramJob, UpdateHandled>({
      // Update ids are counted per bot: another bot's (a changed token) are other updates.
      channel: `${TELEGRAM_CHANNEL_ID}:${botId}`,
      journal: options.journal,
      work: (job, _replayed, turn) => this.run(job, turn),
      failed: (err, job) => {
        this.logger?.error({ err, updateId: job.updateId, chatId: job.chatId }, 'telegram update could not be handled');
        return { updateId: job.updateId, outcome: 'failed', detail: err instanceof Error ? err.message : String(err) };
      },
      done: (handled) => this.emitHandled(handled),
      journalError: (err, context) => this.logger?.error({ err, updateId: context.platformId, step: context.step }, 'telegram: inbound journal not written'),
    });
    this.bot.use(async (ctx) => {
      await this.receive(ctx.update);
    });
    this.bot.catch((err) => {
      this.logger?.error({ err: err.error, updateId: err.ctx.update.update_id }, 'telegram update failed');
    });
  }

  // ── Inbound ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * Takes one update (grammY calls this for polling and webhook updates alike, and awaits it; tests may
   * call it too). Resolves once the update is stored in the inbound journal — only then does grammY ask
   * for the next polling offset (which confirms the update to Telegram) or answer the webhook call; the
   * download and the turn run afterwards, in the chat's order. `settled()` waits for them.
   */
  async receive(update: Update): Promise<void> {
    const updateId = update.update_id;
    let admission: Admission;
    try {
      const chatId = update.message?.chat.id ?? update.callback_query?.message?.chat.id;
      admission = await this.inbox.admit(String(chatId ?? 'none'), () => this.prepare(update));
    } catch (err) {
      this.logger?.error({ err, updateId }, 'telegram update could not be handled');
      this.emitHandled({ updateId, outcome: 'failed', detail: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (admission === 'duplicate') {
      this.acks.delete(updateId);
      this.logger?.info({ updateId }, 'telegram update already handled; skipped');
      this.emitHandled({ updateId, outcome: 'duplicate' });
    }
  }

  /**
   * Runs the updates stored by an earlier process that stopped before their turns finished (in the order
   * they came, before any new update of their chats). `startTelegram` calls it before polling starts.
   */
  async replayPending(): Promise<number> {
    return this.inbox.replay();
  }

  /** Resolves when every update received so far has been handled. */
  async settled(): Promise<void> {
    await this.inbox.settled();
  }

  private emitHandled(handled: UpdateHandled): void {
    this.events.emit('update', handled);
  }

  private get me(): UserFromGetMe {
    return this.bot.botInfo;
  }

  /** What an update asks the bot to do, as it is stored; undefined (reported as ignored) when nothing. */
  private prepare(update: Update): InboundJob<TelegramJob> | undefined {
    const updateId = update.update_id;
    const prepared = update.message
      ? this.prepareMessage(updateId, update.message)
      : update.callback_query
        ? this.prepareChoice(updateId, update.callback_query)
        : { updateId, outcome: 'ignored' as const, detail: 'update type not handled' };
    if (prepared === 'reported') return undefined;
    if ('outcome' in prepared) {
      this.emitHandled(prepared);
      return undefined;
    }
    // Masked here, once, before it is stored (also a card number begun in the chat's previous message).
    const { value: activity, count } = this.maskInbound({ ...prepared.activity, timestamp: new Date() });
    const files = maskActivity(prepared.files).value;
    return { platformId: String(updateId), payload: { ...prepared, activity, masked: count, files } };
  }

  private prepareMessage(updateId: number, message: Message): Omit<TelegramJob, 'masked'> | UpdateHandled {
    const from = message.from;
    if (!from || from.is_bot) return { updateId, outcome: 'ignored', detail: 'not from a person' };
    const isGroup = message.chat.type !== 'private';
    let text = message.text ?? message.caption ?? '';
    const entities = message.entities ?? message.caption_entities ?? [];
    const locale = channelLocale(from.language_code);
    const job = { updateId, chatId: message.chat.id, locale, files: [] as IncomingFile[], refusals: [] as FileRefusal[] };

    if (isGroup) {
      const { mentioned, stripped } = this.mentions(text, entities);
      const repliedToBot = message.reply_to_message?.from?.id === this.me.id;
      if (!mentioned && !repliedToBot) return { updateId, outcome: 'ignored', detail: 'group message not addressed to the bot' };
      text = stripped;
    }

    // Commands: /start opens the conversation; the others say what the bot's buttons say.
    const command = this.command(text, entities);
    if (command === 'other-bot') return { updateId, outcome: 'ignored', detail: "another bot's command" };
    if (command === 'start') {
      return { ...job, activity: this.activity(message, from, { type: ActivityTypes.ConversationUpdate, membersAdded: [this.account(from)] }, updateId) };
    }
    if (command) text = COMMAND_TEXT[locale][command];

    const files = incomingFiles(message);
    const refusals: FileRefusal[] = [];
    const kind = UNSUPPORTED_KINDS.find((k) => message[k] !== undefined);
    if (kind && !text && files.length === 0) refusals.push({ reason: 'unsupported_message', kind: kindName(locale, kind) });
    if (!text && files.length === 0 && refusals.length === 0) {
      // Service messages (members joined, pinned, …) are not for the bot; in a private chat, say so.
      if (isGroup) return { updateId, outcome: 'ignored', detail: 'no content' };
      refusals.push({ reason: 'unsupported_message', kind: kindName(locale, 'other') });
    }
    return { ...job, files, refusals, activity: this.activity(message, from, { type: ActivityTypes.Message, text }, updateId) };
  }

  /**
   * A pressed button: its answer is resolved at once (no I/O), and the query is answered and the keyboard
   * removed without waiting for earlier turns of the chat (the turn waits for that). A stale button
   * (already used, or its answer no longer known) is answered so and ignored.
   */
  private prepareChoice(updateId: number, query: CallbackQuery): Omit<TelegramJob, 'masked'> | 'reported' {
    const message = query.message;
    const locale = channelLocale(query.from.language_code);
    const used = message ? `${message.chat.id}:${message.message_id}` : '';
    const choice = message ? this.answerOf(query.data, message) : undefined;
    if (!message || !choice || this.usedKeyboards.has(used)) {
      // Reported when answered (without holding up the updates after it).
      void this.bot.api
        .answerCallbackQuery(query.id, message ? { text: staleButtonText(locale) } : {})
        .catch((err: unknown) => this.logger?.warn({ err }, 'telegram: answerCallbackQuery failed'))
        .finally(() => this.emitHandled({ updateId, outcome: 'ignored', detail: 'stale button' }));
      return 'reported';
    }
    this.usedKeyboards.add(used);
    if (this.usedKeyboards.size > 1000) this.usedKeyboards.delete(this.usedKeyboards.values().next().value!);
    this.acks.set(
      updateId,
      Promise.all([
        this.bot.api.answerCallbackQuery(query.id).catch((err: unknown) => this.logger?.warn({ err }, 'telegram: answerCallbackQuery failed')),
        // The choice is made: the keyboard goes, so an old question cannot be answered again.
        this.bot.api
          .editMessageReplyMarkup(message.chat.id, message.message_id)
          .catch((err: unknown) => this.logger?.warn({ err }, 'telegram: could not remove the inline keyboard')),
      ]).then(() => undefined),
    );
    const activity = this.activity(
      { chat: message.chat, message_id: message.message_id },
      query.from,
      { type: ActivityTypes.Message, text: choice, id: `cb:${query.id}` },
      updateId,
      { callbackQuery: { id: query.id, messageId: message.message_id } },
    );
    return { updateId, chatId: message.chat.id, locale, activity, files: [], refusals: [] };
  }

  /** Runs one stored update: its files are downloaded (a refusal says why one was not taken), then the turn. */
  private async run(job: TelegramJob, turn: TurnOptions): Promise<UpdateHandled> {
    const { updateId, locale } = job;
    // A pressed button's query is answered first (not after a restart: the query has expired by then).
    const ack = this.acks.get(updateId);
    this.acks.delete(updateId);
    await ack;
    const logic = this.options.logic;
    // The arrival time (a replayed update's comes back from the journal as text).
    const stored: Partial<Activity> = { ...job.activity, timestamp: new Date(job.activity.timestamp ?? Date.now()) };
    if (stored.type !== ActivityTypes.Message) {
      await this.processActivity(stored, logic, { ...turn, maskedBefore: job.masked });
      return { updateId, outcome: 'processed' };
    }
    const attachments: Partial<Attachment>[] = [];
    const refusals: FileRefusal[] = [];
    for (const file of job.files) {
      const result = await this.files.download(file);
      if ('reason' in result) refusals.push(result);
      else attachments.push(result);
    }
    refusals.push(...job.refusals);
    const telegram = (stored.channelData as { telegram?: Record<string, unknown> } | undefined)?.telegram ?? {};
    const activity: Partial<Activity> = {
      ...stored,
      ...(attachments.length ? { attachments: attachments as Attachment[] } : {}),
      ...(refusals.length
        ? { channelData: { telegram: { ...telegram, refused: refusals.map((r) => ('name' in r ? { reason: r.reason, name: r.name } : { reason: r.reason })) } } }
        : {}),
    };
    if (refusals.length === 0) {
      await this.processActivity(activity, logic, { ...turn, maskedBefore: job.masked });
      return { updateId, outcome: 'processed' };
    }
    // Say why each file was not taken; whatever else came with it (text, other files) still goes to the bot.
    await this.processActivity(
      activity,
      async (context) => {
        for (const refusal of refusals) await context.sendActivity(refusalText(locale, refusal));
        if (activity.text || attachments.length) await logic(context);
      },
      { ...turn, maskedBefore: job.masked },
    );
    for (const r of refusals) this.logger?.info({ updateId, reason: r.reason }, 'telegram file refused');
    return { updateId, outcome: 'refused' };
  }

  private answerOf(data: string | undefined, message: MaybeInaccessibleMessage): string | undefined {
    if (!data) return undefined;
    if (data.startsWith('v:')) return data.slice(2) || undefined;
    const known = data.startsWith('k:') ? this.state.answerFor(data) : undefined;
    if (known) return known;
    // Not on record (e.g. another deployment's key): the pressed button's label is the answer.
    const keyboard = 'reply_markup' in message ? message.reply_markup?.inline_keyboard : undefined;
    const button = keyboard?.flat().find((b): b is InlineKeyboardButton.CallbackButton => 'callback_data' in b && b.callback_data === data);
    return button?.text;
  }

  /** Whether the bot is @-mentioned (or addressed by `/cmd@bot`), and the text without the mention. */
  private mentions(text: string, entities: MessageEntity[]): { mentioned: boolean; stripped: string } {
    const username = (this.me.username ?? '').toLowerCase();
    let mentioned = false;
    const cuts: [number, number][] = [];
    for (const e of entities) {
      const part = text.slice(e.offset, e.offset + e.length);
      if (e.type === 'mention' && username && part.toLowerCase() === `@${username}`) {
        mentioned = true;
        cuts.push([e.offset, e.offset + e.length]);
      } else if (e.type === 'text_mention' && e.user?.id === this.me.id) {
        mentioned = true;
        cuts.push([e.offset, e.offset + e.length]);
      } else if (e.type === 'bot_command' && username && part.toLowerCase().endsWith(`@${username}`)) {
        mentioned = true;
      }
    }
    if (!mentioned && entities.length === 0 && username) {
      // Entities are always sent by Telegram; without them (a relay, a test client) the text decides.
      const plain = new RegExp(`@${username}(?![A-Za-z0-9_])`, 'i').exec(text);
      if (plain) {
        mentioned = true;
        cuts.push([plain.index, plain.index + plain[0].length]);
      }
    }
    let stripped = text;
    for (const [start, end] of cuts.sort((a, b) => b[0] - a[0])) stripped = stripped.slice(0, start) + stripped.slice(end);
    return { mentioned, stripped: stripped.replace(/[ \t]{2,}/g, ' ').trim() };
  }

  /** The command at the start of the text, if any: ours, or `other-bot` for `/cmd@someone_else`. */
  private command(text: string, entities: MessageEntity[]): 'start' | 'help' | 'status' | 'human' | 'other-bot' | undefined {
    const m = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,}))?(?=\s|$)/.exec(text);
    if (!m) return undefined;
    // Telegram marks commands with a bot_command entity (offsets may have moved: a mention was stripped).
    if (entities.length > 0 && !entities.some((e) => e.type === 'bot_command')) return undefined;
    if (m[2] && m[2].toLowerCase() !== (this.me.username ?? '').toLowerCase()) return 'other-bot';
    const name = m[1]!.toLowerCase();
    return name === 'start' || name === 'help' || name === 'status' || name === 'human' ? name : undefined;
  }

  private account(user: User): { id: string; name: string } {
    const name = [user.first_name, user.last_name].filter(Boolean).join(' ') || user.username || String(user.id);
    return { id: `tg:${user.id}`, name };
  }

  private activity(
    message: { chat: Chat; message_id: number },
    from: User,
    fields: Partial<Activity>,
    updateId: number,
    extra: Record<string, unknown> = {},
  ): Partial<Activity> {
    const chat = message.chat;
    const isGroup = chat.type !== 'private';
    const chatName = ('title' in chat && chat.title) || ('username' in chat && chat.username) || ('first_name' in chat && chat.first_name) || '';
    const locale = localeFromLanguageCode(from.language_code);
    return {
      id: String(message.message_id),
      ...fields,
      channelId: TELEGRAM_CHANNEL_ID,
      conversation: { id: conversationIdFor(chat.id), isGroup, conversationType: isGroup ? 'groupChat' : 'personal', name: chatName || conversationIdFor(chat.id) },
      from: { ...this.account(from), role: 'user' },
      recipient: { ...BOT_ACCOUNT },
      ...(locale ? { locale } : {}),
      channelData: { telegram: { updateId, chatId: chat.id, chatType: chat.type, messageId: message.message_id, ...extra } },
    };
  }

  // ── Outbound ──────────────────────────────────────────────────────────────────────────────────────

  protected async deliver(activity: Partial<Activity>): Promise<ResourceResponse> {
    const stream = streamInfo(activity);
    if (isInterimStream(activity)) {
      const chatId = chatIdOf(activity.conversation?.id);
      return this.streamEditor.interim(chatId, stream!.streamId, stream!.streamSequence ?? 0, activity.text ?? '', () => this.quoteReply(activity, chatId));
    }
    if (activity.type === ActivityTypes.Typing) {
      const chatId = chatIdOf(activity.conversation?.id);
      // Best effort: a lost typing indicator must not fail the turn.
      await this.bot.api.sendChatAction(chatId, 'typing').catch((err: unknown) => this.logger?.debug({ err }, 'telegram: sendChatAction failed'));
      return { id: '' };
    }
    // Events (handoff.status, …) and other activity types have no Telegram form.
    if (activity.type !== ActivityTypes.Message) return { id: '' };

    const chatId = chatIdOf(activity.conversation?.id);
    // The end of a streamed reply: its message becomes the first part of the complete reply.
    const live = stream?.streamType === 'final' ? await this.streamEditor.end(chatId, stream.streamId) : undefined;
    const locale = channelLocale(activity.locale);
    const keyboard = this.keyboard(activity.suggestedActions?.actions ?? []);
    let text = labelledText(activity, locale);

    const files: OutgoingFile[] = [];
    for (const attachment of activity.attachments ?? []) {
      const out = this.files.outgoing(attachment);
      if (out) files.push(out);
      else {
        this.logger?.warn({ contentType: attachment.contentType }, 'telegram: attachment without a stored file or https URL not sent');
        if (attachment.name) text = text ? `${text}\n📎 ${attachment.name}` : `📎 ${attachment.name}`;
      }
    }
    const chunks = splitText(text);
    if (chunks.length === 0 && files.length === 0) {
      if (!keyboard) return { id: '' };
      chunks.push(chooseText(locale));
    }

    if (live?.messageId !== undefined) {
      if (chunks.length > 0) {
        const total = chunks.length + files.length;
        if (await this.streamEditor.editFinal(live, chunks[0]!, total === 1 ? keyboard : undefined)) {
          const lastId = await this.sendParts(chatId, chunks.slice(1), files, keyboard, undefined, 1);
          return { id: String(lastId ?? live.messageId) };
        }
      } else {
        // Only files came last: the partial text would stay behind without its end.
        await this.bot.api.deleteMessage(chatId, live.messageId).catch((err: unknown) => this.logger?.warn({ err }, 'telegram: could not delete a streamed message'));
      }
    }
    const lastId = await this.sendParts(chatId, chunks, files, keyboard, this.quoteFor(activity, chatId));
    return { id: lastId === undefined ? '' : String(lastId) };
  }

  /**
   * Sends text parts then files; the keyboard goes with the last message of the reply (`already`: how
   * many parts of the reply went out before, e.g. as an edit). Returns the last message id.
   */
  private async sendParts(
    chatId: number,
    chunks: string[],
    files: OutgoingFile[],
    keyboard: InlineKeyboardMarkup | undefined,
    replyTo: number | undefined,
    already = 0,
  ): Promise<number | undefined> {
    const total = already + chunks.length + files.length;
    let index = already;
    let lastId: number | undefined;
    const markup = () => (++index === total && keyboard ? { reply_markup: keyboard } : {});
    const quote = () => {
      const q = replyTo;
      replyTo = undefined;
      return q ? { reply_parameters: { message_id: q, allow_sending_without_reply: true } } : {};
    };
    for (const chunk of chunks) {
      const sent = await this.bot.api.sendMessage(chatId, escapeHtml(chunk), { ...HTML_TEXT, ...quote(), ...markup() });
      lastId = sent.message_id;
    }
    for (const f of files) {
      const sent =
        f.kind === 'photo'
          ? await this.bot.api.sendPhoto(chatId, f.file, { ...quote(), ...markup() })
          : await this.bot.api.sendDocument(chatId, f.file, { ...quote(), ...markup() });
      lastId = sent.message_id;
    }
    return lastId;
  }

  private quoteReply(activity: Partial<Activity>, chatId: number): { reply_parameters?: { message_id: number; allow_sending_without_reply: true } } {
    const q = this.quoteFor(activity, chatId);
    return q ? { reply_parameters: { message_id: q, allow_sending_without_reply: true } } : {};
  }

  /** In a group, the first reply to a message quotes it (so the group sees whom the bot answers). */
  private quoteFor(activity: Partial<Activity>, chatId: number): number | undefined {
    if (!activity.conversation?.isGroup || !activity.replyToId || !/^\d+$/.test(activity.replyToId)) return undefined;
    const key = `${chatId}:${activity.replyToId}`;
    if (this.quoted.has(key)) return undefined;
    this.quoted.add(key);
    if (this.quoted.size > 1000) this.quoted.delete(this.quoted.values().next().value!);
    return Number(activity.replyToId);
  }

  private keyboard(actions: CardAction[]): InlineKeyboardMarkup | undefined {
    const buttons: InlineKeyboardButton[] = [];
    const callbacks: { text: string; callback_data: string }[] = [];
    for (const action of actions) {
      const title = (action.title || (typeof action.value === 'string' ? action.value : '')).trim();
      if (!title) continue;
      if (action.type === 'openUrl' && typeof action.value === 'string' && /^https:\/\//.test(action.value)) {
        buttons.push({ text: title, url: action.value });
        continue;
      }
      const value = typeof action.value === 'string' && action.value.trim() ? action.value : title;
      const { data, key } = callbackDataFor(value);
      if (key) this.state.rememberAnswer(key, value);
      callbacks.push({ text: title, callback_data: data });
    }
    if (buttons.length === 0 && callbacks.length === 0) return undefined;
    return { inline_keyboard: [...layoutKeyboard(callbacks), ...buttons.map((b) => [b])] };
  }

  /** Updates are not awaited by grammY; shutting down waits for them too. */
  override async drain(): Promise<void> {
    await this.settled();
    await super.drain();
  }
}
