/**
 * Every Direct Line route and the page's token route, against a real server over real HTTP and a real
 * WebSocket: the shapes a Direct Line client relies on (ids, watermarks, echo, stream frames, uploads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVITY_PART_TYPE,
  LOCAL_ORIGIN,
  StreamClient,
  bearer,
  botMessages,
  call,
  clientActivityId,
  getActivities,
  jsonPost,
  makePng,
  openConversation,
  pageToken,
  postActivity,
  say,
  sha256,
  startTestServer,
  upload,
  uploadForm,
  waitFor,
  waitForReply,
  type TestServer,
} from './helpers.js';

const SECRET = 'dl-secret-for-tests-0123456789';
const QUESTION = 'POS机已经结算了还能撤销交易吗';

let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer({
    DIRECTLINE_SECRET: SECRET,
    WEBCHAT_TOKENS_PER_MINUTE: '1000',
    WEBCHAT_MESSAGES_PER_MINUTE: '1000',
    WEBCHAT_ALLOWED_ORIGINS: 'https://shop.example.com',
  });
});

afterAll(async () => {
  await ts?.destroy();
});

// ── Health ───────────────────────────────────────────────────────────────────────────────────────────

describe('health', () => {
  it('/healthz answers 200 and /readyz 200 with the chunk count once ready', async () => {
    const health = await call(`${ts.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await call(`${ts.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.chunks).toBeGreaterThan(50);
  });
});

// ── The page's token route ───────────────────────────────────────────────────────────────────────────

describe('POST /api/webchat/token', () => {
  const tokenCall = (headers: Record<string, string>) =>
    call(`${ts.url}/api/webchat/token`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

  it('gives a page on localhost a token bound to a new conversation, never cached', async () => {
    const res = await tokenCall({ origin: LOCAL_ORIGIN });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ conversationId: expect.any(String), userId: expect.any(String), token: expect.any(String), expires_in: 1800 });
    expect(res.body.conversationId).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(res.body.userId).toMatch(/^dl_[A-Za-z0-9]{22}$/);
    // The token works on Direct Line for that conversation.
    const conv = await call(`${ts.dl}/conversations`, jsonPost(res.body.token, {}));
    expect(conv.status).toBe(201);
    expect(conv.body.conversationId).toBe(res.body.conversationId);
  });

  it('accepts 127.0.0.1 on any port and the configured allowed origins', async () => {
    expect((await tokenCall({ origin: 'http://127.0.0.1:5173' })).status).toBe(200);
    expect((await tokenCall({ origin: 'https://shop.example.com' })).status).toBe(200);
  });

  it('refuses another site with 403 WEBCHAT_ORIGIN_FORBIDDEN (and no CORS header)', async () => {
    for (const origin of ['https://evil.example', 'https://shop.example.com.evil.example', 'null']) {
      const res = await tokenCall({ origin });
      expect(res.status, origin).toBe(403);
      expect(res.body.error.code).toBe('WEBCHAT_ORIGIN_FORBIDDEN');
      expect(res.body.error.message).toBe('此网页未被允许使用在线客服。');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.text).not.toMatch(/token/i);
    }
    const en = await tokenCall({ origin: 'https://evil.example', 'accept-language': 'en-US,en;q=0.9' });
    expect(en.body.error.message).toBe('This page is not allowed to use the chat.');
  });

  it('refuses a call without Origin with 403', async () => {
    const res = await tokenCall({});
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('WEBCHAT_ORIGIN_FORBIDDEN');
  });
});

describe('token route rate limit and a server without a secret', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ WEBCHAT_TOKENS_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await limited?.destroy();
  });

  it('answers 429 DL_RATE_LIMITED with Retry-After after WEBCHAT_TOKENS_PER_MINUTE tokens from one address', async () => {
    const post = () =>
      call(`${limited.url}/api/webchat/token`, { method: 'POST', headers: { origin: LOCAL_ORIGIN, 'content-type': 'application/json' }, body: '{}' });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    const third = await post();
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('DL_RATE_LIMITED');
    const retryAfter = Number(third.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(third.body.error.message).toContain(`${retryAfter} 秒`);
  });

  it('tokens/generate answers 401 when no secret is configured, whatever is presented', async () => {
    for (const credential of ['', 'Bearer ', `Bearer ${SECRET}`, 'Bearer not-a-secret-at-all-0000']) {
      const res = await call(`${limited.dl}/tokens/generate`, { method: 'POST', headers: credential ? { authorization: credential } : {} });
      expect(res.status, credential).toBe(401);
      expect(res.body.error.code).toBe('DL_UNAUTHORIZED');
    }
  });
});

// ── Tokens ───────────────────────────────────────────────────────────────────────────────────────────

describe('POST /v3/directline/tokens/generate', () => {
  it('with the secret: 200 {conversationId, token, expires_in} for a new conversation', async () => {
    const res = await call(`${ts.dl}/tokens/generate`, { method: 'POST', headers: bearer(SECRET) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ conversationId: expect.any(String), token: expect.any(String), expires_in: 1800 });
    const again = await call(`${ts.dl}/tokens/generate`, { method: 'POST', headers: bearer(SECRET) });
    expect(again.body.conversationId).not.toBe(res.body.conversationId);
    // The token opens exactly that conversation.
    const conv = await call(`${ts.dl}/conversations`, jsonPost(res.body.token, {}));
    expect(conv.status).toBe(201);
    expect(conv.body.conversationId).toBe(res.body.conversationId);
  });

  it('keeps a user id the caller asks for when it is well-formed', async () => {
    const res = await call(`${ts.dl}/tokens/generate`, jsonPost(SECRET, { user: { id: 'merchant-42' } }));
    expect(res.status).toBe(200);
    expect(res.body.userId).toBe('merchant-42');
    const odd = await call(`${ts.dl}/tokens/generate`, jsonPost(SECRET, { user: { id: '<script>' } }));
    expect(odd.body.userId).toMatch(/^dl_/);
  });

  it('answers 401 to a wrong secret, no credential, or a token', async () => {
    const wrong = await call(`${ts.dl}/tokens/generate`, { method: 'POST', headers: bearer(`${SECRET}x`) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('DL_UNAUTHORIZED');
    const none = await call(`${ts.dl}/tokens/generate`, { method: 'POST' });
    expect(none.status).toBe(401);
    const { token } = await pageToken(ts.url);
    const withToken = await call(`${ts.dl}/tokens/generate`, { method: 'POST', headers: bearer(token) });
    expect(withToken.status).toBe(401);
  });
});

describe('POST /v3/directline/tokens/refresh', () => {
  it('gives a new token for the same conversation, which works', async () => {
    const conv = await openConversation(ts);
    await new Promise((r) => setTimeout(r, 1100)); // a new `iat`, so the token must differ for real
    const res = await call(`${ts.dl}/tokens/refresh`, { method: 'POST', headers: bearer(conv.token) });
    expect(res.status).toBe(200);
    expect(res.body.conversationId).toBe(conv.conversationId);
    expect(res.body.expires_in).toBe(1800);
    expect(res.body.token).not.toBe(conv.token);
    const fresh = { conversationId: conv.conversationId, token: res.body.token as string };
    const posted = await say(ts, fresh, '你好');
    const activities = await waitForReply(ts, fresh, posted.id);
    expect(activities.find((a) => a.id === posted.id)?.from.id).toBe(conv.userId);
  });

  it('refuses the secret (400) and a missing credential (401)', async () => {
    expect((await call(`${ts.dl}/tokens/refresh`, { method: 'POST', headers: bearer(SECRET) })).status).toBe(400);
    expect((await call(`${ts.dl}/tokens/refresh`, { method: 'POST' })).status).toBe(401);
  });
});

// ── Conversations ────────────────────────────────────────────────────────────────────────────────────

describe('POST /v3/directline/conversations', () => {
  it('201 the first time (the bot greets), 200 for the same token again, with a streamUrl carrying a token', async () => {
    const t = await pageToken(ts.url);
    const first = await call(`${ts.dl}/conversations`, jsonPost(t.token, {}));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ conversationId: t.conversationId, token: expect.any(String), expires_in: 1800 });
    const stream = new URL(first.body.streamUrl as string);
    expect(stream.protocol).toBe('ws:');
    expect(stream.host).toBe(new URL(ts.url).host);
    expect(stream.pathname).toBe(`/v3/directline/conversations/${t.conversationId}/stream`);
    expect(stream.searchParams.get('t')).toBe(first.body.token);

    const greeting = await waitFor(async () => botMessages((await getActivities(ts, t)).activities)[0], 'the greeting');
    expect(greeting.text).toContain('POS Assist');
    expect(greeting.suggestedActions?.actions.length).toBeGreaterThan(0);

    const second = await call(`${ts.dl}/conversations`, jsonPost(t.token, {}));
    expect(second.status).toBe(200);
    expect(second.body.conversationId).toBe(t.conversationId);
    await new Promise((r) => setTimeout(r, 300));
    expect(botMessages((await getActivities(ts, t)).activities)).toHaveLength(1); // greeted once
  });

  it('greets in English when the client starts with locale en', async () => {
    const t = await pageToken(ts.url);
    expect((await call(`${ts.dl}/conversations`, jsonPost(t.token, { locale: 'en-US' }))).status).toBe(201);
    const greeting = await waitFor(async () => botMessages((await getActivities(ts, t)).activities)[0], 'the greeting');
    expect(greeting.text).toContain("Hello, I'm POS Assist");
  });

  it('with the secret: a new conversation each call, with a token of its own', async () => {
    const a = await call(`${ts.dl}/conversations`, jsonPost(SECRET, {}));
    const b = await call(`${ts.dl}/conversations`, jsonPost(SECRET, {}));
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.conversationId).not.toBe(b.body.conversationId);
    expect(a.body.token).not.toBe(SECRET);
    const list = await getActivities(ts, { conversationId: a.body.conversationId, token: a.body.token });
    expect(list.activities).toBeDefined();
    const cross = await call(`${ts.dl}/conversations/${b.body.conversationId}/activities`, { headers: bearer(a.body.token) });
    expect(cross.status).toBe(403);
  });

  it('answers 401 without a credential', async () => {
    const res = await call(`${ts.dl}/conversations`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('DL_UNAUTHORIZED');
  });
});

describe('GET /v3/directline/conversations/{id}', () => {
  it('reconnects: a fresh token and a streamUrl that carries the watermark', async () => {
    const conv = await openConversation(ts);
    const res = await call(`${ts.dl}/conversations/${conv.conversationId}?watermark=3`, { headers: bearer(conv.token) });
    expect(res.status).toBe(200);
    expect(res.body.conversationId).toBe(conv.conversationId);
    expect(res.body.expires_in).toBe(1800);
    const stream = new URL(res.body.streamUrl as string);
    expect(stream.searchParams.get('watermark')).toBe('3');
    expect(stream.searchParams.get('t')).toBe(res.body.token);
    const noWm = await call(`${ts.dl}/conversations/${conv.conversationId}`, { headers: bearer(conv.token) });
    expect(new URL(noWm.body.streamUrl as string).searchParams.has('watermark')).toBe(false);
  });

  it('400 for a watermark that is not a number; 404 for an unknown conversation (secret)', async () => {
    const conv = await openConversation(ts);
    const bad = await call(`${ts.dl}/conversations/${conv.conversationId}?watermark=abc`, { headers: bearer(conv.token) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('DL_BAD_REQUEST');
    const unknown = await call(`${ts.dl}/conversations/NoSuchConversation0000000`, { headers: bearer(SECRET) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('DL_NOT_FOUND');
  });
});

// ── Activities ───────────────────────────────────────────────────────────────────────────────────────

describe('POST and GET /v3/directline/conversations/{id}/activities', () => {
  it("echoes the user's message (server-decided sender) and the bot answers it with a citation", async () => {
    const conv = await openConversation(ts);
    const clientId = clientActivityId();
    const posted = await postActivity(ts, conv, {
      type: 'message',
      from: { id: 'someone-else', role: 'bot' },
      text: QUESTION,
      locale: 'zh-CN',
      channelData: { clientActivityID: clientId },
    });
    expect(posted.status).toBe(200);
    expect(posted.body).toEqual({ id: expect.any(String) });
    expect(posted.body.id).toContain(conv.conversationId);

    const activities = await waitForReply(ts, conv, posted.body.id);
    const echoIndex = activities.findIndex((a) => a.id === posted.body.id);
    const echo = activities[echoIndex]!;
    expect(echo.type).toBe('message');
    expect(echo.text).toBe(QUESTION);
    expect(echo.channelData).toEqual({ clientActivityID: clientId });
    expect(echo.from).toMatchObject({ id: conv.userId, role: 'user' });
    expect(echo.conversation.id).toBe(conv.conversationId);
    expect(echo.timestamp).toEqual(expect.any(String));

    const answer = activities.find((a) => a.replyToId === posted.body.id && a.type === 'message')!;
    expect(activities.indexOf(answer)).toBeGreaterThan(echoIndex);
    expect(answer.text).toContain('只能做退货');
    expect(answer.text).toContain('来源：《撤销与退货的区别》');
    expect(answer.id).toEqual(expect.any(String));
    expect(answer.id).not.toBe(posted.body.id);
    expect(Number.isNaN(Date.parse(String(answer.timestamp)))).toBe(false);
    expect(answer.from.role).toBe('bot');
    expect(answer.conversation.id).toBe(conv.conversationId);
    expect(answer.recipient?.id).toBe(conv.userId);
    // Every bot activity carries id, timestamp and role.
    for (const a of botMessages(activities)) {
      expect(a.id).toBeTruthy();
      expect(a.timestamp).toBeTruthy();
      expect(a.from.role).toBe('bot');
    }
  });

  it('watermarks are increasing numeric strings; ?watermark=W returns only what came after W', async () => {
    const conv = await openConversation(ts);
    const first = await say(ts, conv, QUESTION);
    await waitForReply(ts, conv, first.id);
    const all = await getActivities(ts, conv);
    expect(all.watermark).toMatch(/^\d+$/);
    expect(Number(all.watermark)).toBe(all.activities.length);
    const ids = all.activities.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);

    for (let w = 0; w <= all.activities.length; w++) {
      const after = await getActivities(ts, conv, String(w));
      expect(after.activities.map((a) => a.id)).toEqual(ids.slice(w));
      expect(after.watermark).toBe(all.watermark);
    }

    const second = await say(ts, conv, '退货报25是什么意思');
    await waitForReply(ts, conv, second.id);
    const next = await getActivities(ts, conv, all.watermark);
    expect(Number(next.watermark)).toBeGreaterThan(Number(all.watermark));
    expect(next.activities[0]!.id).toBe(second.id);
    expect(next.activities.some((a) => a.replyToId === second.id && /返回码25/.test(a.text ?? ''))).toBe(true);
    expect(next.activities.some((a) => ids.includes(a.id))).toBe(false);
  });

  it('refuses attachments in the body, unknown activity types, and non-string text (400)', async () => {
    const conv = await openConversation(ts);
    const withFile = await postActivity(ts, conv, { type: 'message', text: 'x', attachments: [{ contentType: 'image/png', contentUrl: 'https://evil.example/a.png' }] });
    expect(withFile.status).toBe(400);
    expect(withFile.body.error.code).toBe('DL_BAD_REQUEST');
    expect((await postActivity(ts, conv, { type: 'conversationUpdate', membersAdded: [] })).status).toBe(400);
    expect((await postActivity(ts, conv, { type: 'message', text: 42 })).status).toBe(400);
  });

  it('typing is accepted and never stored; an event is stored', async () => {
    const conv = await openConversation(ts);
    const typing = await postActivity(ts, conv, { type: 'typing' });
    expect(typing.status).toBe(200);
    const event = await postActivity(ts, conv, { type: 'event', name: 'webchat/join', value: { a: 1 } });
    expect(event.status).toBe(200);
    expect(event.body.id).toBeTruthy();
    const { activities } = await getActivities(ts, conv);
    expect(activities.some((a) => a.type === 'typing')).toBe(false);
    expect(activities.find((a) => a.id === event.body.id)).toMatchObject({ type: 'event', name: 'webchat/join', value: { a: 1 } });
  });
});

// ── Stream ───────────────────────────────────────────────────────────────────────────────────────────

describe('WebSocket stream', () => {
  it('delivers {activities, watermark} frames: greeting, echo, answer — in order, once each — and resumes from a watermark', async () => {
    const conv = await openConversation(ts);
    const stream = StreamClient.connect(conv.streamUrl);
    try {
      await stream.waitForActivity((a) => a.from.role === 'bot', 'the greeting');
      const posted = await say(ts, conv, QUESTION);
      await stream.waitForActivity((a) => a.replyToId === posted.id, 'the answer on the stream');
      await new Promise((r) => setTimeout(r, 300)); // anything extra (a duplicate) would arrive now

      for (const frame of stream.frames) {
        expect(Array.isArray(frame.activities)).toBe(true);
        if (frame.activities.some((a) => a.type !== 'typing')) expect(frame.watermark).toMatch(/^\d+$/);
      }
      const stored = stream.frames.filter((f) => f.activities.some((a) => a.type !== 'typing'));
      const marks = stored.map((f) => Number(f.watermark));
      expect([...marks].sort((a, b) => a - b)).toEqual(marks);
      expect(new Set(marks).size).toBe(marks.length);

      const received = stream.activities();
      const ids = received.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
      const all = await getActivities(ts, conv);
      expect(ids).toEqual(all.activities.map((a) => a.id));
      expect(received[0]!.from.role).toBe('bot');
      expect(received[1]).toMatchObject({ id: posted.id, from: { role: 'user', id: conv.userId }, text: QUESTION });
      expect(received.at(-1)).toMatchObject({ replyToId: posted.id, from: { role: 'bot' } });
      expect(received.at(-1)!.text).toContain('只能做退货');

      // A new connection from the greeting's watermark gets only what came after it.
      const greetingMark = String(stored[0]!.watermark);
      const reconnect = await call(`${ts.dl}/conversations/${conv.conversationId}?watermark=${greetingMark}`, { headers: bearer(conv.token) });
      const resumed = StreamClient.connect(reconnect.body.streamUrl as string);
      try {
        await resumed.waitForActivity((a) => a.replyToId === posted.id, 'the answer on the resumed stream');
        await new Promise((r) => setTimeout(r, 200));
        expect(resumed.activities().map((a) => a.id)).toEqual(ids.slice(1));
      } finally {
        await resumed.close();
      }
    } finally {
      await stream.close();
    }
  });

  it('accepts the client\'s empty pings and keeps the socket open', async () => {
    const conv = await openConversation(ts);
    const stream = StreamClient.connect(conv.streamUrl);
    try {
      await stream.waitForActivity((a) => a.from.role === 'bot', 'the greeting');
      stream.ws.send('');
      stream.ws.send('');
      const posted = await say(ts, conv, '你好');
      await stream.waitForActivity((a) => a.replyToId === posted.id, 'the reply after pings');
      expect(stream.closed).toBeUndefined();
    } finally {
      await stream.close();
    }
  });

  it('closes with 4401 without a token', async () => {
    const conv = await openConversation(ts);
    const url = new URL(conv.streamUrl);
    url.searchParams.delete('t');
    const stream = StreamClient.connect(url.toString());
    expect((await stream.whenClosed()).code).toBe(4401);
  });
});

// ── Upload and files ─────────────────────────────────────────────────────────────────────────────────

describe('upload and files', () => {
  it('stores a real PNG; the echo links to it with a grant that opens it as is (the official Web Chat does); the plain route needs the bearer token or ?t=', async () => {
    const conv = await openConversation(ts);
    const png = makePng([10, 200, 30]);
    const clientId = clientActivityId();
    const res = await upload(
      ts,
      conv,
      uploadForm({ type: 'message', from: { id: conv.userId }, text: '签购单照片', channelData: { clientActivityID: clientId } }, [
        { bytes: png, name: 'photo.png', type: 'image/png' },
      ]),
    );
    expect(res.status).toBe(200);
    const id = res.body.id;
    const activities = await waitForReply(ts, conv, id);
    const echo = activities.find((a) => a.id === id)!;
    expect(echo.from).toMatchObject({ id: conv.userId, role: 'user' });
    expect(echo.text).toBe('签购单照片');
    expect(echo.channelData).toEqual({ clientActivityID: clientId });
    expect(echo.attachments).toHaveLength(1);
    const attachment = echo.attachments![0]!;
    expect(attachment.contentType).toBe('image/png');
    expect(attachment.name).toBe('photo.png');
    const plain = `${ts.dl}/conversations/${conv.conversationId}/files/${sha256(png)}.png`;
    const [, grant] = /\/files\/(\d+\.[A-Za-z0-9_-]{43})\/[0-9a-f]{64}\.png$/.exec(attachment.contentUrl!) ?? [];
    expect(attachment.contentUrl).toBe(`${ts.dl}/conversations/${conv.conversationId}/files/${grant}/${sha256(png)}.png`);
    // Valid for about a day.
    expect(Number(grant!.split('.')[0]) - Date.now() / 1000).toBeGreaterThan(23 * 3600);
    const asIs = await fetch(attachment.contentUrl!);
    expect(asIs.status).toBe(200);
    expect(Buffer.from(await asIs.arrayBuffer()).equals(png)).toBe(true);
    // A grant opens that file of that conversation only, unaltered and unexpired.
    const other = await openConversation(ts);
    const [exp, sig] = grant!.split('.');
    const tampered = `${sig!.slice(0, -1)}${sig!.endsWith('A') ? 'B' : 'A'}`;
    for (const url of [
      `${ts.dl}/conversations/${other.conversationId}/files/${grant}/${sha256(png)}.png`,
      `${ts.dl}/conversations/${conv.conversationId}/files/${exp}.${tampered}/${sha256(png)}.png`,
      `${ts.dl}/conversations/${conv.conversationId}/files/${Number(exp) + 3600}.${sig}/${sha256(png)}.png`,
      `${ts.dl}/conversations/${conv.conversationId}/files/${grant}/${'0'.repeat(64)}.png`,
    ]) {
      expect((await call(url)).status, url).toBe(403);
    }

    const withBearer = await fetch(plain, { headers: bearer(conv.token) });
    expect(withBearer.status).toBe(200);
    expect(withBearer.headers.get('content-type')).toBe('image/png');
    expect(withBearer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await withBearer.arrayBuffer()).equals(png)).toBe(true);

    const withQuery = await fetch(`${plain}?t=${encodeURIComponent(conv.token)}`);
    expect(withQuery.status).toBe(200);
    expect(withQuery.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await withQuery.arrayBuffer()).equals(png)).toBe(true);

    const anonymous = await call(plain);
    expect(anonymous.status).toBe(401);
    const missing = await call(`${ts.dl}/conversations/${conv.conversationId}/files/${'0'.repeat(64)}.png`, { headers: bearer(conv.token) });
    expect(missing.status).toBe(404);
    const traversal = await call(`${ts.dl}/conversations/${conv.conversationId}/files/..%2F..%2Fsecrets%2Fdirectline-signing.key`, { headers: bearer(conv.token) });
    expect(traversal.status).toBe(404);
  });

  it('the activity part may come as a plain form field too; an upload without a file is 400', async () => {
    const conv = await openConversation(ts);
    const png = makePng([1, 2, 3]);
    const form = new FormData();
    form.append('activity', JSON.stringify({ type: 'message', text: 'field' }));
    form.append('file', new Blob([png], { type: 'image/png' }), 'a.png');
    const res = await upload(ts, conv, form);
    expect(res.status).toBe(200);
    const { activities } = await getActivities(ts, conv);
    expect(activities.find((a) => a.id === res.body.id)?.text).toBe('field');

    const empty = new FormData();
    empty.append('activity', new Blob([JSON.stringify({ type: 'message' })], { type: ACTIVITY_PART_TYPE }));
    const none = await upload(ts, conv, empty);
    expect(none.status).toBe(400);
    expect(none.body.error.code).toBe('DL_BAD_REQUEST');
  });
});

// ── CORS ─────────────────────────────────────────────────────────────────────────────────────────────

describe('CORS', () => {
  const requested = 'authorization, content-type, x-requested-with, x-ms-bot-agent';
  const preflight = (origin: string, path: string) =>
    fetch(`${ts.url}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requested },
    });

  it('an allowed origin gets its requested headers echoed', async () => {
    for (const path of ['/v3/directline/conversations', '/v3/directline/conversations/abc/activities', '/api/webchat/token']) {
      const res = await preflight('http://localhost:3000', path);
      expect(res.status, path).toBeLessThan(300);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
      for (const h of requested.split(', ')) expect(allowed, path).toContain(h);
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    }
    const configured = await preflight('https://shop.example.com', '/v3/directline/conversations');
    expect(configured.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
  });

  it('a disallowed origin gets no access-control-allow-origin (preflight or real request)', async () => {
    const res = await preflight('https://evil.example', '/v3/directline/conversations');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const conv = await openConversation(ts);
    const real = await fetch(`${ts.dl}/conversations/${conv.conversationId}/activities`, { headers: bearer(conv.token, { origin: 'https://evil.example' }) });
    expect(real.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await fetch(`${ts.dl}/conversations/${conv.conversationId}/activities`, { headers: bearer(conv.token, { origin: 'http://localhost:3000' }) });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
  });
});
