/**
 * Merchants' 👍/👎 on knowledge answers (tables `answer_feedback` and `answer_feedback_sources`): what
 * was asked, which sections the answer cited, how sure retrieval was. Read by the supervisor dashboard
 * ("👍/👎 by section") and by whoever improves the guide. Deleted with the transcripts
 * (`TRANSCRIPT_RETENTION_DAYS`, src/store/retention.ts): the question is the merchant's words.
 *
 * The question is card-masked here as well as by the channel adapter (first 6 + last 4), so no caller
 * can store a full card number by mistake.
 */
import type { Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import { maskCardNumbers } from '../privacy/card-mask.js';
import type { Database } from '../store/schema.js';
import { writeTransaction } from '../store/transactions.js';

export type FeedbackRating = 'up' | 'down';

/** A section an answer cited. */
export interface FeedbackSource {
  file: string;
  title: string;
  section: string;
}

export interface AnswerFeedbackInput {
  channelId: string;
  conversationId: string;
  userId?: string | undefined;
  rating: FeedbackRating;
  question: string;
  /** `extractive` or `model`. */
  answeredBy: string;
  confidence: number;
  locale: string;
  sources: readonly FeedbackSource[];
  /** When the answer was given. */
  answeredAt: Date;
}

export interface AnswerFeedback extends Omit<AnswerFeedbackInput, 'userId' | 'sources'> {
  id: number;
  userId: string | null;
  sources: FeedbackSource[];
  createdAt: Date;
}

/** Longest question kept (the bot keeps 200 characters of what it tried). */
const MAX_QUESTION = 500;

export class AnswerFeedbackStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  /** Stores one 👍 or 👎 with the sections the answer cited, in one transaction. */
  async record(input: AnswerFeedbackInput): Promise<AnswerFeedback> {
    if (input.rating !== 'up' && input.rating !== 'down') throw new AppError('STORAGE_INVALID_ITEM', `feedback: rating must be up or down`);
    if (!input.channelId || !input.conversationId) throw new AppError('STORAGE_INVALID_ITEM', 'feedback: channel and conversation are required');
    if (!Number.isFinite(input.confidence)) throw new AppError('STORAGE_INVALID_ITEM', 'feedback: confidence must be a finite number');
    const question = maskCardNumbers(input.question.trim().slice(0, MAX_QUESTION)).text;
    const userId = input.userId ? input.userId : null;
    const createdAt = this.#now();
    const sources = input.sources.map((s) => ({ file: s.file, title: s.title, section: s.section }));
    const id = await writeTransaction(this.#db, async (tx) => {
      const row = await tx
        .insertInto('answer_feedback')
        .values({
          channel_id: input.channelId,
          conversation_id: input.conversationId,
          user_id: userId,
          rating: input.rating,
          question,
          answered_by: input.answeredBy,
          confidence: input.confidence,
          locale: input.locale,
          answered_at: input.answeredAt.toISOString(),
          created_at: createdAt.toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (sources.length > 0) {
        await tx
          .insertInto('answer_feedback_sources')
          .values(sources.map((s, position) => ({ feedback_id: row.id, position, ...s })))
          .execute();
      }
      return row.id;
    });
    return { ...input, id, userId, question, sources, createdAt };
  }

  /** Most recent first, with their sections. */
  async list(options: { limit?: number; since?: Date } = {}): Promise<AnswerFeedback[]> {
    let query = this.#db.selectFrom('answer_feedback').selectAll();
    if (options.since) query = query.where('created_at', '>=', options.since.toISOString());
    const rows = await query.orderBy('id', 'desc').limit(options.limit ?? 100).execute();
    if (rows.length === 0) return [];
    const sources = await this.#db
      .selectFrom('answer_feedback_sources')
      .selectAll()
      .where(
        'feedback_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('position')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      channelId: r.channel_id,
      conversationId: r.conversation_id,
      userId: r.user_id,
      rating: r.rating,
      question: r.question,
      answeredBy: r.answered_by,
      confidence: r.confidence,
      locale: r.locale,
      answeredAt: new Date(r.answered_at),
      createdAt: new Date(r.created_at),
      sources: sources.filter((s) => s.feedback_id === r.id).map((s) => ({ file: s.file, title: s.title, section: s.section })),
    }));
  }
}
