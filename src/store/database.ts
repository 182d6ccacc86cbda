/**
 * Opens the SQL store: SQLite through better-sqlite3 (WAL), migrated to the latest schema.
 * PostgreSQL (when `DATABASE_URL` says so) is to be added here behind the same `Store` shape.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';

export interface Store {
  db: Kysely<Database>;
  /** Closes the database. Safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Path of the SQLite file (its parent directory is created), or `':memory:'`. */
  filename: string;
}

function isInMemory(filename: string): boolean {
  return filename === ':memory:' || filename === '';
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Store> {
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

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= db.destroy());

  try {
    await migrateToLatest(db, { dialect: 'sqlite' });
  } catch (err) {
    await close();
    throw err;
  }
  return { db, close };
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
