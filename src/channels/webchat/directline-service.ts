/**
 * Direct Line behaviour independent of HTTP: conversations, posting (echo, retry de-duplication,
 * limits, masking), starting, and replaying messages a previous process stored but never processed.
 * The routes translate HTTP to these calls; tests and the benchmark can use them directly.
 */
import { ActivityTypes, type Activity } from 'botbuilder';
import { AppError } from '../../core/errors.js';
import { randomBase62 } from '../../core/ids.js';
import { BOT_ACCOUNT, type BotLogic } from '../channel-adapter.js';
import type { DirectLineStore } from './directline-store.js';
import { InProcessRateLimit, type RateLimit } from '../../scale/rate-limit.js';
import { DIRECTLINE_CHANNEL_ID, type ActivityHub, type WebChatAdapter } from './webchat-adapter.js';

/** A turn that failed this often on an orphan is not tried again by this instance (until it restarts). */
const MAX_ORPHAN_ATTEMPTS = 3;

/** Event names a Direct Line client may post (what the official Web Chat and its samples send). */
const CLIENT_EVENTS = new Set(['webchat/join', 'webchat/exit']);

export interface DirectLineLimits {
  maxTextLength: number;
  messagesPerMinute: number;
}

export interface PostResult {
  id: string;
  duplicate: boolean;
}

/** 22 random base62 characters: unguessable conversation and user ids. */
export function randomId(prefix = ''): string {
  return prefix + randomBase62(22);
}

export class DirectLineService {
  private readonly limiter: RateLimit;
  private readonly inflight = new Set<Promise<void>>();
  /** Messages this instance has taken up (`conversation|seq`), so a sweep does not take them up again. */
  private readonly taken = new Set<string>();
  /** Orphans whose turn failed here, by how often: given up after MAX_ORPHAN_ATTEMPTS. */
  private readonly orphanAttempts = new Map<string, number>();

  constructor(
    private readonly deps: {
      store: DirectLineStore;
      hub: ActivityHub;
      adapter: WebChatAdapter;
      logic: BotLogic;
      limits: DirectLineLimits;
      /** The messages-per-minute budget, shared by every instance when it is kept in Redis. */
      rateLimit?: RateLimit;
      /**
       * With several instances: a message still unanswered this long after it was stored is taken to be
       * left by an instance that died, and `answerOrphans` answers it. Unset (one instance): never.
       */
      orphanAfterMs?: number;
      onError: (err: unknown, context: Record<string, unknown>) => void;
    },
  ) {
    this.limiter = deps.rateLimit ?? new InProcessRateLimit({ name: 'dl-messages', limit: deps.limits.messagesPerMinute });
  }

  get store(): DirectLineStore {
    return this.deps.store;
  }

  get hub(): ActivityHub {
    return this.deps.hub;
  }

  async createConversation(userId?: string): Promise<{ conversationId: string; userId: string }> {
    const conversationId = randomId();
    const user = userId ?? randomId('dl_');
    await this.deps.store.createConversation(conversationId, user);
    return { conversationId, userId: user };
  }

  /** Starts the conversation once: the merchant "joins" and the bot greets. */
  async start(conversationId: string, serviceUrl: string, locale?: string): Promise<boolean> {
    const conv = await this.deps.store.getConversation(conversationId);
    if (!conv) throw new AppError('DL_NOT_FOUND');
    const started = await this.deps.store.markStarted(conversationId);
    if (started) {
      this.track(
        this.deps.adapter.processActivity(
          {
            type: ActivityTypes.ConversationUpdate,
            channelId: DIRECTLINE_CHANNEL_ID,
            serviceUrl,
            conversation: { id: conversationId } as Activity['conversation'],
            from: { id: conv.userId, name: conv.userId, role: 'user' },
            recipient: { ...BOT_ACCOUNT },
            membersAdded: [{ id: conv.userId, name: conv.userId }],
            locale,
          },
          this.deps.logic,
        ),
        { conversationId, what: 'start' },
      );
    }
    return started;
  }

  /**
   * Takes one message from the conversation's rate budget, or throws `DL_RATE_LIMITED`. The upload
   * route calls it before reading any file (a flood must not fill the disk first), then posts with
   * `rateTaken`.
   */
  async takeRate(conversationId: string): Promise<void> {
    const wait = await this.limiter.take(conversationId);
    if (wait > 0) throw new AppError('DL_RATE_LIMITED', undefined, { details: { retryAfterSeconds: Math.ceil(wait / 1000) } });
  }

