/**
 * Input-method homophones of an option's label ("店里要装秀" for 装修, "住远" for 住院): pinyin keyboards
 * offer the wrong characters for the right sound about as often as the right ones. A window of the text
 * that sounds like a Chinese label (with the usual fuzzy-pinyin mergers) and shares a character with it in
 * the same place is that label, typed in a hurry.
 */
import { fuzzySyllable, syllablesOf } from '../../core/fuzzy-pinyin.js';

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
    for (let i = 0; i + label.length <= chars.length; i++) {
      const window = chars.slice(i, i + label.length);
      if (window === label) continue;
      if (![...window].some((c, j) => c === label[j])) continue;
      if (want.every((s, j) => sound[i + j] === s)) spans.push({ start: run.index + i, end: run.index + i + label.length });
    }
  }
  return spans;
}
