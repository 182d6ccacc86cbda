/**
 * Store tests on both SQL dialects: SQLite (always) and PostgreSQL (when it answers at
 * `TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`).
 *
 * On PostgreSQL every store a test opens lives in a schema of its own (random name, set as the
 * `search_path` of every pooled connection, dropped after the test), so parallel workers and files never
 * see each other's rows, and a fresh schema starts as empty as a fresh SQLite file.
 */
import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import pg from 'pg';
import type { SqlDialectName } from '../../src/store/dialect.js';
import { openDatabase } from '../../src/store/index.js';

export type Dialect = SqlDialectName;

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message || err.name : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL cases are skipped in this run, or undefined when they run. */
export const postgresUnavailable: string | undefined = await probePostgres();
if (postgresUnavailable !== undefined) {
  console.warn(`PostgreSQL at ${redact(TEST_DATABASE_URL)} does not answer (${postgresUnavailable}): the PostgreSQL cases are skipped; SQLite cases still run.`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/**
 * Runs `body` once per dialect, each inside a `describe` named after it. Without PostgreSQL its block is
 * skipped, and its name says why.
 */
export function describeEachDialect(body: (dialect: Dialect) => void): void {
  describe('sqlite', () => body('sqlite'));
  if (postgresUnavailable === undefined) describe('postgres', () => body('postgres'));
  else describe.skip(`postgres (skipped: PostgreSQL does not answer at ${redact(TEST_DATABASE_URL)})`, () => body('postgres'));
}

/** `describe(name, body)` on PostgreSQL only; skipped, saying why, when it does not answer. */
export function describePostgres(name: string, body: () => void): void {
  if (postgresUnavailable === undefined) describe(`postgres: ${name}`, body);
  else describe.skip(`postgres: ${name} (skipped: PostgreSQL does not answer at ${redact(TEST_DATABASE_URL)})`, body);
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty schema with a random name and returns a URL whose connections work in it. */
export async function createTestSchema(): Promise<TestSchema> {
  // The creating process's id is in the name: a later run drops what a dead process left behind.
  const schema = `test_${process.pid}_${randomBytes(5).toString('hex')}`;
  await withAdmin((c) => c.query(`create schema ${schema}`));
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { schema, url: url.toString() };
}

export async function dropTestSchema(schema: string): Promise<void> {
  await withAdmin((c) => c.query(`drop schema if exists ${schema} cascade`));
}

export interface TestSchema {
  schema: string;
  url: string;
}

// ── Migrated schemas, reused ────────────────────────────────────────────────────────────────────────
//
// Migrating a fresh schema takes ~0.8 s on PostgreSQL (about a hundred DDL statements); emptying a
// migrated one takes a few tens of milliseconds. A test's schema is emptied and reused by the next test
// of this process — but only when its objects are exactly those the migrations make (a test that added
// a trigger or dropped a table gets its schema dropped instead).

const spare: TestSchema[] = [];
let pristine: Promise<string> | undefined;

/** Tables, indexes, sequences, views, triggers, functions and constraints of `schema`, and the migrations applied. */
async function fingerprint(c: pg.Client, schema: string): Promise<string> {
  const { rows } = await c.query<{ part: string | null }>(
    `select string_agg(relname || ':' || relkind::text, ',' order by relname) as part from pg_class where relnamespace = $1::regnamespace
     union all select string_agg(t.tgname, ',' order by t.tgname) from pg_trigger t join pg_class c on c.oid = t.tgrelid where c.relnamespace = $1::regnamespace and not t.tgisinternal
     union all select string_agg(proname, ',' order by proname) from pg_proc where pronamespace = $1::regnamespace
     union all select string_agg(conname, ',' order by conname) from pg_constraint where connamespace = $1::regnamespace`,
    [schema],
  );
  const applied = await c.query<{ names: string | null }>(`select string_agg(name, ',' order by name) as names from ${schema}.kysely_migration`).catch(() => ({ rows: [{ names: 'none' }] }));
  return JSON.stringify([rows.map((r) => r.part), applied.rows[0]?.names]);
}

/** A migrated, empty schema: a spare one, or a new one migrated by the store itself. */
export async function acquireMigratedSchema(): Promise<TestSchema> {
  const reused = spare.pop();
  if (reused) return reused;
  const made = await createTestSchema();
  const store = await openDatabase({ filename: '', url: made.url });
  await store.close();
  pristine ??= withAdmin((c) => fingerprint(c, made.schema));
  await pristine;
  return made;
}

/** Empties the schema for the next test when nothing but rows changed in it; drops it otherwise. */
export async function releaseMigratedSchema(made: TestSchema): Promise<void> {
  const expected = await pristine;
  const reusable = await withAdmin(async (c) => {
    if (expected === undefined || (await fingerprint(c, made.schema)) !== expected) return false;
    // DELETE, children before parents, and sequences back to 1: TRUNCATE rewrites every table and index
    // and is ten times slower on tables this small.
    const { rows: tables } = await c.query<{ name: string }>(
      `select relname as name from pg_class where relnamespace = $1::regnamespace and relkind = 'r' and relname not like 'kysely_migration%'`,
      [made.schema],
    );
    const { rows: refs } = await c.query<{ child: string; parent: string }>(
      `select conrelid::regclass::text as child, confrelid::regclass::text as parent from pg_constraint where connamespace = $1::regnamespace and contype = 'f'`,
      [made.schema],
    );
    const unqualified = (name: string) => name.slice(name.lastIndexOf('.') + 1);
    const order: string[] = [];
    const left = new Set(tables.map((t) => t.name));
    while (left.size > 0) {
      const next = [...left].find((t) => !refs.some((r) => unqualified(r.parent) === t && unqualified(r.child) !== t && left.has(unqualified(r.child))));
      if (next === undefined) throw new Error(`foreign keys in a cycle among ${[...left].join(', ')}`);
      order.push(next);
      left.delete(next);
    }
    const { rows: sequences } = await c.query<{ name: string }>(`select relname as name from pg_class where relnamespace = $1::regnamespace and relkind = 'S'`, [made.schema]);
    await c.query(
      [
        'begin',
        ...order.map((t) => `delete from ${made.schema}.${t}`),
        ...sequences.map((q) => `select setval('${made.schema}.${q.name}', 1, false)`),
        'commit',
      ].join(';\n'),
    );
    return true;
  });
  if (reusable) spare.push(made);
  else await dropTestSchema(made.schema);
}

/** Drops the schemas of test processes that are gone (a killed run leaves its spare schemas behind). */
async function dropOrphans(): Promise<void> {
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ nspname: string }>(`select nspname from pg_namespace where nspname ~ '^test_[0-9]+_[0-9a-f]+$'`);
    for (const { nspname } of rows) {
      const pid = Number(nspname.split('_')[1]);
      if (pid === process.pid || alive(pid)) continue;
      await c.query(`drop schema if exists ${nspname} cascade`).catch(() => undefined);
    }
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

if (postgresUnavailable === undefined) await dropOrphans();
