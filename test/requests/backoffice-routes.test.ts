import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { safeEqual } from '../../src/requests/api-key.js';
import {
  backofficeRoutes,
  RequestStore,
  type BackofficeRouteOptions,
  type RequestEvent,
  type RequestRecord,
} from '../../src/requests/index.js';
import { cancelRequest, useTempDatabases } from './helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

// The real comparison, watched: the route must go through the constant-time function.
vi.mock('../../src/requests/api-key.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/requests/api-key.js')>();
  return { ...actual, safeEqual: vi.fn(actual.safeEqual) };
});

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);
  const API_KEY = 'bo-key-0123456789abcdef';

  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  beforeEach(() => {
    vi.mocked(safeEqual).mockClear();
  });

  async function serve(options: Partial<BackofficeRouteOptions> = {}) {
    const store = await temp.open();
    const requests = new RequestStore(store.db);
    const notify = vi.fn<(request: RequestRecord, event: RequestEvent) => Promise<void>>(async () => undefined);
    const filesDir = join(temp.dir(), 'files');
    app = Fastify({ logger: false });
    await app.register(backofficeRoutes, { requests: () => requests, apiKey: API_KEY, notify, filesDir, ...options });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const created = await requests.create(cancelRequest());
    if (created.duplicate) throw new Error('unexpected duplicate');
    const call = async (method: 'GET' | 'POST', path: string, init: { body?: unknown; raw?: string; key?: string | null; auth?: string } = {}) => {
      const headers: Record<string, string> = {};
      if (init.auth !== undefined) headers.authorization = init.auth;
      else if (init.key !== null) headers.authorization = `Bearer ${init.key ?? API_KEY}`;
      let body: string | undefined;
      if (init.raw !== undefined || init.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = init.raw ?? JSON.stringify(init.body);
      }
      const res = await fetch(`${address}${path}`, { method, headers, body });
      const bytes = Buffer.from(await res.arrayBuffer());
      const isJson = res.headers.get('content-type')?.startsWith('application/json') ?? false;
      return { status: res.status, headers: res.headers, bytes, json: isJson ? (JSON.parse(bytes.toString('utf8')) as any) : undefined };
    };
    return { requests, notify, call, request: created.request, filesDir };
  }

  describe('back-office API: authentication', () => {
    it('answers 503 with a clear code when no API key is configured', async () => {
      const { call, request } = await serve({ apiKey: undefined });
      for (const [method, path] of [
        ['POST', `/api/requests/${request.id}/status`],
        ['GET', `/api/requests/${request.id}`],
      ] as const) {
        const res = await call(method, path, { body: method === 'POST' ? { status: 'in_review' } : undefined });
        expect(res.status).toBe(503);
        expect(res.json.error.code).toBe('BACKOFFICE_NOT_CONFIGURED');
        expect(res.json.error.message).toContain('BACKOFFICE_API_KEY');
      }
    });

    it('answers 401 without the right bearer key, comparing in constant time', async () => {
      const { call, request, requests, notify } = await serve();
      const path = `/api/requests/${request.id}/status`;
      const cases: { key?: string | null; auth?: string }[] = [
        { key: null },
        { key: 'wrong' },
        { key: `${API_KEY}x` },
        { key: API_KEY.slice(0, -1) },
        { auth: `Basic ${API_KEY}` },
        { auth: API_KEY },
        { auth: 'Bearer ' },
      ];
      for (const c of cases) {
        const res = await call('POST', path, { body: { status: 'in_review' }, ...c });
        expect(res.status, JSON.stringify(c)).toBe(401);
        expect(res.json.error.code).toBe('BACKOFFICE_UNAUTHORIZED');
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
      expect((await call('GET', `/api/requests/${request.id}`, { key: 'wrong' })).status).toBe(401);
      expect((await requests.get(request.id))!.status).toBe('submitted');
      expect(notify).not.toHaveBeenCalled();

      // Every presented key went through safeEqual(candidate, configured key).
      expect(vi.mocked(safeEqual).mock.calls).toEqual([
        ['wrong', API_KEY],
        [`${API_KEY}x`, API_KEY],
        [API_KEY.slice(0, -1), API_KEY],
        ['wrong', API_KEY],
      ]);
      vi.mocked(safeEqual).mockClear();
      expect((await call('GET', `/api/requests/${request.id}`)).status).toBe(200);
      expect(vi.mocked(safeEqual)).toHaveBeenCalledExactlyOnceWith(API_KEY, API_KEY);
    });

    it('safeEqual compares whole strings of any length', () => {
      expect(safeEqual(API_KEY, API_KEY)).toBe(true);
      expect(safeEqual(API_KEY, `${API_KEY} `)).toBe(false);
      expect(safeEqual('', API_KEY)).toBe(false);
      expect(safeEqual('密钥', '密钥')).toBe(true);
    });
  });

  describe('back-office API: POST /api/requests/:id/status', () => {
    it('records the decision, notifies the merchant once and returns the request with its history', async () => {
      const { call, request, requests, notify } = await serve();
      const res = await call('POST', `/api/requests/${request.id}/status`, {
        body: { status: 'needs_more_info', reason: '签购单照片不清晰，请重新拍摄', actor: 'agent:王芳' },
      });
      expect(res.status).toBe(200);
      expect(res.json.request).toMatchObject({ id: request.id, ticket: request.ticket, status: 'needs_more_info', merchantId: request.merchantId });
      expect(res.json.request.conversationRef).toBeUndefined();
      expect(res.json.history.map((e: { from: string | null; to: string; actor: string }) => [e.from, e.to, e.actor])).toEqual([
        [null, 'submitted', 'bot'],
        ['submitted', 'needs_more_info', 'agent:王芳'],
      ]);
      expect(res.json.event).toMatchObject({ from: 'submitted', to: 'needs_more_info', reason: '签购单照片不清晰，请重新拍摄' });
      expect(res.json.notified).toBe(true);

      expect(notify).toHaveBeenCalledTimes(1);
      const [notifiedRequest, event] = notify.mock.calls[0]!;
      expect(notifiedRequest).toMatchObject({ id: request.id, status: 'needs_more_info', conversationRef: request.conversationRef, locale: 'zh-CN' });
      expect(event).toMatchObject({ requestId: request.id, from: 'submitted', to: 'needs_more_info', actor: 'agent:王芳', reason: '签购单照片不清晰，请重新拍摄' });
      expect(await requests.pendingNotifications()).toEqual([]); // marked as told

      // The actor defaults to the back office.
      const again = await call('POST', `/api/requests/${request.id}/status`, { body: { status: 'in_review' } });
      expect(again.json.event).toMatchObject({ from: 'needs_more_info', to: 'in_review', actor: 'backoffice', reason: null });
      expect(notify).toHaveBeenCalledTimes(2);
    });

    it('answers 404 for an unknown id', async () => {
      const { call, notify } = await serve();
      const res = await call('POST', '/api/requests/AAAAAAAAAAAAAAAAAAAAAA/status', { body: { status: 'in_review' } });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('REQUEST_NOT_FOUND');
      expect((await call('GET', '/api/requests/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
      expect(notify).not.toHaveBeenCalled();
    });

    it('answers 409 for a change the status machine does not allow', async () => {
      const { call, request, notify } = await serve();
      await call('POST', `/api/requests/${request.id}/status`, { body: { status: 'approved' } });
      await call('POST', `/api/requests/${request.id}/status`, { body: { status: 'closed' } });
      notify.mockClear();
      const res = await call('POST', `/api/requests/${request.id}/status`, { body: { status: 'in_review' } });
      expect(res.status).toBe(409);
      expect(res.json.error.code).toBe('REQUEST_INVALID_TRANSITION');
      expect(res.json.error.message).toContain('closed → in_review');
      // Closing again with another reason is no retry of the last change: still a 409.
      expect((await call('POST', `/api/requests/${request.id}/status`, { body: { status: 'closed', reason: '重复' } })).status).toBe(409);
      expect(notify).not.toHaveBeenCalled();
    });

    it('a retried change (its answer was lost) is answered as the change was: 200, the same event, no second notice', async () => {
      const { call, request, notify, requests } = await serve();
      const body = { status: 'rejected', reason: '超过受理期限 6222021234567890128', actor: 'agent:王芳' };
      const first = await call('POST', `/api/requests/${request.id}/status`, { body });
      expect(first.status).toBe(200);
      const retry = await call('POST', `/api/requests/${request.id}/status`, { body });
      expect(retry.status, JSON.stringify(retry.json)).toBe(200);
      expect(retry.json.repeated).toBe(true);
      expect(retry.json.event).toEqual(first.json.event);
      expect(retry.json.notified).toBe(true);
      expect(notify).toHaveBeenCalledTimes(1);
      expect((await requests.history(request.id)).map((e) => e.to)).toEqual(['submitted', 'rejected']);
      // The same status from someone else, or with another reason, is a new change (here not allowed).
      expect((await call('POST', `/api/requests/${request.id}/status`, { body: { ...body, actor: 'backoffice' } })).status).toBe(409);
      expect((await call('POST', `/api/requests/${request.id}/status`, { body: { ...body, reason: '另一个原因' } })).status).toBe(409);
    });

    it('answers 400 for a bad body', async () => {
      const { call, request, requests, notify } = await serve();
      const path = `/api/requests/${request.id}/status`;
      const cases: [{ body?: unknown; raw?: string }, string, RegExp][] = [
        [{ raw: '{"status":' }, 'REQUEST_INVALID', /JSON/i],
        [{ body: {} }, 'REQUEST_INVALID', /status/],
        [{ body: { status: 'done' } }, 'REQUEST_INVALID', /status must be one of/],
        [{ body: { status: 'rejected', reson: 'typo' } }, 'REQUEST_INVALID', /reson/],
        [{ body: { status: 'in_review', actor: 'merchant' } }, 'REQUEST_INVALID', /actor/],
        [{ body: { status: 'in_review', reason: 'x'.repeat(2001) } }, 'REQUEST_INVALID', /2000/],
        [{ body: ['in_review'] }, 'REQUEST_INVALID', /object/],
        [{ body: { status: 'rejected' } }, 'REQUEST_REASON_REQUIRED', /submitted → rejected/],
        [{ body: { status: 'needs_more_info', reason: '  ' } }, 'REQUEST_REASON_REQUIRED', /reason/],
      ];
      for (const [init, code, message] of cases) {
        const res = await call('POST', path, init);
        expect(res.status, JSON.stringify(init).slice(0, 60)).toBe(400);
        expect(res.json.error.code, JSON.stringify(init).slice(0, 60)).toBe(code);
        expect(res.json.error.message).toMatch(message);
      }
      expect((await requests.get(request.id))!.status).toBe('submitted');
      expect(notify).not.toHaveBeenCalled();
    });

    it('keeps the decision when notifying fails, and leaves it for a later retry', async () => {
      const { call, request, requests, notify } = await serve();
      notify.mockRejectedValueOnce(new Error('channel down'));
      const res = await call('POST', `/api/requests/${request.id}/status`, { body: { status: 'rejected', reason: '超过退货期限' } });
      expect(res.status).toBe(200);
      expect(res.json.notified).toBe(false);
      expect((await requests.get(request.id))!.status).toBe('rejected');
      const pending = await requests.pendingNotifications();
      expect(pending.map((p) => [p.request.id, p.event.to, p.event.reason])).toEqual([[request.id, 'rejected', '超过退货期限']]);
    });
  });

  describe('back-office API: reading', () => {
    it('GET /api/requests/:id returns the request, its history and supplements', async () => {
      const { call, request, requests } = await serve();
      await requests.transition(request.id, 'needs_more_info', { actor: 'backoffice', reason: 'photo' });
      await requests.addSupplement(request.id, { note: 'sent again' });
      const res = await call('GET', `/api/requests/${request.id}`);
      expect(res.status).toBe(200);
      expect(res.json.request).toMatchObject({ id: request.id, status: 'in_review', slots: request.slots, attachments: request.attachments });
      expect(res.json.history.map((e: { to: string }) => e.to)).toEqual(['submitted', 'needs_more_info', 'in_review']);
      expect(res.json.supplements).toMatchObject([{ note: 'sent again', actor: 'merchant', files: [] }]);
    });

    it("serves a request's own proof files, and only those", async () => {
      const { call, request, filesDir } = await serve();
      const attachment = request.attachments[0]!;
      mkdirSync(filesDir, { recursive: true });
      writeFileSync(join(filesDir, attachment.file), Buffer.from('89504e470d0a1a0a', 'hex'));
      writeFileSync(join(filesDir, `${'e'.repeat(64)}.png`), 'another request');

      const res = await call('GET', `/api/requests/${request.id}/files/${attachment.file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.bytes.toString('hex')).toBe('89504e470d0a1a0a');
      expect((await call('GET', `/api/requests/${request.id}/files/${'e'.repeat(64)}.png`)).status).toBe(404);
      expect((await call('GET', `/api/requests/${request.id}/files/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
      expect((await call('GET', `/api/requests/${request.id}/files/${attachment.file}`, { key: 'nope' })).status).toBe(401);
    });
  });
});
