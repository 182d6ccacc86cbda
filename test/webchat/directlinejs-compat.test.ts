/**
 * Compatibility proof: the official Direct Line client, `botframework-directlinejs` (what Web Chat uses),
 * holds a whole conversation with our server in Node — over the WebSocket stream and over polling —
 * and can resume a conversation from a watermark.
 *
 * The library is written for browsers: it needs `XMLHttpRequest` (rxjs 5 ajax) and `WebSocket` as
 * globals. In Node they come from `xhr2` and `ws`, installed before the library is loaded.
 */
import type { Activity, DirectLine as DirectLineClient } from 'botframework-directlinejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, pageToken, startTestServer, waitFor, type TestServer } from './helpers.js';

type DirectLineModule = typeof import('botframework-directlinejs');

let ts: TestServer;
let lib: DirectLineModule;

beforeAll(async () => {
  const globals = globalThis as Record<string, unknown>;
  globals.XMLHttpRequest = (await import('xhr2')).default;
  globals.WebSocket = (await import('ws')).default;
  lib = await import('botframework-directlinejs');
  ts = await startTestServer({ WEBCHAT_TOKENS_PER_MINUTE: '1000' });
});

afterAll(async () => {
  await ts?.destroy();
});

/** Open streams on the server (to prove the client really let go of its socket). */
function openSockets(): number {
  return (ts.server.app as unknown as { websocketServer: { clients: Set<unknown> } }).websocketServer.clients.size;
}

interface Session {
  client: DirectLineClient;
  activities: Activity[];
  statuses: number[];
  end(): void;
}

function connect(options: ConstructorParameters<DirectLineModule['DirectLine']>[0]): Session {
  const client = new lib.DirectLine({ domain: `${ts.url}/v3/directline`, ...options });
  const activities: Activity[] = [];
  const statuses: number[] = [];
  const statusSub = client.connectionStatus$.subscribe((s) => statuses.push(s));
  const activitySub = client.activity$.subscribe({ next: (a) => activities.push(a), error: () => undefined });
  return {
    client,
    activities,
    statuses,
    end() {
      activitySub.unsubscribe();
      client.end();
      statusSub.unsubscribe();
    },
  };
}

function post(client: DirectLineClient, activity: Activity): Promise<string> {
  return new Promise((resolve, reject) => {
    client.postActivity(activity).subscribe({ next: resolve, error: reject });
  });
}

const messages = (s: Session) => s.activities.filter((a) => a.type === 'message');
/** `replyToId` is on every activity the server sends; the library's `Message` type does not declare it. */
const replyTo = (a: Activity) => (a as { replyToId?: string }).replyToId;

describe.each([
  { transport: 'WebSocket', webSocket: true },
  { transport: 'polling', webSocket: false },
])('botframework-directlinejs over $transport', ({ webSocket }) => {
  it('greets, takes a question, returns its id, and delivers the cited answer', async () => {
    // From Node the page's token route is called like a browser would: with the page's Origin.
    const t = await pageToken(ts.url, 'http://localhost');
    const session = connect({ token: t.token, webSocket, pollingInterval: 200 });
    try {
      const greeting = await waitFor(() => messages(session).find((a) => a.from.role === 'bot'), 'the greeting');
      expect(greeting.type === 'message' && greeting.text).toContain('POS Assist');
      expect(session.statuses).toContain(lib.ConnectionStatus.Online);
      expect((session.client as unknown as { conversationId: string }).conversationId).toBe(t.conversationId);
      // The transport really is the one asked for: a stream open on the server, or none when polling.
      expect(openSockets()).toBe(webSocket ? 1 : 0);

      const id = await post(session.client, { from: { id: t.userId }, type: 'message', text: '退货报25是什么意思' });
      expect(id).toMatch(new RegExp(`^${t.conversationId}\\|\\d+$`));

      const answer = await waitFor(
        () => messages(session).find((a) => a.from.role === 'bot' && replyTo(a) === id),
        'the answer to the question',
      );
      expect(answer.type === 'message' && answer.text).toContain('返回码25');
      expect(answer.type === 'message' && answer.text).toContain('来源：');
      const echo = messages(session).find((a) => a.id === id);
      expect(echo).toMatchObject({ from: { id: t.userId, role: 'user' }, text: '退货报25是什么意思' });

      const ids = session.activities.filter((a) => a.type !== 'typing').map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.indexOf(id)).toBeLessThan(ids.indexOf(answer.id));
      expect(session.statuses.at(-1)).toBe(lib.ConnectionStatus.Online);
    } finally {
      session.end();
    }
    expect(session.statuses.at(-1)).toBe(lib.ConnectionStatus.Ended);
    if (webSocket) await waitFor(() => openSockets() === 0, 'the client to close its WebSocket');
  });

  it('resumes an existing conversation from a watermark (conversationId + watermark options)', async () => {
    const t = await pageToken(ts.url, 'http://localhost');
    const first = connect({ token: t.token, webSocket, pollingInterval: 200 });
    let question: string;
    try {
      await waitFor(() => messages(first).find((a) => a.from.role === 'bot'), 'the greeting');
      question = await post(first.client, { from: { id: t.userId }, type: 'message', text: 'POS机已经结算了还能撤销交易吗' });
      await waitFor(() => messages(first).find((a) => replyTo(a) === question), 'the first answer');
    } finally {
      first.end();
    }
    // Web Chat resumes with a fresh token, the conversation id and the last watermark it saw (the greeting's).
    const refreshed = await call(`${ts.url}/v3/directline/tokens/refresh`, { method: 'POST', headers: { authorization: `Bearer ${t.token}` } });
    const resumed = connect({ token: refreshed.body.token as string, conversationId: t.conversationId, watermark: '1', webSocket, pollingInterval: 200 });
    try {
      const answer = await waitFor(() => messages(resumed).find((a) => replyTo(a) === question), 'the answer after resuming');
      expect(answer.type === 'message' && answer.text).toContain('只能做退货');
      await new Promise((r) => setTimeout(r, 400));
      expect(resumed.activities.filter((a) => a.type !== 'typing').map((a) => a.id)).toEqual([question, answer.id]);
    } finally {
      resumed.end();
    }
    await waitFor(() => openSockets() === 0, 'the resumed client to close its WebSocket');
  });
});
