/**
 * Rewrites that keep what a conversation means and change how it is written, the ways merchants vary
 * what they type: a conversation that reaches its outcome as written should reach it rewritten too. They
 * measure whether the dialog holds on messages nobody tuned it on without writing new conversations
 * (`npm run eval:conversations -- --rewrite thanks,particles`), on either split.
 *
 * Each rewrite is deterministic: what it adds is picked by the conversation's id and the turn's index, so
 * two runs play the same messages. Only the turns change (their text, or a turn cut in two or added);
 * photos, files, the setup and the expectation stay (a rewritten conversation keeps its id, so its slip
 * photos are the same pictures).
 * Ticket placeholders (`{{ticket:A}}`) are never touched.
 */
import * as OpenCC from 'opencc-js/cn2t';
import type { ConversationSpec, TurnSpec } from './fixtures.js';

export interface TurnText {
  text: string;
  /** The turn's index in the conversation. */
  index: number;
  /** How many turns the conversation has. */
  count: number;
  lang: ConversationSpec['lang'];
  /** A stable number for this turn (conversation id and index): what to add is picked with it. */
  pick: number;
}

export interface Rewrite {
  name: string;
  /** What it does, for the report. */
  what: string;
  /** Each turn's text rewritten… */
  text?(t: TurnText): string;
  /** …or the turns as a whole (turns split or added); undefined: unchanged. */
  turns?(spec: ConversationSpec, pick: number): TurnSpec[] | undefined;
}

/** A turn that is only a code, a number or a ticket ("13800138000", "{{ticket:A}}"). */
const CODE_ONLY = /^[\s\d+\-()./:]*$|^\{\{[^}]*\}\}$/;
const PLACEHOLDER = /\{\{[^}]*\}\}/g;

/** `f` applied to the text between ticket placeholders. */
function outsidePlaceholders(text: string, f: (s: string) => string): string {
  const parts = text.split(PLACEHOLDER);
  const kept = text.match(PLACEHOLDER) ?? [];
  return parts.map((p, i) => f(p) + (kept[i] ?? '')).join('');
}

const choose = <T>(options: readonly T[], pick: number): T => options[pick % options.length]!;
const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
/** Where a first message may be cut in two: after a clause that names no number. */
const FIRST_PAUSE = /^([^，,。！!；;\d]{2,}?)[，,。！!；;]\s*(?=\S)/;

export const REWRITES: readonly Rewrite[] = [
  {
    name: 'no-punctuation',
    what: 'punctuation dropped (spaces instead; not inside numbers: 1,280.50 stays)',
    text: ({ text }) =>
      outsidePlaceholders(text, (s) => s.replace(/[，。！？、；：!?;~～…]+|,(?!\d)|(?<!\d),|(?<!\d)\.(?!\d)/g, ' ').replace(/\s+/g, ' ')).trim() || text,
  },
  {
    name: 'greeting',
    what: 'a greeting before the first message (你好，/ 在吗 / hi)',
    text: ({ text, index, lang, pick }) =>
      index > 0 ? text : choose(lang === 'en' ? ['hi ', 'hello, ', 'hey there '] : ['你好，', '在吗 ', '喂 ', '您好 ', '你好 打扰一下 ', '在吗？'], pick) + text,
  },
  {
    name: 'particles',
    what: 'a softening particle or emoji after each Chinese message that is not a bare code (啊/哈/呀/～/🙏/。。。)',
    text: ({ text, lang, pick }) => (lang === 'en' || CODE_ONLY.test(text) ? text : text + choose(['啊', '哈', '呀', '～', '🙏', '。。。', '哦', '！！'], pick)),
  },
  {
    name: 'thanks',
    what: 'thanks after the last message (谢谢 / 麻烦了 / thanks)',
    text: ({ text, index, count, lang, pick }) =>
      index < count - 1 ? text : text + choose(lang === 'en' ? [' thanks', ', thank you', ' thx'] : [' 谢谢', '，谢谢啦', ' 麻烦了', '，辛苦了', '谢谢'], pick),
  },
  {
    name: 'acknowledged',
    what: 'answers opened by an acknowledgement (嗯 / 好的，/ ok), the first message excepted',
    text: ({ text, index, lang, pick }) => (index === 0 ? text : choose(lang === 'en' ? ['ok ', 'right, ', 'um ', 'sure, '] : ['嗯 ', '好的，', '哦 ', '嗯嗯，', '那个 '], pick) + text),
  },
  {
    name: 'full-width',
    what: 'digits typed full-width (an input method in full-width mode: １３８…)',
    text: ({ text }) => outsidePlaceholders(text, (s) => s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0))),
  },
  {
    name: 'traditional',
    what: 'Chinese in traditional script (Taiwan forms), as merchants in Hong Kong or Taiwan type it',
    text: ({ text }) => outsidePlaceholders(text, (s) => toTraditional(s)),
  },
  {
    name: 'greeting-alone',
    what: 'a greeting sent alone first (在吗 / 你好 / hi), the conversation after it',
    turns: (spec, pick) => [choose(spec.lang === 'en' ? ['hi', 'hello', 'hi there'] : ['在吗', '你好', '在吗？', '您好', '喂'], pick), ...spec.turns],
  },
  {
    name: 'burst',
    what: 'the first message sent in two, cut after its first clause ("顾客要退货" / "商户号…")',
    turns: (spec) => {
      const [first, ...rest] = spec.turns;
      if (typeof first !== 'string') return undefined;
      const m = FIRST_PAUSE.exec(first);
      if (!m) return undefined;
      return [m[1]!.trim(), first.slice(m[0].length), ...rest];
    },
  },
  {
    name: 'lower-case',
    what: 'English typed in lower case without apostrophes ("dont", "im")',
    text: ({ text, lang }) => (lang === 'en' ? outsidePlaceholders(text, (s) => s.toLowerCase().replace(/['’]/g, '')) : text),
  },
  {
    name: 'spaced-phone',
    what: 'mobile numbers grouped as they are read (138 0013 8000)',
    text: ({ text }) => outsidePlaceholders(text, (s) => s.replace(/(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g, '$1 $2 $3')),
  },
];

export const REWRITE_NAMES = REWRITES.map((r) => r.name);

/** FNV-1a of the conversation id and turn index: the same pick every run. */
function stablePick(id: string, index: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${id}#${index}`) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  return h;
}

/** The conversation rewritten, or undefined when the rewrite changes none of its turns. */
export function rewritten(spec: ConversationSpec, rewrite: Rewrite): ConversationSpec | undefined {
  if (rewrite.turns) {
    const turns = rewrite.turns(spec, stablePick(spec.id, -1));
    return turns ? { ...structuredClone(spec), turns } : undefined;
  }
  let changed = false;
  const count = spec.turns.length;
  const turns = spec.turns.map((turn, index): TurnSpec => {
    const text = typeof turn === 'string' ? turn : turn.text;
    if (text === undefined) return turn;
    const next = rewrite.text!({ text, index, count, lang: spec.lang, pick: stablePick(spec.id, index) });
    if (next === text) return turn;
    changed = true;
    return typeof turn === 'string' ? next : { ...turn, text: next };
  });
  return changed ? { ...structuredClone(spec), turns } : undefined;
}
