/**
 * From a message as merchants type it to the question the search should look for:
 * 1. the script and the spelling — traditional characters → simplified, the domain lexicon (spoken,
 *    regional, typo and pinyin variants → the guide's words), pinyin and homophone typos against the
 *    guide's vocabulary, English typos against its English words, spoken numbers → digits;
 * 2. the language it is asked in (English questions are answered from the English text);
 * 3. the question inside a long message — a paragraph about the shop, then "这种情况怎么退" — so the
 *    story does not outweigh the question;
 * 4. two questions in one message, each answered.
 */
import * as OpenCC from 'opencc-js/t2cn';
import { spokenNumbersToDigits } from './chinese-numbers.js';
import type { ChunkLang } from './documents.js';
import type { EnglishSpeller } from './english-speller.js';
import type { Lexicon } from './lexicon.js';
import type { PinyinSpeller } from './pinyin-speller.js';
import { hasCjk, normalize } from './text.js';

const toSimplified = OpenCC.Converter({ from: 'hk', to: 'cn' });

/** Words that make a clause a question (or a request for help), in both languages. */
const QUESTION_CUE =
  /[?？]|([\u4e00-\u9fff])不\1|吗|么|呢|咋|怎|如何|能不能|能否|可不可以|可以不|行不行|是不是|有没有|多久|多长|几天|几位|几个|多少|哪|什么|啥|为何|为啥|是否|请问|求助|麻烦|帮我|应该|该怎|要不要|\b(how|what|why|when|where|which|can|could|should|is|are|do|does|will|may)\b/i;
/**
 * Where a second question starts: a question mark or a line break followed by more, a semicolon, a
 * numbered item ("1. … 2. …"), the words that add one (还有, 另外, and also), or an English "and" that
 * starts a new question ("how do I void and how long does a refund take").
 */
const SECOND_QUESTION =
  /(?<=[?？])\s*|\s*[\n;；]+\s*|\s*(?:^|(?<=[\s,，。.]))(?:[(（]?[1-3一二三][)）.、](?!\d))\s*|\s*(?:还有|另外|顺便问一下|顺便问下|顺便问|顺便|再问一下|再问下|再问|以及|还想问|还想知道|第二个问题|also|and also|besides|another question)[,，:：]?\s*|,?\s+and\s+(?=(?:how|what|when|where|why|which|can|could|do|does|is|are|will|should)\b)/gi;
/** The words that add a question, left at the start of a part split off at its question mark. */
const LEADING_CONNECTIVE = /^(?:还有|另外|顺便问一下|顺便问下|顺便问|顺便|再问一下|再问下|再问|以及|还想问|还想知道|and also|also|besides)[,，:：]?\s*/i;
/** A second part that only names another thing ("退货呢", "what about refunds"): it asks the first part's question of it. */
const ELLIPTIC = /^(?:那|那么|那个)?\s*(.{1,8}?)\s*(?:呢|又如何|又怎样|怎么样)[?？]?$|^(?:and\s+)?what about\s+(?:a\s+|the\s+)?(.{2,30}?)[?？]?$/i;

/** Where a run-on voice message turns from its story to its question ("…已经结算过了那现在要怎么退"). */
const RUN_ON_BREAK = /(?=然后|那现在|那我|那这|那要|所以|但是|可是|结果|请问|我想问|想问一下)/;

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
  /**
   * `subjects`: the guide's terms for things (签购单, 退货, 预授权…), which a second question may name or
   * leave out (default: the lexicon's terms).
   */
  constructor(
    private readonly lexicon: Lexicon,
    private readonly speller: PinyinSpeller,
    private readonly subjects: readonly string[] = lexicon.terms,
    private readonly english?: EnglishSpeller,
  ) {}

  /** Script, lexicon, pinyin and homophones, spoken numbers: the message in the guide's spelling. */
  canonical(text: string): string {
    let t = normalize(toSimplified(text));
    t = this.lexicon.apply(t);
    t = this.speller.correct(t);
    // The corrections can produce a lexicon variant (pinyin → a colloquial word): apply it once more.
    t = this.lexicon.apply(t);
    // English typos are corrected in English messages only: in a Chinese one, Latin letters are pinyin or codes.
    if (this.english && !hasCjk(t)) t = this.english.correct(t);
    return spokenNumbersToDigits(t).replace(/\s+/g, ' ').trim();
  }

  analyze(message: string): AnalyzedQuestion {
    const text = this.canonical(message);
    const lang: ChunkLang = hasCjk(text) ? 'zh' : 'en';
    const { focus, context } = focusOf(text);
    const parts = questionParts(text, this.subjects);
    return { original: message, text, focus, context, lang, parts };
  }
}

