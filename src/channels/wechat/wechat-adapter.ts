/**
 * WeChat as a channel (wechaty, any puppet). Like every channel it only translates; the base class masks
 * card numbers, keeps the transcript and runs one conversation's turns one at a time.
 *
 * Inbound (wechaty's `'message'` event):
 * - the bot's own messages (`msg.self()`: puppets echo what the bot sent) are ignored;
 * - each message is stored (card-masked) in the inbound journal (../inbound-journal.ts) before it runs and
 *   marked processed when its turn is done; messages stored by a process that died before answering them
 *   are run when the account has logged in again (`replayPending`; the puppet will not deliver them
 *   again), and a message on record already (a puppet emitting it again) is dropped;
 * - in rooms only messages that @-mention the bot are processed (the mention is removed from the text);
 * - text; images (`types.Message.Image`) and files (`types.Message.Attachment`) are fetched when the
 *   turn runs (`puppet.messageFile(id)`, what `msg.toFileBox()` does, so also after a restart while the
 *   puppet still has it), checked against the size limit and stored by their bytes (`storeFile`); a file
 *   that is too large or not an image/PDF is answered with the reason, never dropped silently; voice,
 *   video, stickers and the like are answered likewise;
 * - WeChat has no buttons: the bot writes its choices as numbered lines ("1. …"), and a reply "1", "2", …
 *   means that option of the bot's last message in the conversation (kept in the state file);
 * - one conversation's messages are handled in arrival order (downloads included), different ones in
 *   parallel. wechaty does not await listeners; `settled()` waits for the work.
 *
 * Outbound (`deliver`): text via `contact.say` / `room.say` (in a room the merchant is @-mentioned);
 * suggested actions (if an activity carries them) as numbered lines; stored files uploaded with
 * `FileBox` (the stored bytes, inline). Typing and event activities (handoff status, …) are not sent.
 *
 * Conversation id `wx:<contact id>` or `wx:room:<room id>`, user id `wx:<contact id>`, locale zh-CN.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActivityTypes, type Activity, type Attachment, type ResourceResponse } from 'botbuilder';
import { FileBox } from 'file-box';
import { types, type Contact, type Message, type Room, type Wechaty } from 'wechaty';
import type { Logger } from '../../core/logger.js';
import type { SqlTranscriptStore } from '../../store/transcript-store.js';
import { lastSegment, safeName, storeAsAttachment, storedFileOf } from '../attachments.js';
import { BOT_ACCOUNT, ChannelAdapter, type BotLogic, type TurnOptions } from '../channel-adapter.js';
import { InboundInbox, type InboundJob } from '../inbound-inbox.js';
import type { InboundJournal } from '../inbound-journal.js';
import type { TurnLock } from '../../scale/turn-lock.js';
import type { RateLimit, RateLimitSpec } from '../../scale/rate-limit.js';
import { kindName, type FileRefusal } from './messages.js';
import { actionTitles, channelLocale, labelledText } from '../outgoing-text.js';
import { answeringRefusals, refusedSummary, takeFile } from '../file-refusals.js';
import { WechatState } from './wechat-state.js';
import { numberedOptions, pickedNumber, withNumberedOptions } from '../numbered-options.js';
import type { InboundLimits } from '../channel-adapter.js';

export { numberedOptions } from '../numbered-options.js';

export const WECHAT_CHANNEL_ID = 'wechat';


export type MessageOutcome = 'processed' | 'refused' | 'duplicate' | 'ignored' | 'failed';

export interface MessageHandled {
  messageId: string;
  outcome: MessageOutcome;
  /** Why a message was ignored or failed (never message content). */
  detail?: string;
}

