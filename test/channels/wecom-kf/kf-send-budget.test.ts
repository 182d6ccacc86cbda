/**
 * WeCom's send_msg allowance (5 messages within 48 hours of the customer's last message) against the fake
 * WeCom API, which enforces it with WeCom's errcode (95001): a turn that says more is merged into what is
 * left (order kept, options last), nothing is dropped silently (logged, kept in the transcript, thrown for
 * an agent's reply), and the count lives in the shared store (a second adapter over it agrees).
 */
import { MemoryStorage, type TurnContext } from 'botbuilder';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboundJournal } from '../../../src/channels/inbound-journal.js';
import { channelStore, WechatApiError, type ChannelStore, type OutgoingPart } from '../../../src/channels/wechat-platform/index.js';
import { fitInto, KF_SEND_WINDOW_MS, KfAdapter, KfClient, kfConversationId, KfSendLimitError, WECOM_KF_CHANNEL_ID } from '../../../src/channels/wecom-kf/index.js';
import { startRuntime, type TestRuntime } from '../../helpers/runtime.js';
import { kfText, kfTexts, nextHandled } from '../wechat-platform/callbacks.js';
import { CORP_ID, FakeWechatApi, KF_SECRET, KF_SEND_LIMIT, OPEN_KFID } from '../wechat-platform/fake-wechat-api.js';

let rt: TestRuntime;
let fake: FakeWechatApi;
let store: ChannelStore;
let logic: (context: TurnContext) => Promise<void>;
const logs: { level: number; msg: string; [k: string]: unknown }[] = [];

function adapterOver(channelStore: ChannelStore, logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) })): KfAdapter {
  const adapter = new KfAdapter({
    client: new KfClient({ corpId: CORP_ID, secret: KF_SECRET, baseUrl: fake.origin, tokens: channelStore }),
    store: channelStore,
    transcripts: rt.runtime.transcripts,
    journal: new InboundJournal(rt.runtime.store.db),
    logic: (context) => logic(context),
    filesDir: rt.config.paths.files,
    uploadMaxBytes: rt.config.webchat.uploadMaxBytes,
    handoff: 'console',
    logger,
  });
  rt.runtime.attach(adapter);
  return adapter;
}

let adapter: KfAdapter;

/** A customer message through sync_msg, run to its end. */
async function customerSays(user: string, text: string, on = adapter) {
  const message = kfText(user, text);
  const done = nextHandled(on, String(message.msgid));
  fake.pushKf(message);
  await on.receive({ MsgType: 'event', Event: 'kf_msg_or_event', OpenKfId: OPEN_KFID, Token: `t-${String(message.msgid)}` });
  const handled = await done;
  await on.settled();
  return handled;
}

/** An agent's reply (a proactive turn), or the error it failed with. */
async function agentSays(user: string, text: string, on = adapter): Promise<unknown> {
  let failure: unknown;
  await on.continueConversation(
    { channelId: WECOM_KF_CHANNEL_ID, conversation: { id: kfConversationId(OPEN_KFID, user) } as never, user: { id: `wxkf:${user}`, name: user }, serviceUrl: 'urn:pos-assist:wecom-kf' },
    async (context) => {
      try {
        await context.sendActivity(text);
      } catch (err) {
        failure = err;
      }
    },
  );
  return failure;
}

const sends = (user: string) => fake.callsTo('/cgi-bin/kf/send_msg').filter((c) => c.body.touser === user);
/** send_msg calls the fake accepted since the customer's last message. */
const accepted = (user: string) => fake.sentSince.get(`${OPEN_KFID}:${user}`) ?? 0;

beforeAll(async () => {
  rt = await startRuntime({ HANDOFF_BUSINESS_HOURS: 'always' });
  fake = await FakeWechatApi.start();
  store = channelStore(new MemoryStorage(), 'wecom-kf/');
  adapter = adapterOver(store);
}, 60_000);

afterAll(async () => {
  await adapter?.drain();
  await fake?.close();
  await rt?.cleanup();
});

describe('fitInto', () => {
  const text = (t: string): OutgoingPart => ({ kind: 'text', text: t });
  it('joins texts in order and keeps the options last, as a menu', () => {
    const parts = [text('a'), { kind: 'menu', text: 'pick one', options: ['x', 'y'] } as OutgoingPart, text('b'), text('c')];
    const fit = fitInto(parts, 1, 600);
    expect(fit.messages).toEqual([{ kind: 'menu', text: 'a\n\nb\n\nc\n\npick one', options: ['x', 'y'] }]);
    expect(fit.unsent).toEqual([]);
  });
  it('names files that do not fit, and returns what fits in no way as unsent (options still last)', () => {
    const image: OutgoingPart = { kind: 'image', bytes: Buffer.from('x'), name: 'slip.png', contentType: 'image/png' };
    expect(fitInto([text('a'), image, text('b')], 1, 600)).toMatchObject({ messages: [{ kind: 'text', text: 'a\n\n📎 slip.png\n\nb' }], named: [image], unsent: [] });
    expect(fitInto([text('a'), image, text('b')], 3, 600).messages).toHaveLength(3);
    const long = fitInto([text('x'.repeat(500)), text('y'.repeat(500)), text('z'.repeat(500)), { kind: 'menu', text: '', options: ['ok'] }], 2, 600);
    expect(long.messages.map((m) => m.kind)).toEqual(['text', 'menu']);
    expect(long.unsent).toHaveLength(2);
    expect(fitInto([text('a')], 0, 600)).toMatchObject({ messages: [], unsent: [text('a')] });
  });
});

