/**
 * The outbox: messages for the back-office webhook, written in the same transaction as the change they
 * report (a request created, materials added), and delivered by `OutboxWorker` at least once.
 *
 * Delivery guarantees, all from the database (the worker keeps no state of its own, so a restarted
 * process simply carries on):
 * - every row is POSTed until a 2xx answer, with exponential backoff and jitter between attempts;
 * - the same row always has the same body and `Idempotency-Key`, so the receiver can drop repeats (a
 *   delivery whose 2xx answer was lost, or a worker stopped mid-request, is sent again);
 * - rows of one request go out in order: a supplement is not sent before its request was delivered;
 * - a row being sent is claimed (its next attempt pushed past the request timeout), so two workers over
 *   the same database do not send it at the same time. On PostgreSQL (several instances, one database)
 *   each row is claimed with `FOR UPDATE SKIP LOCKED`: workers never wait on one another's rows nor
 *   read rows another is claiming.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { AppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { dialectOf } from '../store/dialect.js';
import type { Database, OutboxRow } from '../store/schema.js';
import { BackofficeClient, type DeliveryResult } from './backoffice-client.js';

export const OUTBOX_KINDS = ['request.created', 'request.supplemented'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/** One outbox row as the rest of the program sees it. */
export interface OutboxMessage {
  id: number;
  requestId: string;
  kind: OutboxKind;
  idempotencyKey: string;
  /** The exact JSON text POSTed (and signed). */
  body: string;
  attempts: number;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  lastError: string | null;
  createdAt: Date;
}

function toMessage(row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    requestId: row.request_id,
    kind: row.kind as OutboxKind,
    idempotencyKey: row.idempotency_key,
    body: row.payload_json,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    deliveredAt: row.delivered_at === null ? null : new Date(row.delivered_at),
    lastError: row.last_error,
    createdAt: new Date(row.created_at),
  };
}

// ── Writing (inside the caller's transaction) ───────────────────────────────────────────────────────

/**
 * Adds a row inside the caller's transaction. The payload is serialised once, here: every attempt
 * sends (and signs) the same bytes.
 */
export async function enqueueOutbox(
  tx: Transaction<Database> | Kysely<Database>,
  message: { requestId: string; kind: OutboxKind; idempotencyKey: string; payload: unknown; now: Date },
): Promise<void> {
  const at = message.now.toISOString();
  await tx
    .insertInto('outbox')
    .values({
      request_id: message.requestId,
      kind: message.kind,
      payload_json: JSON.stringify(message.payload),
      idempotency_key: message.idempotencyKey,
      attempts: 0,
      next_attempt_at: at,
      delivered_at: null,
      last_error: null,
      created_at: at,
    })
    .execute();
}

// ── Backoff ─────────────────────────────────────────────────────────────────────────────────────────

export interface BackoffOptions {
  /** Delay scale of the first retry (default 2 s). */
  baseMs?: number;
  /** Longest delay (default 10 min). */
  capMs?: number;
  /** Uniform in [0, 1) (default Math.random). */
  random?: () => number;
}

export const DEFAULT_BACKOFF_BASE_MS = 2_000;
export const DEFAULT_BACKOFF_CAP_MS = 10 * 60_000;

/**
 * Delay before the next attempt after `failures` failed attempts (1 = the first failed): exponential,
 * `base × 2^(failures−1)` capped at `cap`, with "equal jitter" — a uniformly random point in the upper
 * half, so retries of many rows spread out but never come sooner than half the nominal delay.
 */
export function backoffDelay(failures: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const cap = options.capMs ?? DEFAULT_BACKOFF_CAP_MS;
  const random = options.random ?? Math.random;
  const exponent = Math.min(Math.max(failures, 1) - 1, 40);
  const nominal = Math.min(cap, base * 2 ** exponent);
  return Math.round(nominal / 2 + random() * (nominal / 2));
}

// ── Reading and bookkeeping ─────────────────────────────────────────────────────────────────────────

