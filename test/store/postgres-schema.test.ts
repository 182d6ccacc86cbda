/**
 * The schema the migrations build on PostgreSQL, checked in PostgreSQL's own catalog: identity ids, the
 * check constraints, the partial unique indexes, 8-byte floats, ISO timestamps as text — and migrating
 * is safe when instances start together.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../src/store/index.js';
import { createTestSchema, describePostgres, dropTestSchema } from '../helpers/dialects.js';
import { cancelRequest } from '../requests/helpers.js';
import { RequestStore } from '../../src/requests/index.js';
import { useTempDatabases } from './helpers.js';

describePostgres('the migrated schema', () => {
  const temp = useTempDatabases('postgres');

  it('puts every table, and the migrations’ own, in the schema of the search_path', async () => {
    const { db } = await temp.open();
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = current_schema() and table_name in ('requests', 'outbox', 'kysely_migration', 'kysely_migration_lock') order by table_name`.execute(db);
    expect(rows.map((r) => r.table_name)).toEqual(['kysely_migration', 'kysely_migration_lock', 'outbox', 'requests']);
    const { rows: current } = await sql<{ s: string }>`select current_schema() as s`.execute(db);
    expect(current[0]!.s).toMatch(/^test_/); // not public: the search_path of the URL was used
  });

  it('gives auto-increment ids as identity columns, floats as double precision, timestamps as text', async () => {
    const { db } = await temp.open();
    const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; is_identity: string }>`
      select table_name, column_name, data_type, is_identity from information_schema.columns
      where table_schema = current_schema() and (
        (column_name = 'id' and table_name in ('transcript', 'outbox', 'agents', 'request_events', 'llm_calls'))
        or column_name in ('confidence', 'created_at', 'started'))
      order by table_name, column_name`.execute(db);
    for (const r of rows.filter((c) => c.column_name === 'id')) expect([r.table_name, r.data_type, r.is_identity]).toEqual([r.table_name, 'integer', 'YES']);
    for (const r of rows.filter((c) => c.column_name === 'confidence')) expect([r.table_name, r.data_type]).toEqual([r.table_name, 'double precision']);
    for (const r of rows.filter((c) => c.column_name === 'created_at')) expect([r.table_name, r.data_type]).toEqual([r.table_name, 'text']);
    expect(rows.find((c) => c.column_name === 'started')).toMatchObject({ table_name: 'dl_conversations', data_type: 'integer' });

    // An id is handed out by the database, and a float comes back as it went in.
    const inserted = await db
      .insertInto('knowledge_misses')
      .values({ channel_id: 'c', conversation_id: 'k', user_id: null, question: 'q', confidence: 0.28, locale: 'zh-CN', created_at: new Date().toISOString() })
      .returning(['id', 'confidence'])
      .executeTakeFirstOrThrow();
    expect(inserted).toEqual({ id: 1, confidence: 0.28 });
  });

  it('enforces the check constraints and the partial unique indexes', async () => {
    const { db } = await temp.open();
    const requests = new RequestStore(db);
    const first = await requests.create(cancelRequest({ referenceNo: '515151515151' }));
    if (first.duplicate) throw new Error('unexpected duplicate');
    await expect(db.updateTable('requests').set({ status: 'lost' as never }).execute()).rejects.toThrow(/violates check constraint/);
    await expect(
      db.insertInto('transcript').values({ channel_id: 'c', conversation_id: 'k', activity_id: null, direction: 'sideways' as never, type: 'message', from_id: null, from_role: null, text: null, activity_json: '{}', created_at: 'x' }).execute(),
    ).rejects.toThrow(/violates check constraint/);

    const { rows } = await sql<{ indexname: string; indexdef: string }>`
      select indexname, indexdef from pg_indexes where schemaname = current_schema() and indexname in ('requests_open_dedupe_uq', 'handoffs_open_uq') order by indexname`.execute(db);
    expect(rows.map((r) => r.indexname)).toEqual(['handoffs_open_uq', 'requests_open_dedupe_uq']);
    for (const r of rows) expect(r.indexdef).toMatch(/^CREATE UNIQUE INDEX .* WHERE /);

    // One open handoff per conversation; an ended one does not count.
    const handoff = (id: string, status: string) => ({
      id, channel_id: 'webchat', conversation_id: 'conv', conversation_ref_json: '{}', user_id: null, locale: 'zh-CN', status: status as never, reason: 'asked',
      detail: null, package_json: '{}', agent_id: null, callback_phone: null, message: null, end_reason: null, rating: null, created_at: 'x', claimed_at: null, ended_at: null,
    });
    await db.insertInto('handoffs').values(handoff('h1', 'waiting')).execute();
    await expect(db.insertInto('handoffs').values(handoff('h2', 'active')).execute()).rejects.toThrow(/handoffs_open_uq/);
    await db.insertInto('handoffs').values(handoff('h3', 'ended')).execute();
  });

  it('migrates once when several instances start together, and again is a no-op', async () => {
    const { schema, url } = await createTestSchema();
    try {
      const stores = await Promise.all([1, 2, 3].map(() => openDatabase({ filename: '', url })));
      try {
        const applied = await stores[0]!.db.selectFrom('kysely_migration' as never).select('name' as never).execute();
        expect(applied.length).toBeGreaterThanOrEqual(13);
        expect(new Set(applied.map((r) => (r as { name: string }).name)).size).toBe(applied.length);
        expect(await migrateToLatest(stores[1]!.db, { dialect: 'postgres' })).toEqual([]);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    } finally {
      await dropTestSchema(schema);
    }
  });

  it('refuses a URL that is not PostgreSQL, and names the failing migration', async () => {
    await expect(openDatabase({ filename: '', url: 'mysql://db/pos' })).rejects.toThrow(/postgres:\/\//);
    const { db } = await temp.open('broken');
    // A table in the way of 0001 in a fresh schema: the error names the migration.
    const { schema, url } = await createTestSchema();
    try {
      await sql.raw(`create view ${schema}.transcript as select 1 as id`).execute(db);
      await expect(openDatabase({ filename: '', url })).rejects.toThrow(/0001_initial/);
    } finally {
      await dropTestSchema(schema);
    }
  });
});
