/**
 * Two real servers on 127.0.0.1 sharing one data directory (one SQLite file, one signing key) and one
 * Redis (REDIS_URL, a key prefix per test): a merchant's stream is open on one instance while their
 * messages go to the other — the load balancer's worst case. The replies reach the stream, in order,
 * exactly once; a Redis outage delays them and loses none. The same on PostgreSQL (when it answers), with
 * stateless instances: a data directory each, sharing only the database, Redis and the Direct Line secret.
 */
import { rmSync } from 'node:fs';
import type { Activity } from 'botbuilder';
import type { ServerOptions } from '../../src/app/server.js';
import { BOT_ACCOUNT } from '../../src/channels/channel-adapter.js';
import { DirectLineStore } from '../../src/channels/webchat/directline-store.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestSchema, describePostgres, dropTestSchema } from '../helpers/dialects.js';
import { PrivateRedis, TEST_REDIS_URL, deleteKeys, describeWithRedis, privateRedisAvailable, redisUnavailable, testClient, testPrefix } from '../helpers/redis.js';
import {
  StreamClient,
  getActivities,
  openConversation,
  postActivity,
  say,
  settled,
  sleep,
  startTestServer,
  tempDataDir,
  waitFor,
  type TestServer,
} from './helpers.js';

const QUESTIONS = ['POS机已经结算了还能撤销交易吗', '怎么申请撤销交易', '退货要多久到账'];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Two servers on one data directory; the second starts once the first has made the database. */
async function twoInstances(env: Record<string, string>, options: ServerOptions = {}): Promise<[TestServer, TestServer]> {
  const dataDir = tempDataDir();
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const a = await anotherInstance(dataDir, env, options);
  return [a, await anotherInstance(dataDir, env, options)];
}

async function anotherInstance(dataDir: string, env: Record<string, string>, options: ServerOptions = {}): Promise<TestServer> {
  const server = await startTestServer({ DATA_DIR: dataDir, WEBCHAT_TOKENS_PER_MINUTE: '1000', ...env }, options);
  cleanups.push(() => server.stop());
  return server;
}

