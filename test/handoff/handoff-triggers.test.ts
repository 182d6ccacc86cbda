/**
 * Every way into a handoff, each recorded with its reason (handoffs.reason), through the real server: a
 * merchant in Direct Line, an agent logged in (so the bot queues rather than taking a message).
 */
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../webchat/helpers.js';
import { isComplaint } from '../../src/bot/handoff-turns.js';
import {
  Merchant,
  agent,
  dbOf,
  details,
  handoffRows,
  onlyHandoff,
  shanghaiDate,
  startHandoffServer,
  type AgentClient,
  cancelToSlip,
  cancelToVoucher,
} from './helpers.js';

const QUEUED = '正在为您转接人工客服';
const NO_ANSWER = '没有找到可靠的答案';

/**
 * One server (and agent) for the tests that look only at their own merchant's conversation and handoff
 * — as merchants share a real server — started once per file instead of once per test. Tests that
 * change the server (a trigger on the database) or look at a whole table get a server of their own.
 */
let shared: Promise<{ s: TestServer; alice: AgentClient }> | undefined;
afterAll(async () => {
  if (shared) await (await shared).s.destroy();
});

function setup(): Promise<{ s: TestServer; alice: AgentClient }> {
  shared ??= (async () => {
    const s = await startHandoffServer();
    return { s, alice: await agent(s, 'alice') };
  })();
  return shared;
}

let ts: TestServer | undefined;
afterEach(async () => {
  await ts?.destroy();
  ts = undefined;
});

async function ownSetup(): Promise<{ s: TestServer; alice: AgentClient }> {
  ts = await startHandoffServer();
  return { s: ts, alice: await agent(ts, 'alice') };
}

describe('the merchant asks for a person', () => {
  it.each([
    ['转人工', 'zh-CN'],
    ['人工客服', 'zh-CN'],
    ['我想找客服', 'zh-CN'],
    ['找你们客服 电话一直打不通', 'zh-CN'],
    ['你们太麻烦了 直接找人帮我弄', 'zh-CN'],
    ['can I talk to an agent', 'en'],
    ['human please', 'en'],
    ['你好 我要找人工', 'zh-CN'],
    ['给我找个活人说话', 'zh-CN'],
    ['你们有没有人工啊 这个问题说不清楚', 'zh-CN'],
    ['can I speak to a manager', 'en'],
    ['有没有客服', 'zh-CN'],
    ['我说的你都不懂 人工人工', 'zh-CN'],
    ['能直接打电话说吗 打字太麻烦了', 'zh-CN'],
    ['这个问题太复杂了 我想跟你们工作人员直接沟通', 'zh-CN'],
    ['请问能不能安排工作人员联系我 电话13812450005', 'zh-CN'],
    ['我不知道终端号在哪看 你们能不能让人教我一下', 'zh-CN'],
    ['this is urgent, customer is standing at my counter, I need someone NOW', 'en'],
    // Shanghainese 寻 is 找.
    ['侬好 阿拉店里有笔钞票退勿脱 机器一直报错 侬帮我寻个人工好伐', 'zh-CN'],
  ])('"%s" → human_request', async (text, locale) => {
    const { s, alice } = await setup();
    const m = await Merchant.open(s);
    const replies = await m.turn(text, locale === 'en' ? 'transferring you to a human agent' : QUEUED);
    expect(replies).toHaveLength(1);
    const row = await onlyHandoff(s, m.conversationId);
    expect(row).toMatchObject({ status: 'waiting', reason: 'human_request', locale });
    const got = await details(s, alice, row.id);
    expect(got.package.summary).toContain(`商户最后说：${text}`);
    expect(got.events.map((e) => e.kind)).toEqual(['initiated']);
  });

  it('the 转人工客服 button the bot offers after a miss → human_request (not unanswered)', async () => {
    const { s } = await setup();
    const m = await Merchant.open(s);
    const id = await m.send('明天上海会下雨吗');
    await m.repliesTo(id, NO_ANSWER);
    const offer = (await m.activities()).find((a) => a.replyToId === id && a.text?.includes(NO_ANSWER))!;
    expect(offer.suggestedActions?.actions.map((a) => a.value)).toContain('转人工客服');
    await m.turn('转人工客服', QUEUED);
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ reason: 'human_request', status: 'waiting' });
  });
});

