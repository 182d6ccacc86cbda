import { describe, expect, it } from 'vitest';
import { containsCardNumber, luhnValid } from '../../src/privacy/card-mask.js';
import { fixDigitConfusions, parseSlipFields, type OcrLine, type Point } from '../../src/slips/index.js';

/** A horizontal box from its left, top, width and height. */
const box = (x: number, y: number, w: number, h = 20): Point[] => [
  [x, y],
  [x + w, y],
  [x + w, y + h],
  [x, y + h],
];
const at = (text: string, x: number, y: number, w = text.length * 12): OcrLine => ({ text, mean: 0.98, box: box(x, y, w) });
/** Lines without boxes: one printed row each, in order. */
const rows = (...texts: string[]): OcrLine[] => texts.map((text) => ({ text, mean: 0.97 }));

const PAN = '6222021234567890128';

describe('slip fields: labels and values', () => {
  it('reads a 银联 slip whose values are printed right of their labels (separate boxes) or under them', () => {
    const lines: OcrLine[] = [
      at('银联POS签购单', 22, 19),
      at('商户名称（MERCHANTNAME)：', 22, 55),
      at('上海好再来便利店', 22, 89),
      at('商户编号(MERCHANTNO.):', 21, 123),
      at('898310048160123', 386, 125),
      at('终端编号(TERMINALNO.):', 20, 158),
      at('12345678', 464, 159),
      at('卡号(CARD NO.):', 20, 192),
      at('622202******1234', 20, 225),
      at('有效期(EXP DATE):', 20, 258),
      at('29/12', 500, 258),
      at('交易类型(TRANSTYPE)：', 22, 291),
      at('消费/SALE', 458, 291),
      at('批次号（BATCHNO.):000123凭证号（VOUCHERNO.):000456', 21, 324, 535),
      at('授权码（AUTHNO.):A1B2C3', 22, 357),
      at('参考号(REFER NO.):', 21, 390),
      at('123456789012', 420, 390),
      at('日期/时间(DATE/TIME):', 22, 423),
      at('2024/05/12 13:45:12', 21, 456),
      at('金额(AMOUNT):', 21, 489),
      at('RMB 990.00', 445, 489),
    ];
    const slip = parseSlipFields(lines);
    expect(slip.fields).toEqual({
      merchant_name: '上海好再来便利店',
      merchant_id: '898310048160123',
      terminal_id: '12345678',
      card_masked: '622202******1234',
      card_last4: '1234',
      transaction_type: '消费/SALE',
      batch_no: '000123',
      voucher_no: '000456',
      auth_code: 'A1B2C3',
      reference_no: '123456789012',
      date: '2024-05-12',
      time: '13:45:12',
      amount: '990.00',
    });
    expect(slip.hadFullPan).toBe(false);
    for (const c of Object.values(slip.confidence)) expect(c).toBeGreaterThan(0.9);
    // The expiry date is never returned, and hidden in the lines.
    expect(JSON.stringify(slip)).not.toContain('29/12');
    expect(slip.lines[10]!.text).toBe('**/**');
    expect(slip.sensitive).toEqual([{ kind: 'expiry', lines: [10] }]);
  });

  it('reads values printed on the line under their labels, lines without boxes', () => {
    const slip = parseSlipFields(
      rows(
        '商户名称 MERCHANT NAME',
        '杭州西湖区鲜果坊',
        '商户编号 MERCHANT NO.',
        '898310048160123',
        '终端编号 TERMINAL NO.',
        '12345678',
        '卡号 CARD NO.',
        '6222 02** **** 1234',
        '凭证号 VOUCHER NO.',
        '000456',
        '参考号 REF NO.',
        '123456789012',
        '日期时间 DATE/TIME',
        '2024-05-12 13:45:12',
        '金额 AMOUNT',
        'RMB 1,280.00',
      ),
    );
    expect(slip.fields).toMatchObject({
      merchant_name: '杭州西湖区鲜果坊',
      merchant_id: '898310048160123',
      terminal_id: '12345678',
      card_masked: '622202******1234',
      voucher_no: '000456',
      reference_no: '123456789012',
      date: '2024-05-12',
      time: '13:45:12',
      amount: '1280.00',
    });
  });

  it('reads English thermal-printer labels (TRACE NO., REF NO., AUTH NO., DATE/TIME with the time below)', () => {
    const slip = parseSlipFields(
      rows(
        'MERCHANT NAME:',
        'SUNNY MART',
        'MERCHANT N0: 898310048160123',
        'TERMINAL ID: 1234ABCD',
        'CARD NO:',
        '436742******7382',
        'EXP DATE: 2912',
        'TRANS TYPE: 消费/SALE',
        'BATCH NO: 000123',
        'TRACE NO: 000456',
        'AUTH NO: 09F3K2',
        'REF NO: 123456789012',
        'DATE/TIME: 2024/05/12',
        '13:45:12',
        'AMOUNT:',
        'RMB 990.00',
      ),
    );
    expect(slip.fields).toEqual({
      merchant_name: 'SUNNY MART',
      merchant_id: '898310048160123',
      terminal_id: '1234ABCD',
      card_masked: '436742******7382',
      card_last4: '7382',
      transaction_type: '消费/SALE',
      batch_no: '000123',
      voucher_no: '000456',
      auth_code: '09F3K2',
      reference_no: '123456789012',
      date: '2024-05-12',
      time: '13:45:12',
      amount: '990.00',
    });
    expect(slip.lines[6]!.text).toBe('EXP DATE: ****');
  });

  it('splits a row of two labels over a row of two values by where they are printed', () => {
    const slip = parseSlipFields([
      at('批次号 BATCH NO.', 20, 10),
      at('凭证号 VOUCHER NO.', 330, 10),
      at('000123', 36, 40),
      at('000456', 470, 40),
      at('授权码 AUTH NO.', 20, 80),
      at('参考号 REF NO.', 380, 80),
      at('123456789012', 396, 110),
      at('日期 DATE', 20, 150),
      at('时间 TIME', 440, 150),
      at('2024/05/12', 36, 180),
      at('13:45:12', 444, 180),
    ]);
    expect(slip.fields).toEqual({
      batch_no: '000123',
      voucher_no: '000456',
      reference_no: '123456789012',
      date: '2024-05-12',
      time: '13:45:12',
    });
  });

  it('pairs labels and values of a photo taken at an angle (the boxes of a slip rotated 7°)', () => {
    // The OCR's own boxes on a rotated photo: a row's value sits a row lower than its label at the right.
    const tilted = (text: string, b: number[]): OcrLine => ({ text, mean: 0.95, box: [[b[0]!, b[1]!], [b[2]!, b[3]!], [b[4]!, b[5]!], [b[6]!, b[7]!]] });
    const slip = parseSlipFields([
      tilted('RMB990.00', [452, 524, 565, 538, 562, 561, 449, 547]),
      tilted('金额（AMOUNT):', [29, 472, 179, 490, 176, 514, 26, 496]),
      tilted('2024/05/1213:45:12', [33, 438, 225, 461, 222, 484, 30, 461]),
      tilted('123456789012', [439, 416, 576, 433, 573, 456, 436, 439]),
      tilted('日期/时间（DATE/TIME）:', [39, 402, 254, 429, 251, 452, 36, 425]),
      tilted('参考号（REFERNO.）：', [42, 367, 228, 391, 225, 414, 39, 390]),
      tilted('授权码（AUTHNO.）:A1B2C3', [46, 333, 295, 364, 292, 386, 43, 355]),
      tilted('消费/SALE', [490, 315, 591, 328, 588, 353, 487, 340]),
      tilted('批次号（BATCHNO.）:000123凭证号（VOUCHERNO.）:000456', [50, 298, 585, 363, 582, 386, 47, 321]),
      tilted('交易类型（TRANSTYPE）：', [54, 262, 277, 290, 274, 313, 51, 285]),
      tilted('622202******1234', [58, 224, 234, 246, 230, 274, 54, 252]),
      tilted('12345678', [509, 211, 604, 224, 601, 248, 506, 235]),
      tilted('卡号（CARDNO.）:', [64, 192, 222, 212, 219, 237, 61, 217]),
      tilted('898310048160123', [435, 168, 607, 189, 604, 211, 432, 190]),
      tilted('终端编号（TERMINALNO.）：', [67, 157, 310, 189, 307, 212, 64, 180]),
      tilted('商户编号（MERCHANTNO.）:', [73, 123, 325, 155, 322, 178, 70, 146]),
      tilted('上海好再来便利店', [76, 87, 241, 108, 238, 132, 73, 111]),
      tilted('商户名称（MERCHANTNAME）:', [81, 53, 353, 87, 350, 110, 78, 76]),
    ]);
    expect(slip.fields).toMatchObject({
      merchant_name: '上海好再来便利店',
      merchant_id: '898310048160123',
      terminal_id: '12345678',
      card_masked: '622202******1234',
      transaction_type: '消费/SALE',
      batch_no: '000123',
      voucher_no: '000456',
      auth_code: 'A1B2C3',
      reference_no: '123456789012',
      date: '2024-05-12',
      time: '13:45:12',
      amount: '990.00',
    });
  });
});

