/**
 * Telegram as an operator turns it on: `TELEGRAM_BOT_TOKEN` set, the real server starts the channel
 * (long polling against a local fake Bot API), `/readyz` says so, and a merchant's message is answered
 * through the same bot; a wrong token leaves the web chat up and `/readyz` saying the channel failed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../webchat/helpers.js';
import { FakeBotApi, TEST_TOKEN } from './fake-bot-api.js';
import { person, privateChat, sentTexts, textUpdate } from './helpers.js';

const servers: TestServer[] = [];
const fakes: FakeBotApi[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.destroy();
  for (const f of fakes.splice(0)) await f.close();
});

describe('the Telegram channel in the server', () => {
  it('starts with the token, shows in /readyz, and answers a merchant', async () => {
    const fake = await FakeBotApi.start();
    fakes.push(fake);
    const server = await startTestServer({ TELEGRAM_BOT_TOKEN: TEST_TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
    servers.push(server);
    const ready = await call(`${server.url}/readyz`);
    expect(ready.body.channels).toEqual({ webchat: 'up', telegram: 'up', wechat: 'off', wechatOfficial: 'off', wecomKf: 'off' });

    const merchant = person(4242);
    const from = fake.calls.length;
    fake.pushUpdate(textUpdate(merchant, '退货报25是什么意思', privateChat(4242)));
    await fake.waitFor((c) => c.method === 'sendMessage' && String(c.params.text ?? '').includes('返回码25'), { from, timeoutMs: 20_000 });
    expect(sentTexts(fake.calls.slice(from)).join('\n')).toContain('来源');
  }, 60_000);

  it('keeps the web chat up when Telegram cannot start', async () => {
    const fake = await FakeBotApi.start({ token: '999999:OTHER-token-the-fake-accepts-only' });
    fakes.push(fake);
    const server = await startTestServer({ TELEGRAM_BOT_TOKEN: TEST_TOKEN, TELEGRAM_API_ROOT: fake.apiRoot });
    servers.push(server);
    const ready = await call(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body.channels.telegram).toBe('failed');
  }, 60_000);
});
