import { describe, expect, it } from 'vitest';
import { SLOT_TYPES } from '../../../src/flows/slot-types/types.js';
import { ctx, expectInvalid, expectValid, spans } from './helpers.js';

const REASONS = {
  values: [
    { id: 'business_change', labels: ['经营变更', '业务调整', 'business change'] },
    { id: 'cash_flow', labels: ['资金周转', '周转', 'cash flow'] },
    { id: 'compliance', labels: ['合规要求', '合规', 'compliance'] },
    { id: 'upgrade', labels: ['系统升级', '升级维护', 'upgrade', 'maintenance'] },
    { id: 'other', labels: ['其他', 'other'] },
  ],
};
const ALL_ZH = '1. 经营变更；2. 资金周转；3. 合规要求；4. 系统升级；5. 其他';
const ALL_EN = '1. business change; 2. cash flow; 3. compliance; 4. upgrade; 5. other';
const enumType = SLOT_TYPES.enum!;

describe('enum', () => {
  it.each([
    ['资金周转', 'cash_flow', '资金周转'],
    ['Cash Flow', 'cash_flow', '资金周转'],
    ['cash_flow', 'cash_flow', '资金周转'],
    ['2', 'cash_flow', '资金周转'],
    ['２', 'cash_flow', '资金周转'],
    ['第2个', 'cash_flow', '资金周转'],
    ['第二项', 'cash_flow', '资金周转'],
    ['option 3', 'compliance', '合规要求'],
    ['因为资金周转困难', 'cash_flow', '资金周转'],
    ['it is for maintenance', 'upgrade', '系统升级'],
    ['其他。', 'other', '其他'],
  ])('%j → %s', (text, id, display) => {
    expectValid(enumType.parse(text, ctx(REASONS)), id, display);
  });

  it('lists every option when nothing matches, or the number is out of range', () => {
    expectInvalid(
      enumType.parse('随便', ctx(REASONS)),
      'enum.no_match',
      `没有对应的选项。请回复编号或选项名称：${ALL_ZH}。`,
      `That doesn't match an option. Reply with a number or a name: ${ALL_EN}.`,
    );
    expectInvalid(enumType.parse('brother', ctx(REASONS)), 'enum.no_match'); // "other" only as a word
    expectInvalid(
      enumType.parse('6', ctx(REASONS)),
      'enum.out_of_range',
      `请回复1到5之间的编号：${ALL_ZH}。`,
      `Please reply with a number from 1 to 5: ${ALL_EN}.`,
    );
    expectInvalid(enumType.parse('0', ctx(REASONS)), 'enum.out_of_range');
  });

  it('passes over an option said not to be it ("合规要求 不是系统升级")', () => {
    expectValid(enumType.parse('合规要求 不是系统升级', ctx(REASONS)), 'compliance');
    expectValid(enumType.parse('compliance, not the upgrade', ctx(REASONS)), 'compliance');
  });

  it('lists the options that fit when more than one does', () => {
    expectInvalid(
      enumType.parse('合规要求，还有系统升级', ctx(REASONS)),
      'enum.ambiguous',
      '您的回答可能对应多个选项：3. 合规要求；4. 系统升级。请回复其中一个的编号或名称。',
      'Your answer could mean more than one option: 3. compliance; 4. upgrade. Reply with the number or name of one.',
    );
  });

  it('prefers the longer label when one option’s label is inside another’s', () => {
    const settled = { values: [{ id: 'yes', labels: ['结算了', '结算'] }, { id: 'no', labels: ['未结算', '没结算'] }] };
    expectValid(enumType.parse('还未结算呢', ctx(settled)), 'no');
    expectValid(enumType.parse('已经结算了', ctx(settled)), 'yes');
    expect(spans(enumType, '今天还没结算', ctx(settled))).toEqual([['no', '没结算']]);
    // Traditional characters read as the simplified labels, the span in the merchant's own script.
    expectValid(enumType.parse('仲未結算', ctx(settled)), 'no');
    expect(spans(enumType, '今日仲未結算喎', ctx(settled))).toEqual([['no', '未結算']]);
  });

  it('matches a label that ends in a particle (通知了), and answers with particles (是的)', () => {
    const notified = { values: [{ id: 'yes', labels: ['已通知', '通知了', '是', 'yes'] }, { id: 'no', labels: ['未通知', '没通知', '否', 'no'] }] };
    expectValid(enumType.parse('通知了', ctx(notified)), 'yes', '已通知');
    expectValid(enumType.parse('是的', ctx(notified)), 'yes');
    expectValid(enumType.parse('还没通知', ctx(notified)), 'no', '未通知');
    expectValid(enumType.parse('No.', ctx(notified)), 'no');
    expectValid(enumType.parse('第2个吧', ctx(notified)), 'no');
  });

  it('reads a yes label said in the negative as no, in the answer and in a message about something else', () => {
    const told = { values: [{ id: 'yes', labels: ['已通知', 'told them'] }, { id: 'no', labels: ['没有', 'not yet'] }] };
    // Both options' labels are in it ("not yet", "told them"): the negation decides.
    expectValid(enumType.parse('not yet told them', ctx(told)), 'no');
    expectValid(enumType.parse('told them already', ctx(told)), 'yes');
    // Taken while another question is asked: the negated label is the no option, not yes.
    expect(spans(enumType, "we haven't told them, call me on 138", ctx(told)).map(([id]) => id)).toEqual(['no']);
    expect(spans(enumType, 'we told them last week', ctx(told)).map(([id]) => id)).toEqual(['yes']);
  });

  it('refuses when the flow gave no options', () => {
    expectInvalid(enumType.parse('1', ctx()), 'enum.no_options');
  });

  it('extracts labels of two characters or more, never numbers or one-character labels', () => {
    expect(spans(enumType, '因为资金周转困难想暂停结算', ctx(REASONS))).toEqual([['cash_flow', '资金周转']]);
    const yesNo = { values: [{ id: 'yes', labels: ['是', '已通知'] }, { id: 'no', labels: ['否', '未通知'] }] };
    expect(spans(enumType, '凭证号是000123', ctx(yesNo))).toEqual([]);
    expect(spans(enumType, '2', ctx(REASONS))).toEqual([]);
    expectValid(enumType.parse('是', ctx(yesNo)), 'yes');
  });

  it('reads a label typed by its sound (an input-method homophone that shares a character), not any word that sounds alike', () => {
    const kinds = { values: [{ id: 'business_change', labels: ['装修', '住院'] }, { id: 'cash_flow', labels: ['资金周转'] }] };
    expect(spans(enumType, '店里要装秀 暂停一下', ctx(kinds))).toEqual([['business_change', '装秀']]);
    expectValid(enumType.parse('老板住远了', ctx(kinds)), 'business_change');
    expectValid(enumType.parse('资金周赚不开', ctx(kinds)), 'cash_flow');
    // The same sound with no character in common is another word; a label written as such wins.
    expect(spans(enumType, '壮秀', ctx(kinds))).toEqual([]);
    expect(spans(enumType, '装修 资金周转', ctx(kinds)).map(([id]) => id)).toEqual(['business_change', 'cash_flow']);
  });

  it('reads an English label with a typo in a long word, never a short word nor another first letter', () => {
    const settled = { values: [{ id: 'no', labels: ['not settled', 'not yet'] }, { id: 'yes', labels: ['already settled', 'settled'] }] };
    expect(spans(enumType, 'batch not setled yet', ctx(settled))).toEqual([['no', 'not setled']]);
    expectValid(enumType.parse('alredy setled', ctx(settled)), 'yes');
    // "nut settled" is not "not settled" (three letters: every typo is another word); "kettled" starts otherwise.
    expect(spans(enumType, 'nut setled', ctx(settled)).map(([id]) => id)).toEqual(['yes']);
    expect(spans(enumType, 'kettled', ctx(settled))).toEqual([]);
  });
});