describe('the bot hands over on its own', () => {
  it("a customer's complaint the merchant reports is the refund's reason, not a complaint about us", () => {
    expect(isComplaint('菜品有问题，顾客投诉要退钱')).toBe(false);
    // The customer's threat, though the merchant names us elsewhere in the message; a threat against us stays one.
    expect(isComplaint('我是仁和大药房的 昨天在你们这提交了撤销申请 什么时候能有结果啊 客人说今天不退他就去投诉')).toBe(false);
    expect(isComplaint('你们再不退我就去投诉')).toBe(true);
    // A customer's threat put however it is ("今天不把钱弄回他卡上就打12315", a client's complaint against my shop).
    expect(isComplaint('业主今天一早就来岗亭闹 说今天不把钱弄回他卡上就打12315 经理说那就原路给人家')).toBe(false);
    expect(isComplaint('有个姑娘在我们猫舍买了只布偶 她说不给个说法就去12315 我们老板认了')).toBe(false);
    expect(isComplaint("He say if he don't have his money back he call his bank and make complaint against my shop. OK, fine, I give him back the money")).toBe(false);
    // A customer complaining about the shop ("要投诉我们"), in Cantonese too ("有位客投訴"), is the refund's reason.
    expect(isComplaint('昨天一个男的在我们花店订了99朵玫瑰，刷卡1299，今天打电话来骂，说送到的时候花都蔫了，要投诉我们')).toBe(false);
    expect(isComplaint('琴日晏晝有位客投诉话啲海鲜唔新鲜，经理话全单退返俾佢')).toBe(false);
    expect(isComplaint('我要投诉我们这边的客户经理')).toBe(true);
    expect(isComplaint('今天打电话来骂，说送到的时候花都蔫了，要投诉我们呀')).toBe(false);
    expect(isComplaint('一个多月前有个车主来保养刷了2150 后来发现配件没换原厂的 人家投诉了 老板说钱退给他')).toBe(false);
    // …a customer named before who came or phoned to complain; the police investigating a stolen card.
    expect(isComplaint('昨天晚上一桌客人结账刷了1264，今天打电话来投诉菜有问题，老板说整单退给他')).toBe(false);
    expect(isComplaint('警察说查清楚了会通知我们，时间不确定')).toBe(false);
    // …a member, a patient, a guest: the shop's customers too.
    expect(isComplaint('有个会员投诉说我们扣了她两次钱 这种情况你们会自动退吗还是要我apply？')).toBe(false);
    expect(isComplaint('the customer complained about the food')).toBe(false);
    expect(isComplaint('我们店被人投诉了 银行说要先停结算配合调查')).toBe(false);
    expect(isComplaint('我要投诉你们')).toBe(true);
  });

  it('the police called about stolen cards used at the shop, or the customer overcharged, is the story of a request', () => {
    expect(isComplaint('这两天机器上有几笔大额的 我怀疑是有人拿盗刷的卡来刷的 已经报警了 想先把结算停掉')).toBe(false);
    expect(isComplaint('someone paid with stolen cards, we called the police, please hold our payouts')).toBe(false);
    // A terminal taken by a dismissed cashier and used to cash out: a crime against the shop, the hold's reason.
    expect(isComplaint('上礼拜辞退的收银员走的时候把我们一台刷卡机带走了 这两天那台机器半夜还在刷 怀疑他拿去套现 已经报警了 赶紧把结算打款停了')).toBe(false);
    expect(isComplaint('38块钱的烟给刷成380了，这不坑人家嘛，给整回去')).toBe(false);
    expect(isComplaint('你们这是坑人')).toBe(true);
    // "这不是坑人吗" about a double charge, before asking for the money back: the story, not at us.
    expect(isComplaint('这不是坑人吗 机器卡了一下 被扣了两遍418 多扣的那418咋弄回去啊')).toBe(false);
    expect(isComplaint('再不给我结算我就报警')).toBe(true);
    // The police closing a road, a customer's complaint the shop wants to avoid: no complaint at us.
    expect(isComplaint('big snow storm last night, police close the mountain road, nobody can come up. so we give all money back')).toBe(false);
    expect(isComplaint("Boss say never mind lah, give back the full deposit to them, don't want to kena complain. Can or not?")).toBe(false);
    expect(isComplaint('if you do not fix this I will call the police')).toBe(true);
    // A neighbour's complaint that closed the shop is the hold's story.
    expect(isComplaint('你好我们是烧烤店楼上邻居投诉油烟环保局今天上午来查了说油烟净化器不达标让我们停业整改')).toBe(false);
    // The customer's threat told as what happened; the merchant's own names us.
    expect(isComplaint('真是服了这个客人 前天刷了2280走的 昨天跑回来说不喜欢了 不给退就要投诉 行吧 退给她')).toBe(false);
    expect(isComplaint('客人又来了 不给我退我就投诉你们')).toBe(true);
    // What the customer did, told further from the word ('客人说按完腰更疼了 投诉了'): the story of a refund.
    expect(isComplaint('要给客人退一笔钱 推拿的 客人说按完腰更疼了 投诉了')).toBe(false);
  });

  it('papers named with a complaint word ("起诉书的扫描件", "the police report") are proof sent, not a complaint', () => {
    expect(isComplaint('起诉书的扫描件')).toBe(false);
    expect(isComplaint('这是律师函和报警回执')).toBe(false);
    expect(isComplaint("here's the police report")).toBe(false);
    expect(isComplaint('我要起诉你们')).toBe(true);
    expect(isComplaint('起诉书我发了，你们再不处理我就报警')).toBe(true);
    // A lawyer's advice told as the request's story is no complaint; meaning to use one against us is.
    expect(isComplaint('我们两个合伙人在闹散伙 律师说账上进来的钱先别结出去')).toBe(false);
    expect(isComplaint('再不退我就找律师')).toBe(true);
    expect(isComplaint("I'll get a lawyer if this isn't fixed")).toBe(true);
  });

  it.each(['你们就是骗子', '我要投诉你们', '再不退钱我就报警了'])('a complaint ("%s") → complaint, at once', async (text) => {
    const { s } = await setup();
    const m = await Merchant.open(s);
    await m.turn(text, QUEUED);
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ reason: 'complaint', status: 'waiting' });
  });

  it('two unanswered questions in a row → unanswered; one is not enough', async () => {
    const { s, alice } = await setup();
    const m = await Merchant.open(s);
    const first = await m.turn('明天上海会下雨吗', NO_ANSWER);
    expect(first.join('\n')).not.toContain(QUEUED);
    expect(await handoffRows(s, m.conversationId)).toHaveLength(0);
    const second = await m.turn('推荐一部电影', QUEUED);
    expect(second[0]).toContain(NO_ANSWER);
    const row = await onlyHandoff(s, m.conversationId);
    expect(row).toMatchObject({ reason: 'unanswered', status: 'waiting' });
    // The agent sees what the bot tried.
    const pkg = (await details(s, alice, row.id)).package;
    expect(pkg.botTried.map((b) => [b.question, b.answered])).toEqual([
      ['明天上海会下雨吗', false],
      ['推荐一部电影', false],
    ]);
    expect(pkg.summary).toContain('连续两个问题没有答案');
  });

  it('statements that ask nothing (the start of a story) are no questions missed: no person for them', async () => {
    const { s } = await setup();
    const m = await Merchant.open(s);
    // Nothing in the guide about it: the merchant is asked to go on, not told "no answer".
    const first = await m.turn('我们三个伙起开的火锅店', '您接着说');
    expect(first.join('\n')).not.toContain(NO_ANSWER);
    await m.turn('气死我了', /./);
    await m.turn('昨天一个男的在我们花店订了99朵玫瑰送女朋友，刷卡1299，今天打电话来骂，说送到的时候花都蔫了', /./);
    expect(await handoffRows(s, m.conversationId)).toHaveLength(0);
    // The request the story leads to starts, with the story's facts.
    const started = await m.turn('老板说全款退给他算了，省得麻烦', '撤销 / 退货申请');
    expect(started.join('\n')).toContain('¥1,299.00');
  });

  it('a story in bursts states its request read whole; what was said on the phone, or calls counted, ask for no person', async () => {
    const { s } = await setup();
    const m = await Merchant.open(s);
    await m.turn('门店的 不是总部', /./);
    await m.turn('上个月28号有个客人报了日本七日游 团费4500刷卡付的', /./);
    const started = await m.turn('结果他护照早就过期了 加急办也赶不上出团了 名额我们已经转给别人 不扣他钱 原路给他打回去', '撤销 / 退货申请');
    expect(started.join('\n')).toContain('¥4,500.00');
    const onPhone = await m.turn('人已经走了 电话里说麻烦我们把卡上那笔弄回去', /./);
    expect(onPhone.join('\n')).not.toContain(QUEUED);
    // The shop's own visit to its customer is no person sent for.
    const visit = await m.turn('我们主管刚跟客户通了电话 明天派人上门再看看', /./);
    expect(visit.join('\n')).not.toContain(QUEUED);
    const other = await Merchant.open(s);
    const status = await other.turn('我前天托你们办的那个 给顾客退钱的事情 不晓得现在办到哪一步了呀 顾客打了两回电话来问了', /./);
    expect(status.join('\n')).not.toContain(QUEUED);
    // Who is telling it (Minnan 阮, Cantonese 我系…嘅) and how long ago: statements, no misses.
    const minnan = await Merchant.open(s);
    await minnan.turn('你好 阮是卖茶的 歹势打扰一下', /./);
    await minnan.turn('3天前有一个人客来买一套汝窑茶具 2680 刷卡的', /./);
    expect((await minnan.turn('伊转去厝里拆开才看到茶壶盖有一条裂痕 阮老板讲毋通让人客吃亏 钱全部退予伊', '撤销 / 退货申请')).join('\n')).toContain('¥2,680.00');
    expect([...(await handoffRows(s, m.conversationId)), ...(await handoffRows(s, other.conversationId)), ...(await handoffRows(s, minnan.conversationId))]).toHaveLength(0);
  });

  it('a story whose last burst asks how to give the money back is answered and offered; the IDs after a question on the way take the offer with the story', async () => {
    const { s } = await setup();
    const m = await Merchant.open(s);
    await m.turn('唉 说起来挺难受的 大前天有个阿姨在我们店里办了张洗护年卡 2400 刷的卡', /./);
    await m.turn('她家那只老金毛昨天夜里走了 今天阿姨过来在店里哭了好半天 卡一次都还没用过', /./);
    const offered = await m.turn('老板说这钱咱不能收 想给阿姨退回去 这个要怎么弄', /./);
    expect(offered.join('\n')).toContain('撤销 / 退货申请');
    const started = await m.turn('商户号 854317260093418 终端 36091785', '撤销 / 退货申请');
    expect(started.join('\n')).toContain('¥2,400.00');
    expect(await handoffRows(s, m.conversationId)).toHaveLength(0);
  });

  it('an answered question in between starts the count again', async () => {
    const { s } = await setup();
    const m = await Merchant.open(s);
    await m.turn('明天上海会下雨吗', NO_ANSWER);
    const answered = await m.turn('POS机已经结算了还能撤销交易吗', /./);
    expect(answered.join('\n')).not.toContain(NO_ANSWER);
    const miss = await m.turn('推荐一部电影', NO_ANSWER);
    expect(miss.join('\n')).not.toContain(QUEUED);
    expect(await handoffRows(s, m.conversationId)).toHaveLength(0);
  });

  it('a flow business rule (a sale 400 days ago) → business_rule, at once, nothing filed', async () => {
    const { s, alice } = await ownSetup();
    const m = await Merchant.open(s);
    const date = shanghaiDate(400);
    const replies = await m.turn(`${date}刷了3000元，凭证号000456，顾客要退货，帮我申请`, QUEUED);
    expect(replies.join('\n')).toContain('时间太久');
    expect(replies.join('\n')).not.toContain('工单号');
    const row = await onlyHandoff(s, m.conversationId);
    expect(row).toMatchObject({ reason: 'business_rule', status: 'waiting', detail: 'cancel-transaction.too_old' });
    const pkg = (await details(s, alice, row.id)).package;
    expect(pkg.summary).toContain('业务规则需要人工处理');
    expect(pkg.summary).toContain(`商户最后说：${date}刷了3000元，凭证号000456`);
    const filed = await dbOf(s).selectFrom('requests').select('id').execute();
    expect(filed).toEqual([]);
  });

  it('a slot failing its retry limit OFFERS a person; accepting hands over as slot_retry_limit', async () => {
    const { s, alice } = await setup();
    const m = await Merchant.open(s);
    await cancelToVoucher(m);
    await m.turn('12345', '凭证号');
    await m.turn('1234567', '凭证号');
    const offer = await m.turn('abcd', '转人工客服');
    expect(offer.join('\n')).not.toContain(QUEUED);
    expect(await handoffRows(s, m.conversationId)).toHaveLength(0); // only offered
    await m.turn('转人工客服', QUEUED);
    const row = await onlyHandoff(s, m.conversationId);
    expect(row).toMatchObject({ reason: 'slot_retry_limit', status: 'waiting' });
    expect(row.detail).toContain('cancel-transaction.voucher_no');
    const pkg = (await details(s, alice, row.id)).package;
    expect(pkg.summary).toContain('某一项多次填写失败');
    expect(pkg.flow).toMatchObject({ id: 'cancel-transaction', pending: 'voucher_no' });
  });

  it('a lost slip is told why it matters and OFFERS a person at once; accepting hands over as missing_document with what was gathered', async () => {
    const { s, alice } = await setup();
    const m = await Merchant.open(s);
    await cancelToSlip(m);
    const offer = await m.turn('小票找不到了', '转人工客服');
    expect(offer.join('\n')).toContain('收单机构无法受理');
    expect(await handoffRows(s, m.conversationId)).toHaveLength(0); // only offered
    await m.turn('转人工客服', QUEUED);
    const row = await onlyHandoff(s, m.conversationId);
    expect(row).toMatchObject({ reason: 'missing_document', status: 'waiting', detail: 'cancel-transaction.slip_photos' });
    const pkg = (await details(s, alice, row.id)).package;
    expect(pkg.summary).toContain('缺少必需的材料');
    expect(pkg.flow).toMatchObject({ id: 'cancel-transaction', pending: 'slip_photos' });
  });

  it('a failed submission OFFERS a person; accepting hands over as submission_failed with everything kept', async () => {
    const { s, alice } = await ownSetup();
    const m = await Merchant.open(s);
    await cancelToSlip(m);
    await m.repliesTo(await m.sendImage(''), '手机号');
    await m.turn('13800138000', '请核对');
    // The database refuses new requests (a real failure of the real store).
    await sql`CREATE TRIGGER refuse_requests BEFORE INSERT ON requests BEGIN SELECT RAISE(ABORT, 'disk full'); END`.execute(dbOf(s));
    const failed = await m.turn('确认', '转人工客服');
    expect(failed.join('\n')).not.toContain('工单号 CX-');
    expect(await handoffRows(s, m.conversationId)).toHaveLength(0); // only offered
    await m.turn('转人工客服', QUEUED);
    const row = await onlyHandoff(s, m.conversationId);
    expect(row).toMatchObject({ reason: 'submission_failed', status: 'waiting' });
    expect(row.detail).toContain('cancel-transaction');
    const pkg = (await details(s, alice, row.id)).package;
    expect(pkg.summary).toContain('提交申请失败');
    expect(pkg.flow).toMatchObject({ id: 'cancel-transaction', stage: 'confirming' });
    expect(pkg.flow!.values.map((v) => v.name)).toEqual(expect.arrayContaining(['merchant_id', 'terminal_id', 'amount', 'voucher_no', 'phone', 'slip_photos']));
    expect(pkg.attachments).toEqual([expect.objectContaining({ contentType: 'image/png' })]);
  });
});
