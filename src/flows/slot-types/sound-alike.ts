/**
 * Input-method homophones of an option's label ("店里要装秀" for 装修, "住远" for 住院): pinyin keyboards
 * offer the wrong characters for the right sound about as often as the right ones. A window of the text
 * that sounds like a Chinese label (with the usual fuzzy-pinyin mergers) and shares a character with it in
 * the same place is that label, typed in a hurry.
 */
import { fuzzySyllable, syllablesOf } from '../../core/fuzzy-pinyin.js';
import { dictionaryWords } from '../../knowledge/text.js';

const CJK_RUN = /[\u3400-\u4dbf\u4e00-\u9fff]{2,}/g;
const CJK_ONLY = /^[\u3400-\u4dbf\u4e00-\u9fff]{2,6}$/;

const keys = new Map<string, string[]>();
function soundOf(text: string): string[] {
  let key = keys.get(text);
  if (!key) {
    key = syllablesOf(text).map(fuzzySyllable);
    if (keys.size > 5000) keys.clear();
    keys.set(text, key);
  }
  return key;
}

/**
 * Offsets in a run of Chinese where a dictionary word starts or ends. A typed-by-sound label stands on
 * its own ("店里要装秀" cuts 店里/要/装/秀); a window that cuts a word in two is not one: "正在补办新卡" cuts
 * 正在/补办/新/卡, and 办新 (bàn xīn, as 搬新) begins inside 补办.
 */
function wordEdges(chars: string): Set<number> {
  const edges = new Set<number>([0]);
  let at = 0;
  for (const w of dictionaryWords(chars)) edges.add((at += w.length));
  return edges;
}

/** Where the text says a Chinese label by its sound, not its characters (exact occurrences are not included). */
export function soundAlikeSpans(text: string, label: string): { start: number; end: number }[] {
  if (!CJK_ONLY.test(label)) return [];
  const want = soundOf(label);
  if (want.length !== label.length) return [];
  const spans: { start: number; end: number }[] = [];
  for (const run of text.matchAll(CJK_RUN)) {
    const chars = run[0];
    if (chars.length < label.length) continue;
    const sound = soundOf(chars);
    if (sound.length !== chars.length) continue;
    let edges: Set<number> | undefined;
    for (let i = 0; i + label.length <= chars.length; i++) {
      const window = chars.slice(i, i + label.length);
      if (window === label) continue;
      if (![...window].some((c, j) => c === label[j])) continue;
      if (!want.every((s, j) => sound[i + j] === s)) continue;
      edges ??= wordEdges(chars);
      if (edges.has(i) && edges.has(i + label.length)) spans.push({ start: run.index + i, end: run.index + i + label.length });
    }
  }
  return spans;
}
