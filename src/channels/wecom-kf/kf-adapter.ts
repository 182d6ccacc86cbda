/**
 * WeCom 微信客服 (kf) as a channel. WeCom calls our URL with a `kf_msg_or_event` event (checked and
 * decrypted by ../wechat-platform/callback-routes.ts; the answer is "success" at once) carrying a
 * short-lived token; the messages themselves are pulled with `kf/sync_msg` from a cursor, page after
 * page while `has_more`.
 *
 * - Pulls of one 客服账号 run one at a time (a callback during a pull asks for one more after it). Each
 *   message is stored in the inbound journal, by its msgid, before the cursor moves past it, and the
 *   cursor is kept in the shared store: a message is never lost between two pulls, and one pulled twice
 *   runs once. Turns run in the background, one conversation's in order.
 * - Customer messages (origin 3): text (a menu click is the option's text), images and files (downloaded
 *   with `/cgi-bin/media/get`); voice, video, locations and the like are answered with what the bot takes.
 *   Events (origin 4): `enter_session` opens the conversation (the greeting goes out with its
 *   `welcome_code`); a failed send (`msg_send_fail`) and session changes are logged. What WeCom members
 *   write in the WeCom app (origin 5) is not for the bot.
 * - Outgoing: text (split below the limit), suggested actions as a menu (`msgmenu`: the merchant taps an
 *   option), images and PDFs uploaded as temporary media. WeCom takes them only while the session is new or
 *   with the bot, within 48 hours and 5 messages of the customer's last message (send-budget.ts: counted in
 *   the shared store). A turn sends at once while the allowance keeps one message in reserve; what follows
 *   is held to the turn's end and merged into what is left (texts joined, the options last, files named
 *   when they do not fit). What cannot go out — over the allowance even merged, outside the 48 hours,
 *   refused by WeCom — is logged and stays in the transcript; outside a turn (an agent's reply, a request
 *   notice) it is also thrown (the agent console shows the failure; a notice is retried and then marked
 *   "merchant not told").
 * - The session's service state follows ours (service-state.ts).
 *
 * Conversation id `wxkf:<open_kfid>:<external_userid>`, user id `wxkf:<external_userid>`, locale zh-CN.
 */
import { ActivityTypes, TurnContext, type Activity, type ConversationReference, type ResourceResponse } from 'botbuilder';
import { BOT_ACCOUNT, type BotLogic } from '../channel-adapter.js';
import { field, type CallbackXml } from '../wechat-platform/callback.js';
import { WechatPlatformAdapter, type OutgoingPart, type PlatformAdapterOptions, type PlatformJob } from '../wechat-platform/platform-adapter.js';
import { WechatApiError, type Download, type TooLarge } from '../wechat-platform/wechat-api.js';
import { kindName } from '../wechat/messages.js';
import { KF_ORIGIN, type KfClient, type KfMessage } from './kf-client.js';
import { fitInto, KF_SEND_ALLOWANCE, KF_SEND_LIMIT_ERRCODE, SendBudget } from './send-budget.js';
import { ServiceStates, type HandoffMode } from './service-state.js';

export const WECOM_KF_CHANNEL_ID = 'wecom-kf';
/** Characters in one text message (WeCom takes 2048 bytes). */
export const KF_TEXT_LIMIT = 600;

const UNSUPPORTED: Record<string, string> = { voice: 'Audio', video: 'Video', location: 'Location', link: 'Url', business_card: 'Contact', miniprogram: 'MiniProgram', channels_shop_product: 'Url' };

export function kfConversationId(openKfId: string, externalUserId: string): string {
  return `wxkf:${openKfId}:${externalUserId}`;
}

/** The 客服账号 and the customer of a kf conversation id. */
export function kfParties(conversationId: string): { openKfId: string; externalUserId: string } {
  const m = /^wxkf:([^:]+):(.+)$/.exec(conversationId);
  if (!m) throw new Error(`wecom-kf: not a kf conversation: ${conversationId}`);
  return { openKfId: m[1]!, externalUserId: m[2]! };
}

