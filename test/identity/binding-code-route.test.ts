/** The back office issues binding codes over its API (issue 15): real server, real HTTP on 127.0.0.1. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../webchat/helpers.js';

const KEY = 'k'.repeat(32);
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ BACKOFFICE_API_KEY: KEY });
});
afterAll(async () => {
  await ts?.destroy();
});

const issue = (merchantId: string, key: string | null = KEY) =>
  fetch(`${ts.url}/api/merchants/${encodeURIComponent(merchantId)}/binding-codes`, { method: 'POST', headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('POST /api/merchants/{id}/binding-codes', () => {
  it('issues a one-time code (201, no-store) that binds whoever sends it', async () => {
    const res = await issue('898310048160123');
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { merchantId: string; code: string; expiresAt: string };
    expect(body).toEqual({ merchantId: '898310048160123', code: expect.stringMatching(/^\d{8}$/), expiresAt: expect.any(String) });
    const identities = ts.server.runtime()!.identities;
    expect(await identities.redeem({ channelId: 'webchat', userId: 'dl_me' }, body.code)).toEqual({ ok: true, merchantId: '898310048160123', method: 'binding_code' });
  });

  it('needs the back office key, and a merchant ID', async () => {
    expect((await issue('898310048160123', null)).status).toBe(401);
    expect((await issue('898310048160123', 'x'.repeat(32))).status).toBe(401);
    const bad = await issue('8983 not an id');
    expect(bad.status).toBe(400);
  });
});
