/**
 * The Official Account (公众号) as a channel. WeChat posts each message to our URL (checked and decrypted
 * by ../wechat-platform/callback-routes.ts) and waits 5 seconds for a passive reply, retrying the same
 * message up to three times when it gets none. So:
 *
 * - each message is stored in the inbound journal before it runs, by `MsgId` (events: sender + time +
 *   event), so a retried one is answered once (the retry gets "success"); its turn runs in the background;
 * - the HTTP answer waits for the turn at most `passiveReplyMs` (default 4 s): a turn that finished in time
 *   with one short text is answered passively (the reply XML, which works for every account); anything
 *   else — a slow answer, several messages, an image — is answered "success" at once and sent as
 *   customer-service messages (`/cgi-bin/message/custom/send`), in order, after what was collected;
 * - customer-service messages reach a user for 48 hours after their last message (a minute after a
 *   subscription or a menu click); a message for a user out of reach — an agent's reply, a request notice —
 *   is not sent: it is logged and thrown (`WindowClosedError`) so the agent console shows the failure (an
 *   agent's reply) or the request is marked "merchant not told" after its retries; it stays in the
 *   transcript, which agents read;
 * - with `transferToWechat`, a turn that asks for a person also answers passively with
 *   `transfer_customer_service`, handing the user to the Official Account's own customer-service tools
 *   (公众平台客服); the handoff is recorded in our console as on every channel.
 *
 * Inbound kinds: text; images (downloaded by `MediaId` with `/cgi-bin/media/get`, `PicUrl` when that
 * fails); voice with WeChat's speech recognition (its text); subscription (the greeting) and menu clicks
 * (the menu key as text); video, locations and links are answered with what the bot can take.
 *
 * Conversation id `wxoa:<openid>`, user id `wxoa:<openid>`, locale zh-CN (WeChat says nothing about it).
 */
import { ActivityTypes, TurnContext, type Activity, type ResourceResponse } from 'botbuilder';
import { BOT_ACCOUNT } from '../channel-adapter.js';
import { kindName } from '../wechat/messages.js';
import { buildXml, field, type CallbackXml } from '../wechat-platform/callback.js';
import { OUT_OF_WINDOW_ERRCODES, type OfficialAccountClient } from './official-client.js';
import { WechatPlatformAdapter, type OutgoingPart, type PlatformAdapterOptions, type PlatformJob, type MessageHandled } from '../wechat-platform/platform-adapter.js';
import { readLimited, WechatApiError, type Download, type TooLarge } from '../wechat-platform/wechat-api.js';

export const WECHAT_OFFICIAL_CHANNEL_ID = 'wechat-official';
/** Characters in one text message (WeChat takes 2048 bytes; Chinese is 3 bytes a character in UTF-8). */
export const OFFICIAL_TEXT_LIMIT = 600;
/** How long customer-service messages may follow a user's message, and a subscription or menu click. */
export const MESSAGE_WINDOW_MS = 48 * 3_600_000;
export const EVENT_WINDOW_MS = 60_000;

/** A message for a user the customer-service API cannot reach now (outside the 48-hour window). */
export class WindowClosedError extends Error {
  constructor(readonly conversationId: string) {
    super(`${conversationId}: outside the 48-hour customer-service window; the message was not sent (it is in the transcript)`);
    this.name = 'WindowClosedError';
  }
}

export interface OfficialAdapterOptions extends Omit<PlatformAdapterOptions, 'channelId' | 'capabilities' | 'sendsFiles'> {
  client: OfficialAccountClient;
  /** How long the HTTP answer waits for the turn (must stay under WeChat's 5 s; default 4000). */
  passiveReplyMs?: number;
  /** Answer a turn that asks for a person with `transfer_customer_service` (WeChat's own agent tools). */
  transferToWechat?: boolean;
  now?: () => number;
}

