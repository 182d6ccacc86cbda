import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../../src/app/errors.js';
import {
  canTransition,
  REQUEST_STATUSES,
  RequestStore,
  TRANSITIONS,
  type RequestStatus,
} from '../../src/requests/index.js';
import { cancelRequest, count, fakeClock, useTempDatabases } from './helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);

  const ALLOWED: [RequestStatus, RequestStatus][] = [
    ['submitted', 'in_review'],
    ['submitted', 'needs_more_info'],
    ['submitted', 'approved'],
    ['submitted', 'rejected'],
    ['in_review', 'needs_more_info'],
    ['in_review', 'approved'],
    ['in_review', 'rejected'],
    ['needs_more_info', 'in_review'],
    ['approved', 'closed'],
    ['rejected', 'closed'],
  ];
  const key = (from: RequestStatus, to: RequestStatus) => `${from}→${to}`;
  const allowed = new Set(ALLOWED.map(([f, t]) => key(f, t)));
  const DISALLOWED = REQUEST_STATUSES.flatMap((from) => REQUEST_STATUSES.map((to) => [from, to] as [RequestStatus, RequestStatus])).filter(
    ([f, t]) => !allowed.has(key(f, t)),
  );

  /** The shortest path of allowed edges from submitted to `status`. */
  const PATH: Record<RequestStatus, RequestStatus[]> = {
    submitted: [],
    in_review: ['in_review'],
    needs_more_info: ['needs_more_info'],
    approved: ['approved'],
    rejected: ['rejected'],
    closed: ['approved', 'closed'],
  };
  const REASON = 'a reason';

  async function setup() {
    const store = await temp.open();
    const clock = fakeClock('2025-11-25T02:00:00.000Z');
    const requests = new RequestStore(store.db, { now: clock.now });
    const at = async (status: RequestStatus) => {
      const r = await requests.create(cancelRequest());
      if (r.duplicate) throw new Error('unexpected duplicate');
      for (const step of PATH[status]) await requests.transition(r.request.id, step, { actor: 'backoffice', reason: REASON });
      return r.request.id;
    };
    return { db: store.db, clock, requests, at };
  }

  describe('the status machine', () => {
    it('has exactly the edges of the issue', () => {
      const edges = Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => key(from as RequestStatus, to)));
      expect(new Set(edges)).toEqual(allowed);
      for (const [f, t] of DISALLOWED) expect(canTransition(f, t)).toBe(false);
    });

    it.each(ALLOWED)('allows %s → %s and records it', async (from, to) => {
      const { requests, at } = await setup();
      const id = await at(from);
      const event = await requests.transition(id, to, { actor: 'agent:王芳', reason: 'checked the slip' });
      expect(event).toMatchObject({ requestId: id, from, to, actor: 'agent:王芳', reason: 'checked the slip' });
      expect((await requests.get(id))!.status).toBe(to);
      expect((await requests.history(id)).at(-1)).toEqual(event);
    });

    it('rejects every other edge with REQUEST_INVALID_TRANSITION naming from and to, and changes nothing', async () => {
      const { db, requests, at } = await setup();
      for (const [from, to] of DISALLOWED) {
        const id = await at(from);
        const before = await count(db, 'request_events');
        const err = await requests.transition(id, to, { actor: 'backoffice', reason: REASON }).catch((e: unknown) => e);
        expect(isAppError(err, 'REQUEST_INVALID_TRANSITION'), key(from, to)).toBe(true);
        expect((err as AppError).status).toBe(409);
        expect((err as AppError).message).toContain(`${from} → ${to}`);
        expect((err as AppError).details).toEqual({ from, to });
        expect((await requests.get(id))!.status).toBe(from);
        expect(await count(db, 'request_events')).toBe(before);
      }
    });

    it('needs a reason for needs_more_info and rejected', async () => {
      const { requests, at } = await setup();
      for (const to of ['needs_more_info', 'rejected'] as const) {
        const id = await at('in_review');
        for (const reason of [undefined, null, '', '   ']) {
          const err = await requests.transition(id, to, { actor: 'backoffice', reason }).catch((e: unknown) => e);
          expect(isAppError(err, 'REQUEST_REASON_REQUIRED'), `${to} ${String(reason)}`).toBe(true);
          expect((err as Error).message).toContain(`in_review → ${to}`);
        }
        expect((await requests.get(id))!.status).toBe('in_review');
        const event = await requests.transition(id, to, { actor: 'backoffice', reason: '  签购单照片不清晰  ' });
        expect(event.reason).toBe('签购单照片不清晰');
      }
      // Other edges take an optional reason.
      const id = await at('in_review');
      expect((await requests.transition(id, 'approved', { actor: 'backoffice' })).reason).toBeNull();
    });

    it('keeps the history in order, with who, when and why', async () => {
      const { requests, clock } = await setup();
      const r = await requests.create(cancelRequest());
      if (r.duplicate) throw new Error('unexpected duplicate');
      const id = r.request.id;
      const steps: [RequestStatus, string, string | undefined][] = [
        ['in_review', 'backoffice', undefined],
        ['needs_more_info', 'backoffice', '请补充签购单照片'],
        ['in_review', 'agent:li', 'materials checked by phone'],
        ['rejected', 'backoffice', 'beyond the refund window'],
        ['closed', 'agent:li', undefined],
      ];
      for (const [to, actor, reason] of steps) {
        clock.advance(1000);
        await requests.transition(id, to, { actor: actor as never, reason });
      }
      const history = await requests.history(id);
      expect(history.map((e) => [e.from, e.to, e.actor, e.reason])).toEqual([
        [null, 'submitted', 'bot', null],
        ['submitted', 'in_review', 'backoffice', null],
        ['in_review', 'needs_more_info', 'backoffice', '请补充签购单照片'],
        ['needs_more_info', 'in_review', 'agent:li', 'materials checked by phone'],
        ['in_review', 'rejected', 'backoffice', 'beyond the refund window'],
        ['rejected', 'closed', 'agent:li', null],
      ]);
      const times = history.map((e) => e.createdAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(times[5]! - times[0]!).toBe(5000);
      expect((await requests.get(id))!.updatedAt.getTime()).toBe(times[5]);
    });

    it('refuses unknown requests, statuses and actors; masks card numbers in reasons', async () => {
      const { requests, at } = await setup();
      expect(isAppError(await requests.transition('nope', 'in_review', { actor: 'backoffice' }).catch((e: unknown) => e), 'REQUEST_NOT_FOUND')).toBe(true);
      const id = await at('submitted');
      expect(isAppError(await requests.transition(id, 'done' as never, { actor: 'backoffice' }).catch((e: unknown) => e), 'REQUEST_INVALID')).toBe(true);
      for (const actor of ['', 'admin', 'agent:', 'agent: x', 'agent:a\nb']) {
        const err = await requests.transition(id, 'in_review', { actor: actor as never }).catch((e: unknown) => e);
        expect(isAppError(err, 'REQUEST_INVALID'), JSON.stringify(actor)).toBe(true);
      }
      const event = await requests.transition(id, 'rejected', { actor: 'backoffice', reason: 'card 4111111111111111 is not yours' });
      expect(event.reason).toBe('card 411111******1111 is not yours');
    });
  });
});
