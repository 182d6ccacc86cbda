/**
 * Text analysis shared by every retriever: one tokenizer, so BM25, the local embedding and the answer
 * composer agree on what a "word" is.
 *
 * Chinese has no spaces, so a token stream is built from two views of the same text:
 * - jieba words (with the glossary's domain terms loaded, so 签购单 / 参考号 / 预授权 stay whole);
 * - character bigrams of every CJK run, which survive typos and homophones that split jieba words
 *   differently (撤消 vs 撤销 still share 撤; 凭正号 and 凭证号 share 凭…号 pieces) and out-of-vocabulary
 *   colloquialisms.
 * Latin words are lower-cased; NFKC folds full-width letters and digits (ＰＯＳ → pos).
 */
import { createRequire } from 'node:module';
import type { Jieba as JiebaType } from '@node-rs/jieba';
import { stemmer } from 'stemmer';

const require = createRequire(import.meta.url);

let jieba: JiebaType | undefined;
let loadedTerms = new Set<string>();

function segmenter(): JiebaType {
  if (!jieba) {
    // The package ships CommonJS with a native binding; createRequire keeps that out of the ESM graph.
    const { Jieba } = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    jieba = Jieba.withDict(dict);
  }
  return jieba;
}

/**
 * Makes the segmenter's extra dictionary exactly `terms`. jieba cannot forget a word, so when a term was
 * removed the segmenter is rebuilt from the base dictionary; otherwise the new terms are added.
 */
export function useTerms(terms: Iterable<string>): void {
  const wanted = new Set([...terms].map((t) => normalize(t).trim()).filter((t) => t.length > 1));
  if ([...loadedTerms].some((t) => !wanted.has(t))) {
    jieba = undefined;
    loadedTerms = new Set();
  }
  addTerms(wanted);
}

/** Adds domain terms to the segmenter's dictionary (idempotent). */
export function addTerms(terms: Iterable<string>): void {
  const fresh = [...terms].map((t) => normalize(t).trim()).filter((t) => t.length > 1 && !loadedTerms.has(t));
  if (fresh.length === 0) return;
  // A high frequency makes jieba prefer the whole term over its parts.
  segmenter().loadDict(Buffer.from(fresh.map((t) => `${t.replace(/\s+/g, '')} 200000 n`).join('\n'), 'utf8'));
  loadedTerms = new Set([...loadedTerms, ...fresh]);
}

export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
const CJK_ONLY = /^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$/;
const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * Function words and question scaffolding. They carry no topic, and in the confidence score a missing
 * "怎么" must not count against a good match.
 */
export const STOPWORDS: ReadonlySet<string> = new Set([
  // zh
  '的', '了', '吗', '呢', '吧', '啊', '呀', '哦', '嘛', '么', '是', '在', '有', '和', '与', '及', '或', '或者', '也', '都', '就',
  '还', '还是', '又', '再', '要', '想', '会', '能', '能否', '能不能', '可以', '可不可以', '可能', '应该', '需要', '得', '地', '着', '过',
  '我', '我们', '我的', '你', '你们', '您', '他', '她', '它', '他们', '这', '这个', '那', '那个', '这些', '那些', '个', '一个',
  '一下', '一些', '怎么', '怎么办', '怎么样', '怎样', '怎么弄', '咋', '咋办', '咋弄', '如何', '什么', '啥', '为什么', '为啥',
  '哪', '哪里', '哪儿', '哪些', '哪个', '多少', '几', '请问', '请', '帮', '帮我', '帮忙', '麻烦', '一', '不', '没', '没有',
  '对', '吗?', '呢?', '了吗', '好', '谢谢', '上', '下', '里', '中', '后', '前', '时', '时候', '之后', '之前', '现在', '已经', '刚',
  '刚才', '给', '让', '把', '被', '从', '到', '对于', '关于', '如果', '但是', '然后', '所以', '因为', '这样', '那么', '问', '问题',
  '知道', '告诉', '说', '看', '弄', '搞', '做', '办', '用', '来', '去', '嗯', '哈', '呃',
  '意思', '啥意思', '什么意思', '啥时候', '什么时候', '是不是', '怎么回事', '干嘛', '干什么', '有没有', '一直', '以后', '以前', '东西', '里面', '自己', '老是', '总是',
  '昨天', '今天', '明天', '前天', '最近', '刚刚', '马上', '还没', '还没有', '不了', '不能', '可是', '到底', '究竟', '一般', '大概',
  // spoken scaffolding: where, which kind, "the situation" — the story's frame, never its topic
  '这边', '那边', '这里', '那里', '这儿', '那儿', '这种', '那种', '这样子', '情况', '这种情况', '的话', '就是', '有点', '一点',
  '有些', '其实', '而且', '不过', '目前', '后来', '结果', '本来', '咋回事', '行不行', '行不', '可以吗', '好不好', '对不对', '是吗',
  '呗', '啦', '喽', '喔', '哎', '唉', '俺', '咱', '咱们', '人家', '本人', '那么', '怎么着', '咋样', '一样', '多大', '一些个',
  // en
  'a', 'an', 'the', 'is', 'are', 'was', 'were', 'be', 'been', 'do', 'does', 'did', 'i', 'me', 'my', 'we', 'our', 'you', 'your',
  'it', 'its', 'this', 'that', 'these', 'those', 'to', 'of', 'for', 'in', 'on', 'at', 'by', 'with', 'from', 'and', 'or', 'if',
  'how', 'what', 'why', 'when', 'where', 'which', 'who', 'can', 'could', 'should', 'would', 'will', 'shall', 'may', 'might',
  'must', 'have', 'has', 'had', 'not', 'no', 'please', 'there', 'here', 'about', 'after', 'before', 'so', 'then', 'than', 'as',
  'get', 'got', 'need', 'want', 'some', 'any', 'much', 'many', 'take', 'takes', 'took', 'reach', 'reaches', 'make', 'makes',
  'go', 'goes', 'going', 'come', 'comes', 'happen', 'happens', 'happened', 'work', 'works', 'use', 'used', 'know', 'tell',
  'say', 'said', 'see', 'let', 'put', 'give', 'like', 'just', 'also', 'still', 'yet', 'now', 'back', 'up', 'out', 'into', 'them',
  'they', 'their', 'us', 'he', 'she', 'his', 'her', 'him', 'am', 'being', 'because', 'while', 'very', 'too', 'only', 'other',
  'another', 'each', 'every', 'all', 'both', 'one', 'actually', 'really', 'okay', 'ok', 'hi', 'hello', 'thanks', 'thank',
  "don't", 'dont', "doesn't", "didn't", "can't", 'cant', "isn't", "won't", "what's", 'whats', "i'm", 'im',
]);

