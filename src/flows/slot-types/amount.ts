/**
 * `amount`: money in yuan as merchants write it, value an integer number of fen (分), display `¥1,280.00`.
 *
 * ```ts
 * SLOT_TYPES.amount.parse('一千二百八十元', ctx);   // → { ok: true, value: 128000, display: '¥1,280.00' }
 * SLOT_TYPES.amount.extract('昨天在3号店刷了1280元', ctx);   // → [{ value: 128000, …, start: 9, end: 14 }]
 * ```
 *
 * Forms: 1280, 1280元, 1,280.00, ¥1280, ￥1280.5, RMB 1280, 1280 yuan, 1280块, 1280块5 (5 角), 1280元5角6分,
 * 12.8万, 1.28万元, 1万5, 1.2k, Chinese numerals 一千二百八十元, 两千五, 一万零五十, 三百块, 一百二十八元五角, 壹仟贰佰捌拾元.
 * Refused: 0, negatives, more than 2 decimal places, more than `options.maxAmount` (yuan) or ¥100,000,000.
 *
 * In free text (`extract`) a number is an amount only with a currency marker (元/块/¥/RMB/yuan/万) or an
 * amount word before it (金额, 刷了, 消费了, 收款 …), and never when a count or place follows it (3号店, 3点,
 * 3次) or an identifier label precedes it (凭证号000123). As the direct answer (`parse`) a bare number is
 * the amount.
 */
import { idLabelBefore } from './labels.js';
import { invalid } from './messages.js';
import { normalize, originalSpan, trimAnswer } from './normalize.js';
import { CN_DIGITS, CN_NUMERAL_CHARS, decAdd, decToFen, decToString, decTrim, dec, parseNumeral, type Dec } from '../../core/numerals.js';
import type { Found, Invalid, SlotContext, SlotType, Valid } from './types.js';

/** Without `options.maxAmount`: no POS sale is this large, and fen stay far inside safe integers. */
const DEFAULT_MAX_YUAN = 100_000_000;

