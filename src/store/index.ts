export { openDatabase } from './database.js';
export type { OpenDatabaseOptions, Store } from './database.js';
export { InCodeMigrationProvider, migrateToLatest } from './migrations.js';
export type { MigrationOptions, SqlDialectName } from './migrations.js';
export { SqlStorage } from './bot-storage.js';
export type { SqlStorageOptions } from './bot-storage.js';
export { DEFAULT_TRANSCRIPT_PAGE_SIZE, SqlTranscriptStore } from './transcript-store.js';
export type { SqlTranscriptStoreOptions } from './transcript-store.js';
export { DEFAULT_MISSES_LIMIT, KnowledgeMissStore } from './misses-store.js';
export type { KnowledgeMiss, KnowledgeMissInput, ListKnowledgeMissesOptions } from './misses-store.js';
export type {
  BotStateTable,
  Database,
  KnowledgeMissesTable,
  TranscriptDirection,
  TranscriptTable,
} from './schema.js';
export { writeTransaction } from './transactions.js';
export { isDatabaseUnavailable } from './unavailable.js';
