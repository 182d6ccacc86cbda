/**
 * The console API's guard on the real server: 401 without a session on every route and the socket, 403
 * for a change without the CSRF header or from another site, 403 for an agent doing a supervisor's job,
 * 409 for acting on a conversation another agent owns, 404 for what does not exist; and a request
 * reviewed from the console reaches the merchant in Direct Line.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { makePng, type TestServer } from '../webchat/helpers.js';
import { AgentStore } from '../../src/handoff/agents/agent-store.js';
import { ConsoleSocket, Merchant, agent, api, dbOf, details, fileCancelRequest, login, onlyHandoff, startHandoffServer } from './helpers.js';

const QUEUED = '正在为您转接人工客服';

let ts: TestServer | undefined;
const sockets: ConsoleSocket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await ts?.destroy();
  ts = undefined;
});

async function server(): Promise<TestServer> {
  ts = await startHandoffServer();
  return ts;
}

function storedFiles(s: TestServer): string[] {
  return existsSync(s.config.paths.files) ? readdirSync(s.config.paths.files).sort() : [];
}

function socketStatus(s: TestServer, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/agent/api/socket`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve('open');
      ws.close();
    });
    ws.on('error', reject);
  });
}

describe('without a session', () => {
  it('every console API route is 401 AGENT_UNAUTHORIZED, and nothing happens', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const m = await Merchant.open(s);
    await m.turn('转人工', QUEUED);
    const id = (await onlyHandoff(s, m.conversationId)).id;
    const file = `${'a'.repeat(64)}.png`;
    const routes: [string, string, unknown?][] = [
      ['GET', '/agent/api/me'],
      ['POST', '/agent/api/logout'],
      ['POST', '/agent/api/presence', { presence: 'away' }],
      ['GET', '/agent/api/agents'],
      ['GET', '/agent/api/handoffs'],
      ['GET', `/agent/api/handoffs/${id}`],
      ['POST', `/agent/api/handoffs/${id}/claim`],
      ['POST', `/agent/api/handoffs/${id}/messages`, { text: 'hi' }],
      ['POST', `/agent/api/handoffs/${id}/typing`],
      ['POST', `/agent/api/handoffs/${id}/notes`, { text: 'note' }],
      ['POST', `/agent/api/handoffs/${id}/transfer`, { agentId: alice.id }],
      ['POST', `/agent/api/handoffs/${id}/resolve`],
      ['POST', `/agent/api/handoffs/${id}/handback`],
      ['POST', `/agent/api/handoffs/${id}/close-ticket`, {}],
      ['GET', '/agent/api/canned'],
      ['POST', '/agent/api/canned', { title: 't', text: 'x' }],
      ['PUT', '/agent/api/canned/1', { title: 't', text: 'x' }],
      ['DELETE', '/agent/api/canned/1'],
      ['GET', '/agent/api/requests'],
      ['GET', '/agent/api/requests/some-id'],
      ['POST', '/agent/api/requests/some-id/review', { status: 'approved' }],
      ['GET', `/agent/api/files/${file}`],
      ['GET', '/agent/api/no-such-route'],
    ];
    for (const [method, path, body] of routes) {
      const res = await api(s, undefined, method, path, { body });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code, `${method} ${path}`).toBe('AGENT_UNAUTHORIZED');
    }
    // A forged cookie is no session either.
    const forged = await fetch(`${s.url}/agent/api/handoffs`, { headers: { cookie: `pa_agent=${'A'.repeat(43)}` } });
    expect(forged.status).toBe(401);
    // The socket too.
    expect(await socketStatus(s, { origin: s.url })).toBe(401);
    expect(await socketStatus(s, { origin: s.url, cookie: 'pa_agent=forged' })).toBe(401);
    expect(await socketStatus(s, { origin: s.url, cookie: alice.cookie })).toBe('open');
    expect(await socketStatus(s, { origin: 'https://evil.example', cookie: alice.cookie })).toBe(403);
    // Nothing was claimed, said or ended.
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'waiting', agent_id: null });
    expect((await details(s, alice, id)).events.map((e) => e.kind)).toEqual(['initiated']);
  });
});

describe('with a session', () => {
  it('a change without the CSRF header (or with a wrong one, or from another site) is 403 AGENT_CSRF', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const m = await Merchant.open(s);
    await m.turn('转人工', QUEUED);
    const id = (await onlyHandoff(s, m.conversationId)).id;
    const noHeader = await api(s, alice, 'POST', `/agent/api/handoffs/${id}/claim`, { csrf: false });
    expect(noHeader.status).toBe(403);
    expect(noHeader.body.error.code).toBe('AGENT_CSRF');
    const wrong = await fetch(`${s.url}/agent/api/handoffs/${id}/claim`, { method: 'POST', headers: { cookie: alice.cookie, 'x-csrf-token': 'not-the-token' } });
    expect(wrong.status).toBe(403);
    const foreign = await fetch(`${s.url}/agent/api/handoffs/${id}/claim`, { method: 'POST', headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrf, origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    for (const path of ['/agent/api/canned', `/agent/api/handoffs/${id}/notes`, '/agent/api/presence']) {
      const res = await api(s, alice, 'POST', path, { body: { text: 'x', title: 'x', presence: 'away' }, csrf: false });
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe('AGENT_CSRF');
    }
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'waiting', agent_id: null });
    // With the header it works.
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${id}/claim`)).status).toBe(200);
  });

  it('canned replies: agents read them, only supervisors write them (403 AGENT_FORBIDDEN)', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const sam = await agent(s, 'sam', 'supervisor');
    const denied = await api(s, alice, 'POST', '/agent/api/canned', { body: { title: '问候', text: '您好，请问有什么可以帮您？' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('AGENT_FORBIDDEN');
    const created = await api(s, sam, 'POST', '/agent/api/canned', { body: { title: '问候', text: '您好，请问有什么可以帮您？' } });
    expect(created.status).toBe(200);
    expect(created.body.reply).toMatchObject({ id: expect.any(Number), title: '问候', updatedBy: 'sam' });
    const cid = created.body.reply.id as number;
    expect((await api(s, alice, 'PUT', `/agent/api/canned/${cid}`, { body: { title: '问候', text: '改掉' } })).status).toBe(403);
    expect((await api(s, alice, 'DELETE', `/agent/api/canned/${cid}`)).status).toBe(403);
    const list = await api(s, alice, 'GET', '/agent/api/canned');
    expect(list.body.replies).toEqual([expect.objectContaining({ id: cid, text: '您好，请问有什么可以帮您？' })]);
    const edited = await api(s, sam, 'PUT', `/agent/api/canned/${cid}`, { body: { title: '问候', text: '您好！' } });
    expect(edited.body.reply.text).toBe('您好！');
    expect((await api(s, sam, 'PUT', '/agent/api/canned/99999', { body: { title: 'x', text: 'y' } })).status).toBe(404);
    expect((await api(s, sam, 'DELETE', `/agent/api/canned/${cid}`)).status).toBe(204);
    expect((await api(s, alice, 'GET', '/agent/api/canned')).body.replies).toEqual([]);
  });

  it('409 on another agent’s conversation; 404 on an unknown handoff', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const bob = await agent(s, 'bob');
    const m = await Merchant.open(s);
    await m.turn('转人工', QUEUED);
    const id = (await onlyHandoff(s, m.conversationId)).id;
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${id}/claim`)).status).toBe(200);
    for (const [path, body] of [
      ['claim', undefined],
      ['messages', { text: '我来接手' }],
      ['typing', undefined],
      ['transfer', { agentId: bob.id }],
      ['resolve', undefined],
      ['handback', undefined],
    ] as const) {
      const res = await api(s, bob, 'POST', `/agent/api/handoffs/${id}/${path}`, { body });
      expect(res.status, path).toBe(409);
      expect(res.body.error.code).toBe('HANDOFF_CONFLICT');
    }
    // An image from the agent who does not own it: 409, and the file is not even stored.
    const filesBefore = storedFiles(s);
    const form = new FormData();
    form.append('text', 'image');
    form.append('file', new Blob([makePng([1, 2, 3])], { type: 'image/png' }), 'x.png');
    const image = await api(s, bob, 'POST', `/agent/api/handoffs/${id}/messages`, { form });
    expect(image.status).toBe(409);
    expect(image.body.error.code).toBe('HANDOFF_CONFLICT');
    expect(storedFiles(s)).toEqual(filesBefore);
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'active', agent_id: alice.id });
    // Once it has ended, even its owner gets 409.
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${id}/resolve`)).status).toBe(200);
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${id}/messages`, { body: { text: 'one more thing' } })).status).toBe(409);
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${id}/resolve`)).status).toBe(409);

    for (const [method, path] of [
      ['GET', '/agent/api/handoffs/nope'],
      ['POST', '/agent/api/handoffs/nope/claim'],
      ['POST', '/agent/api/handoffs/nope/resolve'],
      ['POST', '/agent/api/handoffs/nope/close-ticket'],
    ] as const) {
      const res = await api(s, alice, method, path, { body: method === 'POST' ? {} : undefined });
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('HANDOFF_NOT_FOUND');
    }
    expect((await api(s, alice, 'POST', '/agent/api/handoffs/nope/messages', { body: { text: 'x' } })).status).toBe(404);
    expect((await api(s, alice, 'GET', '/agent/api/requests/nope')).status).toBe(404);
    expect((await api(s, alice, 'GET', `/agent/api/files/${'b'.repeat(64)}.png`)).status).toBe(404);
    expect((await api(s, alice, 'GET', '/agent/api/files/..%2F..%2Fdata.db')).status).toBe(404);
    // Bad input is 400, not a crash.
    expect((await api(s, alice, 'POST', '/agent/api/transfer-nothing', { body: {} })).status).toBe(404);
    const empty = await api(s, alice, 'POST', `/agent/api/handoffs/${id}/notes`, { body: { text: '   ' } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('AGENT_INVALID');
  });

  it('a request reviewed from the console (needs_more_info with a reason) reaches the merchant in Direct Line', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const live = await ConsoleSocket.open(s, alice);
    sockets.push(live);
    const m = await Merchant.open(s);
    const ticket = await fileCancelRequest(m, '810100000000002');
    const list = await api(s, alice, 'GET', '/agent/api/requests?status=submitted');
    expect(list.status).toBe(200);
    const summary = (list.body.requests as { id: string; ticket: string }[]).find((r) => r.ticket === ticket)!;
    expect(summary).toMatchObject({ kind: 'cancel-transaction', merchantId: '810100000000002', status: 'submitted' });
    const got = await api(s, alice, 'GET', `/agent/api/requests/${summary.id}`);
    expect(got.body.request.attachments).toEqual([expect.objectContaining({ contentType: 'image/png' })]);

    // Without the CSRF header nothing happens.
    expect((await api(s, alice, 'POST', `/agent/api/requests/${summary.id}/review`, { body: { status: 'needs_more_info', reason: 'x' }, csrf: false })).status).toBe(403);

    const mark = await m.mark();
    const reason = '签购单照片太模糊，请重新拍一张清楚的';
    const reviewed = await api(s, alice, 'POST', `/agent/api/requests/${summary.id}/review`, { body: { status: 'needs_more_info', reason } });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.request.status).toBe('needs_more_info');
    expect(reviewed.body.history.at(-1)).toMatchObject({ from: 'submitted', to: 'needs_more_info', actor: 'agent:alice', reason });
    const notice = await m.waitForText(reason, mark);
    expect(notice.text).toContain(ticket);
    expect(notice.text).toContain('需要补充材料');
    await live.waitFor((e) => e.type === 'requests.changed', 'requests.changed on the socket');
    // A transition the lifecycle does not allow is refused.
    const bad = await api(s, alice, 'POST', `/agent/api/requests/${summary.id}/review`, { body: { status: 'closed' } });
    expect(bad.status).toBe(409);
  });
});

describe('when a session ends', () => {
  const closedWith = (socket: ConsoleSocket) =>
    new Promise<number>((resolve) => {
      if (socket.ws.readyState === WebSocket.CLOSED) resolve(-1);
      socket.ws.once('close', (code) => resolve(code));
    });

  it('a logout closes that session’s console sockets at once, and only those', async () => {
    ts = await startHandoffServer({}, { consoleSessionCheckMs: 60_000 });
    const alice = await agent(ts, 'alice');
    const otherBrowser = await login(ts, 'alice');
    const a = await ConsoleSocket.open(ts, alice);
    const b = await ConsoleSocket.open(ts, otherBrowser);
    sockets.push(a, b);
    const closed = closedWith(a);
    expect((await api(ts, alice, 'POST', '/agent/api/logout')).status).toBe(204);
    // Long before the 60 s re-check: the logout itself closed it.
    expect(await closed).toBe(4401);
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('an account disabled (as the CLI does, from another process) or a session expired closes its sockets within the re-check', async () => {
    ts = await startHandoffServer({}, { consoleSessionCheckMs: 100 });
    const alice = await agent(ts, 'alice');
    const bob = await agent(ts, 'bob');
    const a = await ConsoleSocket.open(ts, alice);
    const b = await ConsoleSocket.open(ts, bob);
    sockets.push(a, b);
    const aliceClosed = closedWith(a);
    await new AgentStore(dbOf(ts)).setDisabled('alice', true);
    expect(await aliceClosed).toBe(4401);
    expect((await api(ts, alice, 'GET', '/agent/api/me')).status).toBe(401);

    const bobClosed = closedWith(b);
    await dbOf(ts).updateTable('agent_sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('agent_id', '=', bob.id).execute();
    expect(await bobClosed).toBe(4401);
  });
});

