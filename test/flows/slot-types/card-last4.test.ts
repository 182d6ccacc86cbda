import { describe, expect, it } from 'vitest';
import { SLOT_TYPES } from '../../../src/flows/slot-types/types.js';
import { ctx, expectInvalid, expectValid, spans } from './helpers.js';

const last4 = SLOT_TYPES.card_last4!;

const REFUSAL_ZH = '请不要发送完整的银行卡号。为保护持卡人信息，只需发送卡号的后4位。';
const REFUSAL_EN = "Please don't send full card numbers. To protect the cardholder, send only the last 4 digits of the card.";

describe('card_last4: never a full card number', () => {
  it.each([
    ['4222222222222', '13 digits, Luhn-valid'],
    ['378282246310005', '15 digits, Luhn-valid'],
    ['4111111111111111', '16 digits, Luhn-valid'],
    ['4111111111111112', '16 digits, Luhn check fails'],
    ['6222021234567890128', '19 digits, Luhn-valid'],
    ['6222021234567890129', '19 digits, Luhn check fails'],
    ['6222 0212 3456 7890 128', 'with spaces'],
    ['4111-1111-1111-1111', 'with dashes'],
    ['６２２２　０２１２　３４５６　７８９０　１２８', 'full-width digits and spaces'],
    ['卡号是6222021234567890128，后四位0128', 'inside a sentence, with the last 4 too'],
    ['6222  0212  3456  7890  128', 'with double spaces'],
    ['62220212345678901281234', 'longer than 19 digits'],
  ])('%s (%s) is refused and its digits are not kept', (text) => {
    const result = last4.parse(text, ctx());
    expectInvalid(result, 'card_last4.full_card_number', REFUSAL_ZH, REFUSAL_EN);
    const json = JSON.stringify(result);
    expect(json).not.toMatch(/\d{13,}/);
    expect(json).not.toMatch(/\d{5,}/); // no piece of it either
    expect(json).not.toMatch(/\d{4}/); // not even the last 4
  });

  it('extracts nothing from a full card number', () => {
    expect(spans(last4, '卡号6222021234567890128')).toEqual([]);
    expect(spans(last4, '尾号6222021234567890128')).toEqual([]);
  });

  it('takes the last 4 of a masked card number (as the adapter or the slip prints it)', () => {
    expectValid(last4.parse('622202*********0128', ctx()), '0128');
    expectValid(last4.parse('卡号 6222 02** **** 0128', ctx()), '0128');
    expectValid(last4.parse('**** **** **** 4321', ctx()), '4321');
  });

  it('counts what was typed when it is not 4 digits', () => {
    expectInvalid(last4.parse('123', ctx()), 'card_last4.length', '请只发送卡号的后4位数字，您输入了3位。', 'Please send only the last 4 digits of the card; you entered 3.');
    expectInvalid(last4.parse('123456', ctx()), 'card_last4.length', '请只发送卡号的后4位数字，您输入了6位。');
    expectInvalid(last4.parse('12a4', ctx()), 'card_last4.format');
  });
});
