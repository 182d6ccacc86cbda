/**
 * Webhook mode: `startTelegram` registers the webhook (with its secret) instead of polling, and a real
 * fastify app on 127.0.0.1 serves `telegramWebhookRoutes` through grammY's `webhookCallback`. The
 * secret header is checked (right → 200, wrong or missing → 401); a redelivered update is handled once.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import { InboundJournal } from '../../src/channels/inbound-journal.js';
import { startTelegram, telegramWebhookPath, telegramWebhookRoutes, type TelegramChannel } from '../../src/channels/telegram/start.js';
import { startRuntime, type TestRuntime } from '../helpers/runtime.js';
import { FakeBotApi, TEST_BOT } from './fake-bot-api.js';
import { nextHandled, person, sentTexts, textUpdate } from './helpers.js';

const SECRET = 'webhook_Secret-0123456789abcdef';
const WEBHOOK_URL = 'https://bot.example.com/hooks/telegram';

let fake: FakeBotApi;
let rt: TestRuntime;
let channel: TelegramChannel;
let app: FastifyInstance;
let url: string;
let ready = true;

beforeAll(async () => {
  fake = await FakeBotApi.start();
  rt = await startRuntime({ HANDOFF_BUSINESS_HOURS: 'always' });
  const config = loadConfig({
    DATA_DIR: rt.dataDir,
    LOG_LEVEL: 'silent',
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_WEBHOOK_URL: WEBHOOK_URL,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
  });
  channel = await startTelegram({
    attach: (adapter) => rt.runtime.attach(adapter),
    logic: (context) => rt.runtime.bot.run(context),
    transcripts: rt.runtime.transcripts,
    filesDir: config.paths.files,
    uploadMaxBytes: config.webchat.uploadMaxBytes,
    journal: new InboundJournal(rt.runtime.store.db),
    logger: createLogger(config),
    config: config.telegram,
    botInfo: TEST_BOT,
  });
  app = Fastify();
  await app.register(telegramWebhookRoutes, {
    adapter: () => (ready ? channel.adapter : undefined),
    secretToken: SECRET,
    path: telegramWebhookPath(config.telegram),
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  url = `${address.replace('localhost', '127.0.0.1')}/hooks/telegram`;
  expect((app.server.address() as AddressInfo).address).toBe('127.0.0.1');
});

afterAll(async () => {
  await app?.close();
  await channel?.stop();
  await fake?.close();
  await rt?.cleanup();
});

/** The inbound journal's rows for a Telegram update id. */
function journalRows(updateId: string) {
  return rt.runtime.store.db.selectFrom('channel_inbound').selectAll().where('channel', '=', `telegram:${TEST_BOT.id}`).where('platform_id', '=', updateId).execute();
}

function post(body: unknown, secret?: string) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    body: JSON.stringify(body),
  });
}

describe('webhook mode', () => {
  it('registers the webhook with its secret and the update types; no polling', () => {
    expect(channel.mode).toBe('webhook');
    const set = fake.callsOf('setWebhook');
    expect(set).toHaveLength(1);
    expect(set[0]!.params).toEqual({ url: WEBHOOK_URL, secret_token: SECRET, allowed_updates: ['message', 'callback_query'] });
    expect(fake.callsOf('getUpdates')).toHaveLength(0);
    expect(fake.callsOf('deleteWebhook')).toHaveLength(0);
    expect(fake.callsOf('setMyCommands')).toHaveLength(3);
    expect(telegramWebhookPath({ webhookUrl: WEBHOOK_URL })).toBe('/hooks/telegram');
  });

  it('takes an update with the right secret (200) and answers through the Bot API', async () => {
    const update = { update_id: 900001, ...textUpdate(person(3001), '已经结算的交易怎么退货') };
    const handled = nextHandled(channel.adapter, update.update_id);
    const from = fake.calls.length;
    const res = await post(update, SECRET);
    expect(res.status).toBe(200);
    // Answered 200 only once it was stored (a crash from here on replays it at the next start).
    expect(await journalRows('900001')).toHaveLength(1);
    expect((await handled).outcome).toBe('processed');
    const texts = sentTexts(fake.calls.slice(from));
    expect(texts.join('\n')).toContain('来源');
  });

  it('refuses a wrong or missing secret with 401 and handles nothing', async () => {
    const update = { update_id: 900002, ...textUpdate(person(3002), '你好') };
    const from = fake.calls.length;
    const seen: number[] = [];
    const listener = (u: { updateId: number }) => seen.push(u.updateId);
    channel.adapter.events.on('update', listener);
    const wrong = await post(update, 'not-the-secret');
    expect(wrong.status).toBe(401);
    const missing = await post(update);
    expect(missing.status).toBe(401);
    const almost = await post(update, `${SECRET}x`);
    expect(almost.status).toBe(401);
    await channel.adapter.settled();
    channel.adapter.events.off('update', listener);
    expect(seen).toEqual([]);
    expect(await journalRows('900002')).toEqual([]);
    expect(fake.calls.slice(from)).toEqual([]);
  });

  it('handles a redelivered update once', async () => {
    const update = { update_id: 900003, ...textUpdate(person(3003), '你好') };
    const first = nextHandled(channel.adapter, update.update_id);
    expect((await post(update, SECRET)).status).toBe(200);
    expect((await first).outcome).toBe('processed');
    const from = fake.calls.length;
    const second = nextHandled(channel.adapter, update.update_id);
    expect((await post(update, SECRET)).status).toBe(200);
    expect((await second).outcome).toBe('duplicate');
    await channel.adapter.settled();
    expect(fake.calls.slice(from)).toEqual([]);
  });

  it('answers 503 (Telegram retries) while the channel is not ready, after checking the secret', async () => {
    ready = false;
    try {
      const update = { update_id: 900004, ...textUpdate(person(3004), '你好') };
      expect((await post(update, 'wrong')).status).toBe(401);
      const res = await post(update, SECRET);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      ready = true;
    }
  });
});
