/**
 * English options typed in a hurry ("not setled yet", "alredy settled"): a label found word by word, each word
 * as written or one edit away — only words of five letters or more, starting with the same letter, since
 * among short words every typo is another word. The English counterpart of `sound-alike.ts`.
 */
import { editDistance } from '../../knowledge/english-speller.js';

const MIN_LENGTH = 5;

function wordsOf(text: string): { word: string; start: number; end: number }[] {
  return [...text.matchAll(/[a-z']+/g)].map((m) => ({ word: m[0], start: m.index, end: m.index + m[0].length }));
}

function near(typed: string, word: string): boolean {
  if (typed === word) return true;
  if (word.length < MIN_LENGTH || typed[0] !== word[0]) return false;
  return editDistance(typed, word, 1) <= 1;
}

/** Spans of `text` (lower-cased) that spell the English `label` with at most one typo in each long word. */
export function misspeltSpans(text: string, label: string): { start: number; end: number }[] {
  const want = label.toLowerCase().match(/[a-z']+/g);
  if (!want || /[^\x00-\x7f]/.test(label)) return [];
  const words = wordsOf(text);
  const spans: { start: number; end: number }[] = [];
  for (let i = 0; i + want.length <= words.length; i++) {
    const run = words.slice(i, i + want.length);
    // One typo at least, or the label would have been found as written.
    if (run.every((w, j) => near(w.word, want[j]!)) && run.some((w, j) => w.word !== want[j])) spans.push({ start: run[0]!.start, end: run.at(-1)!.end });
  }
  return spans;
}