/** Two instances on the shared test Redis (a prefix of their own); a conversation opened on A, its stream on A. */
async function sharedRedisPair() {
  const prefix = testPrefix();
  cleanups.push(() => deleteKeys(prefix));
  const [a, b] = await twoInstances({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  const conv = await openConversation(a);
  const live = stream(conv.streamUrl);
  await live.waitForActivity((x) => x.from.role === 'bot', 'the greeting (produced on A)');
  return { a, b, conv, live, prefix };
}

function stream(url: string): StreamClient {
  const client = StreamClient.connect(url);
  cleanups.push(() => client.close());
  return client;
}

/** What a client shows: the stored activities in watermark order (no typing, no interims). */
function stored(activities: Activity[]): string[] {
  return activities.filter((a) => a.type === 'message' && !(a.channelData as { streamType?: string } | undefined)?.streamType?.match(/^(streaming|informative)$/)).map((a) => a.id!);
}

/**
 * Posts the questions to B and checks that the stream `live` (open on the other instance) got everything
 * B stored — the merchant's messages and the bot's replies — with nothing left out, repeated or
 * reordered, each reply after its question.
 */
async function expectFanOutInOrder(b: TestServer, conv: { conversationId: string; token: string }, live: StreamClient): Promise<void> {
  const posted = [];
  for (const q of QUESTIONS) posted.push(await say(b, conv, q));
  await settled(b, conv);
  const all = (await getActivities(b, conv)).activities;
  for (const p of posted) expect(all.some((x) => x.replyToId === p.id && x.from.role === 'bot')).toBe(true);

  await waitFor(() => stored(live.activities()).length >= stored(all).length, 'every activity on the other instance\'s stream');
  await sleep(200);
  expect(stored(live.activities())).toEqual(stored(all));
  const watermarks = live.frames.filter((f) => f.activities.length > 0 && f.watermark !== undefined).map((f) => Number(f.watermark));
  expect(watermarks).toEqual([...watermarks].sort((x, y) => x - y));
  const order = stored(live.activities());
  for (const p of posted) {
    const reply = all.find((x) => x.replyToId === p.id && x.from.role === 'bot')!;
    expect(order.indexOf(reply.id!)).toBeGreaterThan(order.indexOf(p.id));
  }
}

describeWithRedis('two instances, one Redis: Direct Line streams fan out', () => {
  it('the stream on A gets what B stored — the merchant\'s messages and the bot\'s replies — in order, once each', async () => {
    const { b, conv, live } = await sharedRedisPair();
    await expectFanOutInOrder(b, conv, live);
  });

  it('a message one instance is about to answer is not answered again by an instance starting meanwhile (its replay)', async () => {
    const { a, conv, live, prefix } = await sharedRedisPair();
    await settled(a, conv);
    // The conversation is busy elsewhere until the new instance is up (a lease longer than any start-up,
    // released by hand): A's turn for the next message waits, still unanswered…
    const redis = testClient();
    cleanups.push(() => redis.disconnect());
    const busy = `${prefix}turn:directline:${conv.conversationId}`;
    await redis.set(busy, 'another-instance', 'PX', 60_000);
    const question = await say(a, conv, QUESTIONS[0]!);
    // …when a new instance starts and replays what it finds unanswered: that message too.
    const c = await anotherInstance(a.dataDir, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
    await redis.del(busy);
    await live.waitForActivity((x) => x.replyToId === question.id && x.from.role === 'bot', 'the reply');
    await settled(a, conv);
    await settled(c, conv);
    await sleep(300);
    const replies = (await getActivities(c, conv)).activities.filter((x) => x.replyToId === question.id && x.from.role === 'bot' && x.type === 'message');
    expect(replies).toHaveLength(1);
  });

  it('a message an instance stored but died before answering is answered by the others — once', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    // Both instances sweep every 200 ms for messages unanswered for 300 ms.
    const [a, b] = await twoInstances({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }, { noticeRetryMs: 200, orphanAfterMs: 300 });
    const conv = await openConversation(a);
    const live = stream(conv.streamUrl);
    await live.waitForActivity((x) => x.from.role === 'bot', 'the greeting');
    await settled(a, conv);
    // The dead instance's lease still runs for 1.2 s: meanwhile both instances' sweeps take the message up.
    const redis = testClient();
    cleanups.push(() => redis.disconnect());
    await redis.set(`${prefix}turn:directline:${conv.conversationId}`, 'the-dead-instance', 'PX', 1200);
    // What a third instance did before kill -9: the merchant's message stored (acknowledged to the client),
    // its turn never run.
    const orphan = await new DirectLineStore(b.server.runtime()!.store.db).append(
      conv.conversationId,
      {
        type: 'message',
        text: QUESTIONS[0],
        channelId: 'directline',
        serviceUrl: b.url,
        conversation: { id: conv.conversationId } as Activity['conversation'],
        from: { id: conv.userId, name: conv.userId, role: 'user' },
        recipient: { ...BOT_ACCOUNT },
        timestamp: new Date(),
      },
      { fromRole: 'user', processed: false },
    );
    const reply = await live.waitForActivity((x) => x.replyToId === orphan.id && x.from.role === 'bot', 'the orphan\'s reply on the stream');
    expect(reply.text).toBeTruthy();
    await settled(a, conv);
    await settled(b, conv);
    await sleep(500); // several more sweeps on both instances
    const replies = (await getActivities(a, conv)).activities.filter((x) => x.replyToId === orphan.id && x.from.role === 'bot' && x.type === 'message');
    expect(replies).toHaveLength(1);
  });

  it('a web chat turn waits for the conversation\'s lease in Redis (held elsewhere), then runs', async () => {
    const { a, b, conv, live, prefix } = await sharedRedisPair();
    await settled(a, conv);

    // Another instance is in the middle of this conversation's turn (it holds the lease for 1.5 s).
    const redis = testClient();
    cleanups.push(() => redis.disconnect());
    expect(await redis.set(`${prefix}turn:directline:${conv.conversationId}`, 'another-instance', 'PX', 1500, 'NX')).toBe('OK');
    const heldAt = Date.now();
    const question = await say(b, conv, QUESTIONS[0]!);
    const reply = await live.waitForActivity((x) => x.replyToId === question.id && x.from.role === 'bot', 'the reply after the lease');
    expect(Date.now() - heldAt).toBeGreaterThanOrEqual(1400);
    expect(reply.text).toBeTruthy();
  });
});

describeWithRedis('two instances, one Redis: shared web chat limits', () => {
  it('WEBCHAT_MESSAGES_PER_MINUTE is one budget per conversation whichever instance takes the post', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    const [a, b] = await twoInstances({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, WEBCHAT_MESSAGES_PER_MINUTE: '4' });
    const conv = await openConversation(a);
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const res = await postActivity(i % 2 ? b : a, conv, { type: 'message', text: `第${i}条`, channelData: { clientActivityID: `rate-${i}` } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});

describePostgres('two stateless instances on PostgreSQL and Redis', () => {
  it.skipIf(redisUnavailable !== undefined)('each with its own data directory: the stream on A gets what B stored, in order, once each', async () => {
    const { schema, url } = await createTestSchema();
    cleanups.push(() => dropTestSchema(schema));
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    // What the instances share: the database, Redis and the Direct Line secret (so tokens work on both).
    const env = { DATABASE_URL: url, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, DIRECTLINE_SECRET: 'scale-test-directline-secret' };
    const instances = [];
    for (let i = 0; i < 2; i++) {
      const dataDir = tempDataDir();
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      instances.push(await anotherInstance(dataDir, env));
    }
    const [a, b] = instances as [TestServer, TestServer];
    expect(b.server.runtime()!.store.dialect).toBe('postgres');
    const conv = await openConversation(a);
    const live = stream(conv.streamUrl);
    await live.waitForActivity((x) => x.from.role === 'bot', 'the greeting (produced on A)');
    await expectFanOutInOrder(b, conv, live);
  });
});

describe('two instances without Redis (the default)', () => {
  it('keep their streams to themselves: what B stores reaches a stream on A only when A looks again', async () => {
    const [a, b] = await twoInstances({});
    const conv = await openConversation(a);
    const live = stream(conv.streamUrl);
    await live.waitForActivity((x) => x.from.role === 'bot', 'the greeting');
    const before = stored(live.activities()).length;
    await say(b, conv, QUESTIONS[0]!);
    await settled(b, conv);
    await sleep(500);
    expect(stored(live.activities())).toHaveLength(before);
    // Still in the shared database: a poll on A (or a reconnect with the watermark) gets it.
    expect(stored((await getActivities(a, conv)).activities).length).toBeGreaterThan(before);
  });
});

describe.skipIf(!privateRedisAvailable)('two instances through a Redis outage (a private redis-server, killed and restarted)', () => {
  it('nothing crashes, B keeps answering, and A\'s stream gets what it missed once Redis is back — in order', async () => {
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.kill());
    const [a, b] = await twoInstances({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: testPrefix() });
    const conv = await openConversation(a);
    const live = stream(conv.streamUrl);
    await live.waitForActivity((x) => x.from.role === 'bot', 'the greeting');

    await redis.kill();
    const during = await say(b, conv, QUESTIONS[0]!);
    await settled(b, conv);
    const stored1 = (await getActivities(b, conv)).activities;
    expect(stored1.some((x) => x.replyToId === during.id && x.from.role === 'bot')).toBe(true);
    await sleep(300);
    expect(live.activities().some((x) => x.id === during.id)).toBe(false);

    await redis.restart();
    await waitFor(() => stored(live.activities()).length >= stored(stored1).length, 'what A missed, after Redis is back', 15_000);
    const after = await say(b, conv, QUESTIONS[1]!);
    await live.waitForActivity((x) => x.replyToId === after.id && x.from.role === 'bot', 'a reply after the outage, live');
    await settled(b, conv);
    await sleep(200);
    expect(stored(live.activities())).toEqual(stored((await getActivities(b, conv)).activities));
  });
});
