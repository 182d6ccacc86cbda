/**
 * Exact decimal numbers and Chinese numerals, for amounts (一千二百八十元, 12.8万, 两千五) and dates
 * (三天前, 十一月二十日, 二〇二六年).
 *
 * Amounts are money: no floating point. A `Dec` is an integer mantissa and a count of decimal places
 * (`{ m: 1285n, e: 1 }` is 128.5), so "1.28万" is exactly 12800 and "1280.005" is known to have 3 places.
 */

export interface Dec {
  m: bigint;
  /** Decimal places: the value is m / 10^e (e ≥ 0). */
  e: number;
}

const TEN = 10n;

export function dec(s: string): Dec {
  const [int = '0', frac = ''] = s.split('.');
  return { m: BigInt(int + frac || '0'), e: frac.length };
}

function scale(a: Dec, e: number): bigint {
  return a.m * TEN ** BigInt(e - a.e);
}

export function decAdd(a: Dec, b: Dec): Dec {
  const e = Math.max(a.e, b.e);
  return { m: scale(a, e) + scale(b, e), e };
}

/** a × n for an integer n (units: 十, 百, 万 …). */
export function decMul(a: Dec, n: bigint): Dec {
  return { m: a.m * n, e: a.e };
}

/** Without trailing zeros: 1280.50 → 1280.5, 12.80万 → 128000. */
export function decTrim(a: Dec): Dec {
  let { m, e } = a;
  while (e > 0 && m % TEN === 0n) {
    m /= TEN;
    e--;
  }
  return { m, e };
}

/** The value in fen (cents), or `undefined` when it has more than 2 decimal places. */
export function decToFen(a: Dec): bigint | undefined {
  const t = decTrim(a);
  return t.e > 2 ? undefined : scale(t, 2);
}

/** Plain decimal notation: { m: 1280123n, e: 3 } → "1280.123". */
export function decToString(a: Dec): string {
  const t = decTrim(a);
  const digits = t.m.toString().padStart(t.e + 1, '0');
  return t.e === 0 ? digits : `${digits.slice(0, -t.e)}.${digits.slice(-t.e)}`;
}

// ── Chinese numerals ────────────────────────────────────────────────────────────────────────────────

export const CN_DIGITS: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 壹: 1, 二: 2, 两: 2, 贰: 2, 三: 3, 叁: 3, 四: 4, 肆: 4,
  五: 5, 伍: 5, 六: 6, 陆: 6, 七: 7, 柒: 7, 八: 8, 捌: 8, 九: 9, 玖: 9,
};
export const CN_UNITS: Record<string, bigint> = {
  十: 10n, 拾: 10n, 百: 100n, 佰: 100n, 千: 1000n, 仟: 1000n, 万: 10_000n, 萬: 10_000n, 亿: 100_000_000n, 億: 100_000_000n,
};
/** Characters of a Chinese numeral, for building patterns. */
export const CN_NUMERAL_CHARS = Object.keys(CN_DIGITS).join('') + Object.keys(CN_UNITS).join('');

type Token = { kind: 'num'; value: Dec; single: boolean } | { kind: 'zero' } | { kind: 'unit'; value: bigint };

function tokenize(s: string): Token[] | undefined {
  const tokens: Token[] = [];
  const re = /\d+(?:\.\d+)?|\s+|./gsu;
  for (const m of s.matchAll(re)) {
    const t = m[0];
    if (/^\s+$/.test(t)) continue;
    if (/^\d/.test(t)) tokens.push({ kind: 'num', value: dec(t), single: /^\d$/.test(t) });
    else if (t === '零' || t === '〇') tokens.push({ kind: 'zero' });
    else if (t in CN_DIGITS) tokens.push({ kind: 'num', value: dec(String(CN_DIGITS[t])), single: true });
    else if (t in CN_UNITS) tokens.push({ kind: 'unit', value: CN_UNITS[t]! });
    else return undefined;
  }
  return tokens;
}

/**
 * A number written with Chinese numerals, Arabic digits or both: 一千二百八十 → 1280, 两千五 → 2500
 * (a last digit after a unit means the next lower unit), 一万零五十 → 10050, 12.8万 → 128000, 1万5 → 15000,
 * 二〇二六 → 2026 (digits without units read one by one). `undefined` when it is not a number (万一, 千万,
 * 一二百).
 */
export function parseNumeral(s: string): Dec | undefined {
  const tokens = tokenize(s);
  if (tokens === undefined || tokens.length === 0) return undefined;

  // Digits only, no units: read one by one (二〇二六, 一二八〇); a lone Arabic number is itself.
  if (tokens.every((t) => t.kind !== 'unit')) {
    if (tokens.length === 1 && tokens[0]!.kind === 'num') return tokens[0]!.value;
    if (!tokens.every((t) => t.kind === 'zero' || (t.kind === 'num' && t.single))) return undefined;
    return dec(tokens.map((t) => (t.kind === 'num' ? t.value.m.toString() : '0')).join(''));
  }

  const first = tokens[0]!;
  if (first.kind === 'unit' && first.value !== 10n) return undefined; // 万一, 千万, 百 …
  let total: Dec = dec('0');
  let section: Dec = dec('0');
  let num: Token | undefined;
  let lastUnit = 0n;
  let afterZero = false;
  for (const t of tokens) {
    if (t.kind === 'num') {
      if (num !== undefined) return undefined; // two numbers in a row: 一二百
      num = t;
    } else if (t.kind === 'zero') {
      if (num !== undefined) return undefined;
      afterZero = true;
      lastUnit = 0n;
    } else if (t.value < 10_000n) {
      const n = num?.kind === 'num' ? num.value : dec('1');
      section = decAdd(section, decMul(n, t.value));
      num = undefined;
      lastUnit = t.value;
      afterZero = false;
    } else {
      const n = num?.kind === 'num' ? num.value : dec('0');
      const block = decAdd(section, n);
      if (block.m === 0n) return undefined; // 万 with nothing in front
      // 万 scales its own block (一亿五千万 = 1亿 + 5000万); 亿 scales everything before it (一万亿).
      total = t.value === 10_000n ? decAdd(total, decMul(block, t.value)) : decMul(decAdd(total, block), t.value);
      section = dec('0');
      num = undefined;
      lastUnit = t.value;
      afterZero = false;
    }
  }
  let tail: Dec = dec('0');
  if (num?.kind === 'num') {
    // 两千五 = 2500, 一万五 = 15000: a single last digit right after a unit counts in the next lower unit.
    tail = num.single && lastUnit >= 10n && !afterZero ? decMul(num.value, lastUnit / 10n) : num.value;
  }
  return decAdd(decAdd(total, section), tail);
}

/** A small whole number (a day, a month, a count of days) in Arabic or Chinese numerals. */
export function parseSmallInt(s: string): number | undefined {
  const d = parseNumeral(s);
  if (d === undefined) return undefined;
  const t = decTrim(d);
  if (t.e !== 0 || t.m > 100_000n) return undefined;
  return Number(t.m);
}