/** Messages WeCom's allowance does not let out (kept in the transcript). */
export class KfSendLimitError extends Error {
  constructor(
    readonly conversationId: string,
    readonly unsent: number,
  ) {
    super(`${conversationId}: over WeCom's allowance (${KF_SEND_ALLOWANCE} messages within 48 hours of the customer's last message); ${unsent} not sent (they are in the transcript)`);
    this.name = 'KfSendLimitError';
  }
}

export interface KfAdapterOptions extends Omit<PlatformAdapterOptions, 'channelId' | 'capabilities' | 'sendsFiles' | 'menus'> {
  client: KfClient;
  /** Only this 客服账号; unset = every account. */
  openKfId?: string;
  handoff: HandoffMode;
  servicerUserId?: string;
  now?: () => number;
}

export class KfAdapter extends WechatPlatformAdapter {
  readonly client: KfClient;
  readonly states: ServiceStates;
  private readonly openKfId: string | undefined;
  /** Each account's pull in progress, and whether another was asked for meanwhile (with the newest token). */
  private readonly pulls = new Map<string, { running: Promise<void>; again: string | undefined | null }>();
  /** An `enter_session` welcome code per conversation, for the greeting (valid 20 s, once). */
  private readonly welcome = new Map<string, string>();
  /** Counts send_msg against WeCom's allowance (shared store). */
  readonly budget: SendBudget;
  /** Conversations in a turn: parts held for its end once the allowance is down to its reserve. */
  private readonly turns = new Map<string, { held: OutgoingPart[] }>();

  constructor(options: KfAdapterOptions) {
    super({ ...options, channelId: WECOM_KF_CHANNEL_ID, capabilities: { typing: false, suggestedActions: true, maxTextLength: KF_TEXT_LIMIT }, sendsFiles: true, menus: true });
    this.client = options.client;
    this.openKfId = options.openKfId;
    this.states = new ServiceStates({ client: options.client, mode: options.handoff, servicerUserId: options.servicerUserId, logger: options.logger });
    this.budget = new SendBudget(options.store, options.now);
  }

  // ── Inbound ───────────────────────────────────────────────────────────────────────────────────────

  /** Takes one authentic callback: a `kf_msg_or_event` starts a pull (in the background). Always "success". */
  async receive(xml: CallbackXml): Promise<string> {
    if (field(xml, 'MsgType') !== 'event' || field(xml, 'Event') !== 'kf_msg_or_event') return 'success';
    const openKfId = field(xml, 'OpenKfId');
    if (!openKfId || (this.openKfId && openKfId !== this.openKfId)) return 'success';
    void this.pull(openKfId, field(xml, 'Token') || undefined);
    void this.remember(openKfId);
    return 'success';
  }

  /** The accounts WeCom has called about (pulled once at the next start for what came meanwhile). */
  async accounts(): Promise<string[]> {
    const known = (await this.store.get<string[]>('accounts').catch(() => undefined)) ?? [];
    return this.openKfId ? [this.openKfId] : known;
  }

  private async remember(openKfId: string): Promise<void> {
    const known = (await this.store.get<string[]>('accounts').catch(() => undefined)) ?? [];
    if (!known.includes(openKfId)) await this.store.set('accounts', [...known, openKfId]).catch((err: unknown) => this.logger?.warn({ err }, 'wecom-kf: account not remembered'));
  }

  /**
   * Pulls an account's new messages (the callback's token, or none for a catch-up pull at start) and stores
   * each before the cursor moves on. Resolves when this pull — and any asked for meanwhile — is done.
   */
  pull(openKfId: string, token?: string): Promise<void> {
    const current = this.pulls.get(openKfId);
    if (current) {
      current.again = token ?? current.again ?? null;
      return current.running;
    }
    const entry: { running: Promise<void>; again: string | undefined | null } = { running: Promise.resolve(), again: undefined };
    entry.running = (async () => {
      let next: string | undefined | null = token ?? null;
      while (next !== undefined) {
        entry.again = undefined;
        await this.pullOnce(openKfId, next ?? undefined).catch((err: unknown) => this.logger?.error({ err, openKfId }, 'wecom-kf: sync_msg failed; the next callback pulls again'));
        next = entry.again;
      }
    })().finally(() => this.pulls.delete(openKfId));
    this.pulls.set(openKfId, entry);
    return entry.running;
  }

