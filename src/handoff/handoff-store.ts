/**
 * Handoffs in SQL: the handoff row (who, why, its package, its state) and its event log (the live chat
 * both ways, internal notes, claims, transfers). State changes are single guarded UPDATEs, so two agents
 * claiming at once cannot both win: the second UPDATE matches no row.
 */
import { randomBytes } from 'node:crypto';
import type { ConversationReference } from 'botbuilder';
import type { Kysely } from 'kysely';
import { maskCardNumbers, maskDeep } from '../privacy/card-mask.js';
import type { Database } from '../store/schema.js';
import type { FileView, HandoffEvent, HandoffPackage, HandoffStatus, HandoffSummary } from './console-api.js';
import type { Locale } from '../core/locale.js';

export interface HandoffRecord {
  id: string;
  channelId: string;
  conversationId: string;
  conversationRef: Partial<ConversationReference>;
  userId: string | null;
  locale: Locale;
  status: HandoffStatus;
  reason: string;
  detail: string | null;
  package: HandoffPackage;
  agentId: number | null;
  callbackPhone: string | null;
  message: string | null;
  endReason: string | null;
  rating: number | null;
  createdAt: Date;
  claimedAt: Date | null;
  endedAt: Date | null;
}

type Row = Awaited<ReturnType<HandoffStore['row']>>;

