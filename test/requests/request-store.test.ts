import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/app/errors.js';
import {
  dedupeKeyFor,
  identifiesRequest,
  normalizeTicket,
  OutboxStore,
  randomBase62,
  RequestStore,
  ticketDay,
  type RequestStatus,
} from '../../src/requests/index.js';
import { CARD, CARD_MASKED, cancelRequest, count, fakeClock, useTempDatabases } from './helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);

  async function setup(start = '2025-11-25T02:00:00.000Z') {
    const store = await temp.open();
    const clock = fakeClock(start);
    const requests = new RequestStore(store.db, { now: clock.now });
    return { store, db: store.db, clock, requests, outbox: new OutboxStore(store.db) };
  }

  describe('RequestStore.create', () => {
    it('writes the request, its first event and the outbox row together', async () => {
      const { db, requests, outbox } = await setup();
      const result = await requests.create(cancelRequest({ referenceNo: '111122223333' }));
      expect(result.duplicate).toBe(false);
      if (result.duplicate) return;
      const { request, event } = result;

      expect(request).toMatchObject({
        ticket: 'CX-20251125-0001',
        kind: 'cancel-transaction',
        merchantId: '123456789012345',
        status: 'submitted',
        channelId: 'webchat',
        userId: 'user-1',
        locale: 'zh-CN',
        dedupeKey: 'cancel-transaction|123456789012345|ref:111122223333',
      });
      expect(request.id).toMatch(/^[0-9A-Za-z]{22}$/);
      expect(request.conversationRef?.conversation?.id).toBe('conv-1');
      expect(request.attachments).toEqual([{ file: `${'a'.repeat(64)}.png`, contentType: 'image/png', size: 1234, name: 'slip.png' }]);
      expect(event).toMatchObject({ from: null, to: 'submitted', actor: 'bot', reason: null, requestId: request.id });

      expect(await requests.get(request.id)).toEqual(request);
      expect(await requests.history(request.id)).toEqual([event]);

      const rows = await outbox.list();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        requestId: request.id,
        kind: 'request.created',
        idempotencyKey: `request.created:${request.id}`,
        attempts: 0,
        deliveredAt: null,
        lastError: null,
      });
      const payload = JSON.parse(rows[0]!.body);
      expect(payload).toMatchObject({
        type: 'request.created',
        idempotencyKey: `request.created:${request.id}`,
        request: { id: request.id, ticket: 'CX-20251125-0001', status: 'submitted', slots: { reference_no: '111122223333' } },
      });
      expect(payload.request.conversationRef).toBeUndefined(); // internal, not for the back office
      expect(await count(db, 'ticket_counters')).toBe(1);
    });

    it('a failure inside the transaction rolls everything back (request, counter, event, outbox)', async () => {
      const { db, requests } = await setup();
      // A real database failure at the last step: the outbox insert.
      if (dialect === 'sqlite') {
        await sql`create trigger outbox_fails before insert on outbox begin select raise(abort, 'outbox is broken'); end`.execute(db);
      } else {
        await sql`create function outbox_broken() returns trigger language plpgsql as $$ begin raise exception 'outbox is broken'; end $$`.execute(db);
        await sql`create trigger outbox_fails before insert on outbox for each row execute function outbox_broken()`.execute(db);
      }

      await expect(requests.create(cancelRequest())).rejects.toThrow(/outbox is broken/);
      for (const table of ['requests', 'ticket_counters', 'request_events', 'outbox'] as const) {
        expect(await count(db, table), table).toBe(0);
      }

      await (dialect === 'sqlite' ? sql`drop trigger outbox_fails` : sql`drop trigger outbox_fails on outbox`).execute(db);
      const ok = await requests.create(cancelRequest());
      expect(!ok.duplicate && ok.request.ticket).toBe('CX-20251125-0001'); // the failed attempt used no number
      expect(await count(db, 'outbox')).toBe(1);
    });

    it('numbers tickets per day in Asia/Shanghai and starts again the next day', async () => {
      const { requests, clock } = await setup('2025-11-24T16:00:00.000Z'); // 00:00 on the 25th in Shanghai
      const tickets: string[] = [];
      const file = async () => {
        const r = await requests.create(cancelRequest());
        if (r.duplicate) throw new Error('unexpected duplicate');
        tickets.push(r.request.ticket);
      };
      await file();
      await file();
      clock.set('2025-11-25T15:59:59.999Z'); // 23:59:59 in Shanghai, still the 25th
      await file();
      clock.set('2025-11-25T16:00:00.000Z'); // midnight in Shanghai: the 26th
      await file();
      await file();
      expect(tickets).toEqual(['CX-20251125-0001', 'CX-20251125-0002', 'CX-20251125-0003', 'CX-20251126-0001', 'CX-20251126-0002']);
      expect(await requests.getByTicket('cx-20251126-0002')).toMatchObject({ ticket: 'CX-20251126-0002' });
    });

    it('gives unguessable ids: 22 base62 characters from the CSPRNG, unrelated to the ticket', async () => {
      const { requests } = await setup();
      const ids = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const r = await requests.create(cancelRequest());
        if (r.duplicate) throw new Error('unexpected duplicate');
        expect(r.request.id).toMatch(/^[0-9A-Za-z]{22}$/);
        ids.add(r.request.id);
      }
      expect(ids.size).toBe(30);
      // Every base62 character is used (rejection sampling, no bias to a subset).
      const chars = new Set(Array.from({ length: 400 }, () => randomBase62()).join(''));
      expect(chars.size).toBe(62);
    });

    it('a second request for an open transaction returns the existing ticket and writes nothing', async () => {
      const { db, requests } = await setup();
      const first = await requests.create(cancelRequest({ referenceNo: '999988887777' }));
      if (first.duplicate) throw new Error('unexpected duplicate');
      const again = await requests.create(cancelRequest({ referenceNo: '999988887777', userId: 'someone-else' }));
      expect(again).toEqual({ duplicate: true, existing: first.request });
      expect(await count(db, 'requests')).toBe(1);
      expect(await count(db, 'outbox')).toBe(1);
      expect((await db.selectFrom('ticket_counters').select('last_seq').executeTakeFirstOrThrow()).last_seq).toBe(1);

      // Open in every open status.
      await requests.transition(first.request.id, 'in_review', { actor: 'backoffice' });
      expect((await requests.create(cancelRequest({ referenceNo: '999988887777' }))).duplicate).toBe(true);
      await requests.transition(first.request.id, 'needs_more_info', { actor: 'backoffice', reason: 'slip unreadable' });
      expect((await requests.create(cancelRequest({ referenceNo: '999988887777' }))).duplicate).toBe(true);
    });

    it('a decided or closed request allows a new one for the same transaction', async () => {
      const { requests } = await setup();
      const first = await requests.create(cancelRequest({ referenceNo: '555566667777' }));
      if (first.duplicate) throw new Error('unexpected duplicate');
      await requests.transition(first.request.id, 'rejected', { actor: 'backoffice', reason: 'slip missing' });
      await requests.transition(first.request.id, 'closed', { actor: 'backoffice' });
      const second = await requests.create(cancelRequest({ referenceNo: '555566667777' }));
      expect(second.duplicate).toBe(false);
      if (second.duplicate) return;
      expect(second.request.ticket).toBe('CX-20251125-0002');
      expect((await requests.create(cancelRequest({ referenceNo: '555566667777' }))).duplicate).toBe(true);

      await requests.transition(second.request.id, 'approved', { actor: 'backoffice' });
      expect((await requests.create(cancelRequest({ referenceNo: '555566667777' }))).duplicate).toBe(false);
    });

    it('concurrent attempts for one transaction create exactly one request', async () => {
      const { db, requests } = await setup();
      const results = await Promise.all(Array.from({ length: 8 }, () => requests.create(cancelRequest({ referenceNo: '121212121212' }))));
      const created = results.filter((r) => !r.duplicate);
      expect(created).toHaveLength(1);
      const ticket = !created[0]!.duplicate && created[0]!.request.ticket;
      for (const r of results) if (r.duplicate) expect(r.existing.ticket).toBe(ticket);
      expect(await count(db, 'requests')).toBe(1);
      expect(await count(db, 'outbox')).toBe(1);
    });

    it('the database itself refuses a second open request with the same key (partial unique index)', async () => {
      const { db, requests } = await setup();
      const first = await requests.create(cancelRequest({ referenceNo: '343434343434' }));
      if (first.duplicate) throw new Error('unexpected duplicate');
      const row = await db.selectFrom('requests').selectAll().where('id', '=', first.request.id).executeTakeFirstOrThrow();
      const copy = { ...row, id: 'other-id', ticket: 'CX-20251125-9999' };
      await expect(db.insertInto('requests').values(copy).execute()).rejects.toThrow(
        dialect === 'sqlite' ? /UNIQUE constraint failed: requests\.dedupe_key/ : /duplicate key value violates unique constraint "requests_open_dedupe_uq"/,
      );
      // Not once the first is decided, nor for requests without a key.
      await db.updateTable('requests').set({ status: 'rejected' satisfies RequestStatus }).where('id', '=', first.request.id).execute();
      await db.insertInto('requests').values(copy).execute();
      await db.insertInto('requests').values({ ...copy, id: 'x1', ticket: 'T-1', dedupe_key: null }).execute();
      await db.insertInto('requests').values({ ...copy, id: 'x2', ticket: 'T-2', dedupe_key: null }).execute();
    });

    it("answers another merchant's ticket exactly like a missing one", async () => {
      const { requests } = await setup();
      const mine = await requests.create(cancelRequest({ merchantId: '111111111111111' }));
      const theirs = await requests.create(cancelRequest({ merchantId: '222222222222222' }));
      if (mine.duplicate || theirs.duplicate) throw new Error('unexpected duplicate');

      expect(await requests.getForMerchant(mine.request.ticket, '111111111111111')).toEqual(mine.request);
      expect(await requests.getForMerchant(` ${mine.request.ticket.toLowerCase()} `, '111111111111111')).toEqual(mine.request);
      const other = await requests.getForMerchant(theirs.request.ticket, '111111111111111');
      const missing = await requests.getForMerchant('CX-20251125-0999', '111111111111111');
      expect(other).toBeUndefined();
      expect(missing).toBeUndefined();
      expect(other).toStrictEqual(missing);

      const list = await requests.listByMerchant('111111111111111');
      expect(list.map((r) => r.ticket)).toEqual([mine.request.ticket]);
    });

    it('lists a merchant\'s requests newest first, optionally only the open ones', async () => {
      const { requests, clock } = await setup();
      const tickets: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await requests.create(cancelRequest());
        if (r.duplicate) throw new Error('unexpected duplicate');
        tickets.push(r.request.ticket);
        clock.advance(60_000);
      }
      const first = await requests.getByTicket(tickets[0]!);
      await requests.transition(first!.id, 'approved', { actor: 'backoffice' });
      expect((await requests.listByMerchant('123456789012345')).map((r) => r.ticket)).toEqual([...tickets].reverse());
      expect((await requests.listByMerchant('123456789012345', { openOnly: true })).map((r) => r.ticket)).toEqual([tickets[2], tickets[1]]);
      expect(await requests.listByMerchant('123456789012345', { limit: 1 })).toHaveLength(1);
    });

    it('masks a card number that slipped into the slots, attachment names or the outbox payload', async () => {
      const { db, requests, outbox } = await setup();
      const input = cancelRequest();
      input.slots = { ...input.slots, reason: `顾客卡号 ${CARD} 要退款`, nested: { list: [`card ${CARD}`] } };
      input.attachments = [{ file: `${'b'.repeat(64)}.jpg`, contentType: 'image/jpeg', size: 10, name: `${CARD}.jpg` }];
      const r = await requests.create(input);
      if (r.duplicate) throw new Error('unexpected duplicate');
      expect(r.request.slots.reason).toBe(`顾客卡号 ${CARD_MASKED} 要退款`);
      expect(r.request.slots.nested).toEqual({ list: [`card ${CARD_MASKED}`] });
      expect(r.request.attachments[0]!.name).toBe(`${CARD_MASKED}.jpg`);

      const raw = await db.selectFrom('requests').select(['slots_json', 'attachments_json']).executeTakeFirstOrThrow();
      const body = (await outbox.list())[0]!.body;
      const digits = CARD.replace(/ /g, '');
      for (const text of [raw.slots_json, raw.attachments_json, body]) {
        expect(text).not.toContain(digits);
        expect(text).not.toContain(CARD);
        expect(text).toContain(CARD_MASKED);
      }
      // Short numbers are left alone.
      expect(r.request.slots.reference_no).toMatch(/^\d{12}$/);
      expect(r.request.slots.phone).toBe('13800138000');
    });

    it('rejects malformed input with REQUEST_INVALID', async () => {
      const { requests } = await setup();
      const bad = [
        { ...cancelRequest(), kind: 'refund-everything' as never },
        { ...cancelRequest(), merchantId: '  ' },
        { ...cancelRequest(), channelId: '' },
        { ...cancelRequest(), attachments: [{ file: '../../etc/passwd', contentType: 'image/png', size: 1, name: 'x' }] },
        { ...cancelRequest(), actor: 'root' as never },
      ];
      for (const input of bad) {
        const err = await requests.create(input).catch((e: unknown) => e);
        expect(isAppError(err, 'REQUEST_INVALID'), JSON.stringify(input).slice(0, 80)).toBe(true);
      }
    });
  });

  describe('dedupe keys and tickets', () => {
    it('keys a cancellation by reference number, else voucher number + date (+ terminal)', () => {
      const m = '123456789012345';
      expect(dedupeKeyFor('cancel-transaction', m, { reference_no: '111122223333', voucher_no: '000123' })).toBe(
        `cancel-transaction|${m}|ref:111122223333`,
      );
      expect(dedupeKeyFor('cancel-transaction', m, { voucher_no: '000123', transaction_date: '2025-11-20', terminal_id: '12345678' })).toBe(
        `cancel-transaction|${m}|12345678|voucher:000123|2025-11-20`,
      );
      expect(dedupeKeyFor('cancel-transaction', m, { voucher_no: '000123' })).toBeNull();
      expect(dedupeKeyFor('suspend-settlement', m, { settlement_kind: 'payout' })).toBe(`suspend-settlement|${m}|payout`);
      // A suspension is looked for as a duplicate only once its kind of settlement is known.
      expect(identifiesRequest('suspend-settlement', {})).toBe(false);
      expect(identifiesRequest('suspend-settlement', { settlement_kind: 'payout' })).toBe(true);
      expect(identifiesRequest('cancel-transaction', {})).toBe(true);
    });

    it('normalises typed tickets and computes the Shanghai day', () => {
      expect(normalizeTicket(' ｃｘ－２０２５１１２５－０００７ ')).toBe('CX-20251125-0007');
      expect(ticketDay(new Date('2025-12-31T16:00:00Z'))).toBe('20260101');
      expect(ticketDay(new Date('2025-12-31T15:59:59Z'))).toBe('20251231');
      expect(ticketDay(new Date('2025-12-31T16:00:00Z'), 'UTC')).toBe('20251231');
    });
  });
});
