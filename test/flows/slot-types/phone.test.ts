import { describe, expect, it } from 'vitest';
import { SLOT_TYPES } from '../../../src/flows/slot-types/types.js';
import { ctx, expectInvalid, expectValid, spans } from './helpers.js';

const phone = SLOT_TYPES.phone!;

describe('phone: parse', () => {
  it.each([
    '13800138000',
    '138 0013 8000',
    '138-0013-8000',
    '+86 138 0013 8000',
    '+8613800138000',
    '+86-138-0013-8000',
    '008613800138000',
    '86 13800138000',
    '8613800138000',
    '手机号：13800138000',
    '１３８００１３８０００',
    'my phone is 138 0013 8000.',
    // Read aloud or voice-typed, digit by digit.
    '一三八 零零一三 八零零零',
    '幺三八零零幺三八零零零',
    // 么 for 1, as voice input in traditional script writes it ("我的電話是么三八…").
    '我的電話是么三八零零么三八零零零',
    '手机号是一三八〇〇一三八〇〇〇',
  ])('%j → 13800138000, shown masked', (text) => {
    expectValid(phone.parse(text, ctx()), '13800138000', '138****8000');
  });

  it('reads spoken digits only as a whole number: "一千三" is no phone number', () => {
    expectInvalid(phone.parse('一千三', ctx()), 'phone.missing');
    // Too few, said digit by digit: counted like typed digits.
    expectInvalid(phone.parse('一三八零零一三', ctx()), 'phone.length', '手机号应为11位数字，您输入了7位。');
    expectInvalid(phone.parse('一三三 八七六五 二零', ctx()), 'phone.length', '手机号应为11位数字，您输入了9位。');
  });

  it('accepts every mobile prefix 13–19', () => {
    for (const p of ['13', '14', '15', '16', '17', '18', '19']) expectValid(phone.parse(`${p}912345678`, ctx()), `${p}912345678`);
  });

  it('refuses a wrong length, a landline or a number that is not a mainland mobile', () => {
    expectInvalid(phone.parse('1380013800', ctx()), 'phone.length', '手机号应为11位数字，您输入了10位。', 'A mobile number has 11 digits; you entered 10.');
    expectInvalid(phone.parse('138001380001', ctx()), 'phone.length', '手机号应为11位数字，您输入了12位。');
    const format = '请提供中国大陆手机号：以1开头的11位数字（第二位是3到9），例如138 0013 8000。';
    expectInvalid(phone.parse('12345678901', ctx()), 'phone.format', format);
    // A landline is named as such (the same reason code).
    const landline = '这看起来是固定电话号码。请留一个手机号：以1开头的11位数字，例如138 0013 8000。';
    for (const text of ['010-12345678', '0755 1234 5678', '021-6234567']) expectInvalid(phone.parse(text, ctx()), 'phone.format', landline);
    // …with its area code in brackets or an extension: one landline, not two numbers.
    for (const text of ['(0755) 8621 3370', 'Best to ring the studio, (0755) 8621 3370 ext. 12', '打工作室座机吧 010-6552 3318 转 8 前台']) expectInvalid(phone.parse(text, ctx()), 'phone.format', landline);
    expectInvalid(phone.parse('没有手机', ctx()), 'phone.missing', '没有找到手机号，请发送11位手机号码。');
    expectInvalid(phone.parse('13800138000 或 13900139000', ctx()), 'phone.multiple');
  });
});

describe('phone: extract', () => {
  it.each([
    ['联系电话13800138000', [['13800138000', '13800138000']]],
    ['电话 +86 138-0013-8000 找王经理', [['13800138000', '+86 138-0013-8000']]],
    ['call me at 13912345678.', [['13912345678', '13912345678']]],
    ['13800138000 1280元', [['13800138000', '13800138000']]],
    ['刷了1280 13800138000', [['13800138000', '13800138000']]],
  ])('%j', (text, expected) => {
    expect(spans(phone, text)).toEqual(expected);
    expect(phone.extract(text, ctx())[0]!.display).toBe(`${expected[0]![0]!.slice(0, 3)}****${expected[0]![0]!.slice(-4)}`);
  });

  it.each(['123456789012345', '参考号138001380001', '12345678901', '凭证号 13800138000', '6222021380013800138'])('nothing in %j', (text) => {
    expect(spans(phone, text)).toEqual([]);
  });
});
