import { describe, expect, it } from 'vitest';
import { SLOT_TYPE_NAMES } from '../../../src/flows/flow-schema.js';
import { messageKeys } from '../../../src/flows/slot-types/messages.js';
import { parseNumeral, decToString } from '../../../src/core/numerals.js';
import { SLOT_TYPES } from '../../../src/flows/slot-types/types.js';
import { ctx } from './helpers.js';

describe('registry', () => {
  it('has exactly the types flow files may name, each under its own name', () => {
    expect(Object.keys(SLOT_TYPES).sort()).toEqual([...SLOT_TYPE_NAMES].sort());
    for (const [name, type] of Object.entries(SLOT_TYPES)) expect(type.name).toBe(name);
  });

  it('has no type for card data that must never be asked for', () => {
    for (const name of Object.keys(SLOT_TYPES)) expect(name).not.toMatch(/card_?(number|no)$|pan|cvv|cvc|pin|expir|password|track/i);
  });

  it('every type answers empty and odd input without throwing', () => {
    const odd = ['', ' ', '？', '\u0000', '😀', '1'.repeat(2000), '一'.repeat(300), '-', '.', '¥', '万', '号'];
    const options = { values: [{ id: 'a', labels: ['甲'] }] };
    for (const type of Object.values(SLOT_TYPES)) {
      for (const text of odd) {
        const parsed = type.parse(text, ctx(options));
        expect(typeof parsed.ok).toBe('boolean');
        expect(Array.isArray(type.extract(text, ctx(options)))).toBe(true);
      }
    }
  });

  it('stays linear on long adversarial messages (no catastrophic backtracking)', () => {
    const long = ['a'.repeat(2000), '1 '.repeat(1000), '1-'.repeat(1000), '一'.repeat(2000), '1a'.repeat(1000), '*'.repeat(2000),
      '号'.repeat(2000), '1.'.repeat(1000), '商户号'.repeat(600), '1万'.repeat(1000), '12345678 '.repeat(220), '刷了1'.repeat(600)];
    const options = { values: [{ id: 'a', labels: ['甲', 'aaa'] }] };
    const started = performance.now();
    for (const type of Object.values(SLOT_TYPES)) {
      for (const text of long) {
        type.extract(text, ctx(options));
        type.parse(text, ctx(options));
      }
    }
    expect(performance.now() - started).toBeLessThan(2000); // about 0.4 s on a 2-core machine
  });
});

describe('messages', () => {
  it('every message exists in zh-CN and English', () => {
    const { zh, en } = messageKeys();
    expect(en.sort()).toEqual(zh.sort());
  });
});

describe('numerals', () => {
  it.each([
    ['一千二百八十', '1280'],
    ['两千五', '2500'],
    ['三千五百', '3500'],
    ['一万零五十', '10050'],
    ['一万五', '15000'],
    ['一千零八', '1008'],
    ['十', '10'],
    ['十五', '15'],
    ['二十', '20'],
    ['一百零八', '108'],
    ['十万', '100000'],
    ['一千万', '10000000'],
    ['一亿五千万', '150000000'],
    ['壹仟贰佰捌拾', '1280'],
    ['二〇二六', '2026'],
    ['12.8万', '128000'],
    ['1.28万', '12800'],
    ['1万5', '15000'],
    ['1280', '1280'],
    ['1280.50', '1280.5'],
  ])('%s = %s', (text, value) => {
    expect(decToString(parseNumeral(text)!)).toBe(value);
  });

  it.each(['万一', '千万', '一二百', '百', '', 'abc'])('%j is not a number', (text) => {
    expect(parseNumeral(text)).toBeUndefined();
  });
});