describe('slip fields: OCR confusions', () => {
  it('undoes O/0, I/l/1, S/5, B/8, Z/2 in numbers, full-width characters, spaces inside numbers', () => {
    const slip = parseSlipFields(
      rows(
        '商户编号：8983lOO48l6Ol23',
        '终端号：１２３４５６７８',
        '批次号 BATCH NO: OOOl23',
        '凭证号：０００４５６',
        '参考号 REF NO: 1234 5678 9O12',
        '授权码: 12345O',
        '日期/时间: 2O24/O5/l2 l3:4S:1Z',
        '金额：￥１,２８０.OO',
        '卡号: 6222O2******l234',
      ),
    );
    expect(slip.fields).toMatchObject({
      merchant_id: '898310048160123',
      terminal_id: '12345678',
      batch_no: '000123',
      voucher_no: '000456',
      reference_no: '123456789012',
      auth_code: '123450',
      date: '2024-05-12',
      time: '13:45:12',
      amount: '1280.00',
      card_masked: '622202******1234',
    });
    // Corrected characters lower the confidence.
    expect(slip.confidence.merchant_id).toBeLessThan(slip.confidence.voucher_no!);
  });

  it('leaves words alone', () => {
    expect(fixDigitConfusions('消费/SALE RMB BOSS 99O.OO').text).toBe('消费/SALE RMB BOSS 990.00');
  });
});

