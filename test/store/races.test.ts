/**
 * Two instances over one PostgreSQL database: two separate pools on one schema race for ticket numbers,
 * status changes, login counts and outbox rows. What one process on SQLite promises must hold across
 * instances. (SQLite is one process by design: better-sqlite3 waits for a lock synchronously, so two
 * connections in one process cannot model two processes; its own cross-connection tests are in
 * bot-storage.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/app/errors.js';
import { AgentStore } from '../../src/handoff/agents/agent-store.js';
import { HandoffStore } from '../../src/handoff/handoff-store.js';
import { OutboxWorker, RequestStore } from '../../src/requests/index.js';
import { writeTransaction } from '../../src/store/index.js';
import { describePostgres } from '../helpers/dialects.js';
import { cancelRequest } from '../requests/helpers.js';
import { useTempDatabases } from './helpers.js';

const NOW = '2025-11-25T02:00:00.000Z'; // 10:00 on the 25th in Shanghai
const SECRET = 'race-test-webhook-secret-0123';

describePostgres('two instances over one database', () => {
  const temp = useTempDatabases('postgres');

  /** Two "instances": each opens the same database with its own connection(s). */
  async function twoInstances() {
    const name = temp.file('shared.db');
    return [await temp.open(name), await temp.open(name)] as const;
  }

  describe('race for', () => {
    it('ticket numbers: unique and gapless when both file at the same time', async () => {
      const [a, b] = await twoInstances();
      const now = () => new Date(NOW);
      const stores = [new RequestStore(a.db, { now }), new RequestStore(b.db, { now })];
      const perInstance = 25;
      const results = await Promise.all(
        Array.from({ length: perInstance * 2 }, (_, i) => stores[i % 2]!.create(cancelRequest({ referenceNo: String(700000000000 + i) }))),
      );
      const tickets = results.map((r) => (r.duplicate ? 'duplicate' : r.request.ticket)).sort();
      expect(tickets).toEqual(Array.from({ length: perInstance * 2 }, (_, i) => `CX-20251125-${String(i + 1).padStart(4, '0')}`));
      const counter = await a.db.selectFrom('ticket_counters').selectAll().execute();
      expect(counter).toEqual([{ day: '20251125', last_seq: perInstance * 2 }]);
    });

    it('the same request: filed once when both get it at the same time', async () => {
      const [a, b] = await twoInstances();
      const now = () => new Date(NOW);
      const same = cancelRequest({ referenceNo: '717171717171' });
      const results = await Promise.all([new RequestStore(a.db, { now }).create(same), new RequestStore(b.db, { now }).create(same)]);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(results.filter((r) => r.duplicate)).toHaveLength(1);
      expect(await a.db.selectFrom('requests').select('ticket').execute()).toEqual([{ ticket: 'CX-20251125-0001' }]);
    });

    it('a status: exactly one of two changes from the same status goes through', async () => {
      const [a, b] = await twoInstances();
      const now = () => new Date(NOW);
      const ra = new RequestStore(a.db, { now });
      const rb = new RequestStore(b.db, { now });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await ra.create(cancelRequest({ referenceNo: String(720000000000 + i) }));
        if (r.duplicate) throw new Error('unexpected duplicate');
        ids.push(r.request.id);
      }
      const outcomes = await Promise.all(
        ids.flatMap((id) => [
          ra.transition(id, 'approved', { actor: 'backoffice' }).then(() => 'approved', (err: unknown) => err),
          rb.transition(id, 'rejected', { actor: 'backoffice', reason: 'duplicate' }).then(() => 'rejected', (err: unknown) => err),
        ]),
      );
      const won = outcomes.filter((o) => typeof o === 'string');
      const lost = outcomes.filter((o) => typeof o !== 'string');
      expect(won).toHaveLength(ids.length);
      expect(lost).toHaveLength(ids.length);
      for (const err of lost) expect(isAppError(err, 'REQUEST_INVALID_TRANSITION'), String(err)).toBe(true);
      for (const id of ids) {
        const events = await a.db.selectFrom('request_events').select('to_status').where('request_id', '=', id).orderBy('id').execute();
        const request = await ra.get(id);
        expect(events.map((e) => e.to_status)).toEqual(['submitted', request!.status]);
      }
    });

    it('handoff claims: of two agents on two instances claiming at once, exactly one gets each handoff', async () => {
      const [a, b] = await twoInstances();
      const agents = new AgentStore(a.db, { loginMaxFailures: 5, lockoutMinutes: 15 });
      const ann = await agents.add({ name: 'ann', role: 'agent', password: 'correct horse battery' });
      const bob = await agents.add({ name: 'bob', role: 'agent', password: 'correct horse battery' });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const h = await new HandoffStore(a.db).create({
          channelId: 'webchat', conversationId: `conv-${i}`, conversationRef: {}, userId: `u${i}`, locale: 'zh-CN', status: 'waiting',
          reason: 'human_request', detail: null, package: {} as never, now: new Date(NOW),
        });
        ids.push(h.id);
      }
      // As the console does: the claim and its event in one write transaction.
      const claim = (db: typeof a.db, agent: { id: number; name: string }, id: string) =>
        writeTransaction(db, async (tx) => {
          const store = new HandoffStore(tx);
          if (!(await store.claim(id, agent.id, new Date(NOW)))) return false;
          await store.addEvent(id, { kind: 'claimed', actor: `agent:${agent.name}` }, new Date(NOW));
          return true;
        });
      const outcomes = await Promise.all(ids.flatMap((id) => [claim(a.db, ann, id), claim(b.db, bob, id)]));
      for (let i = 0; i < ids.length; i++) expect(outcomes.slice(2 * i, 2 * i + 2).filter(Boolean), ids[i]).toHaveLength(1);
      const events = await a.db.selectFrom('handoff_events').select(['handoff_id', 'actor']).where('kind', '=', 'claimed').execute();
      expect(events).toHaveLength(ids.length);
      const rows = await a.db.selectFrom('handoffs').select(['id', 'status', 'agent_id']).execute();
      for (const row of rows) {
        const event = events.find((e) => e.handoff_id === row.id)!;
        expect([row.status, event.actor]).toEqual(['active', row.agent_id === ann.id ? 'agent:ann' : 'agent:bob']);
      }
    });

    it('login failures: parallel wrong passwords on both get at most N checks before the wait', async () => {
      const [a, b] = await twoInstances();
      const options = { loginMaxFailures: 3, lockoutMinutes: 15 };
      const agentsA = new AgentStore(a.db, options);
      const agentsB = new AgentStore(b.db, options);
      await agentsA.add({ name: 'alice', role: 'agent', password: 'correct horse battery' });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? agentsA : agentsB).verifyLogin('alice', `guess ${i} xxxxx`, new Date(), 'burst').then(
            () => 'ok',
            (err: unknown) => (isAppError(err) ? err.code : String(err)),
          ),
        ),
      );
      expect(results.filter((c) => c === 'AGENT_LOGIN_FAILED').length).toBeLessThanOrEqual(3);
      expect(results.filter((c) => c === 'AGENT_LOCKED').length).toBeGreaterThanOrEqual(9);
      expect(results.every((c) => c === 'AGENT_LOGIN_FAILED' || c === 'AGENT_LOCKED'), results.join()).toBe(true);
    });

    it('outbox rows: each delivered once while workers on both claim at the same time', async () => {
      const [a, b] = await twoInstances();
      const requests = new RequestStore(a.db, { now: () => new Date() });
      const count = 30;
      for (let i = 0; i < count; i++) {
        const r = await requests.create(cancelRequest({ referenceNo: String(730000000000 + i) }));
        if (r.duplicate) throw new Error('unexpected duplicate');
      }
      // The back office: records every arrival, answers 200 after a short, random pause.
      const arrivals: string[] = [];
      const backoffice = (async (_url: string | URL | Request, init?: RequestInit) => {
        arrivals.push(new Headers(init?.headers).get('idempotency-key')!);
        await new Promise((r) => setTimeout(r, Math.random() * 5));
        return new Response('{}', { status: 200 });
      }) as typeof fetch;
      const worker = (db: typeof a.db) => new OutboxWorker({ db, url: 'http://backoffice.test/hook', secret: SECRET, fetch: backoffice, batchSize: 4 });
      const workers = [worker(a.db), worker(b.db), worker(a.db), worker(b.db)];
      for (let round = 0; round < 50 && arrivals.length < count; round++) await Promise.all(workers.map((w) => w.runOnce()));

      const rows = await workers[0]!.store.list();
      expect(rows).toHaveLength(count);
      for (const row of rows) expect(row.deliveredAt, row.idempotencyKey).not.toBeNull();
      expect([...arrivals].sort()).toEqual(rows.map((r) => r.idempotencyKey).sort()); // each exactly once
      expect(rows.every((r) => r.attempts === 1)).toBe(true);
    });
  });
});
