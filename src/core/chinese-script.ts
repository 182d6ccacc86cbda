/**
 * Traditional Chinese characters as their simplified forms, one character for one, so that text typed in
 * Hong Kong or Taiwan script ("商戶號", "仲未結算", "退款申請") reads as the simplified words the flows and
 * labels are written in. Per character, so positions in the text stay where they were.
 */
import * as OpenCC from 'opencc-js/t2cn';

const CJK_CHAR = /^[\u3400-\u9fff\uf900-\ufaff]$/;
const hkToCn = OpenCC.Converter({ from: 'hk', to: 'cn' });
const known = new Map<string, string>();

/** The simplified form of one character (itself when it has none, or when that form is not one character). */
export function simplifiedChar(ch: string): string {
  if (!CJK_CHAR.test(ch)) return ch;
  const seen = known.get(ch);
  if (seen !== undefined) return seen;
  const converted: string = hkToCn(ch);
  const s = [...converted].length === 1 ? converted : ch;
  known.set(ch, s);
  return s;
}

/** The text with each traditional character simplified; the same length, character for character. */
export function simplifiedText(text: string): string {
  let out = '';
  for (const ch of text) out += simplifiedChar(ch);
  return out;
}
