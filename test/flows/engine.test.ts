/**
 * The flow engine over the real flows (flows/*.yaml) and the real slot types, at a fixed instant:
 * 2026-11-25 12:00 in Asia/Shanghai (a Wednesday). Every behaviour is a plain input → output check.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locale } from '../../src/i18n/messages.js';
import { FlowEngine, isBareAnswer, type FileRef, type FlowInput, type FlowState, type SlotValue, type Step } from '../../src/flows/engine.js';
import { loadFlows, parseFlowFile } from '../../src/flows/flow-loader.js';
import { flowText } from '../../src/flows/flow-messages.js';
import { SLOT_TYPES } from '../../src/flows/slot-types/index.js';
import { withoutCourtesy } from '../../src/flows/utterances.js';
import { SLIP_TIME } from '../../src/flows/slip-choice.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const FLOWS = loadFlows(join(ROOT, 'flows'));
const engine = new FlowEngine(FLOWS, { slotTypes: SLOT_TYPES });
const NOW = new Date('2026-11-25T04:00:00Z');

const MID = '123456789012345';
const TID = '12345678';
const PHONE = '13800138000';
const CANCEL_START = '昨天下午在3号店刷了1280元，凭证号000123，想撤销';

type Msg = string | FlowInput;

function input(m: Msg): FlowInput {
  return typeof m === 'string' ? { text: m } : m;
}

function file(n: number, contentType = 'image/png', ext = 'png'): FileRef {
  return { file: `${n.toString(16).padStart(2, '0').repeat(32)}.${ext}`, contentType, size: 1234, name: `slip-${n}.${ext}` };
}

function files(...refs: FileRef[]): FlowInput {
  return { text: '', files: refs };
}

interface TalkOptions {
  locale?: Locale;
  now?: Date;
  prefill?: Record<string, SlotValue>;
}

/** Starts a flow with the first message and feeds the others; every step, in order. */
function talk(flowId: string, messages: Msg[], opts: TalkOptions = {}): Step[] {
  const locale = opts.locale ?? 'zh-CN';
  const now = opts.now ?? NOW;
  const steps = [engine.start(flowId, input(messages[0]!), now, locale, opts.prefill)];
  for (const m of messages.slice(1)) {
    const state = steps.at(-1)!.state;
    if (!state) throw new Error(`the flow ended before ${JSON.stringify(m)}: ${JSON.stringify(steps.at(-1)!.outcome)}`);
    steps.push(engine.handle(state, input(m), now, locale));
  }
  return steps;
}

function last(flowId: string, messages: Msg[], opts: TalkOptions = {}): Step {
  return talk(flowId, messages, opts).at(-1)!;
}

/** What the cancel flow says when the merchant has no slip (its `missing`). */
function slipMissing(): string {
  return FLOWS.get('cancel-transaction')!.slots.find((s) => s.name === 'slip_photos')!.missing!['zh-CN'];
}

/** Continues from a state. */
function send(state: FlowState | undefined, m: Msg, locale: Locale = 'zh-CN'): Step {
  if (!state) throw new Error('no state');
  return engine.handle(state, input(m), NOW, locale);
}

function said(step: Step): string {
  return step.say.map((s) => s.text).join('\n');
}

function shown(state: FlowState | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(state?.values ?? {}).map(([k, v]) => [k, v.display]));
}

function valueOf(state: FlowState | undefined, name: string): unknown {
  return state?.values[name]?.value;
}

function prompt(flowId: string, slot: string, locale: Locale = 'zh-CN'): string {
  const found = FLOWS.get(flowId)!.slots.find((s) => s.name === slot);
  if (!found) throw new Error(`no slot ${slot} in ${flowId}`);
  return found.prompt[locale];
}

/** The last thing said, which is the prompt the merchant answers next. */
function lastSaid(step: Step): string {
  return step.say.at(-1)?.text ?? '';
}

// Paths through cancel-transaction.
const TO_CARD: Msg[] = [CANCEL_START, MID, TID]; // pending: card_last4
const TO_CONFIRM: Msg[] = [...TO_CARD, '跳过', '顾客退货', files(file(1)), PHONE]; // confirming (a refund: yesterday)
const SAME_DAY: Msg[] = ['想撤销', MID, TID, '今天', '1280', '凭证号000123', '跳过']; // pending: batch_settled

// Paths through suspend-settlement.
const SUSPEND_TO_START: Msg[] = ['我想暂停结算', '资金结算', MID, '经营调整']; // pending: start_date (a named reason asks no detail)
const SUSPEND_TO_CONFIRM: Msg[] = [...SUSPEND_TO_START, '12月1日', '2027年1月5日', '跳过', '没有', PHONE];

describe('starting a flow', () => {
  it('reads the story told before a question, labels written without 号, and digits read out one by one', () => {
    const story = engine.start('cancel-transaction', { text: '你好 刚才有个客人刷卡 付了两遍 第二遍的不算 怎么弄掉' }, NOW, 'zh-CN').state!;
    expect(valueOf(story, 'reason')).toBe('刚才有个客人刷卡，付了两遍');
    // A space before the question ends the story on a phone; "我不知道" (the password) chooses nothing ahead.
    const typed = talk('cancel-transaction', ['刚刚刷错了一笔99 怎么撤销', '我试过了 提示要主管密码 我不知道 你们帮我撤吧 商户号' + MID]).at(-1)!.state!;
    expect([valueOf(typed, 'reason'), valueOf(typed, 'void_tried'), typed.values.batch_settled]).toEqual(['刚刚刷错了一笔99', 'failed', undefined]);
    // A sale swiped in the morning, no other day named, is today's; the English story before a question too.
    expect(valueOf(engine.start('cancel-transaction', { text: '早上刷了个35的 刷错卡了 想撤消' }, NOW, 'zh-CN').state, 'transaction_date')).toBe('2026-11-25');
    expect(valueOf(engine.start('cancel-transaction', { text: '昨天早上刷的35 刷错卡了' }, NOW, 'zh-CN').state, 'transaction_date')).toBe('2026-11-24');
    const english = engine.start('cancel-transaction', { text: 'A customer bought a jacket for 899 on Monday and brought it back today. How can I give her the money back?' }, NOW, 'en').state!;
    expect(valueOf(english, 'reason')).toBe('A customer bought a jacket for 899 on Monday and brought it back today');
    // A question alone says nothing that happened.
    expect(engine.start('cancel-transaction', { text: '退货多久能到账？' }, NOW, 'zh-CN').state!.values.reason).toBeUndefined();
    const labels = engine.start('cancel-transaction', { text: '退货 商户' + MID + ' 终端' + TID + ' 凭证000520 参考号 331122334455' }, NOW, 'zh-CN').state!;
    expect([valueOf(labels, 'merchant_id'), valueOf(labels, 'terminal_id'), valueOf(labels, 'voucher_no'), valueOf(labels, 'reference_no')]).toEqual([MID, TID, '000520', '331122334455']);
    const spoken = engine.start('cancel-transaction', { text: '退款 商户号是一二三四五六七八九零一二三四五' }, NOW, 'zh-CN').state!;
    expect(valueOf(spoken, 'merchant_id')).toBe(MID);
  });

  it('starts without a note when the message carried no value', () => {
    const step = engine.start('cancel-transaction', { text: '我想撤销一笔交易' }, NOW, 'zh-CN');
    expect(step.say[0]!.text).toBe(flowText('zh-CN', 'flowStart', { title: '撤销 / 退货申请' }));
    const en = engine.start('cancel-transaction', { text: 'refund 1280 yuan from yesterday, voucher 000123' }, NOW, 'en');
    expect(en.say[0]!.text).toContain('Noted: ');
    expect(en.say[0]!.text).toContain('amount ¥1,280.00');
  });

  it('fills several slots from the message that started it (date, amount, voucher no.)', () => {
    const step = engine.start('cancel-transaction', { text: CANCEL_START }, NOW, 'zh-CN');
    expect(step.outcome).toBeUndefined();
    // What the message said is repeated back under the names the summary uses; the rule-set type is not.
    expect(step.say[0]!.text).toBe(flowText('zh-CN', 'flowStart', { title: '撤销 / 退货申请' }) + flowText('zh-CN', 'flowNoted', { values: `交易日期 ${shown(step.state).transaction_date}、金额 ¥1,280.00、凭证号 000123` }));
    expect(lastSaid(step)).toBe(prompt('cancel-transaction', 'merchant_id'));
    const state = step.state!;
    expect(state.stage).toBe('collecting');
    expect(state.pending).toBe('merchant_id');
    expect(state.values.transaction_date).toEqual({ value: '2026-11-24', display: '2026年11月24日' });
    expect(state.values.amount).toEqual({ value: 128000, display: '¥1,280.00' });
    expect(state.values.voucher_no).toEqual({ value: '000123', display: '000123' });
    // "3号店" is a shop, not a date or an amount; nothing else was taken.
    expect(Object.keys(state.values).sort()).toEqual(['amount', 'request_type', 'transaction_date', 'voucher_no']);
    // Yesterday's sale is a refund (rule refund_after_settlement); the same-day questions are never asked.
    expect(state.values.request_type).toEqual({ value: 'refund', display: '退货' });
  });

  it('asks only what is still open, in the flow order, skipping the alternative of a given 凭证号', () => {
    const steps = talk('cancel-transaction', TO_CARD);
    expect(lastSaid(steps[1]!)).toBe(prompt('cancel-transaction', 'terminal_id'));
    expect(lastSaid(steps[2]!)).toBe(prompt('cancel-transaction', 'card_last4'));
    expect(steps[2]!.state!.pending).toBe('card_last4');
  });

  it('starts with values known before the flow (prefill), which the message may restate', () => {
    const prefill = { merchant_id: { value: MID, display: MID }, not_a_slot: { value: 1, display: '1' } };
    const step = engine.start('cancel-transaction', { text: '想撤销' }, NOW, 'zh-CN', prefill);
    expect(step.state!.values.merchant_id).toEqual({ value: MID, display: MID });
    expect(step.state!.values).not.toHaveProperty('not_a_slot');
    expect(step.state!.pending).toBe('terminal_id');
    const restated = engine.start('cancel-transaction', { text: '商户号987654321098765，想撤销' }, NOW, 'zh-CN', prefill);
    expect(valueOf(restated.state, 'merchant_id')).toBe('987654321098765');
  });

  it('takes every value of a message written the way merchants write: unlabelled numbers, half labels, the reason', () => {
    const step = engine.start('cancel-transaction', { text: '商户号123456789012345，终端 12345678，前天的，560元，凭证868487，顾客退货' }, NOW, 'zh-CN');
    expect(shown(step.state)).toMatchObject({ merchant_id: '123456789012345', terminal_id: '12345678', amount: '¥560.00', voucher_no: '868487', reason: '顾客退货' });
    const bare = engine.start('cancel-transaction', { text: '123456789012345 12345678 昨天 1280元 868487 退款 顾客不要了' }, NOW, 'zh-CN');
    expect(shown(bare.state)).toMatchObject({ merchant_id: '123456789012345', terminal_id: '12345678', amount: '¥1,280.00', voucher_no: '868487' });
    expect(valueOf(bare.state, 'reason')).toContain('顾客不要了');
    // A labelled reason wins over a clause with a cue.
    const labelled = engine.start('cancel-transaction', { text: '想退一笔，原因是顾客取消订单，顾客退货了' }, NOW, 'zh-CN');
    expect(valueOf(labelled.state, 'reason')).toBe('顾客取消订单');
    // Two days in one message: the sale's is the one said with the swipe, not the day the customer came
    // back (NOW is 25 November). What went wrong with the goods or the order is the reason too.
    for (const [text, slot, value, locale] of [
      ['顾客今天拿回来了 是前天刷的300', 'transaction_date', '2026-11-23', 'zh-CN'],
      ['a customer came back today, he paid 75 three days ago and wants his money back', 'transaction_date', '2026-11-22', 'en'],
      ['昨天刷的300 今天客人来退', 'transaction_date', '2026-11-24', 'zh-CN'],
      ['昨天300那笔要退 东西坏了', 'reason', '东西坏了', 'zh-CN'],
      ['昨天300的 商品缺货 退给客人', 'reason', '商品缺货', 'zh-CN'],
      ['refund the 300 from yesterday, the goods were damaged', 'reason', 'the goods were damaged', 'en'],
    ] as const) {
      expect(valueOf(engine.start('cancel-transaction', { text }, NOW, locale).state, slot), text).toBe(value);
    }
    // The only day said is the customer's coming back: the day of the sale is still to be asked.
    for (const text of ['客人刷了我们家一千二 今天又来说不要了 钱得还他', '今天顾客回来退货 商户号123456789012345']) {
      expect(valueOf(engine.start('cancel-transaction', { text }, NOW, 'zh-CN').state, 'transaction_date'), text).toBeUndefined();
    }
  });

  it('a clause about the customer or the cashier is the reason; one that only says whom the request is for is not', () => {
    const told = (text: string, locale: 'zh-CN' | 'en' = 'zh-CN') => valueOf(engine.start('cancel-transaction', { text }, NOW, locale).state, 'reason');
    expect(told('昨天收银员手滑把68块打成了680，帮我弄一下')).toBe('昨天收银员手滑把68块打成了680');
    expect(told('客人说尺码不对，今天拿回来了，要退钱')).toBe('客人说尺码不对');
    expect(told('my cashier keyed 1200 instead of 120 yesterday, I need it reversed', 'en')).toBe('my cashier keyed 1200 instead of 120 yesterday');
    expect(told('帮客人退一笔昨天的')).toBeUndefined();
    expect(told('帮我申请退货')).toBeUndefined();
    expect(told('那我申请一个退货 商户号826410993890013')).toBeUndefined();
    expect(told('我要办个退货')).toBeUndefined();
    expect(told('顾客要退货')).toBe('顾客要退货');
    expect(told('I need to refund a customer for yesterday', 'en')).toBeUndefined();
    // A cue typed with a typo, and who the customer is in a school or a clinic.
    expect(told('cusotmer want refnd for yestreday purchse 75rmb', 'en')).toBe('cusotmer want refnd for yestreday purchse 75rmb');
    expect(told('学员前天交了四千八的学费 现在不学了 要退费')).toBe('学员前天交了四千八的学费，现在不学了');
    // Identifiers in the clause have slots of their own and are left out of the reason.
    expect(told('顾客退货，凭证号868487')).toBe('顾客退货');
  });

  it('a story that explains the reason is its detail, not asked again; a clause that only names the option is not', () => {
    const told = last('suspend-settlement', ['店要关门装修一阵子，钱先别打到卡上了', MID]).state!;
    expect(valueOf(told, 'reason')).toBe('business_change');
    expect(valueOf(told, 'reason_detail')).toBe('店要关门装修一阵子');
    expect(told.pending).toBe('start_date');
    const upgrade = last('suspend-settlement', ['商户号' + MID + '，要暂停资金结算，原因是系统升级，店里换新的收银系统']).state!;
    expect(valueOf(upgrade, 'reason')).toBe('maintenance');
    expect(valueOf(upgrade, 'reason_detail')).toBe('店里换新的收银系统');
    // "系统升级" as the answer to "why? 1. … 4. 系统升级" is the option, not also its explanation.
    const atReason = last('suspend-settlement', ['暂停资金结算', MID]).state!;
    expect(atReason.pending).toBe('reason');
    const chosen = send(atReason, '系统升级');
    expect(valueOf(chosen.state, 'reason')).toBe('maintenance');
    expect(chosen.state!.values.reason_detail).toBeUndefined();
    // A named reason needs no detail: the next question is the start.
    expect(chosen.state!.pending).toBe('start_date');
    for (const opening of ['申请暂停资金结算，商户号' + MID + '，原因资金周转', '申请暂停资金结算，商户号' + MID + '，原因是系统升级']) {
      expect(last('suspend-settlement', [opening]).state!.pending, opening).toBe('start_date');
    }
    // "其他" asks what it is.
    expect(send(atReason, '其他').state!.pending).toBe('reason_detail');
  });

  it('a date in a free-text answer goes to the date its clause names, and the text stays whole', () => {
    const atDetail = last('suspend-settlement', ['钱先别打到卡上了，原因其他', MID]).state!;
    expect(atDetail.pending).toBe('reason_detail');
    const step = send(atDetail, '装修差不多十来天 从明儿开始');
    expect(valueOf(step.state, 'start_date')).toBe('2026-11-26');
    expect(valueOf(step.state, 'reason_detail')).toBe('装修差不多十来天 从明儿开始');
    expect(step.state!.pending).toBe('resume_date');
  });

  it('a free-text answer gives other open slots their values and keeps the rest', () => {
    const atReason = last('cancel-transaction', TO_CARD.concat(['跳过'])).state!;
    expect(atReason.pending).toBe('reason');
    const step = send(atReason, '顾客退货，电话13800138000');
    expect(valueOf(step.state, 'reason')).toBe('顾客退货');
    expect(valueOf(step.state, 'phone')).toBe('13800138000');
    // A yes with the number ("对的，138…") is no reason: the number is taken, the reason asked again.
    const yes = send(atReason, '对的，13800138000');
    expect(valueOf(yes.state, 'phone')).toBe('13800138000');
    expect(yes.state!.pending).toBe('reason');
  });

  it('an optional question is skipped however the merchant says there is nothing to give', () => {
    // An optional file: "没有材料" skips it rather than failing as "not a file".
    const atDocuments = last('suspend-settlement', ['申请暂停资金结算，商户号' + MID + '，原因资金周转，从明天开始，两周后恢复']).state!;
    expect(atDocuments.pending).toBe('documents');
    for (const text of ['没有材料', '没什么要补充的，材料也没有']) expect(send(atDocuments, text).state!.pending, text).not.toBe('documents');
  });

  it('dates given at the optional note, phone-spaced ("下周一开始 一个月后恢复"), fill the dates, not the note', () => {
    const atDetail = last('suspend-settlement', ['申请暂停资金结算，商户号' + MID + '，原因其他']).state!;
    expect(atDetail.pending).toBe('reason_detail');
    const step = send(atDetail, '下周一开始 一个月后恢复');
    expect(step.state!.values.start_date).toBeDefined();
    expect(step.state!.values.resume_date).toBeDefined();
    expect(step.state!.values.reason_detail).toBeUndefined();
  });

  it('"3 weeks from today" at the resume question is the resume date: "from today" names no start', () => {
    const atResume = last('suspend-settlement', ['hold my payouts from next monday, renovation, merchant id ' + MID], { locale: 'en' }).state!;
    expect(atResume.pending).toBe('resume_date');
    const start = atResume.values.start_date!.value;
    const step = send(atResume, '3 weeks from today', 'en');
    expect(step.state!.values.start_date!.value).toBe(start);
    expect(step.state!.values.resume_date!.value).toBe('2026-12-16');
  });

  it('"先跳过吧" and "skip this" skip an optional file; "材料也没有" said at an earlier optional step skips the file question too', () => {
    const atDocuments = last('suspend-settlement', ['申请暂停资金结算，商户号' + MID + '，原因资金周转，从明天开始，两周后恢复']).state!;
    for (const text of ['先跳过吧', '先跳过', 'skip this', '不用']) {
      const step = send(atDocuments, text);
      expect(step.state!.pending, text).toBe('partners_notified');
      expect(step.state!.skipped, text).toContain('documents');
    }
    // Still at the optional note (reason_detail): the merchant answers the file question ahead.
    const atDetail = last('suspend-settlement', ['申请暂停资金结算，商户号' + MID + '，原因其他，从明天开始，两周后恢复']).state!;
    expect(atDetail.pending).toBe('reason_detail');
    const step = send(atDetail, '没什么要补充的，材料也没有');
    expect(step.state!.skipped).toEqual(expect.arrayContaining(['reason_detail', 'documents']));
    expect(step.state!.pending).toBe('partners_notified');
  });

  it('a yes/no question takes a plain yes or no however it is said', () => {
    const atPartners = last('suspend-settlement', ['申请暂停资金结算，商户号' + MID + '，原因资金周转，从明天开始，两周后恢复', '跳过']).state!;
    expect(atPartners.pending).toBe('partners_notified');
    for (const [text, id] of [['还没通知', 'no'], ['没呢', 'no'], ['not yet', 'no'], ['已经说过了', 'yes'], ['通知过了', 'yes'], ['yeah', 'yes'], ['银行知道', 'yes'], ['银行那边我打过电话了', 'yes'], ['都通知到了', 'yes'], ['跟银行说了', 'yes'], ['还没跟银行说', 'no'], ['打算明天通知', 'no'], ['will do', 'no']] as const) {
      expect(valueOf(send(atPartners, text).state, 'partners_notified'), text).toBe(id);
    }
    // "I don't know" is no answer to it.
    const unsure = send(atPartners, '不知道');
    expect(unsure.state!.values).not.toHaveProperty('partners_notified');
    // Whether it is needed, asked, is told why; no partner besides us is none to tell.
    const needed = send(atPartners, '需要通知吗');
    expect(needed.state!.pending).toBe('partners_notified');
    expect(lastSaid(needed)).toContain(prompt('suspend-settlement', 'partners_notified'));
    expect(said(needed)).toContain('需要提前通知他们');
    for (const text of ['我们只有你们一家', '等下就去说', 'we only use you', 'n/a', 'we only work with you', '就你们一家']) expect(valueOf(send(atPartners, text, /[a-z]/.test(text) ? 'en' : 'zh-CN').state, 'partners_notified'), text).toBe('no');
    for (const text of ['银行那边知道', '他们都知道的']) expect(valueOf(send(atPartners, text).state, 'partners_notified'), text).toBe('yes');
    expect(valueOf(send(atPartners, '不用通知别人').state, 'partners_notified')).toBe('no');
    // An option that a plain yes means says so (answers: 'yes'): "您试过撤销吗？" "yes" is failed.
    const atVoid = last('cancel-transaction', [...SAME_DAY, '没有']).state!;
    expect(atVoid.pending).toBe('void_tried');
    expect(valueOf(send(atVoid, 'yes').state, 'void_tried')).toBe('failed');
    expect(valueOf(send(atVoid, '试了').state, 'void_tried')).toBe('failed');
    for (const text of ['搞不定', '弄了 没反应']) expect(valueOf(send(atVoid, text).state, 'void_tried'), text).toBe('failed');
    for (const text of ['操作不来', '不知道怎么撤', 'dont know how']) expect(send(atVoid, text).outcome, text).toEqual({ type: 'stopped', rule: 'void_on_terminal_first' });
    expect(send(atVoid, '没呢').outcome).toEqual({ type: 'stopped', rule: 'void_on_terminal_first' });
    // A void the terminal would not do without a password the merchant lacks, or greyed out, failed; the
    // option not found on the menu is a void not tried (the how-to helps).
    for (const text of ['要密码 我没有', 'it asks for a password i dont have', '撤销键是灰的', '显示12']) expect(valueOf(send(atVoid, text).state, 'void_tried'), text).toBe('failed');
    for (const text of ['机器上找不到撤销', 'couldnt find the option']) expect(send(atVoid, text).outcome, text).toEqual({ type: 'stopped', rule: 'void_on_terminal_first' });
  });

  it('an answer given before its question applies ("void failed" up front) is kept until its conditions are known', () => {
    const steps = talk('cancel-transaction', ['今天刷的1280，撤销失败了，帮我申请', MID, TID, '凭证号000123', '跳过', '没有']);
    for (const step of steps) expect(said(step)).not.toContain(prompt('cancel-transaction', 'void_tried'));
    const state = steps.at(-1)!.state!;
    expect(valueOf(state, 'void_tried')).toBe('failed');
    expect(valueOf(state, 'request_type')).toBe('void');
    // Settled after all: the void question never applied, and its early answer is not filed.
    const settled = last('cancel-transaction', ['今天刷的1280，撤销失败了，帮我申请', MID, TID, '凭证号000123', '跳过', '已经结算']).state!;
    expect(valueOf(settled, 'request_type')).toBe('refund');
    const filed = last('cancel-transaction', ['今天刷的1280，撤销失败了，帮我申请', MID, TID, '凭证号000123', '跳过', '已经结算', '金额刷错', files(file(1)), PHONE]);
    expect(filed.state!.stage).toBe('confirming');
    expect(filed.state!.values).not.toHaveProperty('void_tried');
  });

  it('cancelling before anything was gathered ends the flow at once (nothing to lose, no "are you sure?")', () => {
    const started = engine.start('suspend-settlement', { text: '我想取消结算' }, NOW, 'zh-CN');
    expect(Object.keys(started.state!.values)).toEqual([]);
    for (const text of ['哦那不用了', '算了', 'never mind']) {
      const step = send(started.state, text);
      expect(step.state, text).toBeUndefined();
      expect(step.outcome, text).toEqual({ type: 'cancelled' });
    }
    // With values gathered, the merchant is asked first.
    const later = send(last('suspend-settlement', ['我想暂停资金结算', MID]).state, '哦那不用了');
    expect(later.state!.stage).toBe('confirm-cancel');
  });

  it('a summary confirmed in traditional characters or Cantonese is confirmed', () => {
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    expect(confirming.stage).toBe('confirming');
    for (const text of ['確認', '啱，確認', '整吧 确认', '冇問題 提交啦', '确认呗', '提交嘛']) expect(send(confirming, text).outcome, text).toMatchObject({ type: 'submit' });
  });

  it('an option of a question still to come, named in full mid-flow ("还没结算"), is taken; two characters are not enough', () => {
    const atCard = last('cancel-transaction', ['想撤销', MID, TID, '今天', '1280', '凭证号000123']).state!;
    expect(atCard.pending).toBe('card_last4');
    const step = send(atCard, '尾号4685，还没结算');
    expect(valueOf(step.state, 'batch_settled')).toBe('no');
    expect(step.state!.pending).toBe('void_tried');
    // "没有" alone is too short to name the batch answer while the card is asked.
    expect(send(atCard, '没有').state!.values).not.toHaveProperty('batch_settled');
    // Told as when the shop settles: not settled yet ("打烊了才结", "we close the batch when we close the kitchen").
    expect(valueOf(send(atCard, '我们一般晚上十点打烊了才结 现在才四点多').state, 'batch_settled')).toBe('no');
    const atCardEn = last('cancel-transaction', ['void please', MID, TID, 'today', '1280', 'trace 000123'], { locale: 'en' }).state!;
    expect(atCardEn.pending).toBe('card_last4');
    expect(valueOf(send(atCardEn, "No, we don't settle till we close up around midnight", 'en').state, 'batch_settled')).toBe('no');
  });

  it('"确认" where a reason is asked is no reason: the question is asked again, nothing stored', () => {
    const atReason = last('cancel-transaction', [...TO_CARD, '跳过']).state!;
    expect(atReason.pending).toBe('reason');
    for (const text of ['确认', '確認', 'ok go ahead']) {
      const step = send(atReason, text);
      expect(step.state!.values, text).not.toHaveProperty('reason');
      expect(lastSaid(step), text).toBe(prompt('cancel-transaction', 'reason'));
    }
  });

  it('gives up in Cantonese and in a sentence about later ("唔使喇…算數啦", "先别提交…明天再说吧")', () => {
    for (const text of ['唔使喇，客人話唔退喇，算數啦', '先别提交，这个我得问下老板，明天再说吧']) {
      const step = send(last('cancel-transaction', TO_CONFIRM).state, text);
      expect(step.state!.stage, text).toBe('confirm-cancel');
    }
  });

  it('a yes option\'s label said in the negative ("havent settled") is the no option', () => {
    const atBatch = last('cancel-transaction', SAME_DAY).state!;
    expect(atBatch.pending).toBe('batch_settled');
    expect(valueOf(send(atBatch, 'havent settled').state, 'batch_settled')).toBe('no');
    expect(valueOf(send(atBatch, 'settled').state, 'batch_settled')).toBe('yes');
  });

  it('not knowing whether the batch was settled, said as merchants say it ("不清楚 机器是店长管的"), is the unknown option', () => {
    const atBatch = last('cancel-transaction', SAME_DAY).state!;
    for (const text of ['不清楚 机器是店长管的', '不晓得', 'no idea, my manager does that']) {
      expect(valueOf(send(atBatch, text).state, 'batch_settled'), text).toBe('unknown');
    }
  });

  it('refuses an unknown flow', () => {
    expect(() => engine.start('no-such-flow', { text: 'x' }, NOW, 'zh-CN')).toThrow(/unknown flow "no-such-flow"/);
  });
});

describe('invalid answers', () => {
  const TO_REF: Msg[] = ['想撤销', MID, TID, '昨天', '1280']; // pending: voucher_no (or reference_no)

  it('says exactly what is wrong with a 参考号 of 11 digits and asks again', () => {
    const before = last('cancel-transaction', TO_REF);
    expect(before.state!.pending).toBe('voucher_no');
    const step = send(before.state, '参考号12345678901');
    expect(step.outcome).toBeUndefined();
    expect(step.say[0]!.text).toBe('参考号应为12位数字，您输入了11位。');
    expect(step.say[0]!.text).not.toContain('6位');
    expect(lastSaid(step)).toBe(prompt('cancel-transaction', 'voucher_no'));
    expect(step.state!.attempts).toEqual({ voucher_no: 1 });
    expect(step.state!.values).not.toHaveProperty('reference_no');
    expect(step.state!.pending).toBe('voucher_no');
  });

  it('names both alternatives when a bare number fits neither (6-digit 凭证号, 12-digit 参考号)', () => {
    const step = send(last('cancel-transaction', TO_REF).state, '12345678901');
    expect(step.say[0]!.text).toContain('凭证号应为6位数字，您输入了11位');
    expect(step.say[0]!.text).toContain('参考号应为12位数字，您输入了11位');
  });

  it('takes either alternative of the group at its prompt', () => {
    const byRef = send(last('cancel-transaction', TO_REF).state, '123456789012');
    expect(valueOf(byRef.state, 'reference_no')).toBe('123456789012');
    expect(byRef.state!.pending).toBe('card_last4');
    const byVoucher = send(last('cancel-transaction', TO_REF).state, '000123');
    expect(valueOf(byVoucher.state, 'voucher_no')).toBe('000123');
    expect(byVoucher.state!.values).not.toHaveProperty('reference_no');
  });

  it('says it in English for an English conversation', () => {
    const steps = talk('cancel-transaction', ['I want to cancel a transaction', `merchant ID ${MID}`, `terminal ${TID}`, 'yesterday', '1280', 'reference number 12345678901'], { locale: 'en' });
    const step = steps.at(-1)!;
    expect(step.say[0]!.text).toBe('The reference number has 12 digits; you entered 11.');
    expect(lastSaid(step)).toBe(prompt('cancel-transaction', 'voucher_no', 'en'));
  });

  it('offers a human agent after 3 failed attempts at one slot (slot_retry_limit), keeping the state', () => {
    const steps = talk('cancel-transaction', [...TO_REF, '12345', '1234567', 'abc']);
    expect(steps.at(-3)!.outcome).toBeUndefined();
    expect(steps.at(-2)!.outcome).toBeUndefined();
    const step = steps.at(-1)!;
    expect(step.outcome).toEqual({ type: 'handoff', reason: 'slot_retry_limit', detail: 'cancel-transaction.voucher_no: voucher_no.missing' });
    expect(step.say.at(-1)).toEqual({
      text: flowText('zh-CN', 'flowRetryLimit'),
      suggestedActions: [flowText('zh-CN', 'actionHuman'), flowText('zh-CN', 'actionTryAgain')],
    });
    expect(step.state!.attempts.voucher_no).toBe(3);
    expect(step.state!.values.amount!.value).toBe(128000);

    // "再试一次": the prompt again, with the attempts back; a good answer then goes on.
    const again = send(step.state, '再试一次');
    expect(again.outcome).toBeUndefined();
    expect(said(again)).toBe(prompt('cancel-transaction', 'voucher_no'));
    expect(again.state!.attempts.voucher_no).toBe(0);
    const answered = send(again.state, '凭证号000123');
    expect(valueOf(answered.state, 'voucher_no')).toBe('000123');
  });

  it('does not let a required slot be skipped, and counts it', () => {
    const step = send(last('cancel-transaction', TO_REF).state, '跳过');
    expect(step.say[0]!.text).toBe(flowText('zh-CN', 'flowCannotSkip'));
    expect(step.state!.skipped).toEqual([]);
    expect(step.state!.attempts.voucher_no).toBe(1);
  });

  it('does not take "跳过" as the text of a required free-text slot', () => {
    const step = send(last('cancel-transaction', [...TO_CARD, '跳过']).state, '跳过');
    expect(step.say[0]!.text).toBe(flowText('zh-CN', 'flowCannotSkip'));
    expect(step.state!.values).not.toHaveProperty('reason');
    expect(step.state!.attempts).toEqual({ reason: 1 });
  });

  it('takes an enum option whose label is also a skip word ("没有") as the answer', () => {
    const step = send(last('cancel-transaction', SAME_DAY).state, '没有');
    expect(step.state!.values.batch_settled).toEqual({ value: 'no', display: '没有' });
    expect(step.state!.pending).toBe('void_tried');
  });
});

