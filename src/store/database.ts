/**
 * Opens the SQL store, migrated to the latest schema: SQLite through better-sqlite3 (WAL) by default, or
 * PostgreSQL through `pg` when a `postgres://` URL is given (`DATABASE_URL`). Both sit behind the same
 * `Store` shape and the same Kysely queries.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { DatabaseIntrospector, DatabaseMetadata, DatabaseMetadataOptions, SchemaMetadata, TableMetadata } from 'kysely';
import pg from 'pg';
import { AppError } from '../core/errors.js';
import { isPostgresUrl, type SqlDialectName } from './dialect.js';
import { migrateToLatest } from './migrations.js';
import { GroupCommitSqliteDialect } from './sqlite-group-commit.js';
import type { Database } from './schema.js';

export interface Store {
  db: Kysely<Database>;
  dialect: SqlDialectName;
  /** Closes the database. Safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Path of the SQLite file (its parent directory is created), or `':memory:'`. Unused with `url`. */
  filename: string;
  /**
   * `postgres://user:password@host:port/database` (`DATABASE_URL`): PostgreSQL instead of the SQLite
   * file. libpq-style query parameters are honoured (`?sslmode=require`, `?options=-c search_path=…`).
   */
  url?: string | undefined;
  /** Most PostgreSQL connections this process opens (default 10). */
  poolSize?: number;
}

function isInMemory(filename: string): boolean {
  return filename === ':memory:' || filename === '';
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Store> {
  if (options.url !== undefined) {
    if (!isPostgresUrl(options.url)) throw new AppError('CONFIG_INVALID', 'DATABASE_URL must start with postgres:// or postgresql://');
    return openPostgres(options.url, options.poolSize ?? 10);
  }
  const { filename } = options;
  if (!isInMemory(filename)) {
    fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
  }

  const sqlite = new BetterSqlite3(filename);
  try {
    sqlite.pragma('journal_mode = WAL'); // stays 'memory' for ':memory:'
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // FULL: a committed request (and its ticket number) survives a power cut; NORMAL could lose the last
    // commits and hand the same ticket number out again. Costs ~0.2 ms per commit on this machine's disk
    // (0.21–0.24 ms vs 0.02–0.03 ms with NORMAL, 2,000 single-row transactions).
    sqlite.pragma('synchronous = FULL');
  } catch (err) {
    sqlite.close();
    throw err;
  }

  // Group commit (see sqlite-group-commit.ts): the statements of one event-loop turn share a commit, and
  // so one fsync, and each caller hears of its statement only once it is on disk.
  return migrated(new Kysely<Database>({ dialect: new GroupCommitSqliteDialect(withStatementCache(sqlite)) }), 'sqlite');
}

/** The store over `db` once migrated; a failed migration closes the database before it throws. */
async function migrated(db: Kysely<Database>, dialect: SqlDialectName): Promise<Store> {
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= db.destroy());
  try {
    await migrateToLatest(db, { dialect });
  } catch (err) {
    await close();
    throw err;
  }
  return { db, dialect, close };
}

// ── PostgreSQL ──────────────────────────────────────────────────────────────────────────────────────

/**
 * `count(*)` and `sum(integer)` are `bigint` and `avg` is `numeric` on PostgreSQL, which `pg` returns as
 * strings; SQLite returns numbers, and the code reads them as numbers. Counts stay far below 2^53.
 */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (value: string) => Number(value);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

async function openPostgres(url: string, max: number): Promise<Store> {
  // A database that does not answer fails the query after 10 s instead of holding the turn for ever.
  const pool = new pg.Pool({ connectionString: url, max, types: pgTypes, connectionTimeoutMillis: 10_000 });
  // An idle connection the server dropped (restart, failover) must not crash the process; the pool
  // replaces it and the next query reports the outage to its caller.
  pool.on('error', () => undefined);
  // The same for a connection dropped while a query or transaction holds it (an outage mid-query): pg
  // emits 'error' on the client, and the pool listens only while the client is idle — without a listener
  // of its own the process would crash. The query in flight has failed with the error already, and the
  // pool discards the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return migrated(new Kysely<Database>({ dialect: new CurrentSchemaPostgresDialect({ pool }) }), 'postgres');
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing is a large
 * share of a chat turn's database time. The same SQL text gets the same prepared statement (bounded).
 */
function withStatementCache(sqlite: BetterSqlite3.Database, max = 500): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') {
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return (sql: string) => {
        let stmt = cache.get(sql);
        if (!stmt) {
          stmt = target.prepare(sql);
          if (cache.size >= max) cache.delete(cache.keys().next().value!);
          cache.set(sql, stmt);
        }
        return stmt;
      };
    },
  });
}

/**
 * Kysely's PostgreSQL introspector (which its migrator asks whether its tables exist) reads every schema
 * of the database, naming each: a schema another client drops meanwhile fails the start with "schema
 * does not exist", and a `kysely_migration` table in another schema passes for ours. The store only ever
 * works in its `current_schema()`, so only that schema is looked at.
 */
class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db, super.createIntrospector(db));
  }
}

class CurrentSchemaIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<any>,
    private readonly inner: DatabaseIntrospector,
  ) {}

  getSchemas(): Promise<SchemaMetadata[]> {
    return this.inner.getSchemas();
  }

  async getTables(_options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')
      order by c.relname`.execute(this.db);
    // Columns are not read by the migrator; nothing else in the program introspects.
    return rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.kind === 'v', columns: [] }));
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}
