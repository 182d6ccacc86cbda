import { describe, expect, it } from 'vitest';
import { containsCardNumber, luhnValid, maskCardNumbers, maskCardNumbersAfter, maskDeep } from '../../src/privacy/card-mask.js';
import { breakCheckDigit, withCheckDigit } from './luhn-helpers.js';

const PAN13 = '4222222222222'; // Visa test number
const PAN15 = '378282246310005'; // American Express test number
const PAN16 = '4111111111111111'; // Visa test number
const PAN16B = '6011111111111117'; // Discover test number
const PAN19 = withCheckDigit('622202123456789012'); // UnionPay-style, 19 digits

describe('luhnValid', () => {
  it('accepts the known test numbers and the computed 19-digit one', () => {
    expect(PAN19).toBe('6222021234567890128');
    for (const pan of [PAN13, PAN15, PAN16, PAN16B, PAN19]) expect(luhnValid(pan), pan).toBe(true);
  });

  it('rejects a wrong check digit, non-digits and the empty string', () => {
    for (const pan of [PAN13, PAN15, PAN16, PAN16B, PAN19]) expect(luhnValid(breakCheckDigit(pan))).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('4111 1111 1111 1111')).toBe(false);
    expect(luhnValid('411111111111111a')).toBe(false);
  });
});

describe('maskCardNumbers', () => {
  it('masks 13, 15, 16 and 19 digit card numbers to first 6 + stars + last 4', () => {
    expect(maskCardNumbers(PAN13)).toEqual({ text: '422222***2222', count: 1 });
    expect(maskCardNumbers(PAN15)).toEqual({ text: '378282*****0005', count: 1 });
    expect(maskCardNumbers(PAN16)).toEqual({ text: '411111******1111', count: 1 });
    expect(maskCardNumbers(PAN16B)).toEqual({ text: '601111******1117', count: 1 });
    expect(maskCardNumbers(PAN19)).toEqual({ text: '622202*********0128', count: 1 });
  });

  it('masks numbers written with spaces or dashes, dropping the separators', () => {
    expect(maskCardNumbers('6222 0212 3456 7890 128').text).toBe('622202*********0128');
    expect(maskCardNumbers('4111-1111-1111-1111').text).toBe('411111******1111');
    expect(maskCardNumbers('3782 822463 10005').text).toBe('378282*****0005');
    expect(maskCardNumbers('4111 1111-1111 1111').text).toBe('411111******1111');
  });

  it('masks inside Chinese text and keeps the text around it', () => {
    expect(maskCardNumbers('卡号6222021234567890128帮我退款')).toEqual({
      text: '卡号622202*********0128帮我退款',
      count: 1,
    });
    expect(maskCardNumbers('您好，我的卡号是 4111-1111-1111-1111，昨天刷了两次。').text).toBe(
      '您好，我的卡号是 411111******1111，昨天刷了两次。',
    );
  });

  it('masks full-width digits typed by a Chinese input method', () => {
    expect(maskCardNumbers('卡号４１１１　１１１１　１１１１　１１１１').text).toBe('卡号411111******1111');
  });

  it('masks several cards in one text and counts them', () => {
    const text = `第一张 ${PAN16}，第二张 ${PAN15}，还有 6011-1111-1111-1117 和 ${PAN19}`;
    expect(maskCardNumbers(text)).toEqual({
      text: '第一张 411111******1111，第二张 378282*****0005，还有 601111******1117 和 622202*********0128',
      count: 4,
    });
  });

  it('leaves 13–15 digit numbers failing the Luhn check untouched', () => {
    for (const text of [breakCheckDigit(PAN13), breakCheckDigit(PAN15), '4222-2222-2222-3']) {
      expect(maskCardNumbers(text)).toEqual({ text, count: 0 });
    }
  });

  it('masks 16–19 digit numbers even when they fail Luhn (a mistyped card number is still a card number)', () => {
    expect(maskCardNumbers(breakCheckDigit(PAN16)).count).toBe(1);
    expect(maskCardNumbers('卡号6222 0212 3456 7890 123帮我退款')).toEqual({ text: '卡号622202*********0123帮我退款', count: 1 });
    expect(maskCardNumbers('4111-1111-1111-1112')).toEqual({ text: '411111******1112', count: 1 });
    expect(maskCardNumbers(breakCheckDigit(PAN19)).count).toBe(1);
  });

  it('leaves 12-digit reference numbers and 6-digit voucher numbers untouched, even when they pass Luhn', () => {
    const ref = withCheckDigit('12345678901'); // 12 digits, Luhn-valid
    expect(luhnValid(ref)).toBe(true);
    const text = `参考号 ${ref}，凭证号 000123，终端号 12345678，金额 1280.00 元，日期 2024-11-25`;
    expect(maskCardNumbers(text)).toEqual({ text, count: 0 });
    expect(containsCardNumber(text)).toBe(false);
  });

  it('leaves a 15-digit merchant ID alone, Luhn-valid or not, and still masks 15-digit card numbers', () => {
    const passing = withCheckDigit('89831004816123');
    const failing = breakCheckDigit(passing);
    expect(luhnValid(passing)).toBe(true);
    expect(luhnValid(failing)).toBe(false);
    expect(maskCardNumbers(`商户号 ${failing}`)).toEqual({ text: `商户号 ${failing}`, count: 0 });
    expect(maskCardNumbers(passing)).toEqual({ text: passing, count: 0 });
    // 15-digit cards: American Express (34, 37), legacy JCB (1800, 2131), enRoute (2014, 2149).
    for (const prefix of ['34', '37', '1800', '2131', '2014', '2149']) {
      const card = withCheckDigit(prefix.padEnd(14, '1'));
      expect(maskCardNumbers(`卡号 ${card}`), card).toEqual({ text: `卡号 ${card.slice(0, 6)}*****${card.slice(-4)}`, count: 1 });
    }
  });

  it('does not mask runs of more than 19 digits without separators, or parts of them', () => {
    for (const text of [
      `${PAN16}0000`, // 20 digits: a Luhn-valid card inside a longer run
      `0${PAN19}`, // 20 digits
      '1'.repeat(40),
    ]) {
      expect(maskCardNumbers(text)).toEqual({ text, count: 0 });
    }
  });

  it('returns text without digits unchanged', () => {
    expect(maskCardNumbers('')).toEqual({ text: '', count: 0 });
    expect(maskCardNumbers('怎么打印签购单？')).toEqual({ text: '怎么打印签购单？', count: 0 });
  });

  it('scans large and adversarial input in linear time', () => {
    const big = `${'请帮我查询参考号 123456789012 的交易，卡号 4111 1111 1111 1111。'.repeat(20_000)}`;
    const adversarial = '1-'.repeat(200_000) + '1 '.repeat(200_000) + '１'.repeat(200_000);
    const start = performance.now();
    expect(maskCardNumbers(big).count).toBe(20_000);
    expect(maskCardNumbers(adversarial).count).toBe(0);
    expect(containsCardNumber(adversarial)).toBe(false);
    // Linear, this takes well under a second; a pattern that backtracks on 600,000 characters of digits and
    // separators takes minutes. The bound only has to tell those apart on a loaded 2-core machine.
    expect(performance.now() - start).toBeLessThan(10_000);
  });
});