export interface WechatAdapterOptions {
  /** What one user may send (CHAT_MESSAGES_PER_MINUTE, CHAT_MAX_TEXT_LENGTH); unset: no limit. */
  inboundLimits?: InboundLimits;
  /** The wechaty instance (started by `startWechat`, or by a test). */
  bot: Wechaty;
  transcripts: SqlTranscriptStore;
  /** The files folder (`config.paths.files`): received files are stored here, outgoing ones read from here. */
  filesDir: string;
  /** Largest file taken from a merchant (bytes). */
  uploadMaxBytes: number;
  /** Where the state file lives (last numbered options): `DATA_DIR/wechat`. */
  stateDir: string;
  /** Where messages are stored before they run (shared with the other channels). */
  journal: InboundJournal;
  /** The bot (`(context) => runtime.bot.run(context)`). */
  logic: BotLogic;
  /** One turn at a time per conversation across the instances (`coordination.turnLock`); default: this process. */
  turnLock?: TurnLock;
  /** Makes the per-user limits (`coordination.rateLimit`: shared by the instances with Redis); default: this process. */
  rateLimits?: (spec: RateLimitSpec) => RateLimit;
  logger?: Logger;
}

/** A message as it is stored in the inbound journal and run (again, after a restart). */
interface WechatJob {
  messageId: string;
  /** The inbound activity, card-masked (a picked option and the fetched file are added when it runs). */
  activity: Partial<Activity>;
  /** Card numbers masking found in it (the turn is told). */
  masked: number;
  /** An image or file to fetch from the puppet first, by the message's id. */
  file?: { isImage: boolean };
  /** Why it is not taken, known before any download (voice, video, stickers, …). */
  refusals: FileRefusal[];
}

/** Conversation id of a contact's chat or of a room. */
export function wechatConversationId(target: { contactId: string } | { roomId: string }): string {
  return 'roomId' in target ? `wx:room:${target.roomId}` : `wx:${target.contactId}`;
}

export class WechatAdapter extends ChannelAdapter {
  readonly bot: Wechaty;
  /** Emits `'message'` with a `MessageHandled` when a message has been handled (or dropped). */
  readonly events = new EventEmitter();
  readonly state: WechatState;
  private readonly options: WechatAdapterOptions;
  private readonly logger: Logger | undefined;
  /** Stores each message, then runs one conversation's (downloads, then the turn) in arrival order. */
  private readonly inbox: InboundInbox<WechatJob, MessageHandled>;
  private readonly listener = (message: Message) => this.receive(message);

  constructor(options: WechatAdapterOptions) {
    super({
      channelId: WECHAT_CHANNEL_ID,
      transcripts: options.transcripts,
      capabilities: { suggestedActions: false, markdown: false, attachments: true, typing: false },
      ...(options.inboundLimits ? { inboundLimits: options.inboundLimits } : {}),
      ...(options.turnLock ? { turnLock: options.turnLock } : {}),
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    });
    this.options = options;
    this.bot = options.bot;
    this.logger = options.logger;
    this.state = new WechatState(join(options.stateDir, 'wechat-state.json'));
    if (this.state.loadError) this.logger?.warn({ err: this.state.loadError, file: this.state.file }, 'wechat state file unreadable; starting empty');
    this.inbox = new InboundInbox<WechatJob, MessageHandled>({
      channel: WECHAT_CHANNEL_ID,
      journal: options.journal,
      work: (job, _replayed, turn) => this.run(job, turn),
      failed: (err, job) => {
        this.logger?.error({ err, messageId: job.messageId }, 'wechat message could not be handled');
        return { messageId: job.messageId, outcome: 'failed', detail: err instanceof Error ? err.message : String(err) };
      },
      done: (handled) => this.emitHandled(handled),
      journalError: (err, context) => this.logger?.error({ err, messageId: context.platformId, step: context.step }, 'wechat: inbound journal not written'),
    });
    this.bot.on('message', this.listener);
  }

  /** Stops listening (the wechaty instance is left running). */
  detach(): void {
    this.bot.off('message', this.listener);
  }