/** A message's turn while WeChat's HTTP request waits for the passive reply. */
interface PassiveSlot {
  id: string;
  openId: string;
  /** The account's original id (gh_…), the passive reply's sender. */
  account: string;
  /** Still collecting replies for the passive answer. */
  open: boolean;
  /** The turn has finished. */
  done: boolean;
  buffer: OutgoingPart[];
  transfer: boolean;
  finished: Promise<void>;
  finish: () => void;
  /** The collected replies sent through the API (after the slot closed). */
  flushed: Promise<void>;
}

export function officialConversationId(openId: string): string {
  return `wxoa:${openId}`;
}

/** Message kinds answered with "I can only handle text, images and PDF" (names as in ../wechat/messages.ts). */
const UNSUPPORTED: Record<string, string> = { voice: 'Audio', video: 'Video', shortvideo: 'Video', location: 'Location', link: 'Url', file: 'Attachment' };

export class OfficialAccountAdapter extends WechatPlatformAdapter {
  private readonly client: OfficialAccountClient;
  private readonly passiveReplyMs: number;
  private readonly transferToWechat: boolean;
  private readonly now: () => number;
  private readonly slots = new Map<string, PassiveSlot>();
  /** Each user's API sends, one after the other (passive leftovers first). */
  private readonly sending = new Map<string, Promise<unknown>>();

  constructor(options: OfficialAdapterOptions) {
    super({
      ...options,
      channelId: WECHAT_OFFICIAL_CHANNEL_ID,
      capabilities: { typing: true, maxTextLength: OFFICIAL_TEXT_LIMIT },
      sendsFiles: false,
    });
    this.client = options.client;
    this.passiveReplyMs = options.passiveReplyMs ?? 4000;
    this.transferToWechat = options.transferToWechat ?? false;
    this.now = options.now ?? Date.now;
  }

