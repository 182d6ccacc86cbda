/**
 * Who may do what: a token opens only its own conversation (every route, the stream, the files); expired,
 * forged and foreign tokens are refused; the Direct Line secret never leaves the server.
 */
import { statSync } from 'node:fs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  StreamClient,
  bearer,
  call,
  getActivities,
  jsonPost,
  makePng,
  openConversation,
  pageToken,
  postActivity,
  sha256,
  signingKey,
  startTestServer,
  upload,
  uploadForm,
  type Conversation,
  type TestServer,
} from './helpers.js';

let ts: TestServer;
let a: Conversation;
let b: Conversation;
const png = makePng([200, 100, 50]);
let fileOfB: string;

beforeAll(async () => {
  ts = await startTestServer({ DIRECTLINE_TOKEN_TTL_SECONDS: '60', WEBCHAT_TOKENS_PER_MINUTE: '1000' });
  a = await openConversation(ts);
  b = await openConversation(ts);
  const res = await upload(ts, b, uploadForm({ type: 'message', text: 'b' }, [{ bytes: makePng([9, 9, 9]), name: 'b.png', type: 'image/png' }]));
  expect(res.status).toBe(200);
  fileOfB = `${ts.dl}/conversations/${b.conversationId}/files/${sha256(makePng([9, 9, 9]))}.png`;
});

afterAll(async () => {
  await ts?.destroy();
});

/** A token signed with `key` (the server's own key unless given) with the given claims. */
async function signToken(claims: { conv?: unknown; sub?: string; iss?: string; aud?: string; iat?: number; exp?: number }, key = signingKey(ts.dataDir)): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims.conv === undefined ? {} : { conv: claims.conv })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(claims.iss ?? 'pos-assist')
    .setAudience(claims.aud ?? 'directline')
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + 60);
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  return jwt.sign(key);
}

/** Every HTTP route of conversation `target`, called with `token`; returns [route, status, code]. */
async function everyRoute(target: Conversation, token: string): Promise<[string, number, string | undefined][]> {
  const base = `${ts.dl}/conversations/${target.conversationId}`;
  const form = uploadForm({ type: 'message', text: 'x' }, [{ bytes: png, name: 'p.png', type: 'image/png' }]);
  const calls: [string, Promise<{ status: number; body: any }>][] = [
    ['GET conversation', call(`${base}?watermark=0`, { headers: bearer(token) })],
    ['GET activities', call(`${base}/activities`, { headers: bearer(token) })],
    ['POST activities', call(`${base}/activities`, jsonPost(token, { type: 'message', text: '你好' }))],
    ['POST upload', call(`${base}/upload?userId=${target.userId}`, { method: 'POST', headers: bearer(token), body: form })],
    ['GET file (bearer)', call(fileOfB.replace(b.conversationId, target.conversationId), { headers: bearer(token) })],
    ['GET file (?t=)', call(`${fileOfB.replace(b.conversationId, target.conversationId)}?t=${encodeURIComponent(token)}`)],
  ];
  const out: [string, number, string | undefined][] = [];
  for (const [name, p] of calls) {
    const res = await p;
    out.push([name, res.status, res.body?.error?.code]);
  }
  return out;
}

async function streamClose(conversationId: string, token: string): Promise<{ code: number; reason: string }> {
  const stream = StreamClient.connect(`${ts.dl.replace(/^http/, 'ws')}/conversations/${conversationId}/stream?t=${encodeURIComponent(token)}`);
  try {
    return await stream.whenClosed();
  } finally {
    await stream.close();
  }
}