describe('corrections', () => {
  it('a merchant correcting themselves within one message: the value after the correction is the one meant', () => {
    const day = (text: string, locale: Locale = 'zh-CN') =>
      valueOf(last('cancel-transaction', ['想退货', MID, TID, text], { locale }).state, 'transaction_date');
    const yesterday = valueOf(last('cancel-transaction', ['想退货', MID, TID, '昨天的 45元 凭证000123']).state, 'transaction_date');
    expect(day('前天的 哦不对 是昨天的 45元 凭证000123')).toBe(yesterday);
    expect(day('45 yuan, trace 000123, from monday, sorry I mean yesterday', 'en')).toBe(yesterday);
    expect(day('前天的，说错了，昨天的，45元，凭证000123')).toBe(yesterday);
    // No correction between them: the day said with the swipe, as before.
    expect(day('顾客今天拿回来了 是前天刷的 45元 凭证000123')).not.toBe(yesterday);
  });

  it('a value corrected inside one message without its label ("金额50 不对是45") is the value after the correction', () => {
    const amount = (text: string, locale: Locale = 'zh-CN') =>
      valueOf(last('cancel-transaction', ['想退货', MID, TID, '昨天的', text], { locale }).state, 'amount');
    expect(amount('金额50 不对是45')).toBe(4500);
    expect(amount('50块，哦不，45')).toBe(4500);
    expect(amount('50 yuan, sorry I mean 45', 'en')).toBe(4500);
    // Nothing that reads as an amount after the correction: the amount said stays.
    expect(amount('金额50 不对吗')).toBe(5000);
    // "应该是" after a value says what the sale should have been; the amount charged stays.
    expect(amount('刷错了 168 应该是16.8')).toBe(16800);
    // A "不对" later in the message, about something else, corrects nothing ("尺码不对" is the goods).
    const day = valueOf(last('cancel-transaction', ['昨天有个客人买的鞋子尺码不对，今天拿回来了，钱得退给人家']).state, 'transaction_date');
    expect(day).toBe(valueOf(last('cancel-transaction', ['昨天有个客人买的鞋子，今天拿回来了，钱得退给人家']).state, 'transaction_date'));
    // At the summary too, against the value already there.
    const step = send(last('cancel-transaction', TO_CONFIRM).state, '金额1280 说错了 1208');
    expect(valueOf(step.state, 'amount')).toBe(120800);
  });

  it('a correction that opens a message with new values too ("哦不对 金额说错了 是三千二。凭证号是004518") takes both', () => {
    const base = ['顾客前天买的按摩椅要退', MID, TID, '两千三'];
    for (const text of ['哦不对 金额说错了 是三千二。凭证号是004518', '哦不对 金额说错了 是三千二，两千三是另外一单。凭证号是004518']) {
      const state = last('cancel-transaction', [...base, text]).state;
      expect(valueOf(state, 'amount'), text).toBe(320000);
      expect(valueOf(state, 'voucher_no'), text).toBe('004518');
    }
  });

  it('a hold corrected to start later, with a day the shop still trades and a length ("明天还要营业一天…停十五天")', () => {
    const state = last('suspend-settlement', ['我们店要重新装修，结算先停一下', '商户号 826731509488120', '明天开始吧', '不对不对，明天还要营业一天，从后天开始停，停十五天']).state!;
    const start = valueOf(last('suspend-settlement', ['我们店要重新装修，结算先停一下', '商户号 826731509488120', '后天开始']).state, 'start_date');
    expect(valueOf(state, 'start_date')).toBe(start);
    // Fifteen days from the new start, not one day ("营业一天") and not tomorrow as the resume day.
    const resume = valueOf(last('suspend-settlement', ['我们店要重新装修，结算先停一下', '商户号 826731509488120', '后天开始', '停十五天']).state, 'resume_date');
    expect(valueOf(state, 'resume_date')).toBe(resume);
    expect(resume).toBeDefined();
  });

  it('mid-flow: "不对，金额是1208" changes the amount, keeps the rest, and asks the pending slot again', () => {
    const before = last('cancel-transaction', TO_CARD).state!;
    const step = send(before, '不对，金额是1208');
    expect(step.outcome).toBeUndefined();
    expect(step.state!.values.amount).toEqual({ value: 120800, display: '¥1,208.00' });
    // "1208" is not also taken as the card's last 4 digits, and it is no failed attempt.
    expect(step.state!.values).not.toHaveProperty('card_last4');
    expect(step.state!.attempts).toEqual({});
    expect(step.state!.pending).toBe('card_last4');
    // The change is acknowledged, then the pending question again.
    expect(step.say.map((s) => s.text)).toEqual([flowText('zh-CN', 'flowChanged', { values: '¥1,208.00' }), prompt('cancel-transaction', 'card_last4')]);
    const { amount: _a, ...others } = step.state!.values;
    const { amount: _b, ...othersBefore } = before.values;
    expect(others).toEqual(othersBefore);
  });

  it('at the confirmation: "不对，金额是1208" changes the amount and shows the summary again', () => {
    const before = last('cancel-transaction', TO_CONFIRM).state!;
    expect(before.stage).toBe('confirming');
    const step = send(before, '不对，金额是1208');
    expect(step.outcome).toBeUndefined();
    expect(step.state!.stage).toBe('confirming');
    expect(step.state!.values.amount).toEqual({ value: 120800, display: '¥1,208.00' });
    expect({ ...step.state!.values, amount: before.values.amount }).toEqual(before.values);
    expect(step.say).toHaveLength(1);
    expect(step.say[0]!.text).toContain('金额 ¥1,208.00');
    expect(step.say[0]!.text).toContain(`商户编号 ${MID}`);
    expect(step.say[0]!.suggestedActions).toEqual([flowText('zh-CN', 'actionConfirm'), flowText('zh-CN', 'actionCancel')]);
    // And it submits the corrected value.
    const done = send(step.state, '确认');
    expect(done.outcome).toMatchObject({ type: 'submit' });
    expect(done.outcome!.type === 'submit' && done.outcome!.values.amount!.value).toBe(120800);
  });

  it('of two amounts in a correction, takes the one that is not the current value', () => {
    const step = send(last('cancel-transaction', TO_CONFIRM).state, '不对，不是1280元，是1208元');
    expect(valueOf(step.state, 'amount')).toBe(120800);
  });

  it('an invalid correction at the confirmation keeps the earlier value and says why', () => {
    const before = last('cancel-transaction', TO_CONFIRM).state!;
    const step = send(before, '不对，金额是12.345');
    expect(step.say[0]!.text).toBe('金额最多两位小数（精确到分），您输入了3位小数。已保留原来的值：¥1,280.00。');
    expect(step.state!.values).toEqual(before.values);
    expect(step.state!.stage).toBe('confirming');
    expect(lastSaid(step)).toContain('金额 ¥1,280.00');
  });

  it('"金额是多少我也不记得了" at the confirmation is a correction with no amount, not a question for the guide', () => {
    const before = last('cancel-transaction', TO_CONFIRM).state!;
    const step = send(before, '金额是多少我也不记得了');
    expect(step.outcome?.type).not.toBe('digression');
    expect(step.say[0]!.text).toContain('没有识别出金额');
    expect(step.say[0]!.text).toContain('已保留原来的值：¥1,280.00');
    expect(step.state!.values).toEqual(before.values);
  });

  it('an invalid correction mid-flow keeps the earlier value, says why, and is no failed attempt', () => {
    const before = last('cancel-transaction', TO_CARD).state!;
    const step = send(before, '不对，金额是12.345');
    expect(step.say[0]!.text).toContain('已保留原来的值：¥1,280.00');
    expect(step.state!.values).toEqual(before.values);
    expect(step.state!.attempts).toEqual({});
    expect(lastSaid(step)).toBe(prompt('cancel-transaction', 'card_last4'));
  });

  it('a value named by its label at another prompt: taken when valid, explained when not', () => {
    const atPhone = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货', files(file(1))]).state!;
    expect(atPhone.pending).toBe('phone');
    const invalid = send(atPhone, '参考号是12345');
    expect(invalid.say[0]!.text).toBe('参考号应为12位数字，您输入了5位。');
    expect(invalid.state!.attempts).toEqual({});
    expect(lastSaid(invalid)).toBe(prompt('cancel-transaction', 'phone'));
    const valid = send(atPhone, '不对，凭证号应该是000124');
    expect(valueOf(valid.state, 'voucher_no')).toBe('000124');
    expect(valid.state!.pending).toBe('phone');
    expect(valid.say.map((s) => s.text)).toEqual(['好的，已更正为 000124。', prompt('cancel-transaction', 'phone')]);
    // At the file prompt too; a restated value changes nothing and says so.
    const atSlip = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货']).state!;
    expect(send(atSlip, '不对，金额是1208').say.map((s) => s.text)).toEqual(['好的，已更正为 ¥1,208.00。', prompt('cancel-transaction', 'slip_photos')]);
    expect(send(atSlip, '不对，金额是1280').say.map((s) => s.text)).toEqual(['¥1,280.00和已填写的一致，没有改动。', prompt('cancel-transaction', 'slip_photos')]);
  });

  it('an optional question passed over for a later one is not asked again', () => {
    const atCard = last('cancel-transaction', ['撤消一笔交易 商户' + MID + ' 终端' + TID + ' 今天上午 八十八块', '凭证号016012']).state!;
    expect(atCard.pending).toBe('card_last4');
    const step = send(atCard, '还没结算');
    expect(valueOf(step.state, 'batch_settled')).toBe('no');
    expect(step.state!.skipped).toContain('card_last4');
    expect(step.state!.pending).not.toBe('card_last4');
    // Its own answer in the same message is still taken.
    expect(valueOf(send(atCard, '6012').state, 'card_last4')).toBe('6012');
  });

  it('the reason sent with the slip photo is taken, without the words about the photo', () => {
    const atReason = last('cancel-transaction', ['帮我申请退货', MID, TID, '昨天', '1280', '凭证号000123', '跳过']).state!;
    expect(atReason.pending).toBe('reason');
    // The photo as the bot passes it on: read (here it showed nothing), with the words sent with it.
    const withSlip = (text: string): FlowInput => ({ text, files: [file(1)], slip: { values: {}, slots: ['amount'] } });
    const step = send(atReason, withSlip('顾客不要了 小票在这'));
    expect(valueOf(step.state, 'reason')).toBe('顾客不要了');
    expect(send(atReason, withSlip('小票在这')).state!.values.reason).toBeUndefined();
  });

  it('asked "cancel this request?", giving up again in other words is a yes; "不取消了 继续" goes on', () => {
    const asked = send(last('cancel-transaction', TO_CARD).state, 'never mind, I\'ll call the bank myself', 'en');
    expect(asked.state!.stage).toBe('confirm-cancel');
    expect(send(asked.state, 'forget it', 'en').outcome).toEqual({ type: 'cancelled' });
    expect(send(asked.state, '算了 不取消了 继续吧').state!.stage).toBe('collecting');
    expect(send(last('cancel-transaction', TO_CARD).state, 'stop, I\'ll call the bank myself', 'en').state!.stage).toBe('confirm-cancel');
  });

  it('"changed his mind" at the phone question changes nothing ("change" starts no correction inside "changed")', () => {
    const atPhone = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货', files(file(1))]).state!;
    expect(atPhone.pending).toBe('phone');
    const step = send(atPhone, 'changed his mind', 'en');
    expect(step.state!.values).toEqual(atPhone.values);
  });

  it('"57 not 75", "是320不是230", "不是000123 是000124": the value said wrong is replaced wherever it was given', () => {
    const atCard = last('cancel-transaction', [CANCEL_START, MID, TID]).state!;
    expect(atCard.pending).toBe('card_last4');
    const amount = send(atCard, '是1208不是1280');
    expect([valueOf(amount.state, 'amount'), amount.state!.pending, amount.say[0]!.text]).toEqual([120800, 'card_last4', '好的，已更正为 ¥1,208.00。']);
    expect(valueOf(send(atCard, '不是000123 是000124').state, 'voucher_no')).toBe('000124');
    expect(valueOf(send(atCard, 'oh wait it was 1208 not 1280', 'en').state, 'amount')).toBe(120800);
    // The value said wrong must be one given: otherwise nothing is replaced.
    expect(send(atCard, '是1208不是1300').state!.values.amount).toEqual(atCard.values.amount);
    // Beside an answer to the question asked, too ("…ref no 6402…" answers the voucher's question).
    const atVoucher = last('cancel-transaction', ['昨天有个顾客退货 要退1280 商户号' + MID + ' 终端' + TID]).state!;
    expect(atVoucher.pending).toBe('voucher_no');
    const both = send(atVoucher, 'sorry i meant 1208 not 1280. ref no 640218853307', 'en');
    expect([valueOf(both.state, 'amount'), valueOf(both.state, 'reference_no')]).toEqual([120800, '640218853307']);
    expect(valueOf(send(atVoucher, '不好意思 是1208不是1280 参考号640218853307').state, 'amount')).toBe(120800);
  });

  it('a correction after the answer, naming its field, changes that field ("凭证号… 哎刚才终端号发错了 … 应该是…", "小票上是X 不是Y")', () => {
    const atVoucher = last('cancel-transaction', ['昨天收了一笔845的 客人退货了 要退给她 商户号' + MID, '64585434']).state!;
    expect(atVoucher.pending).toBe('voucher_no');
    const terminal = send(atVoucher, '凭证号587368 哎刚才终端号发错了 那是收银台另一台机器的 应该是64585443');
    expect([valueOf(terminal.state, 'voucher_no'), valueOf(terminal.state, 'terminal_id')]).toEqual(['587368', '64585443']);
    const amount = send(atVoucher, '587368 哦金额刚才说错了 小票上是854 不是845');
    expect([valueOf(amount.state, 'voucher_no'), valueOf(amount.state, 'amount')]).toEqual(['587368', 85400]);
  });

  it('an English correction naming the terminal or merchant alone ("the terminal is …") changes that value, not the amount', () => {
    const opening = `I need to void a sale from yesterday, merchant ${MID}, terminal 72230001, voucher 000123, 48 yuan, wrong amount charged`;
    const atCard = last('cancel-transaction', [opening], { locale: 'en' }).state!;
    expect(atCard.pending).toBe('card_last4');
    const fixed = send(atCard, 'sorry the terminal is 72230010 not 72230001', 'en');
    expect([valueOf(fixed.state, 'terminal_id'), valueOf(fixed.state, 'amount')]).toEqual(['72230010', 4800]);
    expect(fixed.say[0]!.text).toBe('OK, changed to 72230010.');
    expect(valueOf(send(atCard, 'the merchant is 123456789012346', 'en').state, 'merchant_id')).toBe('123456789012346');
  });

  it('a correction naming no slot changes the one value it fits, not the question asked', () => {
    const atVoucher = last('cancel-transaction', ['想撤销', MID, TID, '昨天', '1280']).state!;
    const step = send(atVoucher, '不对不对 是1208');
    expect(valueOf(step.state, 'amount')).toBe(120800);
    expect(step.state!.pending).toBe('voucher_no');
    expect(step.state!.attempts).toEqual({});
    expect(step.say.map((s) => s.text)).toEqual(['好的，已更正为 ¥1,208.00。', prompt('cancel-transaction', 'voucher_no')]);
    // A value that fits the question asked is its answer, and one that fits no given value is not taken.
    expect(valueOf(send(atVoucher, '不对 是000124').state, 'voucher_no')).toBe('000124');
    expect(valueOf(send(atVoucher, '不对 是000124').state, 'amount')).toBe(128000);
    expect(send(atVoucher, '不对 是abc').state!.values).toEqual(atVoucher.values);
    // Led by an interjection or an apology ("哦不对 是760", "不好意思 不对 是1208").
    for (const text of ['哦不对 是1208', '额 不对 是1208', '不好意思 不对 是1208']) expect(valueOf(send(atVoucher, text).state, 'amount'), text).toBe(120800);
  });

  it('at the confirmation, "不对" alone asks what to change; an unclear message repeats the summary', () => {
    const state = last('cancel-transaction', TO_CONFIRM).state!;
    expect(said(send(state, '不对'))).toBe(flowText('zh-CN', 'flowWhatToChange'));
    const unclear = send(state, '嗯嗯');
    expect(unclear.say[0]!.text).toBe(flowText('zh-CN', 'flowConfirmHint'));
    expect(unclear.state).toEqual(state);
  });

  it('mid-flow, "改一下" / "不对" alone asks what to change, at a free-text prompt too, and is no attempt', () => {
    const atReason = last('cancel-transaction', [...TO_CARD, '跳过']).state!;
    for (const text of ['改一下', '不对']) {
      const step = send(atReason, text);
      expect(step.say.map((s) => s.text)).toEqual([flowText('zh-CN', 'flowWhatToChange'), prompt('cancel-transaction', 'reason')]);
      expect(step.state).toEqual(atReason);
    }
    const atVoucher = last('cancel-transaction', ['想撤销', MID, TID, '昨天', '1280']).state!;
    const step = send(atVoucher, '错了');
    expect(step.say[0]!.text).toBe(flowText('zh-CN', 'flowWhatToChange'));
    expect(step.state!.attempts).toEqual({});
  });

  it('"啥意思" / "再说一遍" / "what do you mean" says the question again with what it is for: no attempt, no guide question', () => {
    const atTerminal = last('cancel-transaction', ['想撤销', MID]).state!;
    for (const text of ['啥意思', '再说一遍', '你刚才说什么？', '没看懂', '嗯？没听懂', '我不太明白', '咩意思', 'what do you mean?', 'sorry, say that again']) {
      const step = send(atTerminal, text);
      expect(step.outcome, text).toBeUndefined();
      expect(step.say.map((s) => s.text), text).toEqual([
        `${flowText('zh-CN', 'flowSaidAgain')}${prompt('cancel-transaction', 'terminal_id')}`,
        '同一个商户可能有多台终端，终端编号和凭证号一起才能确定是哪一笔交易。',
      ]);
      expect(step.state, text).toEqual(atTerminal);
    }
    // A question about something named is still a question for the guide.
    expect(send(atTerminal, '终端号是什么意思').outcome).toEqual({ type: 'digression', question: '终端号是什么意思' });
    // In English, in English; a question without a reason to give is said again alone.
    const atDate = last('cancel-transaction', ['I want to void a sale', MID, TID]).state!;
    expect(send(atDate, 'huh?', 'en').say.map((s) => s.text)).toEqual([`${flowText('en', 'flowSaidAgain')}${prompt('cancel-transaction', 'transaction_date', 'en')}`]);
  });

  it('a correction opening a free-text answer changes the named value and asks the text again', () => {
    const step = send(last('cancel-transaction', [...TO_CARD, '跳过']).state, '不对，金额是1208');
    expect(valueOf(step.state, 'amount')).toBe(120800);
    expect(step.state!.values).not.toHaveProperty('reason');
    expect(step.say.map((s) => s.text)).toEqual(['好的，已更正为 ¥1,208.00。', prompt('cancel-transaction', 'reason')]);
  });

  it('a correction that names the value first or after "等等"/"wait" is one too, in Chinese and English', () => {
    const atReason = last('cancel-transaction', [...TO_CARD, '跳过']).state!;
    for (const text of ['等等 金额说错了 是1208', '金额错了 应该是1208', '金额应该是1208']) {
      const step = send(atReason, text);
      expect(valueOf(step.state, 'amount'), text).toBe(120800);
      expect(step.state!.values, text).not.toHaveProperty('reason');
    }
    const atReasonEn = last('cancel-transaction', [...TO_CARD, 'skip'], { locale: 'en' }).state!;
    for (const text of ['wait, the amount is wrong, should be 1208', 'the amount should be 1208', "wait, the amount is wrong, it's 1208"]) {
      const step = send(atReasonEn, text, 'en');
      expect(valueOf(step.state, 'amount'), text).toBe(120800);
      expect(step.state!.values, text).not.toHaveProperty('reason');
    }
    // A reason that only mentions the amount is still the reason.
    expect(send(atReason, '顾客嫌金额太高 不要了').state!.values.reason?.display).toBe('顾客嫌金额太高 不要了');
  });

  it('a corrected date re-runs the rules: 45 days ago is a manual refund (said), yesterday a refund again', () => {
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    expect(valueOf(confirming, 'request_type')).toBe('refund');

    const old = send(confirming, '不对，交易日期是45天前');
    expect(valueOf(old.state, 'transaction_date')).toBe('2026-10-11');
    expect(valueOf(old.state, 'request_type')).toBe('manual_refund');
    expect(old.state!.required).toEqual(['slip_photos']);
    expect(said(old)).toContain('需要办理手工退货');
    // The slip was sent already: straight back to the summary, with the new type.
    expect(old.state!.stage).toBe('confirming');
    expect(lastSaid(old)).toContain('申请类型 手工退货');

    const back = send(old.state, '不对，日期是昨天');
    expect(valueOf(back.state, 'request_type')).toBe('refund');
    expect(back.state!.required).toEqual([]);
    expect(back.state!.stage).toBe('confirming');
  });

  it('a same-day void corrected to yesterday drops the same-day answers and becomes a refund', () => {
    const voidPath = last('cancel-transaction', [...SAME_DAY, '没有', '试过了不行', '金额刷错', files(file(1)), PHONE]).state!;
    expect(voidPath.stage).toBe('confirming');
    expect(valueOf(voidPath, 'request_type')).toBe('void');
    expect(valueOf(voidPath, 'void_tried')).toBe('failed');
    const step = send(voidPath, '不对，是昨天的交易');
    expect(valueOf(step.state, 'transaction_date')).toBe('2026-11-24');
    expect(valueOf(step.state, 'request_type')).toBe('refund');
    expect(step.state!.values).not.toHaveProperty('batch_settled');
    expect(step.state!.values).not.toHaveProperty('void_tried');
    expect(step.say[0]!.text).toContain('申请类型 退货');
  });

  it('an English "no, …" correction does not flip a yes/no question answered before', () => {
    const steps = talk(
      'cancel-transaction',
      ['I want to cancel a transaction', MID, TID, 'today', '1280', 'voucher 000123', 'skip', 'settled', 'wrong amount', files(file(1)), PHONE],
      { locale: 'en' },
    );
    const state = steps.at(-1)!.state!;
    expect(state.stage).toBe('confirming');
    expect(valueOf(state, 'batch_settled')).toBe('yes');
    const step = send(state, 'no, the amount is 1208', 'en');
    expect(valueOf(step.state, 'amount')).toBe(120800);
    expect(valueOf(step.state, 'batch_settled')).toBe('yes');
  });
});

describe('values restated or mislabelled', () => {
  it('a labelled number that is no valid value is explained, not passed over (商户号…，终端号 1234567)', () => {
    const atMerchant = last('cancel-transaction', ['想撤销']).state!;
    const step = send(atMerchant, `商户编号是${MID}，终端号 1234567`);
    expect(valueOf(step.state, 'merchant_id')).toBe(MID);
    expect(step.state!.values).not.toHaveProperty('terminal_id');
    expect(step.say[0]!.text).toBe('终端编号应为8位数字或字母，您输入了7位。');
    expect(lastSaid(step)).toBe(prompt('cancel-transaction', 'terminal_id'));
    expect(step.state!.attempts).toEqual({});
    // In the message that starts the flow, too.
    const start = engine.start('cancel-transaction', { text: '想撤销，凭证号12345' }, NOW, 'zh-CN');
    expect(said(start)).toContain('凭证号应为6位数字，您输入了5位。');
    expect(start.state!.values).not.toHaveProperty('voucher_no');
    // Two values given at once are no correction: nothing to acknowledge.
    const both = send(atMerchant, `商户号${MID}，终端号${TID}`);
    expect(both.say.map((s) => s.text)).toEqual([prompt('cancel-transaction', 'transaction_date')]);
    // A label with no number after it is just a word.
    expect(said(send(atMerchant, `${MID}，终端号等会儿发给你`))).not.toContain('终端编号应为');
  });

  it('restating the value already there changes nothing and says so; it is no answer to the pending slot', () => {
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    for (const text of ['金额改成1280元', '不对，金额是一千二百八十元', '日期改成昨天']) {
      const step = send(confirming, text);
      expect(step.state).toEqual(confirming);
      expect(step.say[0]!.text).toMatch(/^(¥1,280\.00|2026年11月24日)和已填写的一致，没有改动。$/);
      expect(step.say[1]!.text).toMatch(/^请核对：/);
    }
    expect(send(confirming, 'the date is yesterday', 'en').say[0]!.text).toBe('24 Nov 2026 is what I have already; nothing changed.');
    // At the card's last 4: "不对，金额是1280" is not the card's last 4 digits 1280.
    const atCard = last('cancel-transaction', TO_CARD).state!;
    const step = send(atCard, '不对，金额是1280');
    expect(step.state!.values).not.toHaveProperty('card_last4');
    expect(step.state!.attempts).toEqual({});
    expect(step.say.map((s) => s.text)).toEqual(['¥1,280.00和已填写的一致，没有改动。', prompt('cancel-transaction', 'card_last4')]);
  });

  it('a mobile number with 0086 is a phone, not a 15-digit merchant ID; "电话改成…" names the phone', () => {
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    const step = send(confirming, '联系电话改为 0086 139 0013 9000');
    expect(valueOf(step.state, 'merchant_id')).toBe(MID);
    expect(valueOf(step.state, 'phone')).toBe('13900139000');
    const atPhone = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货', files(file(1))]).state!;
    const bare = send(atPhone, '0086 139 0013 9000');
    expect(valueOf(bare.state, 'merchant_id')).toBe(MID);
    expect(valueOf(bare.state, 'phone')).toBe('13900139000');
  });

  it('a phone corrected to one that looks the same masked (139****8864) is changed, not "the same as filled"', () => {
    const confirming = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货', files(file(1)), '13917208864']).state!;
    expect(confirming.stage).toBe('confirming');
    const step = send(confirming, '等下 电话打错了 是13971208864');
    expect(valueOf(step.state, 'phone')).toBe('13971208864');
    expect(said(step)).not.toContain('和已填写的一致');
    expect(step.say.at(-1)!.text).toMatch(/^请核对：/);
    expect(send(step.state!, '这回对了 确认').outcome).toMatchObject({ type: 'submit' });
  });
});

describe('optional slots', () => {
  it('skips the optional card_last4 ("跳过"), which is offered as an action', () => {
    const atCard = last('cancel-transaction', TO_CARD);
    expect(atCard.say.at(-1)!.suggestedActions).toEqual([flowText('zh-CN', 'actionSkip')]);
    const step = send(atCard.state, '跳过');
    expect(step.state!.skipped).toEqual(['card_last4']);
    expect(step.state!.values).not.toHaveProperty('card_last4');
    expect(step.state!.pending).toBe('reason');
    // In a word or two: "没注意 跳过".
    expect(send(atCard.state, '没注意 跳过').state!.skipped).toEqual(['card_last4']);
    // Not asked again at the end.
    const end = last('cancel-transaction', TO_CONFIRM);
    expect(end.state!.stage).toBe('confirming');
    expect(end.state!.values).not.toHaveProperty('card_last4');
  });

  it('takes the card\'s last 4 digits when given', () => {
    const step = send(last('cancel-transaction', TO_CARD).state, '尾号6789');
    expect(step.state!.values.card_last4).toEqual({ value: '6789', display: '6789' });
  });

  it('takes "确认" at an optional free-text slot as nothing to add, never as the text', () => {
    const atDetail = last('suspend-settlement', ['我想暂停结算', '资金结算', MID, '其他']);
    const step = send(atDetail.state, '确认');
    expect(step.state!.values).not.toHaveProperty('reason_detail');
    expect(step.state!.skipped).toEqual(['reason_detail']);
  });

  it('skips an optional free-text slot with "没有" rather than storing it as the text', () => {
    const atDetail = last('suspend-settlement', ['我想暂停结算', '资金结算', MID, '其他']);
    expect(atDetail.state!.pending).toBe('reason_detail');
    const step = send(atDetail.state, '没有');
    expect(step.state!.skipped).toEqual(['reason_detail']);
    expect(step.state!.pending).toBe('start_date');
  });
});

describe('cancelling', () => {
  it('giving up is understood at the start of a longer message, in the ways merchants say it', () => {
    for (const text of ['算了，不弄了，我直接退现金给他', '先不提交了，我问问老板再说', '那就算了吧', '我再想想', '回头再说吧', '算了不退了，我再想想', 'never mind, customer changed his mind', 'no need to file it, thanks',
      '没事了，谢谢', '我自己在机器上弄吧', '顾客又不退了', '哦 不好意思 点错了', 'ok got it, ill do it on the machine thx', "customer doesn't want the refund anymore", 'nvm', 'drop it']) {
      const step = send(last('cancel-transaction', TO_CARD).state, text);
      expect(step.state?.stage, text).toBe('confirm-cancel');
    }
    // …or anywhere, as a clause of its own.
    for (const text of ['诶 我刚在机器上点撤消 成功了，那这个不用弄了', '哎等一下，顾客说不退了，这个申请不用了', '算啦 我自己在机器上弄吧', '不要了不要了，老板说不停了', 'forget it, I\'ll sort it out myself',
      'actually no, the customer paid cash in the end, don\'t need this anymore', '不好意思 搞错了 不是这笔 不用退了', '顾客又说不退了 那就不用了',
      '等一下哈 老板说那个客人又不退了，那就算了吧不弄了', '搵唔到张单啊…算啦 唔搞啦，我直接畀返现金佢']) {
      const step = send(last('cancel-transaction', TO_CARD).state, text);
      expect(step.state?.stage, text).toBe('confirm-cancel');
    }
    // Thanks around "no need" do not make it giving up: said to an optional question, it passes over it.
    const polite = send(last('cancel-transaction', TO_CARD).state, 'no need, thanks');
    expect(polite.state?.stage).toBe('collecting');
    expect(polite.state?.pending).not.toBe('card_last4');
    // A reason that mentions cancelling is not giving up, nor is a customer who changed their mind.
    expect(send(last('cancel-transaction', TO_CARD).state, '顾客取消订单了').state?.stage).not.toBe('confirm-cancel');
    expect(send(last('cancel-transaction', TO_CARD).state, '点错了').state?.stage).not.toBe('confirm-cancel');
    expect(send(last('cancel-transaction', TO_CARD).state, '顾客改主意了，要退').state?.stage).not.toBe('confirm-cancel');
    expect(send(last('cancel-transaction', TO_CARD).state, '这笔要退，顾客不要了').state?.stage).not.toBe('confirm-cancel');
  });

  it('second thoughts that end in going on ("算了算了 还是退吧") answer "sure?" with a no, and the phone said with them is kept', () => {
    const asked = send(last('cancel-transaction', TO_CARD).state, '等等 我再想想 要不先别弄了');
    expect(asked.state!.stage).toBe('confirm-cancel');
    const step = send(asked.state, '算了算了 还是退吧 毕竟是货的问题 电话188 1771 1549');
    expect(step.outcome?.type).not.toBe('cancelled');
    expect(step.state!.stage).toBe('collecting');
    expect(valueOf(step.state, 'phone')).toBe('18817711549');
    // …and so is "留吧" (the phone left after all), while the question is still being asked.
    const atPhone = send(last('cancel-transaction', TO_CARD).state, '跳过');
    const kept = send({ ...atPhone.state!, pending: 'phone' }, '算了算了 来访者还等着呢 留吧 150 9552 4339');
    expect(kept.state!.stage).not.toBe('confirm-cancel');
    expect(valueOf(kept.state, 'phone')).toBe('15095524339');
    // "算了" alone is still the yes.
    expect(send(asked.state, '算了算了').outcome).toEqual({ type: 'cancelled' });
  });

  it('a hold given up with what it is ("这个暂停先不申请了"); the yes to "取消吗？" said with more words', () => {
    const atStart = last('suspend-settlement', ['店里要装修 结算能不能先停掉', MID]).state!;
    const asked = send(atStart, '呃 我跟老板商量了下 装修推迟到明年了 这个暂停先不申请了');
    expect(asked.state!.stage).toBe('confirm-cancel');
    for (const [yes, locale] of [['嗯对 不用了', 'zh-CN'], ['係啊 取消', 'zh-CN'], ['yes cancel it', 'en'], ['yes, cancel the whole thing', 'en']] as const) {
      expect(send(asked.state, yes, locale).outcome, yes).toEqual({ type: 'cancelled' });
    }
    expect(send(asked.state, '对 不取消').state!.stage).toBe('collecting');
  });

  it('"算了" asks to confirm; "是" cancels and ends the flow', () => {
    const asked = send(last('cancel-transaction', TO_CARD).state, '算了');
    expect(asked.outcome).toBeUndefined();
    expect(asked.state!.stage).toBe('confirm-cancel');
    expect(asked.say).toEqual([
      { text: flowText('zh-CN', 'flowCancelConfirm'), suggestedActions: [flowText('zh-CN', 'actionYesCancel'), flowText('zh-CN', 'actionNoContinue')] },
    ]);
    const done = send(asked.state, '是');
    expect(done).toEqual({ state: undefined, say: [{ text: flowText('zh-CN', 'flowCancelled') }], outcome: { type: 'cancelled' } });
  });

  it.each([
    ['zh-CN', '算了', '是，取消'],
    ['zh-CN', '取消', '确定取消'],
    ['en', 'cancel', 'Yes, cancel'],
  ] as const)('%s: the suggested action "%s" → "%s" cancels', (locale, first, yes) => {
    const start = locale === 'en' ? 'I want to cancel a transaction' : '想撤销';
    const asked = send(last('cancel-transaction', [start, MID], { locale }).state, first, locale);
    expect(asked.state!.stage).toBe('confirm-cancel');
    expect(send(asked.state, yes, locale).outcome).toEqual({ type: 'cancelled' });
  });

  it('"否，继续" goes back to the pending prompt with everything kept', () => {
    const before = last('cancel-transaction', TO_CARD).state!;
    const asked = send(before, '算了');
    const back = send(asked.state, '否，继续');
    expect(back.outcome).toBeUndefined();
    expect(back.say).toEqual([
      { text: flowText('zh-CN', 'flowContinue') },
      { text: prompt('cancel-transaction', 'card_last4'), suggestedActions: [flowText('zh-CN', 'actionSkip')] },
    ]);
    expect(back.state).toEqual(before);
  });

  it('"不取消" sent with the slip goes on with it: the photo is kept and what it shows is taken', () => {
    const asked = send(last('cancel-transaction', TO_CARD).state, '算了');
    expect(asked.state!.stage).toBe('confirm-cancel');
    const back = send(asked.state, { text: '等等找到了，不取消，你看这张', files: [file(3)], slip: { values: { card_last4: '4321' }, slots: ['card_last4'] } });
    expect(back.say[0]).toEqual({ text: flowText('zh-CN', 'flowContinue') });
    expect(back.state!.stage).toBe('collecting');
    expect(back.state!.values.card_last4!.value).toBe('4321');
    expect(back.state!.values.slip_photos).toBeDefined();
  });

  it('cancelling at the confirmation and going on shows the summary again', () => {
    const before = last('cancel-transaction', TO_CONFIRM).state!;
    const asked = send(before, '取消');
    expect(asked.state!.resumeStage).toBe('confirming');
    expect(engine.reprompt(asked.state!, NOW, 'zh-CN')[0]!.suggestedActions).toHaveLength(2);
    const back = send(asked.state, '不');
    expect(back.state).toEqual(before);
    expect(back.say[1]!.text).toMatch(/^请核对：/);
  });

  it('a file sent with "取消" is not a cancellation', () => {
    const atSlip = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货']).state!;
    const step = send(atSlip, { text: '取消', files: [file(1)] });
    expect(step.state!.stage).toBe('collecting');
    expect(step.state!.values.slip_photos!.value).toEqual([file(1)]);
  });
});

describe('request-status: a ticket is taken when given, never asked', () => {
  it('the merchant ID alone lists the requests at once', () => {
    expect(last('request-status', ['查询申请状态', MID]).outcome?.type).toBe('submit');
    expect(engine.start('request-status', { text: `我前天申请的退款通过了没有 商户号${MID}` }, NOW, 'zh-CN').outcome?.type).toBe('submit');
  });

  it('a ticket given with the question is taken', () => {
    const step = engine.start('request-status', { text: `CX-20261201-0001 到哪一步了？商户号${MID}` }, NOW, 'zh-CN');
    expect(step.outcome).toMatchObject({ type: 'submit', values: { ticket: { value: 'CX-20261201-0001' } } });
  });
});

describe('negated answers in English', () => {
  it('"havent settled today yet" is an unsettled batch (not the "settled" in it), and "10 min ago" is today', () => {
    const first = last('cancel-transaction', ['customer wants his money back, paid 150 like 10 min ago, havent settled today yet. mid 123456789012345 tid 12345678 voucher 000123'], { locale: 'en' });
    expect(first.state!.values.batch_settled?.value).toBe('no');
    expect(first.state!.values.transaction_date?.value).toBe('2026-11-25');
  });
});

describe('corrections as a shop with two terminals or a wrong option says them', () => {
  it('"前台那台是47720951": the terminal named by which machine it is, beside a labelled voucher', () => {
    const atVoucher = last('cancel-transaction', ['昨天前台那台刷了一笔七百三十八 客人要退', MID, '终端号47720915']).state!;
    expect(atVoucher.pending).toBe('voucher_no');
    const step = send(atVoucher, '不对不对 刚给你的是后厨那台的号 前台那台是47720951 凭证号001862');
    expect([valueOf(step.state, 'terminal_id'), valueOf(step.state, 'voucher_no')]).toEqual(['47720951', '001862']);
  });

  it('an option read only by its sound is no answer in passing ("没游客" is not 没有 to "partners notified?")', () => {
    const step = last('suspend-settlement', ['我们是山上景区里的小卖部 冬天封山了没游客 想把结算停到开春']);
    expect(step.state!.values).not.toHaveProperty('partners_notified');
    expect(valueOf(step.state, 'reason')).toBe('business_change');
  });

  it('at the summary, the option said not to be it is passed over for the one meant ("不是资金周转 我们是要搬店")', () => {
    const confirming = last('suspend-settlement', ['想把到账停一下', MID, '2', '12月1日', '2027年1月5日', '没有', '银行那边说过了', PHONE]).state!;
    expect([confirming.stage, valueOf(confirming, 'reason')]).toEqual(['confirming', 'cash_flow']);
    const step = send(confirming, '原因选错了 不是资金周转 我们是要搬店 应该选1');
    expect(valueOf(step.state, 'reason')).toBe('business_change');
  });
});

