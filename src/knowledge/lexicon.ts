/**
 * The domain lexicon (`knowledge/lexicon.yaml`): how merchants write → the guide's words. Spoken words
 * (小票 → 签购单, 钱没到 → 未到账), input-method typos (撤肖 → 撤销), pinyin typed with the IME off
 * (tuihuo → 退货) and regional forms (點樣 → 怎么). Every variant is rewritten to its term, in questions and
 * in the knowledge text alike, before anything is tokenised — so both sides speak the guide's language.
 *
 * Unlike the glossary's synonym groups (an expansion at a lower weight), a lexicon entry is a rewrite: a
 * variant must mean its term wherever it appears, which is why operators keep them unambiguous.
 */
import { z } from 'zod';
import { readYamlFile } from './yaml-file.js';

const LexiconSchema = z.object({
  entries: z
    .array(z.object({ term: z.string().trim().min(1), variants: z.array(z.union([z.string(), z.number()]).transform(String)).min(1) }))
    .default([]),
});

export interface Lexicon {
  /** Guide terms the lexicon rewrites to (the segmenter keeps them whole). */
  terms: string[];
  /** Rewrites `text` (already NFKC-normalised and lower-cased). */
  apply(text: string): string;
  /** Changes whenever a rewrite would: part of the index's terms hash. */
  fingerprint: string;
}

export const EMPTY_LEXICON: Lexicon = { terms: [], apply: (text) => text, fingerprint: '' };

const LATIN = /^[a-z0-9 '+-]+$/;

export function loadLexicon(file: string): Lexicon {
  const data = readYamlFile(file, LexiconSchema);
  return data ? lexiconOf(data.entries) : EMPTY_LEXICON;
}

/** Each variant (normalised as the text it is matched in) → its term. */
export function variantTerms(entries: { term: string; variants: string[] }[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const { term, variants } of entries) {
    const t = term.normalize('NFKC').toLowerCase().trim();
    for (const v of variants) {
      const key = v.normalize('NFKC').toLowerCase().trim();
      // A variant equal to its term, or already claimed by an earlier entry, rewrites nothing new.
      if (key && key !== t && !map.has(key)) map.set(key, t);
    }
  }
  return map;
}

export function lexiconOf(entries: { term: string; variants: string[] }[]): Lexicon {
  const map = variantTerms(entries);
  const fingerprint = JSON.stringify([...map].sort());
  if (map.size === 0) return { terms: [...new Set(entries.map((e) => e.term))], apply: (text) => text, fingerprint };
  const match = variantMatcher([...map.keys()]);
  const lookup = (m: string) => map.get(m) ?? map.get(m.replace(/ /g, '')) ?? findSpaced(map, m) ?? m;
  return {
    fingerprint,
    terms: [...new Set(map.values())],
    apply: (text) => {
      let out = '';
      let last = 0;
      for (let i = 0; i < text.length; ) {
        const end = match(text, i);
        if (end === undefined) {
          i++;
          continue;
        }
        const m = text.slice(i, end);
        out += text.slice(last, i) + ` ${lookup(m)} `.replace(/^ (?=[\u3400-\u9fff])|(?<=[\u3400-\u9fff]) $/g, '');
        last = i = end;
      }
      return last === 0 ? text : out + text.slice(last);
    },
  };
}

const isLatinLetter = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';

/**
 * Where a variant that starts at `at` ends, or undefined. The variants are tried longest first, so 手工推货
 * wins over 推货; a space inside a variant may be left out ("shougong tuihuo" is "shou gong tui huo"), and
 * Latin variants (pinyin) match whole words only: "tuihuo" must not fire inside another word.
 *
 * It does what one regular-expression alternation of all the variants would, but looks only at the
 * variants that begin with the character at hand. The alternation (hundreds of branches, the pinyin ones
 * with look-behinds) tried every branch at every position: 79 ms for an ingest in a fresh process, but in
 * a test worker that had run other files first it took 16 s of one file's 30 (V8 seemingly back in its
 * regexp interpreter), and the same risk stood in a long-running server.
 */
function variantMatcher(variants: string[]): (text: string, at: number) => number | undefined {
  const byFirst = new Map<string, { chars: string; latin: boolean }[]>();
  const ordered = [...variants].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  for (const v of ordered) {
    const entry = { chars: v.replace(/ +/g, ' '), latin: LATIN.test(v) };
    const list = byFirst.get(v[0]!) ?? [];
    list.push(entry);
    byFirst.set(v[0]!, list);
  }
  return (text, at) => {
    const candidates = byFirst.get(text[at]!);
    if (!candidates) return undefined;
    for (const { chars, latin } of candidates) {
      if (latin && isLatinLetter(text[at - 1])) continue;
      let j = at;
      let k = 0;
      for (; k < chars.length; k++) {
        const c = chars[k]!;
        if (c === ' ') {
          if (text[j] === ' ') j++; // the space is optional; the next character is never a space
        } else if (text[j] === c) j++;
        else break;
      }
      if (k < chars.length) continue;
      if (latin && isLatinLetter(text[j])) continue;
      return j;
    }
    return undefined;
  };
}

const words = z.array(z.union([z.string(), z.number()]).transform(String)).default([]);
const OutOfScopeSchema = z.object({ questions: words, elsewhere: words, terminal: words, unanswered: words, carriers: words });

/** `knowledge/out-of-scope.yaml`. */
export interface OutOfScope {
  /**
   * Questions that sound close to the guide but are not its business (a new terminal's price, Alipay
   * passwords, loans). A question nearer to one of these than to any question a section lists is not
   * answered from the guide.
   */
  questions: string[];
  /** Words naming what the guide is not about (淘宝, 美团, 话费, ETC): a question naming one is refused… */
  elsewhere: string[];
  /** …unless the message mentions the card terminal or its slips (POS, 刷卡, 签购单). */
  terminal: string[];
  /**
   * Words of what the guide never covers about the terminal itself or the business around it (电池, 广告,
   * 发票, 小费): a question naming one is refused, the terminal named or not — unless it also names one of
   * the guide's own concepts (撤销, 结算, 签购单…), as "撤销的时候机器没电了" does.
   */
  unanswered: string[];
  /**
   * The things the `unanswered` words are parts of (the terminal, its slip): naming them is not naming
   * one of the guide's concepts, so "小票上的广告能去掉吗" is still about the ads.
   */
  carriers: string[];
}

export function loadOutOfScope(file: string): OutOfScope {
  const data = readYamlFile(file, OutOfScopeSchema);
  const list = (xs: string[] | undefined) => (xs ?? []).map((q) => q.trim()).filter(Boolean);
  return {
    questions: list(data?.questions),
    elsewhere: list(data?.elsewhere),
    terminal: list(data?.terminal),
    unanswered: list(data?.unanswered),
    carriers: list(data?.carriers),
  };
}

/** A spaced pinyin variant ("tui huo") matched written without or with other spacing. */
function findSpaced(map: Map<string, string>, match: string): string | undefined {
  const bare = match.replace(/ /g, '');
  for (const [k, v] of map) if (k.replace(/ /g, '') === bare) return v;
  return undefined;
}