  // ── Inbound ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * Takes one message (wechaty calls this; tests may too). Returns at once: the message is stored in the
   * inbound journal, then run, each conversation's in the order they came; `settled()` waits for both. The puppet never delivers a message again, so the journal is what survives a crash.
   */
  receive(message: Message): void {
    const messageId = message.id;
    if (message.self()) {
      this.emitHandled({ messageId, outcome: 'ignored', detail: 'own message' });
      return;
    }
    const room = message.room();
    void this.inbox.admit(room ? `room:${room.id}` : message.talker().id, () => this.prepare(message)).then(
      (admission) => {
        if (admission !== 'duplicate') return;
        this.logger?.info({ messageId }, 'wechat message already handled; skipped');
        this.emitHandled({ messageId, outcome: 'duplicate' });
      },
      (err: unknown) => {
        this.logger?.error({ err, messageId }, 'wechat message could not be handled');
        this.emitHandled({ messageId, outcome: 'failed', detail: err instanceof Error ? err.message : String(err) });
      },
    );
  }

  /**
   * Runs the messages stored by an earlier process that stopped before their turns finished (in the order
   * they came, before any new message). `startWechat` calls it when the account has logged in (replies
   * need it); only the first call replays.
   */
  async replayPending(): Promise<number> {
    return this.inbox.replay();
  }

  /** Resolves when every message received so far has been handled. */
  async settled(): Promise<void> {
    await this.inbox.settled();
  }

  private emitHandled(handled: MessageHandled): void {
    this.events.emit('message', handled);
  }

  /** What a message asks the bot to do, as it is stored; undefined (reported as ignored) when nothing. */
  private async prepare(message: Message): Promise<InboundJob<WechatJob> | undefined> {
    const messageId = message.id;
    const ignored = (detail: string): undefined => {
      this.emitHandled({ messageId, outcome: 'ignored', detail });
      return undefined;
    };
    const room = message.room();
    const talker = message.talker();
    const type = message.type();
    const locale = channelLocale(undefined);
    let text = type === types.Message.Text ? message.text() : '';

    if (room) {
      if (!(await message.mentionSelf())) return ignored('room message not addressed to the bot');
      if (type === types.Message.Text) text = await this.withoutMention(message, room);
    }
    const conversationId = room ? wechatConversationId({ roomId: room.id }) : wechatConversationId({ contactId: talker.id });

    const isFile = type === types.Message.Image || type === types.Message.Attachment;
    const refusals: FileRefusal[] = [];
    if (!isFile && type !== types.Message.Text) {
      // System notes, recalls and unknown kinds are not for the bot; other kinds get an answer.
      if (type === types.Message.Unknown || type === types.Message.Recalled || type === types.Message.GroupNote || type === types.Message.Post) {
        return ignored(`message type ${types.Message[type]}`);
      }
      refusals.push({ reason: 'unsupported_message', kind: kindName(locale, types.Message[type] ?? 'other') });
    }
    if (!text.trim() && !isFile && refusals.length === 0) return ignored('no content');

    const activity: Partial<Activity> = {
      id: messageId,
      type: ActivityTypes.Message,
      text,
      timestamp: new Date(),
      channelId: WECHAT_CHANNEL_ID,
      conversation: {
        id: conversationId,
        isGroup: !!room,
        conversationType: room ? 'groupChat' : 'personal',
        name: (room ? await room.topic().catch(() => '') : talker.name()) || conversationId,
      },
      from: { ...this.account(talker), role: 'user' },
      recipient: { ...BOT_ACCOUNT },
      locale: 'zh-CN',
      channelData: { wechat: { messageId, contactId: talker.id, ...(room ? { roomId: room.id } : {}), type: types.Message[type] } },
    };
    // Masked here, once, before it is stored (also a card number begun in the previous message).
    const { value: masked, count } = this.maskInbound(activity);
    return {
      platformId: messageId,
      payload: { messageId, activity: masked, masked: count, ...(isFile ? { file: { isImage: type === types.Message.Image } } : {}), refusals },
    };
  }

