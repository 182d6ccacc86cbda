/**
 * The message bus: in process (the default) and over a real Redis — two buses stand for two instances.
 * Messages of one publisher arrive in order, each instance hears its own at once and once, and what Redis
 * drops during an outage is never dropped silently: the listeners are told `gap`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus, type MessageBus, type TopicListener } from '../../src/scale/message-bus.js';
import { RedisMessageBus } from '../../src/scale/redis-message-bus.js';
import { PrivateRedis, TEST_REDIS_URL, deleteKeys, describeWithRedis, privateRedisAvailable, testPrefix } from '../helpers/redis.js';
import { waitFor } from '../webchat/helpers.js';

class Recorder implements TopicListener {
  readonly messages: { payload: string; local: boolean }[] = [];
  gaps = 0;
  message(payload: string, local: boolean): void {
    this.messages.push({ payload, local });
  }
  gap(): void {
    this.gaps += 1;
  }
  payloads(): string[] {
    return this.messages.map((m) => m.payload);
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function redisBus(prefix: string, url = TEST_REDIS_URL): RedisMessageBus {
  const bus = new RedisMessageBus({ url, prefix });
  cleanups.push(() => bus.close());
  return bus;
}

describe('in-process bus', () => {
  it('delivers synchronously to the topic\'s listeners, as local, until they unsubscribe', () => {
    const bus: MessageBus = new InProcessBus();
    const a = new Recorder();
    const other = new Recorder();
    const off = bus.subscribe('c1', a);
    bus.subscribe('c2', other);
    bus.publish('c1', 'one');
    expect(a.messages).toEqual([{ payload: 'one', local: true }]);
    off();
    bus.publish('c1', 'two');
    expect(a.payloads()).toEqual(['one']);
    expect(other.messages).toEqual([]);
  });
});

describeWithRedis('Redis bus', () => {
  it('fans out between two instances in publish order; each hears its own message once, at once', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    const [busA, busB] = [redisBus(prefix), redisBus(prefix)];
    const [onA, onB] = [new Recorder(), new Recorder()];
    busA.subscribe('conv', onA);
    busB.subscribe('conv', onB);
    // Both subscriptions confirmed by Redis: each listener is told to look (a gap) once it is active.
    await waitFor(() => onA.gaps > 0 && onB.gaps > 0, 'both subscriptions to be active');

    const sent = Array.from({ length: 200 }, (_, i) => `m${i}`);
    for (const m of sent) busB.publish('conv', m);
    // Local delivery happened inside publish.
    expect(onB.messages).toHaveLength(200);
    expect(onB.messages.every((m) => m.local)).toBe(true);
    await waitFor(() => onA.messages.length >= 200, 'the 200 messages on the other instance');
    expect(onA.payloads()).toEqual(sent);
    expect(onA.messages.every((m) => !m.local)).toBe(true);
    // Redis echoed B's messages back to B: skipped, not delivered twice.
    await new Promise((r) => setTimeout(r, 100));
    expect(onB.messages).toHaveLength(200);
  });

  it('keeps topics and prefixes apart, and stops delivering after unsubscribe', async () => {
    const prefix = testPrefix();
    const [busA, busB, elsewhere] = [redisBus(prefix), redisBus(prefix), redisBus(testPrefix())];
    const [conv1, conv2, foreign] = [new Recorder(), new Recorder(), new Recorder()];
    const off1 = busA.subscribe('c1', conv1);
    busA.subscribe('c2', conv2);
    elsewhere.subscribe('c1', foreign);
    await waitFor(() => conv1.gaps > 0 && conv2.gaps > 0 && foreign.gaps > 0, 'the subscriptions');
    busB.publish('c1', 'for c1');
    busB.publish('c2', 'for c2');
    await waitFor(() => conv1.messages.length === 1 && conv2.messages.length === 1, 'one message each');
    expect(conv1.payloads()).toEqual(['for c1']);
    expect(conv2.payloads()).toEqual(['for c2']);
    off1();
    busB.publish('c1', 'after');
    busB.publish('c2', 'marker');
    await waitFor(() => conv2.messages.length === 2, 'the marker');
    expect(conv1.payloads()).toEqual(['for c1']);
    expect(foreign.messages).toEqual([]);
  });
});

describe.skipIf(!privateRedisAvailable)('Redis bus through an outage (a private redis-server, killed and restarted)', () => {
  it('does not crash, reconnects, tells subscribers and publishers\' peers of the gap, then delivers again', async () => {
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.kill());
    const prefix = testPrefix();
    const [busA, busB] = [redisBus(prefix, redis.url), redisBus(prefix, redis.url)];
    const [onA, onB] = [new Recorder(), new Recorder()];
    busA.subscribe('conv', onA);
    busB.subscribe('conv', onB);
    await waitFor(() => onA.gaps === 1 && onB.gaps === 1, 'both subscriptions');
    busB.publish('conv', 'before');
    await waitFor(() => onA.messages.length === 1, 'the message before the outage');

    await redis.kill();
    // Published while Redis is away: not delivered to A, not thrown at B, but remembered as missed.
    busB.publish('conv', 'during');
    expect(onB.payloads()).toEqual(['before', 'during']);
    await new Promise((r) => setTimeout(r, 300));
    expect(onA.payloads()).toEqual(['before']);

    await redis.restart();
    // A resubscribes and is told it may have missed something (and B tells it too); it then reads its
    // source of truth again. Nothing more is promised for the lost message itself.
    await waitFor(() => onA.gaps >= 2, 'A to be told of the gap after the restart', 15_000);
    await waitFor(async () => {
      busB.publish('conv', 'after');
      await new Promise((r) => setTimeout(r, 50));
      return onA.payloads().includes('after');
    }, 'messages to flow again', 15_000);
    expect(onA.payloads()).not.toContain('during');
    expect(onA.payloads()[0]).toBe('before');
  });
});