describe('a token opens only its own conversation', () => {
  it('A\'s token on every route of B: 403 DL_FORBIDDEN', async () => {
    const results = await everyRoute(b, a.token);
    expect(results).toEqual(results.map(([name]) => [name, 403, 'DL_FORBIDDEN']));
    const res = await call(`${ts.dl}/conversations/${b.conversationId}/activities`, { headers: bearer(a.token) });
    expect(res.body.error.message).toBe('无权访问这个会话。');
    // Nothing was written to B.
    const { activities } = await getActivities(ts, b);
    expect(activities.filter((x) => x.from.role === 'user').map((x) => x.text)).toEqual(['b']);
  });

  it('the same routes with B\'s own token succeed (the 403 above is about scope, not the routes)', async () => {
    const results = await everyRoute(b, b.token);
    for (const [name, status] of results) expect(status, name).toBe(200);
  });

  it('the stream of B with A\'s token closes with 4403', async () => {
    const closed = await streamClose(b.conversationId, a.token);
    expect(closed).toEqual({ code: 4403, reason: 'DL_FORBIDDEN' });
  });

  it('a file uploaded in A is not served in B, even with B\'s valid token — until B uploads it too', async () => {
    const shared = makePng([1, 77, 3]);
    const name = `${sha256(shared)}.png`;
    const upA = await upload(ts, a, uploadForm({ type: 'message' }, [{ bytes: shared, name: 'same.png', type: 'image/png' }]));
    expect(upA.status).toBe(200);
    const inA = await fetch(`${ts.dl}/conversations/${a.conversationId}/files/${name}`, { headers: bearer(a.token) });
    expect(inA.status).toBe(200);
    const inB = await call(`${ts.dl}/conversations/${b.conversationId}/files/${name}`, { headers: bearer(b.token) });
    expect(inB.status).toBe(404);
    expect(inB.body.error.code).toBe('DL_NOT_FOUND');

    const upB = await upload(ts, b, uploadForm({ type: 'message' }, [{ bytes: shared, name: 'same.png', type: 'image/png' }]));
    expect(upB.status).toBe(200);
    const nowInB = await fetch(`${ts.dl}/conversations/${b.conversationId}/files/${name}`, { headers: bearer(b.token) });
    expect(nowInB.status).toBe(200);
    expect(Buffer.from(await nowInB.arrayBuffer()).equals(shared)).toBe(true);
  });

  it('the sender is always the token\'s user, whatever the body claims', async () => {
    const res = await postActivity(ts, a, { type: 'message', text: '你好', from: { id: b.userId, role: 'bot', name: 'x' } });
    expect(res.status).toBe(200);
    const { activities } = await getActivities(ts, a);
    expect(activities.find((x) => x.id === res.body.id)?.from).toMatchObject({ id: a.userId, role: 'user' });
  });
});

describe('expired, forged and foreign tokens', () => {
  it('issues tokens that live DIRECTLINE_TOKEN_TTL_SECONDS and carry no more than conversation and user', async () => {
    const t = await pageToken(ts.url);
    expect(t.expires_in).toBe(60);
    const claims = decodeJwt(t.token);
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(claims).toMatchObject({ conv: t.conversationId, sub: t.userId, iss: 'pos-assist', aud: 'directline' });
  });

  it('an expired token gets 403 DL_TOKEN_EXPIRED on every route (what directlinejs reads as expired), and the stream closes with 4403', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await signToken({ conv: a.conversationId, sub: a.userId, iat: now - 120, exp: now - 60 });
    // Control: the same signing with a future expiry is accepted — so the 403 below is about `exp` only.
    const valid = await signToken({ conv: a.conversationId, sub: a.userId });
    expect((await call(`${ts.dl}/conversations/${a.conversationId}/activities`, { headers: bearer(valid) })).status).toBe(200);

    const results = await everyRoute(a, expired);
    expect(results).toEqual(results.map(([name]) => [name, 403, 'DL_TOKEN_EXPIRED']));
    for (const [path, init] of [
      ['/tokens/refresh', { method: 'POST', headers: bearer(expired) }],
      ['/conversations', jsonPost(expired, {})],
    ] as const) {
      const res = await call(`${ts.dl}${path}`, init);
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe('DL_TOKEN_EXPIRED');
    }
    const zh = await call(`${ts.dl}/conversations/${a.conversationId}/activities`, { headers: bearer(expired) });
    expect(zh.body.error.message).toBe('会话已过期，请刷新页面重新开始。');
    const en = await call(`${ts.dl}/conversations/${a.conversationId}/activities`, { headers: bearer(expired, { 'accept-language': 'en' }) });
    expect(en.body.error.message).toBe('Your session has expired; please reload the page to start again.');
    expect(await streamClose(a.conversationId, expired)).toEqual({ code: 4403, reason: 'DL_TOKEN_EXPIRED' });
  });

  it('garbage, another key, alg none, wrong audience or issuer, missing claims: 401 DL_UNAUTHORIZED', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const otherKey = new Uint8Array(32).fill(7);
    const cases: Record<string, string> = {
      garbage: 'not-a-token',
      'three dots': 'a.b.c',
      'another key': await signToken({ conv: a.conversationId, sub: a.userId }, otherKey),
      'alg none': `${b64({ alg: 'none' })}.${b64({ conv: a.conversationId, sub: a.userId, iss: 'pos-assist', aud: 'directline', exp: now + 60 })}.`,
      'wrong audience': await signToken({ conv: a.conversationId, sub: a.userId, aud: 'someone-else' }),
      'wrong issuer': await signToken({ conv: a.conversationId, sub: a.userId, iss: 'evil' }),
      'no conversation claim': await signToken({ sub: a.userId }),
      'conversation not a string': await signToken({ conv: 42, sub: a.userId }),
      'no subject': await signToken({ conv: a.conversationId }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await call(`${ts.dl}/conversations/${a.conversationId}/activities`, { headers: bearer(token) });
      expect(res.status, name).toBe(401);
      expect(res.body.error.code, name).toBe('DL_UNAUTHORIZED');
    }
    expect((await streamClose(a.conversationId, 'not-a-token')).code).toBe(4401);
    const basic = await call(`${ts.dl}/conversations/${a.conversationId}/activities`, { headers: { authorization: `Basic ${a.token}` } });
    expect(basic.status).toBe(401);
  });

  it('a token of another server (another data directory, another key) is refused', async () => {
    const other = await startTestServer({});
    try {
      const foreign = await openConversation(other);
      const res = await call(`${ts.dl}/conversations/${foreign.conversationId}/activities`, { headers: bearer(foreign.token) });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('DL_UNAUTHORIZED');
      // …even for a conversation that exists here.
      const forged = await signToken({ conv: a.conversationId, sub: a.userId }, signingKey(other.dataDir));
      expect((await call(`${ts.dl}/conversations/${a.conversationId}/activities`, { headers: bearer(forged) })).status).toBe(401);
    } finally {
      await other.destroy();
    }
  });

  it('keeps its signing key private: 32 random bytes, file mode 0600', () => {
    const key = signingKey(ts.dataDir);
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(new Set(key).size).toBeGreaterThan(8);
    expect(statSync(join(ts.dataDir, 'secrets', 'directline-signing.key')).mode & 0o777).toBe(0o600);
  });
});

