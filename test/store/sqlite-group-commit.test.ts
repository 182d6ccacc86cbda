/**
 * The SQLite group commit (src/store/sqlite-group-commit.ts) on real database files: statements issued in
 * one turn of the event loop share a commit, and nobody hears of a statement before it is committed — a
 * second connection to the file (another process, as far as SQLite is concerned) sees it the moment its
 * caller does.
 */
import BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { writeTransaction, type Store } from '../../src/store/index.js';
import type { Database } from '../../src/store/schema.js';
import { useTempDatabases } from './helpers.js';

const temp = useTempDatabases();
const observers: BetterSqlite3.Database[] = [];

afterEach(() => {
  for (const o of observers.splice(0)) o.close();
});

/** A read-only connection of its own to the store's file: it sees committed rows only. */
function observe(filename: string): (key?: string) => number {
  const o = new BetterSqlite3(filename, { readonly: true });
  observers.push(o);
  const all = o.prepare('select count(*) as n from bot_state');
  const one = o.prepare('select count(*) as n from bot_state where key = ?');
  return (key) => ((key === undefined ? all.get() : one.get(key)) as { n: number }).n;
}

const row = (key: string, data = '{}') => ({ key, data, etag: 'e', updated_at: new Date().toISOString() });

function put(store: Store, key: string, data = '{}'): Promise<unknown> {
  return store.db.insertInto('bot_state').values(row(key, data)).execute();
}

/**
 * An explicit transaction on `store` that writes `key`, then lets the event loop turn before `end` (which
 * writes more, or throws); `inside` resolves once the first write is done.
 */
function transactionAcrossTurns(store: Store, key: string, end: (trx: Kysely<Database>) => Promise<unknown>): { inside: Promise<void>; done: Promise<void> } {
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const done = store.db.transaction().execute(async (trx) => {
    await trx.insertInto('bot_state').values(row(key)).execute();
    entered();
    await new Promise((resolve) => setImmediate(resolve));
    await end(trx);
  });
  return { inside, done };
}

async function keys(store: Store): Promise<string[]> {
  return (await store.db.selectFrom('bot_state').select('key').orderBy('key').execute()).map((r) => r.key);
}

describe('SQLite group commit', () => {
  it('statements of one event-loop turn are committed together, and each caller hears of its own only then', async () => {
    const filename = temp.file();
    const store = await temp.open(filename);
    const committed = observe(filename);

    // Checked before the group's commit (queued after this) runs: the statements have run, nobody knows.
    let resolvedEarly = 0;
    let seenEarly = -1;
    const early = new Promise<void>((resolve) =>
      setImmediate(() => {
        seenEarly = committed();
        resolve();
      }),
    );
    const seenByCaller: number[] = [];
    const writes = Array.from({ length: 20 }, (_, i) =>
      put(store, `k${i}`).then(() => {
        if (seenEarly === -1) resolvedEarly++;
        seenByCaller.push(committed());
      }),
    );
    await early;
    await Promise.all(writes);

    expect(resolvedEarly).toBe(0);
    expect(seenEarly).toBe(0);
    // One commit for all twenty: whoever is told sees every one of them on the file.
    expect(seenByCaller).toEqual(Array(20).fill(20));
  });

  it('a statement that fails fails alone; the others of its group are committed', async () => {
    const filename = temp.file();
    const store = await temp.open(filename);
    const committed = observe(filename);
    await put(store, 'taken');

    const results = await Promise.allSettled([put(store, 'a'), put(store, 'taken'), put(store, 'b')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect([committed('a'), committed('b'), committed()]).toEqual([1, 1, 3]);
  });

  it('an explicit transaction has the database to itself, and its rollback undoes only its own work', async () => {
    const filename = temp.file();
    const store = await temp.open(filename);
    const committed = observe(filename);

    const failing = transactionAcrossTurns(store, 'in-tx', () => Promise.reject(new Error('undo')));
    await failing.inside;
    // Another caller's statement issued now waits for the transaction to end; it is not part of it.
    const outside = put(store, 'outside');

    await expect(failing.done).rejects.toThrow('undo');
    await outside;
    expect(committed('in-tx')).toBe(0);
    expect(committed('outside')).toBe(1);
    expect(await keys(store)).toEqual(['outside']);
  });

  it('writeTransaction read-then-write stays race-free with concurrent transactions and statements', async () => {
    const filename = temp.file();
    const store = await temp.open(filename);
    const committed = observe(filename);
    await put(store, 'counter', '0');

    const increment = () =>
      writeTransaction(store.db, async (tx) => {
        const current = await tx.selectFrom('bot_state').select('data').where('key', '=', 'counter').executeTakeFirstOrThrow();
        // Let everything else that is ready run between the read and the write.
        await new Promise((resolve) => setImmediate(resolve));
        await tx.updateTable('bot_state').set({ data: String(Number(current.data) + 1) }).where('key', '=', 'counter').execute();
      });
    await Promise.all([...Array.from({ length: 10 }, increment), ...Array.from({ length: 10 }, (_, i) => put(store, `s${i}`))]);

    expect(committed()).toBe(11);
    expect(await store.db.selectFrom('bot_state').select('data').where('key', '=', 'counter').executeTakeFirstOrThrow()).toEqual({ data: '10' });
  });

  it('two stores over one file in one process: a write waits for the other store\'s transaction instead of stopping the thread', async () => {
    // (Two servers over one data directory in one test process: SQLite's lock wait is synchronous, so a
    // wait for a transaction that needs this thread to end would stand still for busy_timeout, 5 s.)
    const filename = temp.file();
    const a = await temp.open(filename);
    const b = await temp.open(filename);
    const transaction = transactionAcrossTurns(a, 'a1', (trx) => trx.insertInto('bot_state').values(row('a2')).execute());
    await transaction.inside;
    const started = performance.now();
    await Promise.all([transaction.done, put(b, 'b1')]);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await keys(b)).toEqual(['a1', 'a2', 'b1']);
  });

  it('what a caller was told is there after the store is closed and the file opened again', async () => {
    const filename = temp.file();
    const store = await temp.open(filename);
    await Promise.all(Array.from({ length: 5 }, (_, i) => put(store, `d${i}`)));
    await store.close();
    const again = await temp.open(filename);
    expect(await keys(again)).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
  });
});
