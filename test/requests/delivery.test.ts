/**
 * The acceptance test for the back office: a local receiver that fails the first attempts of
 * every message, a worker stopped half-way and replaced by a new one over the same database file (a
 * restart), and at the end every message stored by the receiver exactly once, every signature valid.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxWorker, RequestStore, verifySignature } from '../../src/requests/index.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { cancelRequest, useTempDatabases } from './helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);
  const SECRET = 'webhook-secret-for-the-delivery-test';

  interface Receiver {
    url: string;
    /** Every arrival per idempotency key (retries included). */
    arrivals: Map<string, number>;
    /** What the back office kept: one body per key. */
    stored: Map<string, string>;
    /** Keys in the order they were stored (a key twice here would be a double booking). */
    storeLog: string[];
    badSignatures: number;
    mismatchedKeys: number;
    missingTimestamps: number;
    /** Resolves once `n` messages are stored. */
    storedAtLeast(n: number): Promise<void>;
    close(): Promise<void>;
  }

  /**
   * A back office that is unreliable in every way the worker must survive. Per idempotency key: the first
   * attempt gets a 500; the second a dropped connection (every other key) or no answer at all (the others,
   * so the worker's timeout fires); from the third on it stores the message — idempotently — and answers
   * 200. For the first key it stores, the 200 is lost (connection dropped after storing), so the worker
   * sends it again and the receiver must recognise the repeat.
   */
  async function startReceiver(secret: string): Promise<Receiver> {
    const arrivals = new Map<string, number>();
    const stored = new Map<string, string>();
    const storeLog: string[] = [];
    const kinds = new Map<string, 'drop' | 'hang'>();
    const waiters: { n: number; resolve: () => void }[] = [];
    let lostAnswerKey: string | undefined;
    const state = { badSignatures: 0, mismatchedKeys: 0, missingTimestamps: 0 };

    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks); // the raw bytes, before any parsing
        if (!verifySignature(secret, raw, req.headers['x-posassist-signature'] as string | undefined, req.headers['x-posassist-timestamp'] as string | undefined)) {
          state.badSignatures++;
          res.writeHead(401).end();
          return;
        }
        if (!/^\d{10}$/.test(String(req.headers['x-posassist-timestamp']))) state.missingTimestamps++;
        const key = String(req.headers['idempotency-key']);
        const body = JSON.parse(raw.toString('utf8')) as { idempotencyKey?: string };
        if (body.idempotencyKey !== key || req.headers['content-type'] !== 'application/json' || req.method !== 'POST') state.mismatchedKeys++;

        if (!kinds.has(key)) kinds.set(key, kinds.size % 2 === 0 ? 'drop' : 'hang');
        const n = (arrivals.get(key) ?? 0) + 1;
        arrivals.set(key, n);
        if (n === 1) {
          res.writeHead(500, { 'content-type': 'text/plain' }).end('database is down');
          return;
        }
        if (n === 2) {
          if (kinds.get(key) === 'drop') req.socket.destroy();
          return; // 'hang': never answer
        }
        if (!stored.has(key)) {
          stored.set(key, raw.toString('utf8'));
          storeLog.push(key);
          for (const w of waiters.splice(0)) {
            if (storeLog.length >= w.n) w.resolve();
            else waiters.push(w);
          }
          if (lostAnswerKey === undefined) {
            lostAnswerKey = key;
            req.socket.destroy(); // stored, but the 200 never reaches the worker
            return;
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/webhooks/pos-assist`,
      arrivals,
      stored,
      storeLog,
      get badSignatures() {
        return state.badSignatures;
      },
      get mismatchedKeys() {
        return state.mismatchedKeys;
      },
      get missingTimestamps() {
        return state.missingTimestamps;
      },
      storedAtLeast: (n) => (storeLog.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    cleanup = [];
  });

  function fastWorker(store: Store, url: string): OutboxWorker {
    const worker = new OutboxWorker({
      db: store.db,
      url,
      secret: SECRET,
      baseDelayMs: 20,
      maxDelayMs: 200,
      timeoutMs: 300,
      pollIntervalMs: 25,
    });
    cleanup.push(() => worker.stop());
    return worker;
  }

  async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  describe('delivery to the back office', () => {
    it('every request and supplement arrives exactly once, despite failures and a restart', async () => {
      const receiver = await startReceiver(SECRET);
      cleanup.push(() => receiver.close());
      const file = temp.file('requests.db');

      // ── First run: five requests, a worker, stopped half-way ──
      const first = await openDatabase(await temp.options(file));
      cleanup.push(() => first.close());
      const requests = new RequestStore(first.db);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await requests.create(cancelRequest({ referenceNo: `80000000000${i}` }));
        if (r.duplicate) throw new Error('unexpected duplicate');
        ids.push(r.request.id);
      }
      await requests.transition(ids[0]!, 'needs_more_info', { actor: 'backoffice', reason: '请补充签购单照片' });

      const worker1 = fastWorker(first, receiver.url);
      expect(worker1.start()).toBe(true);
      await receiver.storedAtLeast(2);
      await worker1.stop();
      const midway = await worker1.store.counts();
      expect(midway.pending).toBeGreaterThan(0); // really stopped half-way
      await first.close();

      // ── Restart: a new process state over the same file; the merchant adds materials meanwhile ──
      const second = await openDatabase(await temp.options(file));
      cleanup.push(() => second.close());
      const requests2 = new RequestStore(second.db);
      const { supplement } = await requests2.addSupplement(ids[0]!, {
        files: [{ file: `${'d'.repeat(64)}.png`, contentType: 'image/png', size: 4096, name: 'slip-again.png' }],
        note: '重新拍了签购单',
      });
      const worker2 = fastWorker(second, receiver.url);
      worker2.start();
      await waitUntil(async () => (await worker2.store.counts()).pending === 0, 20_000);
      await worker2.stop();

      // ── Every outbox row delivered ──
      const rows = await worker2.store.list();
      expect(rows).toHaveLength(6);
      expect(rows.map((r) => r.kind).sort()).toEqual([...Array(5).fill('request.created'), 'request.supplemented'].sort());
      for (const row of rows) {
        expect(row.deliveredAt, row.idempotencyKey).not.toBeNull();
        expect(row.attempts, row.idempotencyKey).toBeGreaterThanOrEqual(2); // at least the 500, then the success
        expect(row.lastError, row.idempotencyKey).not.toBeNull();
      }

      // ── The receiver stored each key exactly once, with the body the outbox holds ──
      const keys = rows.map((r) => r.idempotencyKey).sort();
      expect([...receiver.stored.keys()].sort()).toEqual(keys);
      expect([...receiver.storeLog].sort()).toEqual(keys); // no key stored twice
      for (const row of rows) {
        expect(receiver.stored.get(row.idempotencyKey)).toBe(row.body);
        expect(receiver.arrivals.get(row.idempotencyKey)!).toBeGreaterThanOrEqual(3); // it did fail first
      }
      const lost = receiver.storeLog[0]!;
      expect(receiver.arrivals.get(lost)!).toBeGreaterThanOrEqual(4); // the lost 200 was retried and recognised
      expect(receiver.badSignatures).toBe(0);
      expect(receiver.mismatchedKeys).toBe(0);
      expect(receiver.missingTimestamps).toBe(0);

      // ── The supplement arrived after its request, with its files ──
      const supplementKey = `request.supplemented:${ids[0]}:${supplement.id}`;
      expect(receiver.storeLog.indexOf(supplementKey)).toBeGreaterThan(receiver.storeLog.indexOf(`request.created:${ids[0]}`));
      expect(JSON.parse(receiver.stored.get(supplementKey)!)).toMatchObject({
        type: 'request.supplemented',
        request: { id: ids[0], status: 'in_review' },
        supplement: { note: '重新拍了签购单', files: [{ name: 'slip-again.png' }] },
      });
    });
  });
});
