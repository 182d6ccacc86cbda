/**
 * Kysely table interfaces of the SQL store. Column names are snake_case, as in the database; timestamps
 * are ISO-8601 UTC strings (`Date#toISOString()`), which sort correctly as text on SQLite and PostgreSQL.
 */
import type { Generated, Insertable, Selectable } from 'kysely';

/** Bot Framework `Storage` items (conversation/user state). `data` is the item's JSON without its eTag. */
export interface BotStateTable {
  key: string;
  data: string;
  etag: string;
  updated_at: string;
}

export type TranscriptDirection = 'in' | 'out';

/** One logged activity. `activity_json` is the whole activity as given to the store (already masked). */
export interface TranscriptTable {
  id: Generated<number>;
  channel_id: string;
  conversation_id: string;
  activity_id: string | null;
  direction: TranscriptDirection;
  type: string;
  from_id: string | null;
  from_role: string | null;
  text: string | null;
  activity_json: string;
  created_at: string;
}

/** A question the bot could not answer from the knowledge base. */
export interface KnowledgeMissesTable {
  id: Generated<number>;
  channel_id: string;
  conversation_id: string;
  user_id: string | null;
  question: string;
  confidence: number;
  locale: string;
  created_at: string;
}

export interface Database {
  bot_state: BotStateTable;
  transcript: TranscriptTable;
  knowledge_misses: KnowledgeMissesTable;
}

export type BotStateRow = Selectable<BotStateTable>;
export type TranscriptRow = Selectable<TranscriptTable>;
export type NewTranscriptRow = Insertable<TranscriptTable>;
export type KnowledgeMissRow = Selectable<KnowledgeMissesTable>;
