/**
 * Numbers as voice input and casual typing write them: 二十五 → 25, 三十天 → 30天, and codes read out
 * digit by digit — 幺二 → 12 (the telephone 幺 for 1), 四零 → 40, 报九四 → 94. Codes, limits and lengths are
 * asked this way ("返回码二十五", "退货期限是不是三十天"), and the guide writes them in digits.
 */
import { decToString, decTrim, parseNumeral } from '../core/numerals.js';

const DIGIT: Record<string, number> = { 零: 0, 〇: 0, 幺: 1, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const RUN = /[零〇幺一二两三四五六七八九十百千万]+/g;
/** A single numeral is a number only before a unit (三天, 五个工作日); 一下, 十分, 一笔 stay words. */
const UNIT_AFTER = /^(?:[到至~-][零一二两三四五六七八九十\d]+)?(天|个工作日|个月|位|年|小时|元|块|万)/;
/** Read-out codes: digit runs after these words are codes (报九四 → 94), not ranges (两三天). */
const CODE_CONTEXT = /(码|报|提示|显示|跳|出现|出来|返回|错误|代码|error|code)\s*(个|了|出|是|为)?\s*$/;

export function spokenNumbersToDigits(text: string): string {
  return text.replace(RUN, (run: string, offset: number, whole: string) => {
    const after = whole.slice(offset + run.length);
    const before = whole.slice(Math.max(0, offset - 6), offset);
    if (/[十百千万]/.test(run)) {
      if (run.length === 1 && !UNIT_AFTER.test(after)) return run;
      // Spoken amounts drop the last unit: 八百八 is 880, 一千二 is 1200 (parseNumeral reads them so).
      const n = parseNumeral(run);
      return n === undefined ? run : decToString(decTrim(n));
    }
    if (run.length === 1) return UNIT_AFTER.test(after) ? String(DIGIT[run]) : run;
    // Digit by digit: with 幺 or 零 it is always a read-out number; otherwise only where a code is quoted.
    if (/[幺零〇]/.test(run) || CODE_CONTEXT.test(before)) return [...run].map((c) => DIGIT[c]).join('');
    return run;
  });
}