describe('enum: a plain yes or no to a yes/no question', () => {
  const NOTIFIED = { values: [{ id: 'yes', labels: ['已通知', '通知了'] }, { id: 'no', labels: ['没有', '还没有'] }] };
  const TRIED = { values: [{ id: 'failed', answers: 'yes' as const, labels: ['试过了不行'] }, { id: 'not_tried', answers: 'no' as const, labels: ['没试过'] }] };

  it.each([
    ['还没通知', 'no'],
    ['没呢', 'no'],
    ['未呀', 'no'],
    ['not yet', 'no'],
    ["haven't told them", 'no'],
    ['已经说过了', 'yes'],
    ['通知过了', 'yes'],
    ['yeah', 'yes'],
    ['yes already', 'yes'],
  ])('%j → %s (options with the ids yes / no)', (text, id) => {
    expectValid(enumType.parse(text, ctx(NOTIFIED)), id);
  });

  it('chooses the option marked `answers` when the ids say nothing', () => {
    expectValid(enumType.parse('yes', ctx(TRIED)), 'failed');
    expectValid(enumType.parse('没呢', ctx(TRIED)), 'not_tried');
  });

  it('"I don\'t know" and other answers are no yes or no; options that do not answer yes/no are not chosen so', () => {
    for (const text of ['不知道', '不清楚', '不确定', '我问问老板']) expectInvalid(enumType.parse(text, ctx(NOTIFIED)), 'enum.no_match');
    // "Nothing else" holds a 没有 but answers no yes/no question.
    for (const text of ['没有别的了', '没别的了', 'nothing else', '没问题']) expectInvalid(enumType.parse(text, ctx(NOTIFIED)), 'enum.no_match');
    expectInvalid(enumType.parse('yes', ctx(REASONS)), 'enum.no_match');
    // …but what follows it may answer: "没有别的 还没通知" is no.
    expectValid(enumType.parse('没有别的 还没有', ctx(NOTIFIED)), 'no');
    // A yes or no said first, the rest telling more.
    expectValid(enumType.parse('没呢 还没跟银行说', ctx(NOTIFIED)), 'no');
  });
});

