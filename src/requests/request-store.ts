/**
 * Requests in SQL. A request is created in ONE transaction together with its ticket
 * number, its first history event and the outbox row that tells the back office; a status change or a
 * supplement is one transaction too. Nothing is half-written: if any step fails, none happened.
 *
 * - `id`: 22 random base62 characters (≈131 bits), for URLs and the back-office API; unguessable.
 * - `ticket`: for people, `CX-YYYYMMDD-NNNN` — the day in the merchants' time zone (TIME_ZONE), NNNN the day's sequence
 *   (`ticket_counters`, incremented in the same transaction; a 10 000th request of a day gets 5 digits).
 * - "One open request per merchant + transaction": a request carries a `dedupe_key` (see
 *   `dedupeKeyFor`); creating one whose key an open request (submitted, in_review, needs_more_info)
 *   already has returns that request instead. Checked inside the transaction and enforced by a partial
 *   unique index, so two processes cannot both create one.
 * - Slots are masked again (`maskDeep`) before they are stored: a card number that slipped through is
 *   kept as first 6 + last 4 only. Notes and reasons are masked too.
 * - `getForMerchant` answers another merchant's ticket exactly as a missing one.
 *
 * The pieces around the store live beside it: the types (`request-types.ts`), ids and tickets
 * (`tickets.ts`), dedupe keys (`dedupe.ts`), rows to records and records to API views (`views.ts`).
 */
import { type Kysely } from 'kysely';
import { writeTransaction } from '../store/transactions.js';
import { z } from 'zod';
import { AppError } from '../core/errors.js';
import { LOCALES } from '../i18n/messages.js';
import { maskCardNumbers, maskDeep } from '../privacy/card-mask.js';
import type { Database, RequestRow } from '../store/schema.js';
import { enqueueOutbox } from './outbox.js';
import { checkTransition, FINISHED_STATUSES, isActor, isRequestStatus, REQUEST_KINDS, type Actor, type RequestStatus } from './status.js';
import { DEFAULT_TIME_ZONE } from '../core/time-zone.js';
import { isDedupeConflict } from './dedupe.js';
import { normalizeTicket, randomBase62, ticketDay } from './tickets.js';
import type { CreateRequestResult, NewRequest, RequestDetails, RequestEvent, RequestRecord, RequestStoreOptions, RequestSupplement, SupplementInput } from './request-types.js';
import { requestView, supplementView, toEvent, toRecord, toSupplement } from './views.js';

// The pieces this file was split into, still importable from here.
export type * from './request-types.js';
export { dedupeKeyFor, identifiesRequest } from './dedupe.js';
export { normalizeTicket, randomBase62, REQUEST_ID_LENGTH, ticketDay, TICKET_PATTERN } from './tickets.js';
export { eventView, requestView, supplementView } from './views.js';

// ── Validation ──────────────────────────────────────────────────────────────────────────────────────

const Attachment = z
  .object({
    file: z.string().min(1).max(200).regex(/^[^\\/\u0000]+$/, 'a file name without a path'),
    contentType: z.string().min(1).max(100),
    size: z.number().int().min(0),
    name: z.string().max(300),
  })
  .strict();
const Attachments = z.array(Attachment).max(50);

const NewRequestSchema = z.object({
  kind: z.enum(REQUEST_KINDS),
  merchantId: z.string().trim().min(1).max(64),
  dedupeKey: z.string().min(1).max(500).nullish(),
  slots: z.record(z.string(), z.unknown()),
  attachments: Attachments.optional(),
  channelId: z.string().min(1).max(100),
  conversationRef: z.record(z.string(), z.unknown()).nullish(),
  userId: z.string().max(200).nullish(),
  locale: z.enum(LOCALES).optional(),
  actor: z.string().refine(isActor, 'bot, backoffice, merchant or agent:<name>').optional(),
  identity: z
    .object({ verified: z.boolean(), method: z.string().max(40).nullable(), channel: z.string().max(100), userId: z.string().max(200).nullable() })
    .strict()
    .optional(),
});