/** The clauses that ask, and the story around them. */
export function focusOf(text: string): { focus: string; context: string } {
  if ([...text].length <= LONG_MESSAGE_CHARS) return { focus: text, context: '' };
  // On a phone a space between Chinese words is punctuation too.
  let clauses = text.split(/(?<=[。！？!?；;，,\n])|(?<=\.)\s+|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])/).map((c) => c.trim()).filter(Boolean);
  // Voice input may have no punctuation at all: the words that move a story on separate its clauses.
  if (clauses.length < 2) clauses = text.split(RUN_ON_BREAK).map((c) => c.trim()).filter(Boolean);
  if (clauses.length < 2) return { focus: text, context: '' };
  const asking = clauses.filter(asks);
  if (asking.length === 0 || asking.length === clauses.length) return { focus: text, context: '' };
  return { focus: asking.join(' '), context: clauses.filter((c) => !asking.includes(c)).join(' ') };
}

/**
 * "没收到什么通知", "也没啥问题": 什么 after a negated verb means "any", and the clause tells, it does not ask.
 */
const NEGATED_WHAT = /(?:没有|没|未|不)[\u4e00-\u9fff]{0,3}?(?:什么|啥)/g;

function asks(clause: string): boolean {
  return QUESTION_CUE.test(clause.replace(NEGATED_WHAT, ''));
}

/** A word that asks (什么, 怎么办, 多久) rather than names a thing. */
export function isQuestionWord(word: string): boolean {
  return QUESTION_CUE.test(word);
}

/**
 * Separate questions of one message (at least two, each asking something), or none. `terms` are the
 * guide's terms: an elliptic second part ("撤销多久到账？退货呢？") asks the first part's question about its
 * own term ("退货多久到账").
 */
export function questionParts(text: string, terms: readonly string[] = []): string[] {
  let pieces = text
    .split(SECOND_QUESTION)
    .map((p) => (p ?? '').trim().replace(LEADING_CONNECTIVE, ''))
    .filter((p) => [...p].length >= 2);
  if (pieces.length < 2) pieces = commaQuestions(text, terms);
  if (pieces.length < 2) return [];
  const parts: string[] = [];
  for (const piece of pieces) {
    const elliptic = parts.length > 0 ? ELLIPTIC.exec(piece) : null;
    const named = elliptic?.[1] ?? elliptic?.[2];
    if (named) {
      parts.push(askedOf(parts[parts.length - 1]!, named.trim(), terms));
      continue;
    }
    if ([...piece].length < 4 || !QUESTION_CUE.test(piece)) continue;
    // A part that names nothing of the guide ("撤销时顾客要在场吗？要不要他的卡？") goes on about the previous one's.
    const previous = parts[parts.length - 1];
    const subject = previous && !termIn(piece, terms) ? termIn(previous, terms) : undefined;
    parts.push(subject ? `${subject} ${piece}` : piece);
  }
  return parts.length >= 2 ? parts.slice(0, 3) : [];
}

/**
 * Two questions joined by a comma or a space ("参考号是几位，凭证号又是几位"): only when each clause asks and names a
 * thing of its own — a comma more often joins a story to its question.
 */
function commaQuestions(text: string, terms: readonly string[]): string[] {
  if (terms.length === 0) return [];
  // On a phone a space is punctuation too ("凭证过期了怎么办 被要求补材料又怎么办").
  const clauses = text.split(/[,，]\s*|(?<=[\u4e00-\u9fff?？])\s+(?=[\u4e00-\u9fff])/).map((c) => c.trim()).filter(Boolean);
  if (clauses.length < 2 || clauses.length > 4) return [];
  const named = clauses.map((c) => termIn(c, terms));
  const asking = clauses.map((c) => QUESTION_CUE.test(c));
  if (!clauses.every((_, i) => named[i] && asking[i])) return [];
  return new Set(named).size === clauses.length ? clauses : [];
}

/** The previous question asked of another thing: its first guide term replaced by the thing named. */
function askedOf(previous: string, named: string, terms: readonly string[]): string {
  const term = termIn(previous, terms);
  return term ? previous.replace(term, named) : `${named} ${previous}`;
}

/** The longest guide term (two characters or more) in a text. */
function termIn(text: string, terms: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const t of terms) if (t.length >= 2 && (!best || t.length > best.length) && text.includes(t)) best = t;
  return best;
}