describe('corrections and lengths as merchants put them', () => {
  it('"是3050 不是3500": the value said not to be it is replaced, unlabelled, beside a labelled voucher', () => {
    const atVoucher = last('cancel-transaction', ['要退一笔 商户123456789012345 终端12345678 昨天的 金额3500']).state!;
    const step = send(atVoucher, '不对不对 是3050 不是3500，凭证号599012');
    expect([valueOf(step.state, 'amount'), valueOf(step.state, 'voucher_no')]).toEqual([305000, '599012']);
  });

  it('a length counts from the start (a month as 30 days); a length said to fall short gives way to the new one', () => {
    const month = last('suspend-settlement', ['我要出国 资金结算先暂停', MID, '12月12日', '先停一个月看看']);
    expect(valueOf(month.state, 'resume_date')).toBe('2027-01-11');
    const confirming = last('suspend-settlement', ['我要出国 资金结算先暂停', MID, '12月15日', '停10天', '跳过', '通知过了', PHONE]).state!;
    expect([confirming.stage, valueOf(confirming, 'resume_date')]).toEqual(['confirming', '2026-12-25']);
    expect(valueOf(send(confirming, '10天不够 改成停两周').state, 'resume_date')).toBe('2026-12-29');
  });

  it('a correction after the reason ("客人退货。刚才金额说错了，是一千三百八，不是一千八") changes the amount; the reason is what came before', () => {
    const atReason = last('cancel-transaction', ['退款 商户123456789012345 终端12345678 前天 一千八 凭证528229', '不知道']).state!;
    expect(atReason.pending).toBe('reason');
    const step = send(atReason, '客人退货。刚才金额说错了，是一千三百八，不是一千八');
    expect([valueOf(step.state, 'amount'), valueOf(step.state, 'reason')]).toEqual([138000, '客人退货']);
  });

  it('"原因不对 不是退货 是收银员重复刷了一笔": the reason restated after what it is not', () => {
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    const step = send(confirming, '原因不对 不是退货 是收银员重复刷了一笔');
    expect(valueOf(step.state, 'reason')).toBe('收银员重复刷了一笔');
    // Where the reason is a choice ("原因 经营调整"), an option named so corrects the choice, not its detail.
    const hold = last('suspend-settlement', ['老板要住院，店里歇业，结算先停', MID, '12月1日', '2027年1月5日', '没有', '没有', PHONE]).state!;
    expect([hold.stage, valueOf(hold, 'reason')]).toEqual(['confirming', 'business_change']);
    const corrected = send(hold, '原因不对 不是经营调整 是资金紧张');
    expect([valueOf(corrected.state, 'reason'), valueOf(corrected.state, 'reason_detail')]).toEqual(['cash_flow', valueOf(hold, 'reason_detail')]);
  });

  it('"17号到20号这几天先停，21号恢复": the range\'s first day starts the hold, the day named resumes it', () => {
    const step = last('suspend-settlement', ['17号到20号这几天结算先停一下，21号恢复']);
    expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date')]).toEqual(['2026-12-17', '2026-12-21']);
  });

  it('"15号到25号…关门 26号开门": the range closed starts the hold, the day it opens again resumes it', () => {
    const step = last('suspend-settlement', ['老板12月15号到12月25号带团出去 店里关门 12月26号开门 这期间卡上的钱先别打 资金结算']);
    expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date')]).toEqual(['2026-12-15', '2026-12-26']);
  });

  it('a yes-or-no answered before a correction in the same message is the answer ("银行没说 哦还有 开始那天说错了 不是12月18号 是12月28号")', () => {
    const asked = last('suspend-settlement', ['年底工地都停了 厂里放假 刷卡的钱先别往卡上打 资金结算', MID, '12月18号开始', '明年2月20号恢复', '没材料']).state!;
    expect(asked.pending).toBe('partners_notified');
    const step = send(asked, '银行没说 哦还有 开始那天说错了 不是12月18号 是12月28号 18号还有几个工地要来结账');
    expect([valueOf(step.state, 'partners_notified'), valueOf(step.state, 'start_date')]).toEqual(['no', '2026-12-28']);
    // …and in a shopkeeper's English.
    expect(valueOf(send(asked, 'bank I already tell, Meituan also').state, 'partners_notified')).toBe('yes');
  });

  it('the reason is read from how goods went wrong ("小孩衣服买大了两码", "竿梢甩第一竿就断了", "half the pieces are missing")', () => {
    for (const [story, reason] of [
      ['这单要退 小孩衣服买大了两码 没有小码换', '小孩衣服买大了两码'],
      ['4天前卖出去一根矶钓竿 1280 刷卡的 竿梢甩第一竿就断了 要退', '竿梢甩第一竿就断了'],
    ] as const) {
      expect(valueOf(last('cancel-transaction', [story]).state, 'reason'), story).toBe(reason);
    }
    const told = last('cancel-transaction', ['hi, need to refund a card sale. yesterday, 680 yuan', 'guy bought a big strategy board game, opened it at home and half the pieces are missing']).state!;
    expect(valueOf(told, 'reason')).toMatch(/pieces are missing/);
  });

  it('a day said of getting it done ("今儿个必须弄") is no day of the sale', () => {
    const asked = last('cancel-transaction', ['俺这前天卖了个电暖器680 客人说一插上就跳闸 要退', MID]).state!;
    expect(valueOf(asked, 'transaction_date')).toBe('2026-11-23');
    const step = send(asked, '哎 不中 今儿个必须弄 客人就在边上等着呢');
    expect(valueOf(step.state, 'transaction_date')).toBe('2026-11-23');
  });

  it('"we open again jan 5, start pay again jan 5": the same day said twice for the resume is the resume day', () => {
    const asked = last('suspend-settlement', ['hold my payouts, shop closed for renovation', MID]).state!;
    const step = send(asked, 'from 15th. we open again jan 5, start pay again jan 5');
    expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date')]).toEqual(['2026-12-15', '2027-01-05']);
  });

  it('"自2026年12月22日起恢复": the day resuming starts from is the resume day, the range before it the hold', () => {
    const step = last('suspend-settlement', ['我司拟于2026年12月15日至12月21日进行收银系统切换，特申请暂停资金结算，自2026年12月22日起恢复。']);
    expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date')]).toEqual(['2026-12-15', '2026-12-22']);
  });

  it('"停到月底 元旦那天再恢复打款": the day said to resume is the resume day; the day held to starts nothing', () => {
    const step = last('suspend-settlement', ['暂停资金结算 老店这边停到月底 元旦那天再恢复打款']);
    expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date')]).toEqual([undefined, '2027-01-01']);
  });

  it('gives up at the summary in the words of a hold not wanted after all; "dunno, skip" skips', () => {
    const confirming = last('suspend-settlement', SUSPEND_TO_CONFIRM).state!;
    expect(send(confirming, '哎等下，老板说不停了照常结算，这个先不提交了').state!.stage).toBe('confirm-cancel');
    // …or in English, in a story of why ("…she take blue one, same price. So refund doesn't matter anymore. Don't send.")
    const refund = last('cancel-transaction', TO_CONFIRM).state!;
    expect(send(refund, "Wait please. She is here again, she take blue one, same price. So refund doesn't matter anymore. Don't send.").state!.stage).toBe('confirm-cancel');
    expect(send(refund, 'wait, she agree we do colour again free. no thanks, cancel').state!.stage).toBe('confirm-cancel');
    // …or in Cantonese in the middle of a message ("…算數啦 我聽日自己去銀行問吓 唔使幫我報住").
    expect(send(refund, '張單都唔知擺咗去邊 算數啦 我聽日自己去銀行問吓 唔使幫我報住').state!.stage).toBe('confirm-cancel');
    const atCard = last('cancel-transaction', TO_CARD).state!;
    const skipped = send(atCard, 'dunno, skip');
    expect(skipped.state!.skipped).toContain('card_last4');
  });
});

describe('a photo sent to replace the last one', () => {
  const photo = (n: number, values: Record<string, string>, text = ''): FlowInput => ({ text, files: [file(n)], slip: { values, slots: Object.keys(values) } });

  it('"发错了 是这张": the first photo leaves, what it alone filled is read from the new one, typed values stay', () => {
    const asked = last('cancel-transaction', ['申请退货', MID]).state!;
    const first = send(asked, photo(1, { terminal_id: '12345678', voucher_no: '111111', amount: '320.00' }));
    expect([valueOf(first.state, 'voucher_no'), valueOf(first.state, 'amount')]).toEqual(['111111', 32000]);
    const second = send(first.state, photo(2, { terminal_id: '12345678', voucher_no: '222222', amount: '1150.00' }, '不对不对 发错了 不是这张 是这张'));
    expect([valueOf(second.state, 'voucher_no'), valueOf(second.state, 'amount'), valueOf(second.state, 'merchant_id')]).toEqual(['222222', 115000, MID]);
    expect(second.state!.values.slip_photos!.value).toEqual([file(2)]);
    // "拍成别人的了 … 这张才是" says the same.
    const other = send(first.state, photo(4, { terminal_id: '12345678', voucher_no: '444444', amount: '399.00' }, '哎呀不对 拍成别人的了 耳机是399那笔 这张才是'));
    expect([valueOf(other.state, 'voucher_no'), valueOf(other.state, 'amount')]).toEqual(['444444', 39900]);
    // Another photo without such words is one more photo of the same sale: nothing read is replaced.
    const more = send(first.state, photo(3, { voucher_no: '333333' }, '这是另一张'));
    expect(valueOf(more.state, 'voucher_no')).toBe('111111');
    expect((more.state!.values.slip_photos!.value as unknown[]).length).toBe(2);
  });
});

describe('two slips of different sales in one message', () => {
  it('"只退880那张，320的不用动": the slip whose amount was given is the one read, whole', () => {
    const shared = { merchant_id: MID, terminal_id: TID, card_last4: '7742' };
    const each = [
      { ...shared, voucher_no: '092314', reference_no: '557130268841', amount: '320.00' },
      { ...shared, voucher_no: '092315', reference_no: '557130268903', amount: '880.00' },
    ];
    const both = (text: string): FlowInput => ({ text, files: [file(1), file(2)], slip: { values: shared, slots: Object.keys(each[0]!), each } });
    const step = engine.start('cancel-transaction', both('这两张是同一个客人前天刷的，只退880那张，320的不用动'), NOW, 'zh-CN');
    expect([valueOf(step.state, 'voucher_no'), valueOf(step.state, 'reference_no'), valueOf(step.state, 'amount')]).toEqual(['092315', '557130268903', 88000]);
    // No amount given: only what both show.
    const unsaid = engine.start('cancel-transaction', both('这两张要退'), NOW, 'zh-CN');
    expect([valueOf(unsaid.state, 'terminal_id'), valueOf(unsaid.state, 'voucher_no')]).toEqual([TID, undefined]);
    // …until the amount is given: then the slip of that sale is read, and said so.
    const told = send(unsaid.state, '是下午那张880的');
    expect([valueOf(told.state, 'amount'), valueOf(told.state, 'voucher_no'), valueOf(told.state, 'reference_no')]).toEqual([88000, '092315', '557130268903']);
    expect(said(told)).toContain('092315');
    expect(told.state!.slipsUndecided).toBeUndefined();
  });
});

describe('two slips of one double charge, told apart by when they were swiped', () => {
  const shared = { merchant_id: MID, terminal_id: TID, card_last4: '2716', amount: '199.00' };
  const each = [
    { ...shared, voucher_no: '300511', reference_no: '812203349951', [SLIP_TIME]: '09:12:44' },
    { ...shared, voucher_no: '300512', reference_no: '812203349968', [SLIP_TIME]: '09:13:20' },
  ];
  const both = (text: string): FlowInput => ({ text, files: [file(1), file(2)], slip: { values: shared, slots: Object.keys(shared).concat('voucher_no', 'reference_no'), each } });

  it('"退后面那笔就行" with both slips takes the later one; "the first one" the earlier', () => {
    const later = engine.start('cancel-transaction', both('昨天早上这个客人被扣了两次 两张小票都在这 退后面那笔就行'), NOW, 'zh-CN');
    expect([valueOf(later.state, 'voucher_no'), valueOf(later.state, 'reference_no')]).toEqual(['300512', '812203349968']);
    const first = engine.start('cancel-transaction', both('charged twice yesterday, refund the first one'), NOW, 'en');
    expect(valueOf(first.state, 'voucher_no')).toBe('300511');
  });

  it('"对 是9点13那张" after both were sent picks that slip and says what it read; a time no slip shows picks none', () => {
    const unsaid = engine.start('cancel-transaction', both('昨天这个客人被扣了两次 两张小票都在这'), NOW, 'zh-CN');
    expect(valueOf(unsaid.state, 'voucher_no')).toBeUndefined();
    expect(unsaid.state!.slipsUndecided).toHaveLength(2);
    const told = send(unsaid.state, '对 是9点13那张');
    expect([valueOf(told.state, 'voucher_no'), valueOf(told.state, 'reference_no')]).toEqual(['300512', '812203349968']);
    expect(said(told)).toContain('300512');
    expect(told.state!.slipsUndecided).toBeUndefined();
    const none = send(unsaid.state, '是10点05那张');
    expect(valueOf(none.state, 'voucher_no')).toBeUndefined();
  });

  it('a time of day said to pick a sale ("下午4点07那笔") never replaces the day already given', () => {
    const dated = last('cancel-transaction', ['前天给客人刷了两次 都是735', MID]);
    expect(valueOf(dated.state, 'transaction_date')).toBe('2026-11-23');
    expect(valueOf(send(dated.state, '退下午4点07那笔，凭证号239053').state, 'transaction_date')).toBe('2026-11-23');
    // Said with nothing before it, the afternoon is today's.
    expect(valueOf(engine.start('cancel-transaction', { text: '下午那笔500的要退' }, NOW, 'zh-CN').state, 'transaction_date')).toBe('2026-11-25');
  });
});

describe('what merchants write around the facts', () => {
  it('of two amounts, the one not said to be left alone ("the 460 one is fine, leave it", "30的不用管")', () => {
    const en = engine.start('cancel-transaction', { text: 'Two slips from yesterday. Only the 1280 one needs a refund, the customer returned the jacket. The 460 one is fine, leave it' }, NOW, 'en');
    expect(valueOf(en.state, 'amount')).toBe(128000);
    const zh = engine.start('cancel-transaction', { text: '早上那张30的不用管，下午460那张退掉' }, NOW, 'zh-CN');
    expect(valueOf(zh.state, 'amount')).toBe(46000);
    // Two amounts and nothing to tell them apart: neither.
    expect(valueOf(engine.start('cancel-transaction', { text: '顾客退了两件，一件1280一件460' }, NOW, 'zh-CN').state, 'amount')).toBeUndefined();
  });

  it('the day somebody noticed is not the day of the sale ("customer only noticed today", "今天才发现")', () => {
    const en = engine.start('cancel-transaction', { text: 'need this one refunded. cashier keyed in 1250 instead of 125 for a birthday cake, customer only noticed today' }, NOW, 'en');
    expect(valueOf(en.state, 'transaction_date')).toBeUndefined();
    expect(valueOf(en.state, 'amount')).toBe(125000);
    expect(valueOf(engine.start('cancel-transaction', { text: '今天才发现昨天那笔刷错了 1250' }, NOW, 'zh-CN').state, 'transaction_date')).toBe('2026-11-24');
  });

  it('a word that only sounds like a reason inside another word is none ("正在补办新卡" is no 搬新); a shop handed over is', () => {
    const card = engine.start('suspend-settlement', { text: '因为结算用的那张银行卡丢了，正在补办新卡，结算先暂停一下，钱先别打过来' }, NOW, 'zh-CN');
    expect(valueOf(card.state, 'reason')).toBe('other');
    expect(valueOf(card.state, 'reason_detail')).toBe('结算用的那张银行卡丢了');
    // A homophone standing on its own is still read.
    expect(valueOf(engine.start('suspend-settlement', { text: '店里要装秀，结算先停一下' }, NOW, 'zh-CN').state, 'reason')).toBe('business_change');
    const handed = engine.start('suspend-settlement', { text: '你好 我这个奶茶店盘给别人了 1月1号新老板接手 我这边到时候结算就停了吧' }, NOW, 'zh-CN');
    expect([valueOf(handed.state, 'reason'), valueOf(handed.state, 'start_date')]).toEqual(['business_change', '2027-01-01']);
  });

  it('"先不发 要的话再说" where documents are asked passes over them', () => {
    let step = engine.start('suspend-settlement', { text: '下周一开始暂停结算，店要装修，装修完了再说' }, NOW, 'zh-CN');
    step = send(step.state, MID);
    expect(step.state!.pending).toBe('documents');
    const next = send(step.state, '先不发 要的话再说');
    expect(next.state!.pending).not.toBe('documents');
    expect(next.state!.skipped).toContain('documents');
  });

  it('in English, each day follows its word: "from the 13th until the 19th", "the new one should open on the 19th"', () => {
    const range = engine.start('suspend-settlement', { text: 'hold payouts from the 13th until the 19th' }, NOW, 'en');
    expect([valueOf(range.state, 'start_date'), valueOf(range.state, 'resume_date')]).toEqual(['2026-12-13', '2026-12-19']);
    const moving = engine.start(
      'suspend-settlement',
      { text: "hi, we're moving our bakery to a bigger place across town. last day at the old shop is the 12th and the new one should open on the 19th. can you hold the payouts from the 13th until we reopen" },
      NOW,
      'en',
    );
    expect([valueOf(moving.state, 'reason'), valueOf(moving.state, 'start_date'), valueOf(moving.state, 'resume_date')]).toEqual(['business_change', '2026-12-13', '2026-12-19']);
    const bank = engine.start('suspend-settlement', { text: 'the bank rang me, said a few card payments look dodgy and they need to go through them. they told me to get my settlement paused while they check' }, NOW, 'en');
    expect(valueOf(bank.state, 'reason')).toBe('compliance');
  });
});

describe('what merchants write around the facts, more', () => {
  it('"11号有个车主来加油 … 今天拿着银行短信找过来了": the day somebody came over is no sale day; the 11th is', () => {
    const step = engine.start('cancel-transaction', { text: '11号有个车主来加油 油钱一百二十八 我手快按成一千二百八了 人家今天拿着银行短信找过来了 多扣的钱得退给人家' }, NOW, 'zh-CN');
    expect([valueOf(step.state, 'transaction_date'), valueOf(step.state, 'amount')]).toEqual(['2026-11-11', 128000]);
    // …nor is the day a guest checked out ("客人前天退房的 押金是入住那天刷的").
    expect(valueOf(engine.start('cancel-transaction', { text: '这张帮我退掉 客人前天退房的 押金是入住那天刷的 前台忘了给他退' }, NOW, 'zh-CN').state, 'transaction_date')).toBeUndefined();
  });

  it('"on Oct 27 by card, 4680": the day of an English month is no amount', () => {
    const step = engine.start('cancel-transaction', { text: 'a customer brought back a sofa today. she paid for it on Oct 27 by card, 4680. could you get this reversed for her?' }, NOW, 'en');
    expect([valueOf(step.state, 'transaction_date'), valueOf(step.state, 'amount')]).toEqual(['2026-10-27', 468000]);
  });

  it('of two numbers listed, the one then pointed at ("一个210447一个210448，第二个是多的")', () => {
    const asked = last('cancel-transaction', ['顾客昨天付一次扣了两次钱 745块', `商户号${MID} 终端号${TID}`]);
    expect(asked.state!.pending).toBe('voucher_no');
    expect(valueOf(send(asked.state, '两张小票凭证号一个210447一个210448，第二个是多的').state, 'voucher_no')).toBe('210448');
    expect(valueOf(send(asked.state, '凭证号210447和210448，退第一个').state, 'voucher_no')).toBe('210447');
    // Said where the amount is asked: the other code listed is no amount.
    const atAmount = last('cancel-transaction', ['昨天这个客人被扣了两次 要退一笔', `商户号${MID} 终端号${TID}`]);
    expect(atAmount.state!.pending).toBe('amount');
    const listed = send(atAmount.state, '两张小票凭证号一个210447一个210448，第二个是多的');
    expect([valueOf(listed.state, 'voucher_no'), valueOf(listed.state, 'amount')]).toEqual(['210448', undefined]);
  });

  it('news that changes an answer ("等等 我问了下店长 下午交班的时候已经结算过了") corrects it while another question is asked', () => {
    const dec6 = new Date('2026-12-06T04:00:00Z');
    const asked = last('cancel-transaction', ['今天中午刷了450 客人又不要了 想撤销', MID, TID, '凭证号000063', '跳过', '没有吧'], { now: dec6 });
    expect(asked.state!.pending).toBe('void_tried');
    const told = engine.handle(asked.state!, { text: '等等 我问了下店长 下午交班的时候已经结算过了' }, dec6, 'zh-CN');
    expect([valueOf(told.state, 'batch_settled'), valueOf(told.state, 'request_type')]).toEqual(['yes', 'refund']);
  });

  it('a correction at the summary answers the question it opens in the same words ("今天还没结算，机器上撤销试过了，提示失败")', () => {
    const dec6 = new Date('2026-12-06T04:00:00Z');
    const slip: FlowInput = { text: '', files: [file(1)], slip: { values: { reference_no: '552083169427', card_last4: '5093' }, slots: ['reference_no', 'card_last4'] } };
    const steps = talk('cancel-transaction', ['今天上午刷了1260元，顾客退货，凭证号000377，帮我申请', MID, TID, '跳过', '结算了', slip, '对', PHONE], { now: dec6 });
    expect(steps.at(-1)!.state!.stage).toBe('confirming');
    const corrected = engine.handle(steps.at(-1)!.state!, { text: '申请类型不对，应该是撤销。我刚才说错了，今天还没结算，机器上撤销试过了，提示失败' }, dec6, 'zh-CN');
    expect([valueOf(corrected.state, 'batch_settled'), valueOf(corrected.state, 'void_tried'), valueOf(corrected.state, 'request_type')]).toEqual(['no', 'failed', 'void']);
    expect(corrected.state!.stage).toBe('confirming');
  });

  it('"wants to return it, she says the colour is wrong" is the reason', () => {
    const step = engine.start('cancel-transaction', { text: "Hi, a tourist bought a silk scarf at our shop and wants to return it, she says the colour is wrong. Can you refund her? Here's the slip" }, NOW, 'en');
    expect(valueOf(step.state, 'reason')).toContain('wants to return it');
  });
});

describe('what merchants write around the facts, batches 68–69', () => {
  it('"45 became 4500", "keyed 2 extra zeros": the amount charged, not the count of zeros', () => {
    const step = engine.start('cancel-transaction', { text: 'pls void this one, new staff keyed 2 extra zeros lol, 45 became 4500' }, NOW, 'en');
    expect(valueOf(step.state, 'amount')).toBe(450000);
  });

  it('"用咗两日就坏咗", "住了三日": how long, no day of the month', () => {
    const step = engine.start('cancel-transaction', { text: '个客话部风筒用咗两日就坏咗 要退钱' }, NOW, 'zh-CN');
    expect(valueOf(step.state, 'transaction_date')).toBeUndefined();
    expect(valueOf(engine.start('cancel-transaction', { text: '三日刷的那笔要退' }, NOW, 'zh-CN').state, 'transaction_date')).toBe('2026-11-03');
  });

  it('a photo sent to replace the wrong one, in Cantonese: nothing said of the photos is the reason', () => {
    const first = engine.start('cancel-transaction', { text: '呢单要退返俾个客', files: [file(1)], slip: { values: { voucher_no: '006102', amount: '288.00' }, slots: ['voucher_no', 'amount'] } }, NOW, 'zh-CN');
    const second = send(first.state, { text: '唔好意思影错咗 头先嗰张唔计 系呢张先啱', files: [file(2)], slip: { values: { voucher_no: '006135', amount: '1099.00' }, slots: ['voucher_no', 'amount'] } });
    expect([valueOf(second.state, 'voucher_no'), valueOf(second.state, 'amount')]).toEqual(['006135', 109900]);
    expect(valueOf(second.state, 'reason')).toBeUndefined();
    expect(second.state!.values.slip_photos!.value).toEqual([file(2)]);
  });

  it('days as typed: "day after tmrw", Cantonese 后日', () => {
    const en = engine.start('suspend-settlement', { text: 'pause payouts starting day after tmrw' }, NOW, 'en');
    expect(valueOf(en.state, 'start_date')).toBe('2026-11-27');
    const yue = engine.start('suspend-settlement', { text: '我哋间铺要搬去隔离街 由后日开始啲钱暂时唔好打过嚟' }, NOW, 'zh-CN');
    expect([valueOf(yue.state, 'start_date'), valueOf(yue.state, 'reason'), valueOf(yue.state, 'settlement_kind')]).toEqual(['2026-11-27', 'business_change', 'payout']);
  });

  it('"actually not cash flow … we\'re moving our settlement account": the option said not to be it is dropped, and the account is no shop moving', () => {
    const asked = last('suspend-settlement', ['hold payouts pls, cash flow issue', MID], { locale: 'en' });
    expect(valueOf(asked.state, 'reason')).toBe('cash_flow');
    const corrected = send(asked.state, "actually not cash flow, sorry. we're moving our settlement account to a new bank and dont want money going into the old one", 'en');
    expect(valueOf(corrected.state, 'reason')).toBe('other');
    // …and the words kept to explain it are the new ones, not "cash flow issue".
    expect(valueOf(corrected.state, 'reason_detail')).toBe("we're moving our settlement account to a new bank and dont want money going into the old one");
  });

  it('"no have" passes over documents; "i tell bank already" answers the partners; "shop will close" is a business change', () => {
    const steps = talk('suspend-settlement', ['pls stop payout to my bank account from tomorrow for two weeks, all my staff go back hometown so shop will close', MID, 'no have', 'i tell bank already', PHONE], { locale: 'en' });
    const end = steps.at(-1)!.state!;
    expect(end.stage).toBe('confirming');
    expect([valueOf(end, 'reason'), valueOf(end, 'partners_notified')]).toEqual(['business_change', 'yes']);
    expect(end.skipped).toContain('documents');
  });

  it('giving up said in passing: "no need refund, cancel pls", Cantonese "唔使退喇"', () => {
    const en = send(last('cancel-transaction', ['need refund one sale, yesterday 499', MID, TID], { locale: 'en' }).state, 'wait customer just call me, he want exchange instead. no need refund, cancel pls', 'en');
    expect(en.state!.stage).toBe('confirm-cancel');
    const yue = send(last('cancel-transaction', TO_CONFIRM).state, '唔好意思 个客啱啱话换过另一对就得 唔使退喇');
    expect(yue.state!.stage).toBe('confirm-cancel');
    expect(send(yue.state, '系 取消').outcome?.type).toBe('cancelled');
  });
});

describe('what merchants write around the facts, batches 70–71', () => {
  it('one day said with both a start and an end word ("由今日开始…停到下个月先"): the day to the nearer word', () => {
    const step = engine.start('suspend-settlement', { text: '琴晚落暴雨我间铺水浸咗啲货同柜台全部浸烂晒要执好耐由今日开始啲钱唔好打过嚟住停到下个月先商户号847203619958402' }, NOW, 'zh-CN');
    expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date'), valueOf(step.state, 'reason')]).toEqual(['2026-11-25', undefined, 'business_change']);
  });

  it('"电话最后四位搞反了 是4681 不是4618": the phone named first is corrected, not the card\'s 后四位', () => {
    const confirming = last('cancel-transaction', [...TO_CONFIRM.slice(0, -1), '13905274618']).state!;
    expect(confirming.stage).toBe('confirming');
    expect(valueOf(send(confirming, '电话最后四位搞反了 是4681 不是4618').state, 'phone')).toBe('13905274681');
  });

  it('"a 10 class pack" is no amount; "妥了 确认" confirms', () => {
    const step = engine.start('cancel-transaction', { text: 'refund pls. student paid a 10 class pack, she is moving to another city cant come anymore' }, NOW, 'en');
    expect(valueOf(step.state, 'amount')).toBeUndefined();
    expect(valueOf(step.state, 'reason')).toContain('student');
    expect(send(last('cancel-transaction', TO_CONFIRM).state, '妥了 确认').outcome?.type).toBe('submit');
  });

  it('reasons as told: "鞋底开胶了", "鞋子小了", "分手了…照也不拍了", "chef quit … close the kitchen", "visa … shop will be closed"; "凭证号太小了看不清" is none', () => {
    expect(valueOf(engine.start('cancel-transaction', { text: '凭证号是004518 前天下午刷的 人家说鞋子小了要退' }, NOW, 'zh-CN').state, 'reason')).toContain('鞋子小了');
    expect(valueOf(engine.start('cancel-transaction', { text: 'need refund for a customer, he buy a bike helmet 2 days ago and today he find a crack on the side' }, NOW, 'en').state, 'reason')).toContain('crack');
    expect(valueOf(engine.start('cancel-transaction', { text: '帮客人退双运动鞋 鞋底开胶了 昨天刷的 925' }, NOW, 'zh-CN').state, 'reason')).toContain('开胶');
    expect(valueOf(send(last('cancel-transaction', ['申请退货', MID]).state, '凭证号太小了看不清').state, 'reason')).toBeUndefined();
    const kitchen = engine.start('suspend-settlement', { text: 'pls hold payouts from tomorrow for 10 days, our chef quit and we close the kitchen til we hire a new one' }, NOW, 'en');
    expect(valueOf(kitchen.state, 'reason')).toBe('business_change');
    const visa = engine.start('suspend-settlement', { text: 'need to pause payouts. my visa needs renewal so i have to leave china for 3 weeks and the shop will be closed' }, NOW, 'en');
    expect(valueOf(visa.state, 'reason')).toBe('business_change');
  });

  it('partners as said in Cantonese and of a new acquirer: "冇其他平台 净系你哋" is no, "新的那家知道" yes', () => {
    const asked = last('suspend-settlement', ['下周一开始暂停结算，店要装修，装修完了再说', MID, '跳过']);
    expect(asked.state!.pending).toBe('partners_notified');
    expect(valueOf(send(asked.state, '冇其他平台 净系你哋').state, 'partners_notified')).toBe('no');
    expect(valueOf(send(asked.state, '新的那家知道').state, 'partners_notified')).toBe('yes');
  });
});

describe('a hold told as a length', () => {
  it('keeps its length when its start is corrected at the summary ("start is day after tmrw … still 10 days")', () => {
    const steps = talk('suspend-settlement', ['pls hold payouts from tomorrow for 10 days, our chef quit and we close the kitchen til we hire a new one', MID, 'no docs', 'no, only u', PHONE], { locale: 'en' });
    const summary = steps.at(-1)!.state!;
    expect([summary.stage, valueOf(summary, 'start_date'), valueOf(summary, 'resume_date')]).toEqual(['confirming', '2026-11-26', '2026-12-06']);
    const moved = send(summary, 'wait start is day after tmrw not tmrw, we still open tmrw. still 10 days', 'en');
    expect([valueOf(moved.state, 'start_date'), valueOf(moved.state, 'resume_date')]).toEqual(['2026-11-27', '2026-12-07']);
    // A resume day given as a day stays where it was.
    const dated = last('suspend-settlement', ['明天开始暂停结算，店要装修，12月20号恢复', MID, '跳过', '没有', PHONE]).state!;
    expect(valueOf(send(dated, '开始日期改成后天').state, 'resume_date')).toBe('2026-12-20');
  });
});

describe('what merchants write around the facts, batches 72–73', () => {
  it('"by card 1,590" is money; "sorry i meant 1,950 not 1,590" corrects it beside another answer', () => {
    const told = engine.start('cancel-transaction', { text: 'hello, need refund pls. a student cancel the piano course, her mom paid yesterday by card 1,590' }, NOW, 'en');
    expect(valueOf(told.state, 'amount')).toBe(159000);
    const asked = last('cancel-transaction', ['hello, need refund pls. a student cancel the piano course, her mom paid yesterday by card 1,590', MID, TID], { locale: 'en' });
    const corrected = send(asked.state, 'voucher 005307. sorry i meant 1,950 not 1,590, typo', 'en');
    expect([valueOf(corrected.state, 'voucher_no'), valueOf(corrected.state, 'amount')]).toEqual(['005307', 195000]);
  });

  it('"卡号她没给我看 不知道" passes over the card; "没有节算 晚上才节" (a homophone) says not settled', () => {
    const dec6 = new Date('2026-12-06T04:00:00Z');
    const atCard = last('cancel-transaction', ['今天早上六点半 有个护士刷卡 十二块钱我给按成一千二了 要撤消', MID, TID, '凭证号000041'], { now: dec6 });
    expect(atCard.state!.pending).toBe('card_last4');
    const skipped = engine.handle(atCard.state!, { text: '卡号她没给我看 不知道' }, dec6, 'zh-CN');
    expect(skipped.state!.pending).toBe('batch_settled');
    expect(valueOf(engine.handle(skipped.state!, { text: '没有节算 晚上才节' }, dec6, 'zh-CN').state, 'batch_settled')).toBe('no');
  });

  it('holds told as stories: the landlord took the shop back, the gym moved floors, a burst pipe, the market moves (开张 is the reopening)', () => {
    const landlord = engine.start('suspend-settlement', { text: `商户号${MID} 我们要暂停到账 门面被房东收回去了 要找新地方重新开` }, NOW, 'zh-CN');
    expect(valueOf(landlord.state, 'reason')).toBe('business_change');
    const gym = engine.start('suspend-settlement', { text: '我们健身房在商场五楼 商场要把我们调到负一楼去 后天开始拆器械搬场地 搬完装好要十天 这十天刷卡的钱先不用往卡上打了' }, NOW, 'zh-CN');
    expect([valueOf(gym.state, 'reason'), valueOf(gym.state, 'start_date')]).toEqual(['business_change', '2026-11-27']);
    const pipe = engine.start('suspend-settlement', { text: '昨天晚上楼上水管爆了 教室天花板泡塌了一块 物业说要重新吊顶 这阵子课上不了 我想暂庭一下资金姐算' }, NOW, 'zh-CN');
    expect(valueOf(pipe.state, 'reason')).toBe('business_change');
    const market = engine.start('suspend-settlement', { text: '市场要整体搬到新址 管委会通知大后天老市场就断水断电 新市场二十天以后才开张 这中间我也没地方卖货 刷卡机上结算给我的钱先停一停吧' }, NOW, 'zh-CN');
    expect([valueOf(market.state, 'start_date'), valueOf(market.state, 'resume_date')]).toEqual(['2026-11-28', '2026-12-15']);
    // The lease of the yard ran out and the fleet moves (挪到): a change of business; a boat in dry dock is maintenance.
    const yard = engine.start('suspend-settlement', { text: '俺们是租叉车的 原来那场地到期了 得整个挪到开发区那旮瘩去 这阵子不接活了 到账的钱先给停一下' }, NOW, 'zh-CN');
    expect(valueOf(yard.state, 'reason')).toBe('business_change');
    const sailing = engine.start('suspend-settlement', { text: "we run a small sailing school on the lake. boats came out of the water last week and we're closed till spring. can you stop the payouts" }, NOW, 'en');
    expect(valueOf(sailing.state, 'reason')).toBe('business_change');
    const yacht = engine.start('suspend-settlement', { text: 'Our boat goes into dry dock next weekend for hull repainting and an engine service, so no charters for about five weeks. We would like to pause settlement.' }, NOW, 'en');
    expect(valueOf(yacht.state, 'reason')).toBe('maintenance');
  });
});

describe('what merchants write around the facts, batches 74–75', () => {
  it('"一台手机4599" is the phone sold at 4599, no phone number; 大前儿 is three days ago', () => {
    const step = engine.start('cancel-transaction', { text: '大前天卖出去一台手机4599 客人说屏幕有坏点 换了一台还是有 不要了 退钱' }, NOW, 'zh-CN');
    expect(valueOf(step.state, 'amount')).toBe(459900);
    expect(valueOf(engine.start('cancel-transaction', { text: '大前儿卖嘞电动车 客人骑回去电瓶充不进去电 人家不要了' }, NOW, 'zh-CN').state, 'transaction_date')).toBe('2026-11-22');
  });

  it('partners told or not in Northeastern speech ("还没吱声") and in formal writing ("已函告开户银行")', () => {
    const asked = last('suspend-settlement', ['我想把打款停一哈 店头要重新装修 后天开始封门', MID, '20天以后', '没得 跳过']);
    expect(asked.state!.pending).toBe('partners_notified');
    expect(valueOf(send(asked.state, '银行那嘎达俺还没吱声呢').state, 'partners_notified')).toBe('no');
    expect(valueOf(send(asked.state, '已函告开户银行。').state, 'partners_notified')).toBe('yes');
  });

  it('"我婆娘说她昨天去银行讲过了 那就是通知了的": news told by someone else corrects the partners answer', () => {
    const asked = last('suspend-settlement', ['我想把打款停一哈 店头要重新装修 后天开始封门', MID, '20天以后', '没得 跳过', '没通知哪个']);
    expect([asked.state!.pending, valueOf(asked.state, 'partners_notified')]).toEqual(['phone', 'no']);
    expect(valueOf(send(asked.state, '等哈 我婆娘说她昨天去银行讲过了 那就是通知了的').state, 'partners_notified')).toBe('yes');
  });

  it('holds told in regional speech: "打今儿个起放二十八天", a tax audit (稽查) is compliance, "客户经理知道这个事" is told', () => {
    const school = engine.start('suspend-settlement', { text: '俺家是学校门口卖文具的 学校打今儿个起放寒假 放二十八天 学生不来俺也不开门了 这段时间刷卡的钱先别往卡里打 等开学再说' }, NOW, 'zh-CN');
    expect([valueOf(school.state, 'start_date'), valueOf(school.state, 'resume_date')]).toEqual(['2026-11-25', '2026-12-23']);
    expect(valueOf(engine.start('suspend-settlement', { text: '我们公司被税务稽查了 税务局的人说账要查清楚 让我们先把结算暂停一下' }, NOW, 'zh-CN').state, 'reason')).toBe('compliance');
    const asked = last('suspend-settlement', ['下周一开始暂停结算，店要装修，装修完了再说', MID, '跳过']);
    expect(valueOf(send(asked.state, '开户行的客户经理知道这个事').state, 'partners_notified')).toBe('yes');
  });
});