describe("the adapter within WeCom's allowance", () => {
  it('a turn of 8 messages goes out as 5, in order, the options last; nothing refused, all in the transcript', async () => {
    const said = ['第一条', '第二条', '第三条', '第四条', '第五条', '第六条', '第七条'];
    logic = async (context) => {
      for (const t of said) await context.sendActivity(t);
      await context.sendActivity({ type: 'message', text: '请选择', suggestedActions: { to: [], actions: [{ type: 'imBack', title: '撤销交易', value: '撤销交易' }, { type: 'imBack', title: '转人工', value: '转人工' }] } });
    };
    expect((await customerSays('wm-many', '你好')).outcome).toBe('processed');
    expect(sends('wm-many')).toHaveLength(5);
    expect(accepted('wm-many')).toBe(5); // none refused
    const last = sends('wm-many').at(-1)!.body;
    expect(last.msgtype).toBe('msgmenu');
    expect(last.msgmenu.list.map((o: { click: { content: string } }) => o.click.content)).toEqual(['撤销交易', '转人工']);
    const all = kfTexts(fake, 'wm-many').join('\n');
    const positions = [...said, '请选择'].map((t) => all.indexOf(t));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const transcript = await rt.runtime.transcripts.getTranscriptActivities(WECOM_KF_CHANNEL_ID, kfConversationId(OPEN_KFID, 'wm-many'));
    expect(transcript.items.filter((a) => a.from?.role === 'bot').map((a) => a.text)).toEqual([...said, '请选择']);
    expect(logs.some((l) => /merged to stay within/.test(l.msg))).toBe(true);

    // "2" picks the second option of the merged menu.
    let seen = '';
    logic = async (context) => void (seen = context.activity.text ?? '');
    await customerSays('wm-many', '2');
    expect(seen).toBe('转人工');
  });

  it("an agent's reply past the allowance is not sent: logged, thrown, kept in the transcript; the customer's next message opens a new one", async () => {
    logic = async (context) => {
      for (const t of ['一', '二', '三']) await context.sendActivity(t);
    };
    await customerSays('wm-agent', '转人工');
    expect(await agentSays('wm-agent', '客服：第四条')).toBeUndefined();
    expect(await agentSays('wm-agent', '客服：第五条')).toBeUndefined();
    const before = sends('wm-agent').length;
    const failure = await agentSays('wm-agent', '客服：第六条');
    expect(failure).toBeInstanceOf(KfSendLimitError);
    expect(sends('wm-agent')).toHaveLength(before); // not even tried: WeCom would refuse it
    expect(logs.some((l) => l.conversationId === kfConversationId(OPEN_KFID, 'wm-agent') && /over WeCom's allowance/.test(l.msg))).toBe(true);
    const transcript = await rt.runtime.transcripts.getTranscriptActivities(WECOM_KF_CHANNEL_ID, kfConversationId(OPEN_KFID, 'wm-agent'));
    expect(transcript.items.map((a) => a.text)).toContain('客服：第六条');

    logic = async () => undefined;
    await customerSays('wm-agent', '还在吗');
    expect(await agentSays('wm-agent', '客服：在的')).toBeUndefined();
    expect(kfTexts(fake, 'wm-agent').at(-1)).toBe('客服：在的');
  });

  it('the count is in the shared store: another adapter (a restart, another instance) agrees', async () => {
    logic = async (context) => {
      for (const t of ['1', '2', '3', '4', '5']) await context.sendActivity(t);
    };
    await customerSays('wm-shared', '你好');
    expect(sends('wm-shared')).toHaveLength(5);
    const other = adapterOver(store);
    expect(await agentSays('wm-shared', '还有一条', other)).toBeInstanceOf(KfSendLimitError);
    expect(sends('wm-shared')).toHaveLength(5);
    await other.drain();
  });

  it('outside the 48 hours nothing goes out (the fallback: logged, thrown, in the transcript)', async () => {
    logic = async () => undefined;
    await customerSays('wm-old', '你好');
    const key = `budget/${kfConversationId(OPEN_KFID, 'wm-old')}`;
    await store.set(key, { ...(await store.get<object>(key)), since: Date.now() - KF_SEND_WINDOW_MS - 60_000 });
    expect(await agentSays('wm-old', '两天后的回复')).toBeInstanceOf(KfSendLimitError);
    expect(sends('wm-old')).toHaveLength(0);
  });

  it("when WeCom refuses with 95001 (no count on record), the refusal is thrown and the allowance marked used up", async () => {
    const blank = channelStore(new MemoryStorage(), 'wecom-kf/');
    const fresh = adapterOver(blank);
    logic = async (context) => {
      for (const t of ['a', 'b', 'c', 'd', 'e']) await context.sendActivity(t);
    };
    await customerSays('wm-unknown', '你好', fresh);
    expect(sends('wm-unknown')).toHaveLength(5);
    // The record is lost (an old store): the adapter cannot know, WeCom refuses.
    await blank.set(`budget/${kfConversationId(OPEN_KFID, 'wm-unknown')}`, undefined);
    const failure = await agentSays('wm-unknown', '第六条', fresh);
    expect(failure).toBeInstanceOf(WechatApiError);
    expect((failure as WechatApiError).errcode).toBe(KF_SEND_LIMIT);
    expect(await agentSays('wm-unknown', '第七条', fresh)).toBeInstanceOf(KfSendLimitError);
    expect(sends('wm-unknown')).toHaveLength(6); // the refused one, then no more attempts
    await fresh.drain();
  });
});