  // ── Inbound ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * Takes one authentic callback (checked and decrypted by the callback route) and returns the passive reply: a
   * reply XML (plain; the route seals it in safe mode) or "success". Resolves within `passiveReplyMs`
   * once the message is stored; throws when it could not be stored (the route answers 500: WeChat retries).
   */
  async receive(xml: CallbackXml): Promise<string> {
    const openId = field(xml, 'FromUserName');
    const msgType = field(xml, 'MsgType');
    if (!openId || !msgType) return 'success';
    const createTime = field(xml, 'CreateTime');
    const platformId = field(xml, 'MsgId') || `${openId}:${createTime}:${field(xml, 'Event')}`;
    // WeChat's retry while the first delivery still waits: that one answers.
    if (this.slots.has(platformId)) return 'success';
    const slot = this.openSlot(platformId, openId, field(xml, 'ToUserName'));
    let admission: string;
    try {
      admission = await this.admit(openId, platformId, () => this.build(xml, platformId));
    } catch (err) {
      this.slots.delete(platformId);
      throw err;
    }
    if (admission !== 'queued') {
      this.slots.delete(platformId);
      return 'success';
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([slot.finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.passiveReplyMs)))]);
    clearTimeout(timer);
    return this.close(slot);
  }

  private openSlot(id: string, openId: string, account: string): PassiveSlot {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const slot: PassiveSlot = { id, openId, account, open: true, done: false, buffer: [], transfer: false, finished, finish, flushed: Promise.resolve() };
    this.slots.set(id, slot);
    return slot;
  }

  /** Ends the passive wait: the reply to give WeChat now; what it cannot carry goes through the API. */
  private close(slot: PassiveSlot): string {
    slot.open = false;
    const parts = slot.buffer;
    slot.buffer = [];
    let reply = 'success';
    let rest = parts;
    const base = { ToUserName: slot.openId, FromUserName: slot.account, CreateTime: Math.floor(this.now() / 1000) };
    if (slot.transfer) reply = buildXml({ ...base, MsgType: 'transfer_customer_service' });
    else if (slot.done && parts.length === 1 && parts[0]!.kind === 'text') {
      reply = buildXml({ ...base, MsgType: 'text', Content: parts[0]!.text });
      rest = [];
    }
    if (rest.length) {
      slot.flushed = this.queueSend(slot.openId, rest).catch((err: unknown) =>
        this.logger?.error({ err, conversationId: officialConversationId(slot.openId), parts: rest.length }, 'wechat-official: reply not delivered through the API (it is in the transcript)'),
      );
    }
    this.forgetWhenDone(slot);
    return reply;
  }

  private forgetWhenDone(slot: PassiveSlot): void {
    if (slot.done && !slot.open) void slot.flushed.finally(() => this.slots.get(slot.id) === slot && this.slots.delete(slot.id));
  }

  protected override finished(handled: MessageHandled): void {
    const slot = this.slots.get(handled.platformId);
    if (!slot) return;
    slot.done = true;
    slot.finish();
    this.forgetWhenDone(slot);
  }

  /** What a callback asks the bot to do, as it is stored; undefined (reported as ignored) when nothing. */
  private async build(xml: CallbackXml, platformId: string): Promise<PlatformJob | undefined> {
    const openId = field(xml, 'FromUserName');
    const msgType = field(xml, 'MsgType');
    const conversationId = officialConversationId(openId);
    const created = Number(field(xml, 'CreateTime'));
    const activity: Partial<Activity> = {
      id: platformId,
      type: ActivityTypes.Message,
      text: '',
      timestamp: new Date(Number.isFinite(created) && created > 0 ? created * 1000 : this.now()),
      channelId: WECHAT_OFFICIAL_CHANNEL_ID,
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: conversationId },
      from: { id: `wxoa:${openId}`, name: openId, role: 'user' },
      recipient: { ...BOT_ACCOUNT },
      locale: 'zh-CN',
      channelData: { wechatOfficial: { msgType, openId, account: field(xml, 'ToUserName'), ...(field(xml, 'MsgId') ? { msgId: field(xml, 'MsgId') } : {}) } },
    };
    if (msgType === 'event') {
      const event = field(xml, 'Event').toLowerCase();
      if (event === 'subscribe') {
        await this.openWindow(openId, EVENT_WINDOW_MS);
        return this.job(platformId, { ...activity, type: ActivityTypes.ConversationUpdate, text: undefined, membersAdded: [{ id: `wxoa:${openId}`, name: openId }] });
      }
      if (event === 'click' && field(xml, 'EventKey')) {
        await this.openWindow(openId, EVENT_WINDOW_MS);
        return this.job(platformId, { ...activity, text: field(xml, 'EventKey') });
      }
      return this.ignored(platformId, `event ${event}`);
    }
    await this.openWindow(openId, MESSAGE_WINDOW_MS);
    if (msgType === 'text') {
      const text = field(xml, 'Content');
      return text.trim() ? this.job(platformId, { ...activity, text }) : this.ignored(platformId, 'no content');
    }
    if (msgType === 'image') {
      const mediaId = field(xml, 'MediaId');
      const url = field(xml, 'PicUrl');
      return this.job(platformId, activity, { file: { mediaId, ...(url ? { url } : {}), name: `image-${platformId}.jpg` } });
    }
    // Voice with WeChat's speech recognition turned on carries its text.
    if (msgType === 'voice' && field(xml, 'Recognition').trim()) return this.job(platformId, { ...activity, text: field(xml, 'Recognition') });
    return this.job(platformId, activity, { refusals: [{ reason: 'unsupported_message', kind: kindName('zh-CN', UNSUPPORTED[msgType] ?? 'other') }] });
  }

  /** The user can be reached through the API for `ms` from now (never shortening a longer window). */
  private async openWindow(openId: string, ms: number): Promise<void> {
    const until = this.now() + ms;
    const current = await this.store.get<number>(`reach/${openId}`).catch(() => undefined);
    if (current === undefined || current < until) await this.store.set(`reach/${openId}`, until);
  }

  protected async download(file: NonNullable<PlatformJob['file']>, maxBytes: number): Promise<Download | TooLarge> {
    try {
      return await this.client.downloadMedia(file.mediaId, maxBytes);
    } catch (err) {
      if (!file.url || !/^https?:\/\//.test(file.url)) throw err;
      this.logger?.info({ errcode: err instanceof WechatApiError ? err.errcode : undefined }, 'wechat-official: media/get failed; downloading the PicUrl');
      const res = await fetch(file.url, { signal: AbortSignal.timeout(15_000) });
      if (!res.ok) throw new Error(`PicUrl: HTTP ${res.status}`);
      const body = await readLimited(res, maxBytes);
      return 'tooLarge' in body ? body : { bytes: body, contentType: res.headers.get('content-type') ?? undefined, name: undefined };
    }
  }

  // ── Outbound ──────────────────────────────────────────────────────────────────────────────────────

  /** Replies to a subscription are replies to it (the passive answer can carry the greeting); a handoff may transfer. */
  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const inbound = context.activity;
    if (inbound.type === ActivityTypes.ConversationUpdate && inbound.channelId === WECHAT_OFFICIAL_CHANNEL_ID) {
      activities = activities.map((a) => ({ replyToId: inbound.id, ...a }));
    }
    if (this.transferToWechat && activities.some((a) => a.type === ActivityTypes.Event && a.name === 'handoff.initiate')) {
      const slot = inbound.id ? this.slots.get(inbound.id) : undefined;
      if (slot?.open) slot.transfer = true;
      else this.logger?.info({ conversationId: inbound.conversation?.id }, 'wechat-official: handoff asked after the passive reply; not transferred to WeChat customer service');
    }
    return super.sendActivities(context, activities);
  }

  protected async send(activity: Partial<Activity>, parts: OutgoingPart[]): Promise<string> {
    const slot = activity.replyToId ? this.slots.get(activity.replyToId) : undefined;
    if (slot?.open) {
      slot.buffer.push(...parts);
      return '';
    }
    if (slot) await slot.flushed;
    await this.queueSend(this.openIdOf(activity), parts);
    return '';
  }

  protected override async typing(activity: Partial<Activity>): Promise<void> {
    const slot = activity.replyToId ? this.slots.get(activity.replyToId) : undefined;
    if (slot?.open) return; // the passive answer may still carry the reply
    const openId = this.openIdOf(activity);
    if (await this.reachable(openId)) await this.client.typing(openId);
  }

  private openIdOf(activity: Partial<Activity>): string {
    const id = activity.conversation?.id ?? '';
    if (!id.startsWith('wxoa:')) throw new Error(`wechat-official: not an Official Account conversation: ${id}`);
    return id.slice('wxoa:'.length);
  }

  private async reachable(openId: string): Promise<boolean> {
    const until = await this.store.get<number>(`reach/${openId}`);
    return until !== undefined && until > this.now();
  }

  /** Sends parts through the API after the user's earlier sends. */
  private queueSend(openId: string, parts: OutgoingPart[]): Promise<void> {
    const previous = this.sending.get(openId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.sendNow(openId, parts));
    this.sending.set(openId, next);
    void next.finally(() => this.sending.get(openId) === next && this.sending.delete(openId)).catch(() => undefined);
    return next;
  }

  private async sendNow(openId: string, parts: OutgoingPart[]): Promise<void> {
    const conversationId = officialConversationId(openId);
    if (!(await this.reachable(openId))) {
      this.logger?.warn({ conversationId, parts: parts.length }, 'wechat-official: user out of the 48-hour window; message not sent (kept in the transcript for the agents)');
      throw new WindowClosedError(conversationId);
    }
    try {
      for (const part of parts) {
        if (part.kind === 'text' || part.kind === 'menu') await this.client.sendCustom(openId, { msgtype: 'text', text: { content: part.text } });
        else {
          const mediaId = await this.client.uploadImage(part.bytes, part.name, part.contentType);
          await this.client.sendCustom(openId, { msgtype: 'image', image: { media_id: mediaId } });
        }
      }
    } catch (err) {
      if (err instanceof WechatApiError && OUT_OF_WINDOW_ERRCODES.has(err.errcode)) {
        this.logger?.warn({ conversationId, errcode: err.errcode }, 'wechat-official: WeChat refused the message (out of the window or over the count); kept in the transcript for the agents');
        throw new WindowClosedError(conversationId);
      }
      throw err;
    }
  }
}
