/**
 * Schema migrations, defined in code (no migration folder to ship or to find at run time).
 *
 * Rules for new migrations: append `000N_name` (names sort in order), never edit a released one, use the
 * Kysely schema builder with types both SQLite and PostgreSQL understand (`text`, `integer`; floats through
 * the `real` variable), and keep DDL idempotent (`ifNotExists`): SQLite migrations do not run in a
 * transaction in Kysely, so a migration that failed half-way must be safe to run again. On PostgreSQL all
 * pending migrations run in one transaction under an advisory lock, so instances starting together
 * migrate once.
 */
import { Migrator, sql } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, Migration, MigrationProvider } from 'kysely';
import { AppError } from '../core/errors.js';

import type { SqlDialectName } from './dialect.js';

export type { SqlDialectName } from './dialect.js';

export interface MigrationOptions {
  /**
   * Defaults to `'sqlite'`. Only the auto-increment primary key and the width of `real` differ between
   * dialects; timestamps are ISO-8601 `text` on both (compared as strings by the queries, which sort the
   * same on both since every one has the same fixed format).
   */
  dialect?: SqlDialectName;
}

/** `integer` auto-increment primary key: `autoincrement` on SQLite, an identity column on PostgreSQL. */
function autoIdColumn(dialect: SqlDialectName) {
  return (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? col.generatedByDefaultAsIdentity().primaryKey() : col.primaryKey().autoIncrement();
}

function buildMigrations(dialect: SqlDialectName): Record<string, Migration> {
  const autoId = autoIdColumn(dialect);
  // SQLite's `real` is an 8-byte float; PostgreSQL's is 4 bytes (0.28 would come back as 0.2800000011920929).
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  return {
    '0001_initial': {
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('bot_state')
          .ifNotExists()
          .addColumn('key', 'text', (col) => col.primaryKey())
          .addColumn('data', 'text', (col) => col.notNull())
          .addColumn('etag', 'text', (col) => col.notNull())
          .addColumn('updated_at', 'text', (col) => col.notNull())
          .execute();

        await db.schema
          .createTable('transcript')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('channel_id', 'text', (col) => col.notNull())
          .addColumn('conversation_id', 'text', (col) => col.notNull())
          .addColumn('activity_id', 'text')
          .addColumn('direction', 'text', (col) => col.notNull().check(sql`direction in ('in', 'out')`))
          .addColumn('type', 'text', (col) => col.notNull())
          .addColumn('from_id', 'text')
          .addColumn('from_role', 'text')
          .addColumn('text', 'text')
          .addColumn('activity_json', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createIndex('transcript_conversation_idx')
          .ifNotExists()
          .on('transcript')
          .columns(['channel_id', 'conversation_id', 'id'])
          .execute();
        // Retention (PIPL): `deleteOlderThan` deletes by creation time.
        await db.schema
          .createIndex('transcript_created_at_idx')
          .ifNotExists()
          .on('transcript')
          .column('created_at')
          .execute();

        await db.schema
          .createTable('knowledge_misses')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('channel_id', 'text', (col) => col.notNull())
          .addColumn('conversation_id', 'text', (col) => col.notNull())
          .addColumn('user_id', 'text')
          .addColumn('question', 'text', (col) => col.notNull())
          .addColumn('confidence', real, (col) => col.notNull())
          .addColumn('locale', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createIndex('knowledge_misses_created_at_idx')
          .ifNotExists()
          .on('knowledge_misses')
          .column('created_at')
          .execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.dropTable('knowledge_misses').ifExists().execute();
        await db.schema.dropTable('transcript').ifExists().execute();
        await db.schema.dropTable('bot_state').ifExists().execute();
      },
    },
    // Direct Line: conversations and their activity log. `seq` is the watermark: a client that reconnects
    // with watermark W receives every activity with seq > W, so nothing is lost across restarts.
    '0002_directline': {
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('dl_conversations')
          .ifNotExists()
          .addColumn('id', 'text', (col) => col.primaryKey())
          .addColumn('user_id', 'text', (col) => col.notNull())
          .addColumn('next_seq', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('started', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createTable('dl_activities')
          .ifNotExists()
          .addColumn('conversation_id', 'text', (col) => col.notNull().references('dl_conversations.id').onDelete('cascade'))
          .addColumn('seq', 'integer', (col) => col.notNull())
          .addColumn('activity_id', 'text', (col) => col.notNull())
          .addColumn('client_activity_id', 'text')
          .addColumn('from_role', 'text', (col) => col.notNull())
          .addColumn('activity_json', 'text', (col) => col.notNull())
          // For user activities: null until the bot's turn for it has run (replayed after a crash).
          .addColumn('processed_at', 'text')
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addPrimaryKeyConstraint('dl_activities_pk', ['conversation_id', 'seq'])
          .addUniqueConstraint('dl_activities_client_id_uq', ['conversation_id', 'client_activity_id'])
          .execute();
        await db.schema
          .createTable('dl_files')
          .ifNotExists()
          .addColumn('conversation_id', 'text', (col) => col.notNull().references('dl_conversations.id').onDelete('cascade'))
          .addColumn('file', 'text', (col) => col.notNull())
          .addColumn('content_type', 'text', (col) => col.notNull())
          .addColumn('size', 'integer', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addPrimaryKeyConstraint('dl_files_pk', ['conversation_id', 'file'])
          .execute();
        await db.schema
          .createIndex('dl_activities_pending_idx')
          .ifNotExists()
          .on('dl_activities')
          .columns(['processed_at', 'from_role'])
          .execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.dropTable('dl_files').ifExists().execute();
        await db.schema.dropTable('dl_activities').ifExists().execute();
        await db.schema.dropTable('dl_conversations').ifExists().execute();
      },
    },
    // Cancellation requests (src/requests): the request, its status history, supplements, the per-day
    // ticket counter and the outbox the back-office worker delivers. "One open request per merchant and
    // transaction" is the partial unique index on `dedupe_key` over the open statuses.
    '0003_requests': {
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('requests')
          .ifNotExists()
          .addColumn('id', 'text', (col) => col.primaryKey())
          .addColumn('ticket', 'text', (col) => col.notNull().unique())
          .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('cancel-transaction', 'suspend-settlement')`))
          .addColumn('merchant_id', 'text', (col) => col.notNull())
          .addColumn('dedupe_key', 'text')
          .addColumn('status', 'text', (col) =>
            col.notNull().check(sql`status in ('submitted', 'in_review', 'needs_more_info', 'approved', 'rejected', 'closed')`),
          )
          .addColumn('slots_json', 'text', (col) => col.notNull())
          .addColumn('attachments_json', 'text', (col) => col.notNull())
          .addColumn('channel_id', 'text', (col) => col.notNull())
          .addColumn('conversation_ref_json', 'text')
          .addColumn('user_id', 'text')
          .addColumn('locale', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addColumn('updated_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createIndex('requests_merchant_idx')
          .ifNotExists()
          .on('requests')
          .columns(['merchant_id', 'created_at'])
          .execute();
        await db.schema
          .createIndex('requests_open_dedupe_uq')
          .ifNotExists()
          .unique()
          .on('requests')
          .column('dedupe_key')
          .where(sql.raw<boolean>(`dedupe_key is not null and status not in ('approved', 'rejected', 'closed')`))
          .execute();

        await db.schema
          .createTable('ticket_counters')
          .ifNotExists()
          .addColumn('day', 'text', (col) => col.primaryKey())
          .addColumn('last_seq', 'integer', (col) => col.notNull())
          .execute();

        await db.schema
          .createTable('request_events')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('request_id', 'text', (col) => col.notNull().references('requests.id').onDelete('cascade'))
          .addColumn('from_status', 'text')
          .addColumn('to_status', 'text', (col) => col.notNull())
          .addColumn('actor', 'text', (col) => col.notNull())
          .addColumn('reason', 'text')
          .addColumn('created_at', 'text', (col) => col.notNull())
          // Decisions the merchant must hear about: null until the notification went out.
          .addColumn('notified_at', 'text')
          .execute();
        await db.schema
          .createIndex('request_events_request_idx')
          .ifNotExists()
          .on('request_events')
          .columns(['request_id', 'id'])
          .execute();

        await db.schema
          .createTable('request_supplements')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('request_id', 'text', (col) => col.notNull().references('requests.id').onDelete('cascade'))
          .addColumn('files_json', 'text', (col) => col.notNull())
          .addColumn('note', 'text')
          .addColumn('actor', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createIndex('request_supplements_request_idx')
          .ifNotExists()
          .on('request_supplements')
          .columns(['request_id', 'id'])
          .execute();

        await db.schema
          .createTable('outbox')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('request_id', 'text', (col) => col.notNull().references('requests.id').onDelete('cascade'))
          .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('request.created', 'request.supplemented')`))
          .addColumn('payload_json', 'text', (col) => col.notNull())
          .addColumn('idempotency_key', 'text', (col) => col.notNull().unique())
          .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text', (col) => col.notNull())
          .addColumn('delivered_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createIndex('outbox_due_idx')
          .ifNotExists()
          .on('outbox')
          .columns(['delivered_at', 'next_attempt_at'])
          .execute();
        await db.schema
          .createIndex('outbox_request_idx')
          .ifNotExists()
          .on('outbox')
          .columns(['request_id', 'id'])
          .execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.dropTable('outbox').ifExists().execute();
        await db.schema.dropTable('request_supplements').ifExists().execute();
        await db.schema.dropTable('request_events').ifExists().execute();
        await db.schema.dropTable('ticket_counters').ifExists().execute();
        await db.schema.dropTable('requests').ifExists().execute();
      },
    },
    // Human handoff (src/handoff): agents and their sessions, handoffs with their event log (the live
    // chat, notes, claims), and the canned replies supervisors edit.
    '0004_handoff': {
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('agents')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('name', 'text', (col) => col.notNull().unique())
          .addColumn('role', 'text', (col) => col.notNull().check(sql`role in ('agent', 'supervisor')`))
          .addColumn('password_hash', 'text', (col) => col.notNull())
          .addColumn('failed_logins', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('locked_until', 'text')
          .addColumn('presence', 'text', (col) => col.notNull().defaultTo('offline'))
          .addColumn('last_active_at', 'text')
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createTable('agent_sessions')
          .ifNotExists()
          .addColumn('id', 'text', (col) => col.primaryKey())
          .addColumn('agent_id', 'integer', (col) => col.notNull().references('agents.id').onDelete('cascade'))
          .addColumn('csrf_token', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addColumn('expires_at', 'text', (col) => col.notNull())
          .addColumn('last_seen_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createTable('handoffs')
          .ifNotExists()
          .addColumn('id', 'text', (col) => col.primaryKey())
          .addColumn('channel_id', 'text', (col) => col.notNull())
          .addColumn('conversation_id', 'text', (col) => col.notNull())
          .addColumn('conversation_ref_json', 'text', (col) => col.notNull())
          .addColumn('user_id', 'text')
          .addColumn('locale', 'text', (col) => col.notNull())
          .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('waiting', 'active', 'ended', 'ticket')`))
          .addColumn('reason', 'text', (col) => col.notNull())
          .addColumn('detail', 'text')
          .addColumn('package_json', 'text', (col) => col.notNull())
          .addColumn('agent_id', 'integer', (col) => col.references('agents.id'))
          .addColumn('callback_phone', 'text')
          .addColumn('message', 'text')
          .addColumn('end_reason', 'text')
          .addColumn('rating', 'integer')
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addColumn('claimed_at', 'text')
          .addColumn('ended_at', 'text')
          .execute();
        await db.schema.createIndex('handoffs_status_idx').ifNotExists().on('handoffs').columns(['status', 'created_at']).execute();
        // One handoff in progress per conversation.
        await db.schema
          .createIndex('handoffs_open_uq')
          .ifNotExists()
          .unique()
          .on('handoffs')
          .columns(['channel_id', 'conversation_id'])
          .where(sql.raw<boolean>(`status in ('waiting', 'active')`))
          .execute();
        await db.schema
          .createTable('handoff_events')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('handoff_id', 'text', (col) => col.notNull().references('handoffs.id').onDelete('cascade'))
          .addColumn('kind', 'text', (col) => col.notNull())
          .addColumn('actor', 'text', (col) => col.notNull())
          .addColumn('text', 'text')
          .addColumn('attachments_json', 'text', (col) => col.notNull().defaultTo('[]'))
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema.createIndex('handoff_events_handoff_idx').ifNotExists().on('handoff_events').columns(['handoff_id', 'id']).execute();
        await db.schema
          .createTable('canned_replies')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('title', 'text', (col) => col.notNull())
          .addColumn('text', 'text', (col) => col.notNull())
          .addColumn('updated_by', 'text', (col) => col.notNull())
          .addColumn('updated_at', 'text', (col) => col.notNull())
          .execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        for (const table of ['canned_replies', 'handoff_events', 'handoffs', 'agent_sessions', 'agents']) {
          await db.schema.dropTable(table).ifExists().execute();
        }
      },
    },
    '0005_llm_calls': {
      async up(db: Kysely<any>): Promise<void> {
        // One row per language-model call: what it was for, how long it took, what it cost in tokens,
        // and how it ended (ok, timeout, error, malformed, refused) — operators read cost and health here.
        await db.schema
          .createTable('llm_calls')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('purpose', 'text', (col) => col.notNull())
          .addColumn('model', 'text', (col) => col.notNull())
          .addColumn('outcome', 'text', (col) => col.notNull())
          .addColumn('latency_ms', 'integer', (col) => col.notNull())
          .addColumn('input_tokens', 'integer')
          .addColumn('output_tokens', 'integer')
          .addColumn('error', 'text')
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema.createIndex('llm_calls_created').ifNotExists().on('llm_calls').column('created_at').execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.dropTable('llm_calls').ifExists().execute();
      },
    },
    '0006_notice_attempts': {
      async up(db: Kysely<any>): Promise<void> {
        // How often telling the merchant of a decision failed, and when we gave up: an undeliverable
        // notice must not be retried for ever ahead of newer ones.
        await db.schema.alterTable('request_events').addColumn('notify_attempts', 'integer', (col) => col.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('request_events').addColumn('notify_failed_at', 'text').execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.alterTable('request_events').dropColumn('notify_failed_at').execute();
        await db.schema.alterTable('request_events').dropColumn('notify_attempts').execute();
      },
    },
    // Telegram updates and WeChat messages, stored (card-masked) before they are acknowledged and run, marked
    // processed after their turn, replayed at start when a crash came in between; the (channel, platform id)
    // key drops a redelivered one. Rows are deleted a day after they arrived (src/channels/inbound-journal.ts).
    '0007_channel_inbound': {
      async up(db: Kysely<any>): Promise<void> {
        await db.schema
          .createTable('channel_inbound')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('channel', 'text', (col) => col.notNull())
          .addColumn('platform_id', 'text', (col) => col.notNull())
          .addColumn('chat_key', 'text', (col) => col.notNull())
          .addColumn('payload_json', 'text', (col) => col.notNull())
          .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('processed_at', 'text')
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addUniqueConstraint('channel_inbound_platform_uq', ['channel', 'platform_id'])
          .execute();
        await db.schema.createIndex('channel_inbound_pending_idx').ifNotExists().on('channel_inbound').columns(['channel', 'processed_at']).execute();
        await db.schema.createIndex('channel_inbound_created_idx').ifNotExists().on('channel_inbound').column('created_at').execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.dropTable('channel_inbound').ifExists().execute();
      },
    },
    '0008_agent_accounts': {
      async up(db: Kysely<any>): Promise<void> {
        // What merchants see of an agent (never the login name), and accounts an operator switched off.
        await db.schema.alterTable('agents').addColumn('display_name', 'text').execute();
        await db.schema.alterTable('agents').addColumn('disabled_at', 'text').execute();
        // Failed logins per account AND client: a stranger's wrong guesses slow down that stranger, not
        // the agent at their own desk (agents.failed_logins / locked_until are no longer used).
        await db.schema
          .createTable('agent_login_failures')
          .addColumn('agent_id', 'integer', (col) => col.notNull().references('agents.id').onDelete('cascade'))
          .addColumn('client', 'text', (col) => col.notNull())
          .addColumn('failures', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('blocked_until', 'text')
          .addColumn('last_failed_at', 'text', (col) => col.notNull())
          .addPrimaryKeyConstraint('agent_login_failures_pk', ['agent_id', 'client'])
          .execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.dropTable('agent_login_failures').ifExists().execute();
        await db.schema.alterTable('agents').dropColumn('disabled_at').execute();
        await db.schema.alterTable('agents').dropColumn('display_name').execute();
      },
    },
    '0009_identities': {
      async up(db: Kysely<any>): Promise<void> {
        // A channel user (web chat user, Telegram user, WeChat contact, terminal user) proven to act for a
        // merchant, with how and when. Typing a merchant ID proves nothing: it is printed on every slip.
        await db.schema
          .createTable('identities')
          .addColumn('channel_id', 'text', (col) => col.notNull())
          .addColumn('user_id', 'text', (col) => col.notNull())
          .addColumn('merchant_id', 'text', (col) => col.notNull())
          .addColumn('method', 'text', (col) => col.notNull())
          .addColumn('verified_at', 'text', (col) => col.notNull())
          .addPrimaryKeyConstraint('identities_pk', ['channel_id', 'user_id', 'merchant_id'])
          .execute();
        await db.schema.createIndex('identities_by_merchant').on('identities').columns(['merchant_id']).execute();
        // Whether whoever filed a request had proven to act for its merchant (the back office sees it).
        await db.schema.alterTable('requests').addColumn('identity_json', 'text').execute();
        // One-time binding codes the back office issues; only their hash is kept.
        await db.schema
          .createTable('binding_codes')
          .addColumn('code_hash', 'text', (col) => col.primaryKey())
          .addColumn('merchant_id', 'text', (col) => col.notNull())
          .addColumn('expires_at', 'text', (col) => col.notNull())
          .addColumn('used_at', 'text')
          .addColumn('used_by', 'text')
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.alterTable('requests').dropColumn('identity_json').execute();
        await db.schema.dropTable('binding_codes').ifExists().execute();
        await db.schema.dropTable('identities').ifExists().execute();
      },
    },
    '0010_phone_codes': {
      async up(db: Kysely<any>): Promise<void> {
        // A code texted to the phone on file proves the phone (method "phone"), and only for the channel user
        // who asked for it; a code from the API stays "binding_code", for whoever holds it.
        await db.schema.alterTable('binding_codes').addColumn('method', 'text', (col) => col.notNull().defaultTo('binding_code')).execute();
        await db.schema.alterTable('binding_codes').addColumn('issued_to', 'text').execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.alterTable('binding_codes').dropColumn('issued_to').execute();
        await db.schema.alterTable('binding_codes').dropColumn('method').execute();
      },
    },
    '0011_answer_feedback': {
      async up(db: Kysely<any>): Promise<void> {
        // 👍/👎 under a knowledge answer: the question (masked), how it was answered and its confidence;
        // the sections it cited are rows of their own, so "by section" is a plain GROUP BY on both dialects.
        await db.schema
          .createTable('answer_feedback')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('channel_id', 'text', (col) => col.notNull())
          .addColumn('conversation_id', 'text', (col) => col.notNull())
          .addColumn('user_id', 'text')
          .addColumn('rating', 'text', (col) => col.notNull().check(sql`rating in ('up', 'down')`))
          .addColumn('question', 'text', (col) => col.notNull())
          .addColumn('answered_by', 'text', (col) => col.notNull())
          .addColumn('confidence', real, (col) => col.notNull())
          .addColumn('locale', 'text', (col) => col.notNull())
          .addColumn('answered_at', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema.createIndex('answer_feedback_created_idx').ifNotExists().on('answer_feedback').columns(['created_at']).execute();
        await db.schema
          .createTable('answer_feedback_sources')
          .ifNotExists()
          .addColumn('feedback_id', 'integer', (col) => col.notNull().references('answer_feedback.id').onDelete('cascade'))
          .addColumn('position', 'integer', (col) => col.notNull())
          .addColumn('file', 'text', (col) => col.notNull())
          .addColumn('title', 'text', (col) => col.notNull())
          .addColumn('section', 'text', (col) => col.notNull())
          .addPrimaryKeyConstraint('answer_feedback_sources_pk', ['feedback_id', 'position'])
          .execute();
        await db.schema.createIndex('answer_feedback_sources_section_idx').ifNotExists().on('answer_feedback_sources').columns(['file', 'section']).execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.dropTable('answer_feedback_sources').ifExists().execute();
        await db.schema.dropTable('answer_feedback').ifExists().execute();
      },
    },
    '0012_audit_log': {
      async up(db: Kysely<any>): Promise<void> {
        // What agents and supervisors did (src/ops/audit-log.ts), newest read first, filtered by actor,
        // action or target.
        await db.schema
          .createTable('audit_log')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('at', 'text', (col) => col.notNull())
          .addColumn('actor_id', 'integer', (col) => col.notNull())
          .addColumn('actor_name', 'text', (col) => col.notNull())
          .addColumn('actor_role', 'text', (col) => col.notNull())
          .addColumn('action', 'text', (col) => col.notNull())
          .addColumn('target_type', 'text', (col) => col.notNull())
          .addColumn('target_id', 'text', (col) => col.notNull())
          .addColumn('detail_json', 'text', (col) => col.notNull())
          .addColumn('client', 'text')
          .execute();
        await db.schema.createIndex('audit_log_at_idx').ifNotExists().on('audit_log').columns(['at']).execute();
        await db.schema.createIndex('audit_log_actor_idx').ifNotExists().on('audit_log').columns(['actor_name', 'id']).execute();
        await db.schema.createIndex('audit_log_target_idx').ifNotExists().on('audit_log').columns(['target_type', 'target_id']).execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.dropTable('audit_log').ifExists().execute();
      },
    },
    '0013_knowledge_edits': {
      async up(db: Kysely<any>): Promise<void> {
        // Knowledge upkeep from the console (src/ops/knowledge-edits.ts): paraphrases attached to sections
        // and curated answers. Versioned: every change is a new row, none is updated; the current state of
        // one question is its newest row (`status` active or removed).
        await db.schema
          .createTable('knowledge_edits')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('kind', 'text', (col) => col.notNull())
          .addColumn('question_key', 'text', (col) => col.notNull())
          .addColumn('question', 'text', (col) => col.notNull())
          .addColumn('file', 'text')
          .addColumn('section', 'text')
          .addColumn('answer', 'text')
          .addColumn('status', 'text', (col) => col.notNull())
          .addColumn('actor_id', 'integer', (col) => col.notNull())
          .addColumn('actor_name', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema.createIndex('knowledge_edits_key_idx').ifNotExists().on('knowledge_edits').columns(['kind', 'question_key', 'id']).execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.dropTable('knowledge_edits').ifExists().execute();
      },
    },
    '0014_knowledge_proposals': {
      async up(db: Kysely<any>): Promise<void> {
        // An agent's reply proposed as a curated answer (src/ops/knowledge-proposals.ts): pending until a
        // supervisor approves (the curated answer's knowledge_edits version is kept) or rejects it.
        await db.schema
          .createTable('knowledge_proposals')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('handoff_id', 'text', (col) => col.notNull())
          .addColumn('event_id', 'integer', (col) => col.notNull())
          .addColumn('question', 'text', (col) => col.notNull())
          .addColumn('answer', 'text', (col) => col.notNull())
          .addColumn('status', 'text', (col) => col.notNull())
          .addColumn('proposed_by_id', 'integer', (col) => col.notNull())
          .addColumn('proposed_by_name', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addColumn('decided_by_id', 'integer')
          .addColumn('decided_by_name', 'text')
          .addColumn('decided_at', 'text')
          .addColumn('edit_id', 'integer')
          .addColumn('note', 'text')
          .execute();
        await db.schema.createIndex('knowledge_proposals_status_idx').ifNotExists().on('knowledge_proposals').columns(['status', 'id']).execute();
        await db.schema.createIndex('knowledge_proposals_event_idx').ifNotExists().on('knowledge_proposals').columns(['event_id']).execute();
        // Gaps (unanswered or 👎'd questions) marked handled, or open again: versioned like knowledge_edits,
        // a question's newest row is its state.
        await db.schema
          .createTable('knowledge_gap_marks')
          .ifNotExists()
          .addColumn('id', 'integer', autoId)
          .addColumn('question_key', 'text', (col) => col.notNull())
          .addColumn('question', 'text', (col) => col.notNull())
          .addColumn('status', 'text', (col) => col.notNull())
          .addColumn('edit_id', 'integer')
          .addColumn('actor_id', 'integer', (col) => col.notNull())
          .addColumn('actor_name', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema.createIndex('knowledge_gap_marks_key_idx').ifNotExists().on('knowledge_gap_marks').columns(['question_key', 'id']).execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.dropTable('knowledge_gap_marks').ifExists().execute();
        await db.schema.dropTable('knowledge_proposals').ifExists().execute();
      },
    },
    // "我那个退款批了没" from the chat that filed it: the status check finds the merchant from this identity's
    // own filings instead of asking for the merchant ID again.
    '0015_requests_filer_idx': {
      async up(db: Kysely<any>): Promise<void> {
        await db.schema.createIndex('requests_filer_idx').ifNotExists().on('requests').columns(['channel_id', 'user_id', 'created_at']).execute();
      },
      async down(db: Kysely<any>): Promise<void> {
        await db.schema.dropIndex('requests_filer_idx').ifExists().execute();
      },
    },
  };
}

/** The in-code migration provider: `{ '0001_initial': …, … }`. */
export class InCodeMigrationProvider implements MigrationProvider {
  readonly #dialect: SqlDialectName;

  constructor(options: MigrationOptions = {}) {
    this.#dialect = options.dialect ?? 'sqlite';
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    return buildMigrations(this.#dialect);
  }
}

/**
 * Applies every pending migration and returns the names of those it applied (empty when the schema is
 * already current). Throws `AppError('STORAGE_MIGRATION_FAILED')` naming the migration that failed.
 */
export async function migrateToLatest(db: Kysely<any>, options: MigrationOptions = {}): Promise<string[]> {
  // Unordered: a migration numbered below one already applied (0007 came after 0008 and 0009 were
  // released) is still applied, instead of stopping the start as a "corrupted" history.
  // On PostgreSQL the bookkeeping tables go into the schema the store works in (the first of its
  // `search_path`): without a schema, Kysely takes a `kysely_migration` table in any schema for its own.
  let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>>;
  try {
    const migrationTableSchema =
      options.dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
    const migrator = new Migrator({
      db,
      provider: new InCodeMigrationProvider(options),
      allowUnorderedMigrations: true,
      ...(migrationTableSchema ? { migrationTableSchema } : {}),
    });
    outcome = await migrator.migrateToLatest();
  } catch (err) {
    // Not one migration's fault: the database did not answer (a PostgreSQL that is down or refuses us).
    outcome = { error: err };
  }
  const { error, results = [] } = outcome;
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError(
      'STORAGE_MIGRATION_FAILED',
      failed ? `${failed}: ${reason}` : reason,
      { cause: error, details: { migration: failed ?? null } },
    );
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
