/**
 * Retention (PIPL): what holds a merchant's words or files is deleted once it is older than
 * `TRANSCRIPT_RETENTION_DAYS`, every day, not only the transcript and not only at start-up.
 *
 * Deleted when older than the cutoff:
 * - transcript entries; Direct Line activities, their file grants and conversations left empty;
 * - knowledge misses (the questions merchants asked that the guide did not answer);
 * - 👍/👎 feedback on answers (it keeps the question), with the sections it cited;
 * - handoffs that ended or became tickets (their package: summary, slots, transcript) with their events;
 * - bot state not touched since (a conversation idle that long: its half-filled flow, held files);
 * - outbox messages already delivered.
 * Also: console sessions past their expiry, binding codes a day after they expired, and stored files
 * nothing refers to any more.
 *
 * Kept: requests with their events and supplements (the acquirer's records of a cancellation, which the
 * back office owns and retires under its own rules), and agents, canned replies and model-call metrics
 * (no merchant text).
 *
 * A stored file (`<sha256>.<ext>` in the files folder) is removed when no row of any table names it and
 * it is older than a grace period (default a day): an upload whose activity is still being written is
 * never taken for garbage. Finding references scans every column that can hold a file name; that is a
 * full read of those tables once a day, cheap next to a day's traffic.
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** How a stored file is named: its content's SHA-256 and an extension. */
const STORED_FILE_NAME = /^[0-9a-f]{64}\.[a-z0-9]{2,4}$/;
/** A stored file's name anywhere inside a text (JSON of an activity, a package, state). */
const STORED_FILE_IN_TEXT = /[0-9a-f]{64}\.[a-z0-9]{2,4}/g;

/** Every column that can name a stored file. A new table holding files must be added here. */
const FILE_COLUMNS: readonly { table: string; column: string }[] = [
  { table: 'bot_state', column: 'data' },
  { table: 'transcript', column: 'activity_json' },
  { table: 'dl_activities', column: 'activity_json' },
  { table: 'dl_files', column: 'file' },
  { table: 'requests', column: 'attachments_json' },
  { table: 'request_supplements', column: 'files_json' },
  { table: 'outbox', column: 'payload_json' },
  { table: 'handoffs', column: 'package_json' },
  { table: 'handoff_events', column: 'attachments_json' },
];

export interface RetentionOptions {
  /** Rows older than this are deleted. */
  cutoff: Date;
  /** For expired sessions and the files' grace period (default: now). */
  now?: Date;
  /** The stored files' folder; without it files are left alone. */
  filesDir?: string;
  /** An unreferenced file younger than this is kept (default one day). */
  fileGraceMs?: number;
  /** Extra (table, column) pairs that can name stored files (a channel's own inbound journal). */
  fileColumns?: readonly { table: string; column: string }[];
}

export interface RetentionResult {
  transcript: number;
  dlActivities: number;
  dlConversations: number;
  misses: number;
  feedback: number;
  handoffs: number;
  botState: number;
  outbox: number;
  sessions: number;
  bindingCodes: number;
  files: number;
}

export async function purgeExpired(db: Kysely<Database>, options: RetentionOptions): Promise<RetentionResult> {
  const { cutoff } = options;
  if (!(cutoff instanceof Date) || Number.isNaN(cutoff.getTime())) throw new RangeError('purgeExpired needs a valid cutoff Date');
  const before = cutoff.toISOString();
  const now = options.now ?? new Date();
  const deleted = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);

  const rows = await db.transaction().execute(async (trx) => {
    const transcript = deleted(await trx.deleteFrom('transcript').where('created_at', '<', before).executeTakeFirst());
    const dlActivities = deleted(await trx.deleteFrom('dl_activities').where('created_at', '<', before).executeTakeFirst());
    await trx.deleteFrom('dl_files').where('created_at', '<', before).executeTakeFirst();
    // A conversation with nothing left in it (its watermark counter is all that remains).
    const dlConversations = deleted(
      await trx
        .deleteFrom('dl_conversations')
        .where('created_at', '<', before)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('dl_activities').select(sql.lit(1).as('one')).whereRef('dl_activities.conversation_id', '=', 'dl_conversations.id'))),
        )
        .executeTakeFirst(),
    );
    const misses = deleted(await trx.deleteFrom('knowledge_misses').where('created_at', '<', before).executeTakeFirst());
    // Its cited sections go with it (ON DELETE CASCADE).
    const feedback = deleted(await trx.deleteFrom('answer_feedback').where('created_at', '<', before).executeTakeFirst());
    // Events go with their handoff (ON DELETE CASCADE).
    const handoffs = deleted(
      await trx
        .deleteFrom('handoffs')
        .where('status', 'in', ['ended', 'ticket'])
        .where((eb) => eb(eb.fn.coalesce('ended_at', 'created_at'), '<', before))
        .executeTakeFirst(),
    );
    const botState = deleted(await trx.deleteFrom('bot_state').where('updated_at', '<', before).executeTakeFirst());
    const outbox = deleted(await trx.deleteFrom('outbox').where('delivered_at', 'is not', null).where('created_at', '<', before).executeTakeFirst());
    const sessions = deleted(await trx.deleteFrom('agent_sessions').where('expires_at', '<', now.toISOString()).executeTakeFirst());
    // Used or not, a code is useless once expired; kept a day for the back office's questions.
    const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
    const bindingCodes = deleted(await trx.deleteFrom('binding_codes').where('expires_at', '<', dayAgo).executeTakeFirst());
    return { transcript, dlActivities, dlConversations, misses, feedback, handoffs, botState, outbox, sessions, bindingCodes };
  });

  const files = options.filesDir
    ? await removeUnreferencedFiles(db, options.filesDir, now.getTime() - (options.fileGraceMs ?? 86_400_000), [...FILE_COLUMNS, ...(options.fileColumns ?? [])])
    : 0;
  return { ...rows, files };
}

/** Every stored file name some row still mentions. */
async function referencedFiles(db: Kysely<Database>, columns: readonly { table: string; column: string }[]): Promise<Set<string>> {
  const names = new Set<string>();
  for (const { table, column } of columns) {
    // Only rows that can hold a name are read (a 64-hex name is at least 67 characters).
    const result = await sql<{ v: string | null }>`select ${sql.ref(column)} as v from ${sql.table(table)} where length(${sql.ref(column)}) >= 67`.execute(db);
    for (const { v } of result.rows) {
      if (v) for (const m of v.matchAll(STORED_FILE_IN_TEXT)) names.add(m[0]);
    }
  }
  return names;
}

async function removeUnreferencedFiles(
  db: Kysely<Database>,
  dir: string,
  olderThanMs: number,
  columns: readonly { table: string; column: string }[],
): Promise<number> {
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((name) => STORED_FILE_NAME.test(name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  if (entries.length === 0) return 0;
  const keep = await referencedFiles(db, columns);
  let removed = 0;
  for (const name of entries) {
    if (keep.has(name)) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).mtimeMs >= olderThanMs) continue;
      unlinkSync(path);
      removed++;
    } catch (err) {
      // Removed meanwhile by another sweep: nothing to do.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return removed;
}