describe('maskCardNumbers: separators (issue 16)', () => {
  const MASKED19 = '622202*********0128';

  it.each([
    ['6222 - 0212 - 3456 - 7890 128', 'spaced dashes'],
    ['6222.0212.3456.7890.128', 'dots'],
    ['6222/0212/3456/7890/128', 'slashes'],
    ['6222_0212_3456_7890_128', 'underscores'],
    ['6222  0212  3456  7890  128', 'double spaces'],
    ['6222\n0212\n3456\n7890\n128', 'one group per line'],
    ['6222\r\n0212\r\n3456\r\n7890\r\n128', 'one group per line, CRLF'],
    ['6222 \n0212 \n3456 \n7890 \n128', 'one group per line, trailing spaces'],
    ['6222\t0212\t3456\t7890\t128', 'tabs'],
    ['6222–0212—3456 | 7890 · 128', 'en and em dashes, a bar, a middle dot'],
    ['6222,0212,3456,7890,128', 'commas'],
    ['6222，0212。3456、7890；128', 'Chinese punctuation'],
    ['６２２２－０２１２－３４５６－７８９０－１２８', 'full-width digits and dashes'],
    ['６２２２　　０２１２　　３４５６　　７８９０　　１２８', 'full-width digits, double ideographic spaces'],
    ['6222\u00a0\u00a00212 3456-7890_128', 'mixed: no-break spaces, space, dash, underscore'],
    ['6222) 0212-3456 [7890] 128', 'brackets'],
  ])('masks %j (%s)', (written) => {
    expect(maskCardNumbers(written)).toEqual({ text: MASKED19, count: 1 });
    expect(maskCardNumbers(`卡号：${written}，帮我退款`)).toEqual({ text: `卡号：${MASKED19}，帮我退款`, count: 1 });
    expect(containsCardNumber(written)).toBe(true);
  });

  it('masks 13–16 digit cards written in other groupings', () => {
    expect(maskCardNumbers('3782 822463 10005').text).toBe('378282*****0005'); // American Express, 4-6-5
    expect(maskCardNumbers('3782-8224-6310-005').text).toBe('378282*****0005');
    expect(maskCardNumbers('4222 2222 22222').text).toBe('422222***2222');
    expect(maskCardNumbers('4111 / 1111 / 1111 / 1111').text).toBe('411111******1111');
    expect(maskCardNumbers('411111 1111111111').text).toBe('411111******1111');
  });

  it('masks a card number written in fours even with a mistyped digit; in other groupings it needs Luhn', () => {
    expect(maskCardNumbers('6222.0212.3456.7890.123')).toEqual({ text: '622202*********0123', count: 1 });
    expect(maskCardNumbers('4111 - 1111 - 1111 - 1112')).toEqual({ text: '411111******1112', count: 1 });
    for (const text of ['411111 1111111112', '4111 111111 111112']) expect(maskCardNumbers(text)).toEqual({ text, count: 0 });
  });

  it('masks the card in a chain of numbers and keeps the numbers next to it', () => {
    expect(maskCardNumbers('6222021234567890128, 000123').text).toBe(`${MASKED19}, 000123`);
    expect(maskCardNumbers('000123, 6222021234567890128').text).toBe(`000123, ${MASKED19}`);
    expect(maskCardNumbers('4111 1111 1111 1111 2024').text).toBe('411111******1111 2024');
    expect(maskCardNumbers('12345678, 6222 0212 3456 7890 128, 000123').text).toBe(`12345678, ${MASKED19}, 000123`);
    expect(maskCardNumbers('4111111111111111/6011111111111117')).toEqual({ text: '411111******1111/601111******1117', count: 2 });
  });

  it('masks the whole stretch when a neighbouring number and the card pass Luhn together (the safe side)', () => {
    // A terminal ID that passes Luhn with the card's first 8 digits: two qualifying windows overlap.
    let terminal = 53005940;
    while (!luhnValid(`${terminal}62220212`)) terminal++;
    const text = `终端号 ${terminal}, 6222 0212 3456 7890 128 谢谢`;
    expect(maskCardNumbers(text)).toEqual({ text: `终端号 ${String(terminal).slice(0, 6)}${'*'.repeat(17)}0128 谢谢`, count: 1 });
  });

  it('leaves numbers separated by words, and typical merchant numbers, alone', () => {
    for (const text of [
      '商户号898310048161234，终端号12345678',
      '商户号 898310048161234 终端号 12345678 凭证号 000123 参考号 123456789012',
      '2026-12-03 14:30:22',
      '2026/12/03 14:30',
      '20261203 143022', // date and time
      '12345678 20261203', // terminal ID and date
      '金额 1,280.00 元，2026.12.03',
      '1280, 2300, 4500, 6700', // four amounts
      '1280 2300 4500 6700',
      '4000, 8000, 16000, 32000',
      '13812345678 000123', // phone and voucher
      '+86 138 1234 5678',
      '0755-8888 1234 / 000123',
      '000123, 123456789012', // voucher and reference
      '123456789012, 000123',
      '523456789012\n000123',
      '898310048161234 12345678',
      '6222 02** **** 0128', // already masked, as a slip prints it
      '尾号 0128',
    ]) {
      expect(maskCardNumbers(text), text).toEqual({ text, count: 0 });
    }
  });

  it('ends a chain at letters, masking characters, or more than three separators', () => {
    for (const text of ['6222 0212 3456 a 7890 128', '6222 0212 3456 ** 7890 128', '6222021234 卡 567890128']) {
      expect(maskCardNumbers(text), text).toEqual({ text, count: 0 });
    }
    // A wider gap separates two numbers: "6222021234" and "567890128" are nothing alone.
    expect(maskCardNumbers('6222021234    567890128').count).toBe(0);
  });

  it('masks a card between markdown emphasis', () => {
    expect(maskCardNumbers('**6222 0212 3456 7890 128**').text).toBe(`**${MASKED19}**`);
    expect(maskCardNumbers('_6222 0212 3456 7890 128_').text).toBe(`_${MASKED19}_`);
  });

  it('is idempotent: masked text masks to itself', () => {
    for (const text of [
      '6222021234567894128 1234 5678 9012', // the last 4 of the mask must not start a new chain
      '1234 5678 9012 6222021234567890128',
      '4111 1111 1111 1111 2024, 6011-1111-1111-1117',
      '53005940, 6222 0212 3456 7890 128 000123',
    ]) {
      const once = maskCardNumbers(text).text;
      expect(once, text).not.toBe(text);
      expect(maskCardNumbers(once), text).toEqual({ text: once, count: 0 });
    }
  });
});