describe('courtesy around an answer', () => {
  it('confirms, skips and answers with thanks, emoji and softening particles around the words', () => {
    for (const text of ['确认 麻烦了', '确认🙏', '整吧，确认 谢谢', '确认提交，谢谢啦！！', '好的提交 麻烦了', '確認 謝謝', 'submit it, thanks!', '确认啊', '确认～']) {
      expect(send(last('cancel-transaction', TO_CONFIRM).state, text).outcome?.type, text).toBe('submit');
    }
    // "没有哈。。。" passes over the optional question as "没有" does.
    const skipped = send(last('cancel-transaction', TO_CARD).state, '没有哈。。。');
    expect(skipped.state!.pending).not.toBe('card_last4');
    expect(valueOf(skipped.state, 'card_last4')).toBeUndefined();
    // A value with a particle after it.
    const told = send(last('cancel-transaction', TO_CARD).state, '尾号4417啊');
    expect(valueOf(told.state, 'card_last4')).toBe('4417');
    // "对，取消吧哦" gives up when asked whether to.
    const asked = send(last('cancel-transaction', TO_CARD).state, '算了');
    expect(asked.state!.stage).toBe('confirm-cancel');
    expect(send(asked.state, '对，取消吧哦').outcome?.type).toBe('cancelled');
    // Words that only sound like thanks stay: "退货太麻烦了" is a reason, not courtesy.
    expect(withoutCourtesy('退货太麻烦了')).toBe('退货太麻烦了');
  });

  it('reads full-width digits as ASCII, in a correction too ("应该是５５２０３３１８")', () => {
    const told = send(last('cancel-transaction', [CANCEL_START, MID]).state, '５５２０３３８１');
    expect(valueOf(told.state, 'terminal_id')).toBe('55203381');
    const corrected = send(told.state, '等下，刚才那个8位的号打错了，应该是５５２０３３１８');
    expect(valueOf(corrected.state, 'terminal_id')).toBe('55203318');
  });

  it('reads the message without a greeting in front and without courtesy at the end; courtesy alone stays', () => {
    expect(withoutCourtesy('你好 打扰一下 CX-20261201-0001')).toBe('CX-20261201-0001');
    expect(withoutCourtesy('在吗？我想退货')).toBe('我想退货');
    expect(withoutCourtesy('hello, refund needed')).toBe('refund needed');
    expect(withoutCourtesy('Confirm. Thank you brother.')).toBe('Confirm');
    expect(withoutCourtesy('Confirm, gracias')).toBe('Confirm');
    for (const [said, meant] of [['确认 快点', '确认'], ['CONFIRM. Please hurry.', 'CONFIRM'], ['Confirm. Marvellous.', 'Confirm']]) expect(withoutCourtesy(said!), said).toBe(meant);
    expect(withoutCourtesy('确认。谢谢您了，给您添麻烦了。')).toBe('确认');
    expect(withoutCourtesy('13812370109啊')).toBe('13812370109');
    expect(withoutCourtesy('怎么撤销呀？')).toBe('怎么撤销呀？'); // a question mark says something
    expect(withoutCourtesy('ok 👍')).toBe('ok');
    for (const alone of ['谢谢', '你好', '麻烦了', '🙏']) expect(withoutCourtesy(alone)).toBe(alone);
  });
});

describe('written without a pause', () => {
  const DEC6 = new Date('2026-12-06T04:00:00Z');
  const at = (flowId: string, messages: Msg[]) => last(flowId, messages, { now: DEC6 });

  it('gives each day of a hold to the word nearer to it when nothing separates them', () => {
    const cases: [string, string, string][] = [
      ['暂停资金结算 商户号826410993820005 12月15号开始1月5号恢复', '2026-12-15', '2027-01-05'],
      ['暂停资金结算 商户号826410993820005 下周一开始月底恢复', '2026-12-07', '2026-12-31'],
      ['暂停资金结算 商户号826410993820005 店铺12月9号起装修1月10号恢复营业', '2026-12-09', '2027-01-10'],
      ['暂停资金结算 商户号826410993820005 明年1月20号关门2月25号回来开门', '2027-01-20', '2027-02-25'],
    ];
    for (const [text, start, resume] of cases) {
      const step = at('suspend-settlement', [text]);
      expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date')], text).toEqual([start, resume]);
    }
  });

  it('hears giving up run into the next words, and "卡号后四位没有" as nothing to give', () => {
    for (const text of ['算了我先问问老板再说', '先不提交了我问问顾客', '先别提交我再想想', '顾客又说不退了那就不用了']) {
      expect(send(last('cancel-transaction', TO_CARD).state, text).state?.stage, text).toBe('confirm-cancel');
    }
    expect(send(last('cancel-transaction', TO_CONFIRM).state, '对先不提交').state?.stage).toBe('confirm-cancel');
    const skipped = send(last('cancel-transaction', TO_CARD).state, '卡号后四位没有');
    expect(skipped.state!.pending).not.toBe('card_last4');
  });

  it('reads the reason before the words about the photo sent with it ("顾客不要了小票在这")', () => {
    const toReason = talk('cancel-transaction', [CANCEL_START, MID, TID, '跳过']).at(-1)!;
    expect(toReason.state!.pending).toBe('reason');
    const step = send(toReason.state, { text: '顾客不要了小票在这', files: [file(1)] });
    expect(valueOf(step.state, 'reason')).toMatch(/^顾客不要了/);
  });
});

describe('the twenty-fourth to thirty-third fresh batches', () => {
  const DEC6 = new Date('2026-12-06T04:00:00Z');
  const at = (flowId: string, messages: Msg[]) => last(flowId, messages, { now: DEC6 });

  it('reads traditional script as simplified: the start day of "十二月十四號開始裝修", "冇文件 跳過", "仲未講"', () => {
    const started = at('suspend-settlement', ['我間舖十二月十四號開始裝修 想暫停資金結算 停兩個禮拜 商戶號881075651099238']);
    expect(shown(started.state)).toMatchObject({ start_date: '2026年12月14日', resume_date: '2026年12月28日' });
    const skipped = at('suspend-settlement', ['我間舖十二月十四號開始裝修 想暫停資金結算 停兩個禮拜 商戶號881075651099238', '冇文件 跳過']);
    expect(skipped.state!.skipped).toContain('documents');
    const told = at('suspend-settlement', ['我間舖十二月十四號開始裝修 想暫停資金結算 停兩個禮拜 商戶號881075651099238', '冇文件 跳過', '銀行嗰邊仲未講']);
    expect(valueOf(told.state, 'partners_notified')).toBe('no');
  });

  it('"跳过" after saying why passes an optional file question', () => {
    const step = at('suspend-settlement', ['我们店月底要转让 钱先别打了 商户号862048556247940', '从12月20号开始', '待定 看新老板怎么弄', '转让合同还没签 先跳过']);
    expect(step.state!.skipped).toContain('documents');
    expect(step.state!.pending).toBe('partners_notified');
  });

  it('an option said not to be it, with none other named, is the "other" option: "不是合规的事 是我们公司要换对公账户"', () => {
    const step = at('suspend-settlement', ['结算能不能先停掉 商户号853088554467884', '资金结算 打到卡上那种', '3', '不对 选错了 不是合规的事 是我们公司要换对公账户 新账户还在银行办']);
    expect(valueOf(step.state, 'reason')).toBe('other');
    expect(step.state!.pending).toBe('start_date');
  });

  it('"刚才写的4290不对 是4920" corrects the amount while the card\'s last 4 are asked', () => {
    const step = at('cancel-transaction', ['帮客户退一笔 昨天换屏幕刷的4290 结果屏幕配件一直没到货 修不了', '811644849641017', '55254537', '凭证号812601', '哦 刚才写的4290不对 是4920 我看反了']);
    expect(valueOf(step.state, 'amount')).toBe(492000);
    expect(valueOf(step.state, 'card_last4')).toBeUndefined();
  });

  it('another sale or another number meant after "算了" is a change, not giving up', () => {
    const sale = at('cancel-transaction', ['退一笔 昨天的 860 顾客买的鞋穿着夹脚 商户号890376221766456 终端74639947', '等下 算了 这笔不退 我搞混了 要退的是前天那双 1260的 那个顾客也是嫌夹脚']);
    expect(sale.state!.stage).toBe('collecting');
    expect(shown(sale.state)).toMatchObject({ transaction_date: '2026年12月4日', amount: '¥1,260.00' });
    const phone = at('cancel-transaction', ['前天一个家长刷了598买乐高 结果人家已经有一套了 拿回来退 商户号833655629317363 终端45865749 凭证777522', '4510', '跳过', '15780023723', '算了算了 这个号别留了 我这个号下礼拜要停机 留我老公的 13868985280']);
    expect(phone.state!.stage).not.toBe('confirm-cancel');
    expect(valueOf(phone.state, 'phone')).toBe('13868985280');
    // Giving up plainly still asks "sure?".
    expect(at('cancel-transaction', ['退一笔 昨天的 860 顾客买的鞋穿着夹脚 商户号890376221766456 终端74639947', '算了 这笔不退了']).state!.stage).toBe('confirm-cancel');
  });

  it('the reason of a story typed by voice without a mark: its sentences that say what happened', () => {
    const step = at('cancel-transaction', ['喂你好我这边是洗车店的昨天下午有个车主办年卡刷了一千九百八后来他老婆不同意今天又跑来说不办了要退我商户号是823381329201079终端号是10421355凭证号是209292']);
    expect(valueOf(step.state, 'reason')).toBe('我这边是洗车店的昨天下午有个车主办年卡刷了一千九百八，后来他老婆不同意今天又跑来说不办了要退');
    expect(valueOf(at('cancel-transaction', ['KTV这边 昨天晚上一个包厢刷了1810 收银把隔壁包厢的账结到他卡上了 要退']).state, 'reason')).toContain('收银把隔壁包厢的账结到他卡上了');
  });

  it('a hold told by the day it begins, naming neither day: that day starts it; a week or a month is asked', () => {
    const lone = at('suspend-settlement', ['俺们是洗车的 一入冬水管子老冻 天冷也没人来洗车 淡季了 打算下礼拜三起就歇着 这段时间卡上的钱先别打了 商户号886233293371427']);
    expect(valueOf(lone.state, 'start_date')).toBe('2026-12-09');
    // "没人来洗车", "打算…" say nothing of the partners.
    expect(valueOf(lone.state, 'partners_notified')).toBeUndefined();
    const both = at('suspend-settlement', ['我和老伴要去海南闺女那过冬 大后天走 那天起小卖部就关门了 过完元旦回来 1月3号开门 这中间刷卡的钱先别往卡里打 商户号833427684810147']);
    expect([valueOf(both.state, 'start_date'), valueOf(both.state, 'resume_date')]).toEqual(['2026-12-09', '2027-01-03']);
    const past = at('suspend-settlement', ['昨天派出所民警来店里 说前几天有人拿偷来的卡在我这刷了两万多 让我们配合调查 结算的钱先停一停吧 从明儿起 商户号845938048325580']);
    expect(valueOf(past.state, 'start_date')).toBe('2026-12-07');
    expect(valueOf(at('suspend-settlement', ['我们店下个月要搬家，想把结算停一停 商户号845938048325580']).state, 'start_date')).toBeUndefined();
    // "下礼拜三 礼拜二还有单子" is no length of three weeks.
    const moved = at('suspend-settlement', ['面包店烤箱线路老化 店里要小装修一下 下礼拜二起关门 这几天卡上的钱先别打了 商户号857292818468538', '大概十天 18号重新开门', '哦对了 开始那天应该是下礼拜三 礼拜二还有几个生日蛋糕的单子 客人要来店里取']);
    expect([valueOf(moved.state, 'start_date'), valueOf(moved.state, 'resume_date')]).toEqual(['2026-12-09', '2026-12-18']);
  });

  it('of three days, the one said as "from" starts ("店从明天关到20号，21号再开门"); a correction moves the day it does not name', () => {
    const three = at('suspend-settlement', ['老家老人住院了，我明天就得回去守着，店从明天关到20号，21号再开门，这段时间的结算先别打给我了']);
    expect([valueOf(three.state, 'start_date'), valueOf(three.state, 'resume_date')]).toEqual(['2026-12-07', '2026-12-21']);
    const moved = at('suspend-settlement', ['我们KTV要重新装修 停业一阵子 结算先暂停 商户号806026657213585', '15号开始停 20号恢复', '不对 老板刚说了 12号就停 恢复还是20号']);
    expect([valueOf(moved.state, 'start_date'), valueOf(moved.state, 'resume_date')]).toEqual(['2026-12-12', '2026-12-20']);
    // "啥时候恢复要看官司结果": not known yet; "no 没有" to the documents: none.
    const unknown = at('suspend-settlement', ['我跟合伙人闹掰了 现在在打官司 店里的钱怎么分还没说清 律师让我先别让钱进卡里 结算能停吗', '863182852726000', '8号开始 啥时候恢复要看官司结果']);
    expect(unknown.state!.skipped).toContain('resume_date');
    expect(unknown.state!.pending).toBe('documents');
    expect(send(unknown.state, 'no 没有').state!.skipped).toContain('documents');
  });

  it('the same day said twice is one day ("14号开始动工，就从14号停吧"); "最后一天" is no length; "对 交吧" submits', () => {
    const twice = at('suspend-settlement', ['新华路那家分店要重新装修，这家店的结算款这段时间先别打过来了', '845281958030529', '14号开始动工，就从14号停吧']);
    expect([valueOf(twice.state, 'start_date'), valueOf(twice.state, 'resume_date')]).toEqual(['2026-12-14', undefined]);
    const last = at('suspend-settlement', ['想申请取消结算', '1 钱别往卡里打了', '870527487386801', '眼镜店要搬到对面新商场去', '这个月20号是老店最后一天，21号开始停']);
    expect([valueOf(last.state, 'start_date'), valueOf(last.state, 'resume_date')]).toEqual(['2026-12-21', undefined]);
    const confirming = at('suspend-settlement', ['结算卡里的钱一到账就被银行扣去还贷款了 周转不过来 先别往那张卡上打', '876629552674246', '后天开始 停个十天就行', '没得材料', '银行那边还没去说', '13507319264']);
    expect(confirming.state!.stage).toBe('confirming');
    expect(engine.handle(confirming.state!, { text: '对 交吧' }, DEC6, 'zh-CN').outcome?.type).toBe('submit');
  });

  it('"尾号6205吧 等下 小票上是6250": the value after the correction; "对 不提交" to "sure?" gives up', () => {
    const card = at('cancel-transaction', ['修车厂的 前天给一个车主换刹车片刷了2280 车主不干了要退 商户号868375860634832 终端19280818', '凭证号是683686', '尾号6205吧 等下 小票上是6250']);
    expect(valueOf(card.state, 'card_last4')).toBe('6250');
    const asked = at('cancel-transaction', ['商户号892362560140459 终端14159747 大前天那笔2360 参考号951071882311 客户把订单取消了要退', '等等 先别提交 我跟老板商量好了再来']);
    expect(asked.state!.stage).toBe('confirm-cancel');
    expect(engine.handle(asked.state!, { text: '对 不提交' }, DEC6, 'zh-CN').outcome?.type).toBe('cancelled');
  });

  it('a value said not to be it is not taken where it is said again: "不是4号 是3号 … 4号是她来复诊的日子"', () => {
    const confirming = at('cancel-transaction', ['商户号818053331676505 终端70761956 3号那笔680 参考号370920460220 患者要求退了', '跳过', files(file(1)), '15786683049']);
    expect(confirming.state!.stage).toBe('confirming');
    const step = engine.handle(confirming.state!, { text: '日期改一下 不是4号 是3号 我刚拿小票对了一下 4号是她来复诊的日子' }, DEC6, 'zh-CN');
    expect(valueOf(step.state, 'transaction_date')).toBe('2026-12-03');
  });

  it('giving up heard inside the message: "那这个申请就不用提交了", "先放着别交…回头再说", "scrap that…nvm"', () => {
    const start = ['商户号892362560140459 终端14159747 大前天那笔2360 参考号951071882311 客户把订单取消了要退'];
    expect(at('cancel-transaction', [...start, '刚刚顾客来电话说换个别的颜色的就行 钱不用退了 那这个申请就不用提交了 谢谢啊']).state!.stage).toBe('confirm-cancel');
    expect(at('cancel-transaction', [...start, '先放着别交 我得跟财务对一下账 回头再说']).state!.stage).toBe('confirm-cancel');
    expect(last('cancel-transaction', ['need to refund a guest who checked out early, merchant 813808016006048', "ugh scrap that, manager says we'll just give him a credit. nvm"], { now: DEC6, locale: 'en' }).state!.stage).toBe('confirm-cancel');
  });

  it('a day and its resume corrected at the summary in one message: "改成下个月1号开始停 停到1月底"', () => {
    const step = at('suspend-settlement', ['店里要装修 结算先停掉 商户号897541293663769 从12月8号开始', '装修一个月左右 1月8号', '没有', '通知了', '19251123411', '不要了不要了 8号这个不要了 装修队排不开 改成下个月1号开始停 停到1月底']);
    expect(shown(step.state)).toMatchObject({ start_date: '2027年1月1日', resume_date: '2027年1月31日' });
    expect(step.state!.stage).toBe('confirming');
  });
});

describe('a slip that shows another value than the merchant gave', () => {
  const slipShowing = (values: Record<string, string>, text = ''): FlowInput => ({ text, files: [file(7)], slip: { values, slots: Object.keys(values) } });
  const offered = () => send(last('cancel-transaction', TO_CARD).state, slipShowing({ amount: '1260.00' }));

  it('keeps the merchant\'s value and says so; "按小票上的来" then takes the slip\'s', () => {
    const step = offered();
    expect(said(step)).toContain('已保留您提供的');
    expect(step.state!.values.amount!.value).toBe(128000);
    const taken = send(step.state, '按小票上的来');
    expect(taken.state!.values.amount!.value).toBe(126000);
    expect(taken.say[0]!.text).toBe('好的，已按签购单改为：金额 ¥1,260.00。');
    // The question that was pending is asked again, nothing else taken from the message.
    expect(taken.state!.pending).toBe(step.state!.pending);
  });

  it('"按小票上的来" sent with the photo itself takes the slip\'s value at once', () => {
    const step = send(last('cancel-transaction', TO_CARD).state, slipShowing({ amount: '1260.00' }, '钱数好像记错了 按小票上的来'));
    expect(step.state!.values.amount!.value).toBe(126000);
    expect(said(step)).toContain('好的，已按签购单改为：金额 ¥1,260.00。');
    expect(said(step)).not.toContain('已保留您提供的');
  });

  it('a correction repeating the slip\'s value takes it ("是1260，我记错了"), never read as the pending answer', () => {
    const taken = send(offered().state, '是1260，我记错了');
    expect(taken.state!.values.amount!.value).toBe(126000);
    expect(said(taken)).not.toContain('没有找到');
  });

  it('the slip\'s value said back takes it ("哦对 是1260 小票上的对"); the value given said back keeps it', () => {
    for (const text of ['哦对 是1260 小票上的对', '1260', '小票上的对']) expect(send(offered().state, text).state!.values.amount!.value, text).toBe(126000);
    expect(send(offered().state, '是1280 没错').state!.values.amount!.value).toBe(128000);
    expect(send(offered().state, '小票上的对不上').state!.values.amount!.value).toBe(128000);
  });

  it('"对" to the read-back, or "就这张 是这笔", keeps the merchant\'s value: the reading may be wrong, only "按小票" or the slip\'s value said back takes it', () => {
    for (const text of ['对', '对 就这张 是这笔', '好的']) expect(send(offered().state, text).state!.values.amount!.value, text).toBe(128000);
  });

  it('"是1260 不是一千二百八 我记错了 按小票上的来" takes the slip\'s, the wrong one named is no correction back; Cantonese "以张单上面为准"', () => {
    const taken = send(offered().state, '哦 是1260 不是一千二百八 我记错了 按小票上的来');
    expect(taken.state!.values.amount!.value).toBe(126000);
    expect(said(taken)).not.toContain('已更正为');
    expect(send(offered().state, '我记得系1280 以张单上面为准').state!.values.amount!.value).toBe(126000);
  });

  it('lapses once the merchant gives the value again another way; other messages leave it', () => {
    const step = offered();
    expect(send(step.state, '好的').state!.values.amount!.value).toBe(128000);
    const retyped = send(step.state, '金额改成1300元');
    expect(retyped.state!.values.amount!.value).toBe(130000);
    expect(send(retyped.state, '按小票上的来').state!.values.amount!.value).toBe(130000);
  });
});

describe('a message that answers and gives more', () => {
  it('"终端号打错了，按小票上的来…电话…": the slip\'s value is taken and the phone in the same message too', () => {
    const photo = send(last('cancel-transaction', TO_CARD).state, { text: '', files: [file(7)], slip: { values: { terminal_id: '72060030' }, slots: ['terminal_id'] } });
    expect(said(photo)).toContain('已保留您提供的');
    const step = send(photo.state, '哦终端号我刚才打错了，按小票上的来，72060030。电话13900001111');
    expect(valueOf(step.state, 'terminal_id')).toBe('72060030');
    expect(valueOf(step.state, 'phone')).toBe('13900001111');
    expect(step.say[0]!.text).toContain('已按签购单改为');
  });

  it('"还没结算…我不知道密码" at the batch question: no settlement yet; not knowing the password is about the void', () => {
    const step = send(last('cancel-transaction', SAME_DAY).state, '对的。今天还没结算，机器上撤销要主管密码，店长不在我不知道密码');
    expect(valueOf(step.state, 'batch_settled')).toBe('no');
    expect(valueOf(step.state, 'void_tried')).toBe('failed');
    // Not knowing the question's own answer is still "don't know".
    expect(valueOf(send(last('cancel-transaction', SAME_DAY).state, '不知道啊').state, 'batch_settled')).toBe('unknown');
  });

  it('a correction and the skipped documents in one message: "刚才说错了，是停到12月25号。材料没有"', () => {
    const atDocuments = last('suspend-settlement', ['想暂停结算，收银系统要升级换新的', MID, '从12月8号开始', '停到12月20号']).state!;
    expect(atDocuments.pending).toBe('documents');
    const step = send(atDocuments, '刚才说错了，是停到12月25号。材料没有');
    expect(valueOf(step.state, 'resume_date')).toBe('2026-12-25');
    expect(step.state!.skipped).toContain('documents');
    expect(said(step)).toContain('已更正为 2026年12月25日');
  });

  it('a correction said inside the message, naming no field: "刚才那个8位的号打错了，应该是…" corrects the terminal', () => {
    const step = send(last('cancel-transaction', TO_CARD).state, '等下，刚才那个8位的号打错了，应该是72060030');
    expect(valueOf(step.state, 'terminal_id')).toBe('72060030');
    expect(step.state!.pending).toBe('card_last4');
  });

  it('"不对，是一千二百五，少说了五十。商户号…": the amount corrected and the merchant ID taken from one message', () => {
    const step = last('cancel-transaction', ['12/3 那天有笔一千二的，顾客退货，帮我申请一下', '不对，是一千二百五，少说了五十。商户号 ' + MID], { now: new Date('2026-12-06T04:00:00Z') });
    expect([valueOf(step.state, 'amount'), valueOf(step.state, 'merchant_id')]).toEqual([125000, MID]);
  });

  it('a reason, then a value given before replaced: "…对了 前面留的电话不用了 打这个 136…"', () => {
    const atReason = last('cancel-transaction', ['帮我退一笔，有事打我电话 13900001111', MID, TID, '昨天', '1280', '参考号 209311754468', '跳过']).state!;
    expect([atReason.pending, valueOf(atReason, 'phone')]).toEqual(['reason', '13900001111']);
    const step = send(atReason, '刷重复了，顾客付了两次。对了 前面留的电话不用了 打这个 13645501872');
    expect(valueOf(step.state, 'phone')).toBe('13645501872');
    expect(valueOf(step.state, 'reason')).toBe('刷重复了，顾客付了两次');
  });

  it('"20号新店开门营业" at the resume question is the 20th', () => {
    const atResume = last('suspend-settlement', ['店要搬到隔壁街，结算先暂停一下', MID, '12月10号'], { now: new Date('2026-12-06T04:00:00Z') }).state!;
    expect(atResume.pending).toBe('resume_date');
    expect(valueOf(send(atResume, '20号新店开门营业').state, 'resume_date')).toBe('2026-12-20');
  });

  it('a length that moves another day ("房东那边晚两天交房") is no length of the hold: the resume day stays', () => {
    const confirming = last('suspend-settlement', ['店要搬到隔壁街，资金结算先停一阵', MID, '12月10号开始', '12月20号恢复', '跳过', '通知了', PHONE]).state!;
    expect(confirming.stage).toBe('confirming');
    const step = send(confirming, '开始日期改一下，12号开始，不是10号，房东那边晚两天交房');
    expect(valueOf(step.state, 'start_date')).toBe('2026-12-12');
    expect(valueOf(step.state, 'resume_date')).toBe('2026-12-20');
  });
});

describe('a hold\'s days said the ways merchants say them', () => {
  it('"从这个月十号开始停到下个月五号": one clause, both days', () => {
    const now = new Date('2026-12-06T04:00:00Z');
    for (const text of ['要搬店 大概从这个月十号开始停到下个月五号吧', '要搬店 从12月10号开始停到1月5号', '要搬店 12月10号起一直停到1月5号']) {
      const step = last('suspend-settlement', [text], { now });
      expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date')], text).toEqual(['2026-12-10', '2027-01-05']);
    }
  });

  it('a voice-typed run-on with no clause to split: each day to the slot whose word is beside it', () => {
    const step = last('suspend-settlement', ['我们十二月十五号开始要回老家过年一直到一月二十号才回来这段时间到账先不要打了商户号是' + MID], { now: new Date('2026-12-06T04:00:00Z') });
    expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date')]).toEqual(['2026-12-15', '2027-01-20']);
  });

  it('the day in the clause that names the start is the start; another day of the story is no resume day', () => {
    const step = last('suspend-settlement', ['下礼拜店里要重新装修 结算停两周 从12月8号开始'], { now: new Date('2026-12-06T04:00:00Z') });
    expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date')]).toEqual(['2026-12-08', '2026-12-22']);
    expect(said(step)).not.toContain('不能早于');
  });

  it('"none for now" where documents are asked passes them over and answers no later question', () => {
    const atDocuments = last('suspend-settlement', ['hold my payouts, bank investigation, merchant id ' + MID, 'from tomorrow', 'until further notice'], { locale: 'en' }).state!;
    expect(atDocuments.pending).toBe('documents');
    for (const text of ['none for now', 'nothing to upload']) {
      const step = send(atDocuments, text, 'en');
      expect(step.state!.skipped, text).toContain('documents');
      expect(step.state!.values.partners_notified).toBeUndefined();
      expect(step.state!.pending).toBe('partners_notified');
    }
  });
});

describe('digressions', () => {
  it('a question with 多少 at the slip step is a digression, not a failed try at the photo', () => {
    const atSlip = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货']).state!;
    expect(atSlip.pending).toBe('slip_photos');
    expect(send(atSlip, '最多能刷多少钱').outcome).toEqual({ type: 'digression', question: '最多能刷多少钱' });
  });

  it('a question mid-flow is a digression: the state is unchanged and reprompt repeats the pending prompt', () => {
    const before = last('cancel-transaction', ['想撤销', MID, TID, '昨天', '1280']).state!;
    const step = send(before, '凭证号在签购单哪里找？');
    expect(step.outcome).toEqual({ type: 'digression', question: '凭证号在签购单哪里找？' });
    expect(step.say).toEqual([]);
    expect(step.state).toEqual(before);
    expect(engine.reprompt(step.state!, NOW, 'zh-CN')).toEqual([{ text: prompt('cancel-transaction', 'voucher_no') }]);
    // The question was no attempt: the merchant answers next.
    expect(valueOf(send(step.state, '000123').state, 'voucher_no')).toBe('000123');
  });

  it('at a free-text slot a question is a digression, not the answer', () => {
    const atReason = last('cancel-transaction', [...TO_CARD, '跳过']).state!;
    expect(atReason.pending).toBe('reason');
    const step = send(atReason, '为什么要说明原因？');
    expect(step.outcome).toEqual({ type: 'digression', question: '为什么要说明原因？' });
    expect(step.state).toEqual(atReason);
  });

  it('"why" about a slot with a reason in the flow file is answered with it, then the pending prompt; no attempt', () => {
    const atCard = last('cancel-transaction', TO_CARD).state!;
    const why = (name: string, locale: Locale = 'zh-CN') => FLOWS.get('cancel-transaction')!.slots.find((s) => s.name === name)!.why![locale];
    const card = send(atCard, '为什么要卡号后四位？');
    expect(card.outcome).toBeUndefined();
    expect(card.say.map((s) => s.text)).toEqual([why('card_last4'), prompt('cancel-transaction', 'card_last4')]);
    expect(card.state).toEqual(atCard);
    // Another slot named: its reason; none named: the pending slot's.
    expect(send(atCard, '为什么要签购单照片？').say[0]!.text).toBe(why('slip_photos'));
    expect(send(atCard, '为什么要这个？').say[0]!.text).toBe(why('card_last4'));
    expect(engine.handle(atCard, { text: 'why do you need my phone number?' }, NOW, 'en').say[0]!.text).toBe(why('phone', 'en'));
    // A slot without a reason: a digression, answered from the knowledge base.
    const atReason = last('cancel-transaction', [...TO_CARD, '跳过']).state!;
    expect(send(atReason, '为什么要说明原因？').outcome).toEqual({ type: 'digression', question: '为什么要说明原因？' });
  });

  it('a reason that mentions the amount is just the reason (no remark about the amount)', () => {
    const step = send(last('cancel-transaction', [...TO_CARD, '跳过']).state, '刷错了金额');
    expect(step.state!.values.reason).toEqual({ value: '刷错了金额', display: '刷错了金额' });
    expect(step.state!.values.amount!.value).toBe(128000);
    expect(said(step)).toBe(prompt('cancel-transaction', 'slip_photos'));
  });

  it('a reason with a date or an amount in it does not overwrite the transaction date or amount', () => {
    const step = send(last('cancel-transaction', [...TO_CARD, '跳过']).state, '顾客今天来退货，说多刷了500元');
    expect(valueOf(step.state, 'reason')).toBe('顾客今天来退货，说多刷了500元');
    expect(valueOf(step.state, 'transaction_date')).toBe('2026-11-24');
    expect(valueOf(step.state, 'amount')).toBe(128000);
  });

  it('a question at the file prompt and at the confirmation is a digression', () => {
    const atSlip = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货']).state!;
    expect(send(atSlip, '签购单丢了怎么办？').outcome).toEqual({ type: 'digression', question: '签购单丢了怎么办？' });
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    const step = send(confirming, '退款多久能到账？');
    expect(step.outcome).toEqual({ type: 'digression', question: '退款多久能到账？' });
    expect(step.state).toEqual(confirming);
    expect(engine.reprompt(step.state!, NOW, 'zh-CN')[0]!.text).toMatch(/^请核对：/);
  });
});

describe('rules of cancel-transaction', () => {
  it('same day, batch not settled, void not tried: stops with the how-to-void message (void_on_terminal_first)', () => {
    const steps = talk('cancel-transaction', [...SAME_DAY, '没有', '没试过']);
    expect(lastSaid(steps.at(-2)!)).toBe(prompt('cancel-transaction', 'void_tried'));
    const step = steps.at(-1)!;
    expect(step.state).toBeUndefined();
    expect(step.outcome).toEqual({ type: 'stopped', rule: 'void_on_terminal_first' });
    expect(said(step)).toContain('消费撤销');
    expect(said(step)).toContain('主管密码');
  });

  it('same day, not settled, the void failed: a void request (request_type void)', () => {
    const step = last('cancel-transaction', [...SAME_DAY, '没有', '试过了不行']);
    expect(step.state!.values.request_type).toEqual({ value: 'void', display: '撤销' });
    expect(step.state!.pending).toBe('reason');
  });

  it('same day, already settled (or not sure): a refund', () => {
    expect(valueOf(last('cancel-transaction', [...SAME_DAY, '已经结算']).state, 'request_type')).toBe('refund');
    expect(valueOf(last('cancel-transaction', [...SAME_DAY, '不知道']).state, 'request_type')).toBe('refund');
  });

  it('yesterday: a refund, and the same-day questions are not asked', () => {
    const steps = talk('cancel-transaction', TO_CONFIRM);
    expect(valueOf(steps.at(-1)!.state, 'request_type')).toBe('refund');
    for (const step of steps) {
      expect(said(step)).not.toContain(prompt('cancel-transaction', 'batch_settled'));
      expect(said(step)).not.toContain(prompt('cancel-transaction', 'void_tried'));
    }
  });

  it('45 days ago: a manual refund, said once, and the slip is required', () => {
    const steps = talk('cancel-transaction', ['想撤销', MID, TID, '45天前', '1280', '凭证号000123', '跳过', '顾客退货']);
    const dated = steps[3]!;
    expect(valueOf(dated.state, 'transaction_date')).toBe('2026-10-11');
    expect(dated.state!.values.request_type).toEqual({ value: 'manual_refund', display: '手工退货' });
    expect(dated.state!.required).toEqual(['slip_photos']);
    expect(dated.say[0]!.text).toContain('需要办理手工退货');
    expect(steps.slice(4).some((s) => said(s).includes('需要办理手工退货'))).toBe(false);

    const atSlip = steps.at(-1)!;
    expect(atSlip.state!.pending).toBe('slip_photos');
    expect(atSlip.say.at(-1)).toEqual({ text: prompt('cancel-transaction', 'slip_photos') }); // no "跳过"
    const skip = send(atSlip.state, '跳过');
    expect(skip.say.map((s) => s.text)).toEqual([slipMissing(), flowText('zh-CN', 'flowMissingFileOffer')]);
    expect(skip.state!.pending).toBe('slip_photos');
    // Not a failed try: having none is an answer, and a person is offered at once.
    expect(skip.outcome).toMatchObject({ type: 'handoff', reason: 'missing_document' });
    const sent = send(skip.state, files(file(1)));
    expect(sent.state!.pending).toBe('phone');
  });

  it('the slip is required for every request, a refund too: no "跳过" offered, and "跳过" is told why and offered a person', () => {
    const atSlip = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货']);
    expect(atSlip.state!.pending).toBe('slip_photos');
    expect(atSlip.state!.required).toEqual([]); // required by the flow file, not by a rule
    expect(atSlip.say.at(-1)).toEqual({ text: prompt('cancel-transaction', 'slip_photos') });
    const skip = send(atSlip.state, '跳过');
    expect(skip.say[0]!.text).toBe(slipMissing());
    expect(skip.state!.pending).toBe('slip_photos');
    expect(skip.state!.skipped).toEqual(['card_last4']);
  });

  it.each([
    ['30天前', 'refund'],
    ['31天前', 'manual_refund'],
    ['330天前', 'manual_refund'],
  ])('the window edges are the settings: %s → %s', (date, type) => {
    expect(valueOf(last('cancel-transaction', ['想撤销', MID, TID, date]).state, 'request_type')).toBe(type);
  });

  it('400 days ago: a human agent (business_rule too_old), the flow ends', () => {
    const step = last('cancel-transaction', ['想撤销', MID, TID, '400天前']);
    expect(step.state).toBeUndefined();
    expect(step.outcome).toEqual({ type: 'handoff', reason: 'business_rule', detail: 'cancel-transaction.too_old' });
    expect(step.say[0]!.text).toContain('时间太久');
    expect(step.say.at(-1)).toEqual({ text: flowText('zh-CN', 'flowRuleHandoff'), suggestedActions: [flowText('zh-CN', 'actionHuman')] });
  });

  it('a future transaction date is refused', () => {
    const step = send(last('cancel-transaction', ['想撤销', MID, TID]).state, '明天');
    expect(step.say[0]!.text).toContain('日期不能晚于今天');
    expect(step.state!.attempts).toEqual({ transaction_date: 1 });
  });
});

/**
 * A rule's `require` (an optional slot made required while the rule holds), on a small flow of its own:
 * the shipped flows ask the slip of every cancellation anyway.
 */
describe('rules that require an optional slot', () => {
  const source = `
id: require-test
title: { zh-CN: 测试申请, en: Test request }
intents: { zh-CN: [测试申请一, 测试申请二, 测试申请三], en: [test request one, test request two] }
settings: { windowDays: 30 }
slots:
  - { name: sale_date, type: date, prompt: { zh-CN: 哪天的交易？, en: Which day? } }
  - { name: photos, type: attachments, required: false, prompt: { zh-CN: 请发照片。, en: Send a photo. } }
  - { name: phone, type: phone, prompt: { zh-CN: 手机号？, en: Mobile? } }
rules:
  - id: old_needs_photos
    when: [{ slot: sale_date, ageDaysOver: settings.windowDays }]
    then: { require: [photos], say: { zh-CN: 超过期限，照片是必需的。, en: Past the window; the photo is required. } }
confirm: { summary: { zh-CN: '日期 {sale_date}，照片 {photos}，电话 {phone}。确认吗？', en: 'Date {sale_date}, photos {photos}, phone {phone}. OK?' } }
action: { type: show-status }
`;
  const parsed = parseFlowFile('require-test.yaml', source);
  const small = new FlowEngine(new Map([['require-test', parsed.flow!]]), { slotTypes: SLOT_TYPES });
  const go = (state: FlowState | undefined, m: Msg) => small.handle(state!, input(m), NOW, 'zh-CN');

  it('parses', () => {
    expect(parsed.problems).toEqual([]);
  });

  it('within the window the slot is optional: offered with "跳过", skipped, shown as not given', () => {
    const atPhotos = small.start('require-test', { text: '昨天' }, NOW, 'zh-CN');
    expect(atPhotos.state!.pending).toBe('photos');
    expect(atPhotos.say.at(-1)).toEqual({ text: '请发照片。', suggestedActions: [flowText('zh-CN', 'actionSkip')] });
    const confirming = go(go(atPhotos.state, '跳过').state, PHONE);
    expect(confirming.state!.stage).toBe('confirming');
    expect(confirming.state!.skipped).toEqual(['photos']);
    expect(lastSaid(confirming)).toContain(`照片 ${flowText('zh-CN', 'flowNotGiven')}`);
  });

  it('past the window it is required (said once); a corrected date asks the skipped slot again, and back', () => {
    const atPhotos = small.start('require-test', { text: '45天前' }, NOW, 'zh-CN');
    expect(atPhotos.state!.required).toEqual(['photos']);
    expect(said(atPhotos)).toContain('照片是必需的');
    expect(atPhotos.say.at(-1)).toEqual({ text: '请发照片。' }); // no "跳过"
    const skip = go(atPhotos.state, '跳过');
    expect(skip.say[0]!.text).toBe(flowText('zh-CN', 'flowCannotSkip'));
    expect(skip.state!.pending).toBe('photos');

    const skipped = go(go(small.start('require-test', { text: '昨天' }, NOW, 'zh-CN').state, '跳过').state, PHONE).state!;
    const old = go(skipped, '不对，日期是45天前');
    expect(valueOf(old.state, 'sale_date')).toBe('2026-10-11');
    expect(said(old)).toContain('照片是必需的');
    expect(old.state!.stage).toBe('collecting');
    expect(old.state!.pending).toBe('photos');
    expect(old.say.at(-1)).toEqual({ text: '请发照片。' });
    const sent = go(old.state, files(file(1)));
    expect(sent.state!.stage).toBe('confirming');

    const back = go(old.state, '不对，日期是昨天');
    expect(back.state!.required).toEqual([]);
    expect(back.state!.stage).toBe('confirming');
  });
});

