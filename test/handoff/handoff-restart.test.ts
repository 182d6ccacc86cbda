/**
 * Nothing is dropped across a restart: a handoff an agent owns is still theirs after the server restarts
 * on the same data directory (real SQLite file), the bot stays silent, both sides still reach each
 * other, and handing back resumes the bot. Also the queue order while several merchants wait.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { settled, waitFor, type TestServer } from '../webchat/helpers.js';
import { Merchant, agent, api, details, login, onlyHandoff, startHandoffServer } from './helpers.js';

const QUEUED = '正在为您转接人工客服';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.stop();
  // The data directory is shared by both runs of a test: delete it once.
  for (const s of toDelete.splice(0)) await s.destroy();
});
const toDelete: TestServer[] = [];

describe('a restart during a handoff', () => {
  it('the active handoff survives: silent bot, messages both ways, hand back resumes the bot', async () => {
    const first = await startHandoffServer();
    servers.push(first);
    toDelete.push(first);
    await agent(first, 'alice');
    const m1 = await Merchant.open(first);
    await m1.turn('转人工', QUEUED);
    const id = (await onlyHandoff(first, m1.conversationId)).id;
    const alice1 = await login(first, 'alice');
    expect((await api(first, alice1, 'POST', `/agent/api/handoffs/${id}/claim`)).status).toBe(200);
    await first.stop();

    const second = await startHandoffServer({ DATA_DIR: first.dataDir });
    servers.push(second);
    // The merchant's token and conversation, on the new server.
    const m = Merchant.resume(second, m1.conv);
    // The agent's session is in the database: the same cookie still works.
    const alice = { ...alice1 };
    expect((await api(second, alice, 'GET', '/agent/api/me')).status).toBe(200);
    expect(await onlyHandoff(second, m.conversationId)).toMatchObject({ status: 'active', agent_id: alice.id });

    const mark = await m.mark();
    await m.send('重启之后你还在吗');
    await waitFor(async () => (await details(second, alice, id)).events.some((e) => e.kind === 'message_in' && e.text === '重启之后你还在吗'), 'the message at the agent');
    // The turn is over (the message processed, the web chat queue drained): a bot reply would be stored now.
    await settled(second, m.conv);
    expect(await m.botMessagesSince(mark)).toEqual([]);
    expect((await api(second, alice, 'POST', `/agent/api/handoffs/${id}/messages`, { body: { text: '我还在，请继续说' } })).status).toBe(200);
    await m.waitForText('我还在，请继续说', mark);
    expect((await api(second, alice, 'POST', `/agent/api/handoffs/${id}/handback`)).status).toBe(200);
    await m.waitForText('打个分', mark);
    await m.turn('4', '谢谢您的评价');
    expect(await onlyHandoff(second, m.conversationId)).toMatchObject({ status: 'ended', end_reason: 'handed_back', rating: 4 });
  });
});

describe('the queue', () => {
  it('each waiting merchant hears their place, which moves up when the one ahead is claimed', async () => {
    const s = await startHandoffServer();
    servers.push(s);
    toDelete.push(s);
    const alice = await agent(s, 'alice');
    const first = await Merchant.open(s);
    const second = await Merchant.open(s);
    expect((await first.turn('转人工', QUEUED))[0]).toContain('您前面还有 0 位');
    expect((await second.turn('转人工', QUEUED))[0]).toContain('您前面还有 1 位');
    expect((await second.turn('还要等多久', '您前面还有'))[0]).toContain('您前面还有 1 位');
    const queue = (await api(s, alice, 'GET', '/agent/api/handoffs')).body.handoffs as { id: string; status: string }[];
    const firstId = (await onlyHandoff(s, first.conversationId)).id;
    expect(queue.map((h) => h.id)[0]).toBe(firstId);
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${firstId}/claim`)).status).toBe(200);
    expect((await second.turn('现在呢', '您前面还有'))[0]).toContain('您前面还有 0 位');
  });
});