export interface TokenizeOptions {
  /** Include CJK character bigrams (default true). */
  bigrams?: boolean;
  /** Drop stop words (default true). */
  dropStopwords?: boolean;
}

/** jieba words of the text, normalised, without punctuation or whitespace (stop words kept unless asked). */
/** Payout cycles are words of their own: T+1 and D+1 differ, and the segmenter would cut both to 1. */
const PAYOUT_CYCLE = /(?<![a-z0-9])([td])\s*(?:\+\s*([01])|(0))(?![0-9])/gi;

export function words(text: string, dropStopwords = true): string[] {
  const out: string[] = [];
  const normalized = normalize(text).replace(PAYOUT_CYCLE, (_m, letter: string, n?: string, zero?: string) => {
    out.push(`${letter}+${n ?? zero}`);
    return ' ';
  });
  for (const raw of segmenter().cut(normalized, true)) {
    const w = raw.trim();
    if (!w || !WORD_CHAR.test(w)) continue;
    // Long digit runs are identifiers (a voucher, a reference, a masked card), never a topic; short ones
    // are codes (25, 94) and stay.
    if (/^\d{4,}$/.test(w)) continue;
    if (dropStopwords && STOPWORDS.has(w)) continue;
    // English words by their stem: refunds, refunded and refunding are one word to the search.
    out.push(/^[a-z]{4,}$/.test(w) ? stemmer(w) : w);
  }
  return out;
}

/** The segmenter's dictionary words of the text, without guessing new words (no HMM): 撤肖 stays 撤 + 肖. */
export function dictionaryWords(text: string): string[] {
  return segmenter().cut(text, false);
}

/**
 * Character bigrams of the text's Chinese content, marked so they never collide with words. Bigrams are
 * taken inside runs of content words only: a stop word, punctuation or a Latin word ends a run, so
 * "我想暂停结算怎么申请" gives 暂停 停结 结算 | 申请, not 想暂 or 么申. Within a run they cross word
 * boundaries, which is what rescues typos the segmenter cuts apart (凭正号 → 凭 正 号 → 凭正 正号).
 */
export function cjkBigrams(text: string): string[] {
  const out: string[] = [];
  let run = '';
  const flush = () => {
    for (let i = 0; i + 1 < run.length; i++) out.push(`²${run.slice(i, i + 2)}`);
    run = '';
  };
  for (const raw of segmenter().cut(normalize(text), true)) {
    const w = raw.trim();
    if (w && CJK_ONLY.test(w) && !STOPWORDS.has(w)) run += w;
    else flush();
  }
  flush();
  return out;
}

/** The token stream used for indexing and querying: words plus CJK bigrams. */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const ws = words(text, options.dropStopwords ?? true);
  return options.bigrams === false ? ws : [...ws, ...cjkBigrams(text)];
}

/**
 * jieba glues a function character to a content one in colloquial text (卡上, 能分, 交了, 店要). Such a
 * two-character "word" says little by itself; the content character is still matched through bigrams.
 */
const LEADING_FUNCTION = new Set([...'能要后还会把被就都也再又很太先上说']);
const TRAILING_FUNCTION = new Set([...'上里了要后先过着的得吗呢吧是点']);
export function isFunctionCompound(word: string): boolean {
  if (word.length !== 2 || !CJK.test(word)) return false;
  return LEADING_FUNCTION.has(word[0]!) || TRAILING_FUNCTION.has(word[1]!);
}

export function isBigram(token: string): boolean {
  return token.startsWith('²');
}

export function hasCjk(text: string): boolean {
  return CJK.test(text);
}

/**
 * Splits text into sentence-like units for extraction and for length-splitting: after 。！？；!?; and at
 * line breaks, keeping the terminator with its sentence. List items stay one unit each.
 */
export const ENGLISH_SENTENCE_END = /(?<=[a-z0-9)"'][.!?])\s+(?=[A-Z"(])/;

export function sentences(text: string): string[] {
  const units: string[] = [];
  for (const line of text.split(/\n+/)) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const parts = trimmed.match(/[^。！？；!?;]+[。！？；!?;]*|[。！？；!?;]+/g) ?? [trimmed];
    // A list item ("- 第一步：…。然后…") is kept whole: splitting it would lose the bullet context.
    if (/^([-*+]|\d+[.、)])\s/.test(trimmed) && trimmed.length <= 160) {
      units.push(trimmed);
      continue;
    }
    // English sentences end in ". " before a capital (a Chinese full stop needs no space).
    for (const p of parts) for (const e of p.split(ENGLISH_SENTENCE_END)) if (e.trim()) units.push(e.trim());
  }
  return units;
}