describe('maskCardNumbersAfter: a card number split over two messages', () => {
  function twoMessages(first: string, second: string) {
    const one = maskCardNumbersAfter(undefined, first);
    return { one, two: maskCardNumbersAfter(one.tail, second) };
  }

  it("masks the second message's part but the card's last 4", () => {
    expect(twoMessages('卡号6222 0212', '3456 7890 128').two).toEqual({ text: '*******0128', count: 1, tail: [] });
    expect(twoMessages('6222021234', '567890128').two).toMatchObject({ text: '*****0128', count: 1 });
    expect(twoMessages('卡号是 6222-0212-3456-', '7890-128，谢谢').two).toMatchObject({ text: '***0128，谢谢', count: 1 });
    expect(twoMessages('4111 1111', '1111 1111').two).toMatchObject({ text: '****1111', count: 1 });
    expect(twoMessages('６２２２ ０２１２', '３４５６ ７８９０ １２８').two).toMatchObject({ text: '*******0128', count: 1 });
    // The first message held no card by itself and is left as it came.
    expect(twoMessages('卡号6222 0212', '3456 7890 128').one).toEqual({ text: '卡号6222 0212', count: 0, tail: ['6222', '0212'] });
  });

  it('leaves the second message alone when it holds only the last 4', () => {
    expect(twoMessages('6222 0212 3456 789', '0128').two).toEqual({ text: '0128', count: 0, tail: [] });
  });

  it('joins only when the first message ends with the digits and the second starts with them', () => {
    expect(twoMessages('6222 0212 是前8位', '3456 7890 128').two.count).toBe(0);
    expect(twoMessages('6222 0212', '后面是 3456 7890 128').two.count).toBe(0);
  });

  it('does not join answers given one per message: voucher, reference, last 4, dates, IDs', () => {
    const pairs: [string, string][] = [
      ['371136', '686651901301'], // voucher, then reference: 18 digits
      ['686651901301', '371136'],
      ['686651901301', '5952'], // reference, then the card's last 4
      ['53005940', '20261203'], // terminal ID, then a date
      ['892865567056497', '53005940'],
      ['2', '892865567056497'], // a menu choice, then a merchant ID
      ['13933129945', '000123'],
    ];
    for (const [first, second] of pairs) {
      expect(twoMessages(first, second).two, `${first} → ${second}`).toMatchObject({ text: second, count: 0 });
    }
  });

  it('does not join to a card masked in the first message', () => {
    const { one, two } = twoMessages(`卡号 ${PAN19}`, '1234 5678');
    expect(one.text).toBe('卡号 622202*********0128');
    expect(one.tail).toEqual([]);
    expect(two).toMatchObject({ text: '1234 5678', count: 0 });
  });

  it('keeps at most 18 digits of tail, and none after a longer run', () => {
    expect(maskCardNumbersAfter(undefined, '9 8765 4321 0987 6543 21').tail).toEqual(['8765', '4321', '0987', '6543', '21']);
    expect(maskCardNumbersAfter(undefined, '终端号 53005940 ').tail).toEqual(['53005940']);
    expect(maskCardNumbersAfter(undefined, '53005940 号').tail).toEqual([]);
    expect(maskCardNumbersAfter(undefined, '1'.repeat(25)).tail).toEqual([]);
  });
});

