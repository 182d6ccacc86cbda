/**
 * What input methods and voice typing do to Chinese, undone against the knowledge base's own vocabulary:
 * - homophone typos — the IME picked the wrong characters for the right sound (撤肖 → 撤销, 推货 → 退货,
 *   参靠号 → 参考号); a window of the question that is not a known word but sounds like one (with the
 *   usual southern mergers zh/z, ch/c, sh/s, l/n, -ng/-n) and shares a character with it becomes that word;
 * - pinyin typed with the IME off ("tuihuo yao duojiu daozhang", "怎么chexiao") becomes the words it spells.
 *
 * The vocabulary is the knowledge base's words (text, headings, questions, lexicon and glossary terms), so
 * corrections can only lead towards what the guide talks about.
 */
import { fuzzySyllable as fuzzy, syllablesOf as syllables } from '../core/fuzzy-pinyin.js';

const CJK_RUN = /[\u3400-\u4dbf\u4e00-\u9fff]{2,}/g;
const LATIN_RUN = /[a-z][a-z' ]*[a-z]/g;


export interface SpellerOptions {
  /**
   * The domain's own terms (glossary, lexicon, headings): a two-character window is corrected only
   * towards one of these — among everyday two-character words homophones abound (说有 → 所有).
   */
  terms?: Iterable<string>;
  /**
   * The text's dictionary words in order (a segmenter without new-word guessing): a real word of the
   * language (上海, 一部) is never "corrected", whatever it sounds like.
   */
  segment?: (text: string) => string[];
  /** Words the English text of the guide and English questions use: a Latin run made of them is English, not pinyin. */
  englishWords?: Iterable<string>;
}

export class PinyinSpeller {
  private readonly vocab = new Set<string>();
  /** Fuzzy syllable key → the most frequent vocabulary word that sounds so. */
  private readonly bySound = new Map<string, string>();
  /** Pinyin letters without spaces (tuihuo) → word, for words of two or more syllables. */
  private readonly byLetters = new Map<string, string>();
  /** Every syllable the vocabulary's characters are read with: what "valid pinyin" means here. */
  private readonly validSyllables = new Set<string>();
  private readonly english: Set<string>;
  private readonly terms: Set<string>;
  private readonly dictionarySegments: ((text: string) => string[]) | undefined;

  constructor(words: Iterable<string>, options: SpellerOptions = {}) {
    const counts = new Map<string, number>();
    for (const w of words) if (/^[\u3400-\u4dbf\u4e00-\u9fff]{2,4}$/.test(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    for (const [w] of ranked) {
      this.vocab.add(w);
      const ps = syllables(w);
      if (ps.length !== w.length) continue;
      for (const p of ps) this.validSyllables.add(p);
      const sound = ps.map(fuzzy).join(' ');
      if (!this.bySound.has(sound)) this.bySound.set(sound, w);
      const letters = ps.join('');
      if (!this.byLetters.has(letters)) this.byLetters.set(letters, w);
    }
    this.english = new Set(options.englishWords ?? []);
    this.terms = new Set(options.terms ?? []);
    this.dictionarySegments = options.segment;
  }

  /**
   * Whether a window of the run may be a typo: it must start and end between dictionary words (海会 in
   * 上海会 cuts 上海 in two) and not be one real word of two or more characters itself (上海, 一部).
   */
  private typoWindows(run: string): (from: number, to: number) => boolean {
    if (!this.dictionarySegments) return () => true;
    const bounds = new Set<number>([0]);
    const words = new Set<string>();
    let at = 0;
    for (const w of this.dictionarySegments(run)) {
      if (w.length >= 2) words.add(`${at}:${at + w.length}`);
      at += w.length;
      bounds.add(at);
    }
    return (from, to) => bounds.has(from) && bounds.has(to) && !words.has(`${from}:${to}`);
  }

  /** Both corrections; text is NFKC-normalised and lower-cased. */
  correct(text: string): string {
    return this.fixHomophones(this.fromPinyin(text));
  }

  fixHomophones(text: string): string {
    return text.replace(CJK_RUN, (run) => {
      const ps = syllables(run);
      if (ps.length !== run.length) return run;
      const mayBeTypo = this.typoWindows(run);
      let out = '';
      let i = 0;
      outer: while (i < run.length) {
        for (let len = Math.min(4, run.length - i); len >= 2; len--) {
          const window = run.slice(i, i + len);
          if (this.vocab.has(window)) {
            out += window;
            i += len;
            continue outer;
          }
          const word = this.bySound.get(ps.slice(i, i + len).map(fuzzy).join(' '));
          // Sharing a character in the same place keeps corrections to typos of the word, not any homophone;
          // a window inside a real word of the language is that word, not a typo.
          const known = word !== undefined && (len > 2 || this.terms.size === 0 || this.terms.has(word));
          if (known && [...word!].some((c, k) => window[k] === c) && mayBeTypo(i, i + len)) {
            out += word;
            i += len;
            continue outer;
          }
        }
        out += run[i];
        i++;
      }
      return out;
    });
  }

  fromPinyin(text: string): string {
    const runs = text.match(LATIN_RUN);
    if (!runs || !this.looksLikePinyin(runs.join(' '))) return text;
    return text.replace(LATIN_RUN, (run) => {
      const tokens = run.split(/[\s']+/).filter(Boolean);
      const out: string[] = [];
      let i = 0;
      outer: while (i < tokens.length) {
        // Words written with spaces between syllables ("tui huo"), longest first.
        for (let j = Math.min(tokens.length, i + 4); j > i + 1; j--) {
          const word = this.byLetters.get(tokens.slice(i, j).join(''));
          if (word) {
            out.push(word);
            i = j;
            continue outer;
          }
        }
        const spelled = this.segment(tokens[i]!);
        if (spelled === undefined) out.push(tokens[i]!);
        else if (spelled) out.push(spelled);
        i++;
      }
      return out.join(' ').replace(/(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])/g, '');
    });
  }

  /**
   * One token of run-together pinyin ("tuihuoyaoduojiu") split into vocabulary words; syllables that are
   * no word of the vocabulary are left out (they would only count against the match); undefined when the
   * token is not pinyin at all.
   */
  private segment(token: string): string | undefined {
    const n = token.length;
    // best[i]: the fewest pieces that spell token[0..i) — words of the vocabulary or single syllables.
    const best: { cost: number; piece: string; from: number }[] = Array.from({ length: n + 1 }, () => ({ cost: Infinity, piece: '', from: -1 }));
    best[0] = { cost: 0, piece: '', from: -1 };
    for (let i = 0; i < n; i++) {
      if (best[i]!.cost === Infinity) continue;
      for (let j = i + 1; j <= Math.min(n, i + 24); j++) {
        const part = token.slice(i, j);
        const word = this.byLetters.get(part);
        const cost = best[i]!.cost + (word ? 1 : this.validSyllables.has(part) ? 3 : Infinity);
        if (cost < best[j]!.cost) best[j] = { cost, piece: word ?? '', from: i };
      }
    }
    if (best[n]!.cost === Infinity) return undefined;
    const pieces: string[] = [];
    for (let k = n; k > 0; k = best[k]!.from) pieces.unshift(best[k]!.piece);
    return pieces.join('');
  }

  /** More tokens read as pinyin than as English words. */
  private looksLikePinyin(latin: string): boolean {
    let pinyinTokens = 0;
    let englishTokens = 0;
    for (const token of latin.split(/[\s']+/)) {
      if (token.length < 2) continue;
      const english = this.english.has(token);
      const spelled = this.segment(token) !== undefined;
      if (english && !spelled) englishTokens++;
      else if (spelled && !english) pinyinTokens++;
      else if (spelled && english && token.length >= 6) pinyinTokens++;
    }
    return pinyinTokens > 0 && pinyinTokens >= englishTokens;
  }
}