describe('the Direct Line secret never reaches a page or a client', () => {
  const SECRET = 'very-secret-directline-key-4f7e1a';
  let secretServer: TestServer;
  let publicDir: string;

  beforeAll(async () => {
    // A demo page and widget as the build would place them: what the server serves must be the file as is.
    publicDir = mkdtempSync(join(tmpdir(), 'pos-assist-public-'));
    mkdirSync(publicDir, { recursive: true });
    writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>POS Assist</title><script src="/widget.js"></script>');
    writeFileSync(join(publicDir, 'widget.js'), 'fetch("/api/webchat/token",{method:"POST"});');
    secretServer = await startTestServer({ DIRECTLINE_SECRET: SECRET, WEBCHAT_TOKENS_PER_MINUTE: '1000' }, { publicDir });
  });

  afterAll(async () => {
    await secretServer?.destroy();
    rmSync(publicDir, { recursive: true, force: true });
  });

  it('is in no page, no token-route or Direct Line response, no token, no error', async () => {
    const s = secretServer;
    const texts: string[] = [];
    const keep = async (p: Promise<{ status: number; text: string; headers: Headers }>) => {
      const res = await p;
      texts.push(res.text, JSON.stringify([...res.headers.entries()]));
      return res;
    };
    expect((await keep(call(`${s.url}/`))).status).toBe(200);
    expect((await keep(call(`${s.url}/widget.js`))).status).toBe(200);
    await keep(call(`${s.url}/healthz`));
    await keep(call(`${s.url}/readyz`));
    const page = await keep(call(`${s.url}/api/webchat/token`, { method: 'POST', headers: { origin: 'http://localhost:5173' } }));
    const token = JSON.parse(page.text).token as string;
    const conversationId = JSON.parse(page.text).conversationId as string;
    await keep(call(`${s.dl}/conversations`, jsonPost(token, {})));
    await keep(call(`${s.dl}/tokens/refresh`, { method: 'POST', headers: bearer(token) }));
    await keep(call(`${s.dl}/conversations/${conversationId}?watermark=0`, { headers: bearer(token) }));
    await keep(call(`${s.dl}/conversations/${conversationId}/activities`, { headers: bearer(token) }));
    const generated = await keep(call(`${s.dl}/tokens/generate`, { method: 'POST', headers: bearer(SECRET) }));
    expect(generated.status).toBe(200);
    const viaSecret = await keep(call(`${s.dl}/conversations`, jsonPost(SECRET, {})));
    expect(viaSecret.status).toBe(201);
    // Errors: a near-miss secret, the secret from a page origin on the token route, a bad secret config.
    await keep(call(`${s.dl}/tokens/generate`, { method: 'POST', headers: bearer(`${SECRET}0`) }));
    await keep(call(`${s.url}/api/webchat/token`, { method: 'POST', headers: { origin: 'https://evil.example', authorization: `Bearer ${SECRET}` } }));
    await keep(call(`${s.url}/nope`));

    const tokens = texts.flatMap((t) => t.match(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g) ?? []);
    expect(tokens.length).toBeGreaterThan(3);
    for (const t of tokens) texts.push(JSON.stringify(decodeJwt(t)));
    const forms = [SECRET, Buffer.from(SECRET).toString('base64'), Buffer.from(SECRET).toString('base64url'), encodeURIComponent(SECRET)];
    for (const text of texts) for (const form of forms) expect(text).not.toContain(form);
  });
});
