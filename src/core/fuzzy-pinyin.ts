/**
 * How pinyin input methods hear Chinese: the syllables of a text without tones, with the mergers of
 * southern Mandarin that fuzzy-pinyin keyboards allow (zh/z, ch/c, sh/s, l/n, -ng/-n). Two words with the
 * same key are typed with the same keys, and one is offered for the other.
 */
import { pinyin } from 'pinyin-pro';

/** The sound-alike key of one syllable. */
export function fuzzySyllable(syllable: string): string {
  return syllable.replace(/^([zcs])h/, '$1').replace(/^l/, 'n').replace(/ng$/, 'n');
}

/** The toneless syllables of a text, one per Chinese character (other characters as they are). */
export function syllablesOf(text: string): string[] {
  return pinyin(text, { type: 'array', toneType: 'none', v: true }) as string[];
}
