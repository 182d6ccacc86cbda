/**
 * The glossary (`knowledge/glossary.yaml`) is the operators' lever on retrieval without touching code:
 * - `terms`: domain words the Chinese segmenter must keep whole (签购单, 参考号, 预授权…);
 * - `synonyms`: groups of words merchants use for the same thing — colloquial (刷错了 → 撤销), typos and
 *   homophones (撤消, 结帐), and English (refund → 退货). A question that contains any member is expanded
 *   with the others, at a lower weight than the words actually typed.
 */
import { z } from 'zod';
import { normalize, words } from './text.js';
import { readYamlFile } from './yaml-file.js';

const GlossarySchema = z.object({
  terms: z.array(z.string().min(1)).default([]),
  synonyms: z.array(z.array(z.string().min(1)).min(2)).default([]),
});

export interface Glossary {
  terms: string[];
  synonyms: string[][];
}

export const EMPTY_GLOSSARY: Glossary = { terms: [], synonyms: [] };

export function loadGlossary(file: string): Glossary {
  const data = readYamlFile(file, GlossarySchema);
  if (!data) return EMPTY_GLOSSARY;
  return {
    terms: data.terms.map(normalize),
    synonyms: data.synonyms.map((g) => g.map(normalize)),
  };
}

const LATIN = /^[a-z0-9+\-. ]+$/;

/**
 * Whether the (normalised) text mentions a member. A Chinese member must not sit inside a longer word
 * of the text: 支付宝 does not mention 支付. `textWords` are the text's jieba words.
 */
export function mentions(text: string, member: string, textWords?: string[]): boolean {
  if (!LATIN.test(member)) {
    if (!text.includes(member)) return false;
    const ws = textWords ?? words(text, false);
    if (ws.includes(member)) return true;
    // Mentioned if some occurrence starts and ends between words: not swallowed by a longer word (支付宝
    // hides 支付; 撤消了 shows 撤消), nor made of the end of one word and the start of the next (最多能刷
    // 多少钱 does not say 刷多).
    const inside = wordInteriors(text, ws);
    for (let i = text.indexOf(member); i >= 0; i = text.indexOf(member, i + 1)) {
      if (!inside.has(i) && !inside.has(i + member.length)) return true;
    }
    return false;
  }
  // Latin members match whole words only: "void" must not fire inside "avoid".
  let pattern = WHOLE_WORD.get(member);
  if (!pattern) {
    const escaped = member.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`(^|[^a-z0-9])${escaped}($|[^a-z0-9])`);
    WHOLE_WORD.set(member, pattern);
  }
  return text.includes(member) && pattern.test(text);
}

/**
 * The positions of the text that fall strictly inside one of its words (a word of n characters found at
 * p makes p+1 … p+n-1 interior). The words are found in order; one the text does not spell as is (an
 * English stem) is skipped.
 */
function wordInteriors(text: string, ws: string[]): Set<number> {
  const inside = new Set<number>();
  let cursor = 0;
  for (const w of ws) {
    const at = text.indexOf(w, cursor);
    if (at < 0) continue;
    for (let k = at + 1; k < at + w.length; k++) inside.add(k);
    cursor = at + w.length;
  }
  return inside;
}

/** Compiled whole-word patterns of Latin members (built once: this runs for every question). */
const WHOLE_WORD = new Map<string, RegExp>();

/** The synonym phrases a question brings in (members of every group it mentions, minus what it already says). */
export function expansions(glossary: Glossary, question: string): string[] {
  const text = normalize(question);
  const ws = words(text, false);
  const out = new Set<string>();
  for (const group of mentionedGroups(glossary, text, ws)) {
    for (const m of group) if (!mentions(text, m, ws)) out.add(m);
  }
  return [...out];
}

/** The synonym groups a question mentions. */
export function mentionedGroups(glossary: Glossary, question: string, textWords?: string[]): string[][] {
  const text = normalize(question);
  const ws = textWords ?? words(text, false);
  return glossary.synonyms.filter((g) => g.some((m) => mentions(text, m, ws)));
}

/**
 * Concept features for the embedding: one token per synonym group the text mentions (`§退货` for 退钱,
 * refund, 退款…). Documents and questions get the same features, so the vector side matches meaning
 * across wordings and languages, while BM25 stays literal — the two retrievers then disagree usefully.
 */
export function conceptTokens(glossary: Glossary, text: string): string[] {
  return mentionedGroups(glossary, text).map((g) => `§${g[0]}`);
}