  /** Runs one stored message: a numbered option picked, its file fetched (or why not), then the turn. */
  private async run(job: WechatJob, turn: TurnOptions): Promise<MessageHandled> {
    const { messageId } = job;
    const locale = channelLocale(undefined);
    const conversationId = job.activity.conversation?.id ?? '';
    let text = job.activity.text ?? '';
    const wechat = (job.activity.channelData as { wechat?: Record<string, unknown> } | undefined)?.wechat ?? {};
    const extra: Record<string, unknown> = {};

    // "1", "2", …: the numbered option of the bot's last message here (as it stands when this turn runs).
    const number = pickedNumber(text);
    if (number !== undefined) {
      const option = this.state.optionsFor(conversationId)[number - 1];
      if (option) {
        extra.picked = number;
        text = option;
      }
    }

    const file = job.file;
    const { attachments, refusals } = await takeFile<Partial<Attachment>>(job.refusals, file && (() => this.download(messageId, file.isImage)));
    if (refusals.length) extra.refused = refusedSummary(refusals);
    const activity: Partial<Activity> = {
      ...job.activity,
      text,
      // The arrival time (a replayed message's comes back from the journal as text).
      timestamp: new Date(job.activity.timestamp ?? Date.now()),
      ...(attachments.length ? { attachments: attachments as Attachment[] } : {}),
      channelData: { wechat: { ...wechat, ...extra } },
    };
    if (refusals.length === 0) {
      await this.processActivity(activity, this.options.logic, { ...turn, maskedBefore: job.masked });
      return { messageId, outcome: 'processed' };
    }
    await this.processActivity(activity, answeringRefusals(locale, refusals, this.options.logic, Boolean(text.trim() || attachments.length)), { ...turn, maskedBefore: job.masked });
    for (const r of refusals) this.logger?.info({ messageId, reason: r.reason }, 'wechat message refused');
    return { messageId, outcome: 'refused' };
  }

  /** The text without the @-mention of the bot (WeChat writes "@name" followed by a U+2005 space). */
  private async withoutMention(message: Message, room: Room): Promise<string> {
    let text = message.text();
    const me = this.bot.currentUser;
    const names = new Set<string>([me.name()]);
    const alias = await room.alias(me).catch(() => undefined);
    if (alias) names.add(alias);
    for (const name of names) {
      if (!name) continue;
      text = text.split(`@${name}\u2005`).join(' ').split(`@${name} `).join(' ');
      if (text.endsWith(`@${name}`)) text = text.slice(0, -name.length - 1);
    }
    if (text === message.text()) text = await message.mentionText().catch(() => text);
    return text.replace(/[ \t\u2005]{2,}/g, ' ').trim();
  }

  /** Fetches and stores one image or file; a refusal says why it was not taken. */
  private async download(messageId: string, isImage: boolean): Promise<Partial<Attachment> | FileRefusal> {
    const maxBytes = this.options.uploadMaxBytes;
    let name = isImage ? `image-${messageId}.jpg` : `file-${messageId}`;
    let bytes: Buffer;
    try {
      // By the message's id (what `message.toFileBox()` does), so a message replayed after a restart is
      // fetched the same way while the puppet still has it.
      const box = await this.bot.puppet.messageFile(messageId);
      name = safeName(box.name || name);
      if (box.size > maxBytes) return { reason: 'too_large', name, size: box.size, maxBytes };
      bytes = await box.toBuffer();
    } catch (err) {
      this.logger?.warn({ err: err instanceof Error ? { message: err.message, name: err.name } : String(err), messageId }, 'wechat file download failed');
      return { reason: 'download_failed', name };
    }
    if (bytes.length > maxBytes) return { reason: 'too_large', name, size: bytes.length, maxBytes };
    return storeAsAttachment(this.options.filesDir, bytes, name);
  }

  private account(contact: Contact): { id: string; name: string } {
    return { id: `wx:${contact.id}`, name: contact.name() || contact.id };
  }

  // ── Outbound ──────────────────────────────────────────────────────────────────────────────────────