function invalid(error: z.ZodError): AppError {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return new AppError('REQUEST_INVALID', `${where}${issue?.message ?? 'invalid'}`, { details: { issues: error.issues } });
}

// ── The store ───────────────────────────────────────────────────────────────────────────────────────

/**
 * The merchants' requests over one database: filing (with the ticket, the first history event and the
 * back office's outbox row in one transaction), lookups, status changes along the status machine,
 * supplements, and the bookkeeping of telling merchants about decisions.
 *
 * Errors are `AppError`s with a `REQUEST_*` code for what the caller got wrong; anything else thrown
 * (a database error) is passed through unchanged, and the transaction it happened in is rolled back.
 */
export class RequestStore {
  readonly #now: () => Date;
  readonly #timeZone: string;
  readonly #prefix: string;
  readonly #newId: () => string;
  readonly #onOutbox: (() => void) | undefined;

  /**
   * @throws RangeError when `options.timeZone` is not a time zone `Intl` knows (checked here, so a bad
   *   TIME_ZONE stops the start rather than the first request).
   */
  constructor(private readonly db: Kysely<Database>, options: RequestStoreOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    this.#prefix = options.ticketPrefix ?? 'CX';
    this.#newId = options.newId ?? (() => randomBase62());
    this.#onOutbox = options.onOutbox;
    ticketDay(new Date(0), this.#timeZone); // a bad time zone fails here, not at the first request
  }

  /**
   * Files a request: the request, its ticket, its first history event and the `request.created` outbox
   * row, in one transaction. With the dedupe key of an open request, nothing is written and that request
   * is returned (`duplicate: true`) — also when another process filed it between the check and the insert.
   *
   * @throws AppError `REQUEST_INVALID` when the input does not fit `NewRequest` (the first problem in the
   *   message, every issue in `details.issues`).
   */
  async create(input: NewRequest): Promise<CreateRequestResult> {
    const parsed = NewRequestSchema.safeParse(input);
    if (!parsed.success) throw invalid(parsed.error);
    const data = parsed.data;
    const dedupeKey = data.dedupeKey ?? null;

    let result: CreateRequestResult;
    try {
      result = await writeTransaction(this.db, async (tx) => {
        if (dedupeKey !== null) {
          const existing = await this.#openByDedupeKey(tx, dedupeKey);
          if (existing) return { duplicate: true as const, existing };
        }
        const now = this.#now();
        const at = now.toISOString();
        const ticket = await this.#nextTicket(tx, now);
        const id = this.#newId();
        const row: RequestRow = {
          id,
          ticket,
          kind: data.kind,
          merchant_id: data.merchantId,
          dedupe_key: dedupeKey,
          status: 'submitted',
          slots_json: JSON.stringify(maskDeep(data.slots).value),
          attachments_json: JSON.stringify(maskDeep(data.attachments ?? []).value),
          channel_id: data.channelId,
          conversation_ref_json: data.conversationRef ? JSON.stringify(data.conversationRef) : null,
          user_id: data.userId ?? null,
          locale: data.locale ?? 'zh-CN',
          created_at: at,
          updated_at: at,
          identity_json: JSON.stringify(data.identity ?? { verified: false, method: null, channel: data.channelId, userId: data.userId ?? null }),
        };
        await tx.insertInto('requests').values(row).execute();
        const eventRow = await tx
          .insertInto('request_events')
          .values({
            request_id: id,
            from_status: null,
            to_status: 'submitted',
            actor: (data.actor as Actor | undefined) ?? 'bot',
            reason: null,
            created_at: at,
            notified_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const request = toRecord(row);
        await enqueueOutbox(tx, {
          requestId: id,
          kind: 'request.created',
          idempotencyKey: `request.created:${id}`,
          payload: { type: 'request.created', idempotencyKey: `request.created:${id}`, occurredAt: at, request: requestView(request) },
          now,
        });
        return { duplicate: false as const, request, event: toEvent(eventRow) };
      });
    } catch (err) {
      // Another process created the open request between our check and our insert.
      if (dedupeKey !== null && isDedupeConflict(err)) {
        const existing = await this.#openByDedupeKey(this.db, dedupeKey);
        if (existing) return { duplicate: true, existing };
      }
      throw err;
    }
    if (!result.duplicate) this.#outboxAdded();
    return result;
  }

  /** The request with this id, or undefined. */
  async get(id: string): Promise<RequestRecord | undefined> {
    const row = await this.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** The request with this ticket (full-width characters, case and dash variants accepted), or undefined. */
  async getByTicket(ticket: string): Promise<RequestRecord | undefined> {
    const row = await this.db.selectFrom('requests').selectAll().where('ticket', '=', normalizeTicket(ticket)).executeTakeFirst();
    return row && toRecord(row);
  }

  /** The merchant's own request by ticket; another merchant's ticket is undefined, as a missing one. */
  async getForMerchant(ticket: string, merchantId: string): Promise<RequestRecord | undefined> {
    const row = await this.db
      .selectFrom('requests')
      .selectAll()
      .where('ticket', '=', normalizeTicket(ticket))
      .where('merchant_id', '=', merchantId.trim())
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** The merchant's requests, newest first ("my tickets"). */
  async listByMerchant(merchantId: string, options: { limit?: number; openOnly?: boolean } = {}): Promise<RequestRecord[]> {
    let q = this.db.selectFrom('requests').selectAll().where('merchant_id', '=', merchantId.trim());
    if (options.openOnly) q = q.where('status', 'not in', [...FINISHED_STATUSES]);
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('ticket', 'desc')
      .limit(Math.max(1, Math.min(options.limit ?? 20, 200)))
      .execute();
    return rows.map(toRecord);
  }

  /** The requests this channel identity filed itself, newest first. */
  async listFiledBy(identity: { channelId: string; userId: string }, limit = 20): Promise<RequestRecord[]> {
    const rows = await this.db
      .selectFrom('requests')
      .selectAll()
      .where('channel_id', '=', identity.channelId)
      .where('user_id', '=', identity.userId)
      .orderBy('created_at', 'desc')
      .limit(Math.max(1, Math.min(limit, 200)))
      .execute();
    return rows.map(toRecord);
  }

  /** The status history, oldest first. */
  async history(requestId: string): Promise<RequestEvent[]> {
    const rows = await this.db.selectFrom('request_events').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
    return rows.map(toEvent);
  }

  /** The files and notes added to the request, oldest first. */
  async supplements(requestId: string): Promise<RequestSupplement[]> {
    const rows = await this.db.selectFrom('request_supplements').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
    return rows.map(toSupplement);
  }

  /** The request with its history and supplements, or undefined when there is no such request. */
  async details(requestId: string): Promise<RequestDetails | undefined> {
    const request = await this.get(requestId);
    if (!request) return undefined;
    return { request, history: await this.history(requestId), supplements: await this.supplements(requestId) };
  }

  /**
   * Changes the status along an edge of the status machine, appends the history event and returns it.
   *
   * @throws AppError `REQUEST_NOT_FOUND` when there is no such request.
   * @throws AppError `REQUEST_INVALID_TRANSITION` when the status machine has no edge from the current
   *   status to `to`, or the status changed meanwhile (from → to in the message and `details`).
   * @throws AppError `REQUEST_REASON_REQUIRED` for `needs_more_info` or `rejected` without a reason.
   * @throws AppError `REQUEST_INVALID` for an unknown status or actor.
   */
  async transition(requestId: string, to: RequestStatus, change: { actor: Actor; reason?: string | null | undefined }): Promise<RequestEvent> {
    if (!isRequestStatus(to)) throw new AppError('REQUEST_INVALID', `unknown status "${String(to)}"`);
    return writeTransaction(this.db, (tx) => this.#transitionIn(tx, requestId, to, change, this.#now()));
  }

  /**
   * Adds files and/or a note to a request in `needs_more_info` (only then: otherwise
   * `REQUEST_SUPPLEMENT_NOT_EXPECTED`), writes the `request.supplemented` outbox row and moves the
   * request back to `in_review`, in one transaction.
   *
   * @throws AppError `REQUEST_INVALID` for bad files, neither files nor a note, or an unknown actor.
   * @throws AppError `REQUEST_NOT_FOUND` when there is no such request.
   * @throws AppError `REQUEST_SUPPLEMENT_NOT_EXPECTED` when the request is not in `needs_more_info`.
   */
  async addSupplement(requestId: string, input: SupplementInput): Promise<{ supplement: RequestSupplement; event: RequestEvent }> {
    const files = Attachments.safeParse(input.files ?? []);
    if (!files.success) throw invalid(files.error);
    const note = typeof input.note === 'string' && input.note.trim() !== '' ? maskCardNumbers(input.note.trim().slice(0, 4000)).text : null;
    if (files.data.length === 0 && note === null) throw new AppError('REQUEST_INVALID', 'a supplement needs files or a note');
    const actor = input.actor ?? 'merchant';
    if (!isActor(actor)) throw new AppError('REQUEST_INVALID', `bad actor "${String(actor).slice(0, 40)}"`);

    const result = await writeTransaction(this.db, async (tx) => {
      const row = await tx.selectFrom('requests').selectAll().where('id', '=', requestId).executeTakeFirst();
      if (!row) throw new AppError('REQUEST_NOT_FOUND', requestId, { details: { id: requestId } });
      if (row.status !== 'needs_more_info') {
        throw new AppError('REQUEST_SUPPLEMENT_NOT_EXPECTED', `${row.ticket} is ${row.status}`, { details: { status: row.status } });
      }
      const now = this.#now();
      const at = now.toISOString();
      const supplementRow = await tx
        .insertInto('request_supplements')
        .values({
          request_id: requestId,
          files_json: JSON.stringify(maskDeep(files.data).value),
          note,
          actor,
          created_at: at,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const supplement = toSupplement(supplementRow);
      const event = await this.#transitionIn(tx, requestId, 'in_review', { actor, reason: null }, now);
      const key = `request.supplemented:${requestId}:${supplement.id}`;
      const request = toRecord({ ...row, status: 'in_review', updated_at: at });
      await enqueueOutbox(tx, {
        requestId,
        kind: 'request.supplemented',
        idempotencyKey: key,
        payload: {
          type: 'request.supplemented',
          idempotencyKey: key,
          occurredAt: at,
          request: { id: request.id, ticket: request.ticket, kind: request.kind, merchantId: request.merchantId, status: request.status },
          supplement: supplementView(supplement),
        },
        now,
      });
      return { supplement, event };
    });
    this.#outboxAdded();
    return result;
  }

  /**
   * Decisions the merchant has not been told yet (status changes by the back office or an agent), oldest
   * first: the notifier sends these and calls `markNotified` (e.g. again after a restart).
   */
  async pendingNotifications(limit = 100, options: { channelIds?: string[]; before?: Date } = {}): Promise<{ request: RequestRecord; event: RequestEvent }[]> {
    if (options.channelIds?.length === 0) return [];
    let query = this.db
      .selectFrom('request_events')
      .innerJoin('requests', 'requests.id', 'request_events.request_id')
      .selectAll('request_events')
      .where('request_events.notified_at', 'is', null)
      .where('request_events.notify_failed_at', 'is', null)
      .where((eb) => eb.or([eb('request_events.actor', '=', 'backoffice'), eb('request_events.actor', 'like', 'agent:%')]));
    // Only channels that can deliver now: a terminal user's notices must not crowd out a web chat's.
    if (options.channelIds) query = query.where('requests.channel_id', 'in', options.channelIds);
    // Decisions still being told right now (the notifier runs at decision time) are left to it.
    if (options.before) query = query.where('request_events.created_at', '<', options.before.toISOString());
    const events = await query.orderBy('request_events.id').limit(limit).execute();
    const out: { request: RequestRecord; event: RequestEvent }[] = [];
    for (const e of events) {
      const request = await this.get(e.request_id);
      if (request) out.push({ request, event: toEvent(e) });
    }
    return out;
  }

  /**
   * Counts a failed attempt to tell the merchant of a decision; after `maxAttempts` it is given up (no
   * longer pending, so it cannot hold back newer notices). Returns true when this attempt gave up.
   */
  async noteNotifyFailure(eventId: number, maxAttempts: number): Promise<boolean> {
    const row = await this.db
      .updateTable('request_events')
      .set((eb) => ({ notify_attempts: eb('notify_attempts', '+', 1) }))
      .where('id', '=', eventId)
      .returning(['notify_attempts'])
      .executeTakeFirst();
    if (!row || row.notify_attempts < maxAttempts) return false;
    await this.db.updateTable('request_events').set({ notify_failed_at: this.#now().toISOString() }).where('id', '=', eventId).execute();
    return true;
  }

  /** Which of these requests have a decision the merchant could not be told of. */
  async withFailedNotice(requestIds: string[]): Promise<Set<string>> {
    if (requestIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('request_events')
      .select('request_id')
      .distinct()
      .where('request_id', 'in', requestIds)
      .where('notify_failed_at', 'is not', null)
      .execute();
    return new Set(rows.map((r) => r.request_id));
  }

  /** Decisions whose notice was given up, newest first: for operators to tell the merchant another way. */
  async failedNotifications(limit = 100): Promise<{ ticket: string; eventId: number; to: string; failedAt: Date }[]> {
    const rows = await this.db
      .selectFrom('request_events')
      .innerJoin('requests', 'requests.id', 'request_events.request_id')
      .select(['requests.ticket', 'request_events.id', 'request_events.to_status', 'request_events.notify_failed_at'])
      .where('request_events.notify_failed_at', 'is not', null)
      .orderBy('request_events.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ticket: r.ticket, eventId: r.id, to: r.to_status, failedAt: new Date(r.notify_failed_at!) }));
  }

  /** Records that the merchant was told of this decision (once: a second call changes nothing). */
  async markNotified(eventId: number): Promise<void> {
    await this.db
      .updateTable('request_events')
      .set({ notified_at: this.#now().toISOString() })
      .where('id', '=', eventId)
      .where('notified_at', 'is', null)
      .execute();
  }

  // ── Inside transactions ───────────────────────────────────────────────────────────────────────────

  async #openByDedupeKey(db: Kysely<Database>, dedupeKey: string): Promise<RequestRecord | undefined> {
    const row = await db
      .selectFrom('requests')
      .selectAll()
      .where('dedupe_key', '=', dedupeKey)
      .where('status', 'not in', [...FINISHED_STATUSES])
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async #nextTicket(tx: Kysely<Database>, now: Date): Promise<string> {
    const day = ticketDay(now, this.#timeZone);
    const { last_seq } = await tx
      .insertInto('ticket_counters')
      .values({ day, last_seq: 1 })
      .onConflict((oc) => oc.column('day').doUpdateSet((eb) => ({ last_seq: eb('ticket_counters.last_seq', '+', 1) })))
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    return `${this.#prefix}-${day}-${String(last_seq).padStart(4, '0')}`;
  }

  async #transitionIn(
    tx: Kysely<Database>,
    requestId: string,
    to: RequestStatus,
    change: { actor: Actor; reason?: string | null | undefined },
    now: Date,
  ): Promise<RequestEvent> {
    const row = await tx.selectFrom('requests').select(['status']).where('id', '=', requestId).executeTakeFirst();
    if (!row) throw new AppError('REQUEST_NOT_FOUND', requestId, { details: { id: requestId } });
    const from = row.status as RequestStatus;
    const cleaned = checkTransition(from, to, change);
    const reason = cleaned === null ? null : maskCardNumbers(cleaned.slice(0, 2000)).text;
    const at = now.toISOString();
    const updated = await tx
      .updateTable('requests')
      .set({ status: to, updated_at: at })
      .where('id', '=', requestId)
      .where('status', '=', from)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) {
      throw new AppError('REQUEST_INVALID_TRANSITION', `${from} → ${to}: the status changed meanwhile`, { details: { from, to } });
    }
    const event = await tx
      .insertInto('request_events')
      .values({ request_id: requestId, from_status: from, to_status: to, actor: change.actor, reason, created_at: at, notified_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEvent(event);
  }

  #outboxAdded(): void {
    try {
      this.#onOutbox?.();
    } catch {
      // A wake-up hook must not turn a committed request into an error.
    }
  }
}
