/** The small kf client against the fake WeCom API: typed answers, errcodes, the token renewed once. */
import { MemoryStorage } from 'botbuilder';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { channelStore } from '../../../src/channels/wechat-platform/channel-store.js';
import { WechatApiError } from '../../../src/channels/wechat-platform/wechat-api.js';
import { KfClient } from '../../../src/channels/wecom-kf/kf-client.js';
import { CORP_ID, FakeWechatApi, KF_SECRET, KF_TRANS_REFUSED, OPEN_KFID } from '../wechat-platform/fake-wechat-api.js';
import { kfText } from '../wechat-platform/callbacks.js';

let fake: FakeWechatApi;
let client: KfClient;

beforeAll(async () => {
  fake = await FakeWechatApi.start();
  client = new KfClient({ corpId: CORP_ID, secret: KF_SECRET, baseUrl: fake.origin, tokens: channelStore(new MemoryStorage(), 'kf-test/') });
});

afterAll(async () => {
  await fake?.close();
});

it('syncs with the cursor, reads states, moves them only as WeCom allows', async () => {
  fake.pushKf(kfText('wm-x', '你好', 'm-1'));
  const page = await client.syncMsg({ token: 't', openKfId: OPEN_KFID });
  expect(page.msg_list.map((m) => m.msgid)).toEqual(['m-1']);
  expect((await client.syncMsg({ cursor: page.next_cursor, openKfId: OPEN_KFID })).msg_list).toEqual([]);
  expect(await client.serviceState(OPEN_KFID, 'wm-x')).toEqual({ state: 0 });
  await client.transState(OPEN_KFID, 'wm-x', 1);
  await client.transState(OPEN_KFID, 'wm-x', 4);
  await expect(client.transState(OPEN_KFID, 'wm-x', 1)).rejects.toMatchObject({ name: 'WechatApiError', errcode: KF_TRANS_REFUSED });
});

it('fetches the token once, renews it once when refused, and gives up on a second refusal', async () => {
  await client.serviceState(OPEN_KFID, 'wm-y');
  const tokens = () => fake.callsTo('/cgi-bin/gettoken').length;
  const before = tokens();
  await client.serviceState(OPEN_KFID, 'wm-y');
  expect(tokens()).toBe(before); // cached
  fake.expireTokens();
  await client.serviceState(OPEN_KFID, 'wm-y');
  expect(tokens()).toBe(before + 1);
  fake.failNext('/cgi-bin/kf/service_state/get', 42001, 'access_token expired');
  fake.failNext('/cgi-bin/kf/service_state/get', 42001, 'access_token expired');
  const err = await client.serviceState(OPEN_KFID, 'wm-y').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WechatApiError);
  expect((err as WechatApiError).errcode).toBe(42001);
});

it('refuses an answer of an unexpected shape, and a wrong secret', async () => {
  // errcode 0 but no service_state: the schema refuses it rather than guess.
  fake.failNext('/cgi-bin/kf/service_state/get', 0);
  await expect(client.serviceState(OPEN_KFID, 'wm-z')).rejects.toMatchObject({ errcode: -2 });
  const wrong = new KfClient({ corpId: CORP_ID, secret: 'nope_nope_nope_nope_nope', baseUrl: fake.origin, tokens: channelStore(new MemoryStorage(), 'kf-wrong/') });
  await expect(wrong.api.accessToken()).rejects.toMatchObject({ errcode: 40001 });
});