  /** Resolves when the pulls in progress are done and every message pulled so far has been handled. */
  override async settled(): Promise<void> {
    while (this.pulls.size > 0) await Promise.all([...this.pulls.values()].map((p) => p.running));
    await super.settled();
  }

  private async pullOnce(openKfId: string, token: string | undefined): Promise<void> {
    const cursorKey = `cursor/${openKfId}`;
    let cursor = await this.store.get<string>(cursorKey);
    for (;;) {
      const page = await this.client.syncMsg({ ...(cursor ? { cursor } : {}), ...(token ? { token } : {}), openKfId });
      for (const message of page.msg_list) await this.take(message);
      if (page.next_cursor) {
        cursor = page.next_cursor;
        await this.store.set(cursorKey, cursor);
      }
      if (!page.has_more || !page.next_cursor) return;
    }
  }

  /** Stores one pulled message (and queues its turn), or says why it is not for the bot. */
  private async take(message: KfMessage): Promise<void> {
    const platformId = message.msgid;
    if (message.origin === KF_ORIGIN.event && message.event) {
      const event = message.event;
      if (event.event_type === 'enter_session' && event.external_userid) {
        const openKfId = event.open_kfid ?? message.open_kfid;
        await this.admit(event.external_userid, platformId, () =>
          this.job(platformId, {
            ...this.activity(platformId, openKfId, event.external_userid!, message),
            type: ActivityTypes.ConversationUpdate,
            text: undefined,
            membersAdded: [{ id: `wxkf:${event.external_userid}`, name: event.external_userid! }],
            channelData: { wecomKf: { openKfId, externalUserId: event.external_userid, event: 'enter_session', ...(event.welcome_code ? { welcomeCode: event.welcome_code } : {}) } },
          }),
        );
        return;
      }
      if (event.event_type === 'msg_send_fail') this.logger?.warn({ failMsgId: event.fail_msgid, failType: event.fail_type }, 'wecom-kf: WeCom could not deliver a message');
      else this.logger?.info({ eventType: event.event_type, changeType: event.change_type }, 'wecom-kf: event');
      this.ignored(platformId, `event ${event.event_type}`);
      return;
    }
    if (message.origin !== KF_ORIGIN.customer || !message.external_userid) {
      this.ignored(platformId, `origin ${message.origin}`);
      return;
    }
    const externalUserId = message.external_userid;
    // A new allowance of send_msg (before the turn runs: WeCom counts from the message, not from our turn).
    await this.budget
      .customerWrote(kfConversationId(message.open_kfid, externalUserId), message.send_time > 0 ? message.send_time * 1000 : Date.now(), platformId)
      .catch((err: unknown) => this.logger?.warn({ err, platformId }, 'wecom-kf: the allowance not renewed (WeCom decides)'));
    await this.admit(externalUserId, platformId, () => {
      const activity = this.activity(platformId, message.open_kfid, externalUserId, message);
      switch (message.msgtype) {
        case 'text':
          return message.text?.content.trim() ? this.job(platformId, { ...activity, text: message.text.content }) : this.ignored(platformId, 'no content');
        case 'image':
          return this.job(platformId, activity, { file: { mediaId: message.image!.media_id, name: `image-${platformId}.jpg` } });
        case 'file':
          return this.job(platformId, activity, { file: { mediaId: message.file!.media_id, name: `file-${platformId}` } });
        default:
          return this.job(platformId, activity, { refusals: [{ reason: 'unsupported_message', kind: kindName('zh-CN', UNSUPPORTED[message.msgtype] ?? 'other') }] });
      }
    });
  }

