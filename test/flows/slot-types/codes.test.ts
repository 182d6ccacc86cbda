import { describe, expect, it } from 'vitest';
import { SLOT_TYPES } from '../../../src/flows/slot-types/types.js';
import { ctx, expectInvalid, expectValid, spans } from './helpers.js';

const T = SLOT_TYPES;

describe('slip identifiers: parse (the answer to the slot’s own prompt)', () => {
  it.each([
    ['merchant_id', '123456789012345', '123456789012345'],
    ['merchant_id', '１２３４５６７８９０１２３４５', '123456789012345'], // full-width digits
    ['merchant_id', '12345 67890 12345', '123456789012345'],
    ['merchant_id', '商户号：123456789012345', '123456789012345'],
    ['merchant_id', '我的商户编号是 123-456-789-012-345。', '123456789012345'],
    ['merchant_id', 'MID 123456789012345', '123456789012345'],
    ['terminal_id', '12345678', '12345678'],
    ['terminal_id', 'a1b2c3d4', 'A1B2C3D4'],
    ['terminal_id', 'ＡＢＣＤ　１２３４', 'ABCD1234'], // full-width letters, ideographic space
    ['terminal_id', '终端号是A1B2-C3D4', 'A1B2C3D4'],
    ['terminal_id', 'it is A1B2C3D4', 'A1B2C3D4'],
    ['batch_no', '000001', '000001'],
    ['batch_no', '批次号 000 001', '000001'],
    ['voucher_no', '000123', '000123'],
    ['voucher_no', '凭证号是000123哦', '000123'],
    ['voucher_no', '流水号：000123', '000123'],
    ['reference_no', '123456789012', '123456789012'],
    ['reference_no', '1234 5678 9012', '123456789012'],
    ['reference_no', '1234-5678-9012', '123456789012'],
    ['reference_no', '检索参考号：123456789012', '123456789012'],
    ['reference_no', 'RRN: 123456789012', '123456789012'],
    ['auth_code', '123456', '123456'],
    ['auth_code', 'ab12cd', 'AB12CD'],
    ['auth_code', '授权码 AB12CD', 'AB12CD'],
    ['card_last4', '1234', '1234'],
    ['card_last4', '尾号 0123', '0123'],
    ['card_last4', '卡号后四位是1234', '1234'],
    ['reference_no', '参考号123456789012，凭证号000123', '123456789012'], // its own label among other numbers
    ['voucher_no', '参考号123456789012，凭证号000123', '000123'],
    ['voucher_no', '凭证号000123，卡号622202*********0128', '000123'], // a masked card number beside it
    ['voucher_no', 'voucher of the 2nd one is 000318', '000318'], // an ordinal says which sale
  ])('%s accepts %j', (type, text, value) => {
    expectValid(T[type]!.parse(text, ctx()), value, value);
  });

  it.each([
    ['reference_no', '12345678901', '参考号应为12位数字，您输入了11位。', 'The reference number has 12 digits; you entered 11.'],
    ['reference_no', '1234567890123', '参考号应为12位数字，您输入了13位。', 'The reference number has 12 digits; you entered 13.'],
    ['merchant_id', '12345678901234', '商户编号应为15位数字，您输入了14位。', 'The merchant ID has 15 digits; you entered 14.'],
    ['terminal_id', 'A1B2C3D', '终端编号应为8位数字或字母，您输入了7位。', 'The terminal ID has 8 letters or digits; you entered 7.'],
    ['batch_no', '0001', '批次号应为6位数字，您输入了4位。', 'The batch number has 6 digits; you entered 4.'],
    ['voucher_no', '00012', '凭证号应为6位数字，您输入了5位。', 'The voucher (trace) number has 6 digits; you entered 5.'],
    ['voucher_no', '１２３４５６７', '凭证号应为6位数字，您输入了7位。', 'The voucher (trace) number has 6 digits; you entered 7.'],
    ['auth_code', 'AB12C', '授权码应为6位数字或字母，您输入了5位。', 'The authorisation code has 6 letters or digits; you entered 5.'],
  ])('%s refuses %j with the count typed', (type, text, zh, en) => {
    expectInvalid(T[type]!.parse(text, ctx()), `${type}.length`, zh, en);
  });

  it('reads no code out of words: several letter-only words spell no terminal ID; one word may be one', () => {
    expect(T.terminal_id!.parse('d his mind', ctx()).ok).toBe(false);
    expect(T.terminal_id!.parse('ab cd ef gh', ctx()).ok).toBe(false);
    expectValid(T.terminal_id!.parse('ABCDEFGH', ctx()), 'ABCDEFGH', 'ABCDEFGH');
  });

  it('refuses letters in digit-only numbers', () => {
    expectInvalid(
      T.reference_no!.parse('12345678901A', ctx()),
      'reference_no.format',
      '参考号应为12位数字，不能包含字母或其他符号。',
      'The reference number has 12 digits, without letters or other characters.',
    );
    expectInvalid(T.voucher_no!.parse('00O123', ctx()), 'voucher_no.format');
  });

  it('says when no number was given, or more than one', () => {
    expectInvalid(
      T.reference_no!.parse('我找不到', ctx()),
      'reference_no.missing',
      '没有找到参考号，请发送12位数字的参考号。',
      "I couldn't find the reference number; please send its 12 digits.",
    );
    expectInvalid(T.voucher_no!.parse('', ctx()), 'voucher_no.missing');
    expectInvalid(
      T.voucher_no!.parse('000123 或者 000124', ctx()),
      'voucher_no.multiple',
      '您发送了不止一个号码，请只发送凭证号（6位数字）。',
    );
  });

  it('refuses a number that was masked as a card number, without guessing', () => {
    // The adapter masks a Luhn-valid 15-digit merchant ID like a card number before the bot sees it.
    expectInvalid(
      T.merchant_id!.parse('378282*****0005', ctx()),
      'merchant_id.card_number',
      '这个号码看起来像银行卡号，已隐去中间的数字。请不要发送卡号；商户编号应为15位数字。',
    );
  });
});

