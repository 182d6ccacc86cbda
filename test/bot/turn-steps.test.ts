/**
 * The turn's steps, each alone: a real botbuilder `TurnContext` (its `TestAdapter` keeps what the step
 * sends), a `TurnKit` with only the options the step reads, and a real SQLite file where a step records a
 * miss. The whole pipeline, through every channel, is tested by the conversation suites.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Activity, TestAdapter, TurnContext } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASKED_CARD_NUMBERS } from '../../src/channels/channel-adapter.js';
import { t } from '../../src/i18n/messages.js';
import { openDatabase, type Store } from '../../src/store/database.js';
import { KnowledgeMissStore } from '../../src/store/index.js';
import type { ConversationData, PosAssistBotOptions, Turn, TurnStep } from '../../src/bot/turn.js';
import { TurnKit } from '../../src/bot/turn-kit.js';
import { runTurn, TURN_STEPS } from '../../src/bot/turn-pipeline.js';
import { feedback } from '../../src/bot/steps/feedback.js';
import { humanRequest } from '../../src/bot/steps/human-request.js';
import { inboundChecks } from '../../src/bot/steps/inbound-checks.js';
import { merchantIdAlone } from '../../src/bot/steps/merchant-id-alone.js';
import { nothingToCancel } from '../../src/bot/steps/nothing-to-cancel.js';
import { smallTalk } from '../../src/bot/steps/small-talk.js';

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'turn-steps-'));
  store = await openDatabase({ filename: join(dir, 'steps.db') });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A turn of `text` on a fresh context; `sent` is what the step replied. */
function turnOf(text: string, extra: Partial<Turn> = {}, activity: Partial<Activity> = {}) {
  const adapter = new TestAdapter();
  const context = new TurnContext(adapter, {
    type: 'message',
    text,
    channelId: 'test',
    conversation: { id: 'c-1', isGroup: false, conversationType: 'personal', name: '' },
    from: { id: 'merchant-1', name: 'merchant' },
    recipient: { id: 'bot', name: 'bot' },
    ...activity,
  } as Activity);
  const conversation: ConversationData = { unanswered: 0, turns: 1 };
  const turn: Turn = { context, conversation, text, files: [], unusableFiles: 0, locale: 'zh-CN', ...extra };
  const sent = () => adapter.activeQueue.map((a) => a.text ?? '');
  return { turn, sent, adapter };
}

/** A kit with only what the steps under test read; flows are present or not (a step checks only that). */
function kit(options: Partial<PosAssistBotOptions> = {}): TurnKit {
  return new TurnKit({ defaultLocale: 'zh-CN', misses: new KnowledgeMissStore(store.db), ...options } as PosAssistBotOptions);
}
const withFlows = { flows: {} as NonNullable<PosAssistBotOptions['flows']> };

