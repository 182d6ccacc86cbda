/**
 * Questions the bot could not answer from the knowledge base (table `knowledge_misses`), for operators
 * to improve the guide. The question must already be masked by the caller (card numbers: first 6 +
 * last 4); this store does not mask.
 */
import type { Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import type { Database } from './schema.js';

export interface KnowledgeMissInput {
  channelId: string;
  conversationId: string;
  userId?: string | undefined;
  question: string;
  /** Retrieval/answer confidence in [0, 1] that was too low to answer. */
  confidence: number;
  locale: string;
}

export interface KnowledgeMiss {
  id: number;
  channelId: string;
  conversationId: string;
  userId: string | null;
  question: string;
  confidence: number;
  locale: string;
  createdAt: Date;
}

export interface ListKnowledgeMissesOptions {
  /** Maximum rows, default 100. */
  limit?: number;
  /** Only misses recorded at or after this instant. */
  since?: Date;
}

export const DEFAULT_MISSES_LIMIT = 100;

function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new AppError('STORAGE_INVALID_ITEM', `knowledge miss: ${name} is required`);
  }
  return value;
}

export class KnowledgeMissStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  /** Records one miss and returns it as stored. */
  async record(input: KnowledgeMissInput): Promise<KnowledgeMiss> {
    const channelId = requireText(input.channelId, 'channelId');
    const conversationId = requireText(input.conversationId, 'conversationId');
    const question = requireText(input.question, 'question');
    const locale = requireText(input.locale, 'locale');
    if (typeof input.confidence !== 'number' || !Number.isFinite(input.confidence)) {
      throw new AppError('STORAGE_INVALID_ITEM', 'knowledge miss: confidence must be a finite number');
    }
    const userId = typeof input.userId === 'string' && input.userId.length > 0 ? input.userId : null;
    const createdAt = this.#now();

    const row = await this.#db
      .insertInto('knowledge_misses')
      .values({
        channel_id: channelId,
        conversation_id: conversationId,
        user_id: userId,
        question,
        confidence: input.confidence,
        locale,
        created_at: createdAt.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    return { id: row.id, channelId, conversationId, userId, question, confidence: input.confidence, locale, createdAt };
  }

  /** Most recent first. */
  async list(options: ListKnowledgeMissesOptions = {}): Promise<KnowledgeMiss[]> {
    const limit = options.limit ?? DEFAULT_MISSES_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${limit}`);
    }
    let query = this.#db.selectFrom('knowledge_misses').selectAll();
    if (options.since !== undefined) query = query.where('created_at', '>=', options.since.toISOString());
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((row) => ({
      id: row.id,
      channelId: row.channel_id,
      conversationId: row.conversation_id,
      userId: row.user_id,
      question: row.question,
      confidence: row.confidence,
      locale: row.locale,
      createdAt: new Date(row.created_at),
    }));
  }
}
