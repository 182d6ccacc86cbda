import type { Activity } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalAdapter } from '../../src/channels/terminal/terminal-adapter.js';
import { t } from '../../src/i18n/messages.js';
import { startRuntime, terminalConversation, type TestRuntime } from '../helpers/runtime.js';

const PAN = '4111 1111 1111 1111';

describe('PosAssistBot over the terminal channel (real SQLite, real index)', () => {
  let env: TestRuntime;
  beforeAll(async () => {
    env = await startRuntime({ HANDOFF_BUSINESS_HOURS: 'always' });
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('greets a new conversation with what it can do and suggested actions', async () => {
    const chat = terminalConversation(env.runtime, 'greet-1');
    const [greeting] = await chat.start();
    expect(greeting?.text).toBe(t('zh-CN', 'greeting'));
    const actions = greeting?.suggestedActions?.actions.map((a) => a.value);
    expect(actions).toContain(t('zh-CN', 'topicRefund'));
    expect(actions).toHaveLength(6);
  });

  it('answers a cancellation question with the refund rule and cites the section', async () => {
    const chat = terminalConversation(env.runtime, 'answer-1');
    const [reply] = await chat.say('POS机已经结算了还能撤销交易吗');
    expect(reply?.text).toContain('只能做退货');
    expect(reply?.text).toMatch(/来源：《撤销与退货的区别》› 已结算的交易怎么取消/);
    expect(await env.runtime.misses.list()).toHaveLength(0);
  });

  it('replies in English to an English question, Chinese again to a Chinese one', async () => {
    const chat = terminalConversation(env.runtime, 'lang-1');
    const [en] = await chat.say('how long does a refund take to reach the customer');
    expect(en?.text).toMatch(/^Here is what our guide says/);
    expect(en?.text).toMatch(/Source: 《/);
    const [zh] = await chat.say('退款多久到账');
    expect(zh?.text).toMatch(/来源：《/);
    expect(zh?.text).not.toMatch(/Here is what/);
  });

  it('quotes the sentences that answer, and shows the whole section when asked (查看完整说明)', async () => {
    const chat = terminalConversation(env.runtime, 'full-1');
    const [short] = await chat.say('how long does a refund take to reach the customer');
    expect(short?.suggestedActions?.actions.map((a) => a.value)).toEqual([t('en', 'actionFullSection'), t('en', 'actionFeedbackUp'), t('en', 'actionFeedbackDown')]);
    expect(short?.text).toMatch(/3 to 5 working days/);
    const [full] = await chat.say(t('en', 'actionFullSection'));
    // The whole English section: longer than the quote, holding what the quote left out, cited the same way.
    expect(full?.text?.length ?? 0).toBeGreaterThan(short?.text?.length ?? 0);
    expect(full?.text).toMatch(/same card/);
    expect(full?.text).toMatch(/Source: 《.+》› How long until the cardholder gets the money back/);
    // Typed by hand after a Chinese answer, it works too.
    await chat.say('退货多久能到账');
    const [zh] = await chat.say('查看完整说明');
    expect(zh?.text).toMatch(/来源：《撤销与退货的区别》› 退款多久到持卡人账户/);
  });

  it('answers every topic it offers, in both languages', async () => {
    const chat = terminalConversation(env.runtime, 'topics-1');
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const key of ['topicRefund', 'topicVoid', 'topicSuspend', 'topicCodes'] as const) {
        const [reply] = await chat.say(t(locale, key));
        expect(reply?.text, `${locale} ${key}`).toMatch(locale === 'en' ? /Source: 《/ : /来源：《/);
      }
    }
  });

  it('says it does not know an off-topic question, offers topics and a human, and records the miss', async () => {
    const chat = terminalConversation(env.runtime, 'miss-1');
    const [reply] = await chat.say('明天上海会下雨吗');
    expect(reply?.text).toBe(t('zh-CN', 'noAnswer'));
    const actions = reply?.suggestedActions?.actions.map((a) => a.value) ?? [];
    expect(actions.length).toBeGreaterThanOrEqual(3);
    expect(actions).toContain('转人工客服');
    const misses = await env.runtime.misses.list();
    expect(misses.find((m) => m.question === '明天上海会下雨吗')).toMatchObject({ channelId: 'terminal', userId: 'miss-1', locale: 'zh-CN' });
  });

  it('answers small talk without a knowledge lookup or a miss', async () => {
    const chat = terminalConversation(env.runtime, 'small-1');
    const before = (await env.runtime.misses.list()).length;
    expect((await chat.say('你好'))[0]?.text).toBe(t('zh-CN', 'hello'));
    expect((await chat.say('谢谢！'))[0]?.text).toBe(t('zh-CN', 'thanks'));
    expect((await chat.say('hello'))[0]?.text).toBe(t('en', 'hello'));
    expect((await env.runtime.misses.list()).length).toBe(before);
  });

  it('with no agent online, takes a message and a callback number for a person asking for one', async () => {
    const chat = terminalConversation(env.runtime, 'human-1');
    const [offer] = await chat.say('转人工');
    expect(offer?.text).toContain('人工客服都不在线');
    const [askPhone] = await chat.say('退货一直报25');
    expect(askPhone?.text).toBe(t('zh-CN', 'handoffAskPhone'));
    const [bad] = await chat.say('12345');
    expect(bad?.text).toMatch(/手机号/);
    const [done] = await chat.say('13800138000');
    expect(done?.text).toContain('138****8000');
    const tickets = await env.runtime.handoff.store.list(['ticket']);
    const mine = tickets.find((h) => h.userId === 'human-1');
    expect(mine).toMatchObject({ reason: 'human_request', callbackPhone: '13800138000', message: '退货一直报25', endReason: 'no_agent' });
    expect(mine?.package.transcript.some((l) => l.from === 'merchant' && l.text === '转人工')).toBe(true);
  });

  it('hears a request for a person however it is put (a scam story of a caller is still a question)', async () => {
    for (const [i, text] of ['能不能帮我转接一下人工坐席', '搵個人同我傾', '唔該打俾我啦', '说了半天没用，换个人来', '让你们经理联系我', 'can you ring me, this is too complicated', 'this bot is useless, get me someone', '问了半天也没解决，给我找个能拍板的人', '我不会弄这个，你们直接打电话给我吧', 'this is too complicated for me, can someone call me', '我不会弄 下午三点以后打给我', '机器报错我也看不懂 你们能不能派个人过来', '喂你好 能不能帮我转个人工啊我这边有个客人说被扣了两次钱'].entries()) {
      const chat = terminalConversation(env.runtime, `human-say-${i}`);
      const [reply] = await chat.say(text);
      expect(reply?.text, text).toMatch(/人工客服都不在线|agents are offline|no agent/i);
    }
    const [answer] = await terminalConversation(env.runtime, 'human-say-scam').say('somebody call me ask the sms code for unfreeze my account, is ok?');
    expect(answer?.text).toMatch(/Source:|来源：/);
    // Somebody else's call, told: no call back asked for ("银行风控给我打电话 说…").
    const [told] = await terminalConversation(env.runtime, 'human-say-told').say('昨天夜里银行风控给我打电话 说有好几笔上万的刷卡 叫我先把资金结算停了 钱先别打到我账上 今天就停 你帮我弄一下');
    expect(told?.text).not.toMatch(/人工客服都不在线|agents are offline|no agent/i);
  });

  it('takes "call me on 177…" said to the flow\'s question for a phone number as that number, not as a call-back request', async () => {
    const story = '商户号810100000000123，要暂停资金结算，原因是系统升级，店里换新的收银系统，后天开始，一周后恢复，合作方还没通知，材料没有';
    const chat = terminalConversation(env.runtime, 'phone-in-flow');
    const asked = await chat.say(story);
    expect(asked.at(-1)?.text).toBe('请留一个联系手机号。');
    const summary = await chat.say('有结果打电话给我 17711112222');
    expect(summary.at(-1)?.text).toMatch(/^请核对：.*联系电话 177\*\*\*\*2222/);
    // Asking for a person by name is still that, whatever the flow asked.
    const other = terminalConversation(env.runtime, 'person-in-flow');
    await other.say(story);
    const [handoff] = await other.say('转人工，我电话17711112222');
    expect(handoff?.text).toMatch(/回电 177\*\*\*\*2222/);
    // Asked for at the summary, the person calls back the number the request already has.
    const atSummary = terminalConversation(env.runtime, 'person-at-summary');
    await atSummary.say(story);
    await atSummary.say('17711112222');
    const [callback] = await atSummary.say('有人工吗 我想确认一下再提交');
    expect(callback?.text).toMatch(/回电 177\*\*\*\*2222/);
  });

  it('takes the offer to file a request however the merchant says yes, or when the reply carries its facts', async () => {
    const offered = async (id: string) => {
      const chat = terminalConversation(env.runtime, id);
      const replies = await chat.say('怎么申请暂停结算？');
      expect(replies.at(-1)?.text).toContain('需要的话，我可以现在就帮您办理');
      return chat;
    };
    for (const [i, yes] of ['好的，帮我办一下', '要的要的', '嗯嗯 麻烦了', 'yes please, go ahead'].entries()) {
      const replies = await (await offered(`offer-yes-${i}`)).say(yes);
      expect(replies.at(-1)?.text, yes).toMatch(/结算”是哪一种|Which "settlement"/);
    }
    const withFacts = await (await offered('offer-facts')).say('商户号810100000000123，资金结算');
    expect(withFacts.map((r) => r.text).join('\n')).toContain('810100000000123');
    expect(withFacts.at(-1)?.text).toMatch(/原因/);
    // A merchant ID typed in groups takes it too.
    const grouped = await (await offered('offer-facts-grouped')).say('商户号 8101 0000 0000 125');
    expect(grouped.map((r) => r.text).join('\n')).toContain('810100000000125');
    // "merchant no 8101…": the number's label, not a no.
    const withNo = await (await offered('offer-facts-no')).say('ok. merchant no 810100000000124, payout settlement');
    expect(withNo.map((r) => r.text).join('\n')).toContain('810100000000124');
    for (const [i, no] of ['不用了，谢谢', '好的，先不办了'].entries()) {
      const replies = await (await offered(`offer-no-${i}`)).say(no);
      expect(replies.map((r) => r.text).join('\n'), no).not.toMatch(/结算”是哪一种|商户编号/);
    }
  });

  it('files a request with the story sent just before it in a message of its own ("我们店下个月要搬家" / "想把结算停两个礼拜")', async () => {
    const chat = terminalConversation(env.runtime, 'story-burst');
    await chat.say('我们店下个月要搬家');
    const replies = await chat.say('想把结算停两个礼拜，资金结算，商户号810100000000321');
    const said = replies.map((r) => r.text).join('\n');
    expect(said).toContain('810100000000321');
    expect(said).toMatch(/已记下：[^。]*原因 经营调整/); // the reason, from the story
    // A question before is no story: "怎么申请退货？" then a request starts it with nothing from the question.
    const other = terminalConversation(env.runtime, 'story-question');
    await other.say('我们店下个月要搬家吗？');
    const plain = (await other.say('想把结算停两个礼拜，资金结算，商户号810100000000322')).map((r) => r.text).join('\n');
    expect(plain).toContain('810100000000322');
    expect(plain).not.toMatch(/已记下：[^。]*原因 经营调整/);
  });

  it('reads a message in traditional script as in simplified: a request for a person, with the number', async () => {
    const chat = terminalConversation(env.runtime, 'traditional-person');
    const replies = await chat.say('請問能不能安排工作人員聯繫我 電話13812450005');
    expect(replies.map((r) => r.text).join('\n')).toMatch(/138\*{4}0005|13812450005/);
  });

  it('asked after an earlier request just as a new one begins, sets the empty new one aside and looks the earlier one up', async () => {
    const chat = terminalConversation(env.runtime, 'status-set-aside');
    await chat.say('帮我申请退货');
    const replies = await chat.say('等一下，我先问问之前那个申请审核到哪了');
    expect(replies.map((r) => r.text)).toEqual(expect.arrayContaining([t('zh-CN', 'flowSetAside')]));
    expect(replies.at(-1)?.text).toMatch(/商户编号.*查您的申请/);
  });

  it('another request asked for outright mid-flow ends the one under way (the merchant ID goes along); an answer naming the topic does not', async () => {
    const chat = terminalConversation(env.runtime, 'switch-flow');
    await chat.say('我要退款');
    await chat.say('826410993308001');
    const replies = await chat.say('算了退款先不弄 我要暂停结算');
    const texts = replies.map((r) => r.text).join('\n');
    expect(texts).toContain(t('zh-CN', 'flowSwitched', { title: '撤销 / 退货申请' }));
    expect(replies.at(-1)?.text).toMatch(/结算”是哪一种/);
    // The merchant ID given for the refund is not asked again.
    const next = await chat.say('资金结算');
    expect(next.at(-1)?.text).toMatch(/原因/);
    expect(next.map((r) => r.text).join('\n')).not.toMatch(/商户编号/);
    // Nothing given but the merchant ID, another request named without a wish word ("为期二十日 暂停结算" at the
    // merchant-ID question): that is the one meant, its hold length read.
    const bare = terminalConversation(env.runtime, 'switch-bare');
    await bare.say('帮我撤销一笔交易');
    const meant = await bare.say('从明天开始关门 为期二十日 暂停结算');
    expect(meant.map((r) => r.text).join('\n')).toContain(t('zh-CN', 'flowSwitched', { title: '撤销 / 退货申请' }));
    expect(meant.map((r) => r.text).join('\n')).toMatch(/已记下：[^。]*暂停开始日期[^。]*恢复日期/);
    // Asked whether to give the refund up, another request named is the answer, whatever was given before.
    const letGo = terminalConversation(env.runtime, 'switch-let-go');
    await letGo.say('要给一个学生退一笔学费');
    await letGo.say('商户号 826410993308003');
    expect((await letGo.say('哦 不用了 那笔不弄了')).at(-1)?.text).toMatch(/确定要取消/);
    const instead = await letGo.say('其实我们真正要办的是另一件事 店里没人看 从明天开始关门 暂停结算');
    expect(instead.map((r) => r.text).join('\n')).toContain(t('zh-CN', 'flowSwitched', { title: '撤销 / 退货申请' }));
    expect(instead.map((r) => r.text).join('\n')).toContain('暂停 / 取消结算申请');
    // Looking a request up, the request named is the one to find, no new one ("status?" / "my refund request yesterday").
    const lookup = terminalConversation(env.runtime, 'switch-not-lookup');
    await lookup.say('status?');
    const found = await lookup.say('my refund request yesterday. merchant 826410993308004');
    expect(found.map((r) => r.text).join('\n')).not.toContain('Cancel a card transaction');
    // Doubting one's words before putting them right ("我是不是说岔了 其实就是想…") is no question to answer.
    const doubt = terminalConversation(env.runtime, 'switch-doubt');
    await doubt.say('帮我把结算停一下');
    const refund = await doubt.say('我是不是说岔了 其实就是想把这笔钱退给客人 不是要停整个店的结算 终端号 72232414');
    expect(refund.map((r) => r.text).join('\n')).toMatch(/撤销 \/ 退货申请[^]*终端编号 72232414/);
    // Why the payouts are held, answered with words of a refund: an answer, not a new refund request.
    const held = terminalConversation(env.runtime, 'switch-not');
    await held.say('我想暂停资金结算，商户号826410993308002');
    const answer = await held.say('顾客退货太多 资金紧张');
    expect(answer.map((r) => r.text).join('\n')).not.toContain('先不办了');
    expect(answer.at(-1)?.text).not.toMatch(/撤销 \/ 退货/);
  });

  it('the facts of a request sent right after a question about it file that request; after another question they do not', async () => {
    const chat = terminalConversation(env.runtime, 'topic-facts');
    const [answer] = await chat.say('暂停结算要什么材料');
    expect(answer?.text).toMatch(/来源：/);
    const filed = await chat.say('商户号826410993309001，下周一开始');
    expect(filed[0]?.text).toContain('暂停 / 取消结算申请');
    expect(filed.map((r) => r.text).join('\n')).toContain('826410993309001');
    // What the question told goes into the request filed after its offer ("上周…要退" is the reason).
    const told = terminalConversation(env.runtime, 'topic-told');
    await told.say('客人上周买的东西要退，已经过了好几天了还能退款吗');
    const taken = await told.say('那帮我申请吧 商户号826410993309003');
    expect(taken[0]?.text).toMatch(/已记下：.*原因 客人上周买的东西要退/);
    // Asked for outright after an answer about a sale the terminal refused, with nothing offered.
    const refused = terminalConversation(env.runtime, 'topic-asked');
    await refused.say('上上周的一笔2200退款 机器上退不了 提示超过期限 怎么办');
    const asked = await refused.say('那你帮我申请吧 商户号826410993309004');
    expect(asked[0]?.text).toContain('撤销 / 退货申请');
    // A customer's refund the terminal refused as past its days is the request at once (what is left is the
    // manual refund); the merchant ID typed in full-width digits, as some phone keyboards do, is its answer.
    const wide = terminalConversation(env.runtime, 'topic-wide');
    const wideStarted = await wide.say('10月15号刷的一笔¥1,200.00，顾客现在要退货，机器上退不了，提示超过期限');
    expect(wideStarted.map((r) => r.text).join('\n')).toContain('撤销 / 退货申请');
    const wideFiled = await wide.say('商户号８２６４１０９９３３０９００５');
    expect(wideFiled.at(-1)?.text).toContain('终端编号');
    // A request said in its own words after the question ("那帮我退第二笔吧 MID…"): the question's story is its too.
    const twice = terminalConversation(env.runtime, 'topic-own-words');
    await twice.say('昨天晚上一个司机来加油 他说被charge了两次 我POS上看确实有两笔 都是300 这种是不是只能等他银行自己退回去？');
    const second = await twice.say('那帮我退第二笔吧 MID 826410993309006 TID 19709033 第二笔voucher 713645');
    expect(second[0]?.text).toMatch(/已记下：.*原因 [^。]*两次/);
    // The offer taken in the merchant's own words ("能退就好 你帮我弄一下吧").
    const ownWords = terminalConversation(env.runtime, 'offer-own-words');
    await ownWords.say('昨天那笔能不能退啊 有个客人在我这买了个榴莲 回家打开是坏的 今天拿回来了 要退钱');
    expect((await ownWords.say('能退就好 你帮我弄一下吧 我不太会'))[0]?.text).toContain('撤销 / 退货申请');
    // "好的" after an answer only acknowledges it.
    const ack = terminalConversation(env.runtime, 'topic-ack');
    await ack.say('暂停结算要什么材料');
    expect((await ack.say('好的')).map((r) => r.text).join('\n')).not.toMatch(/我来帮您办理/);
    const general = terminalConversation(env.runtime, 'topic-none');
    await general.say('退款多久到账');
    const after = await general.say('商户号826410993309002');
    expect(after.map((r) => r.text).join('\n')).not.toMatch(/我来帮您办理/);
  });

  it('answers how to undo the merchant\'s own case and offers the request; an off-topic one gets no offer', async () => {
    const own = await terminalConversation(env.runtime, 'asked-offer').say('今天有笔交易刷错了 怎么撤销');
    expect(own.map((r) => r.text).join('\n')).toMatch(/来源：/);
    expect(own.at(-1)?.text).toContain('需要的话，我可以现在就帮您办理「撤销 / 退货申请」');
    const other = await terminalConversation(env.runtime, 'asked-no-offer').say('银行扣了我一笔年费，能申请退回吗');
    expect(other.map((r) => r.text).join('\n')).not.toContain('需要的话，我可以现在就帮您办理');
  });

  it('masks a card number everywhere and warns the merchant', async () => {
    const chat = terminalConversation(env.runtime, 'card-1');
    const replies = await chat.say(`顾客卡号 ${PAN} 要退款`);
    expect(replies[0]?.text).toBe(t('zh-CN', 'cardNumberWarning'));
    const page = await env.runtime.transcripts.getTranscriptActivities('terminal', chat.adapter.conversationId);
    const inbound = page.items.find((a) => a.from?.id === 'card-1' && a.type === 'message');
    expect(inbound?.text).toBe('顾客卡号 411111******1111 要退款');
    const everything = JSON.stringify(page.items) + JSON.stringify(chat.received) + JSON.stringify(await env.runtime.misses.list());
    expect(everything).not.toContain('4111 1111 1111 1111');
    expect(everything).not.toContain('4111111111111111');
  });

  it('keeps the conversation language in state stored in SQLite', async () => {
    const chat = terminalConversation(env.runtime, 'state-1');
    await chat.say('how do I void a sale');
    const key = `terminal/conversations/${chat.adapter.conversationId}/`;
    const rows = await env.runtime.store.db.selectFrom('bot_state').selectAll().where('key', '=', key).execute();
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.data).conversationData).toMatchObject({ locale: 'en', turns: 1 });
    // A number alone has no language: the conversation keeps English.
    const [reply] = await chat.say('12345');
    expect(reply?.text).toMatch(/^(Sorry|Here is what)/);
  });

  it('turns an exception in a turn into an apology, and the merchant message stays on record', async () => {
    const chat = terminalConversation(env.runtime, 'err-1');
    await chat.adapter.say('这条消息会出错', async () => {
      throw new Error('boom');
    });
    const last = chat.received.at(-1);
    expect(last?.text).toBe(t('zh-CN', 'internalError'));
    const page = await env.runtime.transcripts.getTranscriptActivities('terminal', chat.adapter.conversationId);
    expect(page.items.map((a) => a.text)).toEqual(['这条消息会出错', t('zh-CN', 'internalError')]);
  });

  it('leaves a message unanswered when not even the apology reaches the merchant, so it is taken up again', async () => {
    let down = true;
    const delivered: string[] = [];
    const adapter = new TerminalAdapter({
      transcripts: env.runtime.transcripts,
      userId: 'err-2',
      onActivity: (a) => {
        if (down) throw new Error('the platform is down');
        if (a.type === 'message') delivered.push(a.text ?? '');
      },
    });
    env.runtime.attach(adapter);
    const marked: string[] = [];
    const message = { type: 'message', text: '退货要多久到账', conversation: { id: adapter.conversationId }, from: { id: 'err-2', name: 'err-2' } } as Partial<Activity>;
    const turn = adapter.processActivity(message, (ctx) => env.runtime.bot.run(ctx), { afterTurn: async () => void marked.push('answered') });
    await expect(turn).rejects.toThrow('the platform is down');
    expect(marked).toEqual([]);
    // Taken up again once the platform is back: answered, and only then marked.
    down = false;
    await adapter.processActivity(message, (ctx) => env.runtime.bot.run(ctx), { afterTurn: async () => void marked.push('answered') });
    expect(marked).toEqual(['answered']);
    expect(delivered.join('\n')).toMatch(/来源：/);
    expect(delivered).not.toContain(t('zh-CN', 'internalError'));
    // An event's turn has no message to keep: its failure is logged, and what follows it goes on.
    down = true;
    await expect(adapter.continueWithEvent({ conversation: { id: adapter.conversationId } as never, channelId: 'terminal' }, 'handoff.status', { state: 'accepted' }, async () => {
      throw new Error('boom');
    })).resolves.toBeUndefined();
  });
});