const D = `[0-9${Object.keys(CN_DIGITS).filter((c) => c !== '零' && c !== '〇').join('')}]`;
const ARABIC = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?(?!\d)`;
// "1.2k", "2k": thousands as typed in English (and by many on a phone).
// A numeral does not take the 一 of a word that follows it ("两千零五十一模一样的两笔" is 2,050, not 2,051).
const MAIN = `(?:${ARABIC})(?:\\s*(?:[万萬千亿億]|k(?![a-z]))(?:${D}(?!\\d))?)?|[${CN_NUMERAL_CHARS}]+(?:(?<=一)(?![模样樣下起共直定般些切])|(?<!一))`;
/**
 * 角 and 分 after 元/块: 5角, 5毛6, 5角6分, 零5分, and a lone digit ("1280块5") when nothing follows it but
 * the sale it names ("三百八十八块五那笔", "388块5的").
 */
const SUB = `(?:零?(?<ja>${D})\\s*[角毛](?:\\s*(?<fa>${D})\\s*分?)?|零?(?<fb>${D})\\s*分|(?<jb>${D})(?=$|[\\s,.;!?。，；！？、)钱的那这]))`;
const AMOUNT = `(?<pre>(?:¥|rmb|cny|人民币)\\s*)?(?<main>${MAIN})(?:\\s*(?<unit>元|块|圆|蚊|塊|圓|yuan(?![a-z])|rmb(?![a-z])|cny(?![a-z]))(?:${SUB})?(?:钱|整)?)?`;

// A comma before the number only matters after a digit (1,280): "…前天的，560元" has its amount after one.
const IN_TEXT = new RegExp(`(?<![0-9a-z.${CN_NUMERAL_CHARS}])(?<![0-9],)${AMOUNT}`, 'gi');
const WHOLE = new RegExp(`^(?<sign>[-−负]\\s*)?${AMOUNT}$`, 'i');

/** Words before a number that make it an amount. */
const LABEL_BEFORE =
  /(?:金额|(?:房|餐|饭|菜|货|服务|学|课|会员)费|费用|货款|房款|定金|订金|押金|全款|尾款|刷了?[两二三23](?:遍|次|回|道)[，,\s]*|每(?:次|回|笔|道)(?:都是)?|[两二2](?:次|遍|回|道|笔)都(?:是|系|係)|各|退(?:了|给?(?:他|她|顾客|客人|人家))?|刷[了的]?|刷卡|刷成了?|[打按输]成了?|消费[了的]?|收款|收[了的]|付[了的]|付款|支付[了的]?|一共|共计|总共|合计|退款|多扣了?(?:人家|他|她|顾客|客人)?|扣了(?:人家|他|她|顾客|客人)?|amount|paid|charged|total|keyed(?: in)?|rang up|typed)\s*(?:[:=]|是|为|of|is)?\s*$/i;
/**
 * The day of the sale right before a number ("昨天 1280", "前天的，560"): merchants give the amount next.
 * Only a number of up to six digits (eight would be a terminal ID, fifteen a merchant ID).
 */
const DAY_BEFORE = /(?:今天|昨天|前天|大前天|昨儿个?|前儿个?|今儿个?|今早|今晚|刚才|刚刚|\d{1,2}天前|上周.|上个?星期.|\b(?:today|yesterday|this (?:morning|afternoon|evening)|earlier today|just now|\d{1,2} days? ago|last (?:mon|tues|wednes|thurs|fri|satur|sun)day))(?:的|刷的)?\s*[,，]?\s*$/i;
/**
 * A message about a sale (its day, or undoing it): there, the one number that is neither an ID nor
 * labelled is its amount ("前天卖了双鞋 459 顾客…要退", "refund the 680 from last friday").
 */
const ABOUT_A_SALE =
  /今天|今早|昨天|前天|昨儿|前儿|上周|上个?星期|上个?礼拜|\d{1,2}号|上午|下午|中午|晚上|刷|退|撤|\b(?:today|yesterday|this (?:morning|afternoon|evening)|last (?:week|night|mon|tues|wednes|thurs|fri|satur|sun)day|refund|void|cancel|reverse|charged|paid)\b/i;
/** Two to five digits (longer ones are IDs), or with cents. */
const FREE_NUMBER = /^[1-9]\d{1,4}(?:\.\d{1,2})?$|^\d{1,5}\.\d{1,2}$/;
/** Chinese numerals with a unit of count ("六百六十六"): after the day, the amount as readily as digits. */
const CN_COUNTED = new RegExp(`^[${CN_NUMERAL_CHARS}]*[十百千万拾佰仟萬][${CN_NUMERAL_CHARS}]*$`);
/** "一笔350的", "那笔九百九的": a sale named by its amount. Up to six digits, or Chinese numerals. */
const SALE_BEFORE = /(?:[一这那]笔|[一这那]单)\s*$/;
const SALE_AMOUNT = new RegExp(`^\\d{1,6}(?:\\.\\d{1,2})?$|^[${CN_NUMERAL_CHARS}]{2,}$`);
/** A number said to be about ("两千出头", "三百多", "1200左右"): no amount to file. */
const APPROXIMATE_AFTER = /^\s*(?:出头|多(?![扣刷收付打按了])块?|来块|左右|上下)/;
/** What follows a number that is a count, a time or a place, not money. */
// …nor how many digits went wrong ("keyed 2 extra zeros", "多打了两个0").
const NOT_AMOUNT_AFTER = /^\s*(?:[次回遍道趟笔比张天号点个台月日年位岁时分秒周%店楼层单期倍折份件条间箱瓶斤碗桌]|晚(?!上)|分钟|小时|days?|times?|nights?|minutes?|mins?|hours?|hrs?|weeks?|months?|years?|pm|am|o'?\s?clock\b|oclock\b|(?:st|nd|rd|th)\b|(?:extra\s+)?(?:zeros?|0s|digits?)\b|extra\b|(?:-\s*)?(?:class(?:es)?|lessons?|sessions?|visits?|packs?|pieces?|pcs|items?|people|persons?|guests?|nights?|rooms?|tables?|kg|boxes?|bottles?)\b)/i;
/** The other half of a day written month/day ("12/3"). */
const MONTH_DAY_AFTER = /^[/／](?:[1-9]|[12]\d|3[01])(?!\d)/;
const MONTH_DAY_BEFORE = /(?<!\d)(?:[1-9]|1[0-2])[/／]$/;
/** "on Oct 27", "Dec 3rd": a day of an English month, not an amount. */
const EN_MONTH_BEFORE = /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?\s*$/i;
/** "一" as part of a word ("退款一般多久", "一直", "一样"), not the number one after an amount's label. */
const ONE_AS_WORD_PART = /^(?:般|些|批|堆|部|份|家|位|种|样|直|定|起|下|旦|律|切|致|再|会|边|面|向|模|共|同|概|点儿|阵|回|次|遍|趟|双|对|件|个|台|套|张|条|只|把|瓶|盒|袋|天|周|年)/;
/** Correcting the amount just said ("…1850的要退，不对，是"). */
const AMOUNT_CORRECTED = /(?:不对|哦不|看错了|记错了|说错了|口误)[，,、\s]*(?:是|应该是)\s*$/;
/** Lead-in words of a direct answer ("金额是", "大概", "about"). */
const LEAD = /^(?:(?:交易)?金额|刷了|刷卡|消费了?|收款|收了|付了|付款|支付了?|一共|共计|总共|合计|大概|大约|约|差不多|是|为|[:=]|amount|paid|about|around|is|of|\s)+/i;
const TAIL = /(?:左右|上下|the\s+amount)$/i;
const NEGATIVE_BEFORE = /[-−负]\s*$/;
/** Words around the amount a sale should have had, when the merchant tells what was charged instead. */
// …and what will be charged afresh once it is undone ("我让客人回头再刷680").
const INTENDED_BEFORE = /(?:本来是?|原本是?|本应是?|应该是|实际(?:上)?(?:应该)?是|不是|再刷|重新刷|重刷|instead of|rather than|not|must pay|should pay|should be|supposed to (?:be|pay))\s*$/i;
// Only "…成" says what was charged instead ("100按成了1100"; "48 刷错了" is the sale done by mistake), and
// "rang up 45 as 450" says 45 was meant.
// …and what is to be paid again ("he'll pay the ¥234 again in cash").
const INTENDED_AFTER = /^\s*(?:became|turned into|went to|ended up as|got keyed as|was keyed as|was rung up as|again)\b|^\s*(?:被?[打按输刷]错?成)|^\s*(?:块|元)?[，,\s]*[^，,。\d]{0,10}(?:多按了?(?:一?个)?0|多打了?(?:一?个)?0|多输了?(?:一?个)?0)[^，,。\d]{0,3}变成|^\s*(?:yuan|rmb|元|块)?\s*as\s+(?:¥|rmb\s*)?\d/i;
/**
 * "多收了客人100", "多扣了50块": how much too much was taken, not the sale's amount — unless the sale was
 * charged twice ("刷了两次，多扣了人家2380"), where the extra charge is the sale to undo.
 */
const DIFFERENCE_BEFORE = /(?:多|少)(?:收|扣|算|要|说|写|打)了?(?:人家|他|她|顾客|客人|客户|人)?(?:的)?\s*$|\b(?:overcharged|undercharged)(?: (?:him|her|them|the customer|my customer|a customer))?(?: by)?\s*$/i;
const CHARGED_TWICE = /两次|两遍|两回|两道|两笔|重复|\btwice\b|\bdouble\b|\bduplicate\b/i;
/** What was charged instead ("本来100按成了1100"): said so, it is the amount, whatever else is mentioned. */
const CHARGED_AS_BEFORE =
  /(?:\b(?:became|turned into|went to|ended up as)|[打按输刷]错?成了?|(?:多[按打输]了?(?:一?个)?0)?变成了?|keyed(?: in)?|rang up|\b(?:input|inputs|inputted|entered|typed(?: in)?|punched(?: in)?|key(?:ed)? in)|(?:rang(?: it)? up|keyed(?: it)?(?: in)?|entered|typed|charged|put in)\b[^.,;!?]{0,20}\bas|\bcard\s+(?:pay|paid|payment|charged?)\s*(?:is|was|of)?|\b(?:machine|terminal|pos|it|they|cashier|staff|waiter|waitress|server|employee|guy|girl|i|we|she|he)\s+(?:charged|charge|took|swiped|swipe|press|pressed|presses|type|types|typed|key|keyed|punch|punched|enter|entered)(?:\s+(?:her|him|them|the customer|my customer|customer|a customer))?(?:\s+(?:¥|rmb|yuan|cny))?)\s*$/i;

interface Reading {
  start: number;
  end: number;
  value: Dec;
  negative: boolean;
  chargedAs: boolean;
  /** Neither marked nor labelled: the amount only as the message's one such number. */
  free: boolean;
}

function readMatch(m: RegExpMatchArray): Dec | undefined {
  const g = m.groups!;
  const main = parseNumeral(g.main!.replace(/,/g, '').replace(/\s*k$/i, '千'));
  if (main === undefined) return undefined;
  const digit = (c: string | undefined): Dec => (c === undefined ? dec('0') : dec(String(/\d/.test(c) ? c : CN_DIGITS[c])));
  const jiao = digit(g.ja ?? g.jb);
  const fen = digit(g.fa ?? g.fb);
  return decAdd(main, decAdd({ m: jiao.m, e: 1 }, { m: fen.m, e: 2 }));
}

function inText(text: string, wholeAnswer: boolean): Reading[] {
  const out: Reading[] = [];
  for (const m of text.matchAll(IN_TEXT)) {
    const g = m.groups!;
    const start = m.index;
    const end = start + m[0].length;
    const before = text.slice(Math.max(0, start - 24), start);
    const after = text.slice(end);
    const marked = g.pre !== undefined || g.unit !== undefined || /[万萬亿億]|\dk$/i.test(g.main!);
    const bare = g.main!.replace(/,(?=\d{3})/g, '');
    // "退后面那笔001234": a number written with leading zeros is a code, not money, unless a currency says so.
    if (g.pre === undefined && g.unit === undefined && /^0\d/.test(bare)) continue;
    const afterDay = DAY_BEFORE.test(before) && (/^\d{2,6}(?:\.\d{1,2})?$/.test(bare) || CN_COUNTED.test(bare));
    const namesSale = SALE_BEFORE.test(before) && SALE_AMOUNT.test(g.main!);
    let free = false;
    // ("my staff press 850": a number said to have been charged is the sale's, unit or not.)
    if (!marked && !LABEL_BEFORE.test(before) && !afterDay && !namesSale && !CHARGED_AS_BEFORE.test(before)) {
      // A free number counts in a direct answer, when it plainly is a number ("一下" is not); in a message
      // about a sale, when it is the only one (below).
      free = !wholeAnswer && (FREE_NUMBER.test(bare) || (CN_COUNTED.test(bare) && [...bare].length >= 2)) && ABOUT_A_SALE.test(text);
      if (!free && (!wholeAnswer || !/[\d十百千万拾佰仟萬]/.test(g.main!))) continue;
    }
    if (g.unit === undefined && NOT_AMOUNT_AFTER.test(after)) continue;
    // "12/3" is a day, not 12 and 3.
    if (g.unit === undefined && /^\d{1,2}$/.test(bare) && (MONTH_DAY_AFTER.test(after) || MONTH_DAY_BEFORE.test(before) || EN_MONTH_BEFORE.test(before))) continue;
    if (APPROXIMATE_AFTER.test(after)) continue;
    if (g.unit === '块' && /^[儿去走来]/.test(after)) continue; // 一块儿, 一块去: "together"
    // "一块机械表", "两块蛋糕": 块 counting things, not yuan ("一块钱", "两块五", "三块的" are money).
    if (g.unit === '块' && /^[一两二三四五六七八九十几]$/.test(g.main!) && /^[\u4e00-\u9fff]/.test(after) && !/^[钱五半多的整角毛分一二三四六七八九左上出来]/.test(after)) continue;
    if (g.unit === undefined && /^[一两]$/.test(g.main!) && ONE_AS_WORD_PART.test(after)) continue; // 退款一般…, 一直, 一下
    // A label before claims the number ("订单号 1280"), unless a currency names it money ("coffee order 86 yuan").
    // …but a number grouped in thousands ("by card 1,590") is money whatever names it.
    // …nor does "手机" label a number too short to be one ("卖出去一台手机4599": the phone sold, at 4599).
    const phoneOnly = /^\d{1,5}(?:\.\d{1,2})?$/.test(bare) && !idLabelBefore(text, start, 'phone');
    if (idLabelBefore(text, start) && !phoneOnly && (g.unit === undefined || /^\d{6,}$/.test(bare)) && !/^\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?$/.test(g.main!)) continue;
    // "last 4 is 6213", "后4位": how many digits of a card, no amount.
    if (/\b(?:last|first)\s*$/i.test(before) || /(?<![然之以])[后末]\s*$/.test(before)) continue;
    // What the sale should have been is not its amount: "把68块打成了680", "本来是158", "1200 instead of 120".
    if (INTENDED_BEFORE.test(before) || INTENDED_AFTER.test(after)) continue;
    if (DIFFERENCE_BEFORE.test(text.slice(Math.max(0, start - 40), start)) && !CHARGED_TWICE.test(text)) continue;
    const value = readMatch(m);
    if (value === undefined) continue;
    out.push({ start, end, value, negative: NEGATIVE_BEFORE.test(before), chargedAs: CHARGED_AS_BEFORE.test(before), free });
  }
  // "多扣了一千，本来100按成了1100": the amount said to have been charged is the sale's.
  if (out.some((r) => r.chargedAs)) return out.filter((r) => r.chargedAs);
  // Free numbers only where nothing says which number is the amount, and only one of them.
  const said = out.filter((r) => !r.free);
  if (said.length > 0) return said;
  if (new Set(out.map((r) => decToFen(r.value))).size === 1) return out;
  // …or one once the sales said to be left alone are set aside ("早上那张30的不用管，下午460那张退掉", "the 460 one is fine, leave it").
  const meant = out.filter((r) => !LEFT_ALONE.test(clauseAround(text, r.start, r.end)));
  return meant.length > 0 && new Set(meant.map((r) => decToFen(r.value))).size === 1 ? meant : [];
}

/** A sale said to need nothing done. */
const LEFT_ALONE = /不用管|不用退|不要退|不退|不用撤|不撤|没问题|没事|别动|不动|留着|是对的|\b(?:is|are|was|'s) (?:fine|ok|okay|good|correct|right)\b|\bleave (?:it|that|this|them)\b|\bkeep (?:it|that|this)\b|\bdon'?t (?:touch|refund|void)\b|\bno need\b/i;

/** The clause a number stands in: up to the punctuation around it. */
function clauseAround(text: string, start: number, end: number): string {
  const edge = /[，,。;；!！?？\n]|\.(?!\d)/;
  let a = start;
  while (a > 0 && !edge.test(text[a - 1]!)) a--;
  let b = end;
  while (b < text.length && !edge.test(text[b]!)) b++;
  return text.slice(a, b);
}

function fenOf(value: Dec): bigint | undefined {
  return decToFen(value);
}

export function formatFen(fen: bigint | number): string {
  const f = BigInt(fen);
  const yuan = (f / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `¥${yuan}.${(f % 100n).toString().padStart(2, '0')}`;
}

function validate(r: Pick<Reading, 'value' | 'negative'>, ctx: SlotContext): Valid<number> | Invalid {
  if (r.negative && r.value.m !== 0n) return invalid('amount.negative');
  const fen = fenOf(r.value);
  if (fen === undefined) return invalid('amount.decimals', { count: decTrim(r.value).e });
  if (fen === 0n) return invalid('amount.zero');
  const maxYuan = ctx.options?.maxAmount ?? DEFAULT_MAX_YUAN;
  const maxFen = BigInt(Math.round(maxYuan * 100));
  if (fen > maxFen) return invalid('amount.too_large', { max: formatFen(maxFen), amount: formatFen(fen) });
  return { ok: true, value: Number(fen), display: formatFen(fen) };
}

function extract(text: string, ctx: SlotContext): Found<number>[] {
  const n = normalize(text);
  const found: Found<number>[] = [];
  const marked = inText(n.text, false);
  // "刷了1850的要退，不对，是1580": the number said right after correcting a marked amount is an amount too.
  if (marked.length) {
    for (const r of inText(n.text, true)) {
      if (r.start > marked[0]!.start && !marked.some((m) => m.start === r.start) && AMOUNT_CORRECTED.test(n.text.slice(Math.max(0, r.start - 10), r.start))) marked.push(r);
    }
  }
  for (const r of marked) {
    const v = validate(r, ctx);
    // A free number fills an empty amount; it never changes one the merchant gave (types.ts: `guessed`).
    if (v.ok) found.push({ value: v.value, display: v.display, ...originalSpan(n, r.start, r.end), ...(r.free ? { guessed: true } : {}) });
  }
  return found;
}

function parse(text: string, ctx: SlotContext): Valid<number> | Invalid {
  const normalized = trimAnswer(normalize(text).text);
  const answer = normalized.replace(LEAD, '').replace(TAIL, '').trim();

  // "000119" is a voucher number, not ¥119: nobody writes money with leading zeros.
  if (/^0\d+$/.test(answer)) return invalid('amount.unrecognized');
  // The whole answer is an amount: "1280", "-50", "一千二百八十元".
  const whole = WHOLE.exec(answer);
  if (whole) {
    const value = readMatch(whole);
    if (value !== undefined) return validate({ value, negative: whole.groups!.sign !== undefined }, ctx);
  }

  // An amount inside a sentence: marked ones first ("刷了1280元，卡是工行的"), then any free number ("大概1280吧").
  let readings = inText(normalized, false);
  if (readings.length === 0) readings = inText(normalized, true);
  const distinct = new Map<string, Reading>();
  for (const r of readings) distinct.set(`${r.negative}:${fenOf(r.value) ?? r.value.m}/${r.value.e}`, r);
  if (distinct.size === 0) return invalid('amount.unrecognized');
  if (distinct.size > 1) {
    const shown = [...distinct.values()].map((r) => {
      const fen = fenOf(r.value);
      return (r.negative ? '-' : '') + (fen === undefined ? decToString(r.value) : formatFen(fen));
    });
    return invalid('amount.multiple', { amounts: shown.join('、'), amountsEn: shown.join(', ') });
  }
  return validate([...distinct.values()][0]!, ctx);
}

export const amountType: SlotType<number> = { name: 'amount', extract, parse };