describe('suspend-settlement', () => {
  // NOW is Wednesday 2026-11-25; next Monday is 11-30.
  it('a hold told as how long ("停两个礼拜", "for 2 weeks") ends that long after its start, said before or after it', () => {
    const atOnce = last('suspend-settlement', ['商户号' + MID + '，店里装修，从下周一开始停两个礼拜']).state!;
    expect([valueOf(atOnce, 'start_date'), valueOf(atOnce, 'resume_date')]).toEqual(['2026-11-30', '2026-12-14']);
    const first = last('suspend-settlement', ['我们店下个月要搬家，想把结算停两个礼拜', '资金结算', MID]).state!;
    expect(first.values.resume_date).toBeUndefined();
    const started = send(first, '从12月1号开始');
    expect([valueOf(started.state, 'start_date'), valueOf(started.state, 'resume_date')]).toEqual(['2026-12-01', '2026-12-15']);
    // "1月4号开工 那天就可以打了": the day work starts again is the day payouts may resume.
    const atResumeDay = last('suspend-settlement', ['年底工地都停了 师傅们后天就回老家了 卡上进的钱先别打过来', MID], { now: new Date('2026-12-06T04:00:00Z') }).state!;
    const resumed = engine.handle(atResumeDay, { text: '1月4号开工 那天就可以打了' }, new Date('2026-12-06T04:00:00Z'), 'zh-CN');
    expect([valueOf(resumed.state, 'start_date'), valueOf(resumed.state, 'resume_date')]).toEqual(['2026-12-08', '2027-01-04']);
    // A day told of another event ("预产期就在月底") is neither end of the hold; the length is.
    const due = last('suspend-settlement', ['我是开扎染工坊的 预产期就在月底 店里就我一个人 要关店坐月子 节算先停两个月吧 从12月12号开始'], { now: new Date('2026-12-06T04:00:00Z') }).state!;
    expect([valueOf(due, 'start_date'), valueOf(due, 'resume_date')]).toEqual(['2026-12-12', '2027-02-10']);
    // "Start again the money on 8 January" names the resume; "明天我就不开门了" (not opening) names no resume.
    const umrah = last('suspend-settlement', ['I want to stop the money that comes to my bank account, shop closed for Umrah', MID, 'Stop from 18 December please.'], { locale: 'en', now: new Date('2026-12-06T04:00:00Z') }).state!;
    const back = engine.handle(umrah, { text: 'We come back 8 January, inshallah. Start again the money on 8 January.' }, new Date('2026-12-06T04:00:00Z'), 'en');
    expect([valueOf(back.state, 'start_date'), valueOf(back.state, 'resume_date')]).toEqual(['2026-12-18', '2027-01-08']);
    const closing = last('suspend-settlement', ['店只能先关上一阵子 刷卡的钱先不往卡上打', MID, '明天起就停吧，明天我就不开门了。'], { now: new Date('2026-12-06T04:00:00Z') }).state!;
    expect([valueOf(closing, 'start_date'), closing.values.resume_date]).toEqual(['2026-12-07', undefined]);
    // "so long after" where that is the hold's own length counts from the start; said alone, from today (above).
    const soundproofing = last('suspend-settlement', ['环保局说噪音超标 让我们停业做隔音 到账的钱先停了', MID, '装修队下礼拜二进场 就那天开始停'], { now: new Date('2026-12-06T04:00:00Z') }).state!;
    const after = engine.handle(soundproofing, { text: '装隔音说要三个礼拜 三个礼拜以后恢复吧' }, new Date('2026-12-06T04:00:00Z'), 'zh-CN');
    expect([valueOf(after.state, 'start_date'), valueOf(after.state, 'resume_date')]).toEqual(['2026-12-08', '2026-12-29']);
    // An authority's order is the reason, whatever closing it causes.
    expect(valueOf(soundproofing, 'reason')).toBe('compliance');
    expect(valueOf(engine.start('suspend-settlement', { text: '教育局来检查 说我们场地消防不合格 要停课整改 这段时间到账的钱先停了吧' }, NOW, 'zh-CN').state, 'reason')).toBe('compliance');
    expect(valueOf(engine.start('suspend-settlement', { text: '今天一早畜牧站来通知 说邻县发现禽流感 活禽市场全部封了 我们档口也开不了 这段时间刷卡的钱先别往卡上打了' }, NOW, 'zh-CN').state, 'reason')).toBe('compliance');
    expect(valueOf(engine.start('suspend-settlement', { text: '闺女在城里生了 我跟老伴得去帮着带一阵 这段时间到账的钱先停了吧' }, NOW, 'zh-CN').state, 'reason')).toBe('business_change');
    // A hold's length said again, another ("歇一个月" first, "歇四十天" later), replaces the one the day came from.
    const restated = last('suspend-settlement', ['俺家饭店过年前要翻修 歇一个月 刷卡那钱先别往俺卡里打了', MID, '大后天开始'], { now: new Date('2026-12-06T04:00:00Z') }).state!;
    expect(valueOf(restated, 'resume_date')).toBe('2027-01-08');
    expect(valueOf(engine.handle(restated, { text: '歇四十天' }, new Date('2026-12-06T04:00:00Z'), 'zh-CN').state, 'resume_date')).toBe('2027-01-18');
    const english = last('suspend-settlement', ['hold my payouts from next monday for 2 weeks, renovation, merchant id ' + MID], { locale: 'en' }).state!;
    expect(valueOf(english, 'resume_date')).toBe('2026-12-14');
    // At the resume question, how long is the answer too; "两周后" is still counted from today.
    const atResume = last('suspend-settlement', ['暂停资金结算，商户号' + MID + '，原因资金周转', '跳过', '下周一开始']).state!;
    expect(atResume.pending).toBe('resume_date');
    expect(valueOf(send(atResume, '一个月').state, 'resume_date')).toBe('2026-12-30');
    expect(valueOf(send(atResume, '两周后').state, 'resume_date')).toBe('2026-12-09');
    // A length corrected counts again from the same start.
    const twoWeeks = last('suspend-settlement', ['暂停结算 商户号' + MID + ' 资金结算 装修 下周一开始 两周']).state!;
    expect(valueOf(twoWeeks, 'resume_date')).toBe('2026-12-14');
    expect(valueOf(send(twoWeeks, '不对 是三周').state, 'resume_date')).toBe('2026-12-21');
    // Asked for the day, a guess is the merchant's best answer; said in passing, the day is still asked.
    expect(valueOf(send(atResume, '等新账户开好再说 大概两周').state, 'resume_date')).toBe('2026-12-14');
    const guessed = last('suspend-settlement', ['暂停资金结算，商户号' + MID + '，原因资金周转，下周一开始，大概停两周']).state!;
    expect(guessed.values.resume_date).toBeUndefined();
    const aboutEn = last('suspend-settlement', ['pls hold our payouts, merchant no ' + MID + ', closed for renovation from next monday for about 3 weeks'], { locale: 'en' }).state!;
    expect(aboutEn.values.resume_date).toBeUndefined();
  });

  it('a question at the reason prompt is a digression, not the reason ("审核一般要几天"); "关几天" is still a reason', () => {
    const atReason = last('suspend-settlement', ['暂停结算 ' + MID, '资金结算']).state!;
    expect(atReason.pending).toBe('reason');
    expect(send(atReason, '审核一般要几天').outcome).toEqual({ type: 'digression', question: '审核一般要几天' });
    expect(valueOf(send(atReason, '店要关几天').state, 'reason')).toBe('business_change');
  });

  it('"dont know yet" where the reason is asked is no reason; a reason in the merchant\'s words names its option', () => {
    const atReason = last('suspend-settlement', ['we need to stop settlement payouts, merchant ' + MID, 'starting today'], { locale: 'en' }).state!;
    expect(atReason.pending).toBe('reason');
    expect(send(atReason, 'dont know yet', 'en').state!.values.reason).toBeUndefined();
    expect(valueOf(last('suspend-settlement', ['这几天生意太差了 周转不开 想这两周的钱先别打给我 商户号' + MID]).state!, 'reason')).toBe('cash_flow');
    expect(valueOf(last('suspend-settlement', ['stop my payouts, the company is being investigated by the bank, merchant ' + MID], { locale: 'en' }).state!, 'reason')).toBe('compliance');
    expect(valueOf(last('suspend-settlement', ['我们店被投诉了 银行在调查 让我们先暂停结算 商户号' + MID]).state!, 'reason')).toBe('compliance');
    expect(valueOf(last('suspend-settlement', ['银行那边说我们账户有风险要核查 让先停结算 ' + MID]).state!, 'reason')).toBe('compliance');
    expect(valueOf(last('suspend-settlement', ['please suspend our settlement from Dec 20 to Jan 3 while the shop is being renovated. Merchant ID ' + MID], { locale: 'en' }).state!, 'reason')).toBe('business_change');
    expect(valueOf(last('suspend-settlement', ['need to freeze settlement to our account, we are changing our bank account. merchant no ' + MID], { locale: 'en' }).state!, 'reason')).toBe('other');
    expect(valueOf(last('cancel-transaction', ['plz refnd 88 rmb from 2 days ago, custmer dont want it'], { locale: 'en' }).state!, 'reason')).toBe('custmer dont want it');
  });

  it('two days told in clauses split only by a space are each taken by their clause; a bare "没" says no', () => {
    const both = last('suspend-settlement', ['申请暂停结算 商户号' + MID + ' 原因资金周转 12月15号开始 1月5号恢复']).state!;
    expect([valueOf(both, 'start_date'), valueOf(both, 'resume_date')]).toEqual(['2026-12-15', '2027-01-05']);
    const atDocuments = last('suspend-settlement', ['暂停资金结算，商户号' + MID + '，原因资金周转', '明天', '待定']).state!;
    expect(atDocuments.pending).toBe('documents');
    expect(send(atDocuments, '没').state!.skipped).toContain('documents');
  });

  it('the start day said beside "until further notice" is the start; the resume day is not known yet', () => {
    const en = last('suspend-settlement', [`the bank told us to freeze settlement while they check some suspicious transactions, merchant ${MID}, from tomorrow until further notice`], { locale: 'en' }).state!;
    expect([valueOf(en, 'start_date'), en.skipped.includes('resume_date'), en.pending]).toEqual(['2026-11-26', true, 'documents']);
    const zh = last('suspend-settlement', [`暂停结算 商户号${MID} 银行在查 从明天开始 恢复时间待定`]).state!;
    expect([valueOf(zh, 'start_date'), zh.skipped.includes('resume_date')]).toEqual(['2026-11-26', true]);
    // Family matters at home are a business change.
    expect(valueOf(last('suspend-settlement', [`老家有事 要回去半个月 这期间结算先停掉 商户号${MID}`]).state!, 'reason')).toBe('business_change');
  });

  it('a reason told in the first message in the merchant own words is "other", the words kept', () => {
    const told = last('suspend-settlement', ['我们公司对公账户要变更 这期间结算先别打了 商户号' + MID]).state!;
    expect([valueOf(told, 'reason'), valueOf(told, 'reason_detail')]).toEqual(['other', '我们公司对公账户要变更']);
    const acquired = last('suspend-settlement', ['要暂停结算 商户号' + MID + ' 公司要被收购了 股权在变更']).state!;
    expect([valueOf(acquired, 'reason'), valueOf(acquired, 'reason_detail')]).toEqual(['other', '公司要被收购了，股权在变更']);
    // A reason that names an option is that option, not "other".
    expect(valueOf(last('suspend-settlement', ['店里要装修 结算先停一下 商户号' + MID]).state!, 'reason')).toBe('business_change');
  });

  it('a resume day not known yet is an answer, asked or said in passing, and the summary says so', () => {
    const atResume = last('suspend-settlement', ['暂停资金结算，商户号' + MID + '，原因资金周转', '跳过', '下周一开始']).state!;
    expect(atResume.pending).toBe('resume_date');
    const unsure = send(atResume, '还不确定').state!;
    expect(unsure.skipped).toContain('resume_date');
    expect(unsure.pending).not.toBe('resume_date');
    expect(send(atResume, '等新账户弄好').state!.skipped).toContain('resume_date');
    expect(send(atResume, 'once the new account is ready', 'en').state!.skipped).toContain('resume_date');
    expect(send(atResume, '整顿完再说').state!.skipped).toContain('resume_date');
    const passing = last('suspend-settlement', ['我们公司对公账户要变更 这期间结算先别打了 等新账户弄好再说 商户号' + MID]).state!;
    expect(passing.skipped).toContain('resume_date');
    const passingEn = last('suspend-settlement', ['our bank account is changing so please hold payouts until the new one is set up. merchant ' + MID], { locale: 'en' }).state!;
    expect(passingEn.skipped).toContain('resume_date');
    const summary = last('suspend-settlement', ['暂停资金结算，商户号' + MID + '，原因资金周转，等通知再说', '跳过', '明天', '跳过', '通知了', '13800138000']);
    expect(summary.state!.stage).toBe('confirming');
    expect(lastSaid(summary)).toContain('预计恢复 待定');
  });

  it('"不恢复了" at the resume question is an answer; a reason named in English shows its English name', () => {
    const atResume = last('suspend-settlement', ['暂停资金结算，商户号' + MID + '，店铺转让了', '跳过', '下个月1号']).state!;
    expect(atResume.pending).toBe('resume_date');
    expect(send(atResume, '不恢复了').state!.skipped).toContain('resume_date');
    // "待定" asked why is no reason.
    const atReason = last('suspend-settlement', ['老板住院了 麻烦把打款停一下 ' + MID, '从明天开始']).state!;
    expect(valueOf(atReason, 'reason')).toBe('business_change');
    const summary = last('suspend-settlement', ["we're closing for renovation, please stop the payouts. merchant " + MID, 'skip', 'tomorrow', 'not sure', 'skip', 'yes we told the bank', '13800138000'], { locale: 'en' });
    expect(lastSaid(summary)).toContain('reason business change');
    expect(lastSaid(summary)).toContain('partners notified: yes');
  });

  it('"不用了" to an optional question passes over it; to a required one it gives the request up', () => {
    const atDocuments = last('suspend-settlement', ['最近资金周转不过来 想先把结算停了 商户号' + MID, '明天', '下个月15号']).state!;
    expect(atDocuments.pending).toBe('documents');
    for (const text of ['不用了', '不需要', 'no need']) {
      const step = send(atDocuments, text, /[a-z]/.test(text) ? 'en' : 'zh-CN').state!;
      expect(step.stage, text).toBe('collecting');
      expect(step.skipped, text).toContain('documents');
    }
    const atPhone = last('suspend-settlement', ['最近资金周转不过来 想先把结算停了 商户号' + MID, '明天', '下个月15号', '没有', '通知了']).state!;
    expect(atPhone.pending).toBe('phone');
    expect(send(atPhone, '不用了').state!.stage).toBe('confirm-cancel');
  });

  it('a plain "no" to the optional documents question sends none', () => {
    const atDocuments = last('suspend-settlement', ['pls hold all payouts from tomorrow, cash flow problem. merchant ' + MID, 'in 2 weeks'], { locale: 'en' }).state!;
    expect(atDocuments.pending).toBe('documents');
    const step = send(atDocuments, 'no', 'en');
    expect(step.state!.skipped).toContain('documents');
    expect(step.state!.pending).toBe('partners_notified');
  });

  it('"no the batch isnt settled" answers whether the batch is settled', () => {
    const atBatch = last('cancel-transaction', ['hey so i charged a customer twice this morning for the same coffee, 35 each. can u cancel one', 'merchant id ' + MID + ' terminal 12345678 voucher 015006', 'skip'], { locale: 'en' }).state!;
    expect(atBatch.pending).toBe('batch_settled');
    expect(valueOf(send(atBatch, 'no the batch isnt settled', 'en').state, 'batch_settled')).toBe('no');
  });

  it('two days, one clause naming its slot: each day to its own', () => {
    const range = last('suspend-settlement', ['过年放假 想从1月25号停结算 到2月10号恢复 商户号' + MID]).state!;
    expect([String(valueOf(range, 'start_date')).slice(5), String(valueOf(range, 'resume_date')).slice(5)]).toEqual(['01-25', '02-10']);
  });

  it('a range of two days, neither end named ("1月25号到2月10号装修", "from … to …"): its start and its end', () => {
    const ends = (state: ReturnType<typeof last>['state']) => [String(valueOf(state!, 'start_date')).slice(5), String(valueOf(state!, 'resume_date')).slice(5)];
    expect(ends(last('suspend-settlement', ['1月25号到2月10号装修，结算先停，商户号' + MID]).state)).toEqual(['01-25', '02-10']);
    expect(ends(last('suspend-settlement', ['please hold payouts from 25 Jan to 10 Feb, renovation, merchant ' + MID], { locale: 'en' }).state)).toEqual(['01-25', '02-10']);
    // Asked for the start, the merchant gives both.
    const atStart = last('suspend-settlement', ['暂停资金结算，商户号' + MID + '，原因资金周转', '跳过']).state!;
    expect(atStart.pending).toBe('start_date');
    expect(ends(send(atStart, '1月25号至2月10号').state)).toEqual(['01-25', '02-10']);
    // The end given as a day alone takes the start's month, or the next one ("12月28号到5号").
    expect(ends(last('suspend-settlement', ['下个月1号到15号店里装修 结算先暂停 商户号' + MID]).state)).toEqual(['12-01', '12-15']);
    expect(ends(last('suspend-settlement', ['12月28号到5号放假 结算先停 商户号' + MID]).state)).toEqual(['12-28', '01-05']);
    // "从今天起" names the start as "从今天开始" does.
    expect(ends(last('suspend-settlement', ['结算先冻住 从今天起停个一礼拜 商户号' + MID]).state)).toEqual(['11-25', '12-02']);
    // "停到元旦以后 一月三号吧": the day settled on, in the part after the one naming the slot.
    expect(ends(last('suspend-settlement', ['店里要装修 结算先暂停 商户号' + MID, '十二月十四号开始停 停到元旦以后 一月三号吧']).state)).toEqual(['12-14', '01-03']);
    // Two days that are no range (a correction, a list) are not taken as one.
    expect(valueOf(send(atStart, '1月25号，不对，1月26号').state!, 'resume_date')).toBeUndefined();
  });

  it('"没有别的 就你们一家" answers whether partners were told: there are none (no)', () => {
    const step = last('suspend-settlement', ['我老婆住院了 店先关几天 结算先暂停', MID, '从明天开始', '估计停到12月20号', '没有']);
    expect(step.state!.pending).toBe('partners_notified');
    expect(valueOf(send(step.state, '没有别的 就你们一家').state, 'partners_notified')).toBe('no');
    expect(valueOf(send(step.state, '没有别的合作方').state, 'partners_notified')).toBe('no');
    // A one-character label ("是" in "小票是顺手拍的") does not outweigh the answer said in full.
    expect(valueOf(send(step.state, '材料没有，刚才那张小票是顺手拍的不用管。银行那边还没通知').state, 'partners_notified')).toBe('no');
  });

  it('"没有别的了" skips an optional question; "先问问老板再说吧" ends the request', () => {
    const atDocuments = last('suspend-settlement', ['暂停资金结算，商户号' + MID + '，原因资金周转', '跳过', '明天', '下周五']).state!;
    expect(atDocuments.pending).toBe('documents');
    expect(send(atDocuments, '没有别的了').state!.skipped).toContain('documents');
    expect(send(atDocuments, '等等 我先问问老板再说吧').state!.stage).toBe('confirm-cancel');
    expect(send(atDocuments, '等会儿 我先问问老板要不要退').state!.stage).toBe('confirm-cancel');
    expect(send(atDocuments, '哦 我问一下老板再说').state!.stage).toBe('confirm-cancel');
    // "木有" (没有) to the optional file question: none to send.
    expect(send(atDocuments, '木有').state!.skipped).toContain('documents');
  });

  it('a reason in the merchant own words is "other", the words kept; a day where a detail is asked is the day', () => {
    const asked = last('suspend-settlement', ['我们公司账户要换 先把结算冻一下 商户号' + MID]).state!;
    expect(asked.pending).toBe('reason');
    const other = send(asked, '换结算账户').state!;
    expect([valueOf(other, 'reason'), valueOf(other, 'reason_detail')]).toEqual(['other', '换结算账户']);
    expect(other.pending).toBe('start_date');
    // The boss saying there is no need to stop gives it up.
    expect(send(asked, '哦 老板说不用停了').state?.stage).toBe('confirm-cancel');
    // A refusal, an aside, or another question's option said again is no reason.
    for (const aside of ['不知道', 'actually, wait', '资金结算', '下周一开始', '🙃🙃', '！！？？']) expect(send(asked, aside).state?.values.reason, aside).toBeUndefined();
    // How long, said in the words of the detail, dates the resume day; a day alone where which settlement is
    // asked is the start.
    const detailed = send(send(asked, '换结算账户').state, '今天').state!;
    expect(valueOf(send(detailed, '等调查结果出来 先写一个月吧').state, 'resume_date')).toBe('2026-12-25');
    const kind = last('suspend-settlement', ['结算先停 商户号' + MID]).state!;
    expect(kind.pending).toBe('settlement_kind');
    expect([valueOf(send(kind, '今天').state, 'start_date'), valueOf(send(kind, '今天').state, 'settlement_kind')]).toEqual(['2026-11-25', 'payout']);
    // "12月31号" where the detail is asked: the start day, the first day the flow still needs.
    const detail = last('suspend-settlement', ['我想暂停资金结算', MID, '其他']).state!;
    expect(detail.pending).toBe('reason_detail');
    const day = send(detail, '12月31号').state!;
    expect([valueOf(day, 'start_date'), day.values.reason_detail]).toEqual(['2026-12-31', undefined]);
  });

  it('a hold given a start or an end is of payouts: which settlement is not asked', () => {
    const held = last('suspend-settlement', ['结算先停一段，从下周一开始，商户号' + MID]).state!;
    expect(valueOf(held, 'settlement_kind')).toBe('payout');
    expect(held.pending).not.toBe('settlement_kind');
    // How long, said before the start ("要关一个月"), is a period too.
    expect(valueOf(last('suspend-settlement', ['下个月我们店要关一个月 结算能不能先停掉 商户号' + MID]).state, 'settlement_kind')).toBe('payout');
    // …and so is one held for a reason: nobody gives a reason to skip a daily close.
    for (const text of ['老板出国了 结算先停一下 商户号' + MID, '最近生意不好 结算先停 商户号' + MID]) {
      const reasoned = last('suspend-settlement', [text]).state!;
      expect([valueOf(reasoned, 'settlement_kind'), valueOf(reasoned, 'reason')], text).toEqual(['payout', 'business_change']);
    }
    expect(valueOf(last('suspend-settlement', ['被人盗刷了 先把结算冻结 商户号' + MID]).state, 'reason')).toBe('compliance');
    expect(valueOf(last('suspend-settlement', ['我们公司账户被银行冻结了在查 这段时间的钱先别结给我 商户号' + MID]).state, 'reason')).toBe('compliance');
    expect(valueOf(last('suspend-settlement', ['we are switching our POS system next week and need settlement paused for 3 days. merchant ' + MID], { locale: 'en' }).state, 'reason')).toBe('maintenance');
    // Holding the payouts is what is asked for, not a reason: "把结算冻结一下" names none.
    expect(valueOf(last('suspend-settlement', ['把结算冻结一下 店要装修 商户号' + MID]).state, 'reason')).toBe('business_change');
    expect(valueOf(last('suspend-settlement', ['能不能先别给我打款了 我要去外地一段时间 商户号' + MID]).state, 'reason')).toBe('business_change');
    // A length of time where the reason is asked says how long, not why: it is no reason in own words.
    const atReason = last('suspend-settlement', ['先别给我打款了 商户号' + MID]).state!;
    expect(atReason.pending).toBe('reason');
    expect(send(atReason, '大概半个月').state!.values).not.toHaveProperty('reason');
    // Without a period, the question stays: the merchant may mean the terminal's daily close.
    expect(last('suspend-settlement', ['我想暂停结算']).state!.pending).toBe('settlement_kind');
    // A choice made is never replaced.
    const batch = last('suspend-settlement', ['我想暂停结算', '批结算']);
    expect(batch.outcome).toEqual({ type: 'stopped', rule: 'batch_is_not_cancelled' });
  });

  it('batch settlement: stopped with the explanation (batch_is_not_cancelled)', () => {
    for (const answer of ['批结算', '2']) {
      const step = last('suspend-settlement', ['我想暂停结算', answer]);
      expect(step.state).toBeUndefined();
      expect(step.outcome).toEqual({ type: 'stopped', rule: 'batch_is_not_cancelled' });
      expect(said(step)).toContain('批结算是每天的对账操作');
    }
  });

  it('payouts: to the confirmation, with planned (future) dates accepted', () => {
    const steps = talk('suspend-settlement', SUSPEND_TO_CONFIRM);
    const atStart = steps[SUSPEND_TO_START.length - 1]!;
    expect(atStart.state!.pending).toBe('start_date');
    // "12月1日" said in November is this coming December, not last year's.
    expect(steps[SUSPEND_TO_START.length]!.state!.values.start_date).toEqual({ value: '2026-12-01', display: '2026年12月1日' });
    const step = steps.at(-1)!;
    expect(step.state!.stage).toBe('confirming');
    expect(step.say.at(-1)!.text).toBe(
      '请核对：商户编号 123456789012345，原因 经营调整，暂停日期 2026年12月1日，预计恢复 2027年1月5日，已通知合作方：没有，联系电话 138****8000。确认提交吗？',
    );
    const done = send(step.state, '确认提交');
    expect(done.outcome!.type).toBe('submit');
  });

  it('"合作方还没通知" in the first message answers the partners question', () => {
    expect(last('suspend-settlement', ['商户号123456789012345，要暂停资金结算，店里装修，合作方还没通知']).state!.values.partners_notified?.value).toBe('no');
  });

  it('"材料没有" in the first message or in passing answers the documents question ahead', () => {
    const first = last('suspend-settlement', ['商户号123456789012345，要暂停资金结算，店里装修，材料没有']);
    expect(first.state!.skipped).toContain('documents');
    // Its 没有 is about the documents: the partners question is still to be asked.
    expect(first.state!.values.partners_notified).toBeUndefined();
    const passing = last('suspend-settlement', ['我想暂停资金结算', MID, '装修', '下周一开始，月底恢复，资料也没有']);
    expect(passing.state!.skipped).toContain('documents');
    // Not said: still asked in its turn.
    expect(last('suspend-settlement', ['我想暂停资金结算', MID]).state!.skipped).not.toContain('documents');
  });

  it('refuses a start date in the past (notPast), naming the slot and today; today is fine', () => {
    const atStart = last('suspend-settlement', SUSPEND_TO_START).state!;
    const step = send(atStart, '昨天');
    expect(step.say[0]!.text).toBe('暂停开始日期不能早于今天（2026年11月25日）：您输入的是2026年11月24日。');
    expect(lastSaid(step)).toBe(prompt('suspend-settlement', 'start_date'));
    expect(step.state!.attempts).toEqual({ start_date: 1 });
    expect(engine.handle(atStart, { text: 'yesterday' }, NOW, 'en').say[0]!.text).toBe(
      'The start date of the hold cannot be earlier than today (25 Nov 2026): you entered 24 Nov 2026.',
    );
    expect(valueOf(send(step.state, '今天').state, 'start_date')).toBe('2026-11-25');
  });

  it('the message that starts the flow may name an option in full ("暂停资金结算"), not a short one', () => {
    const payout = engine.start('suspend-settlement', { text: '帮我申请暂停资金结算' }, NOW, 'zh-CN');
    expect(valueOf(payout.state, 'settlement_kind')).toBe('payout');
    expect(payout.state!.pending).toBe('merchant_id');
    const batch = engine.start('suspend-settlement', { text: '我想取消批结算' }, NOW, 'zh-CN');
    expect(batch.outcome).toEqual({ type: 'stopped', rule: 'batch_is_not_cancelled' });
    // Two Chinese characters name an option ("暂停到账" is about payouts); "yes" is too short to be sure.
    expect(valueOf(engine.start('suspend-settlement', { text: '暂停到账' }, NOW, 'zh-CN').state, 'settlement_kind')).toBe('payout');
    const stated = engine.start('suspend-settlement', { text: '店要关门装修一阵子，钱先别打到卡上了' }, NOW, 'zh-CN');
    expect(valueOf(stated.state, 'settlement_kind')).toBe('payout');
    expect(valueOf(stated.state, 'reason')).toBe('business_change');
    // Two dates, each in the clause that names it; weeks count.
    const dated = engine.start('suspend-settlement', { text: '申请暂停资金结算，从明天开始，两周后恢复' }, NOW, 'zh-CN');
    expect(valueOf(dated.state, 'start_date')).toBe('2026-11-26');
    expect(valueOf(dated.state, 'resume_date')).toBe('2026-12-09');
    expect(engine.start('suspend-settlement', { text: 'yes, suspend settlement' }, NOW, 'en').state!.values).toEqual({});
    // Same day and already settled, said up front: the question is not asked.
    const settled = engine.start('cancel-transaction', { text: '今天刷的1280元，已经结算了，想退货' }, NOW, 'zh-CN');
    expect(valueOf(settled.state, 'batch_settled')).toBe('yes');
  });

  it('accepts tomorrow as the start; the same day as the resume is refused (a hold of no days), and a length said next dates it', () => {
    const atResume = send(last('suspend-settlement', SUSPEND_TO_START).state, '明天');
    expect(valueOf(atResume.state, 'start_date')).toBe('2026-11-26');
    const same = send(atResume.state, '2026-11-26');
    expect(same.state!.values.resume_date).toBeUndefined();
    expect(said(same)).toContain('恢复日期要晚于暂停开始日期（2026年11月26日）');
    // "后天 后天开始关" at the resume question repeats the start; "就停十天" then gives the resume day.
    const repeated = send(atResume.state, '明天 明天开始关');
    expect(repeated.state!.values.resume_date).toBeUndefined();
    expect(valueOf(send(repeated.state, '说是十天 就停十天 谁知道他们会不会拖').state, 'resume_date')).toBe('2026-12-06');
  });

  it('refuses a resume date before the start date, as a failed attempt', () => {
    const atResume = last('suspend-settlement', [...SUSPEND_TO_START, '12月1日']).state!;
    expect(atResume.pending).toBe('resume_date');
    const step = send(atResume, '11月30日');
    expect(step.say[0]!.text).toBe('恢复日期要晚于暂停开始日期（2026年12月1日）：您输入的是2026年11月30日。');
    expect(lastSaid(step)).toBe(prompt('suspend-settlement', 'resume_date'));
    expect(step.state!.values).not.toHaveProperty('resume_date');
    expect(step.state!.attempts).toEqual({ resume_date: 1 });

    const en = engine.handle(atResume, { text: 'Nov 30' }, NOW, 'en');
    expect(en.say[0]!.text).toBe('The resume date must be after the start date of the hold (2026-12-01): you entered 2026-11-30.');

    const third = send(send(step.state, '11月29日').state, '2026-11-28');
    expect(third.outcome).toEqual({ type: 'handoff', reason: 'slot_retry_limit', detail: 'suspend-settlement.resume_date: date.not_before' });
  });

  it('at the confirmation: a resume date before the start is refused (kept), a later one taken', () => {
    const confirming = last('suspend-settlement', SUSPEND_TO_CONFIRM).state!;
    const refused = send(confirming, '不对，恢复日期是2026年11月20日');
    expect(refused.say[0]!.text).toBe('恢复日期要晚于暂停开始日期（2026年12月1日）：您输入的是2026年11月20日。已保留原来的值：2027年1月5日。');
    expect(refused.state!.values).toEqual(confirming.values);
    const taken = send(confirming, '恢复日期改成2027年1月10日');
    expect(valueOf(taken.state, 'resume_date')).toBe('2027-01-10');
    expect(valueOf(taken.state, 'start_date')).toBe('2026-12-01');
    expect(taken.state!.stage).toBe('confirming');
  });

  it('the opening story gives both days: the reopening day is the resume date, a day without month the coming one', () => {
    // Said on 25 Nov: "20号" is 20 Dec (a hold is planned ahead), not the 20th just gone.
    const zh = last('suspend-settlement', ['老板3号要住院做手术，店里歇业，20号再开门，这段时间钱先别往卡里打']);
    expect(valueOf(zh.state, 'start_date')).toBe('2026-12-03');
    expect(valueOf(zh.state, 'resume_date')).toBe('2026-12-20');
    // Both days named in one English clause: the range says which is which.
    const en = last('suspend-settlement', ["We're moving the shop, please hold our payouts from Dec 14 until Dec 28"]);
    expect(valueOf(en.state, 'start_date')).toBe('2026-12-14');
    expect(valueOf(en.state, 'resume_date')).toBe('2026-12-28');
  });

  it('a reason told as a story names its option: cash flow, an investigation, a new till, a closure, a new rule, an overhaul; "材料没有" at the reason is no reason', () => {
    for (const [story, reason] of [
      ['最近进年货把钱全压进去了 卡里一进钱就被银行自动扣去还贷款 结算晚几天再打', 'cash_flow'],
      ['昨天派出所的人来店里了 说有人拿偷来的卡在我这刷了好几笔 让我配合 结算先停一下', 'compliance'],
      ['店里的收银机要换成新的那套 换的这几天结算先暂停下', 'maintenance'],
      ['酒店前台的刷卡收款要跟房务那套软件一起升级 想先停一下结算', 'maintenance'],
      ['my business account is overdrawn and every payout vanishes into the overdraft, please hold payouts', 'cash_flow'],
      // …and the shop shut by a disaster, a trip or the season; a regulator's new rule; a loan eating the payouts; an account change; an overhaul.
      ['昨儿后半夜一辆车直接怼我们店门脸上了 店一时半会儿开不了 先别往卡上打钱了', 'business_change'],
      ['街道通知下个月1号开始封路 车开不进来 店只能先关 卡上的钱先别打', 'business_change'],
      ['my father is sick in Korea, restaurant close from 20 December. please stop send money to my account', 'business_change'],
      ['教育局新规定预收的学费必须进资金监管账户 开好之前钱先别打进一般户', 'compliance'],
      ['收款那张卡绑了个经营贷 现在钱一进卡就被银行划走 想先停一下打款', 'cash_flow'],
      ['法人变更 执照正在市场监管局那边变更 新账户开好之前 刷卡的钱先别打', 'other'],
      ['我们豆腐坊的磨浆机和锅炉要大修 这段时间做不了生意 到账的钱先帮我停一下', 'maintenance'],
      ["we're a small gelato shop and we close every winter. Could you hold our payouts while we're shut?", 'business_change'],
      ['我是做金银首饰翻新维修的 右手要做个小手术 店就关了 卡上别打钱过来', 'business_change'],
    ] as const) {
      expect(valueOf(last('suspend-settlement', [story]).state, 'reason'), story).toBe(reason);
    }
    const atReason = last('suspend-settlement', ['我想暂停结算', '资金结算', MID]).state!;
    expect(atReason.pending).toBe('reason');
    for (const text of ['材料没有', 'nothing to upload']) expect(send(atReason, text).state!.values, text).not.toHaveProperty('reason');
  });

  it('"今天就停吧 停到啥时候我也不知道": today starts the hold; the resume day is not known yet', () => {
    const asked = last('suspend-settlement', ['银行打电话来叫我结算先停一下 配合调查', MID]);
    expect(asked.state!.pending).toBe('start_date');
    const step = send(asked.state, '今天就停吧 停到啥时候我也不知道 得等银行那边弄完通知我');
    expect(valueOf(step.state, 'start_date')).toBe('2026-11-25');
    expect(step.state!.values).not.toHaveProperty('resume_date');
    expect(step.state!.skipped).toContain('resume_date');
  });

  it('a start moved with a day the shop still takes payments beside it ("还是从15号开始 12号那天还有个团餐要收款 停到…")', () => {
    const asked = last('suspend-settlement', ['我想申请暂停资金结算 店里要换收银系统', MID, '12号开始吧']);
    expect(asked.state!.pending).toBe('resume_date');
    const step = send(asked.state, '哦等下 还是从15号开始 12号那天还有个团餐要收款 停到1月5号');
    expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date')]).toEqual(['2026-12-15', '2027-01-05']);
  });

  it('two days in one clause split by a space ("明年1月20号关门 2月25号回来开门"): the reopening day resumes, the other starts', () => {
    const step = last('suspend-settlement', ['结算能不能先停一段时间', '卡上到账的那个 我们回老家过年 明年1月20号关门 2月25号回来开门']);
    expect(valueOf(step.state, 'start_date')).toBe('2027-01-20');
    expect(valueOf(step.state, 'resume_date')).toBe('2027-02-25');
    // The days stopped as a range, the day named in the part after the space: the range's first starts.
    const range = send(last('suspend-settlement', ['下个礼拜收银系统升级 想暂停结算几天', MID]).state, '那就12月14号到17号 18号恢复');
    expect([valueOf(range.state, 'start_date'), valueOf(range.state, 'resume_date')]).toEqual(['2026-12-14', '2026-12-18']);
  });

  it('a day followed by what the shop does then is a day: "31号装好了就恢复", said with a moved start', () => {
    const asked = last('suspend-settlement', ['店里要装修 装修期间刷卡的钱先别打过来 从明天开始', MID]);
    expect(asked.state!.pending).toBe('resume_date');
    const step = send(asked.state, '等一下 装修队说15号才进场 那从15号开始停吧 31号装好了就恢复');
    expect(valueOf(step.state, 'start_date')).toBe('2026-12-15');
    expect(valueOf(step.state, 'resume_date')).toBe('2026-12-31');
    // A counter or a table is still no day.
    expect(send(asked.state, '3号桌的客人说的').state!.values).not.toHaveProperty('resume_date');
  });

  it('a correction naming both days, with days the shop still trades between them, moves each to its own', () => {
    const asked = last('suspend-settlement', ['店里要装修，结算先停一段时间', MID, '1号开始吧']);
    expect(valueOf(asked.state, 'start_date')).toBe('2026-12-01');
    expect(asked.state!.pending).toBe('resume_date');
    const step = send(asked.state, '哎说错了 是3号开始停 1号2号还开着呢 停到20号');
    expect(valueOf(step.state, 'start_date')).toBe('2026-12-03');
    expect(valueOf(step.state, 'resume_date')).toBe('2026-12-20');
  });

  it('a start date moved after the resume date drops the resume date and asks it again', () => {
    const step = send(last('suspend-settlement', SUSPEND_TO_CONFIRM).state, '开始日期改成2027年2月1日');
    expect(valueOf(step.state, 'start_date')).toBe('2027-02-01');
    expect(step.state!.values).not.toHaveProperty('resume_date');
    expect(step.say[0]!.text).toBe('恢复日期要晚于暂停开始日期（2027年2月1日）：您输入的是2027年1月5日。');
    expect(step.state!.pending).toBe('resume_date');
    const back = send(step.state, '2027年2月10日');
    expect(back.state!.stage).toBe('confirming');
  });

  it('at the confirmation, an enum is corrected by its option ("已经通知了"), and a date correction does not touch it', () => {
    const confirming = last('suspend-settlement', SUSPEND_TO_CONFIRM).state!;
    expect(valueOf(send(confirming, '已经通知了').state, 'partners_notified')).toBe('yes');
    // "是" (a one-character label of partners_notified) inside a date correction is not an answer.
    const dated = send(confirming, '不对，恢复日期是2027年1月8日');
    expect(valueOf(dated.state, 'partners_notified')).toBe('no');
    expect(valueOf(dated.state, 'resume_date')).toBe('2027-01-08');
  });
});

