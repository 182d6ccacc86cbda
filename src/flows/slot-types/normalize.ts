/**
 * Text normalisation shared by the slot types, keeping a map back to the original text so that spans
 * found in the normalised text can be reported in the merchant's own message.
 *
 * Each code point is normalised on its own with NFKC: full-width digits and letters (Chinese input
 * methods in full-width mode), full-width punctuation (，：（）＃) and the ideographic space become their
 * ASCII forms, ￥ becomes ¥. Dash look-alikes (‐ ‑ ‒ – — ― −) become '-', so "138–0013–8000" reads as a
 * number with separators. Traditional characters become simplified, one character for one ("仲未結算",
 * "商戶號", "憑證號" read as the labels and options are written). Digits read out one by one ("八二六四一零…")
 * become digits, and so do numbers in English words ("three hundred sixty", "the twenty-eighth": see
 * core/english-numbers.ts). Case is kept; patterns are
 * case-insensitive where it matters.
 */
import { simplifiedChar } from '../../core/chinese-script.js';
import { englishNumbers } from '../../core/english-numbers.js';

const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63]/g;

export interface Normalized {
  /** The normalised text. */
  text: string;
  /** For each UTF-16 unit of `text`, where its source code point starts in the original. */
  starts: number[];
  /** For each UTF-16 unit of `text`, where its source code point ends in the original. */
  ends: number[];
  /** The original text. */
  original: string;
}

/**
 * Numbers read out digit by digit and typed by voice ("八二六四一零九九…", "幺三八…", grouped as a phone number
 * is read: "一三三 八七六五 二零九四"): six or more digits in a row are an identifier or a phone number, never a
 * quantity, so each becomes its digit (the spaces or dashes between the groups stay). The telephone
 * readings count too: 幺/妖/么 for 1, 洞 for 0, 拐 for 7, 勾 for 9.
 */
export const DIGIT_WORD = '[零〇洞一幺妖么二两三四五六七拐八九勾]';
// A number read out may be grouped with commas as one says it ("幺八六，幺二零七，三四五九").
export const SPOKEN_DIGIT_RUN = new RegExp(`${DIGIT_WORD}(?:[\\s,，、-]*${DIGIT_WORD}){5,}`, 'g');
export const SPOKEN_DIGIT: Record<string, string> = { 零: '0', 〇: '0', 洞: '0', 一: '1', 幺: '1', 妖: '1', 么: '1', 二: '2', 两: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 拐: '7', 八: '8', 九: '9', 勾: '9' };

export function normalize(original: string): Normalized {
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let i = 0;
  const spoken = new Set<number>();
  // Commas between the groups of a number read out go: "幺八六，幺二零七，三四五九" is one number.
  const dropped = new Set<number>();
  for (const m of original.matchAll(SPOKEN_DIGIT_RUN)) {
    for (let k = 0; k < m[0].length; k++) {
      if (SPOKEN_DIGIT[m[0][k]!]) spoken.add(m.index + k);
      else if (/[,，、]/.test(m[0][k]!)) dropped.add(m.index + k);
    }
  }
  const english = new Map(englishNumbers(original).map((e) => [e.start, e]));
  let skipTo = 0;
  for (const cp of original) {
    if (i < skipTo) {
      i += cp.length;
      continue;
    }
    if (dropped.has(i)) {
      i += cp.length;
      continue;
    }
    const words = english.get(i);
    if (words) {
      // "three hundred sixty" reads as "360": every digit maps back to the whole run of words.
      for (let k = 0; k < words.digits.length; k++) {
        starts.push(words.start);
        ends.push(words.end);
      }
      text += words.digits;
      skipTo = words.end;
      i += cp.length;
      continue;
    }
    const out = spoken.has(i) ? SPOKEN_DIGIT[cp]! : simplifiedChar(cp.normalize('NFKC').replace(DASHES, '-'));
    for (let k = 0; k < out.length; k++) {
      starts.push(i);
      ends.push(i + cp.length);
    }
    text += out;
    i += cp.length;
  }
  return { text, starts, ends, original };
}

/** The original span of the normalised span [start, end). */
export function originalSpan(n: Normalized, start: number, end: number): { start: number; end: number } {
  if (end <= start) {
    const at = start < n.starts.length ? n.starts[start]! : n.original.length;
    return { start: at, end: at };
  }
  return { start: n.starts[start]!, end: n.ends[end - 1]! };
}

/** A number typed in groups ("8271 0359 4662 018", "138-0013-8000") as one run of digits. */
export function joinDigitGroups(s: string): string {
  return s.replace(/(?<=\d)[\s-](?=\d)/g, '');
}

/** ASCII digits of a string, everything else dropped. */
export function digitsOf(s: string): string {
  return s.replace(/[^0-9]/g, '');
}

/** Trailing punctuation and particles that carry no value ("。", "!", "哦", "吧"). */
const TRAILING = /[\s.。!?;,、~…"'”’)\]】》]+$|(?:[\s]*(?:吧|啊|呀|哦|哈|呢|喔|嗯|了|的)[\s.。!?,~]*)+$/u;
const LEADING = /^[\s"'“‘(\[【《]+/u;

/** Trims whitespace, surrounding quotes and trailing punctuation or particles. */
export function trimAnswer(s: string): string {
  let out = s.replace(LEADING, '');
  for (;;) {
    const next = out.replace(TRAILING, '');
    if (next === out) break;
    out = next;
  }
  return out.trim();
}

/** Keeps the earliest, then longest, of overlapping candidates. */
export function dropOverlaps<T extends { start: number; end: number }>(items: T[]): T[] {
  const sorted = [...items].sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
  const kept: T[] = [];
  let lastEnd = -1;
  for (const item of sorted) {
    if (item.start >= lastEnd) {
      kept.push(item);
      lastEnd = item.end;
    }
  }
  return kept;
}

/** Counts code points (what a merchant calls characters, 字). */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
