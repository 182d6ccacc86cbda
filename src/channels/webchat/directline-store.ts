/**
 * Persistence of Direct Line conversations: each conversation's activities in watermark order
 * (`seq`), so a client that reconnects with watermark W — even after a server restart — receives exactly
 * the activities after W, with no gaps and no duplicates. Retries carrying the same
 * `channelData.clientActivityID` map to the activity already stored.
 */
import type { Activity } from 'botbuilder';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';

export interface StoredActivity {
  seq: number;
  activity: Activity;
}

export interface AppendResult {
  seq: number;
  id: string;
  /** True when an activity with the same client activity id was already stored (a client retry). */
  duplicate: boolean;
}

export class DirectLineStore {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => Date = () => new Date()) {}

  async createConversation(id: string, userId: string): Promise<void> {
    await this.db
      .insertInto('dl_conversations')
      .values({ id, user_id: userId, next_seq: 0, started: 0, created_at: this.now().toISOString() })
      .execute();
  }

  async getConversation(id: string): Promise<{ id: string; userId: string; started: boolean } | undefined> {
    const row = await this.db.selectFrom('dl_conversations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, userId: row.user_id, started: row.started === 1 };
  }

  /** Marks the conversation started; true only for the call that started it. */
  async markStarted(id: string): Promise<boolean> {
    const r = await this.db.updateTable('dl_conversations').set({ started: 1 }).where('id', '=', id).where('started', '=', 0).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Appends an activity, assigning its watermark and id (`<conversation>|<seq>`), in one transaction.
   * With a client activity id that is already stored, nothing is written and the stored one is returned.
   */
  async append(
    conversationId: string,
    activity: Partial<Activity>,
    options: { clientActivityId?: string; fromRole: string; processed: boolean },
  ): Promise<AppendResult> {
    try {
      return await this.#append(conversationId, activity, options);
    } catch (err) {
      // The same retry reached two instances at once: both found nothing, the unique key let one in.
      const existing = options.clientActivityId && isUniqueViolation(err) ? await this.#byClientId(conversationId, options.clientActivityId) : undefined;
      if (existing) return { seq: existing.seq, id: existing.activity_id, duplicate: true };
      throw err;
    }
  }

  #byClientId(conversationId: string, clientActivityId: string) {
    return this.db
      .selectFrom('dl_activities')
      .select(['seq', 'activity_id'])
      .where('conversation_id', '=', conversationId)
      .where('client_activity_id', '=', clientActivityId)
      .executeTakeFirst();
  }

  #append(
    conversationId: string,
    activity: Partial<Activity>,
    options: { clientActivityId?: string; fromRole: string; processed: boolean },
  ): Promise<AppendResult> {
    return this.db.transaction().execute(async (tx) => {
      if (options.clientActivityId) {
        const existing = await tx
          .selectFrom('dl_activities')
          .select(['seq', 'activity_id'])
          .where('conversation_id', '=', conversationId)
          .where('client_activity_id', '=', options.clientActivityId)
          .executeTakeFirst();
        if (existing) return { seq: existing.seq, id: existing.activity_id, duplicate: true };
      }
      const conv = await tx
        .updateTable('dl_conversations')
        .set((eb) => ({ next_seq: eb('next_seq', '+', 1) }))
        .where('id', '=', conversationId)
        .returning('next_seq')
        .executeTakeFirst();
      if (!conv) throw new Error(`no Direct Line conversation ${conversationId}`);
      const seq = conv.next_seq;
      const id = `${conversationId}|${String(seq).padStart(7, '0')}`;
      const now = this.now().toISOString();
      await tx
        .insertInto('dl_activities')
        .values({
          conversation_id: conversationId,
          seq,
          activity_id: id,
          client_activity_id: options.clientActivityId ?? null,
          from_role: options.fromRole,
          activity_json: JSON.stringify({ ...activity, id }),
          processed_at: options.processed ? now : null,
          created_at: now,
        })
        .execute();
      return { seq, id, duplicate: false };
    });
  }

  /** The id of the activity stored with this client activity id, if any. */
  async findByClientId(conversationId: string, clientActivityId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('dl_activities')
      .select('activity_id')
      .where('conversation_id', '=', conversationId)
      .where('client_activity_id', '=', clientActivityId)
      .executeTakeFirst();
    return row?.activity_id;
  }

  /** Activities after the watermark (all when it is undefined), oldest first. */
  async listAfter(conversationId: string, watermark: number | undefined, limit = 500): Promise<StoredActivity[]> {
    const rows = await this.db
      .selectFrom('dl_activities')
      .select(['seq', 'activity_json'])
      .where('conversation_id', '=', conversationId)
      .where('seq', '>', watermark ?? 0)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ seq: r.seq, activity: JSON.parse(r.activity_json) as Activity }));
  }

  async markProcessed(conversationId: string, seq: number): Promise<void> {
    await this.db
      .updateTable('dl_activities')
      .set({ processed_at: this.now().toISOString() })
      .where('conversation_id', '=', conversationId)
      .where('seq', '=', seq)
      .execute();
  }

  /** Whether the activity is still waiting for its turn (not yet marked processed). */
  async isPending(conversationId: string, seq: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('dl_activities')
      .select('processed_at')
      .where('conversation_id', '=', conversationId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return row !== undefined && row.processed_at === null;
  }

  /**
   * User activities stored but never processed (the server stopped in between), oldest first; with
   * `storedBefore`, only those stored earlier (left by an instance that died, not in a turn running now).
   */
  async pending(storedBefore?: Date): Promise<{ conversationId: string; seq: number; activity: Activity }[]> {
    let query = this.db
      .selectFrom('dl_activities')
      .select(['conversation_id', 'seq', 'activity_json'])
      .where('processed_at', 'is', null)
      .where('from_role', '=', 'user');
    if (storedBefore) query = query.where('created_at', '<', storedBefore.toISOString());
    const rows = await query
      .orderBy('created_at')
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({ conversationId: r.conversation_id, seq: r.seq, activity: JSON.parse(r.activity_json) as Activity }));
  }

  async addFile(conversationId: string, file: string, contentType: string, size: number): Promise<void> {
    await this.db
      .insertInto('dl_files')
      .values({ conversation_id: conversationId, file, content_type: contentType, size, created_at: this.now().toISOString() })
      .onConflict((oc) => oc.columns(['conversation_id', 'file']).doNothing())
      .execute();
  }

  /** Bytes of the files stored for this conversation (the per-conversation upload quota). */
  async fileBytes(conversationId: string): Promise<number> {
    const row = await this.db
      .selectFrom('dl_files')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('bytes'))
      .where('conversation_id', '=', conversationId)
      .executeTakeFirstOrThrow();
    return Number(row.bytes);
  }

  async getFile(conversationId: string, file: string): Promise<{ contentType: string; size: number } | undefined> {
    const row = await this.db
      .selectFrom('dl_files')
      .select(['content_type', 'size'])
      .where('conversation_id', '=', conversationId)
      .where('file', '=', file)
      .executeTakeFirst();
    return row && { contentType: row.content_type, size: row.size };
  }
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
