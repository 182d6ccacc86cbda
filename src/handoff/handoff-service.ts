/**
 * The handoff service: the agents' queue and the live chat between an agent and a merchant.
 *
 * It follows the botbuilder handoff convention inside: the bot asks for a person with a
 * `handoff.initiate` event (intercepted by the channel adapter and given to `initiate`), and learns what
 * happened through `handoff.status` events delivered to it as turns of the conversation — `accepted`
 * (an agent claimed it), `completed` (resolved or handed back: the bot resumes), `failed` (nobody
 * claimed it in time: the bot takes a callback number instead).
 *
 * While a handoff is open the bot stays silent: the merchant's messages come here (`fromMerchant`) and
 * go to the console live; the agent's replies go to the merchant's channel with `continueConversation`.
 */
import type { Activity, ConversationReference, TurnContext } from 'botbuilder';
import type { Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ChannelAdapter } from '../channels/channel-adapter.js';
import type { Database } from '../store/schema.js';
import { BusinessHours } from './business-hours.js';
import type { AgentView, FileView, HandoffDetails, HandoffEvent, HandoffPackage, HandoffSummary, ServerEvent } from './console-api.js';
import { ConsoleHub } from './console-hub.js';
import { HandoffStore, summaryOf, type HandoffRecord } from './handoff-store.js';
import { agentView } from './agents/agent-store.js';
import type { AuditAction, AuditLog } from '../ops/audit-log.js';
import { writeTransaction } from '../store/transactions.js';
import type { Locale } from '../core/locale.js';

export interface HandoffSettings {
  businessHours: string;
  timeZone: string;
  claimTimeoutSeconds: number;
  agentAwayMinutes: number;
}

export interface HandoffServiceOptions {
  db: Kysely<Database>;
  settings: HandoffSettings;
  now?: () => Date;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Where agents' claims, transfers and endings are recorded, in the transaction that makes them. */
  audit?: AuditLog;
  /** Told when a handoff opens (queued, or a ticket) and when an agent claims one (metrics). */
  onHandoff?: (event: 'opened' | 'claimed', handoff: HandoffRecord) => void;
}

/** What the channel side provides: the adapter of a channel, the bot, and file URLs for a conversation. */
export interface HandoffDelivery {
  adapterFor(channelId: string): ChannelAdapter | undefined;
  runBot(context: TurnContext): Promise<void>;
  /** An attachment the merchant's channel can show for a file the agent sent. */
  fileAttachment?(handoff: HandoffRecord, file: FileView & { size: number }): Promise<{ contentType: string; contentUrl: string; name: string }>;
}

export interface Availability {
  open: boolean;
  agentsOnline: number;
}

export interface QueuePosition {
  handoff: HandoffRecord;
  /** 1 = next. */
  position: number;
  waitMinutes: number;
}

/** The value of a `handoff.initiate` event the bot sends. */
export interface HandoffInitiation {
  reason: string;
  detail: string | null;
  package: HandoffPackage;
  locale: Locale;
}

/**
 * The human handoff: merchants queued for an agent (or left a ticket), agents claiming, talking,
 * transferring and finishing, and the bot told of each change in the merchant's conversation. Open
 * consoles hear every change through `hub`.
 *
 * What an agent may not do is an `AppError` the console API maps to a status: `HANDOFF_NOT_FOUND` (404),
 * `HANDOFF_CONFLICT` (409: another agent's, already ended, or the merchant's channel is not running here),
 * `HANDOFF_NOT_DELIVERED` (502). Database errors pass through unchanged. The bot-facing methods
 * (`initiate`, `fromMerchant`, `cancelByMerchant`, `rate`) throw nothing of their own.
 */
