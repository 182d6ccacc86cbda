/**
 * Response codes are a table, not a topic: "撤销跳出个12", "退的时候老报40", "error 25 on refund" should
 * land on the section about that code, whatever else the message says; so should a terminal prompt the
 * merchant copies ("屏幕显示“已结算不能撤销”"). The table is read from the
 * knowledge base itself — every section whose heading names codes (`## 返回码12、40、57、58：…`) — so an
 * operator adds a code by adding a section, not code.
 */
import type { Chunk } from './documents.js';

/** A section about a message the terminal shows (`## 提示"已结算不能撤销"`): quoting it is looking it up. */
const HEADING_PROMPT = /提示\s*["“「『]([^"”」』]{4,})["”」』]/;
const HEADING_CODES = /(?:返回码|应答码|错误码|response codes?|codes?)\s*([0-9A-Z]{2}(?:\s*[、，,/和及]\s*[0-9A-Z]{2})*)/i;
/** A number followed by a unit is a length, a limit or an amount (12位, 30天, 25元), not a code. */
const UNIT_AFTER = /^\s*(位|天|日|元|块|号|点|月|年|%|个|笔|分|秒|小时|万|千|百|次|张|台|家|岁|days?|digits?|yuan|rmb|hours?|months?|years?)/i;
/** Words that say a code is being quoted. */
const CODE_CUE = /码|报|提示|显示|跳|出现|出来|出个|出了|弹|蹦|冒|返回|错误|失败|不成功|不了|代码|屏幕|error|code|declin|fail|shows?|says?|got/i;
/** A message this short that holds a known code is about that code ("25?", "94是啥"). */
const SHORT_MESSAGE = 12;

export class CodeLookup {
  /** Code (upper case) → the section key `file#section`. */
  private readonly sections = new Map<string, string>();

  /** Terminal prompt text → the section key. */
  private readonly prompts = new Map<string, string>();

  constructor(chunks: Chunk[]) {
    for (const c of chunks) {
      if (c.lang !== 'zh') continue;
      const prompt = HEADING_PROMPT.exec(c.section);
      if (prompt && !this.prompts.has(prompt[1]!)) this.prompts.set(prompt[1]!, `${c.file}#${c.section}`);
      const m = HEADING_CODES.exec(c.section);
      if (!m) continue;
      for (const code of m[1]!.split(/\s*[、，,/和及]\s*/)) {
        const key = code.toUpperCase();
        if (!this.sections.has(key)) this.sections.set(key, `${c.file}#${c.section}`);
      }
    }
  }

  get size(): number {
    return this.sections.size;
  }

  /** The section keys of the codes (and terminal prompts) the (canonical) text quotes, in order of appearance. */
  find(text: string): string[] {
    const found: string[] = [];
    // "机器显示“已结算不能撤销”": the prompt's own words, with or without the quotes.
    const bare = text.replace(/[\s"“”「」『』'‘’]/g, '');
    for (const [prompt, key] of this.prompts) if (bare.includes(prompt) && !found.includes(key)) found.push(key);
    const short = [...text.replace(/\s/g, '')].length <= SHORT_MESSAGE;
    const cue = CODE_CUE.test(text);
    for (const m of text.matchAll(/(?<![0-9a-z])([0-9]{2}|a0)(?![0-9a-z])/gi)) {
      const key = this.sections.get(m[1]!.toUpperCase());
      if (!key) continue;
      if (UNIT_AFTER.test(text.slice(m.index! + m[1]!.length))) continue;
      // A two-digit number preceded by ¥ or a decimal point is an amount.
      if (/[¥￥.$]\s*$/.test(text.slice(0, m.index))) continue;
      if ((cue || short) && !found.includes(key)) found.push(key);
    }
    return found;
  }
}