export class OutboxStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every row, oldest first (or only the undelivered ones). */
  async list(options: { undeliveredOnly?: boolean; requestId?: string } = {}): Promise<OutboxMessage[]> {
    let q = this.db.selectFrom('outbox').selectAll();
    if (options.undeliveredOnly) q = q.where('delivered_at', 'is', null);
    if (options.requestId !== undefined) q = q.where('request_id', '=', options.requestId);
    return (await q.orderBy('id').execute()).map(toMessage);
  }

  async get(idempotencyKey: string): Promise<OutboxMessage | undefined> {
    const row = await this.db.selectFrom('outbox').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
    return row && toMessage(row);
  }

  async counts(): Promise<{ pending: number; delivered: number }> {
    const row = await this.db
      .selectFrom('outbox')
      .select([
        sql<number>`coalesce(sum(case when delivered_at is null then 1 else 0 end), 0)`.as('pending'),
        sql<number>`coalesce(sum(case when delivered_at is null then 0 else 1 end), 0)`.as('delivered'),
      ])
      .executeTakeFirstOrThrow();
    return { pending: Number(row.pending), delivered: Number(row.delivered) };
  }

  /**
   * Undelivered rows whose next attempt is due, oldest first, leaving out any row of a request that has
   * an earlier row still undelivered (one request's messages arrive in order).
   */
  async due(now: Date, limit: number): Promise<OutboxMessage[]> {
    const rows = await this.#eligible()
      .where('o.next_attempt_at', '<=', now.toISOString())
      .orderBy('o.id')
      .limit(limit)
      .execute();
    return rows.map(toMessage);
  }

  /** When the next eligible row becomes due (undefined: nothing left to deliver). */
  async nextDueAt(): Promise<Date | undefined> {
    const row = await this.#eligible()
      .clearSelect()
      .select((eb) => eb.fn.min('o.next_attempt_at').as('next'))
      .executeTakeFirst();
    const next = row?.next as string | null | undefined;
    return next ? new Date(next) : undefined;
  }

  /**
   * PostgreSQL: claims the oldest due row in one statement — pushes its next attempt to `leaseUntil` and
   * returns it — skipping rows another worker is claiming at this moment. Undefined when none is left.
   */
  async claimNextDue(now: Date, leaseUntil: Date): Promise<OutboxMessage | undefined> {
    const row = await this.db
      .updateTable('outbox')
      .set({ next_attempt_at: leaseUntil.toISOString() })
      .where('id', '=', (eb) =>
        eb.selectFrom(
          this.#eligible()
            .clearSelect()
            .select('o.id')
            .where('o.next_attempt_at', '<=', now.toISOString())
            .orderBy('o.id')
            .limit(1)
            .forUpdate('o')
            .skipLocked()
            .as('next'),
        ).select('next.id'),
      )
      .returningAll()
      .executeTakeFirst();
    return row && toMessage(row);
  }

  #eligible() {
    return this.db
      .selectFrom('outbox as o')
      .selectAll('o')
      .where('o.delivered_at', 'is', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('outbox as earlier')
              .select('earlier.id')
              .whereRef('earlier.request_id', '=', 'o.request_id')
              .whereRef('earlier.id', '<', 'o.id')
              .where('earlier.delivered_at', 'is', null),
          ),
        ),
      );
  }

  /**
   * Takes the row for one attempt: pushes its next attempt to `leaseUntil` if nobody else did since it
   * was read. False when another worker claimed or delivered it first.
   */
  async claim(message: OutboxMessage, leaseUntil: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('outbox')
      .set({ next_attempt_at: leaseUntil.toISOString() })
      .where('id', '=', message.id)
      .where('delivered_at', 'is', null)
      .where('next_attempt_at', '=', message.nextAttemptAt.toISOString())
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async markDelivered(id: number, at: Date): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({ delivered_at: at.toISOString(), attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: number, error: string, nextAttemptAt: Date): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error.slice(0, 1000), next_attempt_at: nextAttemptAt.toISOString() }))
      .where('id', '=', id)
      .where('delivered_at', 'is', null)
      .execute();
  }

  /** Gives a claimed row back (an attempt cut short by `stop()`): due again at `at`, no attempt counted. */
  async release(id: number, at: Date): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ next_attempt_at: at.toISOString() })
      .where('id', '=', id)
      .where('delivered_at', 'is', null)
      .execute();
  }
}