export class HandoffStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: {
    channelId: string;
    conversationId: string;
    conversationRef: Partial<ConversationReference>;
    userId: string | null;
    locale: Locale;
    status: 'waiting' | 'ticket';
    reason: string;
    detail: string | null;
    package: HandoffPackage;
    message?: string | null;
    callbackPhone?: string | null;
    endReason?: string | null;
    now: Date;
  }): Promise<HandoffRecord> {
    const id = randomBytes(12).toString('base64url');
    await this.db
      .insertInto('handoffs')
      .values({
        id,
        channel_id: input.channelId,
        conversation_id: input.conversationId,
        conversation_ref_json: JSON.stringify(input.conversationRef),
        user_id: input.userId,
        locale: input.locale,
        status: input.status,
        reason: input.reason,
        detail: input.detail,
        package_json: JSON.stringify(maskDeep(input.package).value),
        agent_id: null,
        callback_phone: input.callbackPhone ?? null,
        message: input.message ? maskCardNumbers(input.message).text : null,
        end_reason: input.endReason ?? null,
        rating: null,
        created_at: input.now.toISOString(),
        claimed_at: null,
        ended_at: input.status === 'ticket' ? input.now.toISOString() : null,
      })
      .execute();
    return (await this.get(id))!;
  }

  private row(id: string) {
    return this.db.selectFrom('handoffs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async get(id: string): Promise<HandoffRecord | undefined> {
    const row = await this.row(id);
    return row ? toRecord(row) : undefined;
  }

  /** The handoff in progress (waiting or active) of a conversation. */
  async openFor(channelId: string, conversationId: string): Promise<HandoffRecord | undefined> {
    const row = await this.db
      .selectFrom('handoffs')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('conversation_id', '=', conversationId)
      .where('status', 'in', ['waiting', 'active'])
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(statuses: HandoffStatus[], limit = 200): Promise<HandoffRecord[]> {
    const rows = await this.db.selectFrom('handoffs').selectAll().where('status', 'in', statuses).orderBy('created_at').limit(limit).execute();
    return rows.map(toRecord);
  }

  /** Waiting handoffs created before this one (its position in the queue is this + 1). */
  async waitingBefore(handoff: HandoffRecord): Promise<number> {
    const row = await this.db
      .selectFrom('handoffs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'waiting')
      .where('created_at', '<', handoff.createdAt.toISOString())
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Average seconds from creation to claim over the last claims (for the wait estimate). */
  async averageClaimSeconds(): Promise<number | undefined> {
    const rows = await this.db
      .selectFrom('handoffs')
      .select(['created_at', 'claimed_at'])
      .where('claimed_at', 'is not', null)
      .orderBy('claimed_at', 'desc')
      .limit(20)
      .execute();
    if (rows.length === 0) return undefined;
    const total = rows.reduce((sum, r) => sum + (Date.parse(r.claimed_at!) - Date.parse(r.created_at)) / 1000, 0);
    return total / rows.length;
  }

  /** waiting → active for this agent; false when it was not waiting any more (someone else won). */
  async claim(id: string, agentId: number, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('handoffs')
      .set({ status: 'active', agent_id: agentId, claimed_at: now.toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'waiting')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async transfer(id: string, fromAgentId: number, toAgentId: number): Promise<boolean> {
    const result = await this.db
      .updateTable('handoffs')
      .set({ agent_id: toAgentId })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .where('agent_id', '=', fromAgentId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Ends a handoff in one of the `from` statuses (waiting or active by default; when `agentId` is given:
   * only if that agent owns it). False when it was not in such a state any more.
   */
  async end(id: string, endReason: string, now: Date, agentId?: number, from: HandoffStatus[] = ['waiting', 'active']): Promise<boolean> {
    let q = this.db
      .updateTable('handoffs')
      .set({ status: 'ended', end_reason: endReason, ended_at: now.toISOString() })
      .where('id', '=', id)
      .where('status', 'in', from);
    if (agentId !== undefined) q = q.where('agent_id', '=', agentId);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  /** waiting → ticket (not claimed in time, or nobody to claim it). */
  async toTicket(id: string, endReason: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('handoffs')
      .set({ status: 'ticket', end_reason: endReason, ended_at: now.toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'waiting')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Replaces the package's summary (the model's brief arrived). */
  async setSummary(id: string, summary: string, by: 'template' | 'model'): Promise<boolean> {
    const row = await this.db.selectFrom('handoffs').select('package_json').where('id', '=', id).executeTakeFirst();
    if (!row) return false;
    const pkg = JSON.parse(row.package_json) as HandoffPackage;
    pkg.summary = maskCardNumbers(summary).text;
    pkg.summaryBy = by;
    await this.db.updateTable('handoffs').set({ package_json: JSON.stringify(pkg) }).where('id', '=', id).execute();
    return true;
  }

  async setCallback(id: string, fields: { callbackPhone?: string; message?: string }): Promise<void> {
    await this.db
      .updateTable('handoffs')
      .set({
        ...(fields.callbackPhone !== undefined ? { callback_phone: fields.callbackPhone } : {}),
        ...(fields.message !== undefined ? { message: maskCardNumbers(fields.message).text } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async closeTicket(id: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('handoffs')
      .set({ status: 'ended', end_reason: 'ticket_closed', ended_at: now.toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'ticket')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setRating(id: string, rating: number): Promise<void> {
    await this.db.updateTable('handoffs').set({ rating }).where('id', '=', id).execute();
  }

  /** The newest ended handoff of a conversation (the one a rating is for). */
  async lastEnded(channelId: string, conversationId: string): Promise<HandoffRecord | undefined> {
    const row = await this.db
      .selectFrom('handoffs')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('conversation_id', '=', conversationId)
      .where('status', '=', 'ended')
      .orderBy('ended_at', 'desc')
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async addEvent(handoffId: string, event: { kind: string; actor: string; text?: string | null; attachments?: FileView[] }, now: Date): Promise<HandoffEvent> {
    const row = await this.db
      .insertInto('handoff_events')
      .values({
        handoff_id: handoffId,
        kind: event.kind,
        actor: event.actor,
        text: event.text ? maskCardNumbers(event.text).text : null,
        attachments_json: JSON.stringify(event.attachments ?? []),
        created_at: now.toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEvent(row);
  }

  async events(handoffId: string): Promise<HandoffEvent[]> {
    const rows = await this.db.selectFrom('handoff_events').selectAll().where('handoff_id', '=', handoffId).orderBy('id').execute();
    return rows.map(toEvent);
  }

  async lastMerchantText(handoffId: string): Promise<string> {
    const row = await this.db
      .selectFrom('handoff_events')
      .select('text')
      .where('handoff_id', '=', handoffId)
      .where('actor', '=', 'merchant')
      .where('text', 'is not', null)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return row?.text ?? '';
  }
}

function toRecord(row: NonNullable<Row>): HandoffRecord {
  return {
    id: row.id,
    channelId: row.channel_id,
    conversationId: row.conversation_id,
    conversationRef: JSON.parse(row.conversation_ref_json) as Partial<ConversationReference>,
    userId: row.user_id,
    locale: row.locale === 'en' ? 'en' : 'zh-CN',
    status: row.status,
    reason: row.reason,
    detail: row.detail,
    package: JSON.parse(row.package_json) as HandoffPackage,
    agentId: row.agent_id,
    callbackPhone: row.callback_phone,
    message: row.message,
    endReason: row.end_reason,
    rating: row.rating,
    createdAt: new Date(row.created_at),
    claimedAt: row.claimed_at ? new Date(row.claimed_at) : null,
    endedAt: row.ended_at ? new Date(row.ended_at) : null,
  };
}

function toEvent(row: { id: number; kind: string; actor: string; text: string | null; attachments_json: string; created_at: string }): HandoffEvent {
  return { id: row.id, kind: row.kind, actor: row.actor, text: row.text, attachments: JSON.parse(row.attachments_json) as FileView[], at: row.created_at };
}

export function summaryOf(h: HandoffRecord, agent: { id: number; name: string } | null, preview: string): HandoffSummary {
  return {
    id: h.id,
    status: h.status,
    reason: h.reason,
    channelId: h.channelId,
    userId: h.userId,
    locale: h.locale,
    createdAt: h.createdAt.toISOString(),
    claimedAt: h.claimedAt?.toISOString() ?? null,
    endedAt: h.endedAt?.toISOString() ?? null,
    agent,
    preview,
    message: h.message,
    callbackPhone: h.callbackPhone,
  };
}
