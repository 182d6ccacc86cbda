/**
 * Group commit for SQLite: the statements that run in one turn of the event loop share one transaction,
 * and so one `fsync` (with `synchronous = FULL` every commit waits for the disk: 0.3–1 ms here, on the
 * event loop, since better-sqlite3 is synchronous). Measured with `npm run bench:webchat`: a web chat
 * turn made about six commits of its own, and the server spent a third of its time in them at saturation.
 *
 * Nothing is acknowledged earlier than before: a statement runs at once, but its caller hears of it (its
 * result or its rows) only once the transaction holding it is committed, so no caller ever sees, or acts
 * on, a write that is not on disk. A commit that fails fails every statement of the group.
 *
 * Kysely's `SqliteDriver` runs everything on one connection behind a mutex held until the query's promise
 * settles, which with grouped commits would serialise the waiting too; here, instead:
 * - an autocommit statement runs straight away (waiting only for an explicit transaction in progress),
 *   inside the open group (`BEGIN IMMEDIATE` opens one: the write lock is taken before anything is read,
 *   as `writeTransaction` expects), then waits for the group's commit, scheduled with `setImmediate`;
 *   a read when no group is open reads committed data and returns at once;
 * - an explicit transaction (`db.transaction()`, or `begin`/`begin immediate`/`commit`/`rollback` sent by
 *   `writeTransaction` on a connection of its own) has the database to itself from begin to end, as under
 *   Kysely's mutex; it is a savepoint inside the group, so its rollback undoes only its own work, and its
 *   commit returns once the group is on disk;
 * - statements that SQLite refuses or ignores inside a transaction (`PRAGMA`, `VACUUM`, `ATTACH`…) run
 *   after the open group is committed, outside any transaction.
 */
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

const BEGIN = /^\s*begin(\s+(deferred|immediate|exclusive))?(\s+transaction)?\s*;?\s*$/i;
const COMMIT = /^\s*(commit|end)(\s+transaction)?\s*;?\s*$/i;
const ROLLBACK = /^\s*rollback(\s+transaction)?\s*;?\s*$/i;
/** Statements that must not run inside a transaction (SQLite refuses them, or ignores them there). */
const OUTSIDE = /^\s*(pragma|vacuum|attach|detach)\b/i;
const TX_SAVEPOINT = 'pos_assist_tx';

