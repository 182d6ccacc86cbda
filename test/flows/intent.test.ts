/**
 * Intent detection on the real flows: a request starts its flow, a question about the topic does not
 * (it is answered, and the flow offered), and none of the 190+ evaluation questions — merchants asking
 * how things work — starts a flow, except the three that are requests in their own words.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFlows } from '../../src/flows/flow-loader.js';
import { asksIfDone, IntentDetector, isQuestion, questionBeside } from '../../src/flows/intent.js';
import { loadGlossary } from '../../src/knowledge/glossary.js';
import { loadLexicon } from '../../src/knowledge/lexicon.js';
import { useTerms } from '../../src/knowledge/text.js';

const ROOT = new URL('../..', import.meta.url).pathname;
// The segmenter as the running bot has it (the knowledge base's terms loaded): intent scores depend on
// how messages are cut into words, and must not depend on which test ran before in the same worker.
useTerms([...loadGlossary(join(ROOT, 'knowledge', 'glossary.yaml')).terms, ...loadLexicon(join(ROOT, 'knowledge', 'lexicon.yaml')).terms]);
const flows = loadFlows(join(ROOT, 'flows'));
const detector = new IntentDetector(flows.values());

function questions(file: string): string[] {
  const data = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'eval', file), 'utf8')) as { questions: { q: string }[]; offTopic: (string | { q: string })[] };
  return [...data.questions.map((x) => x.q), ...data.offTopic.map((x) => (typeof x === 'string' ? x : x.q))];
}

/** Each message starts the flow. */
function expectStarts(flowId: string, texts: string[]): void {
  for (const text of texts) expect(detector.detect(text), text).toMatchObject({ flowId, mode: 'start' });
}

