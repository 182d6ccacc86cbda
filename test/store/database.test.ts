import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/app/errors.js';
import { migrateToLatest, openDatabase } from '../../src/store/index.js';
import { useTempDatabases } from './helpers.js';

const temp = useTempDatabases();

async function tableNames(store: Awaited<ReturnType<typeof temp.open>>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(
    store.db,
  );
  return rows.map((r) => r.name);
}

describe('openDatabase / migrations', () => {
  it('creates the parent directory and the tables', async () => {
    const filename = path.join(temp.dir(), 'nested', 'deeper', 'state.db');
    const store = await temp.open(filename);
    expect(fs.existsSync(filename)).toBe(true);
    const names = await tableNames(store);
    expect(names).toEqual(expect.arrayContaining(['bot_state', 'transcript', 'knowledge_misses', 'kysely_migration']));

    const { rows: indexes } = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'transcript'`.execute(
      store.db,
    );
    expect(indexes.map((r) => r.name)).toContain('transcript_conversation_idx');
    const { rows: cols } = await sql<{ name: string }>`select name from pragma_index_info('transcript_conversation_idx') order by seqno`.execute(
      store.db,
    );
    expect(cols.map((c) => c.name)).toEqual(['channel_id', 'conversation_id', 'id']);
  });

  it('running the migrations again is a no-op and keeps the data', async () => {
    const store = await temp.open();
    await store.db
      .insertInto('bot_state')
      .values({ key: 'k', data: '{"a":1}', etag: 'e1', updated_at: new Date().toISOString() })
      .execute();
    const before = await tableNames(store);

    expect(await migrateToLatest(store.db)).toEqual([]);
    expect(await migrateToLatest(store.db)).toEqual([]);

    expect(await tableNames(store)).toEqual(before);
    const applied = await store.db.selectFrom('kysely_migration' as never).selectAll().execute();
    expect(applied.map((r) => (r as { name: string }).name)).toEqual(['0001_initial', '0002_directline', '0003_requests', '0004_handoff', '0005_llm_calls', '0006_notice_attempts', '0007_channel_inbound', '0008_agent_accounts', '0009_identities', '0010_phone_codes', '0011_answer_feedback', '0012_audit_log', '0013_knowledge_edits', '0014_knowledge_proposals', '0015_requests_filer_idx']);
    const row = await store.db.selectFrom('bot_state').selectAll().executeTakeFirstOrThrow();
    expect(row.data).toBe('{"a":1}');

    // Reopening the file does not re-apply anything either.
    await store.close();
    const again = await temp.open();
    expect(await again.db.selectFrom('bot_state').select('etag').executeTakeFirstOrThrow()).toEqual({ etag: 'e1' });
  });

  it('applies every migration on a fresh database and reports them', async () => {
    const store = await temp.open();
    // Back to an empty file: every table dropped, the migrations' own bookkeeping included.
    await sql`PRAGMA foreign_keys = OFF`.execute(store.db);
    for (const table of await tableNames(store)) if (!table.startsWith('sqlite_')) await store.db.schema.dropTable(table).execute();
    await sql`PRAGMA foreign_keys = ON`.execute(store.db);
    expect(await migrateToLatest(store.db)).toEqual(['0001_initial', '0002_directline', '0003_requests', '0004_handoff', '0005_llm_calls', '0006_notice_attempts', '0007_channel_inbound', '0008_agent_accounts', '0009_identities', '0010_phone_codes', '0011_answer_feedback', '0012_audit_log', '0013_knowledge_edits', '0014_knowledge_proposals', '0015_requests_filer_idx']);
    expect(await tableNames(store)).toEqual(
      expect.arrayContaining([
        'bot_state',
        'transcript',
        'knowledge_misses',
        'dl_conversations',
        'dl_activities',
        'requests',
        'ticket_counters',
        'request_events',
        'request_supplements',
        'outbox',
      ]),
    );
  });

  it('applies a migration numbered below ones applied before (0007 after 0008 and 0009), keeping the data', async () => {
    const filename = temp.file('upgrade.db');
    const store = await temp.open(filename);
    await store.db.insertInto('bot_state').values({ key: 'k', data: '{"a":1}', etag: 'e1', updated_at: new Date().toISOString() }).execute();
    // A database of the version before 0007 existed: 0008 and 0009 applied, no channel_inbound.
    await store.db.schema.dropTable('channel_inbound').execute();
    await store.db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '0007_channel_inbound' as never).execute();
    await store.close();

    const upgraded = await temp.open(filename);
    expect(await tableNames(upgraded)).toContain('channel_inbound');
    expect(await upgraded.db.selectFrom('bot_state').select('data').executeTakeFirstOrThrow()).toEqual({ data: '{"a":1}' });
    expect(await migrateToLatest(upgraded.db)).toEqual([]);
  });

  it('uses WAL and the required pragmas on a file database', async () => {
    const filename = temp.file('wal.db');
    const store = await temp.open(filename);
    const pragma = async (name: string) =>
      (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(store.db)).rows[0];
    expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
    expect(await pragma('busy_timeout')).toEqual({ timeout: 5000 });
    // FULL: a committed request survives a power cut (NORMAL could lose it and reuse its ticket number).
    expect(await pragma('synchronous')).toEqual({ synchronous: 2 });
    await store.db.insertInto('bot_state').values({ key: 'k', data: '{}', etag: 'e', updated_at: 'x' }).execute();
    expect(fs.existsSync(`${filename}-wal`)).toBe(true);

    // WAL is persistent in the file header: a plain connection sees it too.
    await store.close();
    const raw = new BetterSqlite3(filename, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it("accepts ':memory:'", async () => {
    const store = await openDatabase({ filename: ':memory:' });
    try {
      expect(await tableNames(store)).toEqual(expect.arrayContaining(['bot_state', 'transcript', 'knowledge_misses']));
    } finally {
      await store.close();
      await store.close(); // idempotent
    }
  });

  it('fails the open, saying why, when the PostgreSQL of DATABASE_URL does not answer', async () => {
    const started = Date.now();
    const error = await openDatabase({ filename: temp.file(), url: 'postgres://postgres@127.0.0.1:9/none' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isAppError(error, 'STORAGE_MIGRATION_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(fs.existsSync(temp.file())).toBe(false); // no SQLite file on the side
  });

  it('throws with the name of the failing migration', async () => {
    const filename = temp.file('broken.db');
    const raw = new BetterSqlite3(filename);
    raw.exec('create view transcript as select 1 as id'); // a view cannot be indexed
    raw.close();

    const error = await openDatabase({ filename }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isAppError(error, 'STORAGE_MIGRATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain('0001_initial');
    // The failed open released the file: it can be deleted and reopened.
    const raw2 = new BetterSqlite3(filename);
    raw2.exec('drop view transcript');
    raw2.close();
    const store = await temp.open(filename);
    expect(await tableNames(store)).toContain('transcript');
  });
});
