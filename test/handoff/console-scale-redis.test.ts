/**
 * The agent console's live updates with two real servers on one Redis (a key prefix per test) and one
 * data directory: an agent's console socket is open on A while the merchant's chat runs on B — a new
 * handoff, the merchant's messages and their typing reach the agent on A.
 */
import { afterEach, expect, it } from 'vitest';
import { describeWithRedis } from '../helpers/redis.js';
import { deployment } from '../helpers/redis-instances.js';
import { ConsoleSocket, Merchant, agent, onlyHandoff } from './helpers.js';

const QUEUED = '正在为您转接人工客服';
const HANDOFF_ENV = { HANDOFF_BUSINESS_HOURS: 'always', WEBCHAT_TOKENS_PER_MINUTE: '1000', WEBCHAT_MESSAGES_PER_MINUTE: '1000' };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describeWithRedis('the agent console across instances', () => {
  it('a console on A sees the handoff and the messages of a merchant whose chat runs on B', async () => {
    const d = deployment(cleanups);
    const [a, b] = [await d.instance(HANDOFF_ENV), await d.instance(HANDOFF_ENV)];
    const alice = await agent(a, 'alice');
    const live = await ConsoleSocket.open(a, alice);
    cleanups.push(() => live.close());

    const merchant = await Merchant.open(b);
    await merchant.turn('转人工', QUEUED);
    const { id } = await onlyHandoff(b, merchant.conversationId);
    await live.waitFor((e) => e.type === 'handoff.new' && e.handoff.id === id, 'the new handoff on A\'s console');
    await merchant.send('终端一直提示撤销失败');
    await live.waitFor((e) => e.type === 'event' && e.handoffId === id && e.event.text === '终端一直提示撤销失败', 'the merchant\'s message on A\'s console');
    // Each event once: the bus delivers an instance's own broadcasts locally, the others' through Redis.
    expect(live.events.filter((e) => e.type === 'handoff.new' && e.handoff.id === id)).toHaveLength(1);
  }, 60_000);
});
