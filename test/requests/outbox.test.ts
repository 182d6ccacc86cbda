import { describe, expect, it, vi } from 'vitest';
import { isAppError } from '../../src/app/errors.js';
import {
  backoffDelay,
  OutboxWorker,
  RequestStore,
  signBody,
  verifySignature,
} from '../../src/requests/index.js';
import { cancelRequest, fakeClock, useTempDatabases } from './helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);
  const URL_ = 'http://backoffice.test/hooks/pos-assist';
  const SECRET = 'test-webhook-secret-0123456789';

  interface Call {
    url: string;
    method: string;
    headers: Record<string, string>;
    body: string;
  }

  /** A fetch that records calls and answers from a script (a Response, an Error to throw, or 'hang'). */
  function scriptedFetch(script: (call: Call, n: number) => Response | Error | 'hang') {
    const calls: Call[] = [];
    const fn = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
      const call: Call = {
        url: String(input),
        method: init?.method ?? 'GET',
        headers: Object.fromEntries(new Headers(init?.headers).entries()),
        body: String(init?.body),
      };
      calls.push(call);
      const answer = script(call, calls.length);
      if (answer === 'hang') {
        return new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        });
      }
      if (answer instanceof Error) throw answer;
      return answer;
    });
    return { fetch: fn as unknown as typeof fetch, calls };
  }

  async function setup(options: { url?: string | undefined; fetch?: typeof fetch; timeoutMs?: number } = {}) {
    const store = await temp.open();
    const clock = fakeClock('2025-11-25T02:00:00.000Z');
    const requests = new RequestStore(store.db, { now: clock.now });
    const worker = new OutboxWorker({
      db: store.db,
      url: 'url' in options ? options.url : URL_,
      secret: SECRET,
      fetch: options.fetch,
      now: clock.now,
      random: () => 0.5,
      timeoutMs: options.timeoutMs ?? 5_000,
    });
    const create = async (ref?: string) => {
      const r = await requests.create(cancelRequest(ref ? { referenceNo: ref } : {}));
      if (r.duplicate) throw new Error('unexpected duplicate');
      return r.request;
    };
    return { db: store.db, clock, requests, worker, create };
  }

  describe('backoffDelay', () => {
    it('doubles from the base up to the cap, with jitter in the upper half', () => {
      const nominal = Array.from({ length: 12 }, (_, i) => backoffDelay(i + 1, { random: () => 0.999999 }));
      expect(nominal.slice(0, 9)).toEqual([2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 512000]);
      expect(nominal.slice(9)).toEqual([600000, 600000, 600000]);
      expect(backoffDelay(1, { random: () => 0 })).toBe(1000);
      expect(backoffDelay(3, { random: () => 0.5 })).toBe(6000);
      expect(backoffDelay(50, { random: () => 0 })).toBe(300000);
      expect(backoffDelay(4, { baseMs: 10, capMs: 50, random: () => 0.999999 })).toBe(50);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(2);
        expect(d).toBeGreaterThanOrEqual(2000);
        expect(d).toBeLessThanOrEqual(4000);
      }
    });
  });

  describe('signatures', () => {
    it('signs the timestamp and the raw body with HMAC-SHA256 and verifies in constant time', () => {
      const body = '{"type":"request.created","x":"退货"}';
      const now = new Date('2026-11-25T04:00:00Z');
      const ts = String(now.getTime() / 1000);
      const sig = signBody(SECRET, ts, body);
      expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(verifySignature(SECRET, body, sig, ts, { now })).toBe(true);
      expect(verifySignature(SECRET, Buffer.from(body), sig.toUpperCase().replace('SHA256=', 'sha256='), ts, { now })).toBe(true);
      expect(verifySignature(SECRET, `${body} `, sig, ts, { now })).toBe(false);
      expect(verifySignature('another-secret', body, sig, ts, { now })).toBe(false);
      for (const bad of [undefined, '', 'sha256=', 'sha1=' + sig.slice(7), sig.slice(0, -2), `${sig}00`]) {
        expect(verifySignature(SECRET, body, bad, ts, { now })).toBe(false);
      }
    });

    it('covers the timestamp: a captured request replayed under a fresh timestamp, or later, is refused', () => {
      const body = '{"type":"request.created"}';
      const now = new Date('2026-11-25T04:00:00Z');
      const ts = String(now.getTime() / 1000);
      const sig = signBody(SECRET, ts, body);
      // The same signature with another timestamp: the signature no longer matches.
      expect(verifySignature(SECRET, body, sig, String(Number(ts) + 60), { now })).toBe(false);
      // The original, replayed ten minutes later: too old.
      expect(verifySignature(SECRET, body, sig, ts, { now: new Date(now.getTime() + 10 * 60_000) })).toBe(false);
      // Within the tolerance (clocks differ a little), either way.
      expect(verifySignature(SECRET, body, sig, ts, { now: new Date(now.getTime() + 4 * 60_000) })).toBe(true);
      expect(verifySignature(SECRET, body, sig, ts, { now: new Date(now.getTime() - 4 * 60_000) })).toBe(true);
      for (const bad of [undefined, '', 'yesterday', '1.5']) expect(verifySignature(SECRET, body, sig, bad, { now })).toBe(false);
    });
  });

  describe('OutboxWorker', () => {
    it('does nothing without a webhook URL', async () => {
      const { fetch, calls } = scriptedFetch(() => new Response('ok'));
      const { worker, create } = await setup({ url: undefined, fetch });
      await create();
      expect(worker.enabled).toBe(false);
      expect(worker.start()).toBe(false);
      expect(worker.running).toBe(false);
      expect(await worker.runOnce()).toEqual({ delivered: 0, failed: 0 });
      await worker.stop();
      expect(calls).toHaveLength(0);
      expect(await worker.store.counts()).toEqual({ pending: 1, delivered: 0 });
    });

    it('needs the secret with a URL', async () => {
      const store = await temp.open();
      const err = (() => {
        try {
          return new OutboxWorker({ db: store.db, url: URL_, secret: undefined });
        } catch (e) {
          return e;
        }
      })();
      expect(isAppError(err, 'CONFIG_INVALID')).toBe(true);
      expect((err as Error).message).toContain('BACKOFFICE_WEBHOOK_SECRET');
    });

    it('POSTs the stored JSON, signed, with the idempotency key and timestamp; 2xx marks it delivered', async () => {
      const { fetch, calls } = scriptedFetch(() => new Response(null, { status: 204 }));
      const { worker, create, clock } = await setup({ fetch });
      const request = await create();
      const [row] = await worker.store.list();

      expect(await worker.runOnce()).toEqual({ delivered: 1, failed: 0 });
      expect(calls).toHaveLength(1);
      const call = calls[0]!;
      expect(call.url).toBe(URL_);
      expect(call.method).toBe('POST');
      expect(call.body).toBe(row!.body);
      expect(call.headers['content-type']).toBe('application/json');
      expect(call.headers['idempotency-key']).toBe(`request.created:${request.id}`);
      expect(call.headers['x-posassist-timestamp']).toBe(String(clock.now().getTime() / 1000));
      const timestamp = call.headers['x-posassist-timestamp']!;
      expect(call.headers['x-posassist-signature']).toBe(signBody(SECRET, timestamp, call.body));
      expect(verifySignature(SECRET, call.body, call.headers['x-posassist-signature'], timestamp, { now: clock.now() })).toBe(true);

      const [after] = await worker.store.list();
      expect(after).toMatchObject({ attempts: 1, deliveredAt: clock.now(), lastError: null });
      expect(await worker.runOnce()).toEqual({ delivered: 0, failed: 0 });
      expect(calls).toHaveLength(1);
    });

    it('retries failures with backoff, recording attempts and the last error', async () => {
      const answers: (Response | Error)[] = [
        new Response('busy', { status: 503 }),
        Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }),
        new Response('{"ok":true}', { status: 200 }),
      ];
      const { fetch, calls } = scriptedFetch((_c, n) => answers[n - 1]!);
      const { worker, create, clock } = await setup({ fetch });
      await create();
      const t0 = clock.now().getTime();

      expect(await worker.runOnce()).toEqual({ delivered: 0, failed: 1 });
      let [row] = await worker.store.list();
      expect(row).toMatchObject({ attempts: 1, deliveredAt: null, lastError: 'HTTP 503: busy' });
      expect(row!.nextAttemptAt.getTime() - t0).toBe(1500); // base 2 s, jitter 0.5 → 1.5 s

      clock.advance(1499);
      expect(await worker.runOnce()).toEqual({ delivered: 0, failed: 0 }); // not due yet
      expect(calls).toHaveLength(1);
      clock.advance(1);
      expect(await worker.runOnce()).toEqual({ delivered: 0, failed: 1 });
      [row] = await worker.store.list();
      expect(row).toMatchObject({ attempts: 2, lastError: 'fetch failed: UND_ERR_SOCKET other side closed' });
      expect(row!.nextAttemptAt.getTime() - clock.now().getTime()).toBe(3000); // 4 s nominal

      clock.advance(3000);
      expect(await worker.runOnce()).toEqual({ delivered: 1, failed: 0 });
      [row] = await worker.store.list();
      expect(row).toMatchObject({ attempts: 3, deliveredAt: clock.now(), lastError: 'fetch failed: UND_ERR_SOCKET other side closed' });
      // The same body and key every time.
      expect(new Set(calls.map((c) => c.body)).size).toBe(1);
      expect(new Set(calls.map((c) => c.headers['idempotency-key'])).size).toBe(1);
    });

    it('gives up an attempt after the timeout', async () => {
      const { fetch } = scriptedFetch(() => 'hang');
      const { worker, create } = await setup({ fetch, timeoutMs: 50 });
      await create();
      expect(await worker.runOnce()).toEqual({ delivered: 0, failed: 1 });
      expect((await worker.store.list())[0]).toMatchObject({ attempts: 1, lastError: 'no answer within 50 ms', deliveredAt: null });
    });

    it("sends one request's messages in order, while other requests go ahead", async () => {
      let failFirst = true;
      const { fetch, calls } = scriptedFetch((call) => {
        if (failFirst && call.headers['idempotency-key']!.startsWith('request.created:') && calls.length === 1) {
          failFirst = false;
          return new Response('no', { status: 500 });
        }
        return new Response('ok');
      });
      const { worker, requests, create, clock } = await setup({ fetch });
      const a = await create();
      await requests.transition(a.id, 'needs_more_info', { actor: 'backoffice', reason: 'photo' });
      await requests.addSupplement(a.id, { note: 'here' });
      const b = await create();

      await worker.runOnce(); // a.created fails; a.supplemented must wait; b.created goes
      expect(calls.map((c) => c.headers['idempotency-key'])).toEqual([`request.created:${a.id}`, `request.created:${b.id}`]);
      clock.advance(60_000);
      await worker.runOnce(); // a.created delivered; a.supplemented was not eligible when the round read the rows
      await worker.runOnce();
      const keys = calls.map((c) => c.headers['idempotency-key']!);
      expect(keys.slice(2)).toEqual([`request.created:${a.id}`, expect.stringMatching(/^request\.supplemented:/)]);
      expect(await worker.store.counts()).toEqual({ pending: 0, delivered: 3 });
    });

    it('does not send a row another worker has claimed', async () => {
      const { fetch, calls } = scriptedFetch(() => new Response('ok'));
      const { worker, create, clock } = await setup({ fetch });
      await create();
      const [row] = await worker.store.list();
      expect(await worker.store.claim(row!, new Date(clock.now().getTime() + 60_000))).toBe(true);
      expect(await worker.store.claim(row!, new Date(clock.now().getTime() + 60_000))).toBe(false); // taken
      expect(await worker.runOnce()).toEqual({ delivered: 0, failed: 0 });
      expect(calls).toHaveLength(0);
      clock.advance(60_000); // the claim lapsed (its worker died)
      expect(await worker.runOnce()).toEqual({ delivered: 1, failed: 0 });
    });

    it('stop() cuts an attempt short and leaves the row due, without counting it', async () => {
      const { fetch, calls } = scriptedFetch(() => 'hang');
      const { worker, create, clock } = await setup({ fetch });
      await create();
      const before = (await worker.store.list())[0]!;
      expect(worker.start()).toBe(true);
      await vi.waitFor(() => expect(calls).toHaveLength(1));
      await worker.stop();
      expect(worker.running).toBe(false);
      const after = (await worker.store.list())[0]!;
      expect(after).toMatchObject({ attempts: 0, deliveredAt: null, lastError: null });
      expect(after.nextAttemptAt.getTime()).toBeLessThanOrEqual(clock.now().getTime());
      expect(after.nextAttemptAt).toEqual(before.nextAttemptAt);
    });

    it('wake() delivers a new request at once instead of at the next poll', async () => {
      const { fetch, calls } = scriptedFetch(() => new Response('ok'));
      const store = await temp.open();
      const worker = new OutboxWorker({ db: store.db, url: URL_, secret: SECRET, fetch, pollIntervalMs: 60_000 });
      const requests = new RequestStore(store.db, { onOutbox: () => worker.wake() });
      worker.start();
      await new Promise((r) => setTimeout(r, 50)); // the worker is asleep for a minute now
      await requests.create(cancelRequest());
      await vi.waitFor(() => expect(calls).toHaveLength(1), { timeout: 2000 });
      await vi.waitFor(async () => expect(await worker.store.counts()).toEqual({ pending: 0, delivered: 1 }));
      await worker.stop();
    });
  });
});