describe('files', () => {
  const TO_SLIP: Msg[] = [...TO_CARD, '跳过', '顾客退货']; // pending: slip_photos (required)

  it('adds files to the pending attachments slot', () => {
    const step = send(last('cancel-transaction', TO_SLIP).state, files(file(1), file(2, 'application/pdf', 'pdf')));
    expect(step.state!.values.slip_photos).toEqual({ value: [file(1), file(2, 'application/pdf', 'pdf')], display: '2 个文件' });
    expect(step.state!.pending).toBe('phone');
  });

  it('refuses a file of the wrong content type, taking none of the message\'s files', () => {
    const before = last('cancel-transaction', TO_SLIP).state!;
    const step = send(before, files(file(1), file(2, 'text/plain', 'txt')));
    expect(step.say[0]!.text).toBe(flowText('zh-CN', 'flowFileType'));
    expect(step.state!.values).toEqual(before.values);
    expect(step.state!.pending).toBe('slip_photos');
    expect(lastSaid(step)).toBe(prompt('cancel-transaction', 'slip_photos'));
  });

  it('refuses more files than the slot takes (maxFiles 5), keeping those it has', () => {
    const atSlip = last('cancel-transaction', TO_SLIP).state!;
    const six = send(atSlip, files(...[1, 2, 3, 4, 5, 6].map((n) => file(n))));
    expect(six.say[0]!.text).toBe(flowText('zh-CN', 'flowTooManyFiles', { max: 5 }));
    expect(six.state!.values).not.toHaveProperty('slip_photos');

    const five = send(atSlip, files(...[1, 2, 3, 4, 5].map((n) => file(n))));
    expect((five.state!.values.slip_photos!.value as FileRef[]).length).toBe(5);
    const more = send(five.state, files(file(6)));
    expect(more.say[0]!.text).toBe('最多可以发送 5 个文件，这次发送的文件没有收下；之前收到的 5 个文件仍然保留。');
    expect((more.state!.values.slip_photos!.value as FileRef[]).map((f) => f.file)).toEqual([1, 2, 3, 4, 5].map((n) => file(n).file));
    // The same file again is not counted twice.
    const same = send(five.state, files(file(1)));
    expect(same.say.some((s) => s.text === flowText('zh-CN', 'flowTooManyFiles', { max: 5 }))).toBe(false);
  });

  it('photos sent one per message: the later ones join the slip after the next prompt was said', () => {
    const first = send(last('cancel-transaction', TO_SLIP).state, files(file(1)));
    expect(first.state!.pending).toBe('phone');
    const second = send(first.state, files(file(2)));
    expect(second.state!.values.slip_photos!.value).toEqual([file(1), file(2)]);
    expect(second.state!.values.slip_photos!.display).toBe('2 个文件');
    expect(second.state!.pending).toBe('phone');
    expect(said(second)).toBe(prompt('cancel-transaction', 'phone'));
  });

  it('a file sent before its slot is asked fills it, and the slot is not asked', () => {
    const steps = talk('cancel-transaction', [{ text: CANCEL_START, files: [file(1)] }, MID, TID, '跳过', '顾客退货']);
    expect(steps[0]!.state!.values.slip_photos!.value).toEqual([file(1)]);
    expect(steps.at(-1)!.state!.pending).toBe('phone');
  });

  it('a file while confirming joins the slip and the summary is shown again', () => {
    const step = send(last('cancel-transaction', TO_CONFIRM).state, files(file(9)));
    expect(step.state!.values.slip_photos!.value).toEqual([file(1), file(9)]);
    expect(step.state!.stage).toBe('confirming');
  });

  it('"跳过" sent with files at an optional file slot keeps the files (the slot is not skipped)', () => {
    const atDocs = last('suspend-settlement', [...SUSPEND_TO_START, '12月1日', '2027年1月5日']).state!;
    expect(atDocs.pending).toBe('documents');
    const step = send(atDocs, { text: '跳过', files: [file(1)] });
    expect(step.state!.values.documents!.value).toEqual([file(1)]);
    expect(step.state!.skipped).not.toContain('documents');
    expect(step.state!.pending).toBe('partners_notified');
  });

  it('a file where the flow takes none is declined', () => {
    const step = last('request-status', ['查询申请状态', files(file(1))]);
    expect(step.say[0]!.text).toBe(flowText('zh-CN', 'flowFileNotExpected'));
  });

  it('text at a file prompt asks for the file and counts as a try: the third offers a human agent', () => {
    const atFiles = last('supplement-materials', ['补充材料', MID, 'CX-20261125-0007']).state!;
    expect(atFiles.pending).toBe('files');
    const step = send(atFiles, '好的');
    expect(step.say.map((s) => s.text)).toEqual([flowText('zh-CN', 'flowNeedFiles'), prompt('supplement-materials', 'files')]);
    expect(step.state!.attempts).toEqual({ files: 1 });
    const sent = send(step.state, files(file(1)));
    expect(sent.state!.pending).toBe('note');
    // At the slip, words that are no file and no "I have none": the third try offers a human agent.
    const atSlip = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货', '好的', '稍等']).state!;
    expect(atSlip.attempts).toEqual({ slip_photos: 2 });
    const third = send(atSlip, '嗯');
    expect(third.outcome).toEqual({ type: 'handoff', reason: 'slot_retry_limit', detail: 'cancel-transaction.slip_photos: attachments.not_text' });
    expect(third.say.at(-1)!.suggestedActions).toEqual([flowText('zh-CN', 'actionHuman'), flowText('zh-CN', 'actionTryAgain')]);
    expect(send(third.state, files(file(1))).state!.pending).toBe('phone');
  });

  it('a required file the merchant does not have ("签购单找不到了", "no receipt"): why it matters, and a person at once', () => {
    const atSlip = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货']).state!;
    expect(atSlip.pending).toBe('slip_photos');
    for (const text of ['签购单找不到了', '小票丢了', '木有小票', '跳过', '没有']) {
      const step = send(atSlip, text);
      expect(step.outcome, text).toEqual({ type: 'handoff', reason: 'missing_document', detail: 'cancel-transaction.slip_photos' });
      expect(step.say.map((s) => s.text), text).toEqual([slipMissing(), flowText('zh-CN', 'flowMissingFileOffer')]);
      expect(step.say.at(-1)!.suggestedActions).toEqual([flowText('zh-CN', 'actionHuman')]);
      // The question stays open: the photo, found later, goes on as ever.
      expect(step.state!.pending).toBe('slip_photos');
      expect(send(step.state, files(file(1))).state!.pending).toBe('phone');
    }
    const en = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货']).state!;
    for (const text of ['I lost the receipt', 'no receipt', "can't find it"]) {
      expect(send(en, text, 'en').outcome, text).toMatchObject({ reason: 'missing_document' });
    }
    // Where the card's last 4 are asked, "没" or a lost slip passes over them (they are read off the slip).
    const atCard = last('cancel-transaction', TO_CARD).state!;
    for (const text of ['没', '小票找不到了']) expect(send(atCard, text).state!.skipped, text).toContain('card_last4');
    // Sending the slip is no "I have none".
    expect(send(atSlip, '我直接发小票吧').outcome).toBeUndefined();
    // Promised for later: the question waits, nothing refused, no try counted.
    for (const text of ['小票等下发', '找到了我再拍给你']) {
      const later = send(atSlip, text);
      expect(later.say.map((s) => s.text), text).toEqual([flowText('zh-CN', 'flowFileLater')]);
      expect(later.state!.attempts, text).toEqual({});
      expect(later.outcome, text).toBeUndefined();
    }
    expect(send(en, "I'll send the receipt later", 'en').say.map((s) => s.text)).toEqual([flowText('en', 'flowFileLater')]);
  });
});

describe('the state', () => {
  it('is plain JSON: a round trip mid-flow continues exactly as the original', () => {
    const mid = last('cancel-transaction', [...TO_CARD, '跳过', '顾客退货', files(file(1))]).state!;
    const copy = JSON.parse(JSON.stringify(mid)) as FlowState;
    expect(copy).toEqual(mid);
    for (const m of [PHONE, '不对，金额是1208', files(file(2)), '算了']) {
      expect(send(copy, m)).toEqual(send(mid, m));
    }
  });

  it('a whole conversation through JSON at every step gives the same steps', () => {
    const messages: Msg[] = [...TO_CARD, '12345', '跳过', '为什么要签购单？', '顾客退货', files(file(1)), PHONE, '不对，金额是1208', '确认'];
    const direct = talk('cancel-transaction', messages);
    let state: FlowState | undefined = JSON.parse(JSON.stringify(direct[0]!.state)) as FlowState;
    for (let i = 1; i < messages.length; i++) {
      const step = engine.handle(state!, input(messages[i]!), NOW, 'zh-CN');
      expect(step).toEqual(direct[i]);
      state = step.outcome?.type === 'digression' ? state : (JSON.parse(JSON.stringify(step.state ?? null)) as FlowState | undefined) ?? undefined;
    }
    expect(direct.at(-1)!.outcome!.type).toBe('submit');
  });

  it('handle never changes the state it was given', () => {
    const state = last('cancel-transaction', TO_CARD).state!;
    const frozen = JSON.stringify(state);
    for (const m of ['不对，金额是1208', '1234', '跳过', '算了', '12', files(file(1))]) {
      send(state, m);
      expect(JSON.stringify(state)).toBe(frozen);
    }
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    const frozenConfirming = JSON.stringify(confirming);
    send(confirming, '不对，金额是1208');
    send(confirming, files(file(3)));
    expect(JSON.stringify(confirming)).toBe(frozenConfirming);
  });

  it('reprompt after a restart repeats the pending prompt without changing anything', () => {
    const state = last('cancel-transaction', TO_CARD).state!;
    const frozen = JSON.stringify(state);
    expect(engine.reprompt(state, NOW, 'zh-CN')).toEqual([{ text: prompt('cancel-transaction', 'card_last4'), suggestedActions: [flowText('zh-CN', 'actionSkip')] }]);
    expect(engine.reprompt(state, NOW, 'en')[0]!.text).toBe(prompt('cancel-transaction', 'card_last4', 'en'));
    expect(JSON.stringify(state)).toBe(frozen);
  });
});

describe('English', () => {
  it('speaks English throughout: start, prompts, enum actions, summary', () => {
    const steps = talk('cancel-transaction', ['I want to cancel a transaction', MID, TID, 'today', '1280', 'voucher 000123', 'skip'], { locale: 'en' });
    expect(steps[0]!.say[0]!.text).toBe(flowText('en', 'flowStart', { title: 'Cancel a card transaction' }));
    expect(lastSaid(steps[0]!)).toBe(prompt('cancel-transaction', 'merchant_id', 'en'));
    expect(lastSaid(steps[3]!)).toBe(prompt('cancel-transaction', 'amount', 'en'));
    const atSettled = steps.at(-1)!;
    expect(atSettled.say.at(-1)).toEqual({ text: prompt('cancel-transaction', 'batch_settled', 'en'), suggestedActions: ['no', 'yes', "don't know"] });
    const toConfirm = talk('cancel-transaction', ['I want to cancel a transaction', MID, TID, 'yesterday', '1280', 'voucher 000123', 'skip', 'goods returned', files(file(1)), PHONE], { locale: 'en' });
    const summary = toConfirm.at(-1)!.say.at(-1)!;
    // English values too: the rule-set type, the date, the files (not 退货, 2026年11月24日, 1 个文件).
    expect(summary.text).toMatch(/^Please check: request type refund, merchant ID 123456789012345, terminal ID 12345678, date 24 Nov 2026, amount ¥1,280.00, /);
    expect(summary.text).toContain('card last 4 not given');
    expect(summary.text).toContain('slip photos 1 file(s)');
    expect(summary.text).not.toMatch(/[\u4e00-\u9fff]/);
    expect(summary.suggestedActions).toEqual(['Confirm', 'Cancel']);
  });

  it('the story in English is the reason ("my staff charge one table 2 times"); "the 2nd one" is which sale, not a day', () => {
    const start = last('cancel-transaction', [`hi my staff charge one table 2 times today afternoon, 1260 each time. need cancel one. merchant ${MID} terminal ${TID}`], { locale: 'en' });
    expect(String(valueOf(start.state, 'reason'))).toContain('charge one table 2 times');
    // A question word inside the story asks nothing ("…charged twice for her room when she checked out").
    const guest = last('cancel-transaction', ['hi, a guest got charged twice for her room when she checked out yesterday, 1260 both times. can you give one of them back?'], { locale: 'en' });
    expect(String(valueOf(guest.state, 'reason'))).toContain('charged twice');
    // A deposit refunded because the booking was called off.
    expect(String(valueOf(last('cancel-transaction', ['11月20号有个公司来订年会 先刷了5000定金 现在人家年会取消了 定金要退给人家 能帮忙弄一下吗']).state, 'reason'))).toContain('定金');
    const voucher = send(start.state, 'voucher of the 2nd one is 000318', 'en');
    expect([valueOf(voucher.state, 'voucher_no'), valueOf(voucher.state, 'transaction_date')]).toEqual(['000318', '2026-11-25']);
  });

  it('numbers in words: "three hundred sixty yuan", "October twenty-fifth"; "card end with 2207" is the card where the amount is asked', () => {
    const start = last('cancel-transaction', ['I want a refund, customer paid by card day before yesterday, three hundred sixty yuan, he returned the shoes'], { locale: 'en' });
    expect(valueOf(start.state, 'amount')).toBe(36000);
    // The day he bought it, not the day he came back; its "25th" is no amount.
    const sofa = last('cancel-transaction', [`Customer came back today to return a sofa he bought on October twenty-fifth, 4,380 by card. our merchant ID ${MID}`], { locale: 'en' });
    expect([valueOf(sofa.state, 'transaction_date'), valueOf(sofa.state, 'amount')]).toEqual(['2026-10-25', 438000]);
    const card = last('cancel-transaction', ['I want a refund, customer returned it, yesterday', MID, TID, 'voucher 000436', 'card end with 2207'], { locale: 'en' });
    expect([valueOf(card.state, 'card_last4'), valueOf(card.state, 'amount'), card.state!.pending]).toEqual(['2207', undefined, 'amount']);
  });

  it('English suspension: batch stops in English', () => {
    const step = last('suspend-settlement', ['suspend settlement', 'batch'], { locale: 'en' });
    expect(step.outcome).toEqual({ type: 'stopped', rule: 'batch_is_not_cancelled' });
    expect(said(step)).toContain("The terminal's batch settlement is the daily close");
  });
});

describe('an answered option corrected while another question is asked', () => {
  it('"哦不对…已经结算过了" where the void is asked: settled after all, so no void question and a refund', () => {
    const atVoid = last('cancel-transaction', [`今天上午一笔1688的，收银员多按了个8，要撤销，商户号${MID} 终端${TID}`, '凭证号009412', '跳过', '没结算']);
    expect(atVoid.state!.pending).toBe('void_tried');
    const step = send(atVoid.state, '哦不对，我刚问了收银员，中午交班的时候已经结算过了');
    expect(valueOf(step.state, 'batch_settled')).toBe('yes');
    expect(step.state!.pending).not.toBe('void_tried');
    expect(said(step)).toContain('已更正为');
  });

  it('"刚才说错了，不是资金的问题，是店要装修": the hold\'s reason changes, the day is still asked', () => {
    const atStart = last('suspend-settlement', [`想暂停结算 商户号${MID}`, '资金的，打到卡上那个', '资金周转吧']);
    expect(valueOf(atStart.state, 'reason')).toBe('cash_flow');
    const step = send(atStart.state, '刚才说错了，不是资金的问题，是店要装修');
    expect(valueOf(step.state, 'reason')).toBe('business_change');
    expect(step.state!.pending).toBe(atStart.state!.pending);
  });
});

describe('reasons told as stories', () => {
  it('"38块钱的烟给刷成380了" (给 as the passive) and Cantonese "拎返嚟话唔啱用，要退返钱俾佢" say why', () => {
    expect(String(valueOf(last('cancel-transaction', ['今儿个收银那丫头手一哆嗦，38块钱的烟给刷成380了，给整回去']).state, 'reason'))).toContain('刷成380');
    expect(valueOf(last('cancel-transaction', ['琴日有个客喺我度买咗部手机，今日拎返嚟话唔啱用，要退返钱俾佢，碌卡2,388蚊']).state, 'reason')).toBeDefined();
  });
});

describe('said in passing', () => {
  it('"没空看 跳过" skips the card; "还有终端号刚才打错了 是…" corrects beside the answer; "那就按退货提交 确认" confirms', () => {
    const atCard = last('cancel-transaction', [`急 刚才给客人刷了两次980 今天的 多的那笔赶紧退了 商户号${MID} 终端${TID} 凭证002318`]);
    expect(atCard.state!.pending).toBe('card_last4');
    expect(send(atCard.state, '没空看 跳过').state!.skipped).toContain('card_last4');
    const atVoucher = last('cancel-transaction', [`昨天一笔760的要退 商户号${MID} 终端58106372`]);
    const both = send(atVoucher.state, '凭证号082215 还有终端号刚才打错了 是58106327');
    expect([valueOf(both.state, 'voucher_no'), valueOf(both.state, 'terminal_id')]).toEqual(['082215', '58106327']);
    const state = last('cancel-transaction', TO_CONFIRM).state!;
    expect(send(state, '那就按退货提交 确认').outcome?.type).toBe('submit');
    // Another value than the summary's is no agreement.
    expect(send(state, '那就按撤销提交 确认').outcome?.type).not.toBe('submit');
  });

  it('"商户号是我打错了 以小票为准。客人是嫌质量不好退的": the slip\'s value taken, and the reason with it', () => {
    const slip = { merchant_id: '857203199640251', voucher_no: '120934' };
    const offered = send(last('cancel-transaction', ['要给客人退一笔 商户号' + MID + ' 终端' + TID, '11月20号刷的 三百九十九']).state, { text: '凭证号太小了看不清 直接拍给你', files: [file(3)], slip: { values: slip, slots: Object.keys(slip) } });
    expect(valueOf(offered.state, 'merchant_id')).toBe(MID);
    const step = send(offered.state, '哦 商户号是我打错了 以小票为准。客人是嫌质量不好退的');
    expect([valueOf(step.state, 'merchant_id'), valueOf(step.state, 'reason')]).toEqual(['857203199640251', '客人是嫌质量不好退的']);
  });

  it('a landline given where a mobile is asked ("打店里电话就行 0571-8627 4419") is refused as a phone, never taken as a reference', () => {
    const atPhone = last('cancel-transaction', ['上个月有个老师订了一批奖杯 三千二百六 刷的卡 运动会取消了 要退', `商户号${MID} 终端${TID}`, '11月11号', '凭证号 343172', '跳过']).state!;
    const step = send({ ...atPhone, pending: 'phone' }, '打店里电话就行 0571-8627 4419');
    expect(step.state!.values.reference_no).toBeUndefined();
    expect(step.state!.values.phone).toBeUndefined();
  });

  it('the sale\'s amount said again where the card is asked ("对 1200") is no card\'s last 4; "尾号1200" is', () => {
    const atCard = last('cancel-transaction', ['前天刷了1200 顾客要退货', `商户号${MID} 终端${TID}`, '凭证号 758326']).state!;
    expect(atCard.pending).toBe('card_last4');
    const again = send(atCard, '对 1200');
    expect(again.state!.values.card_last4).toBeUndefined();
    expect(again.state!.pending).toBe('card_last4');
    expect(valueOf(send(atCard, '尾号1200').state, 'card_last4')).toBe('1200');
  });

  it('the day the customer came to complain is no day of the sale ("大前天…刷的卡 … 业主今天一早就来岗亭闹")', () => {
    const step = engine.start('cancel-transaction', { text: '大前天一个业主在我们停车场办了张月卡 4800 刷的卡 车位早就租给别人了 业主今天一早就来岗亭闹 说今天不把钱弄回他卡上就打12315' }, NOW, 'zh-CN');
    expect(valueOf(step.state, 'transaction_date')).toBe('2026-11-22');
  });

  it('a merchant ID read out in groups ("867023 551409 886") gives no voucher number from its middle group', () => {
    const step = send(last('cancel-transaction', ['今天刷错了一笔要撤销']).state, '商户号八六七零二三 五五一四零九 八八六');
    expect(valueOf(step.state, 'merchant_id')).toBe('867023551409886');
    expect(step.state!.values.voucher_no).toBeUndefined();
  });

  it('a voice message with no pause keeps its story as the reason, up to the question that ends it ("…站着呢脸都绿了你看这个怎么弄")', () => {
    const voice = engine.start('cancel-transaction', { text: '今天下午有个小伙子买了个手办五百九十九块钱结果我们店员手一滑刷成了五千九百九十小伙子现在还在店里站着呢脸都绿了你看这个怎么弄' }, NOW, 'zh-CN');
    expect(String(valueOf(voice.state, 'reason'))).toMatch(/刷成了五千九百九十.*脸都绿了$/);
    // …and with no particle before the question ("…刷成了五千九百九十你看这个怎么弄").
    const plain = engine.start('cancel-transaction', { text: '今天下午有个小伙子买了个手办五百九十九块钱结果我们店员手一滑刷成了五千九百九十你看这个怎么弄' }, NOW, 'zh-CN');
    expect(valueOf(plain.state, 'reason')).toBe('结果我们店员手一滑刷成了五千九百九十');
    const english = engine.start('cancel-transaction', { text: "yesterday a guy bought a boxed manga set 1260 by card, turns out his gf already got him the exact same set lol so he wants his money back" }, NOW, 'en');
    expect(valueOf(english.state, 'reason')).toBe('turns out his gf already got him the exact same set lol so he wants his money back');
  });

  it('a ticket number (CX-20261204-0001) is no 12-digit reference number', () => {
    const step = last('cancel-transaction', ['工单CX-20261204-0001 想退款 商户号' + MID]);
    expect(valueOf(step.state, 'reference_no')).toBeUndefined();
  });
});

describe('a flow a rule stopped, taken up again', () => {
  it('"照你说的弄了，输完凭证号显示撤销失败" after the void advice goes on as a void with everything given; "好的" does not', () => {
    const atVoid = last('cancel-transaction', SAME_DAY.concat(['没结'])).state!;
    const stopped = send(atVoid, '没试过');
    expect(stopped.outcome).toEqual({ type: 'stopped', rule: 'void_on_terminal_first' });
    expect(stopped.stoppedAt!.values.voucher_no!.value).toBe('000123');
    const resumed = engine.resumeStopped(stopped.stoppedAt!, 'void_on_terminal_first', { text: '照你说的弄了，输完凭证号显示撤销失败' }, NOW, 'zh-CN');
    expect([valueOf(resumed!.state, 'void_tried'), valueOf(resumed!.state, 'request_type'), valueOf(resumed!.state, 'amount')]).toEqual(['failed', 'void', 128000]);
    expect(resumed!.state!.pending).toBe('reason');
    for (const text of ['好的', '撤销一般多久到账']) expect(engine.resumeStopped(stopped.stoppedAt!, 'void_on_terminal_first', { text }, NOW, 'zh-CN'), text).toBeUndefined();
  });
});

describe('batch 23 as merchants put it', () => {
  it('a month named beside the days is no day; "last 4 is 6213" is no amount; "haven\'t told them yet" is no; "机器上那个 每天晚上关门前要按一下的" is the batch', () => {
    const wedding = last('suspend-settlement', ['下个月我闺女结婚 我们全家要回老家办喜事 店得关半个月 1月8号到22号这段时间的结算先停了吧']).state;
    expect([valueOf(wedding, 'start_date'), valueOf(wedding, 'resume_date')]).toEqual(['2027-01-08', '2027-01-22']);
    const atAmount = last('cancel-transaction', ['I want a refund, customer returned it, yesterday', MID, TID, 'voucher 000436'], { locale: 'en' });
    expect(atAmount.state!.pending).toBe('amount');
    const card = send(atAmount.state, 'last 4 is 6213', 'en');
    expect([valueOf(card.state, 'card_last4'), valueOf(card.state, 'amount')]).toEqual(['6213', undefined]);
    const atPartners = last('suspend-settlement', ['暂停资金结算 商户号' + MID + ' 店里装修', '明天', '下个月15号', '跳过']).state!;
    expect(atPartners.pending).toBe('partners_notified');
    expect(valueOf(send(atPartners, "we also take alipay, haven't told them yet", 'en').state, 'partners_notified')).toBe('no');
    expect(valueOf(send(atPartners, '美团那边还没跟他们说').state, 'partners_notified')).toBe('no');
    expect(send(last('suspend-settlement', ['结算太麻烦了 我想把结算取消掉']).state, '机器上那个 每天晚上关门前要按一下的').outcome).toEqual({ type: 'stopped', rule: 'batch_is_not_cancelled' });
  });

  it('"哎呀不用提交了 …这个撤回吧" at the summary asks to be sure; "嗯 撤回 不要了" is the yes; "ok sumbit" submits', () => {
    const state = last('cancel-transaction', TO_CONFIRM).state!;
    const asked = send(state, '哎呀不用提交了 店长说他昨天已经在机器上给客人做过退货了 这个撤回吧');
    expect(asked.state!.stage).toBe('confirm-cancel');
    expect(send(asked.state, '嗯 撤回 不要了').outcome).toEqual({ type: 'cancelled' });
    expect(send(state, 'ok sumbit', 'en').outcome?.type).toBe('submit');
    // A question typed after giving up, with spaces for stops, is answered first.
    const q = send(last('cancel-transaction', ['帮我申请个退款 商户号' + MID, '终端' + TID]).state, '先不弄了 我还没跟客人谈好退多少 我先问一下 退货可以只退一部分钱吗 还是必须全退');
    expect(q.outcome).toMatchObject({ type: 'digression' });
    expect((q.outcome as { question: string }).question).toContain('退货可以只退一部分钱吗');
  });
});

describe('same-day answers as merchants put them', () => {
  it('settled ("结过了", "中午签退了", "we closed the batch"), or not ("没结过"); the void failed ("撤销不了啊", "没撤成", "void failed") or never tried ("不敢弄 怕弄错")', () => {
    const atSettled = last('cancel-transaction', SAME_DAY).state!;
    for (const [text, want] of [['结过了', 'yes'], ['中午签退了', 'yes'], ['没结过', 'no']] as const) expect(valueOf(send(atSettled, text).state, 'batch_settled'), text).toBe(want);
    expect(valueOf(send(atSettled, 'we closed the batch already', 'en').state, 'batch_settled')).toBe('yes');
    const atVoid = send(atSettled, '没结').state!;
    expect(atVoid.pending).toBe('void_tried');
    for (const text of ['撤销不了啊', '机器上撤不掉', '没撤成']) expect(valueOf(send(atVoid, text).state, 'void_tried'), text).toBe('failed');
    expect(valueOf(send(atVoid, 'it says void failed', 'en').state, 'void_tried')).toBe('failed');
    expect(send(atVoid, '不敢弄 怕弄错').outcome).toMatchObject({ type: 'stopped', rule: 'void_on_terminal_first' });
    // "结没结" is whether, no option: not knowing it is the answer.
    expect(valueOf(send(atSettled, '不晓得结没结哦，机器是我们店长在管').state, 'batch_settled')).toBe('unknown');
    // The answer with why, in one message: both taken.
    const both = send(atSettled, '对，早上交班已经结算过了，客人说年货买重复了');
    expect([valueOf(both.state, 'batch_settled'), valueOf(both.state, 'reason')]).toEqual(['yes', '客人说年货买重复了']);
  });
});

describe('giving up at the summary', () => {
  it('"取消 老板刚说…" and "先等等 这个别提交了…" ask to be sure; a yes cancels', () => {
    const state = last('cancel-transaction', TO_CONFIRM).state!;
    for (const text of ['取消 老板刚说这个先不弄了', '先等等 这个别提交了 老板说他再跟顾客商量下换货', '取消 老板刚说换系统的事先不弄了']) {
      const asked = send(state, text);
      expect(asked.state!.stage, text).toBe('confirm-cancel');
      expect(send(asked.state, '是的 取消').outcome, text).toEqual({ type: 'cancelled' });
    }
    // A correction is still a correction.
    expect(send(state, '先别提交，金额改成500').state!.stage).not.toBe('confirm-cancel');
  });

  it('mid-way: "…哦不用了 客人刚打电话说换个颜色就行 不退了", "…就行了？那我先不申请了。…" ask to be sure; "这个不要了" is the yes', () => {
    const atVoucher = last('cancel-transaction', [`要退一笔 昨天下午的 六百四 商户号${MID}`, '终端 42270915']);
    for (const text of ['我找下小票……哦不用了 客人刚打电话说换个颜色就行 不退了', '等下 今天刷的是不是自己在机器上撤销就行了？那我先不申请了。撤销跟退货到底有啥区别']) {
      const asked = send(atVoucher.state, text);
      expect(asked.state!.stage, text).toBe('confirm-cancel');
      expect(send(asked.state, '老板说已经给人退现金了 这个不要了').outcome, text).toEqual({ type: 'cancelled' });
    }
  });

  it('a question asked beside giving up is answered first (a digression), then "sure?"', () => {
    const atVoucher = last('cancel-transaction', [`要退一笔 昨天下午的 六百四 商户号${MID}`, '终端 42270915']);
    const step = send(atVoucher.state, '等下 今天刷的是不是自己在机器上撤销就行了？那我先不申请了。撤销跟退货到底有啥区别');
    expect(step.outcome).toEqual({ type: 'digression', question: '撤销跟退货到底有啥区别' });
    expect(step.state!.stage).toBe('confirm-cancel');
    expect(engine.reprompt(step.state!, NOW, 'zh-CN')[0]!.text).toContain('确定要取消');
  });
});

describe('a reason restated under its label', () => {
  it('"原因写错了，是刷错金额" changes the reason at the summary, and its 金额 is no amount', () => {
    const state = last('cancel-transaction', TO_CONFIRM).state!;
    const step = send(state, '原因写错了，是刷错金额');
    expect(valueOf(step.state!, 'reason')).toBe('刷错金额');
    expect(said(step)).not.toContain('没有识别出金额');
    expect(step.state!.stage).toBe('confirming');
    // With another value in the same message, each to its own.
    const both = send(state, '原因改成重复刷卡，电话换成13900139000');
    expect([valueOf(both.state!, 'reason'), valueOf(both.state!, 'phone')]).toEqual(['重复刷卡', '13900139000']);
    expect(valueOf(send(state, 'reason should be charged twice', 'en').state!, 'reason')).toBe('charged twice');
  });
});

describe('an optional file question passed over', () => {
  it('a later question answered where documents are asked: the documents are not asked again', () => {
    const atDocuments = last('suspend-settlement', ['暂停资金结算，商户号' + MID + '，原因资金周转', '明天', '待定']).state!;
    expect(atDocuments.pending).toBe('documents');
    const step = send(atDocuments, '银行那边已经通知过了');
    expect(valueOf(step.state!, 'partners_notified')).toBe('yes');
    expect(step.state!.skipped).toContain('documents');
    expect(step.state!.pending).toBe('phone');
    // A message that answers nothing still gets the documents question again.
    expect(send(atDocuments, '稍等').state!.pending).toBe('documents');
  });
});

describe('not knowing is an answer, not a question', () => {
  it('"not sure yet when we reopen" at another step is no digression to the guide', () => {
    const asked = last('suspend-settlement', ['please hold my payouts from next monday, we are moving shop. merchant ' + MID, 'not sure', 'skip']);
    expect(asked.state?.pending).toBe('partners_notified');
    const step = send(asked.state, 'not sure yet when we reopen');
    expect(step.outcome?.type).not.toBe('digression');
    // Still a question when it is one.
    expect(send(asked.state, 'when will the review finish?').outcome?.type).toBe('digression');
  });
});

describe('submitting', () => {
  it('the summary is confirmed in a few words as well as with 确认', () => {
    for (const text of ['对的，提交吧', '没问题，确认', '提交吧', '确认无误', '信息无误', 'yes, submit it', 'ok go ahead']) {
      const step = send(last('cancel-transaction', TO_CONFIRM).state, text);
      expect(step.outcome?.type, text).toBe('submit');
    }
    // …and in the merchant's own few yes-words, in any order.
    for (const text of ['可以了提交吧', '就这样吧 提交', '没问题了发吧', '提交申请', 'ok send it', 'yep all good', '好的谢谢']) {
      expect(send(last('cancel-transaction', TO_CONFIRM).state, text).outcome?.type, text).toBe('submit');
    }
    // A correction, a refusal, a question or a bare "嗯嗯" is no confirmation.
    for (const text of ['不对，金额是1208', '先不提交', '可以提交吗', '对 电话改成13900139001', 'wait', '嗯嗯']) {
      expect(send(last('cancel-transaction', TO_CONFIRM).state, text).outcome?.type, text).not.toBe('submit');
    }
  });

  it('the submit outcome carries the flow and every value (fen, ISO date, files, the rule-set type)', () => {
    const step = send(last('cancel-transaction', TO_CONFIRM).state, '确认');
    expect(step.state).toBeUndefined();
    expect(step.say).toEqual([]);
    const outcome = step.outcome!;
    expect(outcome.type).toBe('submit');
    if (outcome.type !== 'submit') return;
    expect(outcome.flow.id).toBe('cancel-transaction');
    expect(outcome.flow.action).toEqual({ type: 'create-request', kind: 'cancel-transaction' });
    expect(outcome.values).toEqual({
      transaction_date: { value: '2026-11-24', display: '2026年11月24日' },
      amount: { value: 128000, display: '¥1,280.00' },
      voucher_no: { value: '000123', display: '000123' },
      merchant_id: { value: MID, display: MID },
      terminal_id: { value: TID, display: TID },
      reason: { value: '顾客退货', display: '顾客退货' },
      slip_photos: { value: [file(1)], display: '1 个文件' },
      phone: { value: PHONE, display: '138****8000' },
      request_type: { value: 'refund', display: '退货' },
    });
  });

  it('a flow without a confirmation submits as soon as it is complete (request-status)', () => {
    const step = last('request-status', ['查询申请状态', MID]);
    expect(step.state).toBeUndefined();
    expect(step.outcome).toMatchObject({ type: 'submit', values: { merchant_id: { value: MID, display: MID } } });
  });

  it('the suspension submits its dates and choices', () => {
    const step = send(last('suspend-settlement', SUSPEND_TO_CONFIRM).state, '确认');
    expect(step.outcome!.type === 'submit' && step.outcome!.values).toEqual({
      settlement_kind: { value: 'payout', display: '资金结算' },
      merchant_id: { value: MID, display: MID },
      reason: { value: 'business_change', display: '经营调整' },
      start_date: { value: '2026-12-01', display: '2026年12月1日' },
      resume_date: { value: '2027-01-05', display: '2027年1月5日' },
      partners_notified: { value: 'no', display: '没有' },
      phone: { value: PHONE, display: '138****8000' },
    });
  });
});