describe('intent detection', () => {
  it('starts each flow from its own examples, in both languages (a question-shaped one is answered first)', () => {
    for (const flow of flows.values()) {
      for (const example of [...flow.intents['zh-CN'], ...flow.intents.en]) {
        const match = detector.detect(example);
        const question = /怎么|吗|[?？]|\b(how|what)\b/i.test(example);
        if (question) expect(match === undefined || match.flowId === flow.id, example).toBe(true);
        else expect(match, example).toMatchObject({ flowId: flow.id, mode: 'start' });
      }
    }
  });

  it('reads a request through the greeting before it, the thanks after it and full-width digits', () => {
    expect(detector.detect('在吗 退货 商户826410993305838 终端71830944 12月1号 520元')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('在吗 暂停资金结算，商户号835529061147803')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('hello, refund needed')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('你好 打扰一下 CX-20261201-0001')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('CX-20261128-0001 谢谢')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    // One's own request, named by nothing else: "我那个到底怎么样了？？".
    expect(detector.detect('我那个到底怎么样了？？客户天天来店里堵我 说我们骗钱')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('你好 上礼拜给一个超市退醋的那个 咋样了 超市天天问')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    // Typed in full-width (an input method left in that mode), dashes and all.
    expect(detector.detect('ＣＸ－２０２６１２０３－０００１ 这单到哪了😤 客人天天催')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(isQuestion('在吗 退货')).toBe(false);
    expect(isQuestion('在吗 怎么退货')).toBe(true);
  });

  it('takes a request filed before, named on its own, for a look at how it stands — not for a new one', () => {
    for (const text of ['阿拉昨日提交了一只撤销申请', '上回让你们退的那笔', '我有两个退款申请', '前几天让你们把打款先停一停', 'i filed a void yesterday', 'I submitted a refund request on Monday',
      "Hey, quick one. We asked yesterday to pause payouts for our kombucha brewery while we move the fermenting tanks. Has that gone through?",
      'Good evening sir. Kindly update me the status of refund request I have raised on Friday for my restaurant. Customer is asking daily where is his money.']) {
      expect(detector.detect(text), text).toMatchObject({ flowId: 'request-status', mode: 'start' });
    }
    expect(detector.detect('我要提交一个退货申请')).toMatchObject({ flowId: 'cancel-transaction' });
    expect(detector.detect('帮我申请退货')).toMatchObject({ flowId: 'cancel-transaction' });
  });

  it('a sale charged wrong at the till, told however long, with what to do or in English, is the request', () => {
    for (const text of [
      '喂那个我们是卖手办的今天下午有个小伙子买了个手办五百九十九块钱结果我们店员手一滑刷成了五千九百九十人家卡上扣了五千九百九十小伙子现在还在店里站着呢脸都绿了你看这个怎么弄',
      'lunch today a table of 6 paid 486 but my guy rang it up as 4860 😬 customer still at the table',
      // A sale told with its day and amount, the customer wanting the money back, left to us in the politest words.
      '您好，打扰您了。前天下午有位女同志在我店里买了两双手工千层底布鞋，一共四百六十元，是刷卡付的。重新做要等一个多月。她说不等了，想把钱拿回去。麻烦您帮我看看该怎么弄。',
      // "昨天的不要": the day's order not wanted.
      '我们大学城店昨天有个公司订了一批沙拉 1260 刷的卡 送过去人家说订成今天的了 昨天的不要 东西也没动',
      // "钱得给人家": the money has to go back.
      '大前天西庄一个老乡来买了个旋耕机的齿轮箱 2380 刷的卡 型号不对 今天东西拉回来了 钱得给人家',
      // "Hola" is a greeting, not "hold"; "must pay ¥128 but my waiter type 1280" is a mistake at the till.
      'Hola, good afternoon. I have a tapas bar. Today at lunch one table must pay ¥128 but my waiter type 1280 in the machine, and it is already pass.',
      // A customer's question reported, and the answer given: "家长问学费能不能还给他 我们同意了".
      '有个家长给孩子交了一学期的学费 1850 刷的卡 孩子转学了 家长问学费能不能还给他 我们同意了',
    ]) {
      expect(detector.detect(text), text).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    }
    // Another kind of 不要 or mistake, asked about, is no sale to undo.
    expect(detector.detect('卡号的不要发给别人吧')).toBeUndefined();
    expect(detector.detect('电话打错了怎么办')).toBeUndefined();
  });

  it('starts the cancel flow from a message that carries the details', () => {
    expect(detector.detect('昨天下午在3号店刷了1280元，凭证号000123，想撤销')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('帮我申请暂停结算')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('查一下工单进度')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('昨天刷了560元，参考号191919191919，想退货')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('刷错了，要撤销')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    // Somebody else's wish, as a question, is for the guide.
    expect(detector.detect('顾客要退款怎么办')?.mode).not.toBe('start');
    // A customer's wish told in plain non-native English is the merchant's request.
    expect(detector.detect('Yesterday one woman buy down coat for 2980 yuan, pay by card. Today she come back, she want return.')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
  });

  it('a request denied ("I never asked for any kind of hold", "我又没申请暂停结算") is a complaint, not that request', () => {
    for (const text of [
      "For the last three days our card takings haven't landed in our bank account, and I certainly never asked for any kind of hold. Merchant ID 811531261712105.",
      "I didn't ask for a hold, why is my money not here",
      '我又没申请暂停结算 钱怎么三天没到账',
    ]) {
      expect(detector.detect(text)?.flowId, text).not.toBe('suspend-settlement');
    }
    expect(detector.detect('帮我申请暂停结算')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('please hold my payouts, I never asked for a refund')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
  });

  it('"打款要停几天" with the merchant ID tells the request; "要停几天才能恢复？" asks', () => {
    expect(detector.detect('你好 我们油漆店的打款要停几天 商户号 840743370656784')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('暂停结算要停几天才能恢复？')?.mode).not.toBe('start');
  });

  it('where one\'s own request stands asked in one word ("status?", "进度？") looks it up', () => {
    for (const text of ['status?', 'status pls', 'check status', '进度？', '申请状态', '查一下退款 我们牛排馆的 商户号 802884142067742']) {
      expect(detector.detect(text), text).toMatchObject({ flowId: 'request-status', mode: 'start' });
    }
    expect(detector.detect('status of the terminal is offline, what do I do')?.flowId).not.toBe('request-status');
  });

  it('materials are never sent in words that deny sending them: "她不想重拍 要退钱" is a refund, "重新拍了一张" is not', () => {
    expect(detector.detect('昨天一个小姑娘拍了套证件照 一共168 底色弄错了 她不想重拍 要退钱')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('你们说签购单照片不清楚 我重拍了一张', { withFiles: true })?.flowId).toBe('supplement-materials');
    expect(detector.detect('Hello, got your message that our payout hold needs a valid business licence. Here is the new one.', { withFiles: true })?.flowId).toBe('supplement-materials');
  });

  it('starts the cancel flow from the facts of one transaction sent alone, labelled; not from a question or loose numbers', () => {
    expect(detector.detect('商户号826410993540003 终端72060003 昨天 350 凭证040003')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('mid 826410993540003 tid 72060003 ref 341204000003')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    // A question about them is still a question; two codes, or numbers without labels, are not a request.
    expect(detector.detect('商户号826410993540003 终端72060003 凭证040003 这笔能查到吗')?.mode).not.toBe('start');
    expect(detector.detect('商户号826410993540003 终端72060003')?.mode).not.toBe('start');
    expect(detector.detect('826410993540003 72060003 040003')?.mode).not.toBe('start');
  });

  it('reads 几天 as "how many days" when asked ("要停几天", "停几天能恢复"), not after 关/停 told ("先停几天")', () => {
    for (const q of ['暂停结算要停几天', '结算停几天能恢复', '退款几天到账']) expect(detector.detect(q)?.mode, q).not.toBe('start');
    expect(detector.detect('先停几天结算')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
  });

  it('offers, but does not start, on a question about the process', () => {
    expect(detector.detect('怎么申请暂停结算？')).toMatchObject({ flowId: 'suspend-settlement', mode: 'offer' });
    expect(detector.detect('手工退货怎么申请')).toMatchObject({ flowId: 'cancel-transaction', mode: 'offer' });
    // How to do what a request would ask, about the merchant's own case: answered, and the request offered.
    // …one's own plans or mistake told with it ("我们下个月装修 结算能停吗", "顾客刷了两次 怎么退一次"); how long it
    // takes, asked with a merchant ID, is still a question.
    for (const [q, flowId] of [['我们下个月装修 结算能停吗', 'suspend-settlement'], ['can i stop my settlement next month? we are renovating', 'suspend-settlement'], ['顾客刷了两次 怎么退一次', 'cancel-transaction'], ['商户号826410993520009 退款一般几天到账？', 'cancel-transaction']] as const) {
      expect(detector.detect(q), q).toMatchObject({ flowId, mode: 'offer', asked: true });
    }
    for (const q of ['有个客人要退货，怎么给他退？', '今天有笔交易刷错了 怎么撤销', 'customer returned the item, how do i give the money back', '俺这有一单要退咋整', '客人要退钱 咋弄', "how can i cancel yesterday's payment, the customer changed her mind", '顾客退货了 钱咋退给他']) {
      expect(detector.detect(q), q).toMatchObject({ flowId: 'cancel-transaction', mode: 'offer', asked: true });
    }
  });

  it('starts a flow for none of the evaluation questions but a known few', () => {
    const started = [...questions('dev.json'), ...questions('test.json')].filter((q) => detector.detect(q)?.mode === 'start').sort();
    // Questions that read as requests to the rules (issue 13 measures the intent gap): the list may only shrink.
    const known = [
      '对方让我把营业执照和身份证拍照发给他 说能帮我代办取消结算',
      '我想问下结算的事，我们老板说今天的账先别结算，让我把结算取消掉，可我搞不清楚他说的是机器上按的那个结算，还是钱打到卡上的那个结算，我是新来的收银员怕弄错了挨骂',
      '能帮我转人工吗，顺便问下你能不能帮我直接提交暂停结算的申请',
      '退款时候机器说不允许，是不是没给我开？',
      // Asks after an earlier request and for a new one at once: the status is shown first.
      '上回提交的停结算申请现在到哪一步了 能顺便帮我提交恢复结算吗',
      // Asks after something applied for a week ago: the merchant's requests are shown (a terminal is none of them).
      '新的POS机什么时候能寄到 已经申请一周了',
      // Asks after the merchant's own hold request: its status is shown, which answers it.
      '我申请的那个停结算到底批了没啊，等好几天了',
      // A request put as a question ("能不能先把…停一停"), with the reason told: the hold is started.
      '这阵子手头紧巴巴的，钱转不开，能不能先把俺们两家店的刷卡结算停一停？',
      '我们这个月资金紧得很，可不可以先把几个店的结算停一哈嘛？',
      // A sale of one's own told with its amounts, then how to get it back: the request is what is needed.
      '收银员把128打成1280了 顾客签完字都走了 这咋弄回去',
    ];
    expect(started.filter((q) => !known.includes(q))).toEqual([]);
  });

  it('starts the flow a merchant states as what happened and what they want, without its words', () => {
    const cases: [string, string][] = [
      ['前天那笔九百九的，顾客把货拿回来了要退钱', 'cancel-transaction'],
      ['商户号828791575352477，终端号56214781，前天的，560元，凭证号868487，顾客退货', 'cancel-transaction'],
      ['866607855624255 47915443 昨天 1280 743433 退款 顾客不要了', 'cancel-transaction'],
      ['pls refund this one, customer returned the item', 'cancel-transaction'],
      // Southwestern speech: 莫 is 别, 嘞 is 的, 屋头 is 家里.
      ['老板屋头有事要回老家一趟，卡上嘞钱这段时间莫打过来咯', 'suspend-settlement'],
      // Half pinyin, half characters, with an input method's homophone ("咱停" for 暂停).
      ['我想咱停一下jie算 店里要装秀 差不多一个月', 'suspend-settlement'],
      // Redone at the terminal, but sent with the merchant's own ID: done for them.
      ['昨天多收了客人50 整笔退了重新刷 商户号826410993570003 终端72090003', 'cancel-transaction'],
      // An input method's 推 for 退; "freeze" for a hold.
      ['昨晚上那笔一百五十八块的帮我推掉 客人说买错了', 'cancel-transaction'],
      ['need to freeze settlement to our account, we are changing our bank account. merchant no 826410993490009', 'suspend-settlement'],
      ['这个月生意不行 资金紧张 结算能不能晚几天再打 商户号826410993520004', 'suspend-settlement'],
      // How to, asked with one's own merchant ID: do it.
      ['顾客要退货 我该怎么操作 商户号826410993520009', 'cancel-transaction'],
      ['怎么申请暂停结算 商户号826410993520009', 'suspend-settlement'],
      ['店要关门装修一阵子，钱先别打到卡上了', 'suspend-settlement'],
      // 几天 after 关/停 is "a few days", not "how many days".
      ['我老婆住院了我得去医院陪着 店先关几天 刷卡的钱先别往卡里打了', 'suspend-settlement'],
      ['我们酒店要装修 从12月10号开始停资金结算 到明年1月20号恢复 商户号858565613802435', 'suspend-settlement'],
      // "有啥事打我" is "call me if anything comes up", no question.
      ['要给客人退个钱 先留个电话13170123653 有啥事打我', 'cancel-transaction'],
      // What is waited for ("新卡办好之前") is no request's progress asked after.
      ['要换收款的银行卡 旧卡那个银行下个月要销户 新卡办好之前先别往旧卡里打钱了 先暂停结算', 'suspend-settlement'],
      ["we're closing the shop for renovation, can you hold our payouts?", 'suspend-settlement'],
      ['我上礼拜提的那个退款申请审核得怎么样了', 'request-status'],
      ['那个退钱的事儿有信儿没 批了没啊', 'request-status'],
      ['hi, any update on my payout hold request?', 'request-status'],
      ['审核说让我补签购单照片，单号CX-20261201-0001', 'supplement-materials'],
      ['我那个申请要补资料，现在补给你', 'supplement-materials'],
      // How to undo one particular sale is asking for it to be undone.
      ['老铁，昨儿个那笔一千二咋整回去啊，顾客不要了', 'cancel-transaction'],
      ['这笔980的能不能给我撤了，刷错了', 'cancel-transaction'],
      ['今天早上那笔588刷重复了，帮忙处理下', 'cancel-transaction'],
      ['客人不要了，刚刷的1500能不能退', 'cancel-transaction'],
      ['上周提交的那个撤销有结果没', 'request-status'],
      // Filed on a weekday named; Shanghainese (阿拉 我们, 额 的, 哪能 怎么).
      ['阿拉礼拜五提交额退货申请 哪能还没消息啊', 'request-status'],
      ['阿拉昨日提交了一只撤销申请，有人弄了伐', 'request-status'],
      // Worried after one's own request ("哪里填错了" asks no "where").
      ['我好慌啊 前几天申请给顾客退的那笔钱 到现在都没消息 是不是哪里填错了 会不会退不了啊', 'request-status'],
      // What the review said it wants, sent now.
      ['停结算那个你们说要装修合同跟物业的通知 商户号807736152290418 我现在发', 'supplement-materials'],
      ['hi, your review team asked for the customer-signed return form for CX-20261202-0003. scanned it as a pdf', 'supplement-materials'],
      // Northern 俺; a request's kind before 单子; "没个信儿".
      ['俺那个撤销的单子到底中不中啊 咋一直没个信儿', 'request-status'],
      ['我想把结算取消了', 'suspend-settlement'],
      // Amounts in English words, as digits are.
      ['my staff charged eight hundred eighty instead of eighty-eight just now, the customer still here. can you cancel it?', 'cancel-transaction'],
      // What the review said is missing, made ready: materials for a request filed.
      ['工单CX-20261204-0001 审核说缺个盖章的退货说明 我弄好扫成PDF了 商户号826743190552816', 'supplement-materials'],
      ['上回那个退款你们说缺个盖章的说明 还有小票 我今天都弄好了', 'supplement-materials'],
      ['hi 审核那边asked for顾客签字的退货单 我已经scan成PDF了 怎么upload', 'supplement-materials'],
      ['店里缺少零钱 客人刷卡多刷了 帮我申请退款', 'cancel-transaction'],
      ['还缺50块没付 客人要退货 帮我申请', 'cancel-transaction'],
      // Reported to the police is no terminal's error message ("报" of "报25").
      ['我怀疑是有人拿盗刷的卡来刷的 已经报警了 想先把结算停掉', 'suspend-settlement'],
      // "那啥，…" opens a sentence as "um"; it asks nothing.
      ['那啥 俺家店过阵子要装修 你给俺把节算整停了呗 钱先别往卡里打了', 'suspend-settlement'],
      ['周三申请的退款到账了吗', 'request-status'],
      // Whether it can be done, asked with one's own merchant ID, however long the story: asked for.
      ['店里下周一开始装修 要关门半个月 结算能不能先停掉 商户号826410993315003', 'suspend-settlement'],
      ['过年放假 想从1月25号停结算 到2月10号恢复 商户号826410993316010', 'suspend-settlement'],
      // What the merchant asked us for before, and whether it is done yet.
      ['昨天让你们停结算的 现在停了没有啊', 'request-status'],
      ['上周申请退的那笔1200的 钱退给客人了吗 商户号826410993550007', 'request-status'],
      ['我的退款怎么还没到账 客人天天来问', 'request-status'],
      // How long one's own request takes is answered by its status; how long reviews take is for the guide.
      ['刚才提交的那个 多久能有结果 商户号826410993319002', 'request-status'],
      ['its been 5 days since I asked for a refund and nothing happened?? merchant 826410993321004', 'request-status'],
      ['我前天申请撤销的那笔 钱退到客户卡上没有 商户号826410993322002', 'request-status'],
      // Asking after it in complaint, by its reply, or typed with slips of the input method.
      ['都快一个礼拜了，我那个退款到底有没有人管啊', 'request-status'],
      ['退款申请有回复了吗？单号是CX-20261202-0003，谢谢', 'request-status'],
      ['我申请停结算好几天了 怎么还在扣 审核要多久啊', 'request-status'],
      ['咋还没给我退 是不是卡住了', 'request-status'],
      ['我那个申情批了木有', 'request-status'],
      ['any news about stopping my settlement? applied yesterday', 'request-status'],
      ['结酸先停一下 下个月装修', 'suspend-settlement'],
      // One English word is the request, as 退款 is.
      ['refund', 'cancel-transaction'],
      ['refund please', 'cancel-transaction'],
      ['我昨天在这里办的退货 顾客问钱什么时候到 826410993322007', 'request-status'],
      // "没有" at the end asks only after a request of one's own: here it says there is no voucher number.
      ['昨天刷的那笔要撤销 凭证号没有 商户号826410993322002', 'cancel-transaction'],
      ['any update on my settlement hold? merchant no 826410993316003', 'request-status'],
      ['昨天交的那个单子有人处理吗', 'request-status'],
      ['我的工单CX-20261130-0001怎么还没动静', 'request-status'],
      ['那个退钱的单子审完没啊 商户号846812357951468', 'request-status'],
      ["hey, what's happening with my refund request from last week", 'request-status'],
      ['查下进度', 'request-status'],
      ['之前申请退的那笔钱退回去了没有', 'request-status'],
      ['我上次申请撤销的那笔钱顾客收到没', 'request-status'],
      // A sale told with its day and amount, then what to do about it.
      ['顾客昨天刷了500今天要退，怎么弄？', 'cancel-transaction'],
      ['客人前天刷的1280要退，你们那边能处理吗', 'cancel-transaction'],
      ['今天刷错了一笔，刷成了1000，本来是100，咋办', 'cancel-transaction'],
      ['为什么我的退款申请被拒了 商户号826037485926037', 'request-status'],
      ['我嗰單退款搞掂未呀？商戶號848259607148259', 'request-status'],
      ['CX-20261202-0001 这个工单现在什么情况 商户号885296307418529', 'request-status'],
      ['钱刷多了，本来是86，刷成了860，昨天的事', 'cancel-transaction'],
      // A ticket number on its own, e.g. after the list of requests.
      ['CX-20261201-0001', 'request-status'],
      ['工单号：CX-20261201-0001？', 'request-status'],
      ['帮我查下CX-20261201-0001', 'request-status'],
      ['can you look up CX-20261201-0001', 'request-status'],
      ['did my refund request go through? merchant 847159263847159', 'request-status'],
      ['我那个退宽申请有结果了吗', 'request-status'],
      ['我要推货 商户号883344556677889 终端号 22334455', 'cancel-transaction'],
      ['a customer paid 230 twice by mistake this morning, one of them needs to go back', 'cancel-transaction'],
      ['审核那边要的材料我现在发给你', 'supplement-materials'],
      // A mistake told, a question on the way, a request at the end; a status asked in passing.
      ['上午刷的三百八能不能给我撤了，刷错卡了', 'cancel-transaction'],
      ['我们收银员多按了个零，4500应该是450，今天的', 'cancel-transaction'],
      ['前天卖出去一台冰箱3999，顾客退货了，钱怎么退回他卡上，帮我弄', 'cancel-transaction'],
      ['下个月初要把店转给别人了 结算那边怎么弄 先帮我停掉吧 商户号826410993380011', 'suspend-settlement'],
      ['hello, I charged a guy 1050 instead of 105 yesterday evening. how do I fix this', 'cancel-transaction'],
      ['refund this', 'cancel-transaction'],
      ['结算能停吗 我们下个月要关店一个月 826410993410010', 'suspend-settlement'],
      ['our shop is closing for 2 weeks for the holidays, dont send money to our account during that time. merchant id 826410993450006', 'suspend-settlement'],
      ['我要查一下进渡', 'request-status'],
      ['刚才那笔128刷错了要取消', 'cancel-transaction'],
      ['前天有个顾客刷了1800 现在不要了 你看看咋弄', 'cancel-transaction'],
      ['has my void been approved yet', 'request-status'],
      ['退款申请现在什么状态', 'request-status'],
      ['停结算那个事办好了没', 'request-status'],
      ['上回让你们退的那笔，退了吗', 'request-status'],
      ['刷卡刷重复了，扣了顾客两次', 'cancel-transaction'],
      ['charged a customer twice, need to fix it', 'cancel-transaction'],
      ['资金紧张，能不能先暂停结算', 'suspend-settlement'],
      // One's own sale or mistake, then whether it can be undone.
      ['这个单能退不', 'cancel-transaction'],
      // Input-method and pinyin spellings of the request words.
      ['顾客要推钱，前天刷的520', 'cancel-transaction'],
      ['tuihuo 昨天的 880', 'cancel-transaction'],
      ['暂听结算 下周开始', 'suspend-settlement'],
      ['刷错了 能撤回来不', 'cancel-transaction'],
      ['is it possible to get a refund done for a customer of mine?', 'cancel-transaction'],
      ['i want to return money to a customer', 'cancel-transaction'],
      ['前几天提交的退款咋样了', 'request-status'],
      ['申请都好几天了还没动静吗', 'request-status'],
      // Asking whether or how one sale, named by its day and amount, can be undone is asking for it.
      ['昨天刷的880可以退给顾客吗？', 'cancel-transaction'],
      ['有一单是前天的，2200块，客户要退，能办吗？', 'cancel-transaction'],
      ['我们是做家具的，上周四有个客户刷卡付了定金8000，现在不买了，要退定金，可以吗', 'cancel-transaction'],
      ['is it possible to cancel a payment i took this morning? 89 rmb, wrong amount', 'cancel-transaction'],
      ['hi, a customer returned a phone she bought 3 days ago for 2999, how do i get her money back?', 'cancel-transaction'],
      ['今日下昼碌咗張卡480，客人唔要啦，點退返俾佢？', 'cancel-transaction'],
      // Cantonese 呢 before a measure word is "this", not a question particle.
      ['呢單幫我退咗佢 客人唔要喇', 'cancel-transaction'],
      // Homophone typos of 退款 and 笔, and "thru".
      ['我要推宽 昨天九十九块钱那比 商户826410993800012', 'cancel-transaction'],
      ['hey did the refund for the 300 go thru? merchant 826410993800008', 'request-status'],
      ["what's going on with my refund", 'request-status'],
      ['is my settlement hold still on? merchant 826410993880011', 'request-status'],
      ['帮我退咗呢单', 'cancel-transaction'],
      // One sale named by when and how much, asked whether it can be undone.
      ['客人刚付的88块 能不能撤回来', 'cancel-transaction'],
      ['上午那笔300的 可以取消吗？', 'cancel-transaction'],
      ['您好 我想把昨天一笔666的交易撤销 可以吗', 'cancel-transaction'],
      ['你好，我是开超市的，今天上午收银员给一个顾客刷了两次卡，每次都是156块，顾客现在打电话过来要把多扣的退回去，这个能帮我处理吗？', 'cancel-transaction'],
      // Asking whether it can be refunded to him, a sale paid twice, a payout frozen, an instruction received.
      ['老板让我问下 今天上午刷的一笔1288 客人说不要了 能给他退了不', 'cancel-transaction'],
      ['你好 刚才有个客人刷卡 付了两遍 第二遍的不算 怎么弄掉', 'cancel-transaction'],
      ['我们公司账户要换 先把结算冻一下', 'suspend-settlement'],
      ['你们是不是让我补什么材料？我商户号826410993305824', 'supplement-materials'],
      ['顾客问钱什么时候能到他卡上 我们之前申请过退款了', 'request-status'],
      ['都快一个礼拜了 我那个退款还没弄好？？', 'request-status'],
      ['昨天提交的那个 有人看了吗', 'request-status'],
      ['客服说我的申请缺东西 缺啥', 'request-status'],
      ['hey is my payout hold active now?', 'request-status'],
      // Any question about a request of one's own filed before.
      ['上周提的那个退款 怎么一点消息都没有', 'request-status'],
      ['我的申请为什么还没人理', 'request-status'],
      ["what's going on with my request?", 'request-status'],
      ['my customer still hasnt got the money back from the refund we did last week', 'request-status'],
      ['上周提的退款 顾客还没收到钱', 'request-status'],
      ['我提交了两个申请 一个退款一个暂停结算 都帮我看下', 'request-status'],
      ['昨天申请暂停结算 今天的钱还会打过来吗', 'request-status'],
      ['hello, following up on the settlement suspension I requested two days ago', 'request-status'],
      // English typed in a hurry.
      ['hlep me cancle a transacton pls', 'cancel-transaction'],
      ['pls chek my reqest status', 'request-status'],
    ];
    for (const [text, flowId] of cases) expect(detector.detect(text), text).toMatchObject({ flowId, mode: 'start' });
  });

  it('a hold asked for until something else is done is the hold, not a status check ("等新账户办好了再恢复")', () => {
    for (const q of ['商户号805273641198326，我们要换结算账户，想从明天开始暂停资金结算，等新账户办好了再恢复', '想暂停资金结算，等装修完了再说']) {
      expect(detector.detect(q), q).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    }
    // Asked after, "办好了没" is still the status.
    expect(detector.detect('我那个暂停申请办好了没')).toMatchObject({ flowId: 'request-status' });
  });

  it('a ticket asked after in Cantonese ("呢單點解冇通過㗎") is the status', () => {
    for (const q of ['CX-20261201-0003 呢單點解冇通過㗎？我商戶號係862219047731506', 'CX-20261201-0003 呢单点解冇通过']) {
      expect(detector.detect(q), q).toMatchObject({ flowId: 'request-status', mode: 'start' });
    }
  });

  it('leaves questions, quoted terminal errors and stories about others to the guide', () => {
    for (const text of [
      '顾客要退款怎么办',
      // Whether it can be done, asked without one's own ID, asks about the rules.
      '结算能停吗',
      '撤销跳出个12',
      '退货提示57 交易不允许',
      '撤銷咗但係客人話冇收到錢喎',
      // Asked as "X不X" with a request's words in it (不算 is "this one does not count"): still a question.
      '客人刷卡被拍到算不算违规',
      '退款申请审核要多久',
      // How to do it, asked about one's own refund, is still how.
      '我的退款怎么申请',
      '我提交的暂停结算申请现在到哪一步了，在哪里能查到？',
      '怎么补充材料',
      'I received a retrieval request from the acquirer about an old sale. What do I need to send back?',
      // What a request needs, asked in general, is no instruction received and no status.
      '申请退款缺什么材料',
      '退款申请要提供什么材料',
      // The writer charged as a cardholder at another shop: no sale of their own.
      '我上周在别的饭店吃饭刷卡被多扣了200，怎么让那家店退给我',
      // Asked for approval ("…这样可以吧"), with no question word.
      '我把顾客的卡拍下来留着，方便以后给他退款，这样可以吧',
      // Undone to be done again at the terminal: how to do it oneself.
      '这单刷错金额了，还没结算，可不可以撤了再刷？',
      // The rule asked first: answered, the request offered after.
      '撤销有没有截止时间？今晚十点半还能撤今天下午那笔吗？',
    ]) {
      expect(detector.detect(text)?.mode, text).not.toBe('start');
    }
  });

  it('a story of a terminal that will not do it, sent with the slip photo, is the request (the photo is its evidence)', () => {
    const story = '一个多月前的单子，顾客要退货，机器上退不了';
    expect(detector.detect(story)?.mode).not.toBe('start');
    expect(detector.detect(story, { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    // A question stays a question, photo or not.
    expect(detector.detect('退货提示57是什么意思？', { withFiles: true })?.mode).not.toBe('start');
    // "这个帮我撤了" points at the photo sent with it; without one it names no sale.
    expect(detector.detect('这个帮我撤了', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('hi can u refund this for me? customer brought the jacket back', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('please refund this', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    // A typed-in-a-hurry English request: the flow's own typo words count ("custmer", "refnd").
    expect(detector.detect('custmer got charged twice for the same dinner on dec 4, pls refnd one of them')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    // How to be told of the result later is no status asked after.
    expect(detector.detect('有笔交易要撤销，顾客买错了东西，回头审核结果打我电话15217730096')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('我之前的申请审核结果怎么样了')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    // "啥都有" (everything is on it) asks nothing.
    expect(detector.detect('这张要refund，客人退货了，单子上啥都有你自己看哈', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    // "哪张给客人" asks which copy: a question about the slips, whatever was voided.
    expect(detector.detect('撤完打出来两张小票 哪张给客人哪张我留着')?.mode).not.toBe('start');
    expect(detector.detect('这个帮我撤了')?.mode).not.toBe('start');
    // Whether the sale sent can be undone is asking for it; without the photo it is a question.
    expect(detector.detect('这个能退吗 客人说东西有问题', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('这个能退吗 客人说东西有问题')?.mode).not.toBe('start');
    expect(detector.detect('can this one be refunded? the customer changed his mind', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('can this one be refunded? the customer changed his mind')?.mode).not.toBe('start');
    // The wish alone, in English, is the request; a question about it is not.
    for (const text of ['I want a refund', 'refund needed', 'need to do a void', 'I need a refund please']) expect(detector.detect(text), text).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    for (const text of ['When do I need to do a manual refund?', 'how long does a refund take?', 'I want a refund policy for my shop explained', 'do I need a refund or a void?']) expect(detector.detect(text)?.mode, text).not.toBe('start');
    // The photo a request waiting for more was asked for, named by its ticket, supplements it.
    expect(detector.detect('CX-20261204-0001 要的签购单照片', { withFiles: true })).toMatchObject({ flowId: 'supplement-materials', mode: 'start' });
  });

  it('reads the requests of the twenty-fourth to thirty-fifth fresh batches', () => {
    // A question inside a statement asks nothing: a day not known yet, "nothing much", "whatever you need".
    expect(detector.detect('商场通知我们这一层要统一重新装修 12月10号开始围挡 什么时候能开业要等商场再通知 这期间结算先别打了 商户号838873832528071')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('一到冬天封山就没游客了 12月15号开始停到明年3月1号 这段时间结算款先别打了 没有什么证明材料')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(isQuestion('商户号896702831059946，终端16395758，你说要什么我给你')).toBe(false);
    expect(isQuestion('什么时候能开业？')).toBe(true);
    // Northern 甭 is 别.
    expect(detector.detect('俺家那店要盘出去了 这阵子钱先甭往卡里打了 商户号886916877211453')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    // English in the plural; a question word inside a statement; "held starting tomorrow" (not "were held").
    expect(detector.detect('can you show me the status of all my requests? i think i filed 2 refunds in the last couple weeks')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect("my business partner and I are in a dispute over who gets the money from the shop, so I'd like the payouts held starting tomorrow")).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('my payouts were held')?.mode).not.toBe('start');
    expect(detector.detect('how do i hold payouts')?.mode).not.toBe('start');
    // One's own request in words too common to be tokens.
    expect(detector.detect('之前那个弄好没')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    // A sale told with its day and amount, the terminal having refused it: answered, and the request offered.
    expect(detector.detect('10月28号卖出去一台笔记本，客户刷的卡七千二，厂家检测完确认是主板坏了同意退，可机器上做退货提示超过期限了，这笔还能退给客户吗')).toMatchObject({ flowId: 'cancel-transaction', mode: 'offer' });
    // A word or two sent with the slip is about the sale on it.
    expect(detector.detect('撤不了', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('撤不了')?.mode).not.toBe('start');
    // "报停" is to hold, not a terminal's report: the question is answered and the hold offered.
    expect(detector.detect('我们是山里头开农家乐的 一到冬天封山就没游客了 往年都要关到清明以后 今年这结算要不要去报停啊')).toMatchObject({ flowId: 'suspend-settlement', mode: 'offer' });
    // Sent with the slip: what to do now the terminal refused it, or whether "这张单子能不能给人退了".
    const refused = 'customer brought back a laptop he bought from us in september, keyboard is faulty. terminal says refund period exceeded. what now?';
    expect(detector.detect(refused, { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect(refused)?.mode).not.toBe('start');
    expect(detector.detect('你好，我帮我爸问的，他店里这张单子能不能给人退了？客人买的电锤拿回去就用不了', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    // "晚几天再打" asks nothing; "停打款那个生效没有" asks after one's own hold.
    expect(detector.detect('资金周转不过来 银行贷款这个月要还 想让结算款晚几天再打 商户号828520192182823')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('停打款那个生效没有 我们明天就关门了 别到时候钱还往卡里打 商户号811979371732695')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    // "结果" inside a story is no result asked after; "申请结果怎么样" is.
    expect(detector.detect('前台申请退款：商户编号834340746456251，终端编号30718426，12月3号住客刷的房费1176元，住客订了两晚结果航班取消人没来，整笔退掉')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('之前那个申请结果怎么样')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('十月份卖的一台空调 用了一个多月坏了修不好 厂家同意退 机器上做退货说超期了做不了', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    // "人家司机还等着呢" asks nothing; with a file sent, the request that takes it comes first.
    expect(isQuestion('能退就赶紧 人家司机还等着呢 商户号851938061315977')).toBe(false);
    expect(detector.detect('this is for the request you asked more info on', { withFiles: true })).toMatchObject({ flowId: 'supplement-materials', mode: 'start' });
    expect(detector.detect('这段时间的款能先不打过来吗 商户号871676104042316')?.flowId).toBe('suspend-settlement');
    // Shanghainese: "进度哪能了" (怎么了) asks after one's own request.
    expect(detector.detect('侬好 阿拉前两日申请个退款 现在进度哪能了 弄好了伐')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    // "改成19号开始停" changes a day of the hold under way: no other request is switched to.
    expect(detector.switchedTo('等下 15号那个作废 不要了 最后一批客人18号才退房 改成19号开始停', 'suspend-settlement')).toBeUndefined();
    expect(detector.switchedTo('算了不停了 改成退货吧 昨天那笔', 'suspend-settlement')).toBe('cancel-transaction');
    // What the review said was missing, sent now.
    expect(detector.detect('上面这个是我们诊所的营业执照副本 你们那边打电话说暂停结算的申请缺这个 商户编号818206684237471')).toMatchObject({ flowId: 'supplement-materials', mode: 'start' });
  });

  it('batches 36–38: materials taken again, a request beside a general question, a hold put as a question with plans', () => {
    // "重新拍了一张" with the photo: the photo is what the materials are; without one, nothing to supplement.
    for (const text of ['重新拍了一张，这张清楚', '重拍了一张', '拍清楚了']) {
      expect(detector.detect(text, { withFiles: true }), text).toMatchObject({ flowId: 'supplement-materials', mode: 'start' });
    }
    expect(detector.detect('重新拍了一张，这张清楚')?.flowId).not.toBe('supplement-materials');
    // 补 alone is in too many words: "收费员把洗牙按补牙收了…重新刷" with the slips is a refund.
    expect(detector.detect('下午460那张收费员把洗牙按补牙收了，这笔整个退掉，让她按洗牙的价钱重新刷', { withFiles: true })?.flowId).toBe('cancel-transaction');
    // How long in general, beside one's own request that has not come through: its status offered, not a new refund.
    expect(detector.detect('退款一般要多久才能退到顾客卡上？我上礼拜申请的那个退货 到现在顾客都说没收到')).toEqual({ flowId: 'request-status', score: 1, mode: 'offer' });
    expect(detector.detect('退款一般要多久才能退到顾客卡上？')?.flowId).not.toBe('request-status');
    // A question about the rules told with the shop's own plans starts the hold; asked alone, it stays a question.
    expect(detector.detect('装修期间可以不结算吗？我们店下个月1号开始装修 大概停二十天')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('装修期间可以不结算吗？')).toBeUndefined();
    // A sale of one's own told with its day and amount, then how to undo it at the terminal: worth offering even
    // when the guide has no answer.
    expect(detector.detect('我是开药店的今天上午有个老人家刷的银行卡买了两千四百块的药后来他儿子过来说不要了我在机器上撤消它要什么主管密码我不知道密码')).toMatchObject({ flowId: 'cancel-transaction', mode: 'offer', ownSale: true });
  });

  it('batches 39–40: "卡在哪了" asks after one\'s own request; "能不能从明天开始先别往卡里打钱了" asks for a hold', () => {
    expect(detector.detect('您好 我们酒店在你们这有两个退款申请 上礼拜提的那个到现在都没动静 帮我看下卡在哪了')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    // Where to do something is still a question of how.
    expect(detector.detect('在哪里提交申请')).toBeUndefined();
    expect(detector.detect('能不能从明天开始先别往卡里打钱了，钱一进去就被扣去还贷，停一个礼拜就行')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    // Found by rewriting the batches: "我要退钱" is the request; written without marks, the general question beside
    // one's own request still offers its status.
    expect(detector.detect('那个 我要退钱')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    // "打到哪个卡上都要扯皮" asks nothing: whichever card.
    expect(detector.detect('现在闹翻了，账都还没算清楚，结算的钱先停到莫打了，不然打到哪个卡上都要扯皮')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('打到哪个卡上')).toBeUndefined();
    // A request filed before, named on its own as "…那个" (the first half of a message sent in two).
    expect(detector.detect('我前两天申请停结算那个')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('上次提的那单 我还要再退一笔')?.flowId).toBe('cancel-transaction');
    // "报了个寒假班" is signing up, no terminal's error.
    expect(detector.detect('有个家长之前报了个寒假班 刷卡3600 孩子不想学了 家长天天来闹 学费只能退给人家了')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('退钱多久到账')).toBeUndefined();
    expect(detector.detect('退款一般要多久才能退到顾客卡上 我上礼拜申请的那个退货 到现在顾客都说没收到')).toEqual({ flowId: 'request-status', score: 1, mode: 'offer' });
  });

  it('ignores small talk and empty text', () => {
    for (const text of ['你好', '谢谢', '', '   ', '明天上海会下雨吗', 'hello']) expect(detector.detect(text), text).toBeUndefined();
    // The merchant's own plan to try it, once told how, asks nothing of us.
    for (const text of ['行，那我让收银员在机器上撤一下试试', "ok I'll try it on the terminal"]) expect(detector.detect(text), text).toBeUndefined();
  });
});

describe('intent detection: batches 44–49', () => {
  it('a mistake at the till or goods brought back, told with no request word, is the request', () => {
    expectStarts('cancel-transaction', [
      '收银员手滑了，本来68块的药，刷了680',
      '前天有个婆婆在我们药房刷卡买了个血压计326，今天拿回来说用不了',
      '今日下晝收銀員手滑，同一個客碌多咗一次卡，兩次都係388，部機已經做咗結算',
      '今天上午刷的一笔金额输错了，多打了一个零，终端上撤不了',
    ]);
    // What the terminal says, asked about, stays a question.
    expect(detector.detect('撤销的时候终端上显示25是什么意思')?.mode).not.toBe('start');
  });

  it('status asked in Cantonese and with typos; "店里没人管账" is no request waiting for someone', () => {
    expect(detector.detect('喂，我上个礼拜叫你哋帮我退嗰笔钱，而家点样啦？')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('我上次体交的退款申情到那一步了')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('我们老板出国了 先停结算吧 店里没人管账')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('申请交了一个礼拜了也没人管')).toMatchObject({ flowId: 'request-status', mode: 'start' });
  });

  it('a question of how long asked beside a request: the question apart, the rest the request', () => {
    const text = "Hi, how long does a refund take to reach the customer's card? Also I need to refund a customer who paid yesterday, 2,450 RMB. Merchant ID 898310158990912, terminal 31088406.";
    expect(questionBeside(text)).toEqual({
      question: "Hi, how long does a refund take to reach the customer's card?",
      rest: 'I need to refund a customer who paid yesterday, 2,450 RMB. Merchant ID 898310158990912, terminal 31088406.',
    });
    expect(questionBeside('退款多久到账？')).toBeUndefined();
    expect(questionBeside('退款多久到账？要多久？')).toBeUndefined();
    expect(questionBeside('我要退昨天那笔2450')).toBeUndefined();
  });
});

describe('intent detection: batches 50–55', () => {
  it('requests put plainly, in Cantonese, or as what the customer wants after the terminal refused', () => {
    expectStarts('cancel-transaction', [
      '帮忙办个撤销',
      '我想办个退款',
      '唔该 有个客要退返张单 之前碌嘅卡 啲货有问题',
      '今天上午刷的一笔 患者要取消 机器上撤销提示失败了 今天还没结算',
      '昨天晚上八点多那笔1120的 客人说刷重了 帮我看看',
    ]);
    // Files beside a new request asked for are that request's, not a supplement.
    expect(detector.detect('这单帮我申请退款 签购单拍好了', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('重新拍了一张，这张清楚', { withFiles: true })?.flowId).toBe('supplement-materials');
  });

  it('status asked by the money or just after filing; holds asked for in English', () => {
    expect(detector.detect('给那个大姐退的388到了没啊 大姐今天又来店里问了')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('刚提交的那个多久有结果')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    for (const text of ['i want to cancel settlement', 'pls stop settling to my account from monday, we are closing for 2 weeks', 'can u hold my payouts? shop is being renovated, starting tmrw']) {
      expect(detector.detect(text), text).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    }
    expect(detector.detect('i want to cancel a transaction')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
  });
});

describe('intent detection: batches 56–61', () => {
  it("sales told by what went wrong with the order; a slip in hand asked about; one's own hold asked after", () => {
    for (const text of ['客人昨天买的鞋 今天拿来说码数不对 当时刷的520', '大前天有个住客订房刷了1160 结果人没来 取消预订了']) {
      expect(detector.detect(text), text).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    }
    for (const text of ['这张单子的客人今天拿回来要退货，还能退吗', '早上好，昨天下午这笔1880的要全额退，原因是客人订的生日蛋糕取消了。单子拍好了，联系电话18620457731，谢谢']) {
      expect(detector.detect(text, { withFiles: true }), text).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    }
    // Undone on the terminal already, the money not arrived: nothing to file.
    expect(detector.detect('客人上礼拜退的货 当场在机器上就退成功了 他说到现在卡里还没见到钱 天天打电话来催')).toBeUndefined();
    expect(detector.detect('我的暂停结算从哪天开始生效')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('my refund application 4 days ago, how is it now? customer ask me every day')).toMatchObject({ flowId: 'request-status', mode: 'start' });
  });
});

describe('intent detection: batches 62–67', () => {
  it('a second charge taken after the terminal said the first failed is the request', () => {
    expect(detector.detect('昨天下午有个客人买耳机，第一次刷显示失败又刷了一次，结果两笔都扣了，都是599，第二笔要退')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
  });
});

describe('intent detection: what merchants say around a request', () => {
  it('"go through" with an object is examining, not a request going through; "can you do it from tomorrow?" at the end asks for it', () => {
    const bank =
      'the bank rang me this morning, said a few card payments at my shop look dodgy and they need to go through them. they told me to get my settlement paused while they check. can you do it from tomorrow?';
    expect(detector.detect(bank)).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    for (const text of ['did my refund go through? filed it yesterday', 'hey did the refund for my customer go thru yet? its been a week.']) {
      expect(detector.detect(text), text).toMatchObject({ flowId: 'request-status', mode: 'start' });
    }
  });

  it('a double charge told with both slips attached is the request; asked as a worry without them, a question', () => {
    const told = '前天给一只猫做绝育，主人刷卡的时候机器卡住不动，以为没成功又刷了一遍，结果两笔都扣了。两张小票都拍了';
    expect(detector.detect(told, { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('以为没成功又刷了一遍，结果两笔都扣了，会不会有问题？')).toBeUndefined();
  });
});

describe('intent detection: more of how merchants put it', () => {
  it('a question whether payouts must stop is about a hold (answered, and offered); Cantonese "都未退返…做咩咁慢" asks after one\'s own request', () => {
    expect(detector.detect('我们下个月closing for renovation 大概三个礼拜 那payout是不是要停？')).toMatchObject({ flowId: 'suspend-settlement', mode: 'offer' });
    expect(detector.detect('等咗成个礼拜都未退返俾个客 你哋做咩咁慢㗎 商户号841290077364521')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    // 推获 typed for 退货.
    expect(detector.detect('我要申请推获，琴日个客买咗件外套1080蚊，佢话唔啱身')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    // "Can you refund her?" closing a story, with the slip: the request.
    const story = "Hi, a tourist bought a silk scarf at our shop and wants to return it, she says the colour is wrong. Can you refund her? Here's the slip";
    expect(detector.detect(story, { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
  });
});

describe('intent detection: batches 68–69', () => {
  it("Cantonese status of a hold filed two days ago; materials a colleague asked for, sent with the ticket; a terminal's refusal asked about", () => {
    expect(detector.detect('我早两日申请咗停结算 而家搞成点呀 商户号系868402157730964')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('hello, your colleague say need merchant copy of slip for my refund CX-20261205-0004, here', { withFiles: true })).toMatchObject({ flowId: 'supplement-materials' });
    // What to do now the terminal refused: the guide answers (no request started).
    expect(detector.detect("my terminal show 'already settled, cannot void' when i try cancel yesterday sale of 650. what i should do now?")).toBeUndefined();
    expect(detector.detect('terminal says already settled, pls refund it for me, merchant 812345678901234')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
  });
});

describe('intent detection: batches 70–71', () => {
  it('money to give back ("定金要还给她", "全额还给他们"); one\'s own refund asked after in dialect; 推个款', () => {
    expectStarts('cancel-transaction', [
      '五天前有个孃孃在我们这儿订了十桌坝坝宴 刷卡交了三千块定金 结果她屋头老人住院了 酒席办不成了 定金要还给她噻 老板说全部还 商户号815206397741058 终端58013726',
      '四个月前有对新人在我们影楼刷卡付了婚纱照套餐6800 现在两个人分手了婚不结了照也不拍了 老板心软说全额还给他们 我在机器上弄提示超过期限弄不了 商户号862930471185602 终端30947516',
      '喂喂 我要推个款 前天刷的一千二百八十块 顾客说那个毛衣洗了一次就缩水了',
    ]);
    for (const text of ['我那个退款是不是没批哦 客人来问了好几道了 钱也没见退回去 咋个回事嘛', '人家客人说卡里的钱到现在还没回来 天天打电话骂我 说我骗他钱 你们到底给退没退啊']) {
      expect(detector.detect(text), text).toMatchObject({ flowId: 'request-status', mode: 'start' });
    }
  });
});

describe('intent detection: what the review asked for', () => {
  it('"你们要营业执照跟装修合同 我都准备好了" is the supplement; a new hold with its materials ready is a new hold', () => {
    expect(detector.detect('停结算那个 你们要营业执照跟装修合同 我都准备好了 商户号867382014596725')).toMatchObject({ flowId: 'supplement-materials', mode: 'start' });
    expect(detector.detect('我要暂停结算，材料准备好了，营业执照和装修合同')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
  });
});

describe('intent detection: batches 72–73', () => {
  it('money to go back as requests ("这钱得还人家", "帮我推一哈"); a hold the bank asked for', () => {
    expectStarts('cancel-transaction', [
      '昨天下午一个大爷在我们药房刷卡买了台电子血压计 698 今天他闺女拿着盒子过来了 说医生讲腕式的量不准 要用上臂式的 盒子都没拆封 这钱得还人家',
      '昨天那个客人买了两件酒 今天又搬回来了 说屋头办酒席用不完 刷卡的 帮我推一哈',
    ]);
    expect(detector.detect('昨天夜里银行风控给我打电话 说有好几笔上万的刷卡 要我们配合核查 叫我先把资金结算停了 钱先别打到我账上 今天就停 你帮我弄一下')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
  });
});

describe('intent detection: batches 74–75', () => {
  it('"我前几天搞的那个退款 搞得么样哒" asks after one\'s own refund', () => {
    expect(detector.detect('我前几天搞的那个退款 搞得么样哒 客人天天来问')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    // After a ticket of another shop was not found: "那就查我们这家店自己的 退款那个 咋没批呢".
    expect(detector.detect('噢 那个是我们二店的单号 群里发错了 那就查我们这家店自己的 退款那个 咋没批呢')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('帮我办个退款 那个客人不要了')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
  });
});

describe('intent detection: batches 76–77', () => {
  it('money going back to the card, told as a story with no request word, in Chinese, Cantonese and English', () => {
    expectStarts('cancel-transaction', [
      '前天有个小伙子在我们纹身店约了纹大臂 刷了2800定金 今天去医院查出来对色料过敏 医生不让纹 这钱我们不能白收人家的 还回他卡上吧',
      '今天下午一桌六个人来我们店玩剧本杀 包场刷了1080 开本才半个钟头空调坏了 热得玩不下去 人都走了 这钱不能收人家的',
      '十二天前有个客户在我们4S店交了两万订车定金 刷的卡 今天厂家通知他订的那个配置停产了 车来不了 客户不想换别的车 定金要原路拿回去',
      '琴日有个客订咗两只烧鹅同埋一底叉烧 刷卡俾咗1280 今日佢话饮宴取消咗 唔要喇 啲钱要还返俾佢',
      'hi. yesterday a group of 6 book our escape room for saturday and pay 720 by card. today one girl break her leg so they all not coming. boss say ok, give the 720 back to the card',
    ]);
    // Asked whether it can go back ("这钱能不能回到她卡上"): answered, and the request offered.
    expect(detector.detect('三天前有个老太太在我们国医馆抓了十副中药 代煎的 刷卡960 今天她儿子过来说老太太住院了 医生不让喝中药 药我们还没煎 这钱能不能回到她卡上')).toMatchObject({ flowId: 'cancel-transaction', mode: 'offer' });
  });

  it('with the slip: "this one pls, refund … tag still on" and "can cancel this?" are requests; a hold "still on?" is asked after', () => {
    expect(detector.detect('this one pls, refund. wetsuit wrong size, tag still on', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('can cancel this? my staff charge 2 times for same phone case today, this is the 2nd one', { withFiles: true })).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('is my settlement hold still on? merchant 826410993880011')).toMatchObject({ flowId: 'request-status', mode: 'start' });
  });

  it('a cashier dismissed (辞退) undoes no sale; a story that ends in a polite ask is that ask', () => {
    expect(
      detector.detect('出事了 上礼拜辞退的收银员走的时候把我们一台刷卡机带走了 这两天后台看那台机器半夜还在刷 一笔好几万 怀疑他拿去套现 已经报警了 赶紧把我们的结算打款停了'),
    ).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('俺跟合伙那人闹掰了 他管着收款那张卡 这几天刷卡的钱一进去他就转走 俺一分见不着 能不能先叫打款停了 等俺俩把账算清再说')).toMatchObject({
      flowId: 'suspend-settlement',
      mode: 'start',
    });
    // …but not a polite ask for something no request does, nor a worry put as a question.
    expect(detector.detect('我是店长，这几天我要出差，收银员问能不能把主管密码发到群里让她们自己弄。这个密码到底应该谁输？你们客服能不能帮我远程输一下')?.mode).not.toBe('start');
    expect(detector.detect('亲戚说他在机器后台改几个参数就能把结算停了，省得交材料等审核。这样搞行不行？会不会惹上什么麻烦？')?.mode).not.toBe('start');
  });

  it('a deposit told with 押金/刷的卡 and no amount in figures; Shanghainese 还拨伊; "上次你们说缺的那个 我给补上了"', () => {
    expect(detector.detect('六天前有个姑娘搁俺们这租了套婚纱 押金加租金一共两千 刷的卡 今儿她妈来说婚期往后挪到明年开春了 这两千得给人退回去')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('四日前有个小姑娘辣阿拉健身房买了私教课3200 刷卡额 今朝伊讲膝盖开刀了 课一节也呒没上过 钞票要还拨伊')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('上次你们说缺的那个 我给补上了 商户号827153094461208')).toMatchObject({ flowId: 'supplement-materials', mode: 'start' });
    // From the chat that filed: "那我这个现在是啥状态" asks after that request.
    expect(asksIfDone('交上了是吧 那我这个现在是啥状态 一般多久能批下来')).toBe(true);
  });

  it('"payouts held until the lawsuit ends"; Shanghainese 覅; "where are we with the hold"; a refund past the terminal\'s days', () => {
    expect(detector.detect("Our landlord changed the locks on our café last week and we've taken him to court. We can't trade, so we'd like our card payouts held until the lawsuit ends.")).toMatchObject({
      flowId: 'suspend-settlement',
      mode: 'start',
    });
    expect(detector.detect('阿拉店开辣商场里向 商场要整体停业改造 通知讲14号开始全部关门 刷卡额钞票搿段辰光先覅打过来')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('Hi, where are we with the hold on our payouts? The refund is sorted, I just need to know about the hold. Merchant ID 870412396651027')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('一个半月前有个客户在我们这定了一批橱柜门板 6400 刷卡付的 厂家到现在都没做出来 客户不等了要退钱 我在机器上做退货 提示超过退货期限')).toMatchObject({
      flowId: 'cancel-transaction',
      mode: 'start',
    });
    // What a refund past its days is, asked as a question, stays the guide's.
    expect(detector.detect('退货提示超过期限是什么意思')?.mode).not.toBe('start');
  });

  it('batches 82–83: money given back told in new words; payouts held while shut; "where request CX-… stands"; "check my refund"', () => {
    expectStarts('cancel-transaction', [
      '二十天前有个女儿给她爸妈买了两份体检套餐1980 结果老爷子上礼拜住院了 这套餐一项都没做 用不上了 我们主任同意了 一分不扣都给人家',
      "Afternoon. A couple wanted to split the ¥640 bill, he paid cash, but our server put both halves on her card. That second ¥320 on her card shouldn't be there.",
      'Last night the bar tab for room 1208, ¥415, was put on the card of the guest in 1028. She is out of pocket ¥415 for nothing.',
      '一个多月前有对新人订了婚礼的全套花艺 8800 刷卡付的 婚礼不办了 老板说钱一分不留全给人家 可我在机器上一操作就提示超过期限 弄不了',
    ]);
    expect(detector.detect("Hello, our restaurant is closing for a kitchen refit and we'd like our card payouts held while we're shut.")).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('我们店要搬家 新店还没弄好 这段时间先暂停给我们打款')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('Would you kindly let me know where request CX-20261205-0001 stands? The customer has asked me twice.')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('hi, I want check my refund. the one I send 2 days ago, not the old one. merchant 848630127759402')).toMatchObject({ flowId: 'request-status', mode: 'start' });
  });

  it('batches 84–85: Minnan, Wu and Tianjin status questions; a hold asked 拜托 or "…好不好"; a lost receiving card; "kindly return the full amount"', () => {
    expectStarts('request-status', [
      '请问一下 阮前两天申请的那个退款 单号CX-20261205-0001 到底有批落来否 客人一直来店里问',
      '侬好 阿拉上趟报额退款额事体 到现在哪能了 停结算额覅管伊 商户号806215397742018',
      '介退款嘛时候能下来啊 都三天了 客人天天上门问 单号CX-20261204-0004',
    ]);
    for (const text of ['那个 要拜托一下 你们打钱给阮那个 先停到1月3号好不好 3号再开始打', '我收款绑的那张银行卡昨天丢了已经去银行挂失了 新卡银行说得等七个工作日 这期间你们别往那张卡里打钱 打进去我也取不出来']) {
      expect(detector.detect(text), text).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    }
    // Of two requests a message fits, the one it says more of; a word said negated ("不停了") counts for nothing.
    expect(detector.detect('商户号 874105236690218 我们串串店要换门头重新装修 从后天起停十天 十天后恢复打款 没得啥子材料 帮我弄一下嘛')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('我们驾校的 有个学员的报名费要退')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('喂 我琴日交嘅退款 而家去到边一步呀')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect("Hi, could you check a refund request for me? Not the one from last week, that's sorted. The newer one, lodged the day before yesterday. MID 835720164493017.")).toMatchObject({
      flowId: 'request-status',
      mode: 'start',
    });
    expect(detector.detect('不是啦 阮是要你们先不要把钱打到阮的户头 阮茶叶店要搬去新的店面 装修要一段时间')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('A lady purchased a 10-class yoga pack from our studio 11 days ago, ¥2,200, and has attended zero classes. Our owner has agreed, kindly return the full amount to her card.')).toMatchObject({
      flowId: 'cancel-transaction',
      mode: 'start',
    });
  });

  it('a status asked in pinyin ("wo de tuikuan shenqing CX-… shenme zhuangtai")', () => {
    expect(detector.detect('hi, wo de tuikuan shenqing CX-20261205-0003 xianzai shenme zhuangtai? customer ask me everyday')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('shenqing jindu zenme cha')?.mode).not.toBe('start');
  });

  it('fresh batches 88–89: holds asked as "别往这张卡上打钱", "别给我走账", "先在你们那放着"; a tour signed up for and a job that cannot be done are no terminal errors; English refunds told in -ing', () => {
    for (const text of ['解冻之前别往这张卡上打钱了', '这段时间pos机上也没啥流水 卡上就别给我走账了 开学了再说', '关门这阵子 刷卡的那个钱 你们就先不要往我卡上打了吧', '这段时间你们那边往卡上打过来的钱 就先在你们那放着吧 等我回来再说']) {
      expect(detector.detect(text), text).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    }
    expectStarts('cancel-transaction', [
      '上个月28号有个客人报了日本七日游 团费4500刷卡付的 不扣他钱 原路给他打回去',
      '8天前有户人家定了一套衣柜 交了5000定金 刷的卡 今天师傅上门量尺寸 吊柜根本挂不住 做不了 定金得还给人家',
      '刷完他老板说要用公司油卡付 又拿油卡付了一遍 卡上那笔420不该扣他的',
      'One of our members bought a 10-visit pass two days ago for ¥1,200, then broke his wrist, so we\'re refunding the whole pass.',
      "A client put down a ¥4,500 deposit on a bespoke suit nine days ago. The mill discontinued the cloth, so we've agreed to give him the deposit back in full.",
    ]);
    // The terminal refusing is still a question of what to do.
    expect(detector.detect('机器一直显示通讯失败 交易做不了')?.mode).not.toBe('start');
  });

  it('fresh batches 90–91: holds in Cantonese and Wu, "先压着", "等调查结果出来再说"; a ticket asked after with typos; relative clauses and a reported question ask nothing', () => {
    expectStarts('suspend-settlement', [
      '闩铺呢段时间 啲卡数你哋帮我留喺度先 等我返嚟先至过落我个户口',
      '搿段辰光关门 卡里向个钞票侬先勿要打过来',
      '茶馆只能关着 刷卡机这阵子也没人用 卡上那点钱你们那边就先压着 不着急打',
      '调查期间让我们暂停刷卡收款 之前刷进来的钱也先别给我结到账上 等调查结果出来再说',
    ]);
    expect(detector.detect('宫单CX-20261204-0001 咋样拉 是不是被剥回了')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('收到短信说我那个退款的小票照片太糊了 要重新传')).toMatchObject({ flowId: 'supplement-materials', mode: 'start' });
    expectStarts('cancel-transaction', [
      "On 22nd October a gentleman bought a writing box from us for ¥8,800. Our restorer found the inlay is a later replacement, which we hadn't disclosed, so we've agreed to take it back and refund him in full.",
      "The buyer's restorer has now found active woodworm in the back panels, so I've agreed to take it back and refund him in full.",
      '6 days ago one parent pay next term fees 1650 by card, family relocating, boss say never mind, return her the full fees lor',
      '今天她打电话来说团建取消 问我们能不能通融一下 老板说场子还能再卖 钱给她们弄回去',
    ]);
    // The terminal declining is no request of ours declined; a customer's question is still one.
    expect(detector.detect("I tried the refund on the terminal but it's declined it as being past the refund period.")?.flowId).not.toBe('request-status');
    expect(detector.detect('客人问能不能退')?.mode).not.toBe('start');
  });
});
