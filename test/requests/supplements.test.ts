import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/app/errors.js';
import { OutboxStore, RequestStore, type RequestStatus } from '../../src/requests/index.js';
import { CARD, CARD_MASKED, cancelRequest, count, fakeClock, useTempDatabases } from './helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);

  const PHOTO = { file: `${'c'.repeat(64)}.jpg`, contentType: 'image/jpeg', size: 2048, name: 'slip-2.jpg' };

  async function setup() {
    const store = await temp.open();
    const clock = fakeClock('2025-11-25T02:00:00.000Z');
    const requests = new RequestStore(store.db, { now: clock.now });
    const r = await requests.create(cancelRequest());
    if (r.duplicate) throw new Error('unexpected duplicate');
    return { db: store.db, clock, requests, outbox: new OutboxStore(store.db), request: r.request };
  }

  describe('RequestStore.addSupplement', () => {
    it('stores files and note, writes the outbox row and moves the request back to in_review', async () => {
      const { requests, outbox, request, clock } = await setup();
      await requests.transition(request.id, 'needs_more_info', { actor: 'backoffice', reason: '请补充清晰的签购单照片' });
      clock.advance(60_000);

      const { supplement, event } = await requests.addSupplement(request.id, { files: [PHOTO], note: ' 这是重拍的照片 ' });
      expect(supplement).toMatchObject({ requestId: request.id, files: [PHOTO], note: '这是重拍的照片', actor: 'merchant' });
      expect(event).toMatchObject({ from: 'needs_more_info', to: 'in_review', actor: 'merchant', reason: null });
      expect((await requests.get(request.id))!.status).toBe('in_review');
      expect(await requests.supplements(request.id)).toEqual([supplement]);

      const rows = await outbox.list({ requestId: request.id });
      expect(rows.map((r) => r.kind)).toEqual(['request.created', 'request.supplemented']);
      const row = rows[1]!;
      expect(row.idempotencyKey).toBe(`request.supplemented:${request.id}:${supplement.id}`);
      expect(JSON.parse(row.body)).toEqual({
        type: 'request.supplemented',
        idempotencyKey: row.idempotencyKey,
        occurredAt: '2025-11-25T02:01:00.000Z',
        request: { id: request.id, ticket: request.ticket, kind: 'cancel-transaction', merchantId: request.merchantId, status: 'in_review' },
        supplement: { id: supplement.id, files: [PHOTO], note: '这是重拍的照片', actor: 'merchant', at: '2025-11-25T02:01:00.000Z' },
      });

      // The review can ask again, and the merchant can answer again.
      await requests.transition(request.id, 'needs_more_info', { actor: 'backoffice', reason: '还需要营业执照' });
      await requests.addSupplement(request.id, { note: `已补充，卡号 ${CARD}` });
      const notes = (await requests.supplements(request.id)).map((s) => s.note);
      expect(notes).toEqual(['这是重拍的照片', `已补充，卡号 ${CARD_MASKED}`]);
      expect((await outbox.list({ requestId: request.id })).map((r) => r.kind)).toEqual([
        'request.created',
        'request.supplemented',
        'request.supplemented',
      ]);
    });

    it('is refused in every other status, writing nothing', async () => {
      const { db, requests } = await setup();
      const PATHS: Record<Exclude<RequestStatus, 'needs_more_info'>, RequestStatus[]> = {
        submitted: [],
        in_review: ['in_review'],
        approved: ['approved'],
        rejected: ['rejected'],
        closed: ['approved', 'closed'],
      };
      for (const [status, path] of Object.entries(PATHS)) {
        const r = await requests.create(cancelRequest());
        if (r.duplicate) throw new Error('unexpected duplicate');
        for (const step of path) await requests.transition(r.request.id, step, { actor: 'backoffice', reason: 'x' });
        const before = [await count(db, 'outbox'), await count(db, 'request_supplements'), await count(db, 'request_events')];
        const err = await requests.addSupplement(r.request.id, { files: [PHOTO] }).catch((e: unknown) => e);
        expect(isAppError(err, 'REQUEST_SUPPLEMENT_NOT_EXPECTED'), status).toBe(true);
        expect((err as Error).message).toContain(`is ${status}`);
        expect([await count(db, 'outbox'), await count(db, 'request_supplements'), await count(db, 'request_events')]).toEqual(before);
        expect((await requests.get(r.request.id))!.status).toBe(status);
      }
      expect(isAppError(await requests.addSupplement('missing', { files: [PHOTO] }).catch((e: unknown) => e), 'REQUEST_NOT_FOUND')).toBe(true);
    });

    it('needs files or a note, and well-formed files', async () => {
      const { requests, request } = await setup();
      await requests.transition(request.id, 'needs_more_info', { actor: 'backoffice', reason: 'more' });
      for (const input of [{}, { files: [] }, { note: '   ' }, { files: [{ ...PHOTO, size: -1 }] }, { files: [{ file: 'a/b.png' }] }]) {
        const err = await requests.addSupplement(request.id, input as never).catch((e: unknown) => e);
        expect(isAppError(err, 'REQUEST_INVALID'), JSON.stringify(input)).toBe(true);
      }
      expect((await requests.get(request.id))!.status).toBe('needs_more_info');
    });
  });

  describe('notifications of decisions', () => {
    it('lists back-office and agent decisions not yet told to the merchant, until marked', async () => {
      const { requests, request } = await setup();
      await requests.transition(request.id, 'needs_more_info', { actor: 'backoffice', reason: 'photo' });
      await requests.addSupplement(request.id, { files: [PHOTO] }); // the merchant's own step: nothing to tell
      await requests.transition(request.id, 'approved', { actor: 'agent:li' });

      const pending = await requests.pendingNotifications();
      expect(pending.map((p) => [p.event.to, p.event.actor])).toEqual([
        ['needs_more_info', 'backoffice'],
        ['approved', 'agent:li'],
      ]);
      expect(pending[1]!.request).toMatchObject({ id: request.id, status: 'approved', conversationRef: request.conversationRef });

      await requests.markNotified(pending[0]!.event.id);
      expect((await requests.pendingNotifications()).map((p) => p.event.to)).toEqual(['approved']);
      await requests.markNotified(pending[1]!.event.id);
      expect(await requests.pendingNotifications()).toEqual([]);
      expect((await requests.history(request.id)).filter((e) => e.notifiedAt !== null)).toHaveLength(2);
    });
  });
});