describe('slip fields: invalid values are left empty', () => {
  it('does not guess, cut or pad a value that fails its format', () => {
    const slip = parseSlipFields(
      rows(
        '商户编号: 89831004816012',
        '终端编号: 1234567',
        '批次号: 0001234',
        '凭证号: 00045',
        '参考号: 12345678901',
        '授权码: ABCDEF',
        '日期/时间: 2024/13/45 25:61:00',
        '金额: RMB 990',
        '卡号: 6222021234',
      ),
    );
    expect(slip.fields).toEqual({});
  });

  it('keeps only the last 4 of a masked card number whose first 6 digits were not all read', () => {
    // The digit next to the stars read as one more star: the first 6 are not certain, the last 4 are.
    const slip = parseSlipFields(rows('卡号 CARD NO.', '62580*******3954'));
    expect(slip.fields).toEqual({ card_last4: '3954' });
  });

  it('reads a blank auth code as blank, not as the next row', () => {
    const slip = parseSlipFields(rows('授权码(AUTH NO.):', '参考号(REFER NO.): 123456789012'));
    expect(slip.fields).toEqual({ reference_no: '123456789012' });
  });

  it('takes a merchant ID or reference number without its label only when the label was not read and one such number is printed', () => {
    const garbled = parseSlipFields(rows('商户编亏: 898310048160123', '参者号 123456789012'));
    expect(garbled.fields).toEqual({ merchant_id: '898310048160123', reference_no: '123456789012' });
    expect(garbled.confidence.merchant_id).toBeLessThan(0.8);
    // Two candidates: which one is it? Neither.
    expect(parseSlipFields(rows('898310048160123', '898310048160999')).fields).toEqual({});
    // The label was read and its value is wrong: nothing else is taken in its place.
    expect(parseSlipFields(rows('商户编号: 8983100481601', '898310048160123')).fields.merchant_id).toBeUndefined();
  });
});

