/**
 * The one adapter shape every channel shares (a botbuilder `BotAdapter`). A channel subclass only
 * translates: its platform's message → `Activity` (then `processActivity`), and an outgoing `Activity` →
 * its platform's API call (`deliver`). Everything a channel must never get wrong lives here, once:
 * - card numbers are masked before anything else sees the activity (transcript, logs, bot, replies),
 *   also one split over two consecutive messages (`maskInbound`);
 * - the inbound activity is saved to the transcript before the bot runs, every outbound one before it
 *   is delivered;
 * - turns of one conversation are serialised; proactive turns (`continueConversation`) join the queue.
 */
import { randomUUID } from 'node:crypto';
import {
  ActivityTypes,
  BotAdapter,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import { maskActivity } from '../privacy/card-mask.js';
import { SplitCardMemory } from '../privacy/split-card-memory.js';
import type { Logger } from '../core/logger.js';
import type { SqlTranscriptStore } from '../store/transcript-store.js';
import { ConversationQueue } from './conversation-queue.js';
import type { InboundJournal } from './inbound-journal.js';
import type { TurnLock } from '../scale/turn-lock.js';
import { isInterimStream } from './streaming.js';
import { InProcessRateLimit, type RateLimit, type RateLimitSpec } from '../scale/rate-limit.js';
import { detectLocale, t } from '../i18n/messages.js';

/** What a channel can show; the bot degrades (e.g. buttons → numbered options) where it cannot. */
export interface ChannelCapabilities {
  suggestedActions: boolean;
  markdown: boolean;
  attachments: boolean;
  typing: boolean;
  /**
   * Shows a streamed reply growing in place (see `streaming.ts`). Where false the interim activities are
   * dropped and the bot does not stream for that channel.
   */
  streaming: boolean;
  /** Longest text one message may carry; longer replies are split by the channel. */
  maxTextLength?: number;
}

export const DEFAULT_CAPABILITIES: ChannelCapabilities = {
  suggestedActions: true,
  markdown: true,
  attachments: true,
  typing: true,
  streaming: false,
};

/** turnState key: how many card numbers were masked in the inbound activity. */
export const MASKED_CARD_NUMBERS = Symbol('maskedCardNumbers');

export const BOT_ACCOUNT = { id: 'pos-assist', name: 'POS Assist', role: 'bot' } as const;

export interface ChannelAdapterOptions {
  channelId: string;
  capabilities?: Partial<ChannelCapabilities>;
  transcripts: SqlTranscriptStore;
  queue?: ConversationQueue;
  /** Without `queue`: the lock its queue holds each turn in (a Redis turn lock spans the instances). */
  turnLock?: TurnLock;
  /** Makes the per-user limits (`coordination.rateLimit`: shared by the instances with Redis); default: this process. */
  rateLimits?: (spec: RateLimitSpec) => RateLimit;
  /** The previous message's trailing digits per conversation (default: a new one per adapter). */
  splitCards?: SplitCardMemory;
  /**
   * Limits on what one user may send (chat platforms, where every message can cost a model call): a
   * message past them is kept in the transcript but not run; the user is told once per minute why.
   */
  inboundLimits?: InboundLimits;
}

export interface InboundLimits {
  /** Messages one user may send per minute (all their conversations on this channel together). */
  messagesPerMinute: number;
  /** Longest text taken in one message. */
  maxTextLength: number;
}

export type BotLogic = (context: TurnContext) => Promise<void>;

export interface TurnOptions {
  /** See `processActivity`. */
  maskedBefore?: number;
  /**
   * Asked once the turn's place in the queue (and, across instances, the conversation's lease) is this
   * one's: false skips the turn. A message stored once may be picked up by two instances (the one it was
   * posted to, and one replaying what looked unanswered); only the first to hold the lease answers it.
   */
  stillPending?: () => Promise<boolean>;
  /**
   * Runs after a turn that succeeded, still inside its place (and lease): e.g. marking the message
   * answered. Also for a message the limits keep from running (it is dealt with).
   */
  afterTurn?: () => Promise<void>;
}

/** What a platform channel (Telegram, WeChat) needs from the server to start; the server builds it once. */
export interface PlatformChannelDeps {
  /** `runtime.attach`: connects the adapter to the bot (handoff sink, error handling, notifications). */
  attach(adapter: ChannelAdapter): void;
  /** `(context) => runtime.bot.run(context)`. */
  logic: BotLogic;
  transcripts: SqlTranscriptStore;
  /** `config.paths.files`. */
  filesDir: string;
  /** `config.webchat.uploadMaxBytes`: the same limit as web chat uploads. */
  uploadMaxBytes: number;
  /** `CHAT_MESSAGES_PER_MINUTE` and `CHAT_MAX_TEXT_LENGTH`: what one user may send. */
  inboundLimits?: InboundLimits;
  /** Inbound messages stored before they are acknowledged, replayed after a crash (one for all channels). */
  journal: InboundJournal;
  /** One turn at a time per conversation across the instances (`coordination.turnLock`); default: this process. */
  turnLock?: TurnLock;
  /** Makes the per-user limits (`coordination.rateLimit`: shared by the instances with Redis); default: this process. */
  rateLimits?: (spec: RateLimitSpec) => RateLimit;
  logger: Logger;
}

export abstract class ChannelAdapter extends BotAdapter {
  private readonly inboundLimits: InboundLimits | undefined;
  private readonly userRate: RateLimit | undefined;
  private readonly toldLimit: RateLimit | undefined;
  readonly channelId: string;
  readonly capabilities: ChannelCapabilities;
  protected readonly transcripts: SqlTranscriptStore;
  protected readonly queue: ConversationQueue;
  private readonly splitCards: SplitCardMemory;
  /** Receives `handoff.initiate` events the bot sends (set by the composition root). */
  handoffSink: ((context: TurnContext, event: Partial<Activity>) => Promise<void>) | undefined;

  constructor(options: ChannelAdapterOptions) {
    super();
    this.channelId = options.channelId;
    this.capabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
    this.transcripts = options.transcripts;
    this.queue = options.queue ?? new ConversationQueue(options.turnLock);
    this.splitCards = options.splitCards ?? new SplitCardMemory();
    this.inboundLimits = options.inboundLimits;
    if (this.inboundLimits) {
      const make = options.rateLimits ?? ((spec: RateLimitSpec) => new InProcessRateLimit(spec));
      // Per channel, as a user's id is the channel's: one budget per user and channel, on every instance.
      this.userRate = make({ name: `chat-messages:${this.channelId}`, limit: this.inboundLimits.messagesPerMinute });
      this.toldLimit = make({ name: `chat-told:${this.channelId}`, limit: 1 });
    }
  }

  /**
   * Why this message is not run (the text to say, or '' when the user was told already this minute), or
   * undefined when it is within the limits.
   */
  private async overLimit(activity: Partial<Activity>): Promise<string | undefined> {
    const limits = this.inboundLimits;
    if (!limits || (activity.type ?? ActivityTypes.Message) !== ActivityTypes.Message) return undefined;
    const text = typeof activity.text === 'string' ? activity.text : '';
    const user = activity.from?.id ?? '';
    const locale = detectLocale(text) ?? 'zh-CN';
    let reason: string | undefined;
    if (text.length > limits.maxTextLength) reason = t(locale, 'errTextTooLong', { max: limits.maxTextLength });
    else {
      const wait = await this.userRate!.take(user);
      if (wait > 0) reason = t(locale, 'errRateLimited', { seconds: Math.ceil(wait / 1000) });
    }
    if (reason === undefined) return undefined;
    // A flood gets one answer a minute, not one per message (that would be a flood back).
    return (await this.toldLimit!.take(user)) > 0 ? '' : reason;
  }

  /** Sends one outgoing activity through the platform; returns the platform's id for it. */
  protected abstract deliver(activity: Partial<Activity>): Promise<ResourceResponse>;

  /**
   * Masks an inbound activity: every card number in it, and in a message's text also one begun at the end
   * of the previous message of the same sender in the same conversation ("6222 0212", then "3456 7890
   * 128": this message's digits but the last 4 are masked; see `SplitCardMemory`). It remembers how each
   * message ends, so call it exactly once per inbound activity, in the order they came: `processActivity`
   * does, unless the channel called it first (to store its own copy) and passes `maskedBefore`.
   */
  maskInbound<T extends Partial<Activity>>(activity: T): { value: T; count: number } {
    const masked = maskActivity(activity);
    const type = masked.value.type ?? ActivityTypes.Message;
    if (type !== ActivityTypes.Message) return masked;
    const text = typeof masked.value.text === 'string' ? masked.value.text : '';
    const key = `${activity.channelId ?? this.channelId}:${activity.conversation?.id ?? ''}:${activity.from?.id ?? ''}`;
    const split = this.splitCards.mask(key, text);
    if (split.count === 0) return masked;
    return { value: { ...masked.value, text: split.text }, count: masked.count + split.count };
  }

  /**
   * Runs the bot on one inbound activity. Resolves when the turn has finished (after earlier turns of
   * the same conversation). The activity is masked and saved to the transcript before it is queued, so a
   * message is on record even if the process stops while it waits.
   *
   * `maskedBefore`: the channel masked the activity already with `maskInbound` (to store its own copy
   * first; also for a stored message replayed after a restart, with 0) and says how many it found; the
   * activity is then masked again as a precaution (it changes nothing) but not run through the split-card
   * memory a second time.
   * @throws Error when the activity has no `conversation.id` or `from.id` (a channel's bug: every channel
   * sets both); whatever the bot's turn throws, after the activity is on record.
   */
  async processActivity(inbound: Partial<Activity>, logic: BotLogic, options: TurnOptions = {}): Promise<void> {
    const normalized = this.normalizeInbound(inbound);
    const masked = options.maskedBefore === undefined ? this.maskInbound(normalized) : maskActivity(normalized);
    const activity = masked.value;
    const count = masked.count + (options.maskedBefore ?? 0);
    await this.transcripts.logActivity(activity as Activity, 'in');
    const refusal = await this.overLimit(activity);
    if (refusal !== undefined) {
      // On record (above), not run: the bot and its model never see it. Told once a minute, not per message.
      if (refusal) logic = async (context) => void (await context.sendActivity(refusal));
      else return options.afterTurn?.();
    }
    await this.queue.run(this.queueKey(activity), async () => {
      if (options.stillPending && !(await options.stillPending())) return;
      const context = new TurnContext(this, activity);
      context.turnState.set(MASKED_CARD_NUMBERS, count);
      await this.runMiddleware(context, logic);
      await options.afterTurn?.();
    });
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const outgoing of activities) {
      if (outgoing.type === 'delay') {
        await new Promise((r) => setTimeout(r, typeof outgoing.value === 'number' ? outgoing.value : 1000));
        responses.push({ id: '' });
        continue;
      }
      if (isInterimStream(outgoing) && !this.capabilities.streaming) {
        // A channel that cannot grow a message in place gets only the stream's final message.
        responses.push({ id: '' });
        continue;
      }
      if (outgoing.type === ActivityTypes.InvokeResponse) {
        responses.push({ id: '' });
        continue;
      }
      if (outgoing.type === ActivityTypes.Event && outgoing.name === 'handoff.initiate' && this.handoffSink) {
        // The botbuilder handoff convention: the bot asks for a person with a `handoff.initiate` event;
        // it goes to the handoff service (the agents' queue), not to the merchant's channel.
        const { value: event } = maskActivity(this.normalizeOutbound(context, outgoing));
        await this.handoffSink(context, event);
        responses.push({ id: event.id! });
        continue;
      }
      const { value: activity } = maskActivity(this.normalizeOutbound(context, outgoing));
      if (activity.type !== ActivityTypes.Typing) await this.transcripts.logActivity(activity as Activity, 'out');
      const response = await this.deliver(activity);
      responses.push({ id: response.id || activity.id! });
    }
    return responses;
  }

  /** @throws Error always: chat platforms' messages are not edited through botbuilder here (streams edit their own). */
  async updateActivity(_context: TurnContext, _activity: Partial<Activity>): Promise<ResourceResponse | void> {
    throw new Error(`${this.channelId}: updating a sent message is not supported`);
  }

  /** @throws Error always: sent messages are not deleted. */
  async deleteActivity(_context: TurnContext, _reference: Partial<ConversationReference>): Promise<void> {
    throw new Error(`${this.channelId}: deleting a sent message is not supported`);
  }

  /** A proactive turn (agent reply, status notification) in a stored conversation, queued like any other. */
  async continueConversation(reference: Partial<ConversationReference>, logic: BotLogic): Promise<void> {
    const activity = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name: 'continueConversation', id: randomUUID(), timestamp: new Date() },
      reference,
      true,
    );
    await this.queue.run(this.queueKey(activity), async () => {
      const context = new TurnContext(this, activity);
      await this.runMiddleware(context, logic);
    });
  }

  /**
   * An inbound event turn in a stored conversation (e.g. `handoff.status` from the handoff service to the
   * bot), queued like any other turn of that conversation.
   */
  async continueWithEvent(reference: Partial<ConversationReference>, name: string, value: unknown, logic: BotLogic): Promise<void> {
    const activity = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name, value, id: randomUUID(), timestamp: new Date() },
      reference,
      true,
    );
    await this.queue.run(this.queueKey(activity), async () => {
      const context = new TurnContext(this, activity);
      await this.runMiddleware(context, logic);
    });
  }

  /** Waits for every queued turn to finish (graceful shutdown). */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  protected queueKey(activity: Partial<Activity>): string {
    return `${activity.channelId ?? this.channelId}:${activity.conversation?.id ?? ''}`;
  }

  private normalizeInbound(a: Partial<Activity>): Partial<Activity> {
    if (!a.conversation?.id) throw new Error(`${this.channelId}: inbound activity without conversation.id`);
    if (!a.from?.id) throw new Error(`${this.channelId}: inbound activity without from.id`);
    return {
      ...a,
      type: a.type ?? ActivityTypes.Message,
      id: a.id ?? randomUUID(),
      timestamp: a.timestamp ?? new Date(),
      channelId: a.channelId ?? this.channelId,
      serviceUrl: a.serviceUrl ?? `urn:pos-assist:${this.channelId}`,
      from: { role: 'user', ...a.from },
      recipient: a.recipient ?? { ...BOT_ACCOUNT },
    };
  }

  private normalizeOutbound(context: TurnContext, a: Partial<Activity>): Partial<Activity> {
    const inbound = context.activity;
    return {
      ...a,
      type: a.type ?? ActivityTypes.Message,
      id: a.id ?? randomUUID(),
      timestamp: new Date(),
      channelId: a.channelId ?? inbound.channelId ?? this.channelId,
      serviceUrl: a.serviceUrl ?? inbound.serviceUrl,
      conversation: a.conversation ?? inbound.conversation,
      from: a.from ?? { ...BOT_ACCOUNT, ...inbound.recipient, role: 'bot' },
      recipient: a.recipient ?? inbound.from,
      replyToId: a.replyToId ?? (inbound.type === ActivityTypes.Message ? inbound.id : undefined),
      locale: a.locale ?? inbound.locale,
    };
  }
}

/** The capabilities of the channel a turn runs on (defaults for adapters that are not ours, e.g. tests). */
export function capabilitiesOf(context: TurnContext): ChannelCapabilities {
  return context.adapter instanceof ChannelAdapter ? context.adapter.capabilities : DEFAULT_CAPABILITIES;
}
