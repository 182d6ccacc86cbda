/**
 * Bot Framework `Storage` over the SQL store (table `bot_state`).
 *
 * Semantics mirror botbuilder-core's `MemoryStorage`:
 * - `read` returns only the keys found, each item carrying its current `eTag`;
 * - `write` overwrites when the item's eTag is missing/empty or `'*'`, or when the key does not exist
 *   yet (whatever eTag the item carries); otherwise the eTag must equal the stored one, else
 *   `AppError('STORAGE_ETAG_CONFLICT')`. Every successful write assigns a new eTag (a random UUID);
 * - `delete` ignores missing keys.
 * Differences: a multi-key `write` is all-or-nothing (one transaction; MemoryStorage keeps the items
 * it wrote before the conflict), and an empty key is rejected with `AppError('STORAGE_INVALID_KEY')`.
 *
 * The eTag check and the write are one statement (`UPDATE … WHERE key = ? AND etag = ?`, then
 * `INSERT … ON CONFLICT DO NOTHING` for a key that does not exist), so two writers carrying the same
 * eTag cannot both succeed, even from two connections. Items are stored as JSON without their eTag;
 * callers always get fresh copies.
 */
import { randomUUID } from 'node:crypto';
import type { Storage, StoreItem, StoreItems } from 'botbuilder';
import type { Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import type { Database } from './schema.js';

/** Keys per `IN (…)` query; well under SQLite's bound-parameter limit. */
const READ_CHUNK = 500;

function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new AppError('STORAGE_INVALID_KEY', typeof key === 'string' ? 'empty key' : `key of type ${typeof key}`);
  }
}

function assertKeys(keys: unknown, operation: string): asserts keys is string[] {
  if (!Array.isArray(keys)) {
    throw new AppError('STORAGE_INVALID_KEY', `keys are required when calling ${operation}()`);
  }
  keys.forEach(assertKey);
}

/** The item's JSON without its eTag, and the eTag it carries. */
function serialise(key: string, item: unknown): { data: string; eTag: string | undefined } {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new AppError('STORAGE_INVALID_ITEM', `item "${key}" must be an object`);
  }
  const { eTag, ...rest } = item as StoreItem;
  let data: string;
  try {
    data = JSON.stringify(rest);
  } catch (err) {
    throw new AppError('STORAGE_INVALID_ITEM', `item "${key}" is not JSON-serialisable`, { cause: err });
  }
  return { data, eTag: typeof eTag === 'string' && eTag.length > 0 ? eTag : undefined };
}

export interface SqlStorageOptions {
  /** Clock for `updated_at`; defaults to the system clock. */
  now?: () => Date;
  /** eTag generator; defaults to `crypto.randomUUID`. */
  newETag?: () => string;
}

export class SqlStorage implements Storage {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  readonly #newETag: () => string;

  constructor(db: Kysely<Database>, options: SqlStorageOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
    this.#newETag = options.newETag ?? randomUUID;
  }

  async read(keys: string[]): Promise<StoreItems> {
    assertKeys(keys, 'read');
    const found: StoreItems = {};
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += READ_CHUNK) {
      const rows = await this.#db
        .selectFrom('bot_state')
        .select(['key', 'data', 'etag'])
        .where('key', 'in', unique.slice(i, i + READ_CHUNK))
        .execute();
      for (const row of rows) {
        found[row.key] = { ...(JSON.parse(row.data) as object), eTag: row.etag };
      }
    }
    return found;
  }

  async write(changes: StoreItems): Promise<void> {
    if (changes === null || typeof changes !== 'object') {
      throw new AppError('STORAGE_INVALID_ITEM', 'changes are required when calling write()');
    }
    // Validate and serialise everything before touching the database.
    const entries = Object.keys(changes).map((key) => {
      assertKey(key);
      return { key, ...serialise(key, changes[key]) };
    });
    if (entries.length === 0) return;
    if (entries.length === 1) {
      await this.#writeOne(this.#db, entries[0]!);
      return;
    }
    await this.#db.transaction().execute(async (trx) => {
      for (const entry of entries) await this.#writeOne(trx, entry);
    });
  }

  async delete(keys: string[]): Promise<void> {
    assertKeys(keys, 'delete');
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += READ_CHUNK) {
      await this.#db.deleteFrom('bot_state').where('key', 'in', unique.slice(i, i + READ_CHUNK)).execute();
    }
  }

  async #writeOne(
    db: Kysely<Database>,
    entry: { key: string; data: string; eTag: string | undefined },
  ): Promise<void> {
    const row = { key: entry.key, data: entry.data, etag: this.#newETag(), updated_at: this.#now().toISOString() };

    if (entry.eTag === undefined || entry.eTag === '*') {
      await db
        .insertInto('bot_state')
        .values(row)
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            data: eb.ref('excluded.data'),
            etag: eb.ref('excluded.etag'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
      return;
    }

    // Optimistic concurrency: replace only the version the caller read.
    const updated = await db
      .updateTable('bot_state')
      .set({ data: row.data, etag: row.etag, updated_at: row.updated_at })
      .where('key', '=', entry.key)
      .where('etag', '=', entry.eTag)
      .executeTakeFirst();
    if (updated.numUpdatedRows > 0n) return;

    // MemoryStorage saves an item whose key does not exist yet, whatever its eTag.
    const inserted = await db
      .insertInto('bot_state')
      .values(row)
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return;

    throw new AppError('STORAGE_ETAG_CONFLICT', `error writing "${entry.key}" due to eTag conflict`, {
      details: { key: entry.key },
    });
  }
}
