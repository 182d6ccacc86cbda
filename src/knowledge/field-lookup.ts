/**
 * Slip fields are a table too: "参考号几位", "凭证号在哪看", "what is the batch number" ask about one field,
 * and the section named after that field answers. The table is every section whose heading is just a
 * term of the guide (## 参考号, ## 批次号); a question that names exactly one of them and asks what, where,
 * how long or in which format it is (or says it is missing from the slip), is looked up there.
 */
import type { Chunk } from './documents.js';
import type { Lexicon } from './lexicon.js';
import { normalize } from './text.js';

const ASKS_ABOUT_FIELD = /几位|多少位|位数|多长|格式|在哪|哪里|哪儿|是什么|是啥|啥意思|什么意思|什么东西|干嘛用|有什么用|怎么看|没有|没打|有问题|正常吗|digits?|where|what is|what's|format|mean|missing/i;

const COMPARES = /区别|不同|差别|不一样|一样吗|有啥两样|分别是|difference|differ/i;

export class FieldLookup {
  /** Field term (in the guide's spelling) → section key. */
  private readonly fields = new Map<string, string>();

  constructor(chunks: Chunk[], terms: Iterable<string>, lexicon: Lexicon) {
    const known = new Set([...terms].map((t) => normalize(t)));
    for (const c of chunks) {
      if (c.lang !== 'zh') continue;
      const heading = lexicon.apply(normalize(c.section)).trim();
      if (known.has(heading) && !this.fields.has(heading)) this.fields.set(heading, `${c.file}#${c.section}`);
    }
  }

  get size(): number {
    return this.fields.size;
  }

  /**
   * The sections of the two fields a question compares ("参考号和凭证号有什么区别"), in the order named;
   * empty unless it names exactly two and asks how they differ.
   */
  compared(text: string): string[] {
    if (!COMPARES.test(text)) return [];
    const named = this.named(text).sort((a, b) => text.indexOf(a) - text.indexOf(b));
    return named.length === 2 ? named.map((f) => this.fields.get(f)!) : [];
  }

  private named(text: string): string[] {
    const named = [...this.fields.keys()].filter((f) => text.includes(f));
    // A field inside a longer named field (号 terms rarely nest, but 商户编号 / 商户号 may) counts once.
    return named.filter((f) => !named.some((g) => g !== f && g.includes(f)));
  }

  /** The section of the one field the (canonical, Chinese) question asks about, if it asks about one. */
  find(text: string): string | undefined {
    if (!ASKS_ABOUT_FIELD.test(text)) return undefined;
    const distinct = this.named(text);
    return distinct.length === 1 ? this.fields.get(distinct[0]!) : undefined;
  }
}
