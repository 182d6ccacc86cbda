/**
 * `enum`: one of `options.values`, each an id (the value) and labels (zh and en synonyms; the first label
 * is what the summary and the option lists show). The answer may be a label ("资金周转"), a sentence that
 * contains one ("因为资金周转困难"), or the number of an option as it was listed ("2", "第二个").
 * When more than one option fits, the merchant is asked to choose among those, by number.
 */
import { invalid } from './messages.js';
import { dropOverlaps, normalize, originalSpan, trimAnswer } from './normalize.js';
import { parseSmallInt } from '../../core/numerals.js';
import { misspeltSpans } from './misspelt.js';
import { soundAlikeSpans } from './sound-alike.js';
import type { Found, Invalid, SlotContext, SlotOptions, SlotType, Valid } from './types.js';

type Choice = NonNullable<SlotOptions['values']>[number];

const CJK = /[\u3400-\u9fff]/;

function fold(s: string): string {
  return normalize(s).text.toLowerCase();
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Occurrences of a label in text (ASCII labels only as whole words: "other" is not in "brother"). */
function labelPattern(label: string): RegExp {
  const body = escape(fold(label).trim());
  return CJK.test(label) ? new RegExp(body, 'g') : new RegExp(`(?<![a-z0-9])${body}(?![a-z0-9])`, 'g');
}

function listOf(values: Choice[], indices: number[], english: boolean): string {
  return indices
    .map((i) => {
      const labels = values[i]!.labels;
      const label = (english ? labels.find((l) => !CJK.test(l)) : undefined) ?? labels[0] ?? values[i]!.id;
      return `${i + 1}. ${label}`;
    })
    .join(english ? '; ' : '；');
}

function listVars(values: Choice[], indices: number[]): { options: string; optionsEn: string } {
  return { options: listOf(values, indices, false), optionsEn: listOf(values, indices, true) };
}

interface Hit {
  index: number;
  start: number;
  end: number;
  /** Found by its sound or a spelling slip, not as written. */
  guessed?: true;
}

/** Label occurrences, minus those inside a longer occurrence of another option's label. */
function hits(text: string, values: Choice[], minLength: number): Hit[] {
  const all: Hit[] = [];
  values.forEach((choice, index) => {
    for (const label of [...choice.labels, choice.id]) {
      if ([...label.trim()].length < minLength) continue;
      for (const m of text.matchAll(labelPattern(label))) all.push({ index, start: m.index, end: m.index + m[0].length });
    }
  });
  // No label written as such: one typed by its sound ("装秀" for 装修), labels of two characters or more.
  if (all.length === 0) {
    values.forEach((choice, index) => {
      for (const label of choice.labels) if ([...label.trim()].length >= Math.max(2, minLength)) for (const span of soundAlikeSpans(text, label)) all.push({ index, ...span, guessed: true });
    });
  }
  // …or an English one with a typo ("not setled yet").
  if (all.length === 0) {
    values.forEach((choice, index) => {
      for (const label of choice.labels) if ([...label.trim()].length >= minLength) for (const span of misspeltSpans(text, label)) all.push({ index, ...span, guessed: true });
    });
  }
  return all.filter((h) => !all.some((o) => o.index !== h.index && o.start <= h.start && o.end >= h.end && o.end - o.start > h.end - h.start));
}

function chosen(values: Choice[], index: number): Valid<string> {
  const choice = values[index]!;
  return { ok: true, value: choice.id, display: choice.labels[0] ?? choice.id };
}

/** "结没结", "试没试过", "通知没通知": whether, not which. */
/** What would be no use even if done ("银行没说 说了也没用"): a supposition, no answer. */
const CONCESSIVE = /[^\s,，。.!！;；]{1,4}了?也(?:没用|白搭|白说|不管用|没啥用|没什么用|没意义)/g;
/** Right before an option: said not to be it ("不是机器上的批结算", "not the batch one"). */
const DENIED_BEFORE = /不是[^，,。.!！?？\s]{0,6}$|\bnot (?:the |a )?$/i;
const A_NOT_A = /([\u4e00-\u9fff]{1,2})[没不]\1/g;
/** Who else there might be ("没有别的合作方", "没有别的银行"): none of them. */
const OTHER_PARTIES = /^(?:的)?(?:合作方|合作伙伴|合作的|合作|银行|支付平台|平台|第三方|渠道|机构|公司|人)/;
// …"冇其他文件了": no other files (an answer to the question before) — what follows is this one's answer.
const NOTHING_ELSE = /^(?:(?:没有?|冇|沒有?)(?:别的|其他的?|其它的?)(?:文件|材料|资料|证明)?了?|就这些|就这样)|^nothing else\b/i;

function parse(text: string, ctx: SlotContext): Valid<string> | Invalid {
  const values = ctx.options?.values ?? [];
  if (values.length === 0) return invalid('enum.no_options');
  const all = values.map((_, i) => i);
  // Punctuation trimmed; particles too for the number and the exact label, but not for containment:
  // "通知了" may itself be a label.
  const answer = fold(text).replace(/\s+/g, ' ').replace(/^[\s"'“‘(]+|[\s.。!?;,、~…"'”’)]+$/gu, '');
  const bare = trimAnswer(answer);

  // The number of an option: "2", "第2个", "第二项", "option 2", "#2".
  const numbered = /^(?:第\s*)?([0-9]{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:个|项|条|种|号)?(?:选项)?$|^(?:option|no\.?|number|#)\s*([0-9]{1,3})$/i.exec(
    bare,
  );
  if (numbered) {
    const n = parseSmallInt(numbered[1] ?? numbered[2]!);
    if (n !== undefined && n >= 1 && n <= values.length) return chosen(values, n - 1);
    return invalid('enum.out_of_range', { count: values.length, ...listVars(values, all) });
  }

  // A label (or the id) as the whole answer.
  const exact = values.findIndex((v) => [...v.labels, v.id].some((l) => [answer, bare].includes(fold(l).trim())));
  if (exact >= 0) return chosen(values, exact);

  // "没有别的了" (nothing else) says nothing more is to come; its 没有 is no answer to the question — what
  // follows may be ("没有别的 就你们一家": only this provider, so no partner to tell).
  const nothingElse = NOTHING_ELSE.exec(answer);
  if (nothingElse) {
    const rest = answer.slice(nothingElse[0].length);
    const after = [...new Set(hits(rest, values, 2).map((h) => h.index))];
    if (after.length === 1) return chosen(values, after[0]!);
    // "没有别的合作方": no other party at all, so the answer is no.
    const no = values.findIndex((v) => answersOf(v) === 'no');
    if (after.length === 0 && no >= 0 && OTHER_PARTIES.test(rest.trim())) return chosen(values, no);
    return invalid('enum.no_match', listVars(values, all));
  }

  // A label inside the answer — not in "结没结" (whether it was), which names no option.
  const noIndex = values.findIndex((v) => answersOf(v) === 'no');
  // "haven't told them yet": a yes label said in the negative is the no option (as `extract` reads it).
  const found = hits(answer.replace(A_NOT_A, (m) => ' '.repeat(m.length)).replace(CONCESSIVE, (m) => ' '.repeat(m.length)), values, 1).map((h) =>
    noIndex >= 0 && answersOf(values[h.index]!) === 'yes' && NEGATED_BEFORE.test(answer.slice(Math.max(0, h.start - 12), h.start)) ? { ...h, index: noIndex } : h,
  );
  let indices = [...new Set(found.map((h) => h.index))].sort((a, b) => a - b);
  // A one-character label ("是" in "小票是顺手拍的") is weak beside another option's longer one ("还没通知").
  if (indices.length > 1) {
    const strong = [...new Set(found.filter((h) => h.end - h.start >= 2).map((h) => h.index))];
    if (strong.length >= 1 && strong.length < indices.length) indices = strong.sort((a, b) => a - b);
  }
  // "资金结算（T+1到账那个） 不是机器上的批结算": an option said not to be it is not the answer.
  if (indices.length > 1) {
    const kept = [...new Set(found.filter((h) => !DENIED_BEFORE.test(answer.slice(Math.max(0, h.start - 8), h.start))).map((h) => h.index))];
    if (kept.length >= 1 && kept.length < indices.length) indices = kept.sort((a, b) => a - b);
  }
  // "还没结算，…我不知道密码": not knowing something else (a noun follows) is no "don't know" to this
  // question when another option is said.
  if (indices.length > 1) {
    const answered = found.filter((h) => !(UNSURE.test(answer.slice(h.start, h.end)) && OBJECT_AFTER.test(answer.slice(h.end))));
    const left = [...new Set(answered.map((h) => h.index))];
    if (left.length >= 1 && left.length < indices.length) indices = left.sort((a, b) => a - b);
  }
  // "havent settled", "还没通知合作方": a label of the yes option, said in the negative, is the no option.
  if (indices.length === 1 && NEGATED.test(bare)) {
    const no = values.findIndex((v) => answersOf(v) === 'no');
    if (no >= 0 && answersOf(values[indices[0]!]!) === 'yes') return chosen(values, no);
  }
  if (indices.length === 1) return chosen(values, indices[0]!);
  // "not yet told them", "还没说过": a yes label and a no label in one answer said in the negative is a no.
  if (indices.length === 2 && NEGATED.test(bare)) {
    const kinds = indices.map((i) => answersOf(values[i]!));
    if (kinds.includes('yes') && kinds.includes('no')) return chosen(values, indices[kinds.indexOf('no')]!);
  }
  if (indices.length > 1) return invalid('enum.ambiguous', listVars(values, indices));

  // A plain yes or no to a yes/no question ("没呢", "还没通知", "yes", "已经说过了") — also said first, the
  // rest telling more ("没呢 还没跟银行说").
  const head = /^[^\s,，。.!！;；]+(?=[\s,，。.!！;；])/.exec(bare)?.[0];
  const polarity = polarityOf(bare) ?? (head !== undefined && [...head].length <= 3 ? polarityOf(head) : undefined);
  if (polarity) {
    const answering = values.flatMap((v, i) => (answersOf(v) === polarity ? [i] : []));
    if (answering.length === 1) return chosen(values, answering[0]!);
  }
  return invalid('enum.no_match', listVars(values, all));
}

/** The plain answer an option stands for: its `answers`, or its id when that is `yes` / `no`. */
function answersOf(v: Choice): 'yes' | 'no' | undefined {
  return v.answers ?? (v.id === 'yes' || v.id === 'no' ? v.id : undefined);
}

/** A negation just before a label ("not yet told", "haven't informed", "还没通知"). */
const NEGATED_BEFORE = /(?:没|没有|未|还没|不曾)\s*$|\b(?:not|not yet|never|haven'?t|hasn'?t|have not|didn'?t|did not)\s+(?:yet\s+)?$/i;

/** An answer that opens with a negation ("havent settled", "not yet notified", "还没结算"). */
const NEGATED = /^(?:还|也|都)?(?:没|没有|未|冇|唔|不)|^(?:no|not|never|haven'?t|hasn'?t|have not|didn'?t|did not|nope)\b/i;

/** Not "I don't know" or "can't": 不知道, 不清楚, 不确定, 不记得, 不会, 不懂 are no answer to a yes/no question. */
const UNSURE = /^(?:还|也|都)?(?:不|没)(?:知道|清楚|确定|记得|记住|会|懂|太)/;
/** A word right after "不知道" that is what is not known ("不知道密码"), not a particle or a pause. */
const OBJECT_AFTER = /^[\u4e00-\u9fff](?<![啊呀呢吧了啦哦喔嘛的哈耶])/u;
const SAID_NO =
  /^(?!没(?:有)?问题)(?:还|也|都|暂时|目前|现在)?(?:没|没有|冇|未|唔|不|否)(?:有|呢|啊|呀|哦|喔|了|的|过)?(?:[\u4e00-\u9fff]{1,4}?)?(?:呢|啊|呀|哦|喔|了|的|过)?$|^(?:no|nope|nah|not yet|never|haven'?t|have not|didn'?t|did not|not really)(?:[\s,]+[a-z' ]{0,24})?$/i;
const SAID_YES =
  /^(?:是|是的|是啊|对|对的|对啊|嗯|嗯嗯|有|有的|当然|肯定|係|係呀|系|系呀|啱|好了|已经[\u4e00-\u9fff]{0,5}了?|[\u4e00-\u9fff]{1,4}过了?)$|^(?:yes|yeah|yep|yup|y|sure|of course|done|already|i did|we did|did it|i have|we have|tried|tried it)(?:[\s,]+(?:already|yes|it|that|before|once|twice))*$/i;

/** A bare yes or no, or neither ("没问题" is "no problem", neither: it answers no yes/no question). */
function polarityOf(answer: string): 'yes' | 'no' | undefined {
  const a = answer.trim();
  if (!a || /\d/.test(a) || UNSURE.test(a)) return undefined;
  if (SAID_NO.test(a)) return 'no';
  if (SAID_YES.test(a)) return 'yes';
  return undefined;
}

/** Labels of two characters or more written anywhere in the message (numbers are only for direct answers). */
function extract(text: string, ctx: SlotContext): Found<string>[] {
  const values = ctx.options?.values ?? [];
  const n = normalize(text);
  const folded = n.text.toLowerCase(); // same length as n.text: toLowerCase keeps CJK and ASCII lengths
  const no = values.findIndex((v) => answersOf(v) === 'no');
  return dropOverlaps(hits(folded, values, 2)).map((h) => {
    // A yes label said in the negative ("not yet told them", "还没通知过") is the no option.
    const negated = no >= 0 && answersOf(values[h.index]!) === 'yes' && NEGATED_BEFORE.test(folded.slice(Math.max(0, h.start - 12), h.start));
    const { value, display } = chosen(values, negated ? no : h.index);
    return { value, display, ...originalSpan(n, h.start, h.end), ...(h.guessed ? { guessed: true } : {}) };
  });
}

export const enumType: SlotType<string> = { name: 'enum', extract, parse };