describe('values read by a language model (modelValues)', () => {
  /** One message with what a model read from it. */
  const read = (text: string, modelValues: Record<string, string>): FlowInput => ({ text, modelValues });
  const SAME_DAY_TO_AMOUNT: Msg[] = ['想撤销', MID, TID, '今天']; // pending: amount
  // No amount word before 两百八 (那笔两百八的 would be one): the rules cannot tell it is the amount.
  const FREE_FORM = '店庆那天买的两百八，客人不要了';

  it('fills the empty slots the rules could not read, each as a typed value would be, and asks what is still open', () => {
    // The rules read only the reason (its clause has a cue, 不要了); the date and the amount need the model.
    const rulesOnly = engine.start('cancel-transaction', { text: FREE_FORM }, NOW, 'zh-CN');
    expect(rulesOnly.state!.values).toEqual({ reason: { value: '客人不要了', display: '客人不要了' } });
    const step = engine.start('cancel-transaction', read(FREE_FORM, { transaction_date: '2026-11-11', amount: '两百八', reason: '客人不要了' }), NOW, 'zh-CN');
    expect(step.state!.values).toEqual({
      transaction_date: { value: '2026-11-11', display: '2026年11月11日' },
      amount: { value: 28000, display: '¥280.00' },
      reason: { value: '客人不要了', display: '客人不要了' },
      // The rules run on the values as usual: 14 days ago is a refund.
      request_type: { value: 'refund', display: '退货' },
    });
    // The values read are repeated back (to be corrected now if wrong), then the next open slot is asked.
    expect(step.say.map((s) => s.text)).toEqual([
      flowText('zh-CN', 'flowStart', { title: '撤销 / 退货申请' }) + flowText('zh-CN', 'flowNoted', { values: '交易日期 2026年11月11日、金额 ¥280.00、原因 客人不要了' }),
      prompt('cancel-transaction', 'merchant_id'),
    ]);
    // The reason, read already, is not asked later.
    const toSlip = talk('cancel-transaction', [read(FREE_FORM, { transaction_date: '2026-11-11', amount: '两百八', reason: '客人不要了' }), MID, TID, '凭证号000123', '跳过']);
    expect(lastSaid(toSlip.at(-1)!)).toBe(prompt('cancel-transaction', 'slip_photos'));
  });

  it('several slots from one free-form message, with the rules reading what they can and the model the rest', () => {
    const text = '上周五下午在3号机刷了一笔两百八十块的，客人不要了，手机13800138000';
    const step = engine.start('cancel-transaction', read(text, { transaction_date: '2026-11-20', amount: '两百八十块', reason: '客人不要了', terminal_id: '3号机', phone: '13800138000' }), NOW, 'zh-CN');
    expect(shown(step.state)).toEqual({
      transaction_date: '2026年11月20日',
      amount: '¥280.00',
      reason: '客人不要了',
      phone: '138****8000',
      request_type: '退货',
    });
    // "3号机" is no 8-character terminal ID: dropped, nothing said about it.
    expect(said(step)).not.toMatch(/终端/);
    expect(step.state!.pending).toBe('merchant_id');
  });

  it('the suspension: planned dates read by the model, under notPast and notBefore', () => {
    const atStart = last('suspend-settlement', SUSPEND_TO_START).state!;
    const text = '从下个月初开始停，停到明年春节后';
    const both = send(atStart, read(text, { start_date: '2026-12-01', resume_date: '2027-02-20' }));
    expect(shown(both.state)).toMatchObject({ start_date: '2026年12月1日', resume_date: '2027年2月20日' });
    // A resume date before the start date is refused by the same check as a typed one: not stored, not mentioned.
    const early = send(atStart, read(text, { start_date: '2026-12-01', resume_date: '2026-11-28' }));
    expect(valueOf(early.state, 'start_date')).toBe('2026-12-01');
    expect(valueOf(early.state, 'resume_date')).toBeUndefined();
    expect(lastSaid(early)).toBe(prompt('suspend-settlement', 'resume_date'));
    expect(said(early)).not.toMatch(/11月28日|恢复日期不能/);
  });

  it('an invalid model value is ignored completely: the step is exactly what the rules alone make of the message', () => {
    const atAmount = last('cancel-transaction', SAME_DAY_TO_AMOUNT).state!;
    const atStart = last('suspend-settlement', SUSPEND_TO_START).state!;
    const cases: { state: FlowState | undefined; text: string; values: Record<string, string> }[] = [
      // A transaction date in the future (not allowed), and a day that does not exist.
      { state: undefined, text: FREE_FORM, values: { transaction_date: '2026-11-27' } },
      { state: undefined, text: FREE_FORM, values: { transaction_date: '2026-02-30' } },
      // A planned start in the past (notPast).
      { state: atStart, text: '就从上个月开始吧', values: { start_date: '2026-10-01' } },
      // Not an amount; a negative one.
      { state: atAmount, text: '记不太清了，两百八左右', values: { amount: 'abc' } },
      { state: atAmount, text: '记不太清了，两百八左右', values: { amount: '-280' } },
      // Not one of the options.
      { state: undefined, text: '今天刷的，机器还没结过账', values: { batch_settled: 'maybe' } },
      // A full card number, masked or not, and anything longer than 4 digits, is never a card's last 4.
      { state: undefined, text: '卡号6222021234567890，那笔两百八', values: { card_last4: '6222021234567890' } },
      { state: undefined, text: '卡号622202******7890，那笔两百八', values: { card_last4: '622202******7890' } },
      { state: undefined, text: '卡尾号是12345，那笔两百八', values: { card_last4: '12345' } },
      { state: undefined, text: '卡号6222021234567890，那笔两百八', values: { reason: '卡号6222021234567890' } },
      // Made up: identifiers and text the message does not contain.
      { state: undefined, text: FREE_FORM, values: { merchant_id: MID, voucher_no: '000123', reason: '顾客退货' } },
      // A slot the merchant skipped (reason_detail: "跳过").
      { state: atStart, text: '就从上个月开始吧，店里放假', values: { reason_detail: '店里放假' } },
      // A slot only rules set, a file slot, a slot the flow does not have.
      { state: undefined, text: FREE_FORM, values: { request_type: 'void', slip_photos: 'photo.png', status: 'approved' } },
    ];
    for (const c of cases) {
      const flowId = c.state?.flowId ?? 'cancel-transaction';
      const rulesOnly = c.state ? send(c.state, c.text) : engine.start(flowId, { text: c.text }, NOW, 'zh-CN');
      const withModel = c.state ? send(c.state, read(c.text, c.values)) : engine.start(flowId, read(c.text, c.values), NOW, 'zh-CN');
      expect(withModel, JSON.stringify(c.values)).toEqual(rulesOnly);
    }
    const card = engine.start('cancel-transaction', read('卡号6222021234567890，那笔两百八', { card_last4: '6222021234567890', amount: '两百八' }), NOW, 'zh-CN');
    expect(valueOf(card.state, 'amount')).toBe(28000);
    expect(valueOf(card.state, 'card_last4')).toBeUndefined();
    expect(JSON.stringify(card)).not.toContain('6222021234567890');
  });

  it('a card’s last 4 written in the message is taken', () => {
    const step = engine.start('cancel-transaction', read('那笔两百八，卡尾号7890', { card_last4: '7890', amount: '两百八' }), NOW, 'zh-CN');
    expect(valueOf(step.state, 'card_last4')).toBe('7890');
  });

  it('the rules’ value wins for exact-format fields read from the same message', () => {
    const step = engine.start(
      'cancel-transaction',
      read(CANCEL_START, { transaction_date: '2026-11-23', amount: '128元', voucher_no: '000128', reference_no: '123456789012', terminal_id: '3号店' }),
      NOW,
      'zh-CN',
    );
    expect(step).toEqual(engine.start('cancel-transaction', { text: CANCEL_START }, NOW, 'zh-CN'));
    expect(shown(step.state)).toMatchObject({ transaction_date: '2026年11月24日', amount: '¥1,280.00', voucher_no: '000123' });
    expect(valueOf(step.state, 'reference_no')).toBeUndefined();
  });

  it('the pending slot: the rules read the answer first; the model’s reading only when they cannot', () => {
    const atAmount = last('cancel-transaction', SAME_DAY_TO_AMOUNT).state!;
    const ruled = send(atAmount, read('刷了1280元，不是128', { amount: '128' }));
    expect(valueOf(ruled.state, 'amount')).toBe(128000);
    const unsure = send(atAmount, '记不太清了，就是早上那笔');
    expect(unsure.state!.attempts.amount).toBe(1);
    const step = send(atAmount, read('记不太清了，就是早上那笔', { amount: '两百八' }));
    expect(valueOf(step.state, 'amount')).toBe(28000);
    expect(step.state!.attempts.amount ?? 0).toBe(0);
    expect(said(step)).toBe(prompt('cancel-transaction', 'voucher_no'));
  });

  it('a model value never overwrites a value: given earlier, prefilled, or at the confirmation', () => {
    const atCard = last('cancel-transaction', TO_CARD).state!;
    const step = send(atCard, read('对了，那笔其实是两百八的，日期是前天', { amount: '两百八', transaction_date: '2026-11-23', card_last4: '1234' }));
    expect(step).toEqual(send(atCard, '对了，那笔其实是两百八的，日期是前天'));
    expect(valueOf(step.state, 'amount')).toBe(128000);

    // A number the rules do not read as a merchant ID (odd spacing), which the model does: the prefilled one stands.
    const prefill = { merchant_id: { value: MID, display: MID } };
    const odd = '9876  5432  1098  765 那笔两百八';
    expect(valueOf(engine.start('cancel-transaction', { text: odd }, NOW, 'zh-CN').state, 'merchant_id')).toBeUndefined();
    const started = engine.start('cancel-transaction', read(odd, { merchant_id: '987654321098765', amount: '两百八' }), NOW, 'zh-CN', prefill);
    expect(valueOf(started.state, 'merchant_id')).toBe(MID);
    expect(valueOf(started.state, 'amount')).toBe(28000);
    // Without a value there, the same reading fills it (written in the message, spacing aside).
    expect(valueOf(engine.start('cancel-transaction', read(odd, { merchant_id: '987654321098765' }), NOW, 'zh-CN').state, 'merchant_id')).toBe('987654321098765');

    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    const atSummary = send(confirming, read('那笔是两百八的', { amount: '两百八', reason: '两百八' }));
    expect(atSummary).toEqual(send(confirming, '那笔是两百八的'));
    expect(valueOf(atSummary.state, 'amount')).toBe(128000);
  });

  it('same-day questions are read only when the date makes them asked', () => {
    const today = engine.start('cancel-transaction', read('今天刷的，机器还没结过账，撤销失败了', { batch_settled: 'no', void_tried: 'failed' }), NOW, 'zh-CN');
    expect(shown(today.state)).toMatchObject({ transaction_date: '2026年11月25日', batch_settled: '没有', void_tried: '试过了不行', request_type: '撤销' });
    const yesterday = engine.start('cancel-transaction', read('昨天刷的，机器还没结过账', { batch_settled: 'no' }), NOW, 'zh-CN');
    expect(valueOf(yesterday.state, 'batch_settled')).toBeUndefined();
  });

  it('bare answers are for the rules alone (no model call for them)', () => {
    for (const t of ['确认', '1', '取消', '是，取消', '跳过', '不对', '13800138000', 'ABCD1234', '1280元', '凭证号000123', '上周五', '顾客退货', 'yesterday', '  ']) {
      expect(isBareAnswer(t), t).toBe(true);
    }
    for (const t of [FREE_FORM, '上周五下午在3号机刷了一笔两百八十块的，客人不要了', '记不太清了，两百八左右', 'I charged a customer twice last friday']) {
      expect(isBareAnswer(t), t).toBe(false);
    }
  });
});

describe('batches 36–38 as merchants put it', () => {
  it('"嗯" to "are you sure?" gives up; at the summary it files nothing; "那行 确认" files', () => {
    const state = last('cancel-transaction', TO_CONFIRM).state!;
    const asked = send(state, '算了，老板回来再弄，今天先这样');
    expect(asked.state!.stage).toBe('confirm-cancel');
    for (const text of ['嗯', '嗯嗯', '恩']) expect(send(asked.state, text).outcome, text).toEqual({ type: 'cancelled' });
    expect(send(state, '嗯').outcome?.type).not.toBe('submit');
    expect(send(state, '那行 确认').outcome?.type).toBe('submit');
  });

  it('what the customer changed to is no value changed: "客人改成转账补差价了，这笔不用退了，别提交" gives up', () => {
    const state = last('cancel-transaction', TO_CONFIRM).state!;
    expect(send(state, '等等，老板刚回消息说客人改成转账补差价了，这笔不用退了，别提交').state!.stage).toBe('confirm-cancel');
    // The merchant's own change still changes.
    expect(valueOf(send(state, '金额改成500').state, 'amount')).toBe(50000);
  });

  it('"两笔凭证号是001233和001234，退后面那笔001234": the one said twice; a number with leading zeros is no amount', () => {
    const atVoucher = last('cancel-transaction', ['前天一个车主刷了两次，两笔都是2460，要退一笔', MID, TID]).state!;
    expect(atVoucher.pending).toBe('voucher_no');
    const step = send(atVoucher, '两笔凭证号是001233和001234，退后面那笔001234');
    expect([valueOf(step.state, 'voucher_no'), valueOf(step.state, 'amount')]).toEqual(['001234', 246000]);
  });

  it('the day of the sale, not of the call about it, in one clause: "病人今天打电话来要求退回刷卡那笔"', () => {
    const step = engine.start('cancel-transaction', { text: '我们诊所前天有位病人看牙，先刷卡付了1,350，后来他太太又用微信付了一次。病人今天打电话来要求退回刷卡那笔。' }, NOW, 'zh-CN');
    expect(valueOf(step.state, 'transaction_date')).toBe('2026-11-23');
  });

  it('a story typed by voice without a mark keeps what happened as the reason, not the question after it', () => {
    const step = engine.start('cancel-transaction', { text: '我是开药店的今天上午有个老人家刷的银行卡买了两千四百块的药后来他儿子过来说不要了我在机器上撤消它要什么主管密码我不知道密码' }, NOW, 'zh-CN');
    expect(valueOf(step.state, 'reason')).toBe('后来他儿子过来说不要了');
    expect(valueOf(step.state, 'amount')).toBe(240000);
  });

  it('holds: "从明天开始暂停到账" starts tomorrow, "几时恢复未定" is not known yet, a mortgage taking the money is cash flow', () => {
    const told = engine.start('suspend-settlement', { text: '老板出国，想由明天开始暂停到账，几时恢复未定，商户号' + MID }, NOW, 'zh-CN');
    expect(valueOf(told.state, 'start_date')).toBe('2026-11-26');
    expect(told.state!.pending).not.toBe('resume_date');
    // "停到20号" still names the day it resumes.
    expect(valueOf(engine.start('suspend-settlement', { text: '停到12月20号' }, NOW, 'zh-CN').state, 'resume_date')).toBe('2026-12-20');
    const mortgage = engine.start('suspend-settlement', { text: '这个月那卡要扣房贷，钱一到账就被扣走了，我进货的钱都没了。从明天开始先别往那张卡打了' }, NOW, 'zh-CN');
    expect(valueOf(mortgage.state, 'reason')).toBe('cash_flow');
  });

  it('at a hold\'s questions: "跳过嘛" skips; "冇其他文件了，银行嗰边都讲咗" has told the bank; a start corrected beside "恢复的话待定"', () => {
    const atDocuments = last('suspend-settlement', ['暂停资金结算 商户号' + MID + ' 店里装修', '明天', '下个月15号']).state!;
    expect(atDocuments.pending).toBe('documents');
    expect(send(atDocuments, '执照地址还在改，跳过嘛').state!.pending).toBe('partners_notified');
    const atPartners = send(atDocuments, '跳过').state!;
    expect(valueOf(send(atPartners, '冇其他文件了，银行嗰边都讲咗').state, 'partners_notified')).toBe('yes');
    expect(valueOf(send(atPartners, '没有其他文件了，银行那边都讲了').state, 'partners_notified')).toBe('yes');
    const atResume = last('suspend-settlement', ['花店要搬到新地方 想暂停资金结算 商户号' + MID, '后天开始']).state!;
    expect(atResume.pending).toBe('resume_date');
    const corrected = send(atResume, '等下 开始日期说错了 应该是大后天 恢复的话待定');
    expect([valueOf(corrected.state, 'start_date'), valueOf(corrected.state, 'resume_date')]).toEqual(['2026-11-28', undefined]);
    expect(corrected.state!.pending).toBe('documents');
  });

  it('two slips of a double charge told apart by the voucher number given with them', () => {
    const shared = { merchant_id: MID, terminal_id: TID, amount: '1365.00', card_last4: '0642' };
    const each = [
      { ...shared, voucher_no: '001204', reference_no: '103387265519' },
      { ...shared, voucher_no: '001205', reference_no: '103387265627' },
    ];
    const both = (text: string): FlowInput => ({ text, files: [file(1), file(2)], slip: { values: shared, slots: Object.keys(each[0]!), each } });
    const step = engine.start('cancel-transaction', both('昨天机器卡了一下 客户刷了两次 两张单子都拍了 退后面那笔就行 凭证号001205'), NOW, 'zh-CN');
    expect([valueOf(step.state, 'voucher_no'), valueOf(step.state, 'reference_no')]).toEqual(['001205', '103387265627']);
    // Without it, neither slip's numbers; the voucher given later picks the slip.
    const unsaid = engine.start('cancel-transaction', both('客户刷了两次 两张都拍了'), NOW, 'zh-CN');
    expect(valueOf(unsaid.state, 'reference_no')).toBeUndefined();
    const told = send(unsaid.state, '昨天的 凭证号001204那张');
    expect(valueOf(told.state, 'reference_no')).toBe('103387265519');
  });
});

describe('batches 39–40 as merchants put it', () => {
  it('the last digits said again correct a number ("最后一位是7，不是5", "最后四位是1782")', () => {
    const atConfirm = last('cancel-transaction', TO_CONFIRM).state!;
    const mid = send(atConfirm, '商户号错了一位，最后一位是7，不是5');
    expect(valueOf(mid.state, 'merchant_id')).toBe(MID.slice(0, -1) + '7');
    // "不是X" that is not what is there now: no change.
    expect(valueOf(send(atConfirm, '商户号错了一位，最后一位是7，不是3').state, 'merchant_id')).toBe(MID);
    expect(valueOf(send(atConfirm, '电话错了，最后四位是1782，不是8000').state, 'phone')).toBe('13800131782');
  });

  it('a value replaced beside the answer asked for: "刚才说错了是一千二不是一千五 凭证号000845"', () => {
    const atVoucher = last('cancel-transaction', ['今天上午有个顾客刷了一千五买了件羽绒服下午拿回来说尺码不合适要退', MID, TID]).state!;
    expect(atVoucher.pending).toBe('voucher_no');
    const step = send(atVoucher, '不好意思刚才说错了是一千二不是一千五 凭证号000845');
    expect([valueOf(step.state, 'amount'), valueOf(step.state, 'voucher_no')]).toEqual([120000, '000845']);
  });

  it('"说错了，不是周转的问题，是我们公司要换对公账户": the option said not to be it gives way to "other", with what it is', () => {
    const atStart = last('suspend-settlement', ['帮我暂停一下资金结算，商户号' + MID, '资金周转吧']).state!;
    const step = send(atStart, '说错了，不是周转的问题，是我们公司要换对公账户，新账户下来之前钱先别打');
    expect(valueOf(step.state, 'reason')).toBe('other');
    expect(valueOf(step.state, 'reason_detail')).toBe('是我们公司要换对公账户');
  });

  it('"算了算了 卡号后四位我哪记得 跳过吧" skips; "没有 我们晚上关门才结" to "sure?" goes on with its answer; "你就按这个提交吧" files', () => {
    const atCard = last('cancel-transaction', ['今天下午刷错了一笔 128刷成了1280 在机器上撤不了', MID, TID, '凭证号 000266']).state!;
    expect(atCard.pending).toBe('card_last4');
    const skipped = send(atCard, '算了算了 卡号后四位我哪记得 跳过吧');
    expect(skipped.state!.stage).toBe('collecting');
    expect(skipped.state!.pending).toBe('batch_settled');
    const asked = send(skipped.state, '算了 不弄了');
    expect(asked.state!.stage).toBe('confirm-cancel');
    const goesOn = send(asked.state, '没有 我们晚上关门才结');
    expect(goesOn.state!.stage).toBe('collecting');
    expect(valueOf(goesOn.state, 'batch_settled')).toBe('no');
    const atConfirm = last('cancel-transaction', TO_CONFIRM).state!;
    expect(send(atConfirm, '原因写的啥 哦 算了 不管了 你就按这个提交吧').outcome?.type).toBe('submit');
    expect(send(atConfirm, '算了 先不提交吧').state!.stage).toBe('confirm-cancel');
    expect(send(atConfirm, 'ok go', 'en').outcome?.type).toBe('submit');
  });

  it('English end of day; a school on winter holiday is a business change', () => {
    const today = engine.start('cancel-transaction', { text: 'need 2 refund a card payment from today around 3pm, RMB 3.6k. overcharged the guy. already did end of day settlement on the machine tho' }, NOW, 'en');
    expect(valueOf(today.state, 'batch_settled')).toBe('yes');
    const school = engine.start('suspend-settlement', { text: '我们培训学校放寒假了，昨天开始就没课了，结算能不能从今天开始停' }, NOW, 'zh-CN');
    expect(valueOf(school.state, 'reason')).toBe('business_change');
  });
});

describe('batches 44–49 as merchants put it', () => {
  it('"中午我们就结算过了" and Cantonese "部機已經做咗結算" answer the batch question; "兩次都係388" is the amount', () => {
    const settled = engine.start('cancel-transaction', { text: '今天上午刷了999 中午我们就结算过了 机器上撤不了' }, NOW, 'zh-CN');
    expect([valueOf(settled.state, 'batch_settled'), valueOf(settled.state, 'request_type')]).toEqual(['yes', 'refund']);
    // "还没结算过" is still a no.
    expect(valueOf(engine.start('cancel-transaction', { text: '今天刷了999 还没结算过 机器上撤不了' }, NOW, 'zh-CN').state, 'batch_settled')).toBe('no');
    const hk = engine.start('cancel-transaction', { text: '今日下晝收銀員手滑，同一個客碌多咗一次卡，兩次都係388，部機已經做咗結算' }, NOW, 'zh-CN');
    expect([valueOf(hk.state, 'amount'), valueOf(hk.state, 'batch_settled')]).toEqual([38800, 'yes']);
  });

  it('"前天有笔刷了1850的要退，不对，是1580": the amount after the correction; "哦刚才尾号说错了，是3309" at the reason question corrects the card', () => {
    const opener = engine.start('cancel-transaction', { text: '前天有笔刷了1850的要退，不对，是1580，我看错了' }, NOW, 'zh-CN');
    expect(valueOf(opener.state, 'amount')).toBe(158000);
    const atReason = last('cancel-transaction', ['', MID, TID, '前天下午', '1999元', '参考号 732016485093', '尾号3390']).state!;
    expect(atReason.pending).toBe('reason');
    const corrected = send(atReason, '哦刚才尾号说错了，是3309');
    expect(valueOf(corrected.state, 'card_last4')).toBe('3309');
    expect(valueOf(corrected.state, 'reason')).toBeUndefined();
  });

  it('what sounded like giving up at the reason question is the reason when the merchant goes on: "客人回家他老婆不同意，不办了"', () => {
    const atReason = last('cancel-transaction', ['昨天那笔3980的要退掉', MID, TID, '凭证号 031195', '跳过']).state!;
    expect(atReason.pending).toBe('reason');
    const asked = send(atReason, '客人回家他老婆不同意，不办了');
    expect(asked.state!.stage).toBe('confirm-cancel');
    const goesOn = send(asked.state, '否，继续');
    expect(valueOf(goesOn.state, 'reason')).toBe('客人回家他老婆不同意，不办了');
    expect(goesOn.state!.pending).not.toBe('reason');
    // Given up after all: nothing is kept.
    expect(send(asked.state, '是，取消').outcome?.type).toBe('cancelled');
  });

  it('"以签购单上这个为准" takes the slip\'s merchant ID; "不对不对 拍错了 不是这张" with no photo drops the last one and what it filled', () => {
    const slipMid = '898320154110291';
    const typed = last('cancel-transaction', ['我们二店昨晚有个顾客买烟刷了两遍 一遍是398 麻烦帮退一笔 商户号898320154110283', '32019956']).state!;
    const read = send(typed, { text: '', files: [file(4)], slip: { values: { merchant_id: slipMid, voucher_no: '002716' }, slots: ['merchant_id', 'voucher_no'] } });
    expect(valueOf(read.state, 'merchant_id')).toBe('898320154110283');
    const taken = send(read.state, '哦对 商户号以签购单上这个为准 是二店的 我刚给的是一店的');
    expect(valueOf(taken.state, 'merchant_id')).toBe(slipMid);

    const wrong = engine.start('cancel-transaction', { text: '这笔多刷了一次 要退给人家', files: [file(5)], slip: { values: { merchant_id: MID, terminal_id: TID, amount: '45.00', voucher_no: '001130' }, slots: ['merchant_id', 'terminal_id', 'amount', 'voucher_no'] } }, NOW, 'zh-CN');
    expect(valueOf(wrong.state, 'voucher_no')).toBe('001130');
    const dropped = send(wrong.state, '不对不对 拍错了 不是这张');
    expect(dropped.say[0]!.text).toBe(flowText('zh-CN', 'flowSlipDropped'));
    expect([valueOf(dropped.state, 'voucher_no'), valueOf(dropped.state, 'amount'), valueOf(dropped.state, 'slip_photos')]).toEqual([undefined, undefined, undefined]);
    const right = send(dropped.state, { text: '是这张', files: [file(6)], slip: { values: { merchant_id: MID, terminal_id: TID, amount: '136.00', voucher_no: '001134' }, slots: ['merchant_id', 'terminal_id', 'amount', 'voucher_no'] } });
    expect([valueOf(right.state, 'amount'), valueOf(right.state, 'voucher_no')]).toEqual([13600, '001134']);
    // "啱，冇錯" confirms what was read.
    expect(send(right.state, '啱，冇錯').say[0]!.text.startsWith(flowText('zh-CN', 'flowSlipConfirmed'))).toBe(true);
  });

  it('a hold taken up again after the batch explanation keeps the reason said with it; "新店开业时间还没定", "仲未知 装完先讲" are no resume day yet', () => {
    const asked = last('suspend-settlement', ['我想取消结算']).state!;
    const stopped = send(asked, '每天晚上要按的那个');
    expect(stopped.stoppedAt).toBeDefined();
    const rule = stopped.outcome?.type === 'stopped' ? stopped.outcome.rule : '';
    const resumed = engine.resumeStopped(stopped.stoppedAt!, rule, { text: '哦 那我要的是暂停资金结算 过年店里放假' }, NOW, 'zh-CN');
    expect([valueOf(resumed?.state, 'settlement_kind'), valueOf(resumed?.state, 'reason')]).toEqual(['payout', 'business_change']);
    const moving = engine.start('suspend-settlement', { text: `商户号${MID} 店要搬到新地方 结算先停掉 从后天开始 新店开业时间还没定 银行那边已经说过了` }, NOW, 'zh-CN');
    expect(moving.state!.skipped).toContain('resume_date');
    expect(moving.state!.pending).not.toBe('resume_date');
    const atResume = last('suspend-settlement', ['我哋间铺要装修 老细话结算先停住', MID, '听日开始']).state!;
    expect(atResume.pending).toBe('resume_date');
    expect(send(atResume, '仲未知 装完先讲').state!.pending).not.toBe('resume_date');
  });
});

describe('batches 50–55 as merchants put it', () => {
  it('"003716写成003761了" keeps the first; "你看成000457了" drops what was misread; "把金额改一下 改成1,959" at the reason question', () => {
    const atCard = last('cancel-transaction', ['帮我申请个退款 前天刷的436', MID, TID, '003761']).state!;
    expect(valueOf(send(atCard, '不好意思 凭证号写错了 003716写成003761了').state, 'voucher_no')).toBe('003716');
    expect(valueOf(send(atCard, '凭证号不对 签购单上印的是000451 照片反光你看成000457了 其他都对').state, 'voucher_no')).toBe('000451');
    const atReason = last('cancel-transaction', ['', MID, TID, '3天前', '1,599', '参考号 608213775904', '跳过']).state!;
    expect(atReason.pending).toBe('reason');
    const changed = send(atReason, '把金额改一下 改成1,959 刚才看错行了');
    expect(valueOf(changed.state, 'amount')).toBe(195900);
    expect(valueOf(changed.state, 'reason')).toBeUndefined();
  });

  it('"恢复日期不对 不是两个礼拜 要停三个礼拜 装修队说要多干一周" at the summary counts three weeks from the start, and says no false "kept"', () => {
    const atConfirm = last('suspend-settlement', ['店里要装修 结算先帮我停一下 从明天开始停 停两个礼拜', MID, '没有 先跳过', '银行那边说过了', PHONE]).state!;
    expect(atConfirm.stage).toBe('confirming');
    expect(valueOf(atConfirm, 'resume_date')).toBe('2026-12-10');
    const step = send(atConfirm, '恢复日期不对 不是两个礼拜 要停三个礼拜 装修队说要多干一周');
    expect(valueOf(step.state, 'resume_date')).toBe('2026-12-17');
    expect(step.say.map((x) => x.text).join('\n')).not.toContain('已保留原来的值');
  });

  it('"嗯 先取消" to "sure?" gives up', () => {
    const asked = send(last('cancel-transaction', ['要申请退款', MID]).state, '终端号我得去店里看 先这样吧 明天再弄');
    expect(asked.state!.stage).toBe('confirm-cancel');
    expect(send(asked.state, '嗯 先取消').outcome?.type).toBe('cancelled');
  });

  it('English holds: "not sure yet when we reopen" is no resume day yet; "the money going into my bank account" is the kind, not a reason', () => {
    const opened = engine.start('suspend-settlement', { text: 'can u hold my payouts? shop is being renovated, starting tmrw, not sure yet when we reopen' }, NOW, 'en');
    expect(opened.state!.skipped).toContain('resume_date');
    const kind = last('suspend-settlement', ['need to stop settlement for a while', 'the money going into my bank account'], { locale: 'en' }).state!;
    expect(valueOf(kind, 'settlement_kind')).toBe('payout');
    expect([valueOf(kind, 'reason'), valueOf(kind, 'reason_detail')]).toEqual([undefined, undefined]);
  });

  it("a supplement's note given with its label in the first message is not asked again", () => {
    const step = engine.start('supplement-materials', { text: '审核让我补营业执照，单号CX-20261203-0001，商户号834520017639402。补充说明：执照上是旧店名', files: [file(9, 'application/pdf', 'pdf')] }, NOW, 'zh-CN');
    expect(valueOf(step.state, 'note')).toBe('执照上是旧店名');
    expect(step.state!.stage).toBe('confirming');
  });
});

describe('batches 56–61 as merchants put it', () => {
  it('"sure?" answered with a yes first ("对对对 你取消吧", "嗯呐 拉倒", "系呀 唔使搞喇") gives up; dialect give-ups ask "sure?"', () => {
    const atTerminal = last('cancel-transaction', ['前天刷错了一笔 帮我整回去', MID]).state!;
    for (const giveUp of ['拉倒吧 不整了 顾客说算了', '莫弄了莫弄了 客人又讲不退哒']) {
      const asked = send(atTerminal, giveUp);
      expect(asked.state?.stage, giveUp).toBe('confirm-cancel');
      for (const yes of ['对对对 你取消吧', '嗯呐 拉倒', '系呀 唔使搞喇', '是的 莫弄哒']) expect(send(asked.state, yes).outcome?.type, yes).toBe('cancelled');
      // A yes that goes on, or carries a value, is no giving up.
      expect(send(asked.state, '好 那继续吧').outcome?.type).not.toBe('cancelled');
      expect(send(asked.state, '对 终端号是12345678').outcome?.type).not.toBe('cancelled');
    }
  });

  it("card digits read out ('七三零九', '五 五 八 二') are the card's; a correction naming the card leaves the amount alone", () => {
    const atCard = last('cancel-transaction', ['前天那单要退 金额1999 凭证号005620', MID, TID]).state!;
    expect(atCard.pending).toBe('card_last4');
    const read = send(atCard, '七三零六');
    expect(valueOf(read.state, 'card_last4')).toBe('7306');
    const corrected = send(read.state, '卡号后四位说错了，是七三零九，不是七三零六');
    expect([valueOf(corrected.state, 'card_last4'), valueOf(corrected.state, 'amount')]).toEqual(['7309', 199900]);
    expect(valueOf(send(atCard, '五 五 八 二').state, 'card_last4')).toBe('5582');
  });

  it('"上个礼拜的今天" is a week ago; "老家有急事" is a business change', () => {
    const atDate = last('cancel-transaction', ['我要申请退款', MID, TID, '前天']).state!;
    const corrected = send(atDate, '不对不对，不是前天，是上个礼拜的今天，正好一个礼拜前');
    expect(valueOf(corrected.state, 'transaction_date')).toBe('2026-11-18');
    const hold = engine.start('suspend-settlement', { text: '老家有急事要回去，从下周五开始把结算停了' }, NOW, 'zh-CN');
    expect(valueOf(hold.state, 'reason')).toBe('business_change');
  });
});

describe('batches 62–67 as merchants put it', () => {
  it('slots by their nicknames and corrections said as "报错了 / 看反了": "刚才流水号报错了 是000572", "机器号刚才打错了"', () => {
    const atCard = last('cancel-transaction', ['昨天下午刷的1260 帮我申请退款 流水号000527', MID, TID]).state!;
    expect(atCard.pending).toBe('card_last4');
    const step = send(atCard, '尾号3391 刚才流水号报错了 是000572 我看反了');
    expect([valueOf(step.state, 'card_last4'), valueOf(step.state, 'voucher_no')]).toEqual(['3391', '000572']);
    const atAmount = last('cancel-transaction', ['3天前刷的一笔要退 帮我申请一下', MID, '机器号47019265']).state!;
    expect(valueOf(atAmount, 'terminal_id')).toBe('47019265');
    const fixed = send(atAmount, '880 等下 机器号刚才打错了 应该是47019256');
    expect(valueOf(fixed.state, 'terminal_id')).toBe('47019256');
    // A mobile's 机号 is no terminal.
    expect(valueOf(send(atAmount, '880 手机号13800138000').state, 'terminal_id')).toBe('47019265');
  });

  it('"卡尾号就不填了" said with the facts skips the card before it is asked', () => {
    const step = engine.start('cancel-transaction', { text: `今天上午刷的，刷重复了两次，这是多的那笔：商户${MID} 终端${TID} 凭证000386 金额三百二十元。还没结算，机器上撤了提示要主管密码撤不了。卡尾号就不填了，手机${PHONE}` }, NOW, 'zh-CN');
    expect(step.state!.skipped).toContain('card_last4');
    expect(step.state!.pending).toBe('slip_photos');
    // A phone's 尾号 is not the card's.
    expect(engine.start('cancel-transaction', { text: '昨天刷的480要退 手机尾号不知道' }, NOW, 'zh-CN').state!.skipped).not.toContain('card_last4');
  });

  it('"卡尾 2093", Cantonese "卡尾数系7734"; a phone read out in groups with commas; "还莫结算"', () => {
    const atVoucher = last('cancel-transaction', [`${MID} ${TID} 昨日碌多咗一单 1680蚊`]).state!;
    const step = send(atVoucher, '凭证 012905，卡尾 2093，电话 15366092841');
    expect([valueOf(step.state, 'voucher_no'), valueOf(step.state, 'card_last4'), valueOf(step.state, 'phone')]).toEqual(['012905', '2093', '15366092841']);
    expect(valueOf(engine.start('cancel-transaction', { text: '唔该，琴日有位客买咗部相机，话唔啱用要退返，卡尾数系7734' }, NOW, 'zh-CN').state, 'card_last4')).toBe('7734');
    expect(valueOf(engine.start('cancel-transaction', { text: '这笔要退款，电话是幺八六，幺二零七，三四五九' }, NOW, 'zh-CN').state, 'phone')).toBe('18612073459');
    const atBatch = last('cancel-transaction', SAME_DAY).state!;
    expect(valueOf(send(atBatch, '还莫结算').state, 'batch_settled')).toBe('no');
  });
});