describe('slip identifiers: extract', () => {
  it.each([
    ['voucher_no', '凭证号000123，想撤销', [['000123', '000123']]],
    ['voucher_no', 'voucher no. 000123', [['000123', '000123']]],
    ['voucher_no', 'trace #000123', [['000123', '000123']]],
    ['voucher_no', '流水号是 000 123', [['000123', '000 123']]],
    ['batch_no', '批次号000001凭证号000123', [['000001', '000001']]],
    ['voucher_no', '批次号000001凭证号000123', [['000123', '000123']]],
    ['merchant_id', '商户编号：123456789012345', [['123456789012345', '123456789012345']]],
    ['merchant_id', '我们店是123456789012345', [['123456789012345', '123456789012345']]], // bare 15 digits
    ['reference_no', '检索参考号(RRN): 1234 5678 9012', [['123456789012', '1234 5678 9012']]],
    ['reference_no', '参考号码为123456789012', [['123456789012', '123456789012']]],
    ['reference_no', '就是这笔 123456789012 的交易', [['123456789012', '123456789012']]], // bare 12 digits
    ['terminal_id', '终端编号 1234 5678', [['12345678', '1234 5678']]],
    ['terminal_id', 'TID A1B2C3D4 ref 123456789012', [['A1B2C3D4', 'A1B2C3D4']]],
    // Every label counts, also one among the words after another (no punctuation between the sentences).
    ['terminal_id', 'void failed on the terminal merchant 830041997855551 terminal 78015040', [['78015040', '78015040']]],
    ['voucher_no', '凭证号不知道 凭证号是 000123', [['000123', '000123']]],
    // Merchants give the terminal and the voucher without a label, or with half of one.
    ['terminal_id', '终端 64258458，商户号881439086393503', [['64258458', '64258458']]],
    ['voucher_no', '前天 2999元 凭证309995', [['309995', '309995']]],
    // Numbers typed one after another are read one by one.
    ['merchant_id', '866607855624255 47915443 昨天 1280 743433', [['866607855624255', '866607855624255']]],
    ['terminal_id', '866607855624255 47915443 昨天 1280 743433', [['47915443', '47915443']]],
    ['voucher_no', '866607855624255 47915443 昨天 1280 743433', [['743433', '743433']]],
    // …and a digit before a phone number is no 12-digit reference number.
    ['reference_no', '电话打错了 最后一位是7 13653243947', []],
    ['reference_no', '电话错了 最后一位是5 187 3039 5685', []], // …grouped as a mobile number is read
    ['reference_no', '参考号 1234 5678 9012', [['123456789012', '1234 5678 9012']]],
    ['auth_code', 'auth code: 12ab34, thanks', [['12AB34', '12ab34']]],
    ['auth_code', '授权码是 654321', [['654321', '654321']]],
    ['card_last4', '卡号尾号1234的那笔', [['1234', '1234']]],
    ['card_last4', 'card ending in 4321', [['4321', '4321']]],
    ['card_last4', 'the last 4 digits are 0007', [['0007', '0007']]],
    ['card_last4', '卡号622202*********0128刷的', [['0128', '622202*********0128']]], // masked upstream
    ['card_last4', '小票上是 6222 02** **** 0128', [['0128', '6222 02** **** 0128']]], // printed masked
  ])('%s in %j', (type, text, expected) => {
    expect(spans(T[type]!, text)).toEqual(expected);
  });

  it.each([
    ['voucher_no', '000000'],
    ['voucher_no', '日期261201'], // six digits that read as a date
    ['batch_no', '000123'], // a bare 6-digit number is taken for the voucher, never the batch
    ['voucher_no', '凭证号00012'], // wrong length: nothing rather than a wrong value
    ['reference_no', '参考号12345678901'],
    ['reference_no', '订单号123456789012'], // another label owns it
    ['reference_no', '手机 123456789012'],
    ['merchant_id', '刷了123456789012345元'],
    ['terminal_id', '20261201'], // eight digits that read as a date
    ['terminal_id', '2026-12-01'],
    ['auth_code', 'auth code please'], // an English word is not a code
    ['card_last4', '手机尾号1234'], // a phone's last digits, not a card's
    ['card_last4', '订单尾号1234'],
    ['card_last4', '商户号 123456*****2345'], // a merchant ID masked as a card number
    ['merchant_id', '商户号 123456*****2345'],
    ['card_last4', 'refund 1234'],
  ])('%s: nothing in %j', (type, text) => {
    expect(spans(T[type]!, text)).toEqual([]);
  });

  it('reports spans in the original text when full-width characters were normalised', () => {
    const text = '凭证号：０００１２３，谢谢';
    const [found] = T.voucher_no!.extract(text, ctx());
    expect(found).toMatchObject({ value: '000123', display: '000123' });
    expect(text.slice(found!.start, found!.end)).toBe('０００１２３');
  });
});
