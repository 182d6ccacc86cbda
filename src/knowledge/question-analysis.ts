/**
 * From a message as merchants type it to the question the search should look for:
 * 1. the script and the spelling — traditional characters → simplified, the domain lexicon (spoken,
 *    regional, typo and pinyin variants → the guide's words), pinyin and homophone typos against the
 *    guide's vocabulary, spoken numbers → digits;
 * 2. the language it is asked in (English questions are answered from the English text);
 * 3. the question inside a long message — a paragraph about the shop, then "这种情况怎么退" — so the
 *    story does not outweigh the question;
 * 4. two questions in one message, each answered.
 */
import * as OpenCC from 'opencc-js/t2cn';
import { spokenNumbersToDigits } from './chinese-numbers.js';
import type { ChunkLang } from './documents.js';
import type { Lexicon } from './lexicon.js';
import type { PinyinSpeller } from './pinyin-speller.js';
import { hasCjk, normalize } from './text.js';

const toSimplified = OpenCC.Converter({ from: 'hk', to: 'cn' });

/** Words that make a clause a question (or a request for help), in both languages. */
const QUESTION_CUE =
  /[?？]|吗|么|呢|咋|怎|如何|能不能|能否|可不可以|可以不|行不行|是不是|有没有|多久|多长|几天|几位|几个|多少|哪|什么|啥|为何|为啥|是否|请问|求助|麻烦|帮我|应该|该怎|要不要|\b(how|what|why|when|where|which|can|could|should|is|are|do|does|will|may)\b/i;
/** Where a second question starts: a question mark followed by more, or the words that add one. */
const SECOND_QUESTION = /(?<=[?？])\s*|\s*(?:还有|另外|顺便问一下|顺便问下|顺便问|顺便|再问一下|再问下|再问|以及|还想问|还想知道|第二个问题|also|and also|besides|another question)[,，:：]?\s*/gi;

/** A message longer than this may hold a story around its question. */
const LONG_MESSAGE_CHARS = 40;

export interface AnalyzedQuestion {
  /** The message as typed. */
  original: string;
  /** The whole message in the guide's spelling. */
  text: string;
  /** The part that asks (the whole text for a short message). */
  focus: string;
  /** The rest of a long message (its story), searched at a lower weight. */
  context: string;
  lang: ChunkLang;
  /** Two or more separate questions in one message, each in the guide's spelling; empty for one question. */
  parts: string[];
}

export class QuestionAnalyzer {
  constructor(
    private readonly lexicon: Lexicon,
    private readonly speller: PinyinSpeller,
  ) {}

  /** Script, lexicon, pinyin and homophones, spoken numbers: the message in the guide's spelling. */
  canonical(text: string): string {
    let t = normalize(toSimplified(text));
    t = this.lexicon.apply(t);
    t = this.speller.correct(t);
    // The corrections can produce a lexicon variant (pinyin → a colloquial word): apply it once more.
    t = this.lexicon.apply(t);
    return spokenNumbersToDigits(t).replace(/\s+/g, ' ').trim();
  }

  analyze(message: string): AnalyzedQuestion {
    const text = this.canonical(message);
    const lang: ChunkLang = hasCjk(text) ? 'zh' : 'en';
    const { focus, context } = focusOf(text);
    const parts = questionParts(text);
    return { original: message, text, focus, context, lang, parts };
  }
}

/** The clauses that ask, and the story around them. */
export function focusOf(text: string): { focus: string; context: string } {
  if ([...text].length <= LONG_MESSAGE_CHARS) return { focus: text, context: '' };
  const clauses = text.split(/(?<=[。！？!?；;，,\n])|(?<=\.)\s+/).map((c) => c.trim()).filter(Boolean);
  if (clauses.length < 2) return { focus: text, context: '' };
  const asking = clauses.filter((c) => QUESTION_CUE.test(c));
  if (asking.length === 0 || asking.length === clauses.length) return { focus: text, context: '' };
  return { focus: asking.join(' '), context: clauses.filter((c) => !asking.includes(c)).join(' ') };
}

/** Separate questions of one message (at least two, each asking something), or none. */
export function questionParts(text: string): string[] {
  const pieces = text
    .split(SECOND_QUESTION)
    .map((p) => p.trim())
    .filter((p) => [...p].length >= 4);
  if (pieces.length < 2) return [];
  const asking = pieces.filter((p) => QUESTION_CUE.test(p));
  return asking.length >= 2 ? pieces.slice(0, 3) : [];
}
