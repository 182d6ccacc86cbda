/**
 * Numbers written in English words, as merchants type them ("three hundred sixty yuan", "twelve hundred",
 * "4 thousand", "the twenty-eighth", "October fifth"): where they are and the digits they stand for, so
 * the amount and date readers, which read digits, read them too.
 *
 * Only runs that cannot be anything but a number are taken: a single small word ("one", "two") is left
 * alone ("this one", "two of them"), and so are "first", "second" and "third" away from a month's name
 * ("the second one", "third party", "first time").
 */

const UNITS: Record<string, number> = { zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9 };
const TEENS: Record<string, number> = {
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fourty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const SCALES: Record<string, number> = { hundred: 100, thousand: 1000 };
const ORDINALS: Record<string, number> = {
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10,
  eleventh: 11, twelfth: 12, thirteenth: 13, fourteenth: 14, fifteenth: 15, sixteenth: 16, seventeenth: 17, eighteenth: 18,
  nineteenth: 19, twentieth: 20, thirtieth: 30,
};
/** Ordinals that are ordinary words too: a day only beside a month's name. */
const COMMON_ORDINALS = new Set(['first', 'second', 'third']);

const WORD = [...Object.keys(UNITS), ...Object.keys(TEENS), ...Object.keys(TENS), ...Object.keys(SCALES), ...Object.keys(ORDINALS)].sort((a, b) => b.length - a.length).join('|');
/** Number words joined by spaces, hyphens or "and" ("three hundred and sixty", "twenty-fifth"). */
const RUN = new RegExp(`(?<![a-z])(?:${WORD})(?:(?:[\\s-]+|\\s+and\\s+)(?:${WORD}))*(?![a-z])`, 'gi');
const MONTH = /\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b/i;

export interface EnglishNumber {
  start: number;
  end: number;
  /** What to read instead: digits, with an ordinal's suffix ("28th"). */
  digits: string;
}

/** The value of a run's words, or undefined when they do not make one number. */
function valueOf(words: string[]): { value: number; ordinal: boolean } | undefined {
  let total = 0;
  let current = 0;
  let ordinal = false;
  let previous: 'unit' | 'teen' | 'tens' | 'scale' | undefined;
  for (const w of words) {
    if (ordinal) return undefined; // nothing after an ordinal: "fifth six" is two things
    // "three hundred and sixty"; "between fifteen and twenty" is two numbers.
    if (w === 'and') {
      if (previous !== 'scale') return undefined;
      continue;
    }
    if (w in UNITS) {
      // "twenty five" adds; "five six" is two numbers.
      if (previous === 'unit' || previous === 'teen') return undefined;
      current += UNITS[w]!;
      previous = 'unit';
    } else if (w in TEENS || w in TENS) {
      const v = TEENS[w] ?? TENS[w]!;
      // "eighteen sixty", "twenty twenty": read as a year is, two digits then two.
      if (previous === 'teen' || previous === 'tens' || (previous === 'unit' && current >= 10)) current = current * 100 + v;
      else if (previous === 'unit') return undefined;
      else current += v;
      previous = w in TEENS ? 'teen' : 'tens';
    } else if (w in SCALES) {
      const s = SCALES[w]!;
      if (s === 100) current = (current || 1) * 100;
      else {
        total += (current || 1) * s;
        current = 0;
      }
      previous = 'scale';
    } else if (w in ORDINALS) {
      const v = ORDINALS[w]!;
      if (previous === 'unit' || previous === 'teen') return undefined;
      current += v;
      ordinal = true;
    } else return undefined;
  }
  return { value: total + current, ordinal };
}

function suffix(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
}

/** Digits with a scale word ("4 thousand", "1.5 thousand", "3 hundred"). */
const DIGITS_SCALE = /(?<![\d.,])(\d{1,4}(?:\.\d{1,2})?)\s*(hundred|thousand)(?![a-z])/gi;

/** The English number words in `text`, each with the digits it stands for. */
export function englishNumbers(text: string): EnglishNumber[] {
  const out: EnglishNumber[] = [];
  for (const m of text.matchAll(DIGITS_SCALE)) {
    const [int = '0', frac = ''] = m[1]!.split('.');
    const zeros = m[2]!.toLowerCase() === 'hundred' ? 2 : 3;
    // Exact: "1.5 thousand" is 1500, shifted in the digits, not multiplied in floating point.
    const digits = `${int}${frac.padEnd(zeros, '0')}`.replace(/^0+(?=\d)/, '');
    out.push({ start: m.index, end: m.index + m[0].length, digits });
  }
  for (const m of text.matchAll(RUN)) {
    if (out.some((o) => m.index < o.end && o.start < m.index + m[0].length)) continue;
    const words = m[0].toLowerCase().split(/[\s-]+/);
    const read = valueOf(words);
    if (!read) continue;
    const single = words.length === 1 ? words[0] : undefined;
    // One small word is no number worth reading ("this one", "two of them"); "ten" and up are.
    if (single && (single in UNITS || single in SCALES)) continue;
    if (single && COMMON_ORDINALS.has(single)) {
      const around = `${text.slice(Math.max(0, m.index - 12), m.index)} ${text.slice(m.index + m[0].length, m.index + m[0].length + 14)}`;
      if (!MONTH.test(around)) continue;
    }
    out.push({ start: m.index, end: m.index + m[0].length, digits: read.ordinal ? `${read.value}${suffix(read.value)}` : String(read.value) });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The text with its numbers in English words written in digits ("charged eight hundred eighty" → "charged 880"). */
export function withDigits(text: string): string {
  let out = '';
  let at = 0;
  for (const n of englishNumbers(text)) {
    out += text.slice(at, n.start) + n.digits;
    at = n.end;
  }
  return out + text.slice(at);
}
