/**
 * Property-based tests of card masking (fast-check): generated card numbers (Luhn-valid, 13–19 digits,
 * issuers' prefixes) written with generated separators, groupings and full-width digits inside generated
 * merchant text; and generated merchant numbers (merchant and terminal IDs, vouchers, reference numbers,
 * phones, dates, times, amounts) that must come through unchanged. The rules are in the header of
 * src/privacy/card-mask.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsCardNumber, luhnValid, maskCardNumbers, maskCardNumbersAfter } from '../../src/privacy/card-mask.js';
import { withCheckDigit } from './luhn-helpers.js';

const RUNS = 400;

// ── Card numbers ────────────────────────────────────────────────────────────────────────────────────

const ISSUERS: { prefix: string; lengths: number[] }[] = [
  { prefix: '62', lengths: [16, 17, 18, 19] }, // UnionPay
  { prefix: '6222', lengths: [16, 19] },
  { prefix: '9558', lengths: [19] }, // old domestic debit cards
  { prefix: '4', lengths: [13, 16, 19] }, // Visa
  { prefix: '51', lengths: [16] }, // Mastercard
  { prefix: '55', lengths: [16] },
  { prefix: '2221', lengths: [16] },
  { prefix: '34', lengths: [15] }, // American Express
  { prefix: '37', lengths: [15] },
  { prefix: '35', lengths: [16, 19] }, // JCB
  { prefix: '36', lengths: [14] }, // Diners Club
  { prefix: '6011', lengths: [16, 19] }, // Discover
];

const digit = fc.integer({ min: 0, max: 9 }).map(String);

const pan = fc
  .constantFrom(...ISSUERS)
  .chain(({ prefix, lengths }) =>
    fc.constantFrom(...lengths).chain((length) =>
      fc.array(digit, { minLength: length - prefix.length - 1, maxLength: length - prefix.length - 1 }).map((body) => withCheckDigit(prefix + body.join(''))),
    ),
  );

/** How a card is split into groups: as one run, in fours, BIN + rest, Amex 4-6-5, or random 3–6 digit groups. */
function grouping(n: number): fc.Arbitrary<number[]> {
  const fours = Array.from({ length: Math.ceil(n / 4) }, (_, k) => Math.min(4, n - 4 * k));
  const options: fc.Arbitrary<number[]>[] = [fc.constant([n]), fc.constant(fours)];
  if (n >= 16) options.push(fc.constant([6, n - 6]));
  if (n === 15) options.push(fc.constant([4, 6, 5]));
  options.push(
    fc.array(fc.integer({ min: 3, max: 6 }), { minLength: 1, maxLength: 6 }).map((sizes) => {
      const out: number[] = [];
      let left = n;
      for (const size of sizes) {
        if (left <= 6) break;
        out.push(size);
        left -= size;
      }
      while (left > 6) {
        out.push(4);
        left -= 4;
      }
      out.push(left);
      return out;
    }),
  );
  return fc.oneof(...options);
}

/** Separators inside one number: spaces of every width, dashes, dots, slashes, underscores, bars… */
const TIGHT = [' ', '-', '.', '/', '_', '|', '\t', '\u00a0', '\u3000', '\uff0d', '\u2013', '\u2014', '\u00b7', '\uff0f', '#', ':'];
/** …and list punctuation and line breaks, which join only cards of the common lengths (15, 16, 19). */
const LISTED = [',', '\uff0c', '\u3001', ';', '\uff1b', '\n', '\r\n'];

function gap(chars: string[], min = 1): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...chars), { minLength: min, maxLength: 3 }).map((parts) => parts.join('').slice(0, 3));
}

const FULL_WIDTH = (d: string) => String.fromCharCode(d.charCodeAt(0) - 0x30 + 0xff10);

interface Written {
  pan: string;
  text: string;
  groups: string[];
}