  protected async deliver(activity: Partial<Activity>): Promise<ResourceResponse> {
    // Typing has no WeChat form; events (handoff.status, …) are not for the merchant's chat.
    if (activity.type !== ActivityTypes.Message) return { id: '' };
    const conversationId = activity.conversation?.id ?? '';
    let text = labelledText(activity, channelLocale(activity.locale));
    const actions = actionTitles(activity);
    text = withNumberedOptions(text, actions);

    const files: FileBox[] = [];
    for (const attachment of activity.attachments ?? []) {
      const box = this.outgoingFile(attachment);
      if (box) files.push(box);
      else {
        this.logger?.warn({ contentType: attachment.contentType }, 'wechat: attachment without a stored file or https URL not sent');
        if (attachment.name) text = text ? `${text}\n📎 ${attachment.name}` : `📎 ${attachment.name}`;
      }
    }
    if (!text && files.length === 0) return { id: '' };

    const target = await this.target(conversationId);
    let lastId = '';
    if (text) {
      let sent: void | Message;
      if ('room' in target) {
        const merchant = await this.merchantOf(activity, target.room);
        sent = merchant ? await target.room.say(text, merchant) : await target.room.say(text);
      } else {
        sent = await target.contact.say(text);
      }
      if (sent) lastId = sent.id;
    }
    for (const box of files) {
      const sent = 'room' in target ? await target.room.say(box) : await target.contact.say(box);
      if (sent) lastId = sent.id;
    }
    // The options a reply "1", "2", … refers to: those of the bot's last message here.
    if (text) this.state.setOptions(conversationId, numberedOptions(text));
    return { id: lastId };
  }

  private async target(conversationId: string): Promise<{ room: Room } | { contact: Contact }> {
    if (conversationId.startsWith('wx:room:')) {
      const id = conversationId.slice('wx:room:'.length);
      const room = await this.bot.Room.find({ id });
      if (!room) throw new Error(`wechat: room ${id} not found`);
      return { room };
    }
    if (!conversationId.startsWith('wx:')) throw new Error(`wechat: not a WeChat conversation: ${conversationId}`);
    const id = conversationId.slice('wx:'.length);
    const contact = await this.bot.Contact.find({ id });
    if (!contact) throw new Error(`wechat: contact ${id} not found`);
    return { contact };
  }

  /** The merchant a room reply is for (the activity's recipient), to @-mention; undefined when unknown. */
  private async merchantOf(activity: Partial<Activity>, room: Room): Promise<Contact | undefined> {
    const id = activity.recipient?.id;
    if (!id?.startsWith('wx:') || id.startsWith('wx:room:')) return undefined;
    const contact = await this.bot.Contact.find({ id: id.slice(3) }).catch(() => undefined);
    if (!contact) return undefined;
    return (await room.has(contact).catch(() => false)) ? contact : undefined;
  }

  /** A stored file (contentUrl's last segment `<sha256>.<ext>` in the files folder) or an https URL. */
  private outgoingFile(attachment: Attachment): FileBox | undefined {
    const url = attachment.contentUrl ?? '';
    const last = lastSegment(url);
    if (storedFileOf(url, this.options.filesDir)) {
      const ext = last.split('.').pop()!;
      const name = safeName(attachment.name ?? last);
      // The bytes travel inline (base64, bounded by the upload limit): a `FileBox.fromFile` cannot be
      // serialised (toJSON), which some puppets (and puppet services' relays) need.
      const bytes = readFileSync(join(this.options.filesDir, last));
      return FileBox.fromBase64(bytes.toString('base64'), name.includes('.') ? name : `${name}.${ext}`) as FileBox;
    }
    if (/^https:\/\//.test(url)) return FileBox.fromUrl(url, { name: safeName(attachment.name ?? last) }) as FileBox;
    return undefined;
  }

  /** wechaty does not await message listeners; shutting down waits for them too. */
  override async drain(): Promise<void> {
    await this.settled();
    await super.drain();
  }
}