export class HandoffService {
  readonly store: HandoffStore;
  readonly hub = new ConsoleHub();
  readonly hours: BusinessHours;
  private delivery: HandoffDelivery | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: HandoffServiceOptions) {
    this.store = new HandoffStore(options.db);
    this.hours = new BusinessHours(options.settings.businessHours, options.settings.timeZone);
    this.now = options.now ?? (() => new Date());
  }

  /** How messages and status turns reach the merchants' channels; without it they are logged, not sent. */
  connect(delivery: HandoffDelivery): void {
    this.delivery = delivery;
  }

  // ── Agents ─────────────────────────────────────────────────────────────────────────────────────────

  /** Agents online: presence online and active within the away time. */
  async agentsOnline(): Promise<AgentView[]> {
    const since = new Date(this.now().getTime() - this.options.settings.agentAwayMinutes * 60_000).toISOString();
    const rows = await this.options.db
      .selectFrom('agents')
      .select(['id', 'name', 'role', 'presence', 'display_name'])
      .where('presence', '=', 'online')
      .where('last_active_at', '>=', since)
      .where('disabled_at', 'is', null)
      .orderBy('name')
      .execute();
    return rows.map((r) => ({ ...agentView(r), presence: 'online' as const }));
  }

  /** Whether business hours are open now, and how many agents are online. */
  async availability(): Promise<Availability> {
    return { open: this.hours.isOpen(this.now()), agentsOnline: (await this.agentsOnline()).length };
  }

  private async agentRef(id: number | null): Promise<{ id: number; name: string } | null> {
    if (id === null) return null;
    const row = await this.options.db.selectFrom('agents').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
    return row ?? null;
  }

  // ── From the bot ───────────────────────────────────────────────────────────────────────────────────

  /** A `handoff.initiate` event from the bot: the merchant joins the queue. */
  async initiate(context: TurnContext, event: Partial<Activity>): Promise<QueuePosition> {
    const value = event.value as HandoffInitiation;
    const activity = context.activity;
    const existing = await this.store.openFor(activity.channelId, activity.conversation.id);
    if (existing) return this.position(existing);
    const now = this.now();
    const handoff = await this.store.create({
      channelId: activity.channelId,
      conversationId: activity.conversation.id,
      conversationRef: referenceOf(activity),
      userId: activity.from?.id ?? null,
      locale: value.locale,
      status: 'waiting',
      reason: value.reason,
      detail: value.detail,
      package: value.package,
      now,
    });
    await this.store.addEvent(handoff.id, { kind: 'initiated', actor: 'bot', text: value.package.summary }, now);
    this.options.logger?.info({ handoffId: handoff.id, reason: value.reason, channelId: handoff.channelId }, 'handoff initiated');
    this.options.onHandoff?.('opened', handoff);
    const summary = await this.summary(handoff);
    this.hub.broadcast({ type: 'handoff.new', handoff: summary });
    return this.position(handoff);
  }

  /** Outside business hours, with no agent online, or after a timeout: a ticket agents see later. */
  async createTicket(
    context: TurnContext,
    input: { reason: string; detail: string | null; package: HandoffPackage; locale: Locale; message: string; callbackPhone: string; endReason: string },
  ): Promise<HandoffRecord> {
    const activity = context.activity;
    const now = this.now();
    const handoff = await this.store.create({
      channelId: activity.channelId,
      conversationId: activity.conversation.id,
      conversationRef: referenceOf(activity),
      userId: activity.from?.id ?? null,
      locale: input.locale,
      status: 'ticket',
      reason: input.reason,
      detail: input.detail,
      package: input.package,
      message: input.message,
      callbackPhone: input.callbackPhone,
      endReason: input.endReason,
      now,
    });
    await this.store.addEvent(handoff.id, { kind: 'ticket', actor: 'merchant', text: input.message }, now);
    this.options.onHandoff?.('opened', handoff);
    this.hub.broadcast({ type: 'handoff.new', handoff: await this.summary(handoff) });
    return handoff;
  }

  /** The model's brief for the agent replaces the template summary; open consoles hear about it. */
  async reviseSummary(id: string, summary: string): Promise<void> {
    if (!(await this.store.setSummary(id, summary, 'model'))) return;
    // Also a note in the timeline: an agent who already opened the handoff sees the brief arrive live.
    const event = await this.store.addEvent(id, { kind: 'note', actor: 'bot', text: summary }, this.now());
    this.hub.broadcast({ type: 'event', handoffId: id, event });
    const handoff = await this.store.get(id);
    if (handoff) this.hub.broadcast({ type: 'handoff.updated', handoff: await this.summary(handoff) });
  }

  /** A ticket made from a handoff that timed out gets the merchant's callback details afterwards. */
  async completeTicket(id: string, fields: { callbackPhone: string; message?: string }): Promise<void> {
    await this.store.setCallback(id, fields);
    await this.store.addEvent(id, { kind: 'ticket', actor: 'merchant', text: fields.message ?? null }, this.now());
    const handoff = await this.store.get(id);
    if (handoff) this.hub.broadcast({ type: 'handoff.updated', handoff: await this.summary(handoff) });
  }

  /**
   * The merchant gives another number to call back on a ticket still open ("座机不行啊 那打我儿子手机 137…"):
   * false when the ticket is no longer waiting for a call (an agent closed it).
   */
  async changeCallback(id: string, callbackPhone: string): Promise<boolean> {
    const handoff = await this.store.get(id);
    if (!handoff || handoff.status !== 'ticket') return false;
    await this.store.setCallback(id, { callbackPhone });
    const event = await this.store.addEvent(id, { kind: 'note', actor: 'merchant', text: '商户更改了回电号码' }, this.now());
    this.hub.broadcast({ type: 'event', handoffId: id, event });
    const updated = await this.store.get(id);
    if (updated) this.hub.broadcast({ type: 'handoff.updated', handoff: await this.summary(updated) });
    return true;
  }

  /** The conversation's handoff that is waiting or active, if any. */
  async openFor(channelId: string, conversationId: string): Promise<HandoffRecord | undefined> {
    return this.store.openFor(channelId, conversationId);
  }

  /** Where the handoff stands in the queue, and a wait estimate from recent claim times and agents online. */
  async position(handoff: HandoffRecord): Promise<QueuePosition> {
    const before = await this.store.waitingBefore(handoff);
    const average = (await this.store.averageClaimSeconds()) ?? 120;
    const agents = Math.max(1, (await this.agentsOnline()).length);
    return { handoff, position: before + 1, waitMinutes: Math.max(1, Math.ceil(((before + 1) * average) / agents / 60)) };
  }

  /** The merchant wrote while a handoff is open: to the console, live. */
  async fromMerchant(handoff: HandoffRecord, text: string, files: FileView[]): Promise<HandoffEvent> {
    const event = await this.store.addEvent(handoff.id, { kind: 'message_in', actor: 'merchant', text, attachments: files }, this.now());
    this.hub.broadcast({ type: 'event', handoffId: handoff.id, event });
    return event;
  }

  merchantTyping(handoff: HandoffRecord): void {
    this.hub.broadcast({ type: 'typing', handoffId: handoff.id, from: 'merchant' });
  }

  /**
   * "不用了" while waiting. Only a handoff still waiting is cancelled: one an agent claimed a moment ago
   * stays with that agent (false), so an agent who has just joined is not cut off behind their back.
   */
  async cancelByMerchant(handoff: HandoffRecord): Promise<boolean> {
    const now = this.now();
    if (!(await this.store.end(handoff.id, 'cancelled', now, undefined, ['waiting']))) return false;
    await this.store.addEvent(handoff.id, { kind: 'cancelled', actor: 'merchant' }, now);
    await this.changed(handoff.id);
    return true;
  }

  /** The merchant's rating of the conversation's last ended handoff (none: nothing happens). */
  async rate(channelId: string, conversationId: string, rating: number): Promise<void> {
    const last = await this.store.lastEnded(channelId, conversationId);
    if (!last) return;
    await this.store.setRating(last.id, rating);
    await this.store.addEvent(last.id, { kind: 'rating', actor: 'merchant', text: String(rating) }, this.now());
  }

  // ── From the console ───────────────────────────────────────────────────────────────────────────────

  /** Every handoff waiting, active or a ticket, for the console's queue. */
  async queue(): Promise<HandoffSummary[]> {
    const open = await this.store.list(['waiting', 'active', 'ticket']);
    return Promise.all(open.map((h) => this.summary(h)));
  }

  /**
   * The handoff with its package and events, for the console.
   *
   * @throws AppError `HANDOFF_NOT_FOUND` when there is no such handoff.
   */
  async details(id: string): Promise<HandoffDetails> {
    const handoff = await this.mustGet(id);
    return { handoff: await this.summary(handoff), package: handoff.package, events: await this.store.events(id) };
  }

  /**
   * A change an agent makes to a handoff: the change (false when it no longer applies), its event and the
   * audit entry, in one transaction.
   */
  private async agentChange(
    id: string,
    agent: AgentView,
    action: AuditAction,
    change: (store: HandoffStore) => Promise<boolean>,
    event: { kind: string; text?: string | null },
    detail: Record<string, unknown> = {},
  ): Promise<boolean> {
    const now = this.now();
    return writeTransaction(this.options.db, async (tx) => {
      const store = new HandoffStore(tx);
      if (!(await change(store))) return false;
      await store.addEvent(id, { ...event, actor: `agent:${agent.name}` }, now);
      await this.options.audit?.record({ actor: agent, action, targetType: 'handoff', targetId: id, detail }, tx);
      return true;
    });
  }

  /**
   * The agent takes a waiting handoff; the merchant is told the agent's display name.
   *
   * @throws AppError `HANDOFF_NOT_FOUND` when there is no such handoff.
   * @throws AppError `HANDOFF_CONFLICT` when it is not waiting any more (another agent was first).
   */
  async claim(id: string, agent: AgentView): Promise<HandoffSummary> {
    const handoff = await this.mustGet(id);
    const now = this.now();
    if (!(await this.agentChange(id, agent, 'handoff.claim', (store) => store.claim(id, agent.id, now), { kind: 'claimed' }, { reason: handoff.reason, channelId: handoff.channelId }))) {
      throw new AppError('HANDOFF_CONFLICT', handoff.status === 'waiting' ? 'claimed by another agent' : `the handoff is ${handoff.status}`);
    }
    const after = await this.changed(id);
    this.options.onHandoff?.('claimed', after);
    // Merchants see the display name, never the login name (half of a credential).
    await this.tellBot(after, 'accepted', agent.displayName);
    return this.summary(after);
  }

  /**
   * The owning agent's message (and files) to the merchant, on the merchant's channel; recorded once sent.
   *
   * @throws AppError `HANDOFF_NOT_FOUND` when there is no such handoff.
   * @throws AppError `HANDOFF_CONFLICT` when the agent does not own it, or its channel is not running here.
   * @throws AppError `HANDOFF_NOT_DELIVERED` when the channel refused the message (nothing is recorded).
   */
  async sendToMerchant(id: string, agent: AgentView, text: string, files: (FileView & { size: number })[] = []): Promise<HandoffEvent> {
    const handoff = await this.owned(id, agent);
    const adapter = this.delivery?.adapterFor(handoff.channelId);
    if (!adapter) throw new AppError('HANDOFF_CONFLICT', `the merchant's channel (${handoff.channelId}) is not running`);
    const attachments = this.delivery?.fileAttachment ? await Promise.all(files.map((f) => this.delivery!.fileAttachment!(handoff, f))) : [];
    const from = { id: `agent:${agent.id}`, name: agent.displayName, role: 'bot' };
    // A send the channel refuses (WeChat outside its 48-hour window) fails here, for the agent to see —
    // inside the turn it would reach the turn's error handler and pass for delivered.
    let failure: { err: unknown } | undefined;
    await adapter.continueConversation(handoff.conversationRef, async (context) => {
      // TurnContext stamps every outgoing activity with the conversation's bot account; the agent's
      // message says who wrote it (the channel, the transcript and the next handoff's package see it).
      context.onSendActivities(async (_context, activities, next) => {
        for (const a of activities) if (a.type === 'message') a.from = { ...from };
        return next();
      });
      try {
        await context.sendActivity({
          type: 'message',
          text,
          ...(attachments.length ? { attachments } : {}),
          channelData: { handoff: { agent: agent.displayName } },
        });
      } catch (err) {
        failure = { err };
      }
    });
    if (failure) {
      this.options.logger?.warn({ err: failure.err, handoffId: id, channelId: handoff.channelId }, "agent's message not delivered to the merchant");
      throw new AppError('HANDOFF_NOT_DELIVERED', failure.err instanceof Error ? failure.err.message : String(failure.err), { cause: failure.err });
    }
    const event = await this.store.addEvent(id, { kind: 'message_out', actor: `agent:${agent.name}`, text, attachments: files.map(({ size: _size, ...f }) => f) }, this.now());
    this.hub.broadcast({ type: 'event', handoffId: id, event });
    return event;
  }

  /**
   * The owning agent is typing: shown on channels that can show it.
   *
   * @throws AppError `HANDOFF_NOT_FOUND` or `HANDOFF_CONFLICT`, as `owned`.
   */
  async agentTyping(id: string, agent: AgentView): Promise<void> {
    const handoff = await this.owned(id, agent);
    const adapter = this.delivery?.adapterFor(handoff.channelId);
    if (!adapter?.capabilities.typing) return;
    await adapter.continueConversation(handoff.conversationRef, async (context) => {
      await context.sendActivity({ type: 'typing' });
    });
  }

  /**
   * An internal note on the handoff: for agents only, never sent to the merchant.
   *
   * @throws AppError `HANDOFF_NOT_FOUND` when there is no such handoff.
   */
  async note(id: string, agent: AgentView, text: string): Promise<HandoffEvent> {
    await this.mustGet(id);
    const event = await this.store.addEvent(id, { kind: 'note', actor: `agent:${agent.name}`, text }, this.now());
    this.hub.broadcast({ type: 'event', handoffId: id, event });
    return event;
  }

  /**
   * The owning agent gives the conversation to another agent.
   *
   * @throws AppError `AGENT_INVALID` when there is no agent `toAgentId`.
   * @throws AppError `HANDOFF_NOT_FOUND` when there is no such handoff.
   * @throws AppError `HANDOFF_CONFLICT` when the agent does not own it (or no longer does).
   */
  async transfer(id: string, agent: AgentView, toAgentId: number): Promise<HandoffSummary> {
    const to = await this.agentRef(toAgentId);
    if (!to) throw new AppError('AGENT_INVALID', `no agent ${toAgentId}`);
    await this.owned(id, agent);
    const moved = await this.agentChange(id, agent, 'handoff.transfer', (store) => store.transfer(id, agent.id, toAgentId), { kind: 'transfer', text: to.name }, { to: { id: toAgentId, name: to.name } });
    if (!moved) throw new AppError('HANDOFF_CONFLICT', 'not yours any more');
    return this.summary(await this.changed(id));
  }

  /**
   * Resolved, or handed back to the bot: either way the bot resumes and asks for a rating.
   *
   * @throws AppError `HANDOFF_NOT_FOUND` when there is no such handoff.
   * @throws AppError `HANDOFF_CONFLICT` when the agent does not own it (or no longer does).
   */
  async finish(id: string, agent: AgentView, how: 'resolved' | 'handed_back'): Promise<HandoffSummary> {
    await this.owned(id, agent);
    const now = this.now();
    const action = how === 'resolved' ? 'handoff.resolve' : 'handoff.handback';
    if (!(await this.agentChange(id, agent, action, (store) => store.end(id, how, now, agent.id), { kind: 'ended', text: how }))) throw new AppError('HANDOFF_CONFLICT', 'not yours any more');
    const after = await this.changed(id);
    await this.tellBot(after, 'completed', how);
    return this.summary(after);
  }

  /**
   * An agent closes a ticket (with an optional note of what was done).
   *
   * @throws AppError `HANDOFF_NOT_FOUND` when there is no such handoff.
   * @throws AppError `HANDOFF_CONFLICT` when it is not an open ticket.
   */
  async closeTicket(id: string, agent: AgentView, note?: string): Promise<HandoffSummary> {
    await this.mustGet(id);
    const closed = await this.agentChange(id, agent, 'handoff.close_ticket', (store) => store.closeTicket(id, this.now()), { kind: 'ended', text: note ?? 'ticket_closed' }, note ? { note } : {});
    if (!closed) throw new AppError('HANDOFF_CONFLICT', 'not an open ticket');
    return this.summary(await this.changed(id));
  }

  /** Handoffs nobody claimed in time become tickets; the bot tells the merchant and takes a number. */
  async sweep(): Promise<number> {
    const cutoff = this.now().getTime() - this.options.settings.claimTimeoutSeconds * 1000;
    let moved = 0;
    for (const handoff of await this.store.list(['waiting'])) {
      if (handoff.createdAt.getTime() > cutoff) continue;
      if (!(await this.store.toTicket(handoff.id, 'timeout', this.now()))) continue;
      moved++;
      await this.store.addEvent(handoff.id, { kind: 'ticket', actor: 'system', text: 'timeout' }, this.now());
      const after = await this.changed(handoff.id);
      await this.tellBot(after, 'failed', 'timeout');
    }
    return moved;
  }

  // ── Internals ──────────────────────────────────────────────────────────────────────────────────────

  private async mustGet(id: string): Promise<HandoffRecord> {
    const handoff = await this.store.get(id);
    if (!handoff) throw new AppError('HANDOFF_NOT_FOUND', id);
    return handoff;
  }

  /**
   * The handoff, if this agent owns it.
   *
   * @throws AppError `HANDOFF_NOT_FOUND` when there is no such handoff.
   * @throws AppError `HANDOFF_CONFLICT` when it is not active or another agent owns it.
   */
  async owned(id: string, agent: AgentView): Promise<HandoffRecord> {
    const handoff = await this.mustGet(id);
    if (handoff.status !== 'active' || handoff.agentId !== agent.id) {
      throw new AppError('HANDOFF_CONFLICT', handoff.status === 'active' ? 'another agent owns this conversation' : `the handoff is ${handoff.status}`);
    }
    return handoff;
  }

  async summary(handoff: HandoffRecord): Promise<HandoffSummary> {
    return summaryOf(handoff, await this.agentRef(handoff.agentId), (await this.store.lastMerchantText(handoff.id)) || handoff.package.summary.split('\n')[0] || '');
  }

  private async changed(id: string): Promise<HandoffRecord> {
    const after = await this.mustGet(id);
    this.hub.broadcast({ type: 'handoff.updated', handoff: await this.summary(after) });
    return after;
  }

  /** A `handoff.status` turn for the bot, in the merchant's conversation. */
  private async tellBot(handoff: HandoffRecord, state: 'accepted' | 'completed' | 'failed', message: string): Promise<void> {
    const adapter = this.delivery?.adapterFor(handoff.channelId);
    if (!adapter || !this.delivery) {
      this.options.logger?.warn({ handoffId: handoff.id, channelId: handoff.channelId }, 'handoff status not delivered: the channel is not running');
      return;
    }
    try {
      await adapter.continueWithEvent(handoff.conversationRef, 'handoff.status', { state, message, handoffId: handoff.id }, (context) => this.delivery!.runBot(context));
    } catch (err) {
      this.options.logger?.error({ err, handoffId: handoff.id, state }, 'handoff status turn failed');
    }
  }

  broadcast(event: ServerEvent): void {
    this.hub.broadcast(event);
  }
}

function referenceOf(activity: Activity): Partial<ConversationReference> {
  return {
    activityId: activity.id,
    user: activity.from,
    bot: activity.recipient,
    conversation: activity.conversation,
    channelId: activity.channelId,
    locale: activity.locale,
    serviceUrl: activity.serviceUrl,
  };
}
