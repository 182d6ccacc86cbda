/**
 * Which of several slips sent together is the sale meant, told by when it was swiped: a clock time ("是9点13
 * 那张", "下午4点07那笔", "the 5:30 pm one") or its place in time ("退后面那笔", "the second one") — or by its
 * amount pointed at ("先弄3180那张", "the 3180 one"). Slips are
 * told apart by amount, voucher and reference number first (FlowEngine.slipMeant); this is for a double
 * charge, whose two slips differ in nothing a merchant remembers but the minute.
 */

import { parseSmallInt } from '../core/numerals.js';

/** The key under which a slip's printed time ("16:07:29") travels with its values. Never a slot name. */
export const SLIP_TIME = '@time';

/** A number of the clock as said in Chinese: 九, 十二, 零六, 二十五. */
const CN_CLOCK_NUMBER = '[零〇一二两三四五六七八九十]{1,3}';
const CLOCK = new RegExp(
  String.raw`(?<part>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|昨晚|今晚)?\s*(?<h>\d{1,2}|${CN_CLOCK_NUMBER})\s*(?:点|點|[:：])\s*(?:(?<m>\d{1,2}|${CN_CLOCK_NUMBER})\s*分?)?(?:\s*(?<ampm>am|pm|a\.m\.|p\.m\.))?(?!\d)`,
  'gi',
);
const LATER = /后(?:面|边)?刷的|后面(?:那|这|的)|后(?:一|边)(?:笔|张|单|个)|后边那|第二(?:笔|张|单|个)|第2(?:笔|张|单|个)|后刷的|后来(?:刷的|那)|\b(?:the )?(?:second|later|latter|last|2nd) (?:one|charge|swipe|payment|slip|receipt)\b/gi;
const EARLIER = /前面(?:那|这|的)|前(?:一|边)(?:笔|张|单|个)|前边那|第一(?:笔|张|单|个)|第1(?:笔|张|单|个)|先刷的|\b(?:the )?(?:first|earlier|former|1st) (?:one|charge|swipe|payment|slip|receipt)\b/gi;

function minutesOf(printed: string | undefined): number | undefined {
  const m = /^(\d{1,2}):(\d{2})/.exec(printed ?? '');
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

export interface SlipChoice {
  index: number;
  /** The text with the words that chose it blanked out. */
  rest: string;
}

/** The slip `text` points at among `each` (values with their SLIP_TIME), or undefined when it points at none or at several. */
export function pickSlip(text: string, each: Record<string, string>[]): SlipChoice | undefined {
  if (each.length < 2) return undefined;
  const times = each.map((values) => minutesOf(values[SLIP_TIME]));
  const blank = (spans: [number, number][]) => spans.reduce((t, [a, b]) => t.slice(0, a) + ' '.repeat(b - a) + t.slice(b), text);
  for (const c of text.matchAll(CLOCK)) {
    let hour = parseSmallInt(c.groups!.h!);
    const minute = c.groups!.m === undefined ? undefined : parseSmallInt(c.groups!.m);
    if (hour === undefined || hour > 23 || (c.groups!.m !== undefined && (minute === undefined || minute > 59))) continue;
    const part = c.groups!.part;
    const pm = /^p/i.test(c.groups!.ampm ?? '') || ['下午', '傍晚', '晚上', '昨晚', '今晚'].includes(part ?? '') || (part === '中午' && hour < 3);
    if (pm && hour < 12) hour += 12;
    // "九点零六那张" of a slip printed 21:06: without a part of the day, either half of it.
    const halfDay = part === undefined && !c.groups!.ampm && hour < 12;
    const hourFits = (h: number) => h === hour || (halfDay && h === hour! + 12);
    const matching = times.flatMap((t, i) => (t !== undefined && hourFits(Math.floor(t / 60)) && (minute === undefined || t % 60 === minute) ? [i] : []));
    if (matching.length === 1) return { index: matching[0]!, rest: blank([[c.index, c.index + c[0].length]]) };
  }
  // "先弄3180那张 1180的我回头再单独弄": the slip pointed at by its amount.
  const byAmount = each.flatMap((values, i) => {
    const whole = /^(\d+)(?:\.\d+)?$/.exec((values.amount ?? '').replace(/,/g, ''))?.[1];
    if (!whole) return [];
    const at = new RegExp(String.raw`(?<![\d.])${whole}(?:\.\d{1,2})?\s*(?:元|块)?\s*的?\s*[这那](?:张|笔|单|个)|\bthe\s+(?:¥\s*)?${whole}(?:\.\d{1,2})?\s+(?:one|slip|receipt|charge|sale)\b`, 'i').exec(text);
    return at ? [{ index: i, span: [at.index, at.index + at[0].length] as [number, number] }] : [];
  });
  if (byAmount.length === 1) return { index: byAmount[0]!.index, rest: blank([byAmount[0]!.span]) };
  const later = [...text.matchAll(LATER)];
  const earlier = [...text.matchAll(EARLIER)];
  if (later.length > 0 === earlier.length > 0) return undefined;
  // Later or earlier by the printed times, all known and different; without them, in the order the photos came.
  const timed = times.every((t) => t !== undefined) && new Set(times).size === times.length;
  const order = (timed ? times.map((t, i) => [t!, i] as const) : times.map((_t, i) => [i, i] as const)).sort((a, b) => a[0] - b[0]);
  const index = later.length ? order[order.length - 1]![1] : order[0]![1];
  return { index, rest: blank([...later, ...earlier].map((m) => [m.index, m.index + m[0].length])) };
}