  private activity(platformId: string, openKfId: string, externalUserId: string, message: KfMessage): Partial<Activity> {
    const conversationId = kfConversationId(openKfId, externalUserId);
    return {
      id: platformId,
      type: ActivityTypes.Message,
      text: '',
      timestamp: new Date(message.send_time > 0 ? message.send_time * 1000 : Date.now()),
      channelId: WECOM_KF_CHANNEL_ID,
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: conversationId },
      from: { id: `wxkf:${externalUserId}`, name: externalUserId, role: 'user' },
      recipient: { ...BOT_ACCOUNT },
      locale: 'zh-CN',
      channelData: { wecomKf: { openKfId, externalUserId, msgType: message.msgtype, ...(message.text?.menu_id ? { menuId: message.text.menu_id } : {}) } },
    };
  }

  protected async download(file: NonNullable<PlatformJob['file']>, maxBytes: number): Promise<Download | TooLarge> {
    return this.client.downloadMedia(file.mediaId, maxBytes);
  }

  // ── Turns and the service state ───────────────────────────────────────────────────────────────────

  /** A merchant's turn; then the session's state follows what the turn did (with the bot, or queued). */
  override async processActivity(inbound: Partial<Activity>, logic: BotLogic, options: { maskedBefore?: number } = {}): Promise<void> {
    const conversationId = inbound.conversation?.id ?? '';
    const welcomeCode = (inbound.channelData as { wecomKf?: { welcomeCode?: string } } | undefined)?.wecomKf?.welcomeCode;
    if (welcomeCode) this.welcome.set(conversationId, welcomeCode);
    try {
      await super.processActivity(inbound, this.holding(conversationId, logic), options);
    } finally {
      this.welcome.delete(conversationId);
    }
    if ((inbound.type ?? ActivityTypes.Message) === ActivityTypes.Message) await this.states.afterTurn(kfParties(conversationId));
  }

  /** `handoff.status` (claimed, finished, timed out): after the bot's turn, the session's state follows. */
  override async continueWithEvent(reference: Partial<ConversationReference>, name: string, value: unknown, logic: BotLogic): Promise<void> {
    await super.continueWithEvent(reference, name, value, reference.conversation?.id ? this.holding(reference.conversation.id, logic) : logic);
    if (name === 'handoff.status' && reference.conversation?.id) {
      await this.states.afterHandoffStatus(kfParties(reference.conversation.id), value as { state?: string; message?: string });
    }
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    if (activities.some((a) => a.type === ActivityTypes.Event && a.name === 'handoff.initiate') && context.activity.conversation?.id?.startsWith('wxkf:')) {
      this.states.handoffRequested(kfParties(context.activity.conversation.id));
    }
    return super.sendActivities(context, activities);
  }

  // ── Outbound ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * One outgoing message's parts: the first text of a session just entered goes with the welcome code (not
   * counted); the rest with send_msg, within the allowance (see the file's comment).
   */
  protected async send(activity: Partial<Activity>, parts: OutgoingPart[]): Promise<string> {
    const conversationId = activity.conversation?.id ?? '';
    let rest = parts;
    let last = '';
    const code = this.welcome.get(conversationId);
    const greeting = code ? parts.findIndex((p) => p.kind === 'text' || p.kind === 'menu') : -1;
    if (code && greeting >= 0) {
      // The greeting of a session just entered: once, with the event's code.
      this.welcome.delete(conversationId);
      last = await this.client.sendOnEvent(code, this.message(parts[greeting] as Extract<OutgoingPart, { kind: 'text' | 'menu' }>) as Parameters<KfClient['sendOnEvent']>[1]);
      rest = parts.filter((_, i) => i !== greeting);
    }
    if (rest.length === 0) return last;
    const turn = this.turns.get(conversationId);
    if (turn) {
      if (turn.held.length === 0) {
        const left = await this.budget.remaining(conversationId);
        // At once while one message stays in reserve for whatever the turn still says.
        if (left === undefined || rest.length < left) return (await this.sendNow(conversationId, rest)) || last;
      }
      turn.held.push(...rest);
      return last;
    }
    const { messages, unsent } = await this.fitted(conversationId, rest);
    if (messages.length) last = (await this.sendNow(conversationId, messages)) || last;
    if (unsent.length) throw new KfSendLimitError(conversationId, unsent.length);
    return last;
  }

  /** A turn's logic, with its held parts sent (merged into what the allowance has left) when it ends. */
  private holding(conversationId: string, logic: BotLogic): BotLogic {
    return async (context) => {
      const turn = { held: [] as OutgoingPart[] };
      this.turns.set(conversationId, turn);
      try {
        await logic(context);
      } finally {
        if (this.turns.get(conversationId) === turn) this.turns.delete(conversationId);
        if (turn.held.length) await this.flush(conversationId, turn.held);
      }
    };
  }

  /** Sends what a turn held; what does not go out is logged (it is in the transcript), never thrown into the turn. */
  private async flush(conversationId: string, held: OutgoingPart[]): Promise<void> {
    try {
      const { messages } = await this.fitted(conversationId, held);
      if (messages.length === 0) return;
      await this.sendNow(conversationId, messages);
      await this.rememberOptions(conversationId, messages);
    } catch (err) {
      if (!(err instanceof WechatApiError)) this.logger?.warn({ err, conversationId }, 'wecom-kf: the end of a turn not sent (it is in the transcript)');
    }
  }

  /** `parts` merged into the messages the allowance has left; what does not fit is logged. */
  private async fitted(conversationId: string, parts: OutgoingPart[]): Promise<{ messages: OutgoingPart[]; unsent: OutgoingPart[] }> {
    const left = await this.budget.remaining(conversationId);
    if (left === undefined) return { messages: parts, unsent: [] };
    const fit = fitInto(parts, left, KF_TEXT_LIMIT);
    if (fit.messages.length < parts.length) this.logger?.info({ conversationId, parts: parts.length, messages: fit.messages.length, left }, 'wecom-kf: messages merged to stay within WeCom\'s allowance');
    if (fit.named.length) this.logger?.warn({ conversationId, files: fit.named.length }, 'wecom-kf: files over WeCom\'s allowance named in the text, not sent (they are in the transcript)');
    if (fit.unsent.length) {
      this.logger?.warn({ conversationId, unsent: fit.unsent.length, left }, `wecom-kf: over WeCom's allowance (${KF_SEND_ALLOWANCE} messages within 48 hours of the customer's last message); not sent, kept in the transcript for the agents`);
    }
    return { messages: fit.messages, unsent: fit.unsent };
  }

  /** send_msg for each part, counted; a refusal is logged and thrown (95001: the allowance is marked used up). */
  private async sendNow(conversationId: string, parts: OutgoingPart[]): Promise<string> {
    const { openKfId, externalUserId } = kfParties(conversationId);
    let last = '';
    for (const part of parts) {
      try {
        last = await this.client.sendMsg(openKfId, externalUserId, await this.outgoing(part));
      } catch (err) {
        if (err instanceof WechatApiError && err.errcode === KF_SEND_LIMIT_ERRCODE) await this.budget.exhausted(conversationId).catch(() => undefined);
        this.logger?.warn({ err, conversationId }, 'wecom-kf: message not sent (outside the 48-hour / 5-message allowance, or the session is not with the bot); kept in the transcript for the agents');
        throw err;
      }
      await this.budget.count(conversationId).catch((err: unknown) => this.logger?.warn({ err, conversationId }, 'wecom-kf: send not counted'));
    }
    return last;
  }

  private message(part: Extract<OutgoingPart, { kind: 'text' | 'menu' }>) {
    if (part.kind === 'text') return { msgtype: 'text' as const, text: { content: part.text } };
    return {
      msgtype: 'msgmenu' as const,
      msgmenu: { head_content: part.text, list: part.options.map((content, i) => ({ type: 'click' as const, click: { id: String(i + 1), content } })) },
    };
  }

  private async outgoing(part: OutgoingPart) {
    if (part.kind === 'text' || part.kind === 'menu') return this.message(part);
    const mediaId = await this.client.uploadMedia(part.kind, part.bytes, part.name, part.contentType);
    return part.kind === 'image' ? { msgtype: 'image' as const, image: { media_id: mediaId } } : { msgtype: 'file' as const, file: { media_id: mediaId } };
  }
}
