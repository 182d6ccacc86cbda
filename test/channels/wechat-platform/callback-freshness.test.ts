/**
 * The callback route's replay guard: an authentic callback signed more than 5 minutes from now (either way)
 * is refused with 403 and a log line, and never reaches the channel; within the window it does. The route
 * alone (Fastify on 127.0.0.1, a counting receiver), callbacks built with the real crypto.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CALLBACK_MAX_SKEW_MS, signatureOf, wechatCallbackRoutes, type CallbackXml } from '../../../src/channels/wechat-platform/index.js';
import { callback, nowTimestamp, oaText, OA_AES_KEY, OA_SECRETS, OA_TOKEN, postCallback } from './callbacks.js';
import { APP_ID } from './fake-wechat-api.js';

const logs: { level: number; msg: string; [k: string]: unknown }[] = [];
/** The route's last refusal in the log. */
const refusal = () => logs.filter((l) => /wechat callback refused/.test(l.msg)).at(-1);
const received: CallbackXml[] = [];
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  app = Fastify({ loggerInstance: logger as unknown as FastifyBaseLogger });
  await app.register(wechatCallbackRoutes, {
    path: '/oa',
    secrets: { token: OA_TOKEN, encodingAesKey: OA_AES_KEY, receiveId: APP_ID },
    scheme: 'official',
    receiver: () => async (xml) => {
      received.push(xml);
      return 'success';
    },
  });
  url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/oa`;
});

afterAll(async () => {
  await app?.close();
});

it('is 5 minutes', () => {
  expect(CALLBACK_MAX_SKEW_MS).toBe(5 * 60_000);
});

it('refuses an old and a future signed callback with 403 and says why in the log; takes one within the window', async () => {
  const old = await postCallback(url, callback(OA_SECRETS, oaText('o-old', '你好'), { skewSeconds: -(5 * 60 + 30) }));
  expect(old).toMatchObject({ status: 403, text: 'stale timestamp' });
  expect(refusal()).toMatchObject({ level: 40, path: '/oa', maxSkewSeconds: 300 });
  expect(refusal()!.msg).toMatch(/wechat callback refused: signed timestamp too old/);
  expect(refusal()!.skewSeconds).toBeLessThanOrEqual(-330);

  const future = await postCallback(url, callback(OA_SECRETS, oaText('o-future', '你好'), { skewSeconds: 5 * 60 + 30 }));
  expect(future.status).toBe(403);
  expect(refusal()!.msg).toMatch(/signed timestamp in the future/);
  expect(received).toHaveLength(0);

  // Four minutes off either way (a slow network, a clock a little off) is still taken.
  expect((await postCallback(url, callback(OA_SECRETS, oaText('o-late', '你好'), { skewSeconds: -4 * 60 }))).status).toBe(200);
  expect((await postCallback(url, callback(OA_SECRETS, oaText('o-early', '你好'), { skewSeconds: 4 * 60 }))).status).toBe(200);
  expect(received.map((x) => x.FromUserName)).toEqual(['o-late', 'o-early']);
});

it('checks the signature first (401), then the time (403), on the URL check too', async () => {
  const stale = nowTimestamp(-3600);
  expect((await fetch(`${url}?signature=${'0'.repeat(40)}&timestamp=${stale}&nonce=n&echostr=e`)).status).toBe(401);
  expect((await fetch(`${url}?signature=${signatureOf(OA_TOKEN, stale, 'n')}&timestamp=${stale}&nonce=n&echostr=e`)).status).toBe(403);
  const now = nowTimestamp();
  const ok = await fetch(`${url}?signature=${signatureOf(OA_TOKEN, now, 'n')}&timestamp=${now}&nonce=n&echostr=e`);
  expect(await ok.text()).toBe('e');
});
