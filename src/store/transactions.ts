/** Transactions that need more than Kysely's default: race-free on SQLite and on PostgreSQL alike. */
import { SqliteAdapter, sql, type Kysely } from 'kysely';
import { dialectOf } from './dialect.js';
import type { Database } from './schema.js';

/**
 * A write transaction whose reads and writes act as if no other transaction ran meanwhile — ticket numbers,
 * claims and status changes that read a row and then write depend on it, from any number of processes.
 *
 * - SQLite: `BEGIN IMMEDIATE`. The write lock is taken (waiting up to `busy_timeout`) before the first
 *   read, so a transaction that reads and then writes cannot fail with SQLITE_BUSY because another
 *   process (the CLI next to the server: a chat, `agents add`) wrote in between.
 * - PostgreSQL: `SERIALIZABLE`. Instead of waiting, PostgreSQL aborts one of two transactions that could
 *   not have run one after the other (40001, or a deadlock 40P01); that one is run again from the start,
 *   after a short random pause. **`fn` may therefore run more than once**: it must do nothing but database
 *   work through `tx` (no messages sent, no counters bumped outside).
 */
export async function writeTransaction<T>(db: Kysely<Database>, fn: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (dialectOf(db) === 'postgres') return serializable(db, fn);
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

/**
 * Attempts before a serialization failure is given up and reported. Each conflict lets one through, so N
 * writers of one row (ticket numbers: a counter per day) may need up to N attempts for the last of them: 30
 * let a burst of 50 filings at once fail one of them on a loaded machine (seen in CI, test/store/races.test.ts);
 * 100 leaves room for bursts of that size and more.
 */
const MAX_ATTEMPTS = 100;

async function serializable<T>(db: Kysely<Database>, fn: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().setIsolationLevel('serializable').execute(fn);
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isSerializationFailure(err)) throw err;
      // Jittered and growing (to 100 ms): the transactions that collided must not collide again in step.
      const ceiling = Math.min(100, 2 * 2 ** Math.min(attempt, 6));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}

/** PostgreSQL's "could not serialize access" or a deadlock, also when wrapped as an error's cause. */
export function isSerializationFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '40001' || code === '40P01') return true;
  }
  return false;
}