describe('batches 76–77 as merchants put it', () => {
  it('a story told with no reason word is the reason; a request with its facts is no story', () => {
    const told = engine.start('cancel-transaction', { text: '十天前有对新人在我们影楼订了套婚纱照6800 刷卡付的 结果前天晚上暴雨 摄影棚进水了 布景全泡了 最少一个月拍不了 人家下个月就办酒等不了 只能把钱还给人家' }, NOW, 'zh-CN');
    expect(String(valueOf(told.state, 'reason'))).toContain('摄影棚进水了');
    expect(told.state!.pending).toBe('merchant_id');
    // Told before the merchant ID that took the offer, with the question it asked left out.
    const offered = engine.start('cancel-transaction', { text: '三天前有个老太太在我们国医馆抓了十副中药 代煎的 刷卡960 今天她儿子过来说老太太住院了 医生不让喝中药 药我们还没煎 这钱能不能回到她卡上\n商户号846013927758240' }, NOW, 'zh-CN');
    expect(String(valueOf(offered.state, 'reason'))).toContain('医生不让喝中药');
    expect(String(valueOf(offered.state, 'reason'))).not.toContain('能不能');
    for (const text of ['您好，我想申请撤销一笔交易，昨天下午刷的，金额五百元，帮我处理一下', `申请退货 商户号${MID} 终端${TID} 昨天 880元 凭证号000123`]) {
      expect(engine.start('cancel-transaction', { text }, NOW, 'zh-CN').state!.values, text).not.toHaveProperty('reason');
    }
    const hold = engine.start('suspend-settlement', { text: '俺跟合伙那人闹掰了 他管着收款那张卡 这几天刷卡的钱一进去他就转走 俺一分见不着 能不能先叫打款停了 等俺俩把账算清再说' }, NOW, 'zh-CN');
    expect(valueOf(hold.state, 'reason')).toBe('other');
    expect(String(valueOf(hold.state, 'reason_detail'))).toContain('闹掰了');
    expect(engine.start('suspend-settlement', { text: '你好，我想申请暂停我们店的资金结算，从明天开始，下个月一号恢复' }, NOW, 'zh-CN').state!.values).not.toHaveProperty('reason');
  });

  it('what the bank said of how long an account takes is no compliance reason; the bank saying to stop is', () => {
    const change = engine.start('suspend-settlement', { text: '我们结算账户要从我个人卡换成公司对公户 对公户还在开 银行说要一个礼拜左右 这中间钱先别打' }, NOW, 'zh-CN');
    expect(valueOf(change.state, 'reason')).toBe('other');
    const told = engine.start('suspend-settlement', { text: `我们店被人投诉了 银行说要先停结算配合调查 商户号${MID}` }, NOW, 'zh-CN');
    expect(valueOf(told.state, 'reason')).toBe('compliance');
  });

  it('"Confirmed, please submit." and pinyin "queren" confirm the summary', () => {
    for (const text of ['Confirmed, please submit.', 'queren', 'confirmed']) expect(send(last('cancel-transaction', TO_CONFIRM).state, text).outcome?.type, text).toBe('submit');
  });

  it('labelled answers in one line ("材料：无；银行：已告知"); "说了也没用" is no yes', () => {
    const step = engine.start('suspend-settlement', { text: `申请暂停资金结算。商户号：${MID}；原因：门店升级收银系统；开始：明天；恢复：二十天后；材料：无；银行：已告知；联系电话：${PHONE}` }, NOW, 'zh-CN');
    expect(step.state!.skipped).toContain('documents');
    expect(valueOf(step.state, 'partners_notified')).toBe('yes');
    expect(step.state!.stage).toBe('confirming');
    const atPartners = last('suspend-settlement', ['俺要暂停资金结算 店里装修', MID, '今天', '下个月十号', '没有材料']).state!;
    expect(atPartners.pending).toBe('partners_notified');
    expect(valueOf(send(atPartners, '银行没说 说了也没用 卡是他的名').state, 'partners_notified')).toBe('no');
  });

  it('days: "这两天后台…" is no day; 后儿个 is 后天; a length said after its verb wins ("二十来天 那就停二十五天吧")', () => {
    const hold = engine.start('suspend-settlement', { text: '这两天后台看那台机器半夜还在刷 怀疑被人拿去套现 结算打款赶紧停了' }, NOW, 'zh-CN');
    expect(hold.state!.values).not.toHaveProperty('start_date');
    const atStart = last('suspend-settlement', ['冬天没人来 每年这时候都关店 想暂停资金结算', MID]).state!;
    expect(atStart.pending).toBe('start_date');
    const started = send(atStart, '从后儿个起');
    expect(valueOf(started.state, 'start_date')).toBe('2026-11-27');
    expect(valueOf(send(started.state, '新老板说执照得办二十来天 那就停二十五天吧').state, 'resume_date')).toBe('2026-12-22');
  });

  it('one day and a resume word in another clause about something else: the day is the start', () => {
    const step = engine.start('suspend-settlement', { text: '俺这店兑出去了 大后天跟新老板交接 交接完这机器上刷的就不是俺的钱了 打款先给停了吧 等新老板执照办下来 换成他的户再开' }, NOW, 'zh-CN');
    expect(valueOf(step.state, 'start_date')).toBe('2026-11-28');
    expect(step.state!.values).not.toHaveProperty('resume_date');
    // Right beside its word, the day is still the resume day.
    expect(valueOf(engine.start('suspend-settlement', { text: '店里装修 结算先停了吧 下个月十号再开' }, NOW, 'zh-CN').state, 'resume_date')).toBe('2026-12-10');
  });

  it('"卡尾号她说是4083" where the amount is asked is the card; "全款一千二百六" is the amount', () => {
    const atAmount = last('cancel-transaction', ['想撤销', `商户号${MID} 终端号${TID}`, '凭证号002617']).state!;
    const step = send(atAmount, '卡尾号她说是4083');
    expect(valueOf(step.state, 'card_last4')).toBe('4083');
    expect(step.state!.values).not.toHaveProperty('amount');
    expect(valueOf(engine.start('cancel-transaction', { text: '大前天有个女的订了生日蛋糕当时刷卡付的全款一千二百六结果今天早上她打电话说寿宴不办了' }, NOW, 'zh-CN').state, 'amount')).toBe(126000);
  });

  it('"弄不成 叫刷原来那张卡" tried the void; "没跟其他人说" told no partner; "for today" is the day a ticket was for, not the sale\'s', () => {
    const atVoid = last('cancel-transaction', [...SAME_DAY, '没结算']).state!;
    expect(atVoid.pending).toBe('void_tried');
    expect(valueOf(send(atVoid, '在机器上点撤销了 叫刷原来那张卡 人早走了 弄不成').state, 'void_tried')).toBe('failed');
    const atPartners = last('suspend-settlement', ['俺要暂停资金结算 店里装修', MID, '今天', '下个月十号', '没有材料']).state!;
    expect(valueOf(send(atPartners, '没跟其他人说').state, 'partners_notified')).toBe('no');
    const ferry = engine.start('cancel-transaction', { text: 'yesterday one family buy 4 ticket for today, 520 by card. today strong wind, all boat stop. they want money back to card' }, NOW, 'en');
    expect(valueOf(ferry.state, 'transaction_date')).toBe('2026-11-24');
  });

  it('English: "Please go ahead and submit it."; "move our shop to new address" is a business change; "my staff charge customer 1880 but she only want the 880"', () => {
    expect(send(last('cancel-transaction', TO_CONFIRM).state, 'Please go ahead and submit it.').outcome?.type).toBe('submit');
    expect(valueOf(engine.start('suspend-settlement', { text: 'hi. we move our shop to new address, so close from tomorrow. please stop send money to my bank' }, NOW, 'en').state, 'reason')).toBe('business_change');
    expect(valueOf(engine.start('cancel-transaction', { text: 'this morning my staff charge customer 1880 but she only want the 880 package. need cancel this one' }, NOW, 'en').state, 'amount')).toBe(188000);
    const atAmount = last('cancel-transaction', ['this morning my staff charged a customer by mistake, need cancel', `mid ${MID}, tid ${TID}`], { locale: 'en' }).state!;
    expect(valueOf(send(atAmount, 'no not settle yet, we settle at night', 'en').state, 'batch_settled')).toBe('no');
  });

  it('a decision after what was reported ("通知上写的是12号到20号 那就12号到20号停 21号恢复"); licences and inspections are compliance', () => {
    const atReason = last('suspend-settlement', ['想把结算打款停一哈', MID]).state!;
    const step = send(atReason, '通知上写的是下个月12号到20号停业整顿 那就12号到20号停 21号恢复');
    expect([valueOf(step.state, 'start_date'), valueOf(step.state, 'resume_date')]).toEqual(['2026-12-12', '2026-12-21']);
    expect(valueOf(step.state, 'reason')).toBe('compliance');
    expect(valueOf(engine.start('suspend-settlement', { text: '我们这个过早的铺子食品经营许可证过期了 正在重新办 没办下来之前市场监管不让开 刷卡的钱先莫往我卡里打了' }, NOW, 'zh-CN').state, 'reason')).toBe('compliance');
    expect(valueOf(engine.start('suspend-settlement', { text: 'in winter nobody come, so we close from 20th of this month and repair the bathrooms. please hold our payouts' }, NOW, 'en').state, 'reason')).toBe('business_change');
    // A refit, a fire, a flood, a trip told as the story are a business change, not "other".
    for (const text of ['唔该 我间糖水铺厨房漏水 要成个翻新 后日开始停三个礼拜 呢排啲钱唔好过数落我张卡住', '我们洗衣店昨天晚上烘干机着火了 机器烧坏两台 这阵子肯定开不了门 这段时间刷卡进来的钱先别往我卡里打']) {
      expect(valueOf(engine.start('suspend-settlement', { text }, NOW, 'zh-CN').state, 'reason'), text).toBe('business_change');
    }
  });

  it('"yes now is correct, confirm"; Shanghainese "覅弄了" gives up; "实际是680 多按了个0" and "回头再刷680" are no amount', () => {
    expect(send(last('cancel-transaction', TO_CONFIRM).state, 'yes now is correct, confirm').outcome?.type).toBe('submit');
    const atReason = last('suspend-settlement', ['阿拉店里年底想歇两个礼拜 结算先停', MID, '后天开始', '停两个礼拜']).state!;
    expect(send(atReason, '哎 等一歇 年底生意好 店勿关了 覅弄了').state!.stage).toBe('confirm-cancel');
    const atAmount = last('cancel-transaction', SAME_DAY.slice(0, 4)).state!;
    expect(atAmount.pending).toBe('amount');
    expect(send(atAmount, '金额不对 实际是680 多按了个0').state!.values).not.toHaveProperty('amount');
    expect(send(atAmount, '那就整笔撤了 我让客人回头再刷680').state!.values).not.toHaveProperty('amount');
  });

  it('the summary confirmed after words that change nothing ("老板说没问题 交吧 确认", "啱喇 确认", "ok can, submit lor"); a correction decided with 那就是', () => {
    for (const text of ['啱喇 确认', 'ok can, submit lor', '确认 整吧', '好 交上去', '好de 确认']) expect(send(last('cancel-transaction', TO_CONFIRM).state, text).outcome?.type, text).toBe('submit');
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    const asked = send(confirming, '先别交 我问下老板').state!;
    expect(asked.stage).toBe('confirm-cancel');
    expect(send(asked, '老板说没问题 交吧 确认').outcome?.type).toBe('submit');
    // A correction in it still corrects.
    expect(send(confirming, '老板说金额是1300 确认').outcome?.type).not.toBe('submit');
    const atPhone = last('suspend-settlement', ['俺要暂停资金结算 店里装修', MID, '今天', '下个月十号', '没有材料', '俺对象去银行说过了']).state!;
    expect(valueOf(atPhone, 'partners_notified')).toBe('yes');
    const fixed = send(atPhone, '哎不对 俺寻思俺对象去银行说了 刚打电话问她 她还没去呢 那就是还没通知');
    expect(valueOf(fixed.state, 'partners_notified')).toBe('no');
  });

  it('a day said roughly ("一个半月前") gives way to the slip\'s printed day; "after 10 minute" is no amount; "Yes please, submit it." is no reason', () => {
    const rough = engine.start('cancel-transaction', { text: '一个半月前有个客户定了一批橱柜门板 6400 刷卡付的 客户不等了要退钱' }, NOW, 'zh-CN');
    expect(valueOf(rough.state, 'transaction_date')).toBe('2026-10-11');
    const read = send(rough.state, { text: '', files: [file(7)], slip: { values: { transaction_date: '2026-10-09' }, slots: ['transaction_date'] } });
    expect(valueOf(read.state, 'transaction_date')).toBe('2026-10-09');
    expect(said(read)).not.toContain('已保留您提供的');
    // A day said exactly stands.
    const exact = engine.start('cancel-transaction', { text: '10月11号刷的6400 客户要退' }, NOW, 'zh-CN');
    expect(said(send(exact.state, { text: '', files: [file(7)], slip: { values: { transaction_date: '2026-10-09' }, slots: ['transaction_date'] } }))).toContain('已保留您提供的');
    expect(valueOf(engine.start('cancel-transaction', { text: 'one and half month ago a man buy spa voucher 2680 for his wife birthday. she come yesterday first time, after 10 minute her skin very red. manager agree give all the money back' }, NOW, 'en').state, 'amount')).not.toBe(1000);
    const atReason = last('cancel-transaction', [...TO_CARD, '跳过']).state!;
    expect(send(atReason, 'Yes please, submit it.', 'en').state!.values).not.toHaveProperty('reason');
    // "Yes, that's everything. Please submit." where documents are asked sends none.
    const atDocuments = last('suspend-settlement', ['店里装修 结算先停了吧', MID, '明天', '下个月十号'], { locale: 'en' }).state!;
    expect(atDocuments.pending).toBe('documents');
    expect(send(atDocuments, "Yes, that's everything. Please submit.", 'en').state!.skipped).toContain('documents');
    // What is to be paid again is no correction of the amount; "Settlement not done" is no settlement.
    const rung = engine.start('cancel-transaction', { text: "last night one of our bartenders rang up a customer's tab as ¥2,340 instead of ¥234" }, NOW, 'en');
    expect(valueOf(send(rung.state, "The customer's fine with us putting the whole ¥2,340 back on his card, he'll pay the ¥234 again in cash.", 'en').state, 'amount')).toBe(234000);
    const atCard = last('cancel-transaction', ['想撤销', MID, TID, '今天', '1280', '凭证号000123']).state!;
    expect(valueOf(send(atCard, 'Settlement not done, we are doing only at night time', 'en').state, 'batch_settled')).toBe('no');
  });

  it('an option of a later question named in the slip photo\'s caption is kept ("…还没结算 撤销要刷原卡" + the slip); "we don\'t tell bank"', () => {
    const atVoucher = last('cancel-transaction', ['今天中午刷错了一笔 要撤销', MID, TID]).state!;
    const step = send(atVoucher, { text: '就这张 88块的刷成880了 还没结算 撤销要刷原卡', files: [file(7)], slip: { values: { voucher_no: '000057', amount: '880.00' }, slots: ['voucher_no', 'amount'] } });
    expect(valueOf(step.state, 'batch_settled')).toBe('no');
    expect(step.state!.pending).not.toBe('batch_settled');
    const atPartners = last('suspend-settlement', ['俺要暂停资金结算 店里装修', MID, '今天', '下个月十号', '没有材料']).state!;
    expect(valueOf(send(atPartners, "we don't tell bank", 'en').state, 'partners_notified')).toBe('no');
  });

  it('English: "11 o clock" is no amount, "she input 2990" is; "i try void already, it ask the card again" tried the void', () => {
    const step = engine.start('cancel-transaction', { text: 'hello sir. today 11 o clock my cashier make mistake, customer lunch is 299 but she input 2990. customer already go back' }, NOW, 'en');
    expect(valueOf(step.state, 'amount')).toBe(299000);
    const atVoid = last('cancel-transaction', SAME_DAY, { locale: 'en' }).state!;
    const voidAsked = send(atVoid, 'not settle yet, we settle at night', 'en').state!;
    expect(voidAsked.pending).toBe('void_tried');
    expect(valueOf(send(voidAsked, 'i try void already, it ask the card again, customer gone', 'en').state, 'void_tried')).toBe('failed');
  });
});

describe('fresh batches 88–89: how merchants hold, confirm and give up', () => {
  it('a day alone repeating a named date is that date; 下下个月; "29号开始照常" names the resume day; "你就写25天" is the length decided', () => {
    const atStart = last('suspend-settlement', ['卡上就别给我走账了 开学了再说', MID, '经营调整']).state!;
    expect(atStart.pending).toBe('start_date');
    const start = send(atStart, '1月10号放假 就从10号开始').state!;
    expect([valueOf(start, 'start_date'), valueOf(start, 'resume_date')]).toEqual(['2027-01-10', undefined]);
    // "那天开始正常打" is when the money flows again, not a new start.
    expect(valueOf(send(start, '2月20号开学 那天开始正常打').state, 'resume_date')).toBe('2027-02-20');
    expect(valueOf(send(atStart, '明天起吧 先停到下下个月5号').state, 'resume_date')).toBe('2027-01-05');
    const ranged = engine.start('suspend-settlement', { text: '我们超市盘点 27号到28号这两天不营业\n这几天你们打款先停掉 29号开始照常' }, NOW, 'zh-CN').state!;
    expect([valueOf(ranged, 'start_date'), valueOf(ranged, 'resume_date')]).toEqual(['2026-11-27', '2026-11-29']);
    // "3号再开始打" names when payouts start again; "从明天开始打款先停" when they stop.
    const again = engine.start('suspend-settlement', { text: '先停到1月3号 3号再开始打' }, NOW, 'zh-CN').state!;
    expect([valueOf(again, 'start_date'), valueOf(again, 'resume_date')]).toEqual([undefined, '2027-01-03']);
    const stops = engine.start('suspend-settlement', { text: '从明天开始打款先停 停到1月3号' }, NOW, 'zh-CN').state!;
    expect([valueOf(stops, 'start_date'), valueOf(stops, 'resume_date')]).toEqual(['2026-11-26', '2027-01-03']);
    expect(valueOf(engine.start('suspend-settlement', { text: '月底要搬 结算想先停一停' }, NOW, 'zh-CN').state, 'reason')).toBe('business_change');
    const atResume = send(atStart, '今天就开始').state!;
    expect(atResume.pending).toBe('resume_date');
    expect(valueOf(send(atResume, '律师说解冻大概要二十来天 保险点 你就写25天').state, 'resume_date')).toBe('2026-12-20');
  });

  it('"没有材料" where the reason is asked answers the documents ahead and asks the reason again, no "必填"', () => {
    const atReason = last('suspend-settlement', ['这几天你们打款先停掉', MID]).state!;
    expect(atReason.pending).toBe('reason');
    const step = send(atReason, '没有材料');
    expect(step.state!.skipped).toContain('documents');
    expect(step.state!.pending).toBe('reason');
    expect(step.say.map((s) => s.text).join('')).not.toContain(flowText('zh-CN', 'flowCannotSkip'));
  });

  it('partners told or not in more words; a resume day corrected at the summary by "…号回来"', () => {
    const atPartners = last('suspend-settlement', [...SUSPEND_TO_START, '12月1日', '2027年1月5日', '跳过']).state!;
    expect(atPartners.pending).toBe('partners_notified');
    for (const text of ['银行那边 总部财务已经报过了', '已书面告知开户银行。', '银行那边律师已经去沟通过了']) expect(valueOf(send(atPartners, text).state, 'partners_notified'), text).toBe('yes');
    for (const text of ['银行没有讲', '银行那边还没去说']) expect(valueOf(send(atPartners, text).state, 'partners_notified'), text).toBe('no');
    const confirming = last('suspend-settlement', SUSPEND_TO_CONFIRM).state!;
    expect(valueOf(send(confirming, '哎呀 不对不对 我记错了 是1月12号回来 车票是12号的 麻烦你改一下哦').state, 'resume_date')).toBe('2027-01-12');
  });

  it('the summary confirmed in courteous, formal and Indian or Filipino English words', () => {
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    for (const text of ['以上信息核对无误，请予提交。', '好的好的 麻烦您确认提交吧 谢谢啊', '对的 就这么弄 谢谢你们了']) expect(send(confirming, text).outcome, text).toMatchObject({ type: 'submit' });
    for (const text of ['Please proceed.', 'Kindly submit.', 'Kindly do the needful and submit.', 'Yes please submit, salamat po']) expect(send(confirming, text, 'en').outcome, text).toMatchObject({ type: 'submit' });
  });

  it('giving up said with a time word, formally, or as "no need to do it here"; "ok thanks ah" is a yes to "sure?"', () => {
    const atTerminal = last('cancel-transaction', ['想撤销', MID]).state!;
    const sure = send(atTerminal, '算了算了 等我孙子回来帮我弄吧').state!;
    expect(sure.stage).toBe('confirm-cancel');
    expect(send(sure, '今天先不弄了 谢谢你啊').outcome).toMatchObject({ type: 'cancelled' });
    const en = send(atTerminal, 'so no need refund lah, cancel can?', 'en').state!;
    expect(en.stage).toBe('confirm-cancel');
    expect(send(en, 'ok thanks ah', 'en').outcome).toMatchObject({ type: 'cancelled' });
    expect(send(last('cancel-transaction', TO_CONFIRM).state, '故本次申请予以撤回，不必提交，谢谢。').state?.stage ?? 'ended').not.toBe('confirming');
    expect(send(last('cancel-transaction', ['想撤销', MID, TID]).state, '那这里就不用弄了 撤了吧').state?.stage ?? 'ended').not.toBe('collecting');
  });

  it('English told, not asked ("…she will pay 450 again when she comes"): the void tried is taken, nothing asked of the guide; "¥4,500" stays in the reason', () => {
    const step = engine.start('cancel-transaction', { text: 'Today at noon our cashier has wrongly entered ¥4,500 instead of ¥450 for one saree purchase. Customer has not noticed and gone home.' }, NOW, 'en');
    expect(valueOf(step.state, 'reason')).toBe('Today at noon our cashier has wrongly entered ¥4,500 instead of ¥450 for one saree purchase');
    const settled = send(step.state, 'Settlement is not yet done, we are doing it at closing time only.', 'en').state!;
    expect(valueOf(settled, 'batch_settled')).toBe('no');
    const told = send(settled, 'We tried the void option, it is asking for the customer card. She agreed we can reverse the full amount and she will pay 450 again when she comes.', 'en');
    expect(told.outcome?.type).not.toBe('digression');
    expect(valueOf(told.state, 'void_tried')).toBe('failed');
    expect(told.state!.pending).toBe('merchant_id');
    // "电话里说麻烦我们…" names no phone to read.
    const atMid = engine.start('cancel-transaction', { text: '卡上那笔420不该扣他的' }, NOW, 'zh-CN').state!;
    expect(send(atMid, '人已经上高速走了 电话里说麻烦我们把卡上那笔弄回去').say.map((s) => s.text).join('')).not.toContain('手机号');
  });
});

describe('fresh batches 90–91: corrections at a reason, answers concluded last, reopening said in dialect', () => {
  it('"金额说错了 是1380 …多了一百" where the reason is asked corrects the amount and asks the reason again; the option said last answers', () => {
    const atReason = engine.start('cancel-transaction', { text: '昨天有个娃儿配了副眼镜1280 刷的卡 商户号852916037748215 终端36480127 凭证号003857 尾号0915' }, NOW, 'zh-CN').state!;
    expect(atReason.pending).toBe('reason');
    const corrected = send(atReason, '等哈 金额说错了 是1380 镜片后头加了个防蓝光膜 多了一百');
    expect([valueOf(corrected.state, 'amount'), valueOf(corrected.state, 'reason'), corrected.state!.pending]).toEqual([138000, undefined, 'reason']);
    const atPartners = last('suspend-settlement', [...SUSPEND_TO_START, '12月1日', '2027年1月5日', '跳过']).state!;
    expect(valueOf(send(atPartners, '银行? 就是银行扣的俺钱 俺咋跟他说 没说').state, 'partners_notified')).toBe('no');
  });

  it('reopening said as "1月6号回来开门 6号开始打吧", in Cantonese "15号返嚟开铺 嗰日开始过数就得"', () => {
    const atResume = last('suspend-settlement', ['打款能暂停吗 我要回老家结婚 店关半个多月', MID, '经营调整', '12月1号关门 那天开始']).state!;
    expect(atResume.pending).toBe('resume_date');
    const back = send(atResume, '1月6号回来开门 6号开始打吧').state!;
    expect([valueOf(back, 'start_date'), valueOf(back, 'resume_date')]).toEqual(['2026-12-01', '2027-01-06']);
    const yue = send(atResume, '15号返嚟开铺 嗰日开始过数就得').state!;
    expect([valueOf(yue, 'start_date'), valueOf(yue, 'resume_date')]).toEqual(['2026-12-01', '2026-12-15']);
  });

  it('the summary sent off (确认送出), checked formally, and confirmed with season\'s greetings; the refund forgotten, the whole thing cancelled, Cantonese 唔使搞', () => {
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    for (const text of ['好 确认送出', '经核对，上述信息无误，请予提交。']) expect(send(confirming, text).outcome, text).toMatchObject({ type: 'submit' });
    expect(send(confirming, 'Yes po correct, thank you and Merry Christmas!', 'en').outcome).toMatchObject({ type: 'submit' });
    expect(send(confirming, '咁唔使搞喇 取消佢啦').state?.stage ?? 'ended').not.toBe('confirming');
    const atVoucher = last('cancel-transaction', ['Guy bought a drone from us four days ago, ¥4,999, he wants his money back.', 'Merchant ID 815927304468201, terminal 64208913.'], { locale: 'en' }).state!;
    const sure = send(atVoucher, "Actually, hold off. It was pilot error, not the drone. He's going through the manufacturer's replacement plan instead. Forget the refund.", 'en').state!;
    expect(sure.stage).toBe('confirm-cancel');
    expect(send(sure, 'Yeah, cancel the whole thing. Thanks anyway.', 'en').outcome).toMatchObject({ type: 'cancelled' });
  });
});

describe('a last question asked with the summary (supplement-materials: confirm.lastQuestion)', () => {
  const atNote = () => {
    const step = last('supplement-materials', ['补充材料', MID, 'CX-20261125-0007', { text: '营业执照', files: [file(1)] }]);
    expect(step.state!.pending).toBe('note');
    expect(said(step)).toBe('将为工单 CX-20261125-0007 补充 1 个文件。还有需要说明的吗？没有的话回复“没有”，我就提交。');
    expect(step.say.at(-1)!.suggestedActions).toEqual([flowText('zh-CN', 'actionNothingToAdd')]);
    return step.state!;
  };

  it('its answer files the request: nothing more ("嗯 就这个", "好的好的 那就这样 谢谢你们啊", the button) or a note', () => {
    for (const text of ['嗯 就这个', '好的好的 那就这样 谢谢你们啊', '没有', flowText('zh-CN', 'actionNothingToAdd'), "that's all"]) {
      const step = send(atNote(), text);
      expect(step.outcome, text).toMatchObject({ type: 'submit' });
      expect(step.outcome?.type === 'submit' && step.outcome.values.note, text).toBeFalsy();
    }
    const noted = send(atNote(), '执照是新换的 旧店名那张作废了');
    expect(noted.outcome).toMatchObject({ type: 'submit' });
    expect(noted.outcome?.type === 'submit' && noted.outcome.values.note?.value).toBe('执照是新换的 旧店名那张作废了');
  });

  it('giving up there is still asked about; a note given before it is asked shows the summary to confirm', () => {
    expect(send(atNote(), '算了不补了').state!.stage).toBe('confirm-cancel');
    const first = engine.start('supplement-materials', { text: '审核让我补营业执照，单号CX-20261203-0001，商户号834520017639402。补充说明：执照上是旧店名', files: [file(9, 'application/pdf', 'pdf')] }, NOW, 'zh-CN');
    expect(first.state!.stage).toBe('confirming');
    expect(said(first)).toContain('确认提交吗');
  });
});

describe('fresh batches 92–93: confirmations round the world, giving up in Xiang and Shaanxi, days restated and lengths first', () => {
  it('the summary confirmed in Scots, Nigerian, Swahili and Thai-English, and with 姑娘 at the end', () => {
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    for (const text of ['Aye, on ye go.', 'Abeg submit it', 'Sawa, please submit. Asante.', 'yes correct ka, thank you na ka']) expect(send(confirming, text, 'en').outcome, text).toMatchObject({ type: 'submit' });
    expect(send(confirming, '对 就这样 谢谢姑娘').outcome).toMatchObject({ type: 'submit' });
  });

  it('giving up in Xiang ("算哒算哒 不搞哒…你莫弄了") and Shaanxi ("甭弄咧 不停咧")', () => {
    const atTerminal = last('cancel-transaction', ['想撤销', MID]).state!;
    expect(send(atTerminal, '算哒算哒 不搞哒 我直接拿现金退把她 你莫弄了').state!.stage).toBe('confirm-cancel');
    const atStart = last('suspend-settlement', ['这段时间刷卡的钱 先甭往卡上打咧', MID, '经营调整']).state!;
    expect(send(atStart, '算咧算咧 额娃说卡上有钱也没事 又不会丢 甭弄咧 不停咧').state!.stage).toBe('confirm-cancel');
  });

  it('a day restated as it is at the documents question moves on; a length said first waits for its start; "今天来取" is no day of the sale', () => {
    const atDocuments = last('suspend-settlement', ['想从12月12号开始 先别往卡上打款了', MID, '经营调整', '停到下个月中旬吧']).state!;
    expect([atDocuments.pending, valueOf(atDocuments, 'resume_date')]).toEqual(['documents', '2026-12-15']);
    const restated = send(atDocuments, '那就12月15号 15号新店开业 那天开始打');
    expect(valueOf(restated.state, 'resume_date')).toBe('2026-12-15');
    expect(restated.say.map((x) => x.text).join('')).not.toContain(flowText('zh-CN', 'flowNeedFiles'));
    const atStart = last('suspend-settlement', ['please stop the payouts to our bank account', MID, 'business change'], { locale: 'en' }).state!;
    expect(atStart.pending).toBe('start_date');
    const length = send(atStart, 'For three weeks.', 'en');
    expect([length.state!.attempts, length.state!.pending]).toEqual([{}, 'start_date']);
    expect(valueOf(send(length.state, 'from 21.12.', 'en').state, 'resume_date')).toBe('2027-01-11');
    const story = engine.start('cancel-transaction', { text: '前天有个学生拿了把大提琴来换弦 付了680 刷的卡\n今天来取 说音色不对 不满意 钱退给他' }, NOW, 'zh-CN').state!;
    expect(valueOf(story, 'transaction_date')).toBe('2026-11-23');
  });
});

describe('fresh batches 94–95: settlement and the void told before they are asked, thanks in many tongues, 为期二十日', () => {
  it('"没结" beside the batch it is about is taken before it is asked; "no settled yet" is no', () => {
    const atVoucher = last('cancel-transaction', ['今天早上卖了个儿童安全座椅 1680 要退钱', MID, TID]).state!;
    expect(atVoucher.pending).toBe('voucher_no');
    const settled = send(atVoucher, '我刚看了一下 不对 没结 今天这批还开着 自动结算是晚上11点').state!;
    expect(valueOf(settled, 'batch_settled')).toBe('no');
    // "没有" alone, said of something else, is still no answer before it is asked.
    expect(valueOf(send(atVoucher, '小票没有了 找不到').state, 'batch_settled')).toBeUndefined();
    expect(valueOf(send(atVoucher, 'Naw, no settled yet, we do that at closing.', 'en').state, 'batch_settled')).toBe('no');
  });

  it('"就刚才那笔 4天前的2400" is four days ago, not just now; "为期二十日" is a length', () => {
    const atVoucher = last('cancel-transaction', ['4天前有个家长交了2400 刷的卡 要退', MID, TID]).state!;
    expect(valueOf(send(atVoucher, '还是得退 接着弄吧 就刚才那笔 4天前的2400').state, 'transaction_date')).toBe('2026-11-21');
    const atStart = last('suspend-settlement', ['门店升级改造 暂停资金结算', MID, '经营调整']).state!;
    const formal = send(atStart, '自下月十五日起闭店，为期二十日，期满即恢复营业，届时请恢复划付。').state!;
    expect([valueOf(formal, 'start_date'), valueOf(formal, 'resume_date')]).toEqual(['2026-12-15', '2027-01-04']);
  });

  it('confirmed with thanks in Korean, Indonesian, Swahili, Cantonese, with emoji and 宝, "Lekker", "Kindly revert…"; given up with "yes cancel it, no refund" and "对不停了谢谢你啊姑娘"', () => {
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    for (const text of ['ok please submit. kamsahamnida', 'yes correct, please submit. terima kasih', 'Please go ahead and submit. Asante sana.', 'Lekker, go ahead and submit. Thanks hey.', 'Please go ahead and submit. Kindly revert if anything else is required.']) {
      expect(send(confirming, text, 'en').outcome, text).toMatchObject({ type: 'submit' });
    }
    for (const text of ['啱 唔该提交', '确认✅ 谢谢宝']) expect(send(confirming, text).outcome, text).toMatchObject({ type: 'submit' });
    const atVoucher = last('cancel-transaction', ['想撤销', MID, TID], { locale: 'en' }).state!;
    expect(send(atVoucher, 'yes cancel it, no refund. sorry and thank you', 'en').state!.stage).toBe('confirm-cancel');
    const sure = send(last('suspend-settlement', SUSPEND_TO_START).state, '理事长说了不用停了 那就不弄了').state!;
    expect(sure.stage).toBe('confirm-cancel');
    expect(send(sure, '对不停了谢谢你啊姑娘').outcome).toMatchObject({ type: 'cancelled' });
  });
});

describe('fresh batches 96–97: thanks and yes in more Englishes, documents and partners in dialect, 块 counting things', () => {
  it('confirmations: "Thx a lot", Irish "Sound", "Awesome, go for it", JazakAllah, obrigado, khob khun kha, "that\'s all correct … eh"', () => {
    const confirming = last('cancel-transaction', TO_CONFIRM).state!;
    for (const text of ['OK please submit. Thx a lot', 'Sound, go ahead and submit it. Thanks a million.', 'Awesome, go for it. Thanks!', 'Kindly submit. JazakAllah.', 'perfeito, can submit. valeu, obrigado!', 'ok submit please. khob khun kha', "Yep, that's all correct, go ahead. Thanks, eh."]) {
      expect(send(confirming, text, 'en').outcome, text).toMatchObject({ type: 'submit' });
    }
    expect(send(confirming, "that's wrong", 'en').outcome?.type).not.toBe('submit');
  });

  it('"无材料", "冇得材料" send no documents; "银行有讲啊" told, "银行冇说" not; "一块机械表" is no amount; "…曲消了别弄了" gives up', () => {
    const atDocuments = last('suspend-settlement', [...SUSPEND_TO_START, '12月1日', '2027年1月5日']).state!;
    expect(atDocuments.pending).toBe('documents');
    for (const text of ['无材料', '冇得材料']) expect(send(atDocuments, text).state!.skipped, text).toContain('documents');
    const atPartners = last('suspend-settlement', [...SUSPEND_TO_START, '12月1日', '2027年1月5日', '跳过']).state!;
    expect(valueOf(send(atPartners, '银行有讲啊').state, 'partners_notified')).toBe('yes');
    expect(valueOf(send(atPartners, '银行冇说').state, 'partners_notified')).toBe('no');
    const watch = engine.start('cancel-transaction', { text: '9天前一个客人送来一块机械表做整机保养 2680 刷的卡 保养完还是不准 钱全退' }, NOW, 'zh-CN').state!;
    expect(valueOf(watch, 'amount')).toBe(268000);
    const atVoucher = last('cancel-transaction', ['前天卖了个抽水泵 1280 刷的卡 要退', MID, TID]).state!;
    expect(send(atVoucher, '哎呀人家又来电话了说是管子接反了接好了能抽水了 你把这个曲消了别弄了').state!.stage).toBe('confirm-cancel');
  });
});