describe('slip fields: a full card number is never returned', () => {
  it('masks a full card number printed on the slip and reports where it is', () => {
    expect(luhnValid(PAN)).toBe(true);
    const lines = rows('商户编号: 898310048160123', '卡号(CARD NO.): 6222 0212 3456 7890 128', '有效期: 29/12', '凭证号: 000456');
    const slip = parseSlipFields(lines);
    expect(slip.hadFullPan).toBe(true);
    expect(slip.fields.card_masked).toBe('622202*********0128');
    expect(slip.fields.card_last4).toBe('0128');
    expect(slip.sensitive).toEqual([
      { kind: 'pan', lines: [1] },
      { kind: 'expiry', lines: [2] },
    ]);
    const out = JSON.stringify(slip);
    expect(containsCardNumber(out)).toBe(false);
    expect(out.replace(/\s/g, '')).not.toContain(PAN);
    expect(out).not.toContain('29/12');
    expect(slip.lines[1]!.text).toBe('卡号(CARD NO.): 6222 02** **** ***0 128');
    // The input is not changed.
    expect(lines[1]!.text).toContain('3456');
  });

  it('finds a card number printed in groups that the OCR boxed separately', () => {
    const slip = parseSlipFields([at('卡号 CARD NO.', 20, 10), at('6222 0212', 200, 10, 100), at('3456 7890 128', 320, 10, 150), at('凭证号 000456', 20, 40)]);
    expect(slip.hadFullPan).toBe(true);
    expect(slip.sensitive).toEqual([{ kind: 'pan', lines: [1, 2] }]);
    expect(containsCardNumber(slip.lines.map((l) => l.text).join(' '))).toBe(false);
    expect(slip.fields.voucher_no).toBe('000456');
  });

  it('does not take two numbers printed side by side for a card number', () => {
    const slip = parseSlipFields([at('授权码 AUTH NO.', 20, 10), at('参考号 REF NO.', 380, 10), at('675865', 36, 40), at('024744754711', 396, 40)]);
    expect(slip.hadFullPan).toBe(false);
    expect(slip.fields).toEqual({ auth_code: '675865', reference_no: '024744754711' });
  });

  it('hides a card number misread with a letter inside (no clean run of digits) after its label', () => {
    const slip = parseSlipFields(rows('卡号 CARD NO.', '622202123456A890128', '凭证号 000456'));
    expect(slip.hadFullPan).toBe(true);
    expect(slip.sensitive).toEqual([{ kind: 'pan', lines: [1] }]);
    expect(slip.lines[1]!.text).toBe('*******************');
    expect(slip.fields).toEqual({ voucher_no: '000456' });
  });

  it('flags a 16–19 digit number that fails Luhn (a misread card number) without returning it as the card', () => {
    const slip = parseSlipFields(rows('卡号: 6222021234567890124'));
    expect(slip.hadFullPan).toBe(true);
    expect(slip.fields.card_masked).toBeUndefined();
    expect(JSON.stringify(slip)).not.toContain('6222021234567890124');
  });
});
