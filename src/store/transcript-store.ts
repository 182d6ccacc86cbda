/**
 * Bot Framework `TranscriptStore` over the SQL store (table `transcript`).
 *
 * - Activities come back oldest first (insertion order), `pageSize` per page; the continuation token
 *   is the row id of the last activity returned, and is `''` when there is nothing more.
 * - `startDate` keeps activities logged at or after that instant (the row's `created_at`, the store's
 *   clock when it was logged, which is also what retention uses).
 * - The store does not mask anything: callers (the adapter) mask card numbers before logging.
 * - `timestamp`, `localTimestamp` and `expiration` are revived as `Date` objects on the way out.
 */
import type { Activity, PagedResult, TranscriptInfo, TranscriptStore } from 'botbuilder';
import type { Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import type { Database, TranscriptDirection } from './schema.js';

export const DEFAULT_TRANSCRIPT_PAGE_SIZE = 100;

export interface SqlTranscriptStoreOptions {
  /** Activities (or transcripts) per page; default 100. */
  pageSize?: number;
  /** Clock for `created_at`; defaults to the system clock. */
  now?: () => Date;
}

const DATE_FIELDS = ['timestamp', 'localTimestamp', 'expiration'] as const;

function reviveActivity(json: string): Activity {
  const activity = JSON.parse(json) as Record<string, unknown>;
  for (const field of DATE_FIELDS) {
    const value = activity[field];
    if (typeof value === 'string') {
      const date = new Date(value);
      if (!Number.isNaN(date.getTime())) activity[field] = date;
    }
  }
  return activity as unknown as Activity;
}

function requireId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new AppError('STORAGE_INVALID_KEY', `missing ${name}`);
  }
  return value;
}

function parseToken(token: string | undefined): number | undefined {
  if (token === undefined || token === '') return undefined;
  if (!/^\d{1,15}$/.test(token)) {
    throw new AppError('STORAGE_INVALID_KEY', `invalid continuation token "${token}"`);
  }
  return Number(token);
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export class SqlTranscriptStore implements TranscriptStore {
  readonly #db: Kysely<Database>;
  readonly #pageSize: number;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, options: SqlTranscriptStoreOptions = {}) {
    const pageSize = options.pageSize ?? DEFAULT_TRANSCRIPT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
    }
    this.#db = db;
    this.#pageSize = pageSize;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Appends one activity. `direction` defaults to `'out'` when `activity.from.role` is `'bot'`, else `'in'`.
   * The activity must already be masked.
   */
  async logActivity(activity: Activity, direction?: TranscriptDirection): Promise<void> {
    if (activity === null || typeof activity !== 'object') {
      throw new AppError('TRANSCRIPT_INVALID_ACTIVITY', 'activity is required');
    }
    const channelId = activity.channelId;
    const conversationId = activity.conversation?.id;
    if (typeof channelId !== 'string' || channelId.length === 0) {
      throw new AppError('TRANSCRIPT_INVALID_ACTIVITY', 'activity.channelId is missing');
    }
    if (typeof conversationId !== 'string' || conversationId.length === 0) {
      throw new AppError('TRANSCRIPT_INVALID_ACTIVITY', 'activity.conversation.id is missing');
    }
    if (direction !== undefined && direction !== 'in' && direction !== 'out') {
      throw new AppError('TRANSCRIPT_INVALID_ACTIVITY', `invalid direction "${String(direction)}"`);
    }
    let activityJson: string;
    try {
      activityJson = JSON.stringify(activity);
    } catch (err) {
      throw new AppError('TRANSCRIPT_INVALID_ACTIVITY', 'activity is not JSON-serialisable', { cause: err });
    }

    await this.#db
      .insertInto('transcript')
      .values({
        channel_id: channelId,
        conversation_id: conversationId,
        activity_id: optionalString(activity.id),
        direction: direction ?? (activity.from?.role === 'bot' ? 'out' : 'in'),
        type: typeof activity.type === 'string' ? activity.type : '',
        from_id: optionalString(activity.from?.id),
        from_role: optionalString(activity.from?.role),
        text: optionalString(activity.text),
        activity_json: activityJson,
        created_at: this.#now().toISOString(),
      })
      .execute();
  }

  async getTranscriptActivities(
    channelId: string,
    conversationId: string,
    continuationToken?: string,
    startDate?: Date,
  ): Promise<PagedResult<Activity>> {
    requireId(channelId, 'channelId');
    requireId(conversationId, 'conversationId');
    const after = parseToken(continuationToken);

    let query = this.#db
      .selectFrom('transcript')
      .select(['id', 'activity_json'])
      .where('channel_id', '=', channelId)
      .where('conversation_id', '=', conversationId);
    if (after !== undefined) query = query.where('id', '>', after);
    if (startDate !== undefined) query = query.where('created_at', '>=', startDate.toISOString());
    const rows = await query.orderBy('id', 'asc').limit(this.#pageSize + 1).execute();

    const page = rows.slice(0, this.#pageSize);
    const more = rows.length > this.#pageSize;
    return {
      items: page.map((row) => reviveActivity(row.activity_json)),
      continuationToken: more ? String(page[page.length - 1]!.id) : '',
    };
  }

  /**
   * Conversations of a channel, in order of their first logged activity. The continuation token is the
   * first row id of the last conversation returned.
   */
  async listTranscripts(channelId: string, continuationToken?: string): Promise<PagedResult<TranscriptInfo>> {
    requireId(channelId, 'channelId');
    const after = parseToken(continuationToken);

    let query = this.#db
      .selectFrom('transcript')
      .select((eb) => [
        'conversation_id',
        eb.fn.min('id').as('first_id'),
        eb.fn.min('created_at').as('created'),
      ])
      .where('channel_id', '=', channelId)
      .groupBy('conversation_id');
    if (after !== undefined) query = query.having((eb) => eb.fn.min('id'), '>', after);
    const rows = await query.orderBy('first_id', 'asc').limit(this.#pageSize + 1).execute();

    const page = rows.slice(0, this.#pageSize);
    const more = rows.length > this.#pageSize;
    return {
      items: page.map((row) => ({ channelId, id: row.conversation_id, created: new Date(row.created) })),
      continuationToken: more ? String(page[page.length - 1]!.first_id) : '',
    };
  }

  async deleteTranscript(channelId: string, conversationId: string): Promise<void> {
    requireId(channelId, 'channelId');
    requireId(conversationId, 'conversationId');
    await this.#db
      .deleteFrom('transcript')
      .where('channel_id', '=', channelId)
      .where('conversation_id', '=', conversationId)
      .execute();
  }

  /** Retention: deletes every activity logged before `date`; returns how many were deleted. */
  async deleteOlderThan(date: Date): Promise<number> {
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
      throw new RangeError('deleteOlderThan needs a valid Date');
    }
    const result = await this.#db
      .deleteFrom('transcript')
      .where('created_at', '<', date.toISOString())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
