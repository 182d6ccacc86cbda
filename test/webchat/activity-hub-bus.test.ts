/**
 * The Direct Line hub of two instances joined by a real Redis bus: what one instance's turn produces —
 * wake-ups, typing, the growing text of a streamed reply and its end — reaches the other instance's
 * streams in order, and the other instance keeps the interim text for its own pollers.
 */
import type { Activity } from 'botbuilder';
import { afterEach, expect, it } from 'vitest';
import { ActivityHub } from '../../src/channels/webchat/webchat-adapter.js';
import { RedisMessageBus } from '../../src/scale/redis-message-bus.js';
import { deleteKeys, describeWithRedis, TEST_REDIS_URL, testPrefix } from '../helpers/redis.js';
import { waitFor } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function hubOnBus(prefix: string): ActivityHub {
  const bus = new RedisMessageBus({ url: TEST_REDIS_URL, prefix });
  cleanups.push(() => bus.close());
  return new ActivityHub(Date.now, bus);
}

const interim = (seq: number, text: string): Partial<Activity> => ({
  type: 'typing',
  text,
  channelData: { streamType: 'streaming', streamId: 's1', streamSequence: seq },
});

describeWithRedis('ActivityHub over the Redis bus', () => {
  it('passes wake-ups, typing and a streamed reply to the instance with the stream, in order; its end too', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    const [streamSide, turnSide] = [hubOnBus(prefix), hubOnBus(prefix)];
    const heard: (string | undefined)[] = [];
    const off = streamSide.subscribe('conv', (ephemeral) => heard.push(ephemeral ? `${ephemeral.type}:${ephemeral.text ?? ''}` : undefined));
    // The subscription is active once Redis confirms it: the stream is told to read the log then.
    await waitFor(() => heard.length > 0, 'the subscription to be active');
    expect(heard).toEqual([undefined]);
    heard.length = 0;

    turnSide.notify('conv', { type: 'typing' });
    for (const [seq, text] of [[1, '撤'], [2, '撤销交易'], [3, '撤销交易需要']] as const) {
      if (turnSide.setInterim('conv', 's1', seq, interim(seq, text))) turnSide.notify('conv', interim(seq, text));
    }
    await waitFor(() => heard.length === 4, 'typing and three interims');
    expect(heard).toEqual(['typing:', 'typing:撤', 'typing:撤销交易', 'typing:撤销交易需要']);
    // A client polling this instance, or connecting mid-stream, sees the text so far.
    expect(streamSide.interims('conv').map((a) => a.text)).toEqual(['撤销交易需要']);

    // The final message: the stream ends, then the log grows.
    turnSide.endStream('conv', 's1');
    turnSide.notify('conv');
    await waitFor(() => heard.length === 5, 'the wake-up for the final');
    expect(heard[4]).toBeUndefined();
    expect(streamSide.interims('conv')).toEqual([]);
    // A straggling interim of the ended stream does not bring it back.
    turnSide.notify('conv', interim(4, '撤销交易需要原'));
    turnSide.notify('conv');
    await waitFor(() => heard.length === 6, 'the next wake-up');
    expect(heard[5]).toBeUndefined();
    expect(streamSide.interims('conv')).toEqual([]);

    // The last stream closed: the instance stops listening to the conversation.
    off();
    turnSide.notify('conv');
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toHaveLength(6);
    expect(streamSide.listenerCount('conv')).toBe(0);
  });
});
