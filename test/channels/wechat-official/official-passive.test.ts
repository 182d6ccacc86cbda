/**
 * The 5-second rule: the real callback route and adapter on 127.0.0.1 with a bot whose answer is slow (it
 * waits for the test to release it: no sleeps). WeChat gets "success" within the passive wait, and the
 * answer then goes out as a customer-service message; a quick one-message answer is the passive reply; a
 * handoff can be a `transfer_customer_service` reply.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { MemoryStorage, type TurnContext } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStore } from '../../../src/handoff/agents/agent-store.js';
import { InboundJournal } from '../../../src/channels/inbound-journal.js';
import { OfficialAccountAdapter, OfficialAccountClient, WECHAT_OFFICIAL_CHANNEL_ID } from '../../../src/channels/wechat-official/index.js';
import { channelStore, wechatCallbackRoutes, type ChannelStore } from '../../../src/channels/wechat-platform/index.js';
import { startRuntime, type TestRuntime } from '../../helpers/runtime.js';
import { callback, nextHandled, oaText, OA_AES_KEY, OA_SECRETS, OA_TOKEN, openReply, postCallback } from '../wechat-platform/callbacks.js';
import { APP_ID, APP_SECRET, FakeWechatApi } from '../wechat-platform/fake-wechat-api.js';

let rt: TestRuntime;
let fake: FakeWechatApi;
let app: FastifyInstance;
let url: string;
let adapter: OfficialAccountAdapter;
let logic: (context: TurnContext) => Promise<void>;
let store: ChannelStore;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const handled = (platformId: string) => nextHandled(adapter, platformId);

beforeAll(async () => {
  rt = await startRuntime({ HANDOFF_BUSINESS_HOURS: 'always' });
  fake = await FakeWechatApi.start();
  store = channelStore(new MemoryStorage(), 'wechat-official/');
  adapter = new OfficialAccountAdapter({
    client: new OfficialAccountClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: fake.origin, tokens: store }),
    store,
    transcripts: rt.runtime.transcripts,
    journal: new InboundJournal(rt.runtime.store.db),
    logic: (context) => logic(context),
    filesDir: rt.config.paths.files,
    uploadMaxBytes: rt.config.webchat.uploadMaxBytes,
    // Long enough for a turn on a loaded 2-core CI machine (300 ms missed the quick answer there once); the
    // slow cases wait on a gate, so only they spend the window.
    passiveReplyMs: 1500,
    transferToWechat: true,
  });
  rt.runtime.attach(adapter);
  app = Fastify();
  await app.register(wechatCallbackRoutes, {
    path: '/oa',
    secrets: { token: OA_TOKEN, encodingAesKey: OA_AES_KEY, receiveId: APP_ID },
    scheme: 'official',
    receiver: () => (xml) => adapter.receive(xml),
  });
  url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/oa`;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await adapter?.drain();
  await fake?.close();
  await rt?.cleanup();
});

describe('the passive reply and the 5-second rule', () => {
  it('a quick one-message answer is the passive reply, encrypted for WeChat', async () => {
    logic = async (context) => void (await context.sendActivity('您好，请问有什么可以帮您？'));
    const res = await postCallback(url, callback(OA_SECRETS, oaText('o-quick', '你好')));
    const reply = openReply(OA_SECRETS, res.text);
    expect(reply).toMatchObject({ ToUserName: 'o-quick', MsgType: 'text', Content: '您好，请问有什么可以帮您？' });
    expect(fake.callsTo('/cgi-bin/message/custom/send').filter((c) => c.body.touser === 'o-quick')).toHaveLength(0);
  });

  it('a slow answer: "success" within the wait, then the answer through the customer-service API', async () => {
    const gate = deferred();
    logic = async (context) => {
      await context.sendActivity('我查一下'); // collected for the passive answer…
      await gate.promise; // …but the answer is slow
      await context.sendActivity('查到了：退货报25是原交易不存在');
    };
    const msg = oaText('o-slow', '退货报25是什么意思');
    const done = handled(String(msg.MsgId));
    const res = await postCallback(url, callback(OA_SECRETS, msg));
    expect(res.text).toBe('success');
    expect(res.ms).toBeLessThan(5000);
    // What was said before the wait ended goes out at once, the rest when it comes, in order.
    await fake.waitFor((c) => c.path === '/cgi-bin/message/custom/send' && c.body.touser === 'o-slow');
    gate.resolve();
    await done;
    const texts = fake.callsTo('/cgi-bin/message/custom/send').filter((c) => c.body.touser === 'o-slow').map((c) => c.body.text.content);
    expect(texts).toEqual(['我查一下', '查到了：退货报25是原交易不存在']);
  });

  it('several messages in time still go through the API, in order (a passive reply carries only one)', async () => {
    logic = async (context) => {
      await context.sendActivity('第一条');
      await context.sendActivity({ type: 'message', text: '第二条', suggestedActions: { to: [], actions: [{ type: 'imBack', title: '撤销交易', value: '撤销交易' }, { type: 'imBack', title: '转人工', value: '转人工' }] } });
    };
    const res = await postCallback(url, callback(OA_SECRETS, oaText('o-two', '你好')));
    expect(res.text).toBe('success');
    await fake.waitFor((c) => c.path === '/cgi-bin/message/custom/send' && c.body.touser === 'o-two' && String(c.body.text?.content).startsWith('第二条'));
    const texts = fake.callsTo('/cgi-bin/message/custom/send').filter((c) => c.body.touser === 'o-two').map((c) => c.body.text.content);
    expect(texts).toEqual(['第一条', '第二条\n1. 撤销交易\n2. 转人工']);

    // "2" picks the second option of the bot's last message.
    let seen = '';
    logic = async (context) => void (seen = context.activity.text ?? '');
    await postCallback(url, callback(OA_SECRETS, oaText('o-two', '2')));
    expect(seen).toBe('转人工');
  });

  it('a turn that asks for a person answers transfer_customer_service (WeChat customer-service tools)', async () => {
    // An agent is online (else the bot takes a callback number instead).
    const agents = new AgentStore(rt.runtime.store.db, { loginMaxFailures: 5, lockoutMinutes: 15 });
    await agents.touch((await agents.add({ name: 'oa-agent', role: 'agent', password: 'long-enough-pw' })).id);
    logic = (context) => rt.runtime.bot.run(context);
    const res = await postCallback(url, callback(OA_SECRETS, oaText('o-human', '转人工客服')));
    expect(openReply(OA_SECRETS, res.text)).toMatchObject({ ToUserName: 'o-human', MsgType: 'transfer_customer_service' });
    const [handoff] = await rt.runtime.handoff.store.list(['waiting']);
    expect(handoff?.conversationId).toBe('wxoa:o-human');
  });

  it('a message whose turn never finished (the process died) is answered through the API by the next process, once', async () => {
    // A process stored the message (its journal row) and died before the turn finished.
    const journal = new InboundJournal(rt.runtime.store.db);
    const stored = await journal.record(WECHAT_OFFICIAL_CHANNEL_ID, 'o-crash2', 'crash-msg-1', {
      platformId: 'crash-msg-1',
      activity: { ...oaActivity('o-crash2', 'crash-msg-1', '退货报25是什么意思') },
      masked: 0,
      refusals: [],
    });
    expect(stored).toBeDefined();
    // The user wrote a moment ago: within the window.
    await store.set('reach/o-crash2', Date.now() + 60_000);
    const next = new OfficialAccountAdapter({
      client: new OfficialAccountClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: fake.origin, tokens: store }),
      store,
      transcripts: rt.runtime.transcripts,
      journal,
      logic: (context) => rt.runtime.bot.run(context),
      filesDir: rt.config.paths.files,
      uploadMaxBytes: rt.config.webchat.uploadMaxBytes,
    });
    rt.runtime.attach(next);
    expect(await next.replayPending()).toBe(1);
    await next.settled();
    const texts = fake.callsTo('/cgi-bin/message/custom/send').filter((c) => c.body.touser === 'o-crash2').map((c) => String(c.body.text.content));
    expect(texts.join('\n')).toContain('返回码25');
    expect(await next.replayPending()).toBe(0);
    expect(await journal.pending(WECHAT_OFFICIAL_CHANNEL_ID)).toEqual([]);
  });
});

/** The inbound activity the adapter stores for a text message (as the journal holds it). */
function oaActivity(openId: string, msgId: string, text: string) {
  return {
    id: msgId,
    type: 'message',
    text,
    timestamp: new Date().toISOString(),
    channelId: WECHAT_OFFICIAL_CHANNEL_ID,
    conversation: { id: `wxoa:${openId}`, isGroup: false, conversationType: 'personal', name: `wxoa:${openId}` },
    from: { id: `wxoa:${openId}`, name: openId, role: 'user' },
    recipient: { id: 'pos-assist', name: 'POS Assist', role: 'bot' },
    locale: 'zh-CN',
    channelData: { wechatOfficial: { msgType: 'text', openId, msgId } },
  };
}