describe('turn steps, each alone', () => {
  it('small talk answers greetings, thanks and goodbyes, and passes everything else on untouched', async () => {
    const hello = turnOf('你好！');
    expect(await smallTalk(hello.turn, kit())).toBe(true);
    expect(hello.sent()[0]).toContain(t('zh-CN', 'hello'));
    // A greeting alone, however it is put: no question for the guide, no miss.
    for (const greeting of ['喂', '你好 在吗？', '有人在吗', 'hi there', '喂喂']) {
      const alone = turnOf(greeting);
      expect(await smallTalk(alone.turn, kit()), greeting).toBe(true);
    }
    const thanks = turnOf('thanks', { locale: 'en' });
    expect(await smallTalk(thanks.turn, kit())).toBe(true);
    expect(thanks.sent()).toEqual([t('en', 'thanks')]);
    // "好的" after an answer acknowledges it; with an offer open it is left to take the offer.
    const ok = turnOf('好的');
    expect(await smallTalk(ok.turn, kit())).toBe(true);
    expect(ok.sent()).toEqual([t('zh-CN', 'acknowledged')]);
    const offered = turnOf('好的');
    offered.turn.conversation.offer = 'cancel-transaction';
    expect(await smallTalk(offered.turn, kit())).toBe(false);
    // A question announced before it is asked: the bot listens (no guide miss).
    for (const text of ['老妹儿问你个事儿', '想咨询一下', '在不', 'can I ask something?']) {
      const asks = turnOf(text);
      expect(await smallTalk(asks.turn, kit()), text).toBe(true);
    }
    const announced = turnOf('老妹儿问你个事儿');
    await smallTalk(announced.turn, kit());
    expect(announced.sent()).toEqual([t('zh-CN', 'listening')]);
    const question = turnOf('你好，退款怎么弄？');
    expect(await smallTalk(question.turn, kit())).toBe(false);
    expect(question.sent()).toEqual([]);
  });

  it('inbound checks warn of a masked card number and pass on; an empty message ends the turn', async () => {
    const masked = turnOf('卡号 622202******1234');
    masked.turn.context.turnState.set(MASKED_CARD_NUMBERS, 1);
    expect(await inboundChecks(masked.turn, kit())).toBe(false);
    expect(masked.sent()).toEqual([t('zh-CN', 'cardNumberWarning')]);
    const empty = turnOf('');
    expect(await inboundChecks(empty.turn, kit())).toBe(true);
    expect(empty.sent()).toEqual([t('zh-CN', 'emptyMessage')]);
    const unusable = turnOf('', { unusableFiles: 1 });
    expect(await inboundChecks(unusable.turn, kit(withFlows))).toBe(true);
    expect(unusable.sent()).toEqual([t('zh-CN', 'fileUnusable')]);
  });

  it('"取消" with no flow in progress: nothing to cancel, and the offer lapses; without flows it passes on', async () => {
    const cancel = turnOf('算了');
    cancel.turn.conversation.offer = 'cancel-transaction';
    expect(await nothingToCancel(cancel.turn, kit(withFlows))).toBe(true);
    expect(cancel.sent()).toEqual([t('zh-CN', 'nothingToCancel')]);
    expect(cancel.turn.conversation.offer).toBeUndefined();
    expect(await nothingToCancel(turnOf('算了').turn, kit())).toBe(false);
    // Read as the flows read giving up: the button's "是，取消", "不用了", "never mind".
    for (const said of ['是，取消', '不用了', 'never mind']) expect(await nothingToCancel(turnOf(said).turn, kit(withFlows)), said).toBe(true);
    expect(await nothingToCancel(turnOf('取消结算要多久').turn, kit(withFlows))).toBe(false);
  });

  it('a request for a person without the handoff service is recorded for the operators and answered honestly', async () => {
    const asked = turnOf('转人工', {}, { conversation: { id: 'c-human', isGroup: false, conversationType: 'personal', name: '' } });
    expect(await humanRequest(asked.turn, kit())).toBe(true);
    expect(asked.sent()).toEqual([t('zh-CN', 'humanRequested')]);
    const recorded = await new KnowledgeMissStore(store.db).list({});
    expect(recorded.some((m) => m.conversationId === 'c-human' && m.question === '转人工')).toBe(true);
    expect(await humanRequest(turnOf('退款要几天到账').turn, kit())).toBe(false);
    // However it is put: "找你们人工", Sichuan 喊个人工, "跟我打个电话", "直接打我电话嘛".
    for (const said of ['顾客天天来店里闹 我要找你们人工', '你们喊个人工跟我打个电话嘛', '直接打我电话嘛 17504396293', '能不能找你们人工帮我查一下', '请问能不能打个电话过来 有些情况想跟人当面说一下', 'can I speak to your manager', 'get me a manager now', 'I need talk to 人工, not robot', '不想跟机器人说了', 'please transfer me to someone', 'I want customer service', 'connect me with your staff', 'is there someone I can talk to?', '听不懂人话是吧 叫你们经理出来！', 'Can someone who speaks English call me? 17103624238', '你们到底有没有人在管 叫个管事的出来跟我说！', '哎妈呀整半天也整不明白 给我整个人工来 唠两句就明白了', '三十几家门店的结算都要停，一家家在这填太费劲了，麻烦安排个客户经理跟我对接，电话13905712846', 'ugh this is taking too long. just get someone to call me, 13687210954', "Look, I appreciate the help, but I'd really rather talk this through with an actual person. Could someone from your team give me a ring?",
      'i dont want fill form, please somebody call me, my chinese reading not good. 185-2231-0496']) {
      expect(await humanRequest(turnOf(said).turn, kit()), said).toBe(true);
    }
    // A number to call about a request is no call-back request.
    for (const said of ['帮我申请退款，有问题打我电话13156036681', '有笔交易要撤销，顾客买错了东西，回头审核结果打我电话15217730096', '银行打电话给我 说我账户有几笔可疑交易要核查 让我先把结算停了', '昨晚收银员把88块的烤鱼按成了880，客人今天打电话过来说被多扣了', 'tried, it ask supervisor password. manager have it and he is in HK this week', "the bank's customer service told me to hold the payouts", '停的这段时间刷进来的钱会不会没了？还是恢复以后一起打给我', '你好，这张单子要申请退货，原因是顾客买的空调一直不制冷。我的电话18873460215，有结果打给我，谢谢', '撤销试过了 机器要刷原卡 人不在 客人电话里说全退了 回头再来付260',
      // Cantonese: the customer had someone look at the goods (搵人睇過), no one is asked for.
      '大前日有個客買咗一斤十年陳皮 3880 碌卡 佢拎返去搵人睇過 話最多得五六年 要退錢']) {
      expect(await humanRequest(turnOf(said).turn, kit()), said).toBe(false);
    }
  });

  it('👍 with no answer to rate is thanked, not stored; any other message ends the chance to rate', async () => {
    const up = turnOf('👍');
    expect(await feedback(up.turn, kit())).toBe(true);
    expect(up.sent()).toEqual([t('zh-CN', 'feedbackThanks')]);
    const other = turnOf('退款要几天');
    other.turn.conversation.feedbackFor = { question: 'q', sources: [], confidence: 1, by: 'extractive', at: new Date().toISOString() };
    expect(await feedback(other.turn, kit())).toBe(false);
    expect(other.turn.conversation.feedbackFor).toBeUndefined();
    expect(other.sent()).toEqual([]);
  });
});

