/**
 * Telegram in webhook mode on two real servers sharing one data directory and one Redis (a key prefix per
 * test): webhooks may reach either instance. An update delivered to both is answered once, and an update
 * one instance is about to answer (its turn waiting for the chat's lease) is not answered again by an
 * instance starting meanwhile and replaying what it finds unanswered in the inbound journal.
 */
import { afterEach, expect, it } from 'vitest';
import { TELEGRAM_CHANNEL_ID, type TelegramAdapter } from '../../src/channels/telegram/index.js';
import { describeWithRedis, testClient } from '../helpers/redis.js';
import { deployment, type Deployment } from '../helpers/redis-instances.js';
import type { TestServer } from '../webchat/helpers.js';
import { FakeBotApi, type RecordedCall } from './fake-bot-api.js';
import { person, textUpdate } from './helpers.js';

const SECRET = 'webhook_Secret-0123456789abcdef';
const WEBHOOK_URL = 'https://bot.example.com/hooks/telegram';
const QUESTION = '退货报25是什么意思';
/** What the answer to QUESTION says (the knowledge base's section on return code 25). */
const ANSWER_MARK = '返回码25';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup extends Deployment {
  fake: FakeBotApi;
}

async function setup(): Promise<Setup> {
  const fake = await FakeBotApi.start();
  cleanups.push(() => fake.close());
  return Object.assign(deployment(cleanups), { fake });
}

function instance(s: Setup, env: Record<string, string> = {}): Promise<TestServer> {
  return s.instance({
    ...env,
    TELEGRAM_BOT_TOKEN: s.fake.token,
    TELEGRAM_API_ROOT: s.fake.apiRoot,
    TELEGRAM_WEBHOOK_URL: WEBHOOK_URL,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
  });
}

function deliver(server: TestServer, update: unknown): Promise<Response> {
  return fetch(`${server.url}/hooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(update),
  });
}

function adapterOf(server: TestServer): TelegramAdapter {
  return server.server.runtime()!.handoffDelivery.adapterFor(TELEGRAM_CHANNEL_ID) as TelegramAdapter;
}

const answersTo = (calls: RecordedCall[], chatId: number) =>
  calls.filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === chatId && String(c.params.text ?? '').includes(ANSWER_MARK));

describeWithRedis('Telegram webhooks on two instances, one Redis', () => {
  it('the same update delivered to both instances at once is answered once', async () => {
    const s = await setup();
    const [a, b] = [await instance(s), await instance(s)];
    const chatId = 6101;
    const update = { update_id: s.fake.newUpdateId(), ...textUpdate(person(chatId), QUESTION) };
    const [ra, rb] = await Promise.all([deliver(a, update), deliver(b, update)]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    await s.fake.waitFor((c) => answersTo([c], chatId).length > 0, { timeoutMs: 20_000 });
    await Promise.all([adapterOf(a).settled(), adapterOf(b).settled()]);
    expect(answersTo(s.fake.calls, chatId)).toHaveLength(1);
  }, 60_000);

  it('an update one instance is about to answer is not answered again by an instance starting meanwhile (its replay)', async () => {
    const s = await setup();
    const a = await instance(s);
    const chatId = 6102;
    // The chat is busy elsewhere until B is up (a lease far longer than any start-up, released by hand):
    // A's turn for the update waits, the update still unanswered…
    const redis = testClient();
    cleanups.push(() => redis.disconnect());
    const busy = `${s.prefix}turn:${TELEGRAM_CHANNEL_ID}:tg:${chatId}`;
    await redis.set(busy, 'another-instance', 'PX', 60_000);
    const update = { update_id: s.fake.newUpdateId(), ...textUpdate(person(chatId), QUESTION) };
    expect((await deliver(a, update)).status).toBe(200);
    // …when B starts and replays what it finds unanswered in the journal: that update too.
    const b = await instance(s);
    // B's replay runs after its start-up resolves: the chat stays busy until it has claimed the row (the
    // claim counts an attempt), else A's waiting turn could answer first and leave it nothing to replay.
    const attempts = async () =>
      (await a.server.runtime()!.store.db.selectFrom('channel_inbound').select('attempts').where('platform_id', '=', String(update.update_id)).executeTakeFirst())?.attempts ?? 0;
    for (const until = Date.now() + 20_000; (await attempts()) < 1 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    await redis.del(busy);
    await s.fake.waitFor((c) => answersTo([c], chatId).length > 0, { timeoutMs: 20_000 });
    await Promise.all([adapterOf(a).settled(), adapterOf(b).settled()]);
    expect(answersTo(s.fake.calls, chatId)).toHaveLength(1);
    // B did take it up (else this would not test the check): its replay found the row unanswered.
    const rows = await a.server.runtime()!.store.db.selectFrom('channel_inbound').select(['attempts', 'processed_at']).where('platform_id', '=', String(update.update_id)).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.attempts).toBe(1);
    expect(rows[0]!.processed_at).not.toBeNull();
  }, 60_000);

  it('a user\'s message limit is one budget across the instances', async () => {
    const s = await setup();
    const [a, b] = [await instance(s, { CHAT_MESSAGES_PER_MINUTE: '2' }), await instance(s, { CHAT_MESSAGES_PER_MINUTE: '2' })];
    const chatId = 6103;
    // Two messages, one to each instance: within the limit of 2 either way.
    for (const to of [a, b]) {
      const from = s.fake.calls.length;
      expect((await deliver(to, { update_id: s.fake.newUpdateId(), ...textUpdate(person(chatId), QUESTION) })).status).toBe(200);
      await s.fake.waitFor((c) => answersTo([c], chatId).length > 0, { from, timeoutMs: 20_000 });
    }
    // The third, to A: A has seen one message of this user, but the budget is shared — refused.
    const from = s.fake.calls.length;
    expect((await deliver(a, { update_id: s.fake.newUpdateId(), ...textUpdate(person(chatId), QUESTION) })).status).toBe(200);
    await s.fake.waitFor((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === chatId && String(c.params.text).includes('发送太频繁了'), { from, timeoutMs: 20_000 });
    await Promise.all([adapterOf(a).settled(), adapterOf(b).settled()]);
    expect(answersTo(s.fake.calls.slice(from), chatId)).toHaveLength(0);
  }, 60_000);
});