  /**
   * Stores the merchant's activity (masked) and echoes it to the conversation's listeners, then runs
   * the bot on it — once: a retry with the same client activity id gets the stored id back.
   */
  async post(conversationId: string, userId: string, input: Partial<Activity>, serviceUrl: string, options: { rateTaken?: boolean } = {}): Promise<PostResult> {
    const type = input.type ?? ActivityTypes.Message;
    if (typeof type !== 'string' || !['message', 'event', 'typing'].includes(type)) {
      throw new AppError('DL_BAD_REQUEST', `activity type "${String(type)}" is not accepted`);
    }
    // Events the bot acts on (handoff.status: an agent joined, callback mode…) come from the server side
    // only; a client may send the few Web Chat itself sends, which the bot does not act on.
    if (type === 'event' && !CLIENT_EVENTS.has(String(input.name))) {
      throw new AppError('DL_BAD_REQUEST', `event "${String(input.name).slice(0, 60)}" is not accepted from a client`);
    }
    if (input.text !== undefined && typeof input.text !== 'string') throw new AppError('DL_BAD_REQUEST', 'text must be a string');
    const text = input.text ?? '';
    if (text.length > this.deps.limits.maxTextLength) {
      throw new AppError('DL_TEXT_TOO_LONG', `${text.length} > ${this.deps.limits.maxTextLength}`, {
        details: { max: this.deps.limits.maxTextLength, length: text.length },
      });
    }
    const channelData = (input.channelData && typeof input.channelData === 'object' ? input.channelData : {}) as Record<string, unknown>;
    const clientActivityId = typeof channelData.clientActivityID === 'string' ? channelData.clientActivityID.slice(0, 100) : undefined;
    if (type === 'typing') {
      // The merchant is typing: live only, nothing to store or answer.
      return { id: '', duplicate: false };
    }
    // A retry is answered with what was stored, before any limit: it is not a new message.
    if (clientActivityId) {
      const existing = await this.deps.store.findByClientId(conversationId, clientActivityId);
      if (existing) return { id: existing, duplicate: true };
    }
    if (!options.rateTaken) await this.takeRate(conversationId);

    // The server decides who is speaking: the token's user, never what the body claims.
    const activity: Partial<Activity> = {
      type,
      text: input.text,
      name: type === 'event' ? input.name : undefined,
      value: type === 'event' ? input.value : undefined,
      locale: typeof input.locale === 'string' ? input.locale.slice(0, 20) : undefined,
      attachments: input.attachments,
      channelData,
      channelId: DIRECTLINE_CHANNEL_ID,
      serviceUrl,
      conversation: { id: conversationId } as Activity['conversation'],
      from: { id: userId, name: userId, role: 'user' },
      recipient: { ...BOT_ACCOUNT },
      timestamp: new Date(),
    };
    // Masked once, here, before it is stored (also a card number begun in the previous message); the
    // adapter is told so and does not run it through the split-card memory again.
    const { value: masked, count } = this.deps.adapter.maskInbound(activity);
    const stored = await this.deps.store.append(conversationId, masked, { clientActivityId, fromRole: 'user', processed: false });
    if (stored.duplicate) return { id: stored.id, duplicate: true };
    this.deps.hub.notify(conversationId);
    this.process(conversationId, stored.seq, { ...masked, id: stored.id }, count);
    return { id: stored.id, duplicate: false };
  }

  /** Runs the bot on messages stored by an earlier process that stopped before answering them. */
  async replayPending(): Promise<number> {
    const pending = await this.deps.store.pending();
    for (const p of pending) this.process(p.conversationId, p.seq, p.activity);
    return pending.length;
  }

  /**
   * Answers messages an instance that died left unanswered (see `orphanAfterMs`); every instance may run
   * it, at any time: each turn checks, inside the conversation's lease, that its message is still
   * unanswered, so a message is answered once however many instances take it up. Returns how many it
   * took up.
   */
  async answerOrphans(): Promise<number> {
    const { orphanAfterMs } = this.deps;
    if (orphanAfterMs === undefined) return 0;
    const orphans = await this.deps.store.pending(new Date(Date.now() - orphanAfterMs));
    // Forget the attempts of messages answered since (here or elsewhere).
    const current = new Set(orphans.map((p) => `${p.conversationId}|${p.seq}`));
    for (const key of this.orphanAttempts.keys()) if (!current.has(key)) this.orphanAttempts.delete(key);
    let taken = 0;
    for (const p of orphans) {
      const key = `${p.conversationId}|${p.seq}`;
      if (this.taken.has(key) || (this.orphanAttempts.get(key) ?? 0) >= MAX_ORPHAN_ATTEMPTS) continue;
      this.orphanAttempts.set(key, (this.orphanAttempts.get(key) ?? 0) + 1);
      this.process(p.conversationId, p.seq, p.activity);
      taken += 1;
    }
    return taken;
  }

  /** Resolves when every accepted message has been processed (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.deps.adapter.drain();
  }

  private process(conversationId: string, seq: number, activity: Partial<Activity>, maskedBefore = 0): void {
    const { store } = this.deps;
    const key = `${conversationId}|${seq}`;
    this.taken.add(key);
    this.track(
      // Checked and marked inside the conversation's turn (its lease, with several instances), so that a
      // message two instances pick up — posted to one, replayed by another starting meanwhile — is
      // answered once.
      this.deps.adapter.processActivity(activity, this.deps.logic, {
        maskedBefore,
        stillPending: () => store.isPending(conversationId, seq),
        afterTurn: () => store.markProcessed(conversationId, seq),
      }).finally(() => this.taken.delete(key)),
      { conversationId, seq },
    );
  }

  private track(work: Promise<unknown>, context: Record<string, unknown>): void {
    const p: Promise<void> = work.then(
      () => undefined,
      (err: unknown) => this.deps.onError(err, context),
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }
}