// ── The worker ──────────────────────────────────────────────────────────────────────────────────────

type WorkerLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface OutboxWorkerOptions {
  db: Kysely<Database>;
  /** `BACKOFFICE_WEBHOOK_URL`. Without it the worker does nothing: requests wait in the console. */
  url: string | undefined;
  /** `BACKOFFICE_WEBHOOK_SECRET`, the HMAC-SHA256 key. Required with a URL. */
  secret: string | undefined;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Uniform in [0, 1), for the jitter. */
  random?: () => number;
  /** First retry delay scale (default 2 s). */
  baseDelayMs?: number;
  /** Longest retry delay (default 10 min). */
  maxDelayMs?: number;
  /** One attempt's time limit, answer included (default 10 s). */
  timeoutMs?: number;
  /** How often the database is looked at when nothing is due sooner (default 1 s; other processes may add rows). */
  pollIntervalMs?: number;
  /** Rows read per round (default 20). */
  batchSize?: number;
  logger?: WorkerLogger;
  /** Told after each delivery attempt that got an answer or failed (metrics); not for aborted ones. */
  onAttempt?: (outcome: 'delivered' | 'failed') => void;
}

export interface RunResult {
  delivered: number;
  failed: number;
}

const silent: WorkerLogger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as WorkerLogger;

/**
 * Delivers due outbox rows to the back-office webhook. `start()` runs it in the background until
 * `stop()`; `runOnce()` is one round (tests, or a CLI that wants to flush). `wake()` starts a round now
 * (call it after creating a request so it goes out at once instead of at the next poll).
 */
export class OutboxWorker {
  readonly store: OutboxStore;
  /** PostgreSQL: rows are claimed one by one with `SKIP LOCKED` instead of read in a batch, then claimed. */
  readonly #skipLocked: boolean;
  readonly #client: BackofficeClient | undefined;
  readonly #now: () => Date;
  readonly #random: () => number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #leaseMs: number;
  readonly #pollIntervalMs: number;
  readonly #batchSize: number;
  readonly #log: WorkerLogger;
  readonly #onAttempt: ((outcome: 'delivered' | 'failed') => void) | undefined;

  #running = false;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #round: Promise<RunResult> | undefined;
  #abort = new AbortController();
  #wakeup: (() => void) | undefined;
  #wokenEarly = false;