interface Group {
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Committers of this process with a group open (and so SQLite's write lock on their file). */
const openGroups = new Set<GroupCommitter>();

/** The shared state behind the logical connections: one SQLite connection, one open group at most. */
class GroupCommitter {
  /** The connection inside an explicit transaction, if any; everyone else waits for it. */
  private owner: GroupConnection | undefined;
  /** Work waiting for the owner to finish, in arrival order; each runs with the database to itself. */
  private readonly queue: (() => void)[] = [];
  /** Other committers' work waiting for this one's explicit transaction to end (see `heldElsewhere`). */
  private readonly waiters: (() => void)[] = [];
  /** The file, to tell which committers of this process share one ('' for an in-memory database). */
  private readonly file: string;
  private group: Group | undefined;
  private commitScheduled = false;
  private closed = false;

  constructor(readonly sqlite: BetterSqlite3.Database) {
    this.file = sqlite.memory ? '' : path.resolve(sqlite.name);
  }

  /**
   * Runs `work` once no explicit transaction (other than `by`'s) is in progress — on this connection, or
   * on another connection of this process to the same file (see `heldElsewhere`).
   */
  exclusive<T>(by: GroupConnection, work: () => T, takesOwnership = false): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the database is closed'));
    if (this.owner === undefined || this.owner === by) {
      const holder = this.heldElsewhere();
      if (holder) return new Promise<T>((resolve) => holder.waiters.push(() => resolve(this.exclusive(by, work, takesOwnership))));
      // At once, synchronously: nothing can slip in between the check and the work.
      if (takesOwnership) this.owner = by;
      try {
        return Promise.resolve(work());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise<T>((resolve) => this.queue.push(() => resolve(this.exclusive(by, work, takesOwnership))));
  }

  /**
   * Another connection of this process to the same file inside an explicit transaction, when this one
   * holds no write lock: that one holds SQLite's write lock until its transaction ends, which takes more
   * turns of this very thread — waiting for the lock here (better-sqlite3 waits synchronously, up to
   * `busy_timeout`) would stop the thread and so the transaction: everything would stand still for the
   * whole timeout, then fail with SQLITE_BUSY. (Two servers over one file in one process, as tests run
   * them; separate processes wait for each other's commits as usual.)
   */
  private heldElsewhere(): GroupCommitter | undefined {
    if (this.group || this.file === '') return undefined;
    for (const other of openGroups) if (other !== this && other.owner !== undefined && other.file === this.file) return other;
    return undefined;
  }

  /** The explicit transaction of `by` is over: commit a group that waited for it, then let the next in. */
  release(by: GroupConnection): void {
    if (this.owner !== by) return;
    this.owner = undefined;
    // A group whose commit came due while the transaction ran (its `setImmediate` passed) is committed
    // now, before anyone else starts another: back-to-back transactions must not hold everyone's commit
    // back indefinitely.
    if (!this.commitScheduled && this.group) this.commit();
    while (this.owner === undefined && this.queue.length > 0) this.queue.shift()!();
    // Other connections' work that waited for this transaction (each checks again: this connection may
    // be in the next one already).
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The open group (`BEGIN IMMEDIATE` when there is none), whose commit is scheduled. */
  join(): Group {
    if (!this.group) {
      // Another connection of this process (tests, a second store over the same file) must not hold the
      // write lock while this one waits for it: that wait blocks the thread, so its group could never
      // commit. Its open group is committed first (early, which only makes it smaller).
      for (const other of openGroups) if (other !== this && other.owner === undefined) other.commit();
      this.sqlite.exec('begin immediate');
      openGroups.add(this);
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Nobody may be left with an unhandled rejection when a group with no waiter left fails.
      done.catch(() => undefined);
      this.group = { done, resolve, reject };
    }
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(() => {
        this.commitScheduled = false;
        // Inside an explicit transaction: committed when it ends (`release`).
        if (this.owner === undefined) this.commitAndFollow();
      });
    }
    return this.group;
  }

  /**
   * Commits, then keeps committing at the end of each cascade of promise continuations it started: the
   * callers it told go on to their next statement together, and those form the next group at once
   * instead of waiting for the next turn of the event loop behind everything else that arrived (a web
   * chat turn has about six statements in a row: waiting a whole loop turn at each put the 99th
   * percentile at hundreds of ms under moderate load, bench:webchat's paced run).
   */
  private commitAndFollow(): void {
    this.commit();
    // `nextTick` runs once the promise continuations queued now have run (and queued their own).
    process.nextTick(() => {
      if (this.group && this.owner === undefined) this.commitAndFollow();
    });
  }

  get inGroup(): boolean {
    return this.group !== undefined;
  }

  /** Commits the open group, if any; its statements' callers hear of them now. */
  commit(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    openGroups.delete(this);
    try {
      this.sqlite.exec('commit');
      group.resolve();
    } catch (err) {
      if (this.sqlite.inTransaction) {
        try {
          this.sqlite.exec('rollback');
        } catch {
          // Nothing more to undo.
        }
      }
      group.reject(err);
    }
  }

  /**
   * After a statement failed: when SQLite rolled the whole transaction back with it (disk full, I/O
   * error…), every statement of the group is lost, and their callers are told so.
   */
  checkLost(err: unknown): void {
    const group = this.group;
    if (group && !this.sqlite.inTransaction) {
      this.group = undefined;
      openGroups.delete(this);
      group.reject(err);
    }
  }

  close(): void {
    this.commit();
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
  }
}

class GroupConnection implements DatabaseConnection {
  constructor(private readonly committer: GroupCommitter) {}

  private run<R>(compiledQuery: CompiledQuery): QueryResult<R> {
    const { sql, parameters } = compiledQuery;
    const stmt = this.committer.sqlite.prepare(sql);
    if (stmt.reader) return { rows: stmt.all(parameters as unknown[]) as R[] };
    const { changes, lastInsertRowid } = stmt.run(parameters as unknown[]);
    return {
      numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
      insertId: lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
      rows: [],
    };
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql } = compiledQuery;
    if (BEGIN.test(sql)) {
      await this.begin();
      return { rows: [] };
    }
    if (COMMIT.test(sql)) {
      await this.commit();
      return { rows: [] };
    }
    if (ROLLBACK.test(sql)) {
      await this.rollback();
      return { rows: [] };
    }
    const committer = this.committer;
    const { result, group } = await committer.exclusive(this, () => {
      if (OUTSIDE.test(sql) && !this.inTransaction) {
        committer.commit();
        return { result: this.run<R>(compiledQuery), group: undefined };
      }
      // A read with no group open reads what is committed: nothing to wait for.
      if (!committer.inGroup && committer.sqlite.prepare(sql).readonly) return { result: this.run<R>(compiledQuery), group: undefined };
      const joined = committer.join();
      try {
        return { result: this.run<R>(compiledQuery), group: joined };
      } catch (err) {
        committer.checkLost(err);
        throw err;
      }
    });
    // Inside its own explicit transaction a statement returns at once (the transaction's commit waits).
    if (group && !this.inTransaction) await group.done;
    return result;
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // Rows are read in one go (no one else's statement may run between them): the store streams nothing
    // large; a stream inside a group waits for the group, as a read does.
    yield await this.executeQuery<R>(compiledQuery);
  }

  private inTransaction = false;

  async begin(): Promise<void> {
    await this.committer.exclusive(
      this,
      () => {
        try {
          this.committer.join();
          this.committer.sqlite.exec(`savepoint ${TX_SAVEPOINT}`);
        } catch (err) {
          this.committer.release(this);
          throw err;
        }
        this.inTransaction = true;
      },
      true,
    );
  }

  async commit(): Promise<void> {
    if (!this.inTransaction) throw new Error('commit without a transaction');
    this.inTransaction = false;
    const committer = this.committer;
    // The savepoint is gone when SQLite rolled the whole transaction back (the group failed; its waiters
    // were told): this transaction failed with it.
    if (!committer.sqlite.inTransaction) {
      committer.release(this);
      throw new Error('the transaction was rolled back by SQLite');
    }
    const group = committer.join();
    try {
      committer.sqlite.exec(`release ${TX_SAVEPOINT}`);
    } catch (err) {
      committer.checkLost(err);
      committer.release(this);
      throw err;
    }
    committer.release(this);
    await group.done;
  }

  async rollback(): Promise<void> {
    if (!this.inTransaction) return;
    this.inTransaction = false;
    const { sqlite } = this.committer;
    try {
      if (sqlite.inTransaction) {
        sqlite.exec(`rollback to ${TX_SAVEPOINT}`);
        sqlite.exec(`release ${TX_SAVEPOINT}`);
      }
    } finally {
      this.committer.release(this);
    }
  }
}

class GroupCommitDriver implements Driver {
  private committer: GroupCommitter | undefined;

  constructor(private readonly open: () => BetterSqlite3.Database) {}

  async init(): Promise<void> {
    this.committer = new GroupCommitter(this.open());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new GroupConnection(this.committer!);
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await (connection as GroupConnection).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as GroupConnection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as GroupConnection).rollback();
  }

  async savepoint(connection: DatabaseConnection, name: string, _compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteName(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, _compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteName(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, _compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteName(name)}`));
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    if (!this.committer) return;
    this.committer.close();
    this.committer.sqlite.close();
  }
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Kysely's SQLite dialect (compiler, adapter, introspector) over the group-committing driver. */
export class GroupCommitSqliteDialect extends SqliteDialect {
  constructor(private readonly sqlite: BetterSqlite3.Database) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    return new GroupCommitDriver(() => this.sqlite);
  }
}