/** A card number as a merchant might type it: grouped, with 1–3 separator characters, maybe full-width. */
const written: fc.Arbitrary<Written> = pan.chain((number) => {
  const common = [15, 16, 19].includes(number.length);
  return fc
    .tuple(grouping(number.length), fc.array(gap(common ? [...TIGHT, ...LISTED] : TIGHT), { minLength: 18, maxLength: 18 }), fc.constantFrom('ascii', 'full', 'mixed'), fc.array(fc.boolean(), { minLength: 19, maxLength: 19 }))
    .map(([sizes, gaps, width, flips]) => {
      const digits = [...number].map((d, k) => (width === 'full' || (width === 'mixed' && flips[k]) ? FULL_WIDTH(d) : d));
      const groups: string[] = [];
      let at = 0;
      for (const size of sizes) {
        groups.push(digits.slice(at, at + size).join(''));
        at += size;
      }
      return { pan: number, groups, text: groups.map((g, k) => (k === 0 ? g : gaps[k - 1] + g)).join('') };
    });
});

function masked(number: string): string {
  return number.slice(0, 6) + '*'.repeat(number.length - 10) + number.slice(-4);
}

/** Digits (ASCII) and masking stars of a text, everything else dropped: what a reader could piece together. */
function digitsAndStars(text: string): string {
  return text.replace(/[\uff10-\uff19]/g, FULL_WIDTH_BACK).replace(/[^0-9*]/g, '');
}
function FULL_WIDTH_BACK(d: string): string {
  return String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30);
}
const asciiOf = (digits: string) => digits.replace(/[\uff10-\uff19]/g, FULL_WIDTH_BACK);
/** An 8-digit date (yyyymmdd): never read as part of a card (see the rules). */
const DATE8 = /^(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/;

// ── Merchant text around it ─────────────────────────────────────────────────────────────────────────

const digits = (n: number) => fc.array(digit, { minLength: n, maxLength: n }).map((ds) => ds.join(''));
const pad2 = (n: number) => String(n).padStart(2, '0');

const date = fc
  .tuple(fc.integer({ min: 2020, max: 2030 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .chain(([y, m, d]) => fc.constantFrom(`${y}-${pad2(m)}-${pad2(d)}`, `${y}/${m}/${d}`, `${y}.${pad2(m)}.${pad2(d)}`, `${y}${pad2(m)}${pad2(d)}`, `${pad2(m)}-${pad2(d)}`, `${pad2(m)}${pad2(d)}`, `${y}年${m}月${d}日`));
const time = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }))
  .chain(([h, m, s]) => fc.constantFrom(`${pad2(h)}:${pad2(m)}`, `${pad2(h)}:${pad2(m)}:${pad2(s)}`, `${pad2(h)}${pad2(m)}${pad2(s)}`));
const amount = fc
  .tuple(fc.integer({ min: 1, max: 99_999 }), fc.integer({ min: 0, max: 99 }))
  .chain(([yuan, fen]) => fc.constantFrom(`${yuan}`, `${yuan}.${pad2(fen)}`, `${yuan.toLocaleString('en-US')}.${pad2(fen)}`, `¥${yuan}`, `RMB ${yuan.toLocaleString('en-US')}.${pad2(fen)}`, `${yuan}元`));

/** Numbers merchants type that are not card numbers, each as they write them. */
const merchantNumber = fc.oneof(
  digits(14).map((d) => `8${d}`), // merchant ID (UnionPay's start with 8), Luhn-valid or not
  digits(13).map((d) => withCheckDigit(`8${d}`)),
  digits(8), // terminal ID
  digits(6), // voucher (凭证号)
  digits(12), // reference (参考号)
  digits(10).chain((d) => fc.constantFrom(`1${d}`, `+86 1${d}`, `1${d.slice(0, 2)}-${d.slice(2, 6)}-${d.slice(6)}`, `1${d.slice(0, 2)} ${d.slice(2, 6)} ${d.slice(6)}`)), // phone
  digits(4), // the card's last 4
  date,
  time,
  fc.tuple(date, time).map(([d, t]) => `${d} ${t}`),
  amount,
);

const LABELS = ['终端号', '商户号', '凭证号', '参考号', '金额', '日期', '时间', '电话', '尾号', '批次号', 'terminal', 'voucher no.', 'ref', 'amount', 'date'];
const WORDS = ['您好', '帮我退款', '昨天那笔', '请问怎么撤销', '顾客要退货', 'hello', 'please refund', 'thanks', '谢谢', '好的'];
const JOIN = [' ', '，', '。', ', ', '\n', '；', ' - ', ''];

/** A labelled merchant number: a word always stands between two numbers. */
const labelled = fc.tuple(fc.constantFrom(...LABELS), fc.constantFrom('', ' ', '：', ': ', ' #'), merchantNumber).map(([label, sep, n]) => label + sep + n);
const chunk = fc.oneof(fc.constantFrom(...WORDS), labelled);
const merchantText = fc.array(fc.tuple(chunk, fc.constantFrom(...JOIN)), { maxLength: 5 }).map((parts) => parts.map(([c, j]) => c + j).join(''));

// ── Properties ──────────────────────────────────────────────────────────────────────────────────────

describe('card masking: properties', () => {
  it('masks a card number however it is written, to exactly first 6 + stars + last 4, and leaves the text around it alone', () => {
    fc.assert(
      fc.property(merchantText, fc.constantFrom('卡号', '卡号是', 'card no.', '我的卡'), gap([...TIGHT, ' ', '：'], 0), written, gap([' ', '，', '。', '\n'], 0), fc.constantFrom(...WORDS), merchantText, (before, label, lead, card, trail, word, after) => {
        const text = `${before}${label}${lead}${card.text}${trail}${word}${after}`;
        const result = maskCardNumbers(text);
        expect(result.text).toBe(`${before}${label}${lead}${masked(card.pan)}${trail}${word}${after}`);
        expect(result.count).toBe(1);
        expect(containsCardNumber(text)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('never lets a card number through next to bare numbers joined by separators', () => {
    const bare = fc.oneof(digits(6), digits(8), digits(12), digits(4), amount, date);
    fc.assert(
      fc.property(fc.option(fc.tuple(bare, gap([...TIGHT, ...LISTED]))), written, fc.option(fc.tuple(gap([...TIGHT, ...LISTED]), bare)), (left, card, right) => {
        const text = `${left ? left[0] + left[1] : ''}${card.text}${right ? right[0] + right[1] : ''}`;
        const result = maskCardNumbers(text);
        expect(result.count).toBeGreaterThanOrEqual(1);
        expect(digitsAndStars(result.text)).not.toContain(card.pan);
        // Nothing of the card's middle survives between its first 6 and last 4.
        expect(digitsAndStars(result.text)).toContain('***');
        expect(maskCardNumbers(result.text)).toEqual({ text: result.text, count: 0 });
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves merchant numbers — IDs, vouchers, references, phones, dates, times, amounts — unchanged', () => {
    fc.assert(
      fc.property(merchantText, (text) => {
        expect(maskCardNumbers(text)).toEqual({ text, count: 0 });
        expect(containsCardNumber(text)).toBe(false);
      }),
      { numRuns: RUNS },
    );
    // A message that is nothing but one of them.
    fc.assert(
      fc.property(merchantNumber, (text) => {
        expect(maskCardNumbers(text)).toEqual({ text, count: 0 });
      }),
      { numRuns: RUNS },
    );
  });

  it('does not mask a 15-digit merchant ID starting with 8, whatever its separators', () => {
    fc.assert(
      fc.property(digits(14), fc.array(gap(TIGHT), { minLength: 3, maxLength: 3 }), (d, gaps) => {
        const id = `8${d}`;
        for (const text of [id, `${id.slice(0, 3)}${gaps[0]}${id.slice(3, 7)}${gaps[1]}${id.slice(7, 11)}${gaps[2]}${id.slice(11)}`]) {
          expect(maskCardNumbers(text)).toEqual({ text, count: 0 });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('is idempotent on any mix of digits, separators, letters and stars', () => {
    const unit = fc.oneof(
      { weight: 6, arbitrary: digit },
      { weight: 1, arbitrary: fc.constantFrom('１', '２', '９', '０') },
      { weight: 3, arbitrary: fc.constantFrom(' ', '-', '.', ',', '\n', '/', '_', '　', '，') },
      { weight: 1, arbitrary: fc.constantFrom('*', '•', 'a', '号', 'X') },
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 80 }), (text) => {
        const once = maskCardNumbers(text);
        expect(maskCardNumbers(once.text)).toEqual({ text: once.text, count: 0 });
        expect(containsCardNumber(text)).toBe(once.count > 0);
      }),
      { numRuns: 2000 },
    );
  });

  it("masks a card number split over two messages: the second shows only the card's last 4", () => {
    // Cards of the common lengths, cut between two groups or inside one; a piece that ends up before
    // another group has at least 3 digits (shorter ones are dates and times: see the rules).
    const split = written
      .filter((card) => [15, 16, 19].includes(card.pan.length))
      .chain((card) => {
        const cuts: number[] = [];
        let at = 0;
        card.groups.forEach((g, k) => {
          const last = k === card.groups.length - 1;
          for (let c = 3; c < g.length; c++) {
            const pieces = [g.slice(0, c), g.slice(c)].map(asciiOf);
            if ((last || g.length - c >= 3) && !pieces.some((p) => DATE8.test(p))) cuts.push(at + c);
          }
          at += g.length;
          if (!last) cuts.push(at);
        });
        return fc.tuple(fc.constant(card), fc.constantFrom(...cuts));
      });
    fc.assert(
      fc.property(split, fc.constantFrom('卡号', '卡号是 ', 'card: '), gap([' ', '-', '，'], 0), gap([' ', '-', '\n'], 0), fc.option(fc.constantFrom(...WORDS)), ([card, cut], label, end1, start2, tail) => {
        // `cut` counts digits; find where it falls in the written text.
        let seen = 0;
        let pos = 0;
        while (seen < cut) {
          if (/[0-9\uff10-\uff19]/.test(card.text[pos]!)) seen++;
          pos++;
        }
        const first = `${label}${card.text.slice(0, pos)}${end1}`;
        const rest = card.text.slice(pos).replace(/^[^0-9\uff10-\uff19]+/, '');
        const second = `${start2}${rest}${tail ? `，${tail}` : ''}`;
        const one = maskCardNumbersAfter(undefined, first);
        const two = maskCardNumbersAfter(one.tail, second);
        if (one.count > 0) {
          // The first part was a card number by itself (13–15 digits passing Luhn): masked there.
          expect(digitsAndStars(one.text)).toContain('***');
          return;
        }
        // The first message holds no card by itself and is stored as it came; the second one shows no
        // digit of the card but its last 4.
        expect(one.text).toBe(first);
        const mine = card.pan.slice(cut);
        const expected = mine.length <= 4 ? second : `${start2}${'*'.repeat(Math.max(3, mine.length - 4))}${mine.slice(-4)}${tail ? `，${tail}` : ''}`;
        expect(two.text).toBe(expected);
        expect(two.count).toBe(mine.length <= 4 ? 0 : 1);
      }),
      { numRuns: RUNS },
    );
  });

  it('generates what it claims: Luhn-valid card numbers of 13–19 digits', () => {
    fc.assert(
      fc.property(pan, (n) => {
        expect(luhnValid(n)).toBe(true);
        expect(n.length).toBeGreaterThanOrEqual(13);
        expect(n.length).toBeLessThanOrEqual(19);
      }),
      { numRuns: 200 },
    );
  });
});