describe('the pipeline', () => {
  it('a merchant ID alone with nothing under way is kept and asked what for; with a flow, or with more said, it passes on', async () => {
    for (const text of ['818830151142296', '商户号：818830151142296', '我的商户编号是818830151142296。', '八一八八三零一五一一四二二九六']) {
      const alone = turnOf(text);
      expect(await merchantIdAlone(alone.turn, kit(withFlows)), text).toBe(true);
      expect(alone.turn.conversation.merchantId, text).toBe('818830151142296');
      expect(alone.sent()[0], text).toBe(t('zh-CN', 'merchantIdAlone', { id: '818830151142296' }));
      expect(alone.adapter.activeQueue[0]!.suggestedActions?.actions.map((a) => a.title)).toContain(t('zh-CN', 'actionCheckStatus'));
    }
    for (const text of ['818830151142296 前天那笔退一下', '81883015114229', '终端号55667788']) {
      const more = turnOf(text);
      expect(await merchantIdAlone(more.turn, kit(withFlows)), text).toBe(false);
      expect(more.sent(), text).toEqual([]);
    }
    const inFlow = turnOf('818830151142296');
    inFlow.turn.conversation.flow = { flowId: 'cancel-transaction', stage: 'collecting', values: {}, skipped: [], attempts: {} } as unknown as ConversationData['flow'];
    expect(await merchantIdAlone(inFlow.turn, kit(withFlows))).toBe(false);
    expect(await merchantIdAlone(turnOf('818830151142296').turn, kit())).toBe(false);
  });

  it('runs the steps in order and stops at the first that handles the message', async () => {
    const ran: string[] = [];
    const step = (name: string, handles: boolean): TurnStep => async () => {
      ran.push(name);
      return handles;
    };
    await runTurn(turnOf('hi').turn, kit(), [step('a', false), step('b', true), step('c', true)]);
    expect(ran).toEqual(['a', 'b']);
  });

  it('puts a person before the flow in progress, the flow before small talk, and the answer last', () => {
    const names = TURN_STEPS.map((s) => s.name);
    const at = (n: string) => names.indexOf(n);
    expect(at('handoffGate')).toBeLessThan(at('humanRequest'));
    expect(at('humanRequest')).toBeLessThan(at('flowInProgress'));
    expect(at('flowInProgress')).toBeLessThan(at('smallTalk'));
    expect(at('smallTalk')).toBeLessThan(at('flowStart'));
    // A merchant ID alone is read after every request it might start, before the guide is asked.
    expect(at('flowStart')).toBeLessThan(at('merchantIdAlone'));
    expect(names.at(-1)).toBe('answer');
  });
});
