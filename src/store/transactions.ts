/** Transactions that need more than Kysely's default on SQLite. */
import { SqliteAdapter, sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * A write transaction. On SQLite it starts with `BEGIN IMMEDIATE`: the write lock is taken (waiting up to
 * `busy_timeout`) before the first read, so a transaction that reads and then writes cannot fail with
 * SQLITE_BUSY because another process (the CLI next to the server: a chat, `agents add`) wrote in between.
 */
export async function writeTransaction<T>(db: Kysely<Database>, fn: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return db.transaction().execute(fn);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}