describe('ticket', () => {
  const ticket = SLOT_TYPES.ticket!;

  it.each([
    ['CX-20261125-0001', 'CX-20261125-0001'],
    ['单号我看下通知……是CX-20261125-0001', 'CX-20261125-0001'],
    ['cx202611250001', 'CX-20261125-0001'],
    ['ticket ＣＸ－20261125－0007 please', 'CX-20261125-0007'],
  ])('%j → %s', (text, value) => {
    expectValid(ticket.parse(text, ctx()), value, value);
  });

  it('refuses an answer without a ticket number, or with two, saying which', () => {
    expectInvalid(ticket.parse('在通知里', ctx()), 'ticket.missing');
    expectInvalid(ticket.parse('merchant id 816239397956625', ctx()), 'ticket.missing');
    const two = expectInvalid(ticket.parse('CX-20261125-0001 还是 CX-20261125-0002', ctx()), 'ticket.multiple');
    expect(two.message['zh-CN']).toContain('CX-20261125-0002');
  });

  it('is found in any message, with its span', () => {
    expect(spans(ticket, '补材料，工单CX-20261125-0001，商户号123456789012345')).toEqual([['CX-20261125-0001', 'CX-20261125-0001']]);
  });
});

describe('text', () => {
  const text = SLOT_TYPES.text!;

  it('trims and keeps the text', () => {
    expectValid(text.parse('  顾客不要了，想退款  ', ctx()), '顾客不要了，想退款', '顾客不要了，想退款');
  });

  it('masks a card number in both the value and the display', () => {
    const result = text.parse('顾客卡号6222 0212 3456 7890 128，刷错了', ctx());
    expectValid(result, '顾客卡号622202*********0128，刷错了', '顾客卡号622202*********0128，刷错了');
    expect(JSON.stringify(result)).not.toMatch(/\d{13,}/);
  });

  it('checks the length in characters (default 2..500, or the options)', () => {
    expectInvalid(text.parse('好', ctx()), 'text.too_short', '内容太短，请至少写2个字。', 'Too short: please write at least 2 characters.');
    expectInvalid(text.parse('   ', ctx()), 'text.too_short');
    expectValid(text.parse('退款', ctx()), '退款');
    expectValid(text.parse('字'.repeat(500), ctx()), '字'.repeat(500));
    expectInvalid(
      text.parse('字'.repeat(501), ctx()),
      'text.too_long',
      '内容太长：最多500个字，您写了501个字。请精简后再发送。',
      'Too long: at most 500 characters, and you wrote 501. Please shorten it.',
    );
    expectInvalid(text.parse('退款了', ctx({ minLength: 5 })), 'text.too_short', '内容太短，请至少写5个字。');
    expectInvalid(text.parse('顾客不要了', ctx({ maxLength: 4 })), 'text.too_long', '内容太长：最多4个字，您写了5个字。请精简后再发送。');
    expectValid(text.parse('😀😀', ctx()), '😀😀'); // two characters, four UTF-16 units
  });

  it('is not extracted from other messages', () => {
    expect(text.extract('顾客不要了，想退款', ctx())).toEqual([]);
  });
});

describe('attachments', () => {
  const attachments = SLOT_TYPES.attachments!;

  it('asks for a file when the merchant types text', () => {
    expectInvalid(
      attachments.parse('我等下发', ctx()),
      'attachments.not_text',
      '请直接在对话中发送照片（JPG、PNG）或PDF文件，例如签购单的照片。',
      'Please send a photo (JPG, PNG) or a PDF file in the chat, for example a photo of the sales slip.',
    );
    expect(attachments.extract('签购单照片在这里', ctx())).toEqual([]);
  });
});
