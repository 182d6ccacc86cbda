/**
 * The audit log on a REAL server (real SQLite, real HTTP on 127.0.0.1, merchants over Direct Line, agents
 * over the console API): logins, a claim, a transfer, a resolution, a review decision, canned-reply edits
 * and an unbinding are each recorded once with who, what and on what; only supervisors read it (agents
 * 403, no session 401); filters and pages work; a lost claim race records nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditPage } from '../../src/handoff/console-api.js';
import { agent, api, fileCancelRequest, Merchant, onlyHandoff, serviceOf, startHandoffServer, type AgentClient } from '../handoff/helpers.js';
import type { TestServer } from '../webchat/helpers.js';

let ts: TestServer;
let boss: AgentClient;
let ann: AgentClient;
let bob: AgentClient;

beforeAll(async () => {
  ts = await startHandoffServer();
  boss = await agent(ts, 'boss', 'supervisor');
  ann = await agent(ts, 'ann');
  bob = await agent(ts, 'bob');
});

afterAll(async () => {
  await ts?.destroy();
});

const audit = async (query = '') => {
  const res = await api<AuditPage>(ts, boss, 'GET', `/agent/api/audit${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

async function handedOver(): Promise<{ merchant: Merchant; id: string }> {
  const merchant = await Merchant.open(ts);
  await merchant.turn('转人工', /客服|排队|前面/);
  const row = await onlyHandoff(ts, merchant.conversationId);
  return { merchant, id: row.id };
}

describe('the audit log', () => {
  it('is for supervisors only: an agent gets 403, no session 401', async () => {
    expect((await api(ts, ann, 'GET', '/agent/api/audit')).status).toBe(403);
    expect((await api(ts, ann, 'GET', '/agent/api/audit')).body.error.code).toBe('AGENT_FORBIDDEN');
    expect((await api(ts, undefined, 'GET', '/agent/api/audit')).status).toBe(401);
  });

  it('records logins with the client address, and logouts', async () => {
    const logins = await audit('?action=agent.login');
    expect(logins.entries.map((e) => e.actor.name).sort()).toEqual(['ann', 'bob', 'boss']);
    expect(logins.entries.find((e) => e.actor.name === 'boss')).toMatchObject({ actor: { role: 'supervisor' }, targetType: 'agent', targetId: String(boss.id), client: '127.0.0.1' });
    const temp = await agent(ts, 'temp');
    expect((await api(ts, temp, 'POST', '/agent/api/logout')).status).toBe(204);
    expect((await audit('?actor=temp')).entries.map((e) => e.action)).toEqual(['agent.logout', 'agent.login']);
  });

  it('records a claim, a transfer and a resolution of one conversation, each once, on that conversation', async () => {
    const { id } = await handedOver();
    expect((await api(ts, ann, 'POST', `/agent/api/handoffs/${id}/claim`)).status).toBe(200);
    expect((await api(ts, ann, 'POST', `/agent/api/handoffs/${id}/transfer`, { body: { agentId: bob.id } })).status).toBe(200);
    expect((await api(ts, bob, 'POST', `/agent/api/handoffs/${id}/resolve`)).status).toBe(200);
    const entries = (await audit(`?targetType=handoff&targetId=${id}`)).entries;
    expect(entries.map((e) => [e.action, e.actor.name])).toEqual([
      ['handoff.resolve', 'bob'],
      ['handoff.transfer', 'ann'],
      ['handoff.claim', 'ann'],
    ]);
    expect(entries[1]!.detail).toEqual({ to: { id: bob.id, name: 'bob' } });
    expect(entries[2]!.detail).toMatchObject({ reason: 'human_request', channelId: 'directline' });
    // The area filter finds them too.
    expect((await audit('?action=handoff')).entries.filter((e) => e.targetId === id)).toHaveLength(3);
  });

  it('two agents claiming at once: one claim, one entry (the loser changes nothing)', async () => {
    const { id } = await handedOver();
    const results = await Promise.all([ann, bob].map((a) => api(ts, a, 'POST', `/agent/api/handoffs/${id}/claim`)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = results[0]!.status === 200 ? 'ann' : 'bob';
    const claims = (await audit(`?targetId=${id}&action=handoff.claim`)).entries;
    expect(claims.map((e) => e.actor.name)).toEqual([winner]);
    await serviceOf(ts).finish(id, winner === 'ann' ? { ...ann, role: 'agent', presence: 'online' } : { ...bob, role: 'agent', presence: 'online' }, 'resolved');
  });

  it('records a review decision with its ticket, statuses and reason', async () => {
    const merchant = await Merchant.open(ts);
    const ticket = await fileCancelRequest(merchant, '810100000000077');
    const request = await ts.server.runtime()!.store.db.selectFrom('requests').select('id').where('ticket', '=', ticket).executeTakeFirstOrThrow();
    const review = await api(ts, ann, 'POST', `/agent/api/requests/${request.id}/review`, { body: { status: 'rejected', reason: '超过退货期限' } });
    expect(review.status).toBe(200);
    const [entry] = (await audit(`?action=request.review&targetId=${request.id}`)).entries;
    expect(entry).toMatchObject({ actor: { name: 'ann', role: 'agent' }, targetType: 'request', detail: { ticket, from: 'submitted', to: 'rejected', reason: '超过退货期限' } });
  });

  it('records canned-reply edits (the title, never a card number) and an unbinding', async () => {
    const created = await api(ts, boss, 'POST', '/agent/api/canned', { body: { title: '退货时效', text: '一般 3-5 个工作日到账。' } });
    const cannedId = created.body.reply.id as number;
    await api(ts, boss, 'PUT', `/agent/api/canned/${cannedId}`, { body: { title: '卡 6222021234567890128 退货', text: '一般 3-5 个工作日。' } });
    await api(ts, boss, 'DELETE', `/agent/api/canned/${cannedId}`);
    // An agent may not edit canned replies: refused, and nothing recorded.
    expect((await api(ts, ann, 'POST', '/agent/api/canned', { body: { title: 'x', text: 'y' } })).status).toBe(403);
    const canned = (await audit('?action=canned')).entries;
    expect(canned.map((e) => e.action)).toEqual(['canned.delete', 'canned.update', 'canned.create']);
    expect(canned.every((e) => e.targetId === String(cannedId) && e.actor.name === 'boss')).toBe(true);
    expect(JSON.stringify(canned)).not.toContain('6222021234567890128');

    await ts.server.runtime()!.identities.bind({ channelId: 'telegram', userId: 'tg:42' }, '810100000000099', 'binding_code');
    const unbound = await api(ts, boss, 'POST', '/agent/api/identities/unbind', { body: { channelId: 'telegram', userId: 'tg:42', merchantId: '810100000000099' } });
    expect(unbound.body).toEqual({ removed: 1 });
    // Nothing left to remove: no entry for a no-op.
    await api(ts, boss, 'POST', '/agent/api/identities/unbind', { body: { channelId: 'telegram', userId: 'tg:42', merchantId: '810100000000099' } });
    expect((await audit('?action=identity.unbind')).entries).toMatchObject([{ targetType: 'identity', targetId: 'telegram:tg:42', detail: { merchantId: '810100000000099' } }]);
  });

  it('pages newest first and filters by time; bad filters are a 400', async () => {
    const all = await audit('?limit=200');
    const first = await audit('?limit=3');
    expect(first.entries).toEqual(all.entries.slice(0, 3));
    const second = await audit(`?limit=3&before=${first.next}`);
    expect(second.entries).toEqual(all.entries.slice(3, 6));
    const today = new Date().toISOString().slice(0, 10);
    expect((await audit(`?since=${today}&limit=200`)).entries).toHaveLength(all.entries.length);
    expect((await audit(`?until=${today}`)).entries).toEqual([]);
    expect((await api(ts, boss, 'GET', '/agent/api/audit?action=DROP%20TABLE')).status).toBe(400);
    expect((await api(ts, boss, 'GET', '/agent/api/audit?limit=100000')).status).toBe(400);
    expect((await api(ts, boss, 'GET', '/agent/api/audit?since=yesterday')).status).toBe(400);
  });
});