  constructor(options: OutboxWorkerOptions) {
    this.store = new OutboxStore(options.db);
    this.#skipLocked = dialectOf(options.db) === 'postgres';
    if (options.url && !options.secret) {
      throw new AppError('CONFIG_INVALID', 'BACKOFFICE_WEBHOOK_SECRET is required when BACKOFFICE_WEBHOOK_URL is set');
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? (() => new Date());
    this.#client = options.url
      ? new BackofficeClient({ url: options.url, secret: options.secret!, fetch: options.fetch, timeoutMs, now: this.#now })
      : undefined;
    this.#random = options.random ?? Math.random;
    this.#baseDelayMs = options.baseDelayMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.#maxDelayMs = options.maxDelayMs ?? DEFAULT_BACKOFF_CAP_MS;
    this.#leaseMs = timeoutMs + 30_000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#batchSize = options.batchSize ?? 20;
    this.#log = options.logger ?? silent;
    this.#onAttempt = options.onAttempt;
  }

  /** False without a webhook URL: then nothing is ever sent. */
  get enabled(): boolean {
    return this.#client !== undefined;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts delivering in the background. Returns false (and does nothing) without a webhook URL. */
  start(): boolean {
    if (!this.#client) {
      this.#log.info('BACKOFFICE_WEBHOOK_URL is not set: requests are not sent to a back office; they wait for review in the console');
      return false;
    }
    if (this.#running) return true;
    this.#running = true;
    this.#stopping = false;
    this.#abort = new AbortController();
    this.#loop = this.#run();
    return true;
  }

  /** Stops: an attempt in flight is cut short and its row left due again. Resolves when idle. */
  async stop(): Promise<void> {
    if (!this.#running) {
      await this.#round;
      return;
    }
    this.#stopping = true;
    this.#abort.abort();
    this.#wakeup?.();
    await this.#loop;
    await this.#round;
    this.#running = false;
  }

  /** Runs a round now instead of at the next poll. */
  wake(): void {
    this.#wokenEarly = true;
    this.#wakeup?.();
  }

  /** One round: every row due now, in order. Concurrent calls share the round in progress. */
  runOnce(): Promise<RunResult> {
    this.#round ??= this.#deliverDue().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      let result: RunResult = { delivered: 0, failed: 0 };
      try {
        result = await this.runOnce();
      } catch (err) {
        this.#log.error({ err }, 'outbox round failed');
      }
      if (this.#stopping) break;
      // A full batch: go on at once. Otherwise sleep until the next row is due (at most one poll).
      const busy = result.delivered + result.failed >= this.#batchSize;
      await this.#sleep(busy ? 0 : await this.#waitMs());
    }
  }

  async #waitMs(): Promise<number> {
    try {
      const next = await this.store.nextDueAt();
      if (!next) return this.#pollIntervalMs;
      return Math.max(5, Math.min(this.#pollIntervalMs, next.getTime() - this.#now().getTime()));
    } catch (err) {
      this.#log.error({ err }, 'outbox: cannot read the next due time');
      return this.#pollIntervalMs;
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    if (this.#wokenEarly) {
      this.#wokenEarly = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#wakeup = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#wakeup = () => {
        this.#wokenEarly = false;
        finish();
      };
    });
  }

  async #deliverDue(): Promise<RunResult> {
    const result: RunResult = { delivered: 0, failed: 0 };
    const client = this.#client;
    if (!client) return result;
    if (this.#skipLocked) {
      for (let n = 0; n < this.#batchSize && !this.#stopping; n++) {
        const claimedAt = this.#now();
        const message = await this.store.claimNextDue(claimedAt, new Date(claimedAt.getTime() + this.#leaseMs));
        if (!message || (await this.#attempt(client, message, claimedAt, result)) === 'aborted') break;
      }
      return result;
    }
    const due = await this.store.due(this.#now(), this.#batchSize);
    for (const message of due) {
      if (this.#stopping) break;
      const claimedAt = this.#now();
      if (!(await this.store.claim(message, new Date(claimedAt.getTime() + this.#leaseMs)))) continue;
      if ((await this.#attempt(client, message, claimedAt, result)) === 'aborted') break;
    }
    return result;
  }

  /** One delivery attempt of a claimed row, and its bookkeeping. */
  async #attempt(client: BackofficeClient, message: OutboxMessage, claimedAt: Date, result: RunResult): Promise<'aborted' | undefined> {
    const outcome: DeliveryResult = await client.deliver({ idempotencyKey: message.idempotencyKey, body: message.body }, this.#abort.signal);
    const now = this.#now();
    if (outcome.ok) {
      await this.store.markDelivered(message.id, now);
      result.delivered++;
      this.#onAttempt?.('delivered');
      this.#log.info(
        { outboxId: message.id, requestId: message.requestId, kind: message.kind, attempts: message.attempts + 1 },
        'delivered to the back office',
      );
    } else if (outcome.aborted) {
      await this.store.release(message.id, claimedAt);
      return 'aborted';
    } else {
      const failures = message.attempts + 1;
      const delay = backoffDelay(failures, { baseMs: this.#baseDelayMs, capMs: this.#maxDelayMs, random: this.#random });
      await this.store.markFailed(message.id, outcome.error, new Date(now.getTime() + delay));
      result.failed++;
      this.#onAttempt?.('failed');
      this.#log.warn(
        { outboxId: message.id, requestId: message.requestId, kind: message.kind, attempts: failures, retryInMs: delay, error: outcome.error },
        'back-office delivery failed; will retry',
      );
    }
    return undefined;
  }
}