describe('containsCardNumber', () => {
  it('finds card numbers with the same rules as masking', () => {
    expect(containsCardNumber(`卡号${PAN16}帮我退款`)).toBe(true);
    expect(containsCardNumber('6222 0212 3456 7890 128')).toBe(true);
    expect(containsCardNumber('参考号 123456789012，凭证号 000123 再看 6222 0212 3456 7890 128')).toBe(true);
    expect(containsCardNumber(breakCheckDigit(PAN16))).toBe(true);
    expect(containsCardNumber(breakCheckDigit(PAN13))).toBe(false);
    expect(containsCardNumber(`${PAN16}0000`)).toBe(false);
    expect(containsCardNumber('没有卡号')).toBe(false);
  });

  it('gives the same answer when called repeatedly (no regular-expression state leaks)', () => {
    const text = `a ${PAN16} b`;
    for (let i = 0; i < 3; i++) expect(containsCardNumber(text)).toBe(true);
    for (let i = 0; i < 3; i++) expect(maskCardNumbers(text).count).toBe(1);
  });
});

describe('maskDeep', () => {
  it('masks every string in nested objects and arrays, and counts them', () => {
    const activity = {
      type: 'message',
      text: `卡号${PAN16}帮我退款`,
      from: { id: 'u1', name: '张三' },
      attachments: [{ contentType: 'text/plain', content: { lines: ['ok', `备用卡 ${PAN15}`] } }],
      channelData: { amount: 128, confirmed: true, note: null, missing: undefined },
    };
    const { value, count } = maskDeep(activity);
    expect(count).toBe(2);
    expect(value).toEqual({
      type: 'message',
      text: '卡号411111******1111帮我退款',
      from: { id: 'u1', name: '张三' },
      attachments: [{ contentType: 'text/plain', content: { lines: ['ok', '备用卡 378282*****0005'] } }],
      channelData: { amount: 128, confirmed: true, note: null, missing: undefined },
    });
    expect(JSON.stringify(value)).not.toContain(PAN16);
  });

  it('does not mutate the input and returns a copy', () => {
    const input = { a: { b: [`x ${PAN16}`] }, c: 'no card' };
    const snapshot = structuredClone(input);
    const { value } = maskDeep(input);
    expect(input).toEqual(snapshot);
    expect(value).not.toBe(input);
    expect(value.a).not.toBe(input.a);
    expect(value.a.b).not.toBe(input.a.b);
    expect(value.a.b[0]).toBe('x 411111******1111');
  });

  it('masks plain strings and passes other primitives through', () => {
    expect(maskDeep(PAN16)).toEqual({ value: '411111******1111', count: 1 });
    expect(maskDeep(42)).toEqual({ value: 42, count: 0 });
    expect(maskDeep(null)).toEqual({ value: null, count: 0 });
    expect(maskDeep(undefined)).toEqual({ value: undefined, count: 0 });
  });

  it('masks object keys, Maps, Sets and errors, copies Dates, and keeps cycles', () => {
    const err = Object.assign(new Error(`card ${PAN16} declined`), { code: 'X', pan: PAN15 });
    const when = new Date('2024-11-25T00:00:00Z');
    const input: Record<string, unknown> = {
      [PAN16B]: 'key',
      map: new Map([['k', PAN16]]),
      set: new Set([PAN19]),
      err,
      when,
    };
    input.self = input;
    const { value, count } = maskDeep(input);
    expect(count).toBe(6); // key, map value, set value, error message, error stack, error field
    expect(Object.keys(value)).toContain('601111******1117');
    expect((value.map as Map<string, string>).get('k')).toBe('411111******1111');
    expect([...(value.set as Set<string>)]).toEqual(['622202*********0128']);
    const maskedErr = value.err as Error & { code: string; pan: string };
    expect(maskedErr).toBeInstanceOf(Error);
    expect(maskedErr).not.toBe(err);
    expect(maskedErr.message).toBe('card 411111******1111 declined');
    expect(maskedErr.stack).not.toContain(PAN16);
    expect(maskedErr.code).toBe('X');
    expect(maskedErr.pan).toBe('378282*****0005');
    expect(err.message).toBe(`card ${PAN16} declined`);
    expect(value.when).toEqual(when);
    expect(value.when).not.toBe(when);
    expect(value.self).toBe(value);
  });
});
