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

/** A Direct Line conversation: bound to one user; `next_seq` is the next watermark to assign. */
export interface DlConversationsTable {
  id: string;
  user_id: string;
  next_seq: number;
  started: number;
  created_at: string;
}

/** One activity of a Direct Line conversation, in watermark order. */
export interface DlActivitiesTable {
  conversation_id: string;
  seq: number;
  activity_id: string;
  client_activity_id: string | null;
  from_role: string;
  activity_json: string;
  processed_at: string | null;
  created_at: string;
}

/** A file uploaded in a Direct Line conversation (stored once by content hash, readable only there). */
export interface DlFilesTable {
  conversation_id: string;
  file: string;
  content_type: string;
  size: number;
  created_at: string;
}

export interface Database {
  bot_state: BotStateTable;
  transcript: TranscriptTable;
  knowledge_misses: KnowledgeMissesTable;
  dl_conversations: DlConversationsTable;
  dl_activities: DlActivitiesTable;
  dl_files: DlFilesTable;
}

export type BotStateRow = Selectable<BotStateTable>;
export type TranscriptRow = Selectable<TranscriptTable>;
export type NewTranscriptRow = Insertable<TranscriptTable>;
export type KnowledgeMissRow = Selectable<KnowledgeMissesTable>;
