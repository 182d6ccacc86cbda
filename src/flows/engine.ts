/**
 * The slot-filling engine: a pure step function over a serialisable state. The bot keeps the state in
 * conversation state (SQL storage), so a restart mid-flow continues where it stood; the engine itself
 * keeps nothing between calls, which makes every behaviour a plain input → output test.
 *
 * One step takes the merchant's message (text and files) and returns the new state (or none when the
 * flow ended), what to say, and an outcome for the bot to act on: submit, cancelled, stopped by a rule,
 * hand off to a person, or a digression (a knowledge question asked mid-flow: the bot answers it, then
 * repeats the pending prompt with `reprompt`).
 *
 * With a language model configured, a step's input may also carry the values the model read from the
 * message (`FlowInput.modelValues`); the engine takes them after its rules, only into empty slots and
 * only when the slot types accept them (`fromModel`). The engine itself stays synchronous and pure.
 *
 * Likewise a slip photo: the bot reads it (src/bot/slip-photos.ts) and passes what it showed
 * (`FlowInput.slip`); the engine takes those values after the message's own text, only into empty slots,
 * under the slot types' checks, and repeats them back ("我从签购单上读到：…，对吗？") — see `fromSlip`.
 */
import type { Locale } from '../i18n/messages.js';
import { containsCardNumber } from '../privacy/card-mask.js';
import { conditionsContradicted, conditionsHold, todayIn } from './conditions.js';
import type { Flow, Slot } from './flow-schema.js';
import { flowText } from './flow-messages.js';
import { addDaysIso, displayIso, durationIn, durationsIn, saidAsHold } from './slot-types/date.js';
import { FILLER, ID_LABELS, PHONE_LABELS } from './slot-types/labels.js';
import { misspeltSpans } from './slot-types/misspelt.js';
import { digitsOf, normalize, SPOKEN_DIGIT_RUN } from './slot-types/normalize.js';
import type { Found, Invalid, SlotContext, SlotType, Valid } from './slot-types/types.js';
import { simplifiedText } from '../core/chinese-script.js';
import { DEFAULT_TIME_ZONE } from '../core/time-zone.js';
import { pickSlip } from './slip-choice.js';
import { ABOUT_PHOTO, CLARIFY, MURMURED_YES, SUBMIT_AT_END, BARE_CORRECTION, REPLACES_PHOTO, WRONG_PHOTO_SAID, CANCEL, CANCEL_CLAUSE, CANCEL_LEAD, CONFIRM_SAID, CORRECTION, CORRECTION_LEAD, GO_ON, GUESSED_LENGTH, HAS_NONE, NO, NOTHING_TO_SEND, NOT_KNOWN_YET, NOT_KNOWN_YET_IN_PASSING, NOT_KNOWN_YET_IN_PASSING_ALL, NO_DOCUMENTS, NO_NEED, PLAIN_QUESTION, QUESTION, RANGE_JOINER, SELF_CORRECTION, SENDS_LATER, SKIP, SKIP_AT_END, SKIP_SAID, SLIP_OK, SLIP_WINS, TRY_AGAIN, TYPED_WRONG, WHY, YES, YES_CANCEL, YES_FIRST, HEARD_OTHERWISE, affirmsOnly, asksQuestion, halfWidth, saysMoreThanPick, saysNothingMore, withoutCourtesy, withoutPhotoTalk } from './utterances.js';
export { isBareAnswer } from './utterances.js';

export interface SlotValue {
  value: unknown;
  display: string;
  /** A day said roughly ("一个半月前", "a little over a month ago"): the slip's exact day replaces it. */
  approx?: true;
}

export interface FileRef {
  file: string;
  contentType: string;
  size: number;
  name: string;
}

export interface FlowState {
  flowId: string;
  values: Record<string, SlotValue>;
  skipped: string[];
  attempts: Record<string, number>;
  /** The slot whose prompt was said last. */
  pending?: string;
  stage: 'collecting' | 'confirming' | 'confirm-cancel';
  /** The stage to return to when the merchant does not confirm a cancellation. */
  resumeStage?: 'collecting' | 'confirming';
  /**
   * What was said at a free-text question that sounded like giving up ("客人回家他老婆不同意，不办了" asked for the
   * reason): when the merchant goes on after "sure?", it was the answer after all.
   */
  cancelSaid?: string;
  /** The flow's last question was asked with the summary (`confirm.lastQuestion`): its answer files the request. */
  askedLast?: boolean;
  /** Slots made required by rules (a manual refund needs the slip). */
  required: string[];
  /** Rules whose message was said already (said once). */
  announced: string[];
  /**
   * Slots the last message's slip photo filled, repeated back with "…对吗？": the next message may open
   * by confirming them ("对", "是的，电话…") before it answers the pending question.
   */
  slipRead?: string[];
  /**
   * Values a slip photo showed that differ from what the merchant had given (kept, and said so: "如果应以
   * 签购单为准，请告诉我"), with the value given then: "按小票上的来" or "是1260，我记错了" takes them.
   */
  slipOffers?: Record<string, { value: unknown; display: string; given: unknown }>;
  /** Date slots told as a length of time ("停两个礼拜"), in days, until the day they count from is known. */
  durations?: Record<string, number>;
  /**
   * The last slip photo and what it filled (slot → the value shown): a photo sent next as its replacement
   * ("发错了 是这张") takes its place, and the values it alone gave are read again from the new one.
   */
  lastSlip?: { files: string[]; filled: Record<string, string> };
  /**
   * Slips of different sales sent together before the amount was known ("早上那张30的不用管，下午460那张退掉"
   * with both photos): each one's values, until the amount given says which sale is meant.
   */
  slipsUndecided?: Record<string, string>[];
  /** Which of `slipsUndecided` a message pointed at by its time ("是9点13那张"): taken at the next step. */
  slipPicked?: number;
}

export interface FlowInput {
  text: string;
  files?: FileRef[];
  /**
   * Values a language model read from `text` (slot name → the text it read for the slot; src/flows/slot-extraction.ts).
   * Merged after the rules, under the rules' own checks (see `FlowEngine.fromModel`); absent offline.
   */
  modelValues?: Record<string, string>;
  /**
   * What a slip photo sent with this message showed (src/bot/slip-photos.ts): `values` maps slot names to
   * the values as the slip prints them (empty when the photo could not be read); `slots` are the flow's
   * slots a slip can show at all. Taken after the message's text, into empty slots only (see `fromSlip`).
   */
  slip?: {
    values: Record<string, string>;
    slots: string[];
    /**
     * Each photo's own values, when several were sent: where they disagree (`values` then lacks those
     * fields), the one whose amount is the amount the merchant gave is the sale meant ("只退880那张").
     */
    each?: Record<string, string>[];
  };
}

export interface Say {
  text: string;
  suggestedActions?: string[];
}

export type Outcome =
  | { type: 'submit'; flow: Flow; values: Record<string, SlotValue> }
  | { type: 'cancelled' }
  | { type: 'stopped'; rule: string }
  | { type: 'handoff'; reason: 'slot_retry_limit' | 'business_rule' | 'missing_document'; detail: string }
  | { type: 'digression'; question: string };

export interface Step {
  /** The state after this step; undefined when the flow has ended. */
  state: FlowState | undefined;
  say: Say[];
  outcome?: Outcome;
  /**
   * A rule stopped the flow (`stopped`): the state it stood in, for `resumeStopped` when the merchant's answer
   * that stopped it changes ("照你说的弄了…显示撤销失败").
   */
  stoppedAt?: FlowState;
}

export interface EngineOptions {
  slotTypes: Record<string, SlotType>;
  timeZone?: string;
}

/**
 * The message as the flow reads it: in simplified script, character for character (the flows' cue words,
 * "开始", "跳过", are written in it, and "十二月十四號開始裝修" means the start just as "十二月十四号开始装修"
 * does), full-width digits as ASCII ("刚才说错了，是停到１２月２５号" corrects as with 12月25号), without the courtesy
 * around it ("确认 谢谢🙏" confirms as "确认" does).
 */
function asRead(input: FlowInput): FlowInput {
  const text = withoutCourtesy(halfWidth(simplifiedText(input.text)));
  return text === input.text ? input : { ...input, text };
}

/** "(那就)按退货(来|提交)": going by a value as it is. */
const AS_SHOWN = /(?:那就|那|就)?按(?:照)?([\u4e00-\u9fff]{2,6}?)(?:来|办|提交|处理)?(?=[\s，,。]|确认|提交|$)/g;
/** The card's last digits said not to be given ("卡尾号就不填了", "后四位不记得", "skip the last 4"). */
const CARD_SKIPPED = new RegExp(String.raw`(?:${ID_LABELS.card_last4})(?:就|也|先|我)?(?:不填了?|不写了?|不知道|不记得|记不得|忘了|没记|跳过|不用了?|不提供)|\bskip (?:the )?last (?:4|four)\b`, 'i');
/** A change asked for ("金额改成500", "should be 500"). */
// …the merchant's own change: what the customer changed to ("客人改成转账补差价了，这笔不用退了") is no value changed.
const CHANGE_WISH = /(?<!(?:客人|顾客|客户|对方|他|她|人家)(?:又|就|说|要|想)?)(?:改成|改为|换成)|应该是|应为|更正|修改|改一下|should be|change (?:the|it|my)/i;
/**
 * Another sale or another number meant, said after giving up the one given ("算了 这笔不退 我搞混了 要退的是前天
 * 那双 1260的", "算了算了 这个号别留了…留我老公的 138…"): a change, not giving up.
 */
const MEANT_INSTEAD = /(?:要|该|应该)(?:退|撤|撤销|退款)的(?:是|那笔是|其实是)|(?:留|打|用|换)(?:我|这个|另一个)?(?:老公|老婆|爱人|家里人|儿子|女儿|店长|同事|自己|本人|新的|店里)?的?(?:号码?|电话|手机号?)?\s*(?:是\s*)?1\d{10}/;
/** The summary's cancel button's word, then why ("取消 老板说先不弄了"). */
const CANCEL_OPENS = /^(?:取消|cancel)(?:[，,。.!！\s]+)(?!\d)/i;
/** A value found in a message, where it was. */
type FoundValue = { value: unknown; display: string; start: number; end: number };

/** Words that name a slot type in a message ("参考号", "金额"), for corrections. */
const TYPE_WORDS: Record<string, RegExp> = {
  merchant_id: new RegExp(ID_LABELS.merchant_id, 'i'),
  terminal_id: new RegExp(ID_LABELS.terminal_id, 'i'),
  batch_no: new RegExp(ID_LABELS.batch_no, 'i'),
  voucher_no: new RegExp(ID_LABELS.voucher_no, 'i'),
  reference_no: new RegExp(ID_LABELS.reference_no, 'i'),
  auth_code: new RegExp(ID_LABELS.auth_code, 'i'),
  card_last4: new RegExp(ID_LABELS.card_last4, 'i'),
  phone: new RegExp(PHONE_LABELS, 'i'),
  amount: /金额|(?<![a-z])amount(?![a-z])/i,
  date: /日期|(?<![a-z])date(?![a-z])/i,
};

/**
 * The label of each identifier type followed by a number ("终端号 1234567"): a value the merchant meant to
 * give, so when it is not valid the merchant is told why rather than the number being passed over.
 */
const LABELLED_NUMBER: Record<string, RegExp> = Object.fromEntries(
  Object.entries({ ...ID_LABELS, phone: PHONE_LABELS }).map(([type, label]) => [type, new RegExp(`(?:${label})${FILLER}([0-9a-z]+(?:[ -][0-9a-z]+)*)`, 'i')]),
);

/** A value's label right before it ("电话", "凭证号：", "phone is"). */
const LABEL_AT_END = new RegExp(`(?:${[...Object.values(ID_LABELS), PHONE_LABELS, '金额|日期|amount|date'].join('|')})${FILLER}$`, 'i');

/** Types whose values are found anywhere in a message; enum, text and files are answered to their prompt. */
const EXTRACTED = (slot: Slot) => slot.type !== 'attachments' && slot.type !== 'text' && slot.type !== 'enum';

/** How far (characters) a slot's word may stand from a value to name it, in a run-on message. */
const NEAR_MENTION = 4;
const ACCEPTED_FILE = /^(image\/(jpeg|png|webp|gif)|application\/pdf)$/;

/** Types a model must copy from the message as written (not resolved like a date, an amount or an option). */
const VERBATIM_TYPES = new Set(['merchant_id', 'terminal_id', 'batch_no', 'voucher_no', 'reference_no', 'auth_code', 'card_last4', 'phone', 'text']);
/** Longest model value looked at (the longest free text a flow takes is 500 characters). */
const MODEL_VALUE_MAX = 500;
/** A card number as masked upstream (622202******7890) or printed on a slip (6222 02** **** 7890), separators removed. */
const MASKED_CARD = /\d{4,6}[*xX•]{3,}\d{4}/;

/** What a slip photo filled, for the opening message (`start`); `valid`: values it showed that passed their checks. */
interface SlipRead {
  filled: string[];
  valid: number;
}

interface Extraction {
  /** Slots whose value this message set or changed. */
  changed: string[];
  /** Slots whose value the message restated as it already was ("金额是1280元" when it is ¥1,280.00). */
  same: string[];
  /** Why a value the message named was not taken ("参考号应为12位…，已保留原来的值"). */
  explanations: Say[];
  /** Spans of the values taken, to read the rest of the message as the pending slot's answer. */
  spans: [number, number][];
  /** Slots whose value in this message was refused and explained: a model value is not taken for them either. */
  explained: string[];
}

/** The pending question being answered, and everything a step of `collect` reads. */
interface Answering {
  flow: Flow;
  state: FlowState;
  /** The state as the message found it. */
  before: FlowState;
  input: FlowInput;
  text: string;
  files: FileRef[];
  pending: Slot;
  optional: boolean;
  now: Date;
  locale: Locale;
  /** What the turn says so far (file problems, acknowledgements). */
  say: Say[];
}

/** What `valueAnswer` read from the message before it looks at the pending answer. */
interface ValuesRead {
  found: Extraction;
  /** The pending slot (or one of its group) got its value. */
  answered: boolean;
  /** The pending slot and the other slots of its group. */
  alternatives: Slot[];
  /** Takes the model's values for the other slots; how many it took. */
  modelFills: () => number;
  /** "金额是1280元" when it already is: said so, nothing changed. */
  unchanged: Say[];
}

/**
 * What a slot is called for the merchant: its own label, else the words before it in the flow's summary
 * ("金额 {amount}" → 金额, "原因：{reason}" → 原因, "voucher no. {voucher_no}" → voucher no.), else its name.
 */
export function labelOf(flow: Flow, slot: Slot, locale: Locale): string {
  if (slot.label) return slot.label[locale];
  // An abbreviation's dot belongs to the label ("voucher no. {voucher_no}").
  const m = new RegExp(`([^，,：:。.;；]+?\\.?)[\\s：:]*\\{${slot.name}\\}`).exec(flow.confirm?.summary[locale] ?? "");
  return m?.[1]?.trim() || slot.name;
}

function noExtraction(): Extraction {
  return { changed: [], same: [], explanations: [], spans: [], explained: [] };
}

/** A correction begun after an answer ("客人退货。刚才金额说错了，…"): where it starts. */
const CORRECTION_TAIL = /(?<=[，,。.!！;；\s])(?:哎|诶|欸|哦|噢|啊|呃)?(?:还有|另外)?(?:刚才|刚刚|之前|前面|哦|噢|对了)?[\u4e00-\u9fff]{0,4}(?:刚才|刚刚)?(?:说错了|写错了|打错了|报错了|看错了|看反了|搞错了|填错了|发错了|输错了|弄错了|不对)/;
/** A value given before replaced, said after a free-text answer ("…对了 前面留的电话不用了 打这个 136…"). */
const REPLACED_TAIL = /(?<=[，,。.!！;；\s])(?:对了\s*)?(?:前面|刚才|之前)?[\u4e00-\u9fff]{0,6}(?:不用了|换了|作废了?|不要了)\s*[，,]?\s*(?:打|用|换成|改成|改用)这个/;
/** A correction said inside a message and the value it corrects to ("…打错了，应该是55203318"). */
const CORRECTED_TO = /(?:说错了|写错了|打错了|搞错了|填错了|输错了|弄错了)[\s,，。.!！]*(?:应该是|应为|改成|改为|正确的是|是)\s*(?<value>[^，,。；;!！?？]+)\s*[。.!！]?$/;

/**
 * "是3050 不是3500" (the new value, then the old; also "小票上是3860 不是3680") and "不是3500 是3050" (the
 * old, then the new).
 */
const SWAP_AFTER = /(?:^|[，,。\s]|(?<=[上的就]|其实|实际|应该|本来))是\s*(?<fresh>[^\s，,。；;]{1,20}?)\s*[，,]?\s*(?:而)?不是\s*(?<old>[^\s，,。；;]{1,20})/;
const SWAP_BEFORE = /不是\s*(?<old2>[^\s，,。；;]{1,20}?)\s*[，,]?\s*(?:而|应该|其实)?是\s*(?<fresh2>[^\s，,。；;]{1,20})/;

/** Just before an option's word: said not to be it ("不是资金周转", "not cash flow"). */
const NOT_THIS_OPTION = /(?:不是|并非|不|\bnot\s*)$/i;
/** "从明天", "from Monday": the day a period starts. */
const FROM_BEFORE = /(?:从|自|\bfrom\s*)\s*$/i;
/** Words right before the day a hold runs to ("停到月底", "一直关到20号", "until the 20th"). */
const HELD_UNTIL_BEFORE = /(?:停到|停至|直到|关到|歇到|休到|\b(?:until|till)\s*(?:the\s*)?)\s*$/i;
/** Two days of one period, one not before the other (`notBefore`: a hold's start and its resume). */
function periodOf(slots: Slot[]): { earlier: Slot; later: Slot } | undefined {
  const later = slots.find((s) => s.options.notBefore !== undefined && slots.some((o) => o !== s && o.name === s.options.notBefore));
  const earlier = later && slots.find((s) => s !== later);
  return later && earlier ? { earlier, later } : undefined;
}

/** Whether a value is the slot's own event's: said with its words, or not with another event's ("今天又来说不要了"). */
function saidOfOwnEvent(text: string, found: { start: number; end: number }, slot: Slot): boolean {
  const own = saidBeside(text, found, slot.options.saidWith);
  const other = saidBeside(text, found, slot.options.notSaidWith);
  // Both in one clause ("病人今天打电话来要求退回刷卡那笔"): the day is the event said right beside it.
  if (own && other) return nearestWord(text, found, slot.options.saidWith!) <= nearestWord(text, found, slot.options.notSaidWith!);
  return own || !other;
}

/** How many characters separate the value from the nearest of `words` in its message. */
function nearestWord(text: string, found: { start: number; end: number }, words: string[]): number {
  const lower = text.toLowerCase();
  let best = Infinity;
  for (const w of words) {
    const word = w.toLowerCase();
    for (let i = lower.indexOf(word); i >= 0; i = lower.indexOf(word, i + 1)) {
      const gap = i >= found.end ? i - found.end : i + word.length <= found.start ? found.start - (i + word.length) : 0;
      best = Math.min(best, gap);
    }
  }
  return best;
}

/** A week, a month or part of one: when, not which day. */
const VAGUE_DAY = /^(?:下下?个?|这个?|本)?(?:周|星期|礼拜|月)(?:底|末|初|中旬?)?$|^(?:月底|月末|月初|月中|周末|next (?:week|month)|this (?:week|month))$/i;
/**
 * "最后一位是7，不是1", "后四位是1782": the end of a number, said again. (In English "the last 4" is the card's
 * last four digits: not read here.)
 */
const LAST_DIGITS_SAID =
  /^[^\d]{0,12}?(?:最后|末|后|尾)\s*(?<count>\d|[一二两三四五六])?\s*(?:位|个数字?|个号)?(?:数字|号码)?\s*(?:(?:搞|弄|写|打|说|输|记|看)?(?:反|错|倒|颠倒)了?[\s，,]*)?(?:应该|其实)?(?:是|为|改成|改为)?\s*(?<digits>\d{1,6})(?!\d)(?:[\s,，。]*(?:不是|而不是)\s*(?<wrong>\d{1,6})(?!\d))?/;
const CHINESE_COUNT: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6 };
/** "不是4号", "not the 4th": the value after it is said to be wrong. */
const DENIED_BEFORE = /(?:不是|并非|\bnot(?: the)?\s*)\s*$/i;

/**
 * Whether one of `words` is in the clause of `found` — up to the punctuation around it, and in Chinese up to
 * the spaces too (merchants type a space for a comma).
 */
function saidBeside(text: string, found: { start: number; end: number }, words: string[] | undefined): boolean {
  if (!words?.length) return false;
  const chinese = /[\u4e00-\u9fff]/.test(text);
  const edge = chinese ? /[，,。.;；!！?？\s]/ : /[，,。;；!！?？]|\.(?!\d)/;
  // English runs on without commas ("came back today to return a sofa he bought on October 25th"): only
  // the words near the value are beside it.
  const reach = chinese ? { before: Infinity, after: Infinity } : { before: 30, after: 20 };
  let start = found.start;
  while (start > 0 && !edge.test(text[start - 1]!) && found.start - start < reach.before) start--;
  let end = found.end;
  while (end < text.length && !edge.test(text[end]!) && end - found.end < reach.after) end++;
  const clause = text.slice(start, end).toLowerCase();
  return words.some((w) => clause.includes(w.toLowerCase()));
}

/**
 * Runs the flows loaded from `flows/*.yaml` (checked by flow-schema.ts). Every method is synchronous and
 * pure: the same state, message, time and locale give the same step.
 *
 * Methods that take a flow id or a state throw a plain `Error` ("unknown flow") for a flow that is not
 * loaded — a programming error: callers check `has()` first (a conversation saved before a flow was
 * removed may name one). Nothing a merchant writes makes the engine throw; bad input is an `Invalid`
 * with its reason, said back to the merchant.
 */
export class FlowEngine {
  /** The merchants' time zone: "today" for dates and rules (the slot extractor's prompt says it too). */
  readonly timeZone: string;

  constructor(private readonly flows: Map<string, Flow>, private readonly options: EngineOptions) {
    this.timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  }

  /** Whether a flow of this id is loaded (a conversation saved before a flow was removed may name one that is not). */
  has(id: string): boolean {
    return this.flows.has(id);
  }

  /** The loaded flow whose action is of this type (`add-supplement`, `show-status`…), if any. */
  flowIdFor(actionType: string): string | undefined {
    for (const [id, flow] of this.flows) if (flow.action.type === actionType) return id;
    return undefined;
  }

  /**
   * The loaded flow of this id.
   * @throws Error when no flow of this id is loaded (check `has()`).
   */
  flow(id: string): Flow {
    const flow = this.flows.get(id);
    if (!flow) throw new Error(`unknown flow "${id}"`);
    return flow;
  }

  /**
   * Starts a flow with the message that triggered it (which may already carry several values).
   * `prefill`: values known before the flow (the merchant ID from an earlier flow); the message may restate them.
   * @throws Error when no flow of this id is loaded (check `has()`).
   */
  start(flowId: string, typed: FlowInput, now: Date, locale: Locale, prefill: Record<string, SlotValue> = {}): Step {
    const input = asRead(typed);
    const state: FlowState = { flowId, values: {}, skipped: [], attempts: {}, stage: 'collecting', required: [], announced: [] };
    const flow = this.flow(flowId);
    for (const [name, v] of Object.entries(prefill)) {
      if (flow.slots.some((s) => s.name === name)) state.values[name] = { value: v.value, display: v.display };
    }
    const slipRead: SlipRead = { filled: [], valid: 0 };
    const step = this.collect(flow, state, input, now, locale, { fromStart: true, slipRead });
    // What the opening message already said is repeated back, so a value read wrongly (by the rules or
    // a language model) is seen and corrected now rather than at the summary.
    const ruleSet = new Set(flow.rules.flatMap((r) => Object.keys(r.then.set ?? {})));
    const noted = flow.slots.filter(
      (slot) => step.state?.values[slot.name] !== undefined && prefill[slot.name] === undefined && !ruleSet.has(slot.name) && slot.type !== 'attachments' && !slipRead.filled.includes(slot.name),
    );
    let opening = flowText(locale, 'flowStart', { title: flow.title[locale] });
    if (noted.length && step.state) {
      const values = noted.map((slot) => `${labelOf(flow, slot, locale)} ${this.shown(flow, step.state!, slot.name, locale)}`).join(locale === 'en' ? ', ' : '、');
      opening += flowText(locale, 'flowNoted', { values });
    }
    // What a slip photo sent with it showed, in the same message ("我从签购单上读到：…，对吗？").
    if (input.slip && input.files?.length) {
      if (slipRead.filled.length) opening += `\n${this.slipReadLine(flow, state, slipRead.filled, step.state?.stage === 'collecting', locale)}`;
      else if (slipRead.valid === 0) opening += `\n${flowText(locale, 'flowSlipNothingRead')}`;
    }
    return { ...step, say: [{ text: opening }, ...step.say] };
  }

  /**
   * A flow a rule stopped (`Step.stoppedAt`), taken up again when a later message changes the answer that
   * stopped it: told to void on the terminal first, "照你说的弄了，输完凭证号显示撤销失败" files the request
   * with everything given before. Undefined when the message does not change that answer.
   */
  resumeStopped(stopped: FlowState, ruleId: string, message: FlowInput, now: Date, locale: Locale): Step | undefined {
    if (!this.flows.has(stopped.flowId)) return undefined;
    const flow = this.flow(stopped.flowId);
    const rule = flow.rules.find((r) => r.id === ruleId);
    // The answers the rule stopped on: options the merchant chose (not the days or amounts it also checks).
    const answers = (rule?.when ?? []).flatMap((c) => ('equals' in c && this.slot(flow, c.slot)?.type === 'enum' ? [c.slot] : []));
    const asked = answers.at(-1);
    if (!asked) return undefined;
    const state = structuredClone(stopped);
    state.stage = 'collecting';
    delete state.values[asked];
    state.pending = asked;
    state.announced = state.announced.filter((id) => id !== ruleId);
    // The message restates the request ("哦 那我要的是暂停资金结算 过年店里放假"): the options it names are
    // taken as from an opening message.
    this.optionsNamed(flow, state, asRead(message).text, now, locale, { except: asked });
    const step = this.handle(state, message, now, locale);
    const answer = step.state?.values[asked]?.value;
    return answer !== undefined && answer !== stopped.values[asked]?.value ? step : undefined;
  }

  /**
   * One message of the merchant in a flow under way: the new state (none when the flow ended), what to
   * say, and the outcome for the bot (submit, cancelled, handoff, digression…).
   * @throws Error when the state names a flow that is not loaded (check `has()`).
   */
  handle(state: FlowState, typed: FlowInput, now: Date, locale: Locale): Step {
    const message = asRead(typed);
    const flow = this.flow(state.flowId);
    let next = structuredClone(state);
    // After "我从签购单上读到：…，对吗？", "对" confirms what was read; the rest of the message is read on.
    const input = this.afterSlipRead(next, message);
    const text = input.text.trim();
    // "对 是9点13那张" after two slips of one double charge: that slip's values are taken; said alone, nothing else to read.
    const picked = next.stage === 'collecting' && next.slipsUndecided && text && !input.files?.length ? pickSlip(text, next.slipsUndecided) : undefined;
    if (picked) {
      next.slipPicked = picked.index;
      if (!saysMoreThanPick(picked.rest)) return this.advance(flow, next, now, locale, []);
    }
    if (!text && message.text.trim() && !input.files?.length) {
      const [prompt, ...rest] = this.ask(flow, next, now, locale);
      return { state: next, say: prompt ? [{ ...prompt, text: `${flowText(locale, 'flowSlipConfirmed')}${prompt.text}` }, ...rest] : [] };
    }

    if (next.stage === 'confirm-cancel') {
      // Giving up again in other words ("forget it", "算了 我自己弄") is a yes — unless it says to go on.
      const givesUp = (CANCEL_LEAD.test(text) || CANCEL_CLAUSE.test(text)) && !GO_ON.test(text);
      // "嗯" to "are you sure?" is a yes (at the summary it is only listening: see affirmsOnly).
      // "对对对 你取消吧", "是的 莫弄哒", "系呀 唔使搞喇": a yes said first, and nothing to go on with.
      const yesFirst = YES_FIRST.test(text) && !GO_ON.test(text) && !/\d/.test(text) && !input.files?.length;
      if (YES.test(text) || CANCEL.test(text) || YES_CANCEL.test(text) || givesUp || yesFirst || affirmsOnly(text) || MURMURED_YES.test(text)) {
        return { state: undefined, say: [{ text: flowText(locale, 'flowCancelled') }], outcome: { type: 'cancelled' } };
      }
      next.stage = next.resumeStage ?? 'collecting';
      delete next.resumeStage;
      const cancelSaid = next.cancelSaid;
      delete next.cancelSaid;
      const textAsked = next.stage === 'collecting' && next.pending ? this.slot(flow, next.pending) : undefined;
      if (cancelSaid && textAsked?.type === 'text' && next.values[textAsked.name] === undefined) {
        const taken = this.collect(flow, next, { text: cancelSaid }, now, locale, { fromStart: false });
        if (taken.state && taken.state.values[textAsked.name] !== undefined) {
          next = taken.state;
        }
      }
      // "等等找到了，不取消，你看这张" with the slip, "不取消，凭证号是…": the answer to the step goes on with the
      // message, which is read like any other — its photo and its values are not dropped.
      // …and so is an answer said with the no ("没有 我们晚上关门才结" to "sure?" while settlement is next).
      const said = text.replace(/^(?:否|不是?|没有?|no|nope)[\s,，、。.!！]*/i, '').replace(new RegExp(GO_ON.source, 'gi'), ' ').replace(/[\s\p{P}]/gu, '');
      if (input.files?.length || input.slip || /\d/.test(text) || [...said].length >= 3) {
        const step = next.stage === 'confirming' ? this.confirming(flow, next, input, now, locale) : this.collect(flow, next, input, now, locale, { fromStart: false });
        return { ...step, say: [{ text: flowText(locale, 'flowContinue') }, ...step.say] };
      }
      return { state: next, say: [{ text: flowText(locale, 'flowContinue') }, ...this.ask(flow, next, now, locale)] };
    }
    const once = saidOnce(text);
    // "不用了" where an optional question is asked ("有证明材料吗？可以跳过"): that question needs no answer;
    // the request goes on.
    const asked = next.stage === 'collecting' && next.pending ? this.slot(flow, next.pending) : undefined;
    const noNeedOfOptional = asked !== undefined && !this.isRequired(asked, next) && (NO_NEED.test(once) || SKIP_AT_END.test(once));
    // "算了 不管了 你就按这个提交吧" at the summary: the doubt is given up, not the request.
    if (next.stage === 'confirming' && SUBMIT_AT_END.test(once) && !CHANGE_WISH.test(once) && !input.files?.length) {
      return this.confirming(flow, next, { ...input, text: '确认' }, now, locale);
    }
    // At the summary, its button's word opening a message ("取消 老板刚说…") is the button pressed, with the why.
    const cancelPressed = next.stage === 'confirming' && CANCEL_OPENS.test(once);
    // "先别提交，金额改成500": held back to change something, not given up.
    // "算了算了 来访者还等着呢 留吧 150…": the doubt given up, not the request.
    const givesUp = (CANCEL_LEAD.test(once) || CANCEL_CLAUSE.test(once) || cancelPressed) && !CHANGE_WISH.test(once) && !MEANT_INSTEAD.test(once) && !GO_ON.test(once);
    if ((CANCEL.test(once) || YES_CANCEL.test(once) || givesUp) && !noNeedOfOptional && !input.files?.length) {
      // Nothing gathered yet ("我想取消结算" — "哦那不用了"): nothing to lose, so no "are you sure?".
      if (Object.keys(next.values).length === 0 && !next.skipped.length) {
        return { state: undefined, say: [{ text: flowText(locale, 'flowCancelled') }], outcome: { type: 'cancelled' } };
      }
      next.resumeStage = next.stage;
      next.stage = 'confirm-cancel';
      if (asked?.type === 'text') next.cancelSaid = once;
      // "…那我先不申请了。撤销跟退货到底有啥区别": the question asked with it is answered first, then "sure?".
      const question = askedWithGivingUp(once);
      if (question) return { state: next, say: [], outcome: { type: 'digression', question } };
      return { state: next, say: [this.cancelQuestion(locale)] };
    }
    const fromSlip = this.takeSlipOffers(flow, next, text, now, locale);
    if (fromSlip) {
      // "终端号打错了 按小票上的来。电话131…": what else the message gives is read on, without the values taken.
      // "商户号是我打错了 以小票为准。客人是嫌质量不好退的": the words about the mistake are spent too; what
      // else is said may answer the question asked.
      const said = /\d/.test(fromSlip.rest) ? fromSlip.rest : clauses(fromSlip.rest).filter((c) => !CORRECTION.test(c.text)).map((c) => c.text).join('，');
      const rest = /[\u4e00-\u9fff]{2}|[a-z]{2,}\s+[a-z]{2,}/i.test(said) || /\d/.test(said) ? said : '';
      if (!rest) return this.advance(flow, next, now, locale, [fromSlip.say]);
      const on = { ...input, text: rest };
      const step = next.stage === 'confirming' ? this.confirming(flow, next, on, now, locale) : this.collect(flow, next, on, now, locale, { fromStart: false });
      return { ...step, say: [fromSlip.say, ...step.say] };
    }
    if (next.stage === 'confirming') return this.confirming(flow, next, input, now, locale);
    return this.collect(flow, next, input, now, locale, { fromStart: false });
  }

  /** The slip's values offered in place of typed ones that still stand. */
  private liveSlipOffers(state: FlowState): [string, NonNullable<FlowState['slipOffers']>[string]][] {
    return Object.entries(state.slipOffers ?? {}).filter(([name, o]) => state.values[name]?.value === o.given);
  }

  /**
   * After "签购单上的金额是 ¥1,260.00，与您提供的 ¥1,200.00 不同…": "按小票上的来", "以签购单为准", "the slip is
   * right" take every value the slip offered; a message that says one of them back ("是1260，我记错了",
   * "哦对 1260") takes that one. An offer lapses once the merchant changes that value otherwise.
   */
  private takeSlipOffers(flow: Flow, state: FlowState, text: string, now: Date, locale: Locale): { say: Say; rest: string } | undefined {
    const offers = this.liveSlipOffers(state);
    if (offers.length === 0) {
      delete state.slipOffers;
      return undefined;
    }
    const numbers = [...normalize(text).text.matchAll(/\d[\d,]*(?:\.\d+)?/g)].map((m) => m[0]);
    const repeated = (name: string, value: unknown) =>
      numbers.some((n) => {
        const parsed = this.parse(this.slot(flow, name)!, state, n, now, locale);
        return parsed.ok && parsed.value === value;
      });
    // The slip's value said back ("是990", "哦对 990") takes it too, unless the value given is said as well.
    const taken = SLIP_WINS.test(text) ? offers : offers.filter(([name, o]) => repeated(name, o.value) && !repeated(name, o.given));
    if (taken.length === 0) return undefined;
    for (const [name, o] of taken) {
      this.setValue(state, name, { ok: true, value: o.value, display: o.display });
      delete state.slipOffers![name];
    }
    const values = taken.map(([name]) => `${labelOf(flow, this.slot(flow, name)!, locale)} ${this.shown(flow, state, name, locale)}`).join(locale === 'en' ? ', ' : '、');
    // The numbers that said the taken values back, and the words that took the slip's side, are spent.
    let rest = text.replace(SLIP_WINS, ' ');
    const says = (n: string, [name, o]: (typeof taken)[number]) => {
      const parsed = this.parse(this.slot(flow, name)!, state, n, now, locale);
      return parsed.ok && parsed.value === o.value;
    };
    for (const n of numbers) if (taken.some((t) => says(n, t))) rest = rest.replace(n, ' ');
    // …and so is the value given, said as the one that was wrong ("是428 不是四百二 我记错了"): no correction back.
    for (const [name, o] of taken) {
      const slot = this.slot(flow, name)!;
      const spent = [...rest.matchAll(/[零〇一二两三四五六七八九十百千万\d][零〇一二两三四五六七八九十百千万\d.,]*(?:块|元|蚊)?/g)].filter((m) => {
        const parsed = this.parse(slot, state, m[0], now, locale);
        return parsed.ok && (parsed.value === o.given || parsed.value === o.value);
      });
      if (spent.length) rest = blank(rest, spent.map((m) => [m.index, m.index + m[0].length] as [number, number]));
    }
    return { say: { text: flowText(locale, 'flowSlipTaken', { values }) }, rest: rest.trim() };
  }

  /**
   * The pending prompt again (after a digression was answered, or after a restart).
   * @throws Error when the state names a flow that is not loaded (check `has()`).
   */
  reprompt(state: FlowState, now: Date, locale: Locale): Say[] {
    const flow = this.flow(state.flowId);
    if (state.stage === 'confirming') return [this.summary(flow, state, locale)];
    if (state.stage === 'confirm-cancel') return [this.cancelQuestion(locale)];
    return this.ask(flow, structuredClone(state), now, locale);
  }

  // ── Collecting ─────────────────────────────────────────────────────────────────────────────────────

  private collect(flow: Flow, state: FlowState, input: FlowInput, now: Date, locale: Locale, opts: { fromStart: boolean; slipRead?: SlipRead }): Step {
    const before = structuredClone(state);
    const say: Say[] = [];
    const text = input.text.trim();
    const pending = !opts.fromStart && state.pending ? flow.slots.find((s) => s.name === state.pending) : undefined;
    const files = input.files ?? [];

    if (files.length) {
      const problem = this.takeFiles(flow, state, pending, files, locale);
      if (problem) say.push(problem);
    }
    if (input.slip && files.length) {
      if (REPLACES_PHOTO.test(text)) this.dropLastSlip(flow, state, files, locale);
      return this.collectWithSlip(flow, state, input, pending, now, locale, say, opts.slipRead);
    }
    if (!text) return this.advance(flow, state, now, locale, say);
    // "不对不对 拍错了 不是这张" with no photo: the last one and what was read from it go; the right one may follow.
    if (!files.length && state.lastSlip && WRONG_PHOTO_SAID.test(text)) {
      this.dropLastSlip(flow, state, [], locale);
      return this.advance(flow, state, now, locale, [...say, { text: flowText(locale, 'flowSlipDropped') }]);
    }
    if (!pending) return this.collectOpening(flow, state, input, text, now, locale, say);
    const turn: Answering = { flow, state, before, input, text, files, pending, optional: !this.isRequired(pending, state), now, locale, say };
    return this.asideFromAnswer(turn) ?? this.optionalPassed(turn) ?? (pending.type === 'text' ? this.textAnswer(turn) : this.valueAnswer(turn));
  }

  /** The message that started the flow: whatever values it carries, an option named in full too. */
  private collectOpening(flow: Flow, state: FlowState, input: FlowInput, text: string, now: Date, locale: Locale, say: Say[]): Step {
    const found = this.extractInto(flow, state, text, now, locale, { mode: 'collecting' });
    this.takeOpenTexts(flow, state, text, now, locale, { changed: found.changed, spans: found.spans });
    // "材料没有" answers the documents question, not another yes/no ("已通知合作方？没有").
    this.optionsNamed(flow, state, text.replace(NO_DOCUMENTS, (m) => ' '.repeat(m.length)), now, locale);
    this.noDocumentsSaid(flow, state, text);
    this.takeStory(flow, state, text, found.spans, now, locale);
    this.fromModel(flow, state, input, now, locale, flow.slots, found.explained);
    return this.advance(flow, state, now, locale, [...say, ...found.explanations]);
  }

  /** Not an answer to the pending question: "再试一次", a bare "不对", "为什么要…？". */
  private asideFromAnswer(turn: Answering): Step | undefined {
    const { flow, state, text, files, pending, locale, say } = turn;
    // "再试一次" after the retry limit: the slot gets its attempts back, and its prompt again.
    if (TRY_AGAIN.test(text) && !files.length) {
      state.attempts[pending.name] = 0;
      return { state, say: [this.prompt(pending, state, locale)] };
    }

    // "不对" / "改一下" mid-flow: what should change? (Not an answer, not a failed attempt.)
    if (BARE_CORRECTION.test(text)) return { state, say: [...say, { text: flowText(locale, 'flowWhatToChange') }, this.prompt(pending, state, locale)] };

    // "啥意思" / "再说一遍": the question again, with what it is for (not a failed attempt, not a guide question).
    if (CLARIFY.test(text) && !files.length) {
      const again = this.prompt(pending, state, locale);
      return { state, say: [...say, { ...again, text: `${flowText(locale, 'flowSaidAgain')}${again.text}` }, ...(pending.why ? [{ text: pending.why[locale] }] : [])] };
    }

    // "为什么要卡号后四位？": why the flow asks it (PIPL: say why), then the pending prompt again.
    const why = files.length ? undefined : this.whyAsked(flow, pending, text);
    if (why) return { state, say: [...say, { text: why[locale] }, this.prompt(pending, state, locale)] };
    return undefined;
  }

  /** An optional question passed over: skipped, "没有", "确认", "not known yet", "小票找不到了". */
  private optionalPassed(turn: Answering): Step | undefined {
    const { flow, state, text, files, pending, optional, now, locale, say } = turn;
    // "确认" / "好的" at an optional note: the merchant has nothing to add (never a note saying "确认").
    // …nor "就这个", "没了", "好的 谢谢" where the last question is asked with the summary.
    const nothingToAdd = pending.type === 'text' && (YES.test(text) || (this.isLastQuestion(flow, pending) && saysNothingMore(text)));
    // …and a plain "no" to an optional file question is none to send.
    // …"no 没有" (said twice, in both languages) as well.
    const plainNo = text.replace(/^(?:no|nope)[\s,，.]+(?=[\u4e00-\u9fff])/i, '');
    const noDocuments = pending.type === 'attachments' && (NO_DOCUMENTS.test(text) || NO.test(plainNo) || NOTHING_TO_SEND.test(text));
    // "确认" / "submit" at an optional step: the merchant wants to go on without it.
    const submit = CONFIRM_SAID.test(text);
    // …unless a guess comes with it ("等新账户开好再说 大概两周"): the guess is the answer.
    const notKnownYet = pending.type === 'date' && pending.options.openEnded === true && NOT_KNOWN_YET.test(text) && !GUESSED_LENGTH.test(text);
    // "小票找不到了" where the card's last 4 (read off the slip) are asked: the merchant cannot tell.
    const slipGone = pending.type !== 'attachments' && HAS_NONE.test(text);
    if (optional && (SKIP.test(text) || SKIP_SAID.test(text) || SKIP_AT_END.test(text) || nothingToAdd || noDocuments || submit || notKnownYet || slipGone) && !files.length && !(pending.type === 'enum' && this.parse(pending, state, text, now, locale).ok)) {
      if (!state.skipped.includes(pending.name)) state.skipped.push(pending.name);
      // "没什么要补充的，材料也没有": the optional file question ahead is answered too.
      this.noDocumentsSaid(flow, state, text);
      // "刚才说错了，是停到12月25号。材料没有": the values said besides are read as well, not dropped.
      // …and so is a correction in words ("开始日期说错了 应该是大后天 恢复的话待定").
      if (/\d/.test(text) || CORRECTION.test(text)) {
        const found = this.extractInto(flow, state, text, now, locale, { mode: 'collecting' });
        // The question passed over keeps no value from the same words ("…应该是大后天 恢复的话待定").
        if (found.changed.includes(pending.name) && (notKnownYet || SKIP_AT_END.test(text))) {
          delete state.values[pending.name];
          found.changed.splice(found.changed.indexOf(pending.name), 1);
          if (!state.skipped.includes(pending.name)) state.skipped.push(pending.name);
        }
        say.push(...this.acknowledged(flow, turn.before, state, pending, found.changed, locale), ...found.explanations);
      }
      return this.advance(flow, state, now, locale, say);
    }
    return undefined;
  }

  /** Free text (a reason): the message is the answer, unless it is a question or opens as a correction. */
  private textAnswer(answering: Answering): Step {
    const turn = this.correctedAfterText(answering) ?? answering;
    const { flow, state, before, input, text, files, pending, optional, now, locale, say } = turn;
    if (PLAIN_QUESTION.test(text) && !files.length) return { state: before, say: [], outcome: { type: 'digression', question: text } };
    // …or a field named as said wrong ("等哈 金额说错了 是1380 镜片后头加了个防蓝光膜 多了一百"): not the reason.
    // (What went wrong at the till, "刷错了金额", is the reason.)
    const correctsField = TYPED_WRONG.test(text) && namesField(flow, text, pending);
    if (CORRECTION_LEAD.test(text) || correctsField) {
      const found = this.extractInto(flow, state, text, now, locale, { mode: 'collecting' });
      if (correctsField && !found.changed.length && !found.explanations.length) this.namedCorrection(flow, state, text, now, locale, 'collecting', found);
      if (found.changed.length || found.explanations.length) return this.advance(flow, state, now, locale, [...say, ...this.acknowledged(flow, before, state, pending, found.changed, locale), ...found.explanations]);
      if (found.same.length) return this.advance(flow, state, now, locale, [...say, this.unchanged(flow, state, found.same, locale)]);
    }
    if (!optional && SKIP.test(text)) return this.failedAttempt(flow, state, pending, this.cannotSkip(pending), say, locale);
    // "确认" / "好的" where a reason is asked: the merchant thinks the form is done; it is no reason.
    if (!optional && (YES.test(text) || CONFIRM_SAID.test(text) || affirmsOnly(text))) return { state, say: [...say, this.prompt(pending, state, locale)] };
    // Values of other open slots in the answer ("顾客退货，电话13800138000") are taken; the rest is the text.
    const open = this.takeOpenValues(flow, state, text, now, locale);
    const rest = open.spans.length ? blank(text, open.spans).replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '').replace(/\s{2,}/g, ' ') : text;
    // What is left may only say which value was which ("下周一开始 一个月后恢复" → "开始 恢复").
    const named = open.changed.flatMap((n) => this.slot(flow, n)?.mentions ?? []);
    const leftover = named.reduce((r, m) => r.split(m).join(''), rest).replace(/[从起到后]/g, '');
    if (open.changed.length && (YES.test(rest) || [...leftover.replace(/[\s\p{P}]/gu, '')].length < 2)) {
      return this.advance(flow, state, now, locale, [...say, ...this.acknowledged(flow, before, state, pending, open.changed, locale)]);
    }
    // Only a day ("12月31号") where a detail is asked: the next day the flow needs, not a detail.
    if (!open.changed.length && this.nextDayTaken(flow, state, text, now, locale)) {
      return this.advance(flow, state, now, locale, say);
    }
    // Numbers and codes leave the text ("顾客退货，电话138…" → 顾客退货); days and amounts are part of what
    // the merchant says ("装修十来天，从明儿开始" stays whole).
    const wordy = open.changed.every((name) => ['date', 'amount'].includes(this.slot(flow, name)?.type ?? ''));
    const answer = wordy ? text : rest;
    const parsed = this.parse(pending, state, answer, now, locale);
    if (!parsed.ok) return this.failedAttempt(flow, state, pending, parsed, say, locale);
    this.setValue(state, pending.name, parsed);
    this.noDocumentsSaid(flow, state, text);
    // The message is the answer; other open slots it fills (by the model's reading) are taken too.
    this.fromModel(flow, state, input, now, locale, flow.slots);
    return this.advance(flow, state, now, locale, say);
  }

  /**
   * "客人退货。刚才金额说错了，是一千三百八，不是一千八": a correction after the free-text answer changes the
   * value it names (said as "是X，不是Y"); the answer is what came before it.
   */
  private correctedAfterText(turn: Answering): Answering | undefined {
    const corrected = CORRECTION_TAIL.exec(turn.text);
    const replaced = corrected ? undefined : REPLACED_TAIL.exec(turn.text);
    const tail = corrected ?? replaced;
    if (!tail || tail.index === 0) return undefined;
    const out = noExtraction();
    if (corrected) this.swapped(turn.flow, turn.state, turn.text.slice(tail.index), turn.now, turn.locale, out);
    // "…对了 前面留的电话不用了 打这个 136…": a value given before, named, and its replacement.
    else this.namedCorrection(turn.flow, turn.state, turn.text.slice(tail.index), turn.now, turn.locale, 'collecting', out, { besides: true });
    if (!out.changed.length) return undefined;
    const text = turn.text.slice(0, tail.index).replace(/[\s\p{P}]+$/u, '');
    return { ...turn, text, say: [...turn.say, ...this.acknowledged(turn.flow, turn.before, turn.state, turn.pending, out.changed, turn.locale)] };
  }

  /** A value (or files) asked for: the message's values taken wherever they belong, then the pending answer. */
  private valueAnswer(turn: Answering): Step {
    const { flow, state, before, input, text, files, pending, optional, now, locale, say } = turn;
    const restated = this.restatedText(flow, state, text, now, locale);
    const found = this.extractInto(flow, state, restated ? blank(text, [restated.span]) : text, now, locale, { mode: 'collecting' });
    if (restated) found.changed.push(restated.slot);
    // A reason given with the values ("前天，888块，客人退货") is taken too, whatever is being asked.
    this.takeOpenTexts(flow, state, text, now, locale, { changed: found.changed, spans: found.spans });
    // So is an option of a question still to come, named in full ("还没结算" while the card is asked).
    this.optionsNamed(flow, state, text.replace(NO_DOCUMENTS, (m) => ' '.repeat(m.length)), now, locale, { minChars: 3, except: pending.name });
    if (pending.type !== 'attachments') this.noDocumentsSaid(flow, state, text);
    // "刚才说错了是一千二不是一千五 凭证号000845": a value given before, replaced beside the answer.
    if (replacementPair(text)) this.replacedValue(flow, state, found.spans.length ? blank(text, found.spans) : text, now, locale, found);
    const answered = found.changed.some((n) => n === pending.name || (pending.group !== undefined && this.slot(flow, n)?.group === pending.group));
    // The model's reading (`fromModel`) comes after the rules at every turn of the way: other open slots
    // are filled once the rules have read what they can (the pending answer included), the pending slot
    // (and its alternatives) only when the rules could not read its answer.
    const alternatives = pending.group ? flow.slots.filter((s) => s.group === pending.group) : [pending];
    const others = flow.slots.filter((s) => !alternatives.includes(s));
    const modelFills = (): number => this.fromModel(flow, state, input, now, locale, others, found.explained).length;
    // Other values the message changed are acknowledged ("好的，已更正为 ¥1,208.00。"), before any refusal.
    say.push(...this.acknowledged(flow, before, state, pending, found.changed, locale), ...found.explanations);
    const unchanged = !found.changed.length && found.same.length && CORRECTION.test(text) ? [this.unchanged(flow, state, found.same, locale)] : [];
    const read: ValuesRead = { found, answered, alternatives, modelFills, unchanged };
    if (pending.type === 'attachments') return this.fileAnswer(turn, read);
    if (answered) {
      modelFills();
      return this.advance(flow, state, now, locale, say);
    }
    // A correction of another slot is not also an answer to this one ("不对，金额是1208" is no card's last 4),
    // nor is a correction to the value already there ("不对，金额是1280" when it is ¥1,280.00).
    // …but an option answered before the correction ("银行没说 哦还有 开始那天说错了 不是18号 是28号") is the answer.
    if (found.changed.length && CORRECTION.test(text)) {
      const head = text.slice(0, CORRECTION.exec(text)!.index);
      if (pending.type === 'enum' && head.trim()) {
        const first = this.check(flow, pending, state, this.parse(pending, state, head, now, locale), now);
        if (first.ok) this.setValue(state, pending.name, first);
      }
      modelFills();
      return this.advance(flow, state, now, locale, say);
    }
    if (unchanged.length) return this.advance(flow, state, now, locale, [...say, ...unchanged]);

    // The pending slot's own answer: the message without the values of other slots (taken or restated).
    const rest = found.spans.length ? blank(text, found.spans) : text;
    // ("对 1200" to the card's question after a read-back of ¥1,200.00: the amount said again, read as no card.)
    const tries = alternatives.map((slot) => {
      const parsed = this.parse(slot, state, rest, now, locale);
      const amountAgain = slot.type === 'card_last4' && parsed.ok && this.amountSaidAgain(flow, state, rest, { value: parsed.value, start: rest.indexOf(String(parsed.value)) });
      return { slot, result: this.check(flow, slot, state, amountAgain ? this.parse(slot, state, '', now, locale) : parsed, now) };
    });
    const ok = tries.find((t) => t.slot === pending && t.result.ok) ?? tries.find((t) => t.result.ok);
    if (ok?.result.ok) {
      this.setValue(state, ok.slot.name, ok.result);
      modelFills();
      return this.advance(flow, state, now, locale, say);
    }
    // The rules could not read the answer: the model's reading of it, when the slot's checks accept it.
    if (this.fromModel(flow, state, input, now, locale, [pending, ...alternatives.filter((s) => s !== pending)], found.explained).length) {
      modelFills();
      return this.advance(flow, state, now, locale, say);
    }
    // An optional question passed over for a later one ("还没结算" where the card's last 4 are asked): the
    // merchant has none to give now, and is not asked again.
    const laterTaken = flow.slots.slice(flow.slots.indexOf(pending) + 1).some((s) => state.values[s.name] !== undefined && before.values[s.name] === undefined);
    if (optional && laterTaken && !files.length) {
      if (!state.skipped.includes(pending.name)) state.skipped.push(pending.name);
      modelFills();
      return this.advance(flow, state, now, locale, say);
    }
    // Something else in the message was taken or explained: not a failed attempt at this slot.
    // (…an option of a question still to come too: "We tried the void option, it is asking for the customer card".)
    // …or a length kept for a day still to come ("For three weeks." where the start is asked).
    const tookOther =
      flow.slots.some((s) => state.values[s.name] !== undefined && before.values[s.name] === undefined) ||
      Object.keys(state.durations ?? {}).some((name) => state.durations![name] !== before.durations?.[name]);
    if (found.changed.length || found.explanations.length || tookOther) {
      modelFills();
      return this.advance(flow, state, now, locale, say);
    }
    // "没有材料" where the reason is asked: the documents question ahead is answered, and this one asked again.
    if (state.skipped.some((name) => !before.skipped.includes(name))) return this.advance(flow, state, now, locale, say);
    if (!optional && SKIP.test(text)) return this.failedAttempt(flow, state, pending, this.cannotSkip(pending), say, locale);
    // "银行? 就是银行扣的俺钱 俺咋跟他说 没说": a question thought aloud, the option said last is the answer.
    // ("…not the batch button on machine": an option said not to be it concludes nothing.)
    const concluded = pending.type === 'enum' ? clauses(rest).at(-1)?.text.trim() : undefined;
    if (concluded && concluded !== rest.trim() && !/^(?:不是|并不是|唔系|唔係|勿是|not\b)/i.test(concluded)) {
      const last = this.check(flow, pending, state, this.parse(pending, state, concluded, now, locale), now);
      if (last.ok) {
        this.setValue(state, pending.name, last);
        modelFills();
        return this.advance(flow, state, now, locale, say);
      }
    }
    if (asksQuestion(text) && !files.length) return { state: before, say: [], outcome: { type: 'digression', question: text } };
    // "参考号是12345" at the phone prompt: about another slot, not a failed attempt at this one.
    this.namedCorrection(flow, state, text, now, locale, 'collecting', found);
    if (found.changed.length || found.explanations.length) {
      modelFills();
      return this.advance(flow, state, now, locale, [...say, ...this.acknowledged(flow, before, state, pending, found.changed, locale), ...found.explanations]);
    }
    // Values for other slots only the model read: not a failed attempt at this one either.
    if (modelFills()) return this.advance(flow, state, now, locale, say);
    // Only a day where something else is asked ("今天" to which settlement): the next day the flow needs.
    if (pending.type !== 'date' && this.nextDayTaken(flow, state, rest, now, locale)) return this.advance(flow, state, now, locale, say);
    if (this.takeOtherwise(flow, state, pending, rest, now, locale)) return this.advance(flow, state, now, locale, say);
    return this.failedAttempt(flow, state, pending, this.groupProblem(tries, text), say, locale);
  }

  /** Files asked for: files, or values for other slots, move on; words alone are a failed attempt (or a question). */
  private fileAnswer(turn: Answering, read: ValuesRead): Step {
    const { flow, state, before, text, files, pending, optional, now, locale, say } = turn;
    const { found, answered, modelFills, unchanged } = read;
    // An optional file question passed over for a later one ("yes we informed the bank" where documents
    // are asked): the merchant has none to send now, and is not asked again.
    const later = flow.slots.slice(flow.slots.indexOf(pending) + 1);
    const movedOn = optional && !files.length && later.some((s) => state.values[s.name] !== undefined && before.values[s.name] === undefined);
    if (movedOn && !state.skipped.includes(pending.name)) state.skipped.push(pending.name);
    if (answered || found.changed.length || found.explanations.length || files.length || movedOn) {
      modelFills();
      return this.advance(flow, state, now, locale, say);
    }
    if (unchanged.length) return this.advance(flow, state, now, locale, [...say, ...unchanged]);
    // A value restated as it is ("那就1月15号 15号新店开业") is no failed try at the files either.
    if (found.same.length) return this.advance(flow, state, now, locale, say);
    if (asksQuestion(text)) return { state: before, say: [], outcome: { type: 'digression', question: text } };
    this.namedCorrection(flow, state, text, now, locale, 'collecting', found);
    if (found.changed.length || found.explanations.length) {
      modelFills();
      return this.advance(flow, state, now, locale, [...say, ...this.acknowledged(flow, before, state, pending, found.changed, locale), ...found.explanations]);
    }
    if (modelFills()) return this.advance(flow, state, now, locale, say);
    // A required file the merchant does not have ("小票丢了", "没有签购单"): the flow says what that means
    // and offers a person at once; the question stays open for the file if it turns up.
    if (!optional && pending.missing && (SKIP.test(text) || HAS_NONE.test(text))) return this.missingFile(flow, state, pending, say, locale);
    // "小票等下发", "I'll send it later": nothing to refuse — the question waits, everything given is kept.
    if (SENDS_LATER.test(text)) return { state, say: [...say, { text: flowText(locale, 'flowFileLater') }] };
    // "跳过" at a required file slot, or other words instead of a file: a failed attempt like any other,
    // so the third one offers a human agent rather than asking for the file forever.
    const invalid: Invalid = !optional && SKIP.test(text) ? this.cannotSkip(pending) : this.needFiles();
    return this.failedAttempt(flow, state, pending, invalid, say, locale);
  }

  /**
   * The `why` of the slot a "why" question names ("为什么要手机号？"), or of the pending slot when it names
   * none ("为什么要这个？"). Undefined when it is no such question or the slot gives no reason (then the
   * question is a digression, answered from the knowledge base).
   */
  private whyAsked(flow: Flow, pending: Slot, text: string): Slot['why'] {
    if (!WHY.test(text) || !QUESTION.test(text)) return undefined;
    const named = flow.slots.filter((s) => mentionsSlot(s, text));
    if (named.length === 0) return pending.why;
    return named.find((s) => s.why)?.why;
  }

  /**
   * "材料没有", "no documents", said at any point: the optional file questions ahead are answered; so is an
   * open-ended day nobody knows yet ("等新账户弄好再说").
   */
  private noDocumentsSaid(flow: Flow, state: FlowState, text: string): void {
    const noDocuments = NO_DOCUMENTS.test(text);
    // …not when a guess follows ("等新账户开好再说 大概两周"): the day is still to be asked.
    const said = NOT_KNOWN_YET_IN_PASSING.exec(text);
    const notKnownYet = said !== null && !GUESSED_LENGTH.test(text.slice(said.index, said.index + said[0].length + 8));
    // "卡尾号就不填了" said with the other facts: the card's last digits are skipped before they are asked.
    const cardSkipped = CARD_SKIPPED.test(text);
    if (!noDocuments && !notKnownYet && !cardSkipped) return;
    for (const slot of flow.slots) {
      if (state.values[slot.name] || this.isRequired(slot, state) || state.skipped.includes(slot.name)) continue;
      if ((noDocuments && slot.type === 'attachments') || (notKnownYet && slot.type === 'date' && slot.options.openEnded) || (cardSkipped && slot.type === 'card_last4')) state.skipped.push(slot.name);
    }
  }

  /**
   * "帮我申请暂停资金结算": an enum's option named in the message that starts the flow is its answer — only
   * labels of three characters or more (资金结算, 已经结算, payout; not 没有, 是, yes), and only when one
   * option of the slot is named.
   */
  private optionsNamed(flow: Flow, state: FlowState, text: string, now: Date, locale: Locale, opts: { minChars?: number; except?: string } = {}): void {
    const open = (s: Slot) => s.type === 'enum' && !state.values[s.name] && !state.skipped.includes(s.name) && s.name !== opts.except && !this.isRuleSet(flow, s);
    for (const slot of flow.slots.filter(open)) {
      const hits = this.slotType('enum')
        .extract(text, this.context(slot, now, locale, flow))
        // Two Chinese characters name an option well enough (装修, 关店); two Latin letters do not.
        .filter((f) => {
          const said = text.slice(f.start, f.end);
          // "不知道", "没有" answer the question asked; said before it is asked, they are about something else
          // ("提示要主管密码 我不知道").
          if (/^(yes|no)$/i.test(said) || VAGUE_OPTION.test(said)) return false;
          // A yes or no read by the sound of two or three characters ("没游客" sounds like 没有) is trusted as an
          // answer to its question, not in passing; a named option ("装秀" for 装修) or a misspelt phrase ("not
          // setled yet") is.
          if (f.guessed && VAGUE_OPTION.test(f.display) && [...said].length <= 3) return false;
          // An option whose words mean it only beside who it is about (`saidWith`: "还没说" of the bank, not of
          // "钱到底归谁还没说清楚").
          if (slot.options.saidWith?.length && !saidBeside(text, f, slot.options.saidWith)) return false;
          // …and beside it, two Chinese characters are enough ("没结").
          const twoBeside = (slot.options.saidWith?.length ?? 0) > 0 && /^[\u4e00-\u9fff]{2}$/.test(said);
          return opts.minChars && !twoBeside ? [...said].length >= opts.minChars : [...said].length >= 3 || /^[\u4e00-\u9fff]{2}$/.test(said);
        });
      const ids = new Map(hits.map((f) => [String(f.value), f]));
      // Of several, one the slot prefers ("环保局来测了 … 让我们停业": the order, not the closing).
      const f = ids.size === 1 ? [...ids.values()][0]! : preferred(slot, [...ids.values()]);
      if (!f) continue;
      this.setValue(state, slot.name, { ok: true, value: f.value, display: f.display });
    }
  }

  /**
   * Values a language model read from the message (`FlowInput.modelValues`), merged after the rules of the
   * step. The merge rule, the safer of the two: a model value only fills a slot that is still empty — it
   * never replaces a value, whether given earlier, prefilled, or taken by the rules from this very message
   * (so an exact-format value the rules read, a 凭证号 or an amount, always stands). The model adds what the
   * rules could not read; it never corrects (corrections stay with the rules, which say what they changed).
   *
   * A value is taken only as a typed answer to that slot would be: the slot type's `parse` with the same
   * SlotContext (date limits, amount limits, enum options) and the flow's date checks (`notPast`,
   * `notBefore`). Identifiers, phone numbers and free text must also be written in the message as the model
   * gives them (separators and spaces aside): a model may read them, not make them up. Anything refused is
   * dropped silently — never stored, never mentioned to the merchant (they did not type it as such).
   *
   * Not taken either: slots set by rules, file slots, skipped slots, a group already answered, a slot whose
   * `askWhen` does not hold, a slot whose value in this message the rules explained as invalid, a card's
   * last 4 that is anything but 4 digits, and any value holding a card number. Returns the slots filled.
   */
  private fromModel(flow: Flow, state: FlowState, input: FlowInput, now: Date, locale: Locale, slots: Slot[], explained: string[] = []): string[] {
    const given = input.modelValues;
    if (!given) return [];
    const taken: string[] = [];
    for (const slot of slots) {
      const raw = Object.hasOwn(given, slot.name) ? given[slot.name] : undefined;
      if (typeof raw !== 'string' || !raw.trim() || raw.length > MODEL_VALUE_MAX) continue;
      if (slot.type === 'attachments' || this.isRuleSet(flow, slot) || explained.includes(slot.name)) continue;
      if (state.values[slot.name] || state.skipped.includes(slot.name)) continue;
      if (slot.group !== undefined && flow.slots.some((o) => o.group === slot.group && state.values[o.name])) continue;
      if (slot.askWhen && !conditionsHold(slot.askWhen, this.plainValues(state), flow.settings, todayIn(now, this.timeZone))) continue;
      if (containsCardNumber(raw) || MASKED_CARD.test(raw.replace(/[\s-]/g, ''))) continue;
      if (slot.type === 'card_last4' && !/^\d{4}$/.test(normalize(raw).text.replace(/[\s-]/g, ''))) continue;
      if (VERBATIM_TYPES.has(slot.type) && !writtenIn(raw, input.text)) continue;
      const parsed = this.check(flow, slot, state, this.parse(slot, state, raw, now, locale), now);
      if (!parsed.ok) continue;
      this.setValue(state, slot.name, parsed);
      taken.push(slot.name);
    }
    return taken;
  }

  private needFiles(): Invalid {
    return { ok: false, reason: 'attachments.not_text', message: { 'zh-CN': flowText('zh-CN', 'flowNeedFiles'), en: flowText('en', 'flowNeedFiles') } };
  }

  private cannotSkip(slot: Slot): Invalid {
    return { ok: false, reason: `${slot.type}.required`, message: { 'zh-CN': flowText('zh-CN', 'flowCannotSkip'), en: flowText('en', 'flowCannotSkip') } };
  }

  /**
   * Why none of a group's alternatives took the answer: the one the message names ("参考号…"), else all
   * of them (a bare 11-digit number is neither a 6-digit 凭证号 nor a 12-digit 参考号).
   */
  private groupProblem(tries: { slot: Slot; result: Valid<unknown> | Invalid }[], text: string): Invalid {
    const failed = tries.filter((t): t is { slot: Slot; result: Invalid } => !t.result.ok);
    const named = failed.find((t) => mentionsSlot(t.slot, text));
    if (named || failed.length === 1) return (named ?? failed[0]!).result;
    const distinct = [...new Map(failed.map((t) => [t.result.message['zh-CN'], t.result])).values()];
    return {
      ok: false,
      reason: distinct[0]!.reason,
      message: { 'zh-CN': distinct.map((r) => r.message['zh-CN']).join(''), en: distinct.map((r) => r.message.en).join(' ') },
    };
  }

  private missingFile(flow: Flow, state: FlowState, slot: Slot, say: Say[], locale: Locale): Step {
    return {
      state,
      say: [...say, { text: slot.missing![locale] }, { text: flowText(locale, 'flowMissingFileOffer'), suggestedActions: [flowText(locale, 'actionHuman')] }],
      outcome: { type: 'handoff', reason: 'missing_document', detail: `${flow.id}.${slot.name}` },
    };
  }

  private failedAttempt(flow: Flow, state: FlowState, slot: Slot, invalid: Invalid, say: Say[], locale: Locale): Step {
    const attempts = (state.attempts[slot.name] ?? 0) + 1;
    state.attempts[slot.name] = attempts;
    if (attempts >= flow.maxAttempts) {
      return {
        state,
        say: [...say, { text: invalid.message[locale] }, { text: flowText(locale, 'flowRetryLimit'), suggestedActions: [flowText(locale, 'actionHuman'), flowText(locale, 'actionTryAgain')] }],
        outcome: { type: 'handoff', reason: 'slot_retry_limit', detail: `${flow.id}.${slot.name}: ${invalid.reason}` },
      };
    }
    return { state, say: [...say, { text: `${invalid.message[locale]}${flowText(locale, 'flowTryAgainSuffix')}` }, this.prompt(slot, state, locale)] };
  }

  /** Applies rules, then asks the next open slot, or moves to the confirmation. */
  private advance(flow: Flow, state: FlowState, now: Date, locale: Locale, say: Say[]): Step {
    const decided = this.undecidedSlipTaken(flow, state, now, locale);
    const step = this.advanceFrom(flow, state, now, locale, say);
    return decided.length ? this.withSlipRead(flow, state, step, [], decided, locale) : step;
  }

  /** The slip of the sale meant, once the amount given tells two slips sent together apart; the slots it filled. */
  private undecidedSlipTaken(flow: Flow, state: FlowState, now: Date, locale: Locale): string[] {
    const each = state.slipsUndecided;
    const picked = state.slipPicked !== undefined ? each?.[state.slipPicked] : undefined;
    if (!each || (!picked && !this.tellingSlots(flow).some((s) => state.values[s.name] !== undefined))) return [];
    const meant = picked ?? this.slipMeant(flow, state, { values: {}, slots: [], each }, now, locale);
    if (!each.includes(meant)) return [];
    delete state.slipsUndecided;
    delete state.slipPicked;
    return this.fromSlip(flow, state, meant, now, locale).filled;
  }

  private advanceFrom(flow: Flow, state: FlowState, now: Date, locale: Locale, say: Say[]): Step {
    this.applyDurations(flow, state, now);
    this.applyAssumptions(flow, state, now);
    this.enforceOrder(flow, state, now, locale, say);
    this.dropUnasked(flow, state, now);
    const ruleStep = this.applyRules(flow, state, now, locale, say);
    if (ruleStep) return ruleStep;
    const next = this.nextSlot(flow, state, now);
    if (next) {
      state.pending = next.name;
      if (this.isLastQuestion(flow, next)) state.askedLast = true;
      return { state, say: [...say, this.prompt(next, state, locale)] };
    }
    delete state.pending;
    // Everything is known now: an answer given early whose conditions did not come to hold is not filed.
    this.dropUnasked(flow, state, now, { strict: true });
    // (The last question, asked with the summary, was the confirmation.)
    if (!flow.confirm || state.askedLast) return { state: undefined, say, outcome: { type: 'submit', flow, values: state.values } };
    state.stage = 'confirming';
    return { state, say: [...say, this.summary(flow, state, locale)] };
  }

  private ask(flow: Flow, state: FlowState, now: Date, locale: Locale): Say[] {
    const next = state.pending ? flow.slots.find((s) => s.name === state.pending) : this.nextSlot(flow, state, now);
    return next ? [this.prompt(next, state, locale)] : [this.summary(flow, state, locale)];
  }

  private nextSlot(flow: Flow, state: FlowState, now: Date): Slot | undefined {
    const values = this.plainValues(state);
    for (const slot of flow.slots) {
      const required = this.isRequired(slot, state);
      if (state.values[slot.name]) continue;
      if (slot.options.neverAsked && !state.required.includes(slot.name)) continue;
      // A skipped slot stays skipped, unless a rule made it required since (a manual refund needs the slip).
      if (state.skipped.includes(slot.name) && !state.required.includes(slot.name)) continue;
      if (!required && slot.group === undefined) {
        // Optional slots are asked once (they can be skipped), unless a rule set them.
        if (slot.askWhen && !conditionsHold(slot.askWhen, values, flow.settings, todayIn(now, this.timeZone))) continue;
        if (slot.promptWhen && !conditionsHold(slot.promptWhen, values, flow.settings, todayIn(now, this.timeZone))) continue;
        if (this.isRuleSet(flow, slot)) continue;
        return slot;
      }
      if (slot.group && flow.slots.some((o) => o.group === slot.group && state.values[o.name])) continue;
      if (slot.askWhen && !conditionsHold(slot.askWhen, values, flow.settings, todayIn(now, this.timeZone))) continue;
      return slot;
    }
    return undefined;
  }

  private isRequired(slot: Slot, state: FlowState): boolean {
    return slot.required || state.required.includes(slot.name);
  }

  /** A slot that only rules fill (`set`) is never asked. */
  private isRuleSet(flow: Flow, slot: Slot): boolean {
    return flow.rules.some((r) => r.then.set && slot.name in r.then.set);
  }

  /**
   * Answers that no longer apply are dropped: a slot asked only when conditions hold (批结算 for a
   * same-day sale) loses its value when a correction makes the conditions false, so it is neither
   * submitted nor stale when they hold again. An answer given before its conditions are known stays.
   */
  private dropUnasked(flow: Flow, state: FlowState, now: Date, opts: { strict?: boolean } = {}): void {
    const today = todayIn(now, this.timeZone);
    for (let again = true; again; ) {
      again = false;
      for (const slot of flow.slots) {
        if (!slot.askWhen || !state.values[slot.name] || this.isRuleSet(flow, slot)) continue;
        const values = this.plainValues(state);
        const drop = opts.strict ? !conditionsHold(slot.askWhen, values, flow.settings, today) : conditionsContradicted(slot.askWhen, values, flow.settings, today);
        if (drop) {
          delete state.values[slot.name];
          again = true;
        }
      }
    }
  }

  /** A date that must not be before another (恢复日期 ≥ 暂停开始日期) is dropped, and asked again, when a change breaks that. */
  private enforceOrder(flow: Flow, state: FlowState, now: Date, locale: Locale, say: Say[]): void {
    for (const slot of flow.slots) {
      const v = state.values[slot.name];
      if (!v || !slot.options.notBefore) continue;
      const problem = this.check(flow, slot, state, { ok: true, value: v.value, display: v.display }, now);
      if (!problem.ok) {
        delete state.values[slot.name];
        say.push({ text: problem.message[locale] });
      }
    }
  }

  /**
   * Rules are evaluated afresh on every change: what they set and require follows the values as they are
   * now (a date corrected from 45 days ago to yesterday is a refund again, without the slip required).
   */
  private applyRules(flow: Flow, state: FlowState, now: Date, locale: Locale, say: Say[]): Step | undefined {
    const today = todayIn(now, this.timeZone);
    for (const slot of flow.slots) if (this.isRuleSet(flow, slot)) delete state.values[slot.name];
    state.required = [];
    for (const rule of flow.rules) {
      if (!conditionsHold(rule.when, this.plainValues(state), flow.settings, today)) continue;
      const first = !state.announced.includes(rule.id);
      if (rule.then.set) {
        for (const [name, value] of Object.entries(rule.then.set)) {
          const slot = flow.slots.find((s) => s.name === name);
          const label = slot?.options.values?.find((v) => v.id === String(value))?.labels[0] ?? String(value);
          state.values[name] = { value, display: label };
        }
      }
      for (const name of rule.then.require ?? []) if (!state.required.includes(name)) state.required.push(name);
      if (rule.then.say && first) say.push({ text: rule.then.say[locale] });
      if (first) state.announced.push(rule.id);
      if (rule.then.handoff) {
        return {
          state: undefined,
          say: [...say, { text: flowText(locale, 'flowRuleHandoff'), suggestedActions: [flowText(locale, 'actionHuman')] }],
          outcome: { type: 'handoff', reason: 'business_rule', detail: `${flow.id}.${rule.id}` },
        };
      }
      if (rule.then.stop) return { state: undefined, say, outcome: { type: 'stopped', rule: rule.id }, stoppedAt: structuredClone(state) };
    }
    return undefined;
  }

  // ── Confirming ─────────────────────────────────────────────────────────────────────────────────────

  private confirming(flow: Flow, state: FlowState, input: FlowInput, now: Date, locale: Locale): Step {
    const text = input.text.trim();
    // "那就按退货提交 确认": the summary's own value said back ("按退货") agrees with it.
    const shown = new Set(Object.values(state.values).map((v) => v.display));
    const agreed = text.replace(AS_SHOWN, (m: string, value: string) => (shown.has(value) ? ' ' : m)).trim();
    if ((YES.test(text) || CONFIRM_SAID.test(text) || affirmsOnly(text) || (agreed !== text && (CONFIRM_SAID.test(agreed) || affirmsOnly(agreed))) || confirmedLast(text)) && !input.files?.length) {
      return { state: undefined, say: [], outcome: { type: 'submit', flow, values: state.values } };
    }
    const say: Say[] = [];
    if (input.files?.length) {
      const problem = this.takeFiles(flow, state, undefined, input.files, locale);
      if (problem) say.push(problem);
    }
    // "原因写错了，是刷错金额": the text under its label is the new value, read by nothing else ("金额" in it is no amount).
    const restated = text ? this.restatedText(flow, state, text, now, locale) : undefined;
    const rest = restated ? blank(text, [restated.span]) : text;
    const found: Extraction = rest.trim() ? this.extractInto(flow, state, rest, now, locale, { mode: 'confirming' }) : noExtraction();
    if (restated) found.changed.push(restated.slot);
    // "start is day after tmrw … still 10 days": a hold told as a length keeps its length from the new start.
    found.changed.push(...this.lengthsKept(flow, state, found.changed, now).filter((n) => !found.changed.includes(n)));
    say.push(...found.explanations);
    // Only slots still open (never a value shown in the summary: the model does not correct).
    const fromModel = text ? this.fromModel(flow, state, input, now, locale, flow.slots, found.explained) : [];
    // A slip photo at the summary: it fills only what is still open (an optional value skipped earlier).
    const slip = input.slip && input.files?.length ? this.fromSlip(flow, state, this.slipMeant(flow, state, input.slip, now, locale), now, locale) : undefined;
    if (slip) say.push(...slip.differs);
    if (!found.changed.length && !fromModel.length && !input.files?.length && !say.length) {
      // "日期改成11月27日" when it is that day already: nothing to change, and the summary again.
      if (found.same.length && (CORRECTION.test(text) || !asksQuestion(text))) {
        return { state, say: [this.unchanged(flow, state, found.same, locale), this.summary(flow, state, locale)] };
      }
      if (NO.test(text) || CORRECTION.test(text)) return { state, say: [{ text: flowText(locale, 'flowWhatToChange') }] };
      if (asksQuestion(text)) return { state, say: [], outcome: { type: 'digression', question: text } };
      return { state, say: [{ text: flowText(locale, 'flowConfirmHint') }, this.summary(flow, state, locale)] };
    }
    // Values changed: rules may now say otherwise (a corrected date can make it a manual refund).
    state.stage = 'collecting';
    // …and the question they open may be answered in the same words ("今天还没结算，机器上撤销试过了，提示失败").
    if (rest) this.optionsNamed(flow, state, rest, now, locale);
    if (!slip?.filled.length) return this.advance(flow, state, now, locale, say);
    return this.withSlipRead(flow, state, this.advance(flow, state, now, locale, []), say, slip.filled, locale);
  }

  // ── Slip photos ────────────────────────────────────────────────────────────────────────────────────

  /**
   * A message with a slip photo (`FlowInput.slip`). Its text is read first — values anywhere in it, and
   * the pending question's own answer when it is one ("1500" at the amount prompt) — then what the slip
   * shows fills the slots still empty (`fromSlip`), and the bot says what it read ("我从签购单上读到：…，
   * 对吗？") with the question for what is still missing. A photo is never a failed answer: when the
   * value asked for could not be read from it, the merchant is told so and asked for it plainly, once per
   * photo — never "没有找到凭证号" again and again.
   */
  /**
   * The values of the slips sent: those all of them agree on — or, of slips that disagree, the one whose
   * amount is the amount given ("这两张…只退880那张"), whole.
   */
  private slipMeant(flow: Flow, state: FlowState, slip: NonNullable<FlowInput['slip']>, now: Date, locale: Locale): Record<string, string> {
    if (!slip.each || slip.each.length < 2) return slip.values;
    // "退后面那笔 凭证号001205" with both slips of a double charge: the voucher or reference number given
    // tells them apart as the amount does.
    const given = this.tellingSlots(flow).filter((s) => state.values[s.name] !== undefined);
    if (given.length === 0) return slip.values;
    const matching = slip.each.filter((values) =>
      given.every((slot) => {
        const printed = values[slot.name];
        if (printed === undefined) return slot.type !== 'amount';
        const parsed = this.parse(slot, state, printed, now, locale);
        return parsed.ok && parsed.value === state.values[slot.name]!.value;
      }),
    );
    return matching.length === 1 ? matching[0]! : slip.values;
  }

  /** The slots whose value tells one sale's slip from another's: its amount, voucher and reference numbers. */
  private tellingSlots(flow: Flow): Slot[] {
    return flow.slots.filter((s) => s.type === 'amount' || s.type === 'voucher_no' || s.type === 'reference_no');
  }

  private collectWithSlip(flow: Flow, state: FlowState, input: FlowInput, pending: Slot | undefined, now: Date, locale: Locale, say: Say[], opening?: SlipRead): Step {
    const slip = input.slip!;
    const text = input.text.trim();
    if (text) {
      const found = this.extractInto(flow, state, text, now, locale, { mode: 'collecting' });
      say.push(...found.explanations);
      // A reason said with it ("pls refund this one, customer returned the item"), as in any message —
      // but not what is said of the photos themselves ("唔好意思影错咗 头先嗰张唔计": a wrong photo is no reason).
      const story = withoutPhotoTalk(text);
      if (story === text) this.takeOpenTexts(flow, state, text, now, locale, { changed: found.changed, spans: found.spans });
      else if (story) this.takeOpenTexts(flow, state, story, now, locale, noExtraction());
      if (!pending) this.optionsNamed(flow, state, text, now, locale);
      else {
        if (!this.groupAnswered(flow, state, pending) && !found.explained.includes(pending.name)) {
          this.answerWithPhoto(flow, state, pending, found.spans.length ? blank(text, found.spans) : text, now, locale);
        }
        // An option of a later question named in full in the caption ("就这张 88块的刷成880了 还没结算 撤销要刷原卡"
        // + the slip): kept as it would be in a message of its own, asked or not yet.
        this.optionsNamed(flow, state, text, now, locale, { except: pending.name });
      }
      this.fromModel(flow, state, input, now, locale, flow.slots, found.explained);
    }
    let meant = this.slipMeant(flow, state, slip, now, locale);
    // "两张小票都在这 退后面那笔就行": the sale meant told by when it was swiped.
    const picked = meant === slip.values && slip.each && text ? pickSlip(text, slip.each) : undefined;
    if (picked) meant = slip.each![picked.index]!;
    const read = this.fromSlip(flow, state, meant, now, locale);
    // Slips of different sales and no amount yet to tell which: kept until one is given.
    const telling = this.tellingSlots(flow);
    const differ = telling.some((slot) => new Set((slip.each ?? []).map((values) => values[slot.name])).size > 1);
    if (meant === slip.values && differ) state.slipsUndecided = slip.each;
    else delete state.slipsUndecided;
    delete state.slipPicked;
    // "钱数记错了 按小票上的来" sent with the photo itself: the slip's values are taken at once, not offered.
    const taken = text && SLIP_WINS.test(text) ? this.takeSlipOffers(flow, state, text, now, locale) : undefined;
    say.push(...(taken ? [taken.say] : read.differs));
    state.lastSlip = {
      files: (input.files ?? []).map((f) => f.file),
      filled: Object.fromEntries(read.filled.map((n) => [n, state.values[n]!.display])),
    };
    if (opening) {
      // The flow's first message: `start` says what was read in its opening.
      opening.filled = read.filled;
      opening.valid = read.valid;
      const step = this.advance(flow, state, now, locale, say);
      if (step.state?.stage === 'collecting' && read.filled.length) step.state.slipRead = read.filled;
      return step;
    }
    const step = this.advance(flow, state, now, locale, []);
    // The value asked for, when the photo did not show it: said plainly with the question (not a failed try).
    const last = step.say.at(-1);
    if (pending && last && slip.slots.includes(pending.name) && !this.groupAnswered(flow, state, pending) && step.state?.pending === pending.name) {
      step.say[step.say.length - 1] = { ...last, text: `${flowText(locale, 'flowSlipUnread', { label: labelOf(flow, pending, locale) })}${last.text}` };
    }
    return this.withSlipRead(flow, state, step, say, read.filled, locale);
  }

  /**
   * `said` followed by `step`'s messages, the first of which opens with what the slip filled ("我从签购单上
   * 读到：…，对吗？" — or without the question when the summary follows, which asks for the confirmation).
   */
  private withSlipRead(flow: Flow, state: FlowState, step: Step, said: Say[], filled: string[], locale: Locale): Step {
    const collecting = step.state?.stage === 'collecting';
    if (step.state) {
      if (collecting && filled.length) step.state.slipRead = filled;
      else delete step.state.slipRead;
    }
    if (!filled.length) return { ...step, say: [...said, ...step.say] };
    const line = this.slipReadLine(flow, state, filled, collecting, locale);
    const [first, ...rest] = step.say;
    return { ...step, say: [...said, first ? { ...first, text: `${line}\n${first.text}` } : { text: line }, ...rest] };
  }

  private slipReadLine(flow: Flow, state: FlowState, filled: string[], asking: boolean, locale: Locale): string {
    const values = filled.map((n) => `${labelOf(flow, this.slot(flow, n)!, locale)} ${this.shown(flow, state, n, locale)}`).join(locale === 'en' ? ', ' : '、');
    return flowText(locale, asking ? 'flowSlipRead' : 'flowSlipReadNoted', { values });
  }

  /**
   * The values a slip showed (`FlowInput.slip.values`, slot name → the value as printed), each through its
   * slot type's own `parse` and the flow's checks, as a typed answer would be: a value that fails is left
   * out (never guessed, never mentioned). Only empty slots are filled — a value the merchant typed, in this
   * message or before, always stands; when the slip shows another, the merchant is told which was kept.
   * A slot skipped earlier ("不知道") is filled (the slip knows). Never: file and free-text slots, slots
   * set by rules, a slot whose `askWhen` does not hold, anything holding a card number, a card's last 4
   * that is not 4 digits. `valid`: how many values the slip showed that passed their checks.
   */
  private fromSlip(flow: Flow, state: FlowState, values: Record<string, string>, now: Date, locale: Locale): { filled: string[]; differs: Say[]; valid: number } {
    const filled: string[] = [];
    const differs: string[] = [];
    let valid = 0;
    for (const slot of flow.slots) {
      const raw = Object.hasOwn(values, slot.name) ? values[slot.name] : undefined;
      if (typeof raw !== 'string' || !raw.trim() || raw.length > MODEL_VALUE_MAX) continue;
      if (slot.type === 'attachments' || slot.type === 'text' || this.isRuleSet(flow, slot)) continue;
      if (containsCardNumber(raw) || MASKED_CARD.test(raw.replace(/[\s-]/g, ''))) continue;
      if (slot.type === 'card_last4' && !/^\d{4}$/.test(raw.trim())) continue;
      const parsed = this.check(flow, slot, state, this.parse(slot, state, raw, now, locale), now);
      if (!parsed.ok) continue;
      valid++;
      const current = state.values[slot.name];
      // A day said roughly gives way to the day printed, which is read back with the rest.
      if (current?.approx && current.value !== parsed.value) {
        this.setValue(state, slot.name, parsed);
        filled.push(slot.name);
        continue;
      }
      if (current) {
        if (current.value !== parsed.value) {
          const slipShown = this.shown(flow, { ...state, values: { ...state.values, [slot.name]: { value: parsed.value, display: parsed.display } } }, slot.name, locale);
          differs.push(flowText(locale, 'flowSlipDiffers', { label: labelOf(flow, slot, locale), slip: slipShown, given: this.shown(flow, state, slot.name, locale) }));
          state.slipOffers = { ...state.slipOffers, [slot.name]: { value: parsed.value, display: parsed.display, given: current.value } };
        }
        continue;
      }
      if (slot.askWhen && !conditionsHold(slot.askWhen, this.plainValues(state), flow.settings, todayIn(now, this.timeZone))) continue;
      this.setValue(state, slot.name, parsed);
      filled.push(slot.name);
    }
    return { filled, differs: differs.length ? [{ text: differs.join(locale === 'en' ? ' ' : '') }] : [], valid };
  }

  /**
   * The text sent with a photo, as the answer to the pending question when it is one ("1500" at the amount
   * prompt, "已经结算了" at the batch question): taken when valid, else left alone (no failed attempt: the
   * photo may answer it). At a free-text question, words about the photo ("小票在这") are no answer.
   */
  private answerWithPhoto(flow: Flow, state: FlowState, pending: Slot, text: string, now: Date, locale: Locale): void {
    // "顾客不要了 小票在这": at a free-text question the clause about the photo goes, the rest may answer.
    const answer = pending.type === 'text' ? withoutPhotoClauses(text) : text;
    if (!answer.trim() || pending.type === 'attachments') return;
    if (pending.type === 'text' && [PLAIN_QUESTION, CORRECTION_LEAD, YES, NO, SKIP].some((re) => re.test(answer))) return;
    const alternatives = pending.group ? flow.slots.filter((s) => s.group === pending.group && s !== pending) : [];
    for (const slot of [pending, ...alternatives]) {
      const parsed = this.check(flow, slot, state, this.parse(slot, state, answer, now, locale), now);
      if (parsed.ok) {
        this.setValue(state, slot.name, parsed);
        return;
      }
    }
  }

  /**
   * "不对不对 发错了 是这张" with a new photo: the last photo leaves the files, and the values it filled —
   * unless changed since — are emptied for the new photo to fill. What the merchant typed stays.
   */
  private dropLastSlip(flow: Flow, state: FlowState, incoming: FileRef[], locale: Locale): void {
    const last = state.lastSlip;
    if (!last) return;
    delete state.lastSlip;
    delete state.slipRead;
    for (const [name, display] of Object.entries(last.filled)) {
      if (state.values[name]?.display === display) delete state.values[name];
    }
    const fresh = new Set(incoming.map((f) => f.file));
    for (const slot of flow.slots.filter((s) => s.type === 'attachments')) {
      const kept = ((state.values[slot.name]?.value as FileRef[] | undefined) ?? []).filter((f) => fresh.has(f.file) || !last.files.includes(f.file));
      const before = (state.values[slot.name]?.value as FileRef[] | undefined)?.length ?? 0;
      if (kept.length === before) continue;
      if (kept.length) this.setValue(state, slot.name, { ok: true, value: kept, display: flowText(locale, 'flowFilesDisplay', { count: kept.length }) });
      else delete state.values[slot.name];
    }
  }

  /** The slot, or another of its group (凭证号 or 参考号), has a value. */
  private groupAnswered(flow: Flow, state: FlowState, slot: Slot): boolean {
    return state.values[slot.name] !== undefined || (slot.group !== undefined && flow.slots.some((o) => o.group === slot.group && state.values[o.name] !== undefined));
  }

  /**
   * The message after "我从签购单上读到：…，对吗？" without its opening "对" / "是的" (what was read is right):
   * the rest, if any, is read as usual. Any message ends the question (a correction goes its normal way).
   */
  private afterSlipRead(state: FlowState, input: FlowInput): FlowInput {
    const read = state.slipRead;
    delete state.slipRead;
    if (!read?.length || state.stage !== 'collecting' || input.files?.length) return input;
    const text = input.text.trim();
    const m = SLIP_OK.exec(text);
    if (!m) return input;
    const rest = text.slice(m[0].length).trim();
    // "是不是…", "好的谢谢", "yesterday": not a confirmation followed by more.
    if (rest && !/[\s,，、。.!！~～]$/.test(m[0]) && !/^\d/.test(rest)) return input;
    return { ...input, text: rest };
  }

  // ── Values ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Fills slots from values found anywhere in the text. A type used by one slot of the flow fills that
   * slot (a new value replaces the old: the merchant restated it); a type shared by several slots (two
   * dates) fills the slot the message names (`mentions`: "恢复日期改成…"), else the pending one. An
   * invalid restatement ("参考号是12345") keeps the earlier value and says why. While confirming, a
   * correction may also name an enum's option ("已通知合作方") or a value under its label.
   */
  private extractInto(flow: Flow, state: FlowState, text: string, now: Date, locale: Locale, opts: { mode: 'collecting' | 'confirming' }): Extraction {
    const out = noExtraction();
    const explained = new Set<string>();
    const byType = new Map<string, Slot[]>();
    for (const slot of flow.slots.filter(EXTRACTED)) byType.set(slot.type, [...(byType.get(slot.type) ?? []), slot]);

    // "自12月22日起恢复": the day resuming starts from names the resume, not a start — read as "于12月22日再恢复"
    // (the same length, so every span still points into the message).
    const told = text.replace(/(自|从)?([^，,。；;自从]{1,14}?[日号])起(?=\s*(?:恢复|重新|照常|正常))/g, (_m, from: string | undefined, day: string) => `${from ? '于' : ''}${day}再`);
    const decided = new Map<string, string>();
    for (const [type, slots] of byType) {
      // "通知上写的是这个月12号到20号停业整顿 那就12号到20号停 21号恢复": what was reported, then what is decided —
      // the days of a period are read from the decision.
      text = slots.length === 2 ? decidedPart(told, (part) => this.slotType(type).extract(part, this.context(slots[0]!, now, locale, flow)).length > 0) : told;
      decided.set(type, text);
      // "from tomorrow until further notice": a day said not to be known names no slot to put a day in.
      const naming = withoutFromToday(text).replace(NOT_KNOWN_YET_IN_PASSING_ALL, (m) => ' '.repeat(m.length)).toLowerCase();
      let named = namedSlots(slots, naming);
      // One of two named far from every day the message has ("大后天跟新老板交接 …打款先给停了吧 等新老板执照办下来
      // 换成他的户再开"): its word is about something else (when the wait ends), and the day is the other's.
      if (named.length === 1 && slots.length === 2 && state.pending === undefined && slots.every((s) => state.values[s.name] === undefined) && this.namedApart(flow, text, naming, named[0]!, now, locale)) named = [];
      // Several named at once ("从明天开始，两周后恢复", "是12号开始停 10号11号还开着呢 停到月底"): each takes the
      // value of the clause that names it, whichever of them was asked.
      if (named.length > 1) {
        const before = out.changed.length + out.same.length;
        this.byClause(flow, state, text, named, now, locale, out);
        if (out.changed.length + out.same.length > before) {
          if (slots.length === 2) this.otherDayToOther(flow, state, text, slots, now, locale, out);
          continue;
        }
        // "hold our payouts from Dec 14 until Dec 28": both named in one clause that no space splits — the
        // range itself says which day is which.
        if (slots.length === 2 && this.byRange(flow, state, text, slots, now, locale, out)) continue;
        // "…十二月十五号开始要回老家过年一直到一月二十号才回来": a run-on with no clause to split — each day goes to
        // the slot whose word is right beside it.
        if (slots.length === 2 && this.byNearestMention(flow, state, text, slots, now, locale, out)) continue;
      }
      // Named by none and not asked: the one of them still open, when only one is ("今天就停吧" once the resume
      // day was said not to be known yet).
      const open = slots.filter((s) => state.values[s.name] === undefined && !state.skipped.includes(s.name));
      const target = slots.length === 1 ? slots[0]! : named.length === 1 ? named[0]! : (slots.find((s) => s.name === state.pending) ?? (named.length === 0 && open.length === 1 ? open[0] : undefined));
      if (!target) {
        if (named.length === 0 && slots.length === 2 && !this.byRange(flow, state, text, slots, now, locale, out)) this.loneFirstDay(flow, state, text, slots, now, locale, out);
        continue;
      }
      // "下个礼拜一到下下礼拜天装修", "from 7 Dec to 20 Dec": a range, its end not named — its start and its end.
      if (slots.length === 2 && named.every((s) => s.options.notBefore === undefined) && this.byRange(flow, state, text, slots, now, locale, out)) continue;
      // A number read by its length alone inside another value taken from this message ("商户号867023 551409
      // 886": its middle group) is part of that value; one after a phone's label ("店里电话 0571-8627 4419", a
      // landline where a mobile is asked) is a phone number, whatever its length.
      const found = this.slotType(type)
        .extract(text, this.context(target, now, locale, flow))
        .filter((x) => (!x.guessed || !out.spans.some(([a, b]) => a <= x.start && x.end <= b)) && (!CODE_TYPES.has(target.type) || !afterPhoneLabel(text, x)));
      if (found.length === 0) continue;
      // A value said only as another event's day ("今天又来说不要了", "明天还要营业一天") is no slot's of these.
      const ownEvent = found.filter((x) => saidOfOwnEvent(text, x, target));
      // "从1月25号停，到2月10号恢复": two days, one clause naming its slot — each day to its own.
      // "17号到20号这几天先停，21号恢复": the days stopped as a range, the day named — the range's first is the other's.
      if (slots.length === 2 && named.length === 1 && (ownEvent.length === 2 || ownEvent.length === 3) && this.twoByClause(flow, state, text, target, slots, ownEvent, now, locale, out)) continue;
      // Of several values, the one said with the slot's words ("…是前天刷的"), if any.
      const saidWith = found.length > 1 ? found.filter((x) => saidBeside(text, x, target.options.saidWith) && saidOfOwnEvent(text, x, target)) : [];
      if (ownEvent.length === 0) continue;
      // Of several, the one in the clause that names the slot ("下礼拜要装修 … 从12月8号开始" starts on the 8th).
      const inNamingClause =
        named.length === 1 && ownEvent.length > 1
          ? ownEvent.filter((x) => clauses(text).some((c) => x.start >= c.start && x.end <= c.start + c.text.length && namedIn(target, c.text)))
          : [];
      const chosen = saidWith.length > 0 ? saidWith : inNamingClause.length > 0 ? inNamingClause : ownEvent;
      // A value said not to be it ("不是4号 是3号 … 4号是她来复诊的日子") is not it wherever else it is said.
      const denied = new Set(found.filter((x) => DENIED_BEFORE.test(text.slice(Math.max(0, x.start - 4), x.start))).map((x) => JSON.stringify(x.value)));
      const pool = denied.size && chosen.some((x) => !denied.has(JSON.stringify(x.value))) ? chosen.filter((x) => !denied.has(JSON.stringify(x.value))) : chosen;
      // "不是1280元，是1208元": of several values, not the one already there — unless the merchant corrected
      // themselves between two of them ("前天的 哦不对 是昨天的"): then the one after the correction.
      const current = state.values[target.name];
      const said = selfCorrected(text, pool) ?? byPlace(text, pool) ?? repeatedOne(pool) ?? preferred(target, pool) ?? pool.find((x) => !sameValue(current, x)) ?? pool[0]!;
      // "金额50 不对是45": the corrected value may lack the label that let the first be found; it is then
      // read as the answer to this slot from what follows the correction.
      const f = correctedAfter(text, said, found, (rest) => this.slotType(type).parse(rest, this.context(target, now, locale, flow))) ?? said;
      // A number read by its length alone fills an empty slot; it never changes a value already given.
      // …unless the message opens by saying a value was wrong ("不对，是一千二百五") or that another sale is meant
      // ("要退的是前天那双 1260的"): the one such number is the new value.
      if (f.guessed && current !== undefined && !sameValue(current, f) && !(found.length === 1 && (correctsUnnamedOr(flow, text, target) || MEANT_INSTEAD.test(text)))) continue;
      const checked = this.check(flow, target, state, { ok: true, value: f.value, display: f.display }, now);
      if (!checked.ok) {
        // The pending slot's own answer is refused (and counted) as its answer; others are explained.
        if (!(opts.mode === 'collecting' && target.name === state.pending)) {
          out.explanations.push(this.kept(state, target, checked, locale));
          out.explained.push(target.name);
          explained.add(target.name);
        }
        continue;
      }
      out.spans.push([f.start, f.end]);
      // The others of this slot's values ("凭证号一个210447一个210448") were its candidates: none is another slot's answer.
      for (const x of pool) if (x !== f) out.spans.push([x.start, x.end]);
      if (!sameValue(current, checked)) {
        this.setValue(state, target.name, checked);
        if (f.guessed && target.type === 'date') state.values[target.name]!.approx = true;
        out.changed.push(target.name);
      } else if (!out.same.includes(target.name)) {
        out.same.push(target.name);
      }
    }
    text = told;

    // A labelled number that is no valid value ("商户号…，终端号 1234567"): said why, not passed over.
    // While collecting, the pending slot (and its alternatives) is left to the answer's own checks.
    const pending = opts.mode === 'collecting' && state.pending ? this.slot(flow, state.pending) : undefined;
    for (const slot of flow.slots.filter(EXTRACTED)) {
      const labelled = LABELLED_NUMBER[slot.type];
      if (!labelled || out.changed.includes(slot.name) || out.same.includes(slot.name) || explained.has(slot.name)) continue;
      if (pending && (slot === pending || (pending.group !== undefined && slot.group === pending.group))) continue;
      if (flow.slots.filter((s) => s.type === slot.type).length > 1) continue; // which of two is meant: by `mentions`
      const m = labelled.exec(normalize(text).text);
      if (!m || digitsOf(m[1]!).length < 3) continue;
      const parsed = this.check(flow, slot, state, this.parse(slot, state, m[0], now, locale), now);
      if (!parsed.ok) {
        out.explanations.push(this.kept(state, slot, parsed, locale));
        out.explained.push(slot.name);
        explained.add(slot.name);
      }
    }

    // Corrections naming an enum's option ("已经通知合作方了"): only options of two characters or more,
    // only for questions already answered — at the summary, or said as a correction while another question
    // is asked ("哦不对，…中午交班的时候已经结算过了" where the void on the terminal is asked).
    // …or as news that changes it ("等等 我问了下店长 下午交班的时候已经结算过了", "turns out we already settled").
    if (opts.mode === 'confirming' || CORRECTION_LEAD.test(text) || CORRECTION.test(text) || HEARD_OTHERWISE.test(text)) {
      for (const slot of flow.slots.filter((s) => s.type === 'enum' && state.values[s.name] && !this.isRuleSet(flow, s) && s.name !== pending?.name)) {
        // A bare "yes"/"no" opens many an English correction ("no, the amount is…"): it names no option.
        // "不是资金周转 我们是要搬店": the option said not to be it is no choice.
        // "…俺对象去银行说了 刚打电话问她 她还没去呢 那就是还没通知": the decision names the option.
        const scope = decidedPart(text, (part) => this.slotType('enum').extract(part, this.context(slot, now, locale, flow)).length > 0);
        const said = this.slotType('enum').extract(scope, this.context(slot, now, locale, flow));
        const negated = (f: Found<unknown>) => NOT_THIS_OPTION.test(scope.slice(Math.max(0, f.start - 5), f.start));
        const hits = said.filter((f) => !/^(yes|no)$/i.test(text.slice(f.start, f.end)) && !negated(f));
        const ids = new Map(hits.map((f) => [String(f.value), f]));
        // "不对 选错了 不是合规的事 是我们公司要换对公账户": the option chosen is said not to be it, and no other
        // is named: the merchant's own words are the `otherwise` option's, as when asked.
        const otherwise = slot.options.otherwise;
        const label = otherwise && slot.options.values?.find((v) => v.id === otherwise)?.labels[0];
        if (ids.size === 0 && otherwise && label && state.values[slot.name]!.value !== otherwise && said.some((f) => negated(f) && f.value === state.values[slot.name]!.value)) {
          this.setValue(state, slot.name, { ok: true, value: otherwise, display: label });
          out.changed.push(slot.name);
          this.explainedAgain(flow, state, slot, text, out);
          continue;
        }
        if (ids.size !== 1) continue;
        const f = [...ids.values()][0]!;
        if (state.values[slot.name]!.value === f.value) continue;
        this.setValue(state, slot.name, { ok: true, value: f.value, display: f.display });
        out.changed.push(slot.name);
        this.explainedAgain(flow, state, slot, text, out);
      }
    }

    // One of two days taken from a message that holds more: the other day, said as "from", is the other's.
    for (const [type, slots] of byType) {
      if (slots.length === 2 && slots.some((s) => out.changed.includes(s.name) || out.same.includes(s.name))) {
        this.otherDayToOther(flow, state, decided.get(type) ?? text, slots, now, locale, out);
      }
    }

    this.swapped(flow, state, text, now, locale, out);

    const confirmingCorrection = opts.mode === 'confirming' && (!asksQuestion(text) || /\d/.test(text));
    if (out.changed.length === 0 && out.explanations.length === 0 && (CORRECTION.test(text) || confirmingCorrection)) {
      this.namedCorrection(flow, state, text, now, locale, opts.mode, out);
    } else if (CORRECTION_LEAD.test(text)) {
      // "哦不对 金额说错了 是三千二。凭证号是004518": the value corrected is there beside the new ones taken.
      this.namedCorrection(flow, state, text, now, locale, opts.mode, out, { besides: true });
    } else {
      // "凭证号587368 哎刚才终端号发错了 … 应该是64585443": the correction after the new values, naming its field.
      const tail = CORRECTION_TAIL.exec(text);
      if (tail && namesField(flow, tail[0])) this.namedCorrection(flow, state, text.slice(tail.index), now, locale, opts.mode, out, { besides: true });
    }
    this.takeDurations(flow, state, text, out);
    this.afterOwnLength(flow, state, text, out.changed, now);
    out.changed.push(...this.applyDurations(flow, state, now).filter((n) => !out.changed.includes(n)));
    return out;
  }

  /** Whether four digits are the request's amount in whole yuan, with no card word before them ("尾号2680" is a card). */
  private amountSaidAgain(flow: Flow, state: FlowState, text: string, x: { value: unknown; start: number }): boolean {
    const amount = flow.slots.find((s) => s.type === 'amount');
    const fen = amount ? state.values[amount.name]?.value : undefined;
    if (typeof fen !== 'number' || fen % 100 !== 0 || String(fen / 100) !== x.value) return false;
    return !CARD_WORD_BEFORE.test(text.slice(Math.max(0, x.start - 8), x.start));
  }

  /**
   * "装隔音说要三个礼拜 三个礼拜以后恢复吧": a day said as "so long after" where that is the hold's own length,
   * told beside it, counts from the start, not from today. ("从明天开始，两周后恢复", no length told, and "店要关一个月
   * … 三十天以后再恢复", the length told in another message, still count from today.)
   */
  private afterOwnLength(flow: Flow, state: FlowState, text: string, changed: string[], now: Date): void {
    for (const slot of flow.slots) {
      const fromName = slot.options.durationFrom;
      const from = fromName ? state.values[fromName]?.value : undefined;
      const value = state.values[slot.name]?.value;
      if (!changed.includes(slot.name) || typeof from !== 'string' || typeof value !== 'string') continue;
      const today = todayIn(now, this.timeZone);
      // Only the Chinese "…以后" does this; "resume in 21 days", "3 weeks from today" count from today.
      if (from === today || !AFTER_SO_LONG_ZH.test(text)) continue;
      const own = durationsIn(text, { guess: true })
        .map((d) => d.days)
        .find((days) => addDaysIso(today, days) === value);
      const iso = own !== undefined ? addDaysIso(from, own) : undefined;
      if (!iso) continue;
      const checked = this.check(flow, slot, state, { ok: true, value: iso, display: displayIso(iso, 'zh-CN') ?? iso }, now);
      if (checked.ok) this.setValue(state, slot.name, checked);
    }
  }

  /**
   * "是3050 不是3500", "不是前天 是昨天": the value said not to be it is one given before, so the other
   * replaces it — whichever slot it is, labelled or not.
   */
  private swapped(flow: Flow, state: FlowState, text: string, now: Date, locale: Locale, out: Extraction): void {
    const m = SWAP_AFTER.exec(text) ?? SWAP_BEFORE.exec(text);
    if (!m) return;
    const [fresh, old] = m.groups!.fresh !== undefined ? [m.groups!.fresh, m.groups!.old!] : [m.groups!.fresh2!, m.groups!.old2!];
    for (const slot of flow.slots) {
      const current = state.values[slot.name];
      if (!current || ['text', 'enum', 'attachments'].includes(slot.type) || out.changed.includes(slot.name) || this.isRuleSet(flow, slot)) continue;
      const was = this.parse(slot, state, old, now, locale);
      if (!was.ok || was.value !== current.value) continue;
      const corrected = this.check(flow, slot, state, this.parse(slot, state, fresh, now, locale), now);
      if (!corrected.ok || corrected.value === current.value) return;
      this.setValue(state, slot.name, corrected);
      out.changed.push(slot.name);
      return;
    }
  }

  /** Options taken without asking once what the flow knows settles them (`assume`); never over a choice made. */
  private applyAssumptions(flow: Flow, state: FlowState, now: Date): void {
    const today = todayIn(now, this.timeZone);
    for (const slot of flow.slots) {
      if (!slot.assume || state.values[slot.name] !== undefined) continue;
      // A length of time held for a date ("要关一个月") is that date said: it makes the period too.
      const told = { ...Object.fromEntries(Object.keys(state.durations ?? {}).map((name) => [name, 'told'])), ...this.plainValues(state) };
      const taken = slot.assume.find((a) => conditionsHold(a.when, told, flow.settings, today));
      const option = taken && slot.options.values?.find((v) => v.id === taken.value);
      if (!option) continue;
      this.setValue(state, slot.name, { ok: true, value: option.id, display: option.labels[0] ?? option.id });
    }
  }

  /** "停两个礼拜", "for 2 weeks": kept for the date slot told that way until the day it counts from is known. */
  private takeDurations(flow: Flow, state: FlowState, text: string, out: Extraction): void {
    for (const slot of flow.slots) {
      if (slot.type !== 'date' || !slot.options.durationFrom) continue;
      // "不对，是三周": a length corrected counts again from the same start, unless a day was just given.
      if (state.values[slot.name] !== undefined) {
        // "歇一个月" first, "歇三十天" later: a hold's length said again, another, replaces the one the day came from.
        const restated = state.durations?.[slot.name] !== undefined && !out.changed.includes(slot.name) ? durationsIn(text).find((d) => saidAsHold(text, d)) : undefined;
        if (restated && restated.days !== state.durations![slot.name]) {
          delete state.values[slot.name];
          state.durations = { ...state.durations, [slot.name]: restated.days };
          out.spans.push([restated.start, restated.end]);
          continue;
        }
        if (!CORRECTION.test(text) || out.changed.includes(slot.name)) continue;
        // "10天不够 改成停两周": the length said to fall short is the old one; the new one comes last.
        const lengths = durationsIn(text, { guess: true, skip: (span) => saidBeside(text, span, slot.options.notSaidWith) }).filter(
          (d) => !/^\s*(?:不够|不行|不对|太短|太长|太久)/.test(text.slice(d.end)) && !/不是\s*$/.test(text.slice(0, d.start)),
        );
        // "要停三个礼拜 装修队说要多干一周": the length said of the hold, not the why after it.
        const ofTheHold = lengths.filter((d) => /(?:停|改成|改为|延长到|for)\s*$/i.test(text.slice(Math.max(0, d.start - 4), d.start)));
        const said = (ofTheHold.length ? ofTheHold : lengths).at(-1);
        if (!said) continue;
        delete state.values[slot.name];
        state.durations = { ...state.durations, [slot.name]: said.days };
        out.spans.push([said.start, said.end]);
        continue;
      }
      // Asked for the day, "大概两周" is the merchant's best answer; said in passing, the day is asked. A length
      // said of something else ("明天还要营业一天") is not the hold's.
      // "律师说解冻大概要二十来天 保险点 你就写25天": the length decided, not the one reported.
      const guess = state.pending === slot.name;
      const scope = decidedPart(text, (part) => durationIn(part, { guess }) !== undefined);
      const found = durationIn(scope, { guess, skip: (span) => saidBeside(text, span, slot.options.notSaidWith) });
      if (!found) continue;
      state.durations = { ...state.durations, [slot.name]: found.days };
      out.spans.push([found.start, found.end]);
    }
  }

  /** Date slots told as a length of time, filled once the day they count from is known; their names. */
  /**
   * The words that explain an option, given again with a corrected option ("actually not cash flow … we're
   * moving our settlement account"): the explanation kept before was of the option now replaced.
   */
  private explainedAgain(flow: Flow, state: FlowState, option: Slot, text: string, out: Extraction): void {
    const detail = flow.slots.find((s) => s.options.from?.explains === option.name);
    if (!detail || state.values[detail.name] === undefined || out.changed.includes(detail.name)) return;
    const found = textFrom(text, detail.options.from!, (value) => this.explainsMore(flow, option.name, detail.options.from!.labels, value));
    if (!found || found.value === state.values[detail.name]!.value) return;
    this.setValue(state, detail.name, { ok: true, value: found.value, display: found.value });
    out.changed.push(detail.name);
  }

  /**
   * Days told as a length ("for 10 days") whose start day was just changed, the end not: counted again from
   * the new start. The slots moved.
   */
  private lengthsKept(flow: Flow, state: FlowState, changed: string[], now: Date): string[] {
    const moved: string[] = [];
    for (const [name, days] of Object.entries(state.durations ?? {})) {
      const slot = this.slot(flow, name);
      const fromName = slot?.options.durationFrom;
      if (!slot || !fromName || !changed.includes(fromName) || changed.includes(name)) continue;
      const checked = this.daysAfterStart(flow, state, slot, days, now);
      if (!checked || sameValue(state.values[name], checked)) continue;
      this.setValue(state, name, checked);
      moved.push(name);
    }
    return moved;
  }

  /** The day `days` after the slot's `durationFrom` day, checked as the slot's value; undefined without that day. */
  private daysAfterStart(flow: Flow, state: FlowState, slot: Slot, days: number, now: Date): Valid<unknown> | undefined {
    const from = slot.options.durationFrom ? state.values[slot.options.durationFrom] : undefined;
    const iso = typeof from?.value === 'string' ? addDaysIso(from.value, days) : undefined;
    if (!iso) return undefined;
    const checked = this.check(flow, slot, state, { ok: true, value: iso, display: displayIso(iso, 'zh-CN') ?? iso }, now);
    return checked.ok ? checked : undefined;
  }

  private applyDurations(flow: Flow, state: FlowState, now: Date): string[] {
    const filled: string[] = [];
    for (const [name, days] of Object.entries(state.durations ?? {})) {
      const slot = this.slot(flow, name);
      if (!slot || state.values[name] !== undefined) continue;
      const checked = this.daysAfterStart(flow, state, slot, days, now);
      if (!checked) continue;
      this.setValue(state, name, checked);
      filled.push(name);
    }
    return filled;
  }

  /**
   * Values for slots still empty, where the message leaves no doubt whose they are (one slot of the type,
   * one valid value): a phone number written into a reason, a date into a note.
   */
  private takeOpenValues(flow: Flow, state: FlowState, text: string, now: Date, locale: Locale): { changed: string[]; spans: [number, number][] } {
    const out = { changed: [] as string[], spans: [] as [number, number][] };
    this.takeOpenTexts(flow, state, text, now, locale, out);
    for (const slot of flow.slots.filter(EXTRACTED)) {
      // A question the merchant chose to skip stays skipped ("顾客卡号622202…0128刷错了" is a reason).
      if (state.values[slot.name] !== undefined || slot.name === state.pending || state.skipped.includes(slot.name)) continue;
      if (flow.slots.filter((s) => s.type === slot.type).length > 1) {
        // Two dates: one named in its clause ("…从明儿开始") is that one's.
        if (slot.mentions?.length) {
          const one = noExtraction();
          this.byClause(flow, state, text, [slot], now, locale, one);
          out.changed.push(...one.changed);
          out.spans.push(...one.spans);
        }
        continue;
      }
      const found = this.slotType(slot.type)
        .extract(text, this.context(slot, now, locale, flow))
        .filter((x) => !CODE_TYPES.has(slot.type) || !afterPhoneLabel(text, x));
      if (found.length !== 1) continue;
      const f = found[0]!;
      const checked = this.check(flow, slot, state, { ok: true, value: f.value, display: f.display }, now);
      if (!checked.ok) continue;
      this.setValue(state, slot.name, checked);
      out.changed.push(slot.name);
      // The value's label goes with it ("电话13800138000" leaves no "电话" in a reason).
      const label = LABEL_AT_END.exec(text.slice(0, f.start));
      out.spans.push([label ? f.start - label[0].length : f.start, f.end]);
    }
    // How long, said in the words of another answer ("等调查结果出来 先写一个月吧"), dates the resume day.
    const held: Extraction = { changed: out.changed, same: [], explanations: [], spans: out.spans, explained: [] };
    this.takeDurations(flow, state, text, held);
    out.changed.push(...this.applyDurations(flow, state, now).filter((n) => !out.changed.includes(n)));
    return out;
  }

  /** Slots of one type, each named in its own clause of the message, take the value of that clause. */
  private byClause(flow: Flow, state: FlowState, text: string, slots: Slot[], now: Date, locale: Locale, out: Extraction): void {
    const named = (clause: string, slot: Slot) => namedIn(slot, clause);
    // A clause naming two of them ("12月15号开始 1月5号恢复": a space before a number joins nothing here) is
    // split at its spaces after Chinese words.
    // …and an English clause naming both ("hold the payouts from the 13th until the 19th"), where each day
    // follows its word, at the later word.
    const parts = clauses(text).flatMap((c) => {
      if (slots.filter((s) => named(c.text, s)).length < 2) return [c];
      return /[\u4e00-\u9fff]/.test(c.text) ? spaceParts(c) : latinMentionParts(c, slots);
    });
    // "是12号开始停 10号11号还开着呢": the days the shop still trades are not the clause's value.
    // A value read as the whole message reads it ("那就1月15号 15号新店开业": that 15号 is January's).
    const asRead = new Map<Slot, FoundValue[]>();
    const readWhole = (slot: Slot) => asRead.get(slot) ?? asRead.set(slot, this.slotType(slot.type).extract(text, this.context(slot, now, locale, flow))).get(slot)!;
    const valuesIn = (clause: { text: string; start?: number }, slot: Slot) =>
      this.slotType(slot.type)
        .extract(clause.text, this.context(slot, now, locale, flow))
        .filter((x) => !saidBeside(clause.text, x, slot.options.notSaidWith))
        .map((x) => {
          const w = clause.start === undefined ? undefined : readWhole(slot).find((v) => v.start === clause.start! + x.start && v.end === clause.start! + x.end);
          return w ? { ...x, value: w.value, display: w.display } : x;
        });
    for (const slot of slots) {
      let own = parts.filter((c) => named(c.text, slot));
      // "the new one should open on the 19th … until we reopen": the clause that names it with a day.
      if (own.length > 1) own = own.filter((c) => valuesIn(c, slot).length > 0);
      // …or several that say the same day ("we open again jan 5, start pay again jan 5"): the first of them.
      const days = own.map((c) => valuesIn(c, slot));
      if (own.length > 1 && days.every((v) => v.length === 1 && JSON.stringify(v[0]!.value) === JSON.stringify(days[0]![0]!.value))) own = [own[0]!];
      if (own.length !== 1) continue;
      let clause = own[0]!;
      if (slots.some((other) => other !== slot && named(clause.text, other))) continue;
      let found = valuesIn(clause, slot);
      // "还是从15号开始 12号那天还有个团餐": two days in the clause (a space before a number joins it) — the
      // one in the part that names the slot.
      const naming = found.length > 1 ? spaceParts(clause).filter((p) => named(p.text, slot)) : [];
      if (naming.length === 1) {
        clause = naming[0]!;
        found = valuesIn(clause, slot);
      }
      // "last day is the 12th and the new one should open on the 19th": in English the day follows its word.
      if (found.length > 1 && !/[\u4e00-\u9fff]/.test(clause.text)) {
        const after = mentionAt(slot, clause.text);
        const following = after === undefined ? [] : found.filter((x) => x.start >= after).sort((a, b) => a.start - b.start);
        if (following.length) found = [following[0]!];
      }
      if (found.length !== 1) continue;
      // "停到元旦以后 一月三号吧": the day the whole message settles on is in the part after the one naming it.
      const whole = this.slotType(slot.type).extract(text, this.context(slot, now, locale, flow));
      const kept = (c: { start: number }, x: { start: number }) => whole.some((w) => w.start === c.start + x.start);
      const at = parts.indexOf(clause);
      const next = at >= 0 ? parts[at + 1] : undefined;
      if (next && !kept(clause, found[0]!) && !slots.some((other) => named(next.text, other))) {
        const then = valuesIn(next, slot);
        if (then.length === 1 && kept(next, then[0]!)) {
          clause = next;
          found = then;
        }
      }
      const f = found[0]!;
      const checked = this.check(flow, slot, state, { ok: true, value: f.value, display: f.display }, now);
      if (!checked.ok) continue;
      out.spans.push([clause.start + f.start, clause.start + f.end]);
      if (sameValue(state.values[slot.name], checked)) {
        if (!out.same.includes(slot.name)) out.same.push(slot.name);
        continue;
      }
      this.setValue(state, slot.name, checked);
      out.changed.push(slot.name);
    }
  }

  /**
   * A free-text value restated under its label ("原因改成刷错金额", "原因写错了，是重复刷卡", "reason should be
   * charged twice"): set, with where the restatement is (its clause is the value, read by nothing else).
   * Only for a text slot that already has a value: a first answer is taken where it is asked.
   */
  private restatedText(flow: Flow, state: FlowState, text: string, now: Date, locale: Locale): { slot: string; span: [number, number] } | undefined {
    for (const slot of flow.slots) {
      const labels = slot.type === 'text' ? slot.options.from?.labels : undefined;
      if (!labels || state.values[slot.name] === undefined) continue;
      const cores = [...new Set(labels.map((l) => l.replace(/(?:是|[:：]|\s+is)$/i, '').trim()).filter((l) => l && !/^(?:因为|because)$/i.test(l)))];
      if (!cores.length) continue;
      const escaped = cores.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
      // "原因不对 不是退货 是收银员重复刷了一笔": what it is not may come before what it is.
      const m = new RegExp(`(?:${escaped})(?:写错了|填错了|错了|不对)?[，,\\s]*(?:不是[^，,。；;!！?？\\s]{1,12}[，,\\s]*)?(?:改成|改为|换成|应该是|应为|写成|是|should be|is|to)[:：\\s]*([^\\s，,。；;!！?？][^，,。；;!！?？]+)`, 'i').exec(text);
      if (!m) continue;
      const said = m[1]!.replace(/[。.!！]+$/, '').trim();
      // "原因不对 不是经营调整 是资金紧张": an option of a choice already made is that choice corrected, not its
      // free-text detail restated.
      if (this.namesChosenOption(flow, state, said, now, locale)) continue;
      const parsed = this.parse(slot, state, said, now, locale);
      if (!parsed.ok) continue;
      this.setValue(state, slot.name, parsed);
      return { slot: slot.name, span: [m.index, m.index + m[0].length] };
    }
    return undefined;
  }

  /** Whether the words name, as written, an option of an enum question already answered. */
  private namesChosenOption(flow: Flow, state: FlowState, said: string, now: Date, locale: Locale): boolean {
    return flow.slots.some(
      (s) => s.type === 'enum' && state.values[s.name] !== undefined && !this.isRuleSet(flow, s) && this.slotType('enum').extract(said, this.context(s, now, locale, flow)).some((f) => !f.guessed),
    );
  }

  /**
   * Two values written as a range ("12月7日到12月20日", "from Monday to the 20th") for two empty slots of
   * their type, one of which may not come before the other (`notBefore`): the first to the earlier slot,
   * the second to the later. False (nothing taken) unless it is such a range and both fit.
   */
  private byRange(flow: Flow, state: FlowState, text: string, slots: Slot[], now: Date, locale: Locale, out: Extraction): boolean {
    const { earlier, later } = periodOf(slots) ?? {};
    if (!later || !earlier || state.values[earlier.name] !== undefined || state.values[later.name] !== undefined) return false;
    const found = this.slotType(earlier.type).extract(text, this.context(earlier, now, locale, flow));
    if (found.length !== 2) return false;
    const [first, second] = [...found].sort((a, b) => a.start - b.start) as [FoundValue, FoundValue];
    if (!RANGE_JOINER.test(text.slice(first.end, second.start))) return false;
    return this.setBoth(flow, state, [earlier, first], [later, second], now, out);
  }

  /**
   * Of two days, one taken by the clause that names its slot ("…过完元旦回来 1月3号开门"), the other the other
   * slot's when that one is still open ("大后天走 那天起小卖部就关门了"). Nothing when more days are left.
   */
  private otherDayToOther(flow: Flow, state: FlowState, text: string, slots: Slot[], now: Date, locale: Locale, out: Extraction): void {
    // In a correction the other may hold a day already ("不对 老板刚说了 12号就停 恢复还是20号": the start changes).
    const correcting = CORRECTION_LEAD.test(text);
    const given = slots.find((s) => out.changed.includes(s.name) || (correcting && out.same.includes(s.name)));
    const open = slots.filter((s) => s !== given && !out.changed.includes(s.name) && !out.same.includes(s.name) && (correcting || (state.values[s.name] === undefined && !state.skipped.includes(s.name))));
    if (open.length !== 1 || !given || state.values[given.name] === undefined) return;
    const target = open[0]!;
    const rest = this.slotType(target.type)
      .extract(text, this.context(target, now, locale, flow))
      .filter((x) => JSON.stringify(x.value) !== JSON.stringify(state.values[given.name]!.value))
      .filter((x) => saidOfOwnEvent(text, x, target))
      // A day the hold runs to ("停到月底 元旦那天再恢复") is its end, never its start.
      .filter((x) => given.options.notBefore !== target.name || !HELD_UNTIL_BEFORE.test(text.slice(Math.max(0, x.start - 6), x.start)));
    // Of several left, the one said as "from" ("店从明天关到20号，21号再开门").
    const from = rest.length > 1 ? rest.filter((x) => FROM_BEFORE.test(text.slice(Math.max(0, x.start - 3), x.start))) : rest;
    // …or, of two said as a range ("15号到25号…关门 26号开门": closed through the 25th), its first day is the start.
    const ranged = [...rest].sort((a, b) => a.start - b.start);
    const rangeStart =
      from.length !== 1 && ranged.length === 2 && given.options.notBefore === target.name && RANGE_JOINER.test(text.slice(ranged[0]!.end, ranged[1]!.start)) ? ranged[0] : undefined;
    if (from.length !== 1 && !rangeStart) return;
    const day = rangeStart ?? from[0]!;
    const checked = this.check(flow, target, state, { ok: true, value: day.value, display: day.display }, now);
    if (!checked.ok || sameValue(state.values[target.name], checked)) return;
    this.setValue(state, target.name, checked);
    out.changed.push(target.name);
  }

  /**
   * One day alone, naming neither slot, while both are open ("打算下礼拜三起就歇着 这段时间卡上的钱先别打了",
   * "我们打算1月20号关门 一直关到春节后"): the first of the two, the one the other may not be before — a hold told
   * by the day it begins. Taken only when the message has exactly that one day.
   */
  private loneFirstDay(flow: Flow, state: FlowState, text: string, slots: Slot[], now: Date, locale: Locale, out: Extraction): void {
    const { earlier, later } = periodOf(slots) ?? {};
    if (!later || !earlier || state.values[earlier.name] !== undefined || state.values[later.name] !== undefined) return;
    const found = this.slotType(earlier.type)
      .extract(text, this.context(earlier, now, locale, flow))
      .filter((x) => saidOfOwnEvent(text, x, earlier))
      // …a day that cannot be this one ("昨天派出所民警来店里…从明儿起": a start is never past) tells of something else.
      .filter((x) => this.check(flow, earlier, state, { ok: true, value: x.value, display: x.display }, now).ok);
    // A week or a month ("下个月要搬家", "下个礼拜收银系统升级") is when, not the day: that is asked.
    if (found.length !== 1 || VAGUE_DAY.test(text.slice(found[0]!.start, found[0]!.end).trim())) return;
    const checked = this.check(flow, earlier, state, { ok: true, value: found[0]!.value, display: found[0]!.display }, now);
    if (!checked.ok) return;
    this.setValue(state, earlier.name, checked);
    out.changed.push(earlier.name);
    out.spans.push([found[0]!.start, found[0]!.end]);
  }

  /**
   * Whether every value of the slot's type in the text is in another clause than each of the slot's words,
   * and not right beside one either.
   */
  private namedApart(flow: Flow, text: string, naming: string, slot: Slot, now: Date, locale: Locale): boolean {
    const found = this.slotType(slot.type).extract(text, this.context(slot, now, locale, flow));
    if (found.length === 0) return false;
    const parts = clauses(text);
    const clauseOf = (at: number) => parts.findIndex((c) => at >= c.start && at < c.start + c.text.length);
    const words = (slot.mentions ?? []).flatMap((m) => [...indexesOf(naming, m.toLowerCase())].map((at) => ({ at, end: at + m.length })));
    const near = (f: { start: number; end: number }, w: { at: number; end: number }) => w.at < f.end + NEAR_MENTION && w.end > f.start - NEAR_MENTION;
    return found.every((f) => words.every((w) => clauseOf(w.at) !== clauseOf(f.start) && !near(f, w)));
  }

  /**
   * Two values for two slots, each with one slot's word right beside it (within a few characters, before or
   * after: "十五号开始", "一直到一月二十号"), each its own slot's. False (nothing taken) unless both fit.
   */
  private byNearestMention(flow: Flow, state: FlowState, text: string, slots: Slot[], now: Date, locale: Locale, out: Extraction): boolean {
    if (slots.some((s) => state.values[s.name] !== undefined)) return false;
    const found = this.slotType(slots[0]!.type).extract(text, this.context(slots[0]!, now, locale, flow));
    if (found.length !== 2 && found.length !== 1) return false;
    const lower = text.toLowerCase();
    // How far the slot's nearest word is from the value, either side (Infinity: none within reach).
    const distance = (f: FoundValue, slot: Slot): number =>
      Math.min(
        ...(slot.mentions ?? []).flatMap((m) => {
          const w = m.toLowerCase();
          // From the value's last character on: "号起" counts after "12月9号".
          const from = Math.max(f.start, f.end - 1);
          const found = lower.slice(from, f.end + NEAR_MENTION + w.length).indexOf(w);
          const after = found < 0 ? -1 : Math.max(0, found - (f.end - from));
          const before = lower.slice(Math.max(0, f.start - NEAR_MENTION - w.length), f.start);
          const at = before.lastIndexOf(w);
          return [after < 0 ? Infinity : after, at < 0 ? Infinity : before.length - at - w.length];
        }),
      );
    const [a, b] = slots as [Slot, Slot];
    // One day and both words ("由今日开始…停到下个月先": the month is no day): the day to the nearer word.
    if (found.length === 1) {
      const f = found[0]!;
      const [near, far] = [distance(f, a), distance(f, b)];
      if (near === far || Math.min(near, far) === Infinity) return false;
      const slot = near < far ? a : b;
      const checked = this.check(flow, slot, state, { ok: true, value: f.value, display: f.display }, now);
      if (!checked.ok) return false;
      this.setValue(state, slot.name, checked);
      out.changed.push(slot.name);
      out.spans.push([f.start, f.end]);
      return true;
    }
    // Each day to the slot whose word is nearer: "12月15号开始1月5号恢复" (no pause at all) has 开始 between the
    // two days, right after the first. Nothing is taken when both ways are as near.
    const straight = distance(found[0]!, a) + distance(found[1]!, b);
    const crossed = distance(found[0]!, b) + distance(found[1]!, a);
    if (straight === crossed || Math.min(straight, crossed) === Infinity) return false;
    const [first, second] = straight < crossed ? [a, b] : [b, a];
    return this.setBoth(flow, state, [first, found[0]!], [second, found[1]!], now, out);
  }

  /**
   * Two values of a type with two slots, the clause of one naming it ("…到2月10号恢复"): that one's, and
   * the other value the other slot's ("从1月25号停"). False (nothing taken) unless both fit.
   */
  private twoByClause(flow: Flow, state: FlowState, text: string, target: Slot, slots: Slot[], found: FoundValue[], now: Date, locale: Locale, out: Extraction): boolean {
    const other = slots.find((s) => s !== target)!;
    if (state.values[other.name] !== undefined) return false;
    const own = clauses(text).filter((c) => namedIn(target, c.text));
    if (own.length !== 1) return false;
    const clause = own[0]!;
    const inside = found.filter((f) => f.start >= clause.start && f.end <= clause.start + clause.text.length).sort((a, b) => a.start - b.start);
    // "12月10号起一直停到1月5号": the clause names one day and holds the range — its first day, then its last.
    if (inside.length === 2 && found.length === 2 && RANGE_JOINER.test(text.slice(inside[0]!.end, inside[1]!.start))) {
      const [earlier, later] = other.options.notBefore === target.name ? [target, other] : [other, target];
      return this.setBoth(flow, state, [earlier, inside[0]!], [later, inside[1]!], now, out);
    }
    // "明年1月20号关门 2月25号再开门", "12月14号到17号 18号恢复": one clause on a phone, its parts split by
    // spaces — the day in the part that names the slot is its own.
    const parts = inside.length > 1 ? spaceParts(clause).filter((p) => namedIn(target, p.text)) : [];
    const inPart = parts.length === 1 ? inside.filter((f) => f.start >= parts[0]!.start && f.end <= parts[0]!.start + parts[0]!.text.length) : [];
    const mine = inside.length === 1 ? inside[0]! : inPart.length === 1 ? inPart[0]! : undefined;
    if (!mine) return false;
    const rest = found.filter((f) => f !== mine).sort((a, b) => a.start - b.start);
    if (rest.length === 2 && !RANGE_JOINER.test(text.slice(rest[0]!.end, rest[1]!.start))) return false;
    // "14号开始动工，就从14号停吧": the same day said twice is one day, the other slot's none.
    if (rest.every((f) => JSON.stringify(f.value) === JSON.stringify(mine.value))) return false;
    // "预产期就在月底 … 从12月12号开始": a day of another event is not the other slot's either.
    if (!saidOfOwnEvent(text, rest[0]!, other)) return false;
    // "下礼拜店里要装修…从12月8号开始" names the start; the other day, before it, is no resume day (setBoth checks it).
    return this.setBoth(flow, state, [other, rest[0]!], [target, mine], now, out);
  }

  /**
   * Two found values for two slots, both or neither. The slot the other may not come before (`notBefore`) is
   * set first, whichever way they are passed: the later one's check compares with it (恢复日期 not before
   * 暂停开始日期).
   */
  private setBoth(flow: Flow, state: FlowState, x: [Slot, FoundValue], y: [Slot, FoundValue], now: Date, out: Extraction): boolean {
    const [a, b] = x[0].options.notBefore === y[0].name ? [y, x] : [x, y];
    const first = this.check(flow, a[0], state, { ok: true, value: a[1].value, display: a[1].display }, now);
    if (!first.ok) return false;
    this.setValue(state, a[0].name, first);
    const second = this.check(flow, b[0], state, { ok: true, value: b[1].value, display: b[1].display }, now);
    if (!second.ok) {
      delete state.values[a[0].name];
      return false;
    }
    this.setValue(state, b[0].name, second);
    out.changed.push(a[0].name, b[0].name);
    out.spans.push([a[1].start, a[1].end], [b[1].start, b[1].end]);
    return true;
  }

  /**
   * Free text a message carries beside other values ("…560元，凭证号868487，顾客退货"), for the empty text
   * slots that say how to find theirs (`options.from`): after a label, else the clause with a cue.
   */
  private takeOpenTexts(flow: Flow, state: FlowState, text: string, now: Date, locale: Locale, out: { changed: string[]; spans: [number, number][] }): void {
    // A question ("退货多久能到账？") is a digression, not a reason that happens to name 退货; the story told
    // before one ("刚才有个客人付了两遍，怎么弄掉") still says what happened.
    text = statedOnly(text);
    if (!text.trim()) return;
    // The option asked for ("系统升级" to "why? 1. … 4. 系统升级") is that answer, not also its explanation.
    // …while "对，早上交班已经结算过了，客人说年货买重复了" answers another question and still says why.
    const pending = state.pending ? this.slot(flow, state.pending) : undefined;
    const optionAnswered = pending?.type === 'enum' && state.values[pending.name] === undefined && this.parse(pending, state, text, now, locale).ok;
    for (const slot of flow.slots) {
      const from = slot.type === 'text' ? slot.options.from : undefined;
      if (!from || state.values[slot.name] !== undefined || slot.name === state.pending) continue;
      const explains = from.explains;
      if (optionAnswered && (explains === pending!.name || !/[，,。;；\s]/.test(text.trim()))) continue;
      const found = textFrom(text, from, explains ? (value) => this.explainsMore(flow, explains, from.labels, value) : undefined);
      if (!found) continue;
      const parsed = this.parse(slot, state, found.value, now, locale);
      if (!parsed.ok) continue;
      this.setValue(state, slot.name, parsed);
      out.changed.push(slot.name);
      out.spans.push([found.start, found.end]);
      if (explains) this.otherwiseExplained(flow, state, explains, text, now, locale, out.changed);
    }
  }

  /**
   * The opening message's story, for the empty text slots that take one (`from.story`): long enough to
   * tell what happened once its numbers, questions and greeting are left out, it is said in full.
   */
  private takeStory(flow: Flow, state: FlowState, text: string, spans: [number, number][], now: Date, locale: Locale): void {
    for (const slot of flow.slots) {
      const from = slot.type === 'text' ? slot.options.from : undefined;
      if (!from?.story || state.values[slot.name] !== undefined) continue;
      // The explained option named in so many words ("原因：资金周转") was taken already; its detail is asked.
      if (from.explains && state.values[from.explains] !== undefined) continue;
      const stated = statedOnly(text);
      // …nor one that answers another question ("合作的银行我们已经通知过了").
      const enums = flow.slots.filter((s) => s.type === 'enum');
      const answers = (clause: string) => enums.some((e) => this.slotType('enum').extract(clause, this.context(e, now, locale, flow)).length > 0);
      if (!tellsStory(stated, spans, flow.statement?.act ?? [], answers)) continue;
      const told = withoutNumbers(stated.replace(GREETING, ''));
      const max = slot.options.maxLength ?? STORY_MAX_CHARS;
      const parsed = this.parse(slot, state, [...told].slice(0, max).join('').trim(), now, locale);
      if (!parsed.ok) continue;
      this.setValue(state, slot.name, parsed);
      if (from.explains) this.otherwiseExplained(flow, state, from.explains, text, now, locale, []);
    }
  }

  /**
   * A reason told in the merchant's own words ("对公账户要变更") names no option of the enum it explains:
   * it is that enum's `otherwise` option, as the same words given when asked would be.
   */
  private otherwiseExplained(flow: Flow, state: FlowState, enumSlot: string, text: string, now: Date, locale: Locale, changed: string[]): void {
    const explained = this.slot(flow, enumSlot);
    const otherwise = explained?.type === 'enum' ? explained.options.otherwise : undefined;
    if (!explained || !otherwise || state.values[explained.name] !== undefined) return;
    if (this.slotType('enum').extract(text, this.context(explained, now, locale, flow)).length > 0) return;
    const label = explained.options.values?.find((v) => v.id === otherwise)?.labels[0];
    const chosen = label ? this.parse(explained, state, label, now, locale) : undefined;
    if (!chosen?.ok) return;
    this.setValue(state, explained.name, chosen);
    changed.push(explained.name);
  }

  /** Whether the text says more than the name of an option of the enum slot it explains ("原因资金周转" does not). */
  private explainsMore(flow: Flow, enumSlot: string, labels: string[], text: string): boolean {
    const options = this.slot(flow, enumSlot)?.options.values ?? [];
    const names = [...options.flatMap((o) => o.labels), ...labels, '原因', '理由', 'reason', 'because']
      .map((l) => l.toLowerCase())
      .sort((a, b) => b.length - a.length);
    const left = names.reduce((rest, name) => rest.split(name).join(' '), text.toLowerCase());
    return [...left.replace(/[^\p{L}\p{N}]|^是|\b(?:is|for|of|the)\b/gu, '')].length >= 2;
  }

  /**
   * "不对，凭证号应该是000124" / "参考号是12345": the slot the message names, read from what follows its
   * name — taken when valid, else explained (the earlier value kept). While collecting, the pending slot
   * (and its alternatives) is left to the answer's own checks.
   */
  private namedCorrection(
    flow: Flow,
    state: FlowState,
    text: string,
    now: Date,
    locale: Locale,
    mode: 'collecting' | 'confirming',
    out: Extraction,
    opts: { besides?: boolean } = {},
  ): void {
    const pending = mode === 'collecting' && state.pending ? this.slot(flow, state.pending) : undefined;
    const extracted = flow.slots.filter(EXTRACTED);
    const mentioned = extracted
      .map((slot) => ({ slot, at: mentionAt(slot, text, { ownWordsOnly: extracted.filter((s) => s.type === slot.type).length > 1 }) }))
      .filter((m): m is { slot: Slot; at: number } => m.at !== undefined)
      // The slot named first is the one corrected: "电话最后四位搞反了" is the phone's, not the card's 后四位.
      .sort((a, b) => a.at - b.at);
    for (const { slot, at } of mentioned) {
      if (pending && (slot === pending || (pending.group !== undefined && slot.group === pending.group))) continue;
      if (opts.besides && (out.changed.includes(slot.name) || out.same.includes(slot.name) || out.explained.includes(slot.name))) continue;
      // "商户号错了一位，最后一位是7，不是1", "电话错了，最后四位是1782": only the digits at the end change.
      const tail = this.correctedTail(flow, state, slot, text.slice(at), now);
      if (tail) {
        if (!sameValue(state.values[slot.name], tail)) {
          this.setValue(state, slot.name, tail);
          out.changed.push(slot.name);
        }
        return;
      }
      // "金额说错了 是540", "the amount is wrong, should be 540": the correction word before the value goes too.
      const answer = text
        .slice(at)
        .replace(/^[\s,，。.:：]*(?:也|我)?(?:说错了|写错了|输错了|打错了|报错了|看错了|看反了|搞错了|发错了|弄错了|错了|不对|改一下|is wrong|was wrong|wrong)?[\s,，。.:：!！]*/i, '')
        .replace(/^(?:是|为|改成|改为|应该是|应为|换成|is|should be|it's|it is|to)?[\s:：]*/i, '')
        // "003716写成003761了": the first is the right one; "照片反光你看成000457了": what was misread goes.
        .replace(/^([^\s，,。]+?)(?:写成|打成|输成|填成|按成)了?[^\s，,。]+?了?(?=[\s，,。]|$)/, '$1')
        .replace(/[^\s，,。]*?(?:看成|认成|读成|识别成)了?\s*[^\s，,。]+/g, ' ');
      let parsed = this.check(flow, slot, state, this.parse(slot, state, answer, now, locale), now);
      // "是三千二，两千三是另外一单": the value is the first clause when the rest says more.
      // (…or before a space before Chinese words: "是1380 镜片后头加了个防蓝光膜 多了一百".)
      for (const ends of [/[，。；;]|[,.]\s/, /[，。；;]|[,.]\s|\s+(?=[\u4e00-\u9fff])/]) {
        const clause = answer.split(ends)[0]!.trim();
        // ("不是4号 是3号": the value said not to be it is no first clause.)
        if (parsed.ok || !clause || clause === answer.trim() || /^(?:不是|并不是|not\b)/i.test(clause)) continue;
        const first = this.check(flow, slot, state, this.parse(slot, state, clause, now, locale), now);
        if (first.ok) parsed = first;
      }
      if (opts.besides && !parsed.ok) return;
      // "…we can reverse the full amount and she will pay 450 again", "电话里说麻烦我们把卡上那笔弄回去": a field named
      // in passing while collecting, no value after its name and nothing said wrong — nothing to explain.
      if (mode === 'collecting' && !parsed.ok && !/^[\s¥￥$]*[\d一二三四五六七八九十零〇两]/.test(normalize(answer).text) && !CORRECTION.test(text) && !CORRECTION_LEAD.test(text)) continue;
      if (parsed.ok) {
        if (!sameValue(state.values[slot.name], parsed)) {
          this.setValue(state, slot.name, parsed);
          out.changed.push(slot.name);
        }
      } else if (!(slot.type === 'date' && slot.options.durationFrom && durationsIn(answer, { guess: true }).length)) {
        // (A length instead of a day, "恢复日期不对 要停三个礼拜", is counted from the start: takeDurations.)
        out.explanations.push(this.kept(state, slot, parsed, locale));
        out.explained.push(slot.name);
      }
      return;
    }
    this.unnamedCorrection(flow, state, text, now, locale, pending, out, opts);
  }

  /**
   * The value given before with its last digits replaced, when the words after the slot's name say only those
   * ("最后一位是7，不是1", "后四位是1782"): valid for the slot, or undefined.
   */
  private correctedTail(flow: Flow, state: FlowState, slot: Slot, said: string, now: Date): Valid<unknown> | undefined {
    const given = state.values[slot.name]?.value;
    if (typeof given !== 'string' || !/^\d{4,}$/.test(given)) return undefined;
    const m = LAST_DIGITS_SAID.exec(said);
    if (!m) return undefined;
    const digits = m.groups!.digits!;
    const countSaid = m.groups!.count;
    const count = countSaid ? (/\d/.test(countSaid) ? Number(countSaid) : CHINESE_COUNT[countSaid]) : digits.length;
    if (count !== digits.length || digits.length >= given.length) return undefined;
    // "不是1728": the digits said wrong, when said, are the ones there now.
    if (m.groups!.wrong !== undefined && !given.endsWith(m.groups!.wrong)) return undefined;
    const value = given.slice(0, given.length - digits.length) + digits;
    const parsed = this.check(flow, slot, state, this.parse(slot, state, value, now, 'zh-CN'), now);
    return parsed.ok ? parsed : undefined;
  }

  /**
   * "不对不对 是530" right after "已记下：…金额 ¥350.00": a correction that names no slot, whose value fits
   * exactly one value already given (and not the question asked): that value is corrected.
   */
  private unnamedCorrection(flow: Flow, state: FlowState, text: string, now: Date, locale: Locale, pending: Slot | undefined, out: Extraction, opts: { besides?: boolean } = {}): void {
    // Beside the answer too ("sorry i meant 350 not 530. ref no 6402…"): "X not Y" names the wrong value.
    if (this.replacedValue(flow, state, text, now, locale, out)) return;
    const lead = CORRECTION_LEAD.exec(text);
    // "等下，刚才那个8位的号打错了，应该是55203318": the correction said inside the message, its value after it.
    const inside = lead ? undefined : CORRECTED_TO.exec(text);
    if (!lead && !inside) return;
    const said = inside ? inside.groups!.value!.trim() : text.slice(lead![0].length).replace(/^[\s,，。.:：!！不对是错了]*(?:应该是|应为|改成|改为|is|should be)?[\s:：]*/i, '');
    // The corrected value is the first clause ("不对，是一千二百五，少说了五十。商户号…"), when the whole is no value.
    const firstClause = said.split(/[，。；;]|,(?!\d)/)[0]!.trim();
    // Beside other values the message gave ("不对，是一千二百五，…商户号…"), only that first clause corrects —
    // and only when the correction names no field ("电话错了 最后是913不是931，132…" is the phone's).
    if (opts.besides && (!lead || firstClause === said || namesField(flow, lead[0]))) return;
    const answer = opts.besides || (firstClause && firstClause !== said && !(pending && this.parse(pending, state, said, now, locale).ok)) ? firstClause : said;
    // A free-text question takes any answer: the value then corrects an earlier one, not the text.
    if (!answer || (pending && pending.type !== 'text' && this.parse(pending, state, answer, now, locale).ok)) return;
    const fits = flow.slots.filter(EXTRACTED).filter((slot) => {
      if (slot === pending || state.values[slot.name] === undefined || this.isRuleSet(flow, slot) || ['text', 'enum', 'attachments'].includes(slot.type)) return false;
      if (out.changed.includes(slot.name) || out.same.includes(slot.name)) return false;
      return this.check(flow, slot, state, this.parse(slot, state, answer, now, locale), now).ok;
    });
    // A long bare number ("55203318") is an ID, not an amount of tens of millions.
    const candidates = fits.length > 1 && /^\d{6,}$/.test(answer.replace(/\s/g, '')) ? fits.filter((f) => f.type !== 'amount') : fits;
    if (candidates.length !== 1) return;
    const slot = candidates[0]!;
    const parsed = this.check(flow, slot, state, this.parse(slot, state, answer, now, locale), now);
    if (!parsed.ok || sameValue(state.values[slot.name], parsed)) return;
    this.setValue(state, slot.name, parsed);
    out.changed.push(slot.name);
  }

  /**
   * "it was 57 not 75", "是570不是750", "不是昨天 是前天": the value said to be wrong is one already given, so
   * the value beside it replaces that one — whichever slot holds it, named or not. Taken only when exactly
   * one given value is the wrong one and the right one is valid for its slot.
   */
  private replacedValue(flow: Flow, state: FlowState, text: string, now: Date, locale: Locale, out: Extraction): boolean {
    const pair = replacementPair(text);
    if (!pair) return false;
    const holders = flow.slots.filter(EXTRACTED).filter((slot) => {
      const given = state.values[slot.name];
      if (given === undefined || this.isRuleSet(flow, slot) || ['text', 'enum', 'attachments'].includes(slot.type)) return false;
      // A value this message just gave is not the one it says was wrong.
      if (out.changed.includes(slot.name)) return false;
      const wrong = this.parse(slot, state, pair.wrong, now, locale);
      return wrong.ok && wrong.value === given.value;
    });
    if (holders.length !== 1) return false;
    const slot = holders[0]!;
    const right = this.check(flow, slot, state, this.parse(slot, state, pair.right, now, locale), now);
    if (!right.ok || right.value === state.values[slot.name]!.value) return false;
    this.setValue(state, slot.name, right);
    out.changed.push(slot.name);
    return true;
  }

  /** The refusal of a restated value, and the value kept. */
  private kept(state: FlowState, slot: Slot, invalid: Invalid, locale: Locale): Say {
    const earlier = state.values[slot.name] ? this.shown(this.flow(state.flowId), state, slot.name, locale) : undefined;
    return { text: `${invalid.message[locale]}${earlier ? flowText(locale, 'flowKeptValue', { value: earlier }) : ''}` };
  }

  /**
   * "好的，已更正为 ¥1,208.00。": the values a message changed (values given before: a correction), other
   * than the answer to the pending prompt. A value given for the first time needs no remark.
   */
  private acknowledged(flow: Flow, before: FlowState, state: FlowState, pending: Slot, changed: string[], locale: Locale): Say[] {
    const others = changed.filter(
      (n) => before.values[n] !== undefined && n !== pending.name && !(pending.group !== undefined && this.slot(flow, n)?.group === pending.group),
    );
    if (!others.length) return [];
    const values = others.map((n) => this.shown(flow, state, n, locale)).join(locale === 'en' ? ', ' : '、');
    return [{ text: flowText(locale, 'flowChanged', { values }) }];
  }

  /** Values restated as they already were: nothing changed. */
  private unchanged(flow: Flow, state: FlowState, names: string[], locale: Locale): Say {
    const values = names.map((n) => this.shown(flow, state, n, locale)).join(locale === 'en' ? ', ' : '、');
    return { text: flowText(locale, 'flowUnchanged', { values }) };
  }

  /**
   * A value as the merchant reads it in the conversation's language: the display kept with the value,
   * except where it has a form per language (a date, an option chosen or set by a rule, a count of files).
   */
  private shown(flow: Flow, state: FlowState, name: string, locale: Locale): string {
    const v = state.values[name];
    const slot = this.slot(flow, name);
    if (!v) return flowText(locale, slot?.options.openEnded ? 'flowNotKnownYet' : 'flowNotGiven');
    if (slot?.type === 'date' && typeof v.value === 'string') return displayIso(v.value, locale) ?? v.display;
    if (slot?.type === 'attachments' && Array.isArray(v.value)) return flowText(locale, 'flowFilesDisplay', { count: v.value.length });
    if (slot?.type === 'enum' && locale === 'en') {
      const option = slot.options.values?.find((o) => o.id === String(v.value));
      if (option) return pickLabel(option.labels, locale);
    }
    return v.display;
  }

  /**
   * A message that is only a day, for the first empty date slot the flow would ask next (in its order,
   * its conditions holding): where two date slots are open, the earlier one is the one the merchant is
   * ahead of. False when the message says more than the day, or the day does not pass that slot's checks.
   */
  private nextDayTaken(flow: Flow, state: FlowState, text: string, now: Date, locale: Locale): boolean {
    const today = todayIn(now, this.timeZone);
    const slot = flow.slots.find(
      (s) => s.type === 'date' && state.values[s.name] === undefined && !state.skipped.includes(s.name) && (!s.askWhen || conditionsHold(s.askWhen, this.plainValues(state), flow.settings, today)),
    );
    if (!slot) return false;
    const found = this.slotType('date').extract(text, this.context(slot, now, locale, flow));
    if (found.length !== 1) return false;
    const left = blank(text, [[found[0]!.start, found[0]!.end]]).replace(/[\s\p{P}]|[号日]$/gu, '');
    if ([...left].length > 1) return false;
    const checked = this.check(flow, slot, state, this.parse(slot, state, text, now, locale), now);
    if (!checked.ok) return false;
    this.setValue(state, slot.name, checked);
    return true;
  }

  /**
   * An answer in the merchant's own words that names no option ("换结算账户" asked why): the enum's
   * `otherwise` option, the words kept by the text slot that explains it. Bare numbers and one character
   * say nothing and are refused as before.
   */
  private takeOtherwise(flow: Flow, state: FlowState, pending: Slot, text: string, now: Date, locale: Locale): boolean {
    const id = pending.type === 'enum' ? pending.options.otherwise : undefined;
    const option = pending.options.values?.find((v) => v.id === id);
    // (Letters only: "🙃🙃" or "！！" says no reason.)
    const words = text.replace(/[^\p{L}]+/gu, '');
    // A yes, a no or a refusal answers something else; it is no reason of its own.
    if (!option || [...words].length < 2 || YES.test(text) || NO.test(text) || NOT_A_REASON.test(text)) return false;
    // …and so is "材料没有", "nothing to upload": the documents' question answered early, or skipping.
    if (NO_DOCUMENTS.test(text) || NOTHING_TO_SEND.test(text) || SKIP.test(text) || /\b(?:nothing|none)\b/i.test(text)) return false;
    // A day, a number or an option of another question ("资金结算" when why is asked) answers that question
    // (early, or again), not this one.
    if (/\d/.test(normalize(text).text) || this.slotType('date').extract(text, this.context(pending, now, locale, flow)).length) return false;
    // …and so does a length of time ("大概半个月" asked why): how long, not why.
    if (durationIn(text, { guess: true })) return false;
    const onlyThat = (f: { start: number; end: number }) => !blank(text, [[f.start, f.end]]).replace(/[\s\p{P}吧啊呀的了哦嘛]/gu, '');
    const otherEnums = flow.slots.filter((s) => s.type === 'enum' && s !== pending);
    if (otherEnums.some((s) => this.slotType('enum').extract(text, this.context(s, now, locale, flow)).some(onlyThat))) return false;
    const chosen = this.parse(pending, state, option.labels[0]!, now, locale);
    if (!chosen.ok) return false;
    this.setValue(state, pending.name, chosen);
    const detail = flow.slots.find((s) => s.options.from?.explains === pending.name);
    if (detail && state.values[detail.name] === undefined) {
      const said = this.parse(detail, state, text.trim(), now, locale);
      if (said.ok) this.setValue(state, detail.name, said);
    }
    return true;
  }

  private setValue(state: FlowState, name: string, v: Valid<unknown>): void {
    state.values[name] = { value: v.value, display: v.display };
    if (state.skipped.includes(name)) state.skipped = state.skipped.filter((n) => n !== name);
  }

  /**
   * The checks that need the flow: a planned date not in the past (`notPast`: 暂停开始日期 from today on),
   * a date after another slot's date (`notBefore`: 恢复日期 > 暂停开始日期 — a hold resumed the day it starts holds
   * nothing, and "后天 后天开始关" at the resume question repeats the start).
   */
  private check(flow: Flow, slot: Slot, state: FlowState, parsed: Valid<unknown> | Invalid, now: Date): Valid<unknown> | Invalid {
    // A day not before another that is itself not past ("恢复日期" after "暂停开始日期") is best refused for the
    // other: that is the nearer limit.
    const laterThanSet = slot.options.notBefore !== undefined && state.values[slot.options.notBefore] !== undefined;
    if (parsed.ok && slot.options.notPast && !laterThanSet && typeof parsed.value === 'string') {
      const today = todayIn(now, this.timeZone);
      if (parsed.value < today) {
        const vars = (l: Locale) => ({
          label: slot.label?.[l] ?? flowText(l, 'flowThisDate'),
          today: displayIso(today, l) ?? today,
          value: displayIso(parsed.value as string, l) ?? parsed.display,
        });
        return {
          ok: false,
          reason: `${slot.type}.past`,
          message: { 'zh-CN': flowText('zh-CN', 'flowNotPast', vars('zh-CN')), en: capitalize(flowText('en', 'flowNotPast', vars('en'))) },
        };
      }
    }
    const otherName = slot.options.notBefore;
    if (!parsed.ok || !otherName) return parsed;
    const other = state.values[otherName];
    if (!other || typeof other.value !== 'string' || typeof parsed.value !== 'string' || parsed.value > other.value) return parsed;
    const otherSlot = this.slot(flow, otherName);
    const vars = (l: Locale) => ({
      label: slot.label?.[l] ?? flowText(l, 'flowThisDate'),
      other: otherSlot?.label?.[l] ?? flowText(l, 'flowOtherDate'),
      date: l === 'en' ? other.value as string : other.display,
      value: l === 'en' ? parsed.value as string : parsed.display,
    });
    return {
      ok: false,
      reason: `${slot.type}.not_before`,
      message: { 'zh-CN': flowText('zh-CN', 'flowNotBefore', vars('zh-CN')), en: capitalize(flowText('en', 'flowNotBefore', vars('en'))) },
    };
  }

  private parse(slot: Slot, state: FlowState, text: string, now: Date, locale: Locale): Valid<unknown> | Invalid {
    const flow = this.flow(state.flowId);
    return this.slotType(slot.type).parse(text, this.context(slot, now, locale, flow));
  }

  /**
   * Files go to the pending file slot, else to the first file slot still open, else to the flow's only
   * file slot (photos often arrive one message each, after the next prompt was said). Returns the problem, if any.
   */
  private takeFiles(flow: Flow, state: FlowState, pending: Slot | undefined, files: FileRef[], locale: Locale): Say | undefined {
    const fileSlots = flow.slots.filter((s) => s.type === 'attachments');
    const target =
      pending?.type === 'attachments' ? pending : (fileSlots.find((s) => !state.values[s.name]) ?? (fileSlots.length === 1 ? fileSlots[0] : undefined));
    if (!target) return { text: flowText(locale, 'flowFileNotExpected') };
    return this.addFiles(target, state, files, locale);
  }

  private addFiles(slot: Slot, state: FlowState, files: FileRef[], locale: Locale): Say | undefined {
    const accepted = files.filter((f) => ACCEPTED_FILE.test(f.contentType));
    if (accepted.length < files.length) return { text: flowText(locale, 'flowFileType') };
    const existing = (state.values[slot.name]?.value as FileRef[] | undefined) ?? [];
    const all = [...existing];
    for (const f of accepted) if (!all.some((e) => e.file === f.file)) all.push(f);
    const max = slot.options.maxFiles ?? 5;
    if (all.length > max) return { text: flowText(locale, existing.length ? 'flowTooManyFilesKept' : 'flowTooManyFiles', { max, count: existing.length }) };
    this.setValue(state, slot.name, { ok: true, value: all, display: flowText(locale, 'flowFilesDisplay', { count: all.length }) });
    return undefined;
  }

  private context(slot: Slot, now: Date, locale: Locale, flow: Flow): SlotContext {
    const maxAgeDays = typeof slot.options.maxAgeDays === 'string' ? Number(flow.settings[slot.options.maxAgeDays.slice('settings.'.length)]) : slot.options.maxAgeDays;
    return {
      now,
      timeZone: this.timeZone,
      locale,
      options: {
        values: slot.options.values,
        minLength: slot.options.minLength,
        maxLength: slot.options.maxLength,
        maxAgeDays,
        allowFuture: slot.options.allowFuture,
        notPast: slot.options.notPast,
        maxAmount: slot.options.maxAmount,
      },
    };
  }

  private slot(flow: Flow, name: string): Slot | undefined {
    return flow.slots.find((s) => s.name === name);
  }

  private slotType(name: string): SlotType {
    const type = this.options.slotTypes[name];
    if (!type) throw new Error(`no slot type "${name}"`);
    return type;
  }

  private plainValues(state: FlowState): Record<string, unknown> {
    return Object.fromEntries(Object.entries(state.values).map(([k, v]) => [k, v.value]));
  }

  private prompt(slot: Slot, state: FlowState, locale: Locale): Say {
    const flow = this.flows.get(state.flowId);
    const last = flow?.confirm?.lastQuestion;
    if (flow && last?.slot === slot.name) return { text: this.rendered(flow, state, last.say[locale], locale), suggestedActions: [flowText(locale, 'actionNothingToAdd')] };
    const actions = slot.type === 'enum' ? slot.options.values?.map((v) => pickLabel(v.labels, locale)) : undefined;
    const optional = !this.isRequired(slot, state) ? [flowText(locale, 'actionSkip')] : [];
    const suggested = [...(actions ?? []), ...optional];
    return suggested.length ? { text: slot.prompt[locale], suggestedActions: suggested } : { text: slot.prompt[locale] };
  }

  private cancelQuestion(locale: Locale): Say {
    return { text: flowText(locale, 'flowCancelConfirm'), suggestedActions: [flowText(locale, 'actionYesCancel'), flowText(locale, 'actionNoContinue')] };
  }

  private summary(flow: Flow, state: FlowState, locale: Locale): Say {
    return { text: this.rendered(flow, state, flow.confirm?.summary[locale] ?? '', locale), suggestedActions: [flowText(locale, 'actionConfirm'), flowText(locale, 'actionCancel')] };
  }

  /** A template with each {slot} as shown to the merchant. */
  private rendered(flow: Flow, state: FlowState, template: string, locale: Locale): string {
    return template.replace(/\{(\w+)\}/g, (_, name: string) => this.shown(flow, state, name, locale));
  }

  /** Whether the slot is the flow's last question, asked with the summary (`confirm.lastQuestion`). */
  private isLastQuestion(flow: Flow, slot: Slot): boolean {
    return flow.confirm?.lastQuestion?.slot === slot.name;
  }
}

/**
 * A question asked beside giving up ("…那我先不申请了。撤销跟退货到底有啥区别"): the sentences that ask
 * something and do not give up, those after the giving up first.
 */
function askedWithGivingUp(text: string): string | undefined {
  // Sentences end at their marks; typed on a phone, at a space too ("先不弄了 我先问一下 退货可以只退一部分钱吗").
  const sentences = text.split(/(?<=[。？?！!])|\s+(?=[\u4e00-\u9fff])/).map((x) => x.trim()).filter(Boolean);
  const givingUp = sentences.findIndex((x) => CANCEL_LEAD.test(x) || CANCEL_CLAUSE.test(x) || CANCEL.test(x));
  if (givingUp < 0 || sentences.length < 2) return undefined;
  const asks = (x: string) => asksQuestion(x) && !CANCEL_LEAD.test(x) && !CANCEL_CLAUSE.test(x);
  const after = sentences.slice(givingUp + 1).filter(asks);
  const before = sentences.slice(0, givingUp).filter(asks);
  return (after.length ? after : before).join(' ') || undefined;
}

/**
 * Of two or more values found in a message, the one said twice ("两笔凭证号是001233和001234，退后面那笔001234"):
 * the merchant named the candidates, then the one meant.
 */
function repeatedOne<T extends { value: unknown }>(found: T[]): T | undefined {
  const counts = new Map<string, T[]>();
  for (const x of found) {
    const key = JSON.stringify(x.value);
    counts.set(key, [...(counts.get(key) ?? []), x]);
  }
  if (counts.size < 2) return undefined;
  const repeated = [...counts.values()].filter((xs) => xs.length > 1);
  return repeated.length === 1 ? repeated[0]!.at(-1) : undefined;
}

/** Of several values found in a message, the one said after the merchant corrected themselves, if any. */
/**
 * Of two values listed, the one the message then points at by its place ("凭证号一个210447一个210448，第二个是多的",
 * "…the second one is the extra"): said after both, so it speaks of them.
 */
const SECOND_MEANT = /第二(?:个|笔|张|条)|第2(?:个|笔|张|条)|后(?:一|面)(?:个|那个|的那个)|\b(?:the )?(?:second|latter|last) one\b/i;
const FIRST_MEANT = /第一(?:个|笔|张|条)|第1(?:个|笔|张|条)|前(?:一|面)(?:个|那个|的那个)|\b(?:the )?(?:first|former) one\b/i;
function byPlace<T extends { start: number; end: number; value: unknown }>(text: string, found: T[]): T | undefined {
  if (found.length !== 2 || JSON.stringify(found[0]!.value) === JSON.stringify(found[1]!.value)) return undefined;
  const [a, b] = [...found].sort((x, y) => x.start - y.start);
  const after = text.slice(b!.end);
  const second = SECOND_MEANT.test(after);
  if (second === FIRST_MEANT.test(after)) return undefined;
  return second ? b : a;
}

/** The card's own labels (`card_last4`'s, and 卡号 / card) right before a number. */
const CARD_WORD_BEFORE = new RegExp(`(?:${ID_LABELS.card_last4}|卡号|\\bcard\\b)[^\\d]{0,4}$`, 'i');
/** "三个礼拜以后", "四十五天之后": a day said as so long after. */
const AFTER_SO_LONG_ZH = /(?:\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:个)?\s*(?:天|日|周|星期|礼拜|月)\s*(?:以后|之后|后)/;
const PHONE_LABEL_BEFORE = new RegExp(`(?:${PHONE_LABELS}|座机|固话|landline)[^\\d，,。]{0,6}$`, 'i');
/** A number written after a phone's label ("店里电话 0571-8627 4419"): a phone number, whatever its length. */
const afterPhoneLabel = (text: string, x: { start: number }): boolean => PHONE_LABEL_BEFORE.test(text.slice(Math.max(0, x.start - 16), x.start));
/** Slot types a phone number could be mistaken for (an amount is no phone: "一台手机4599"). */
const CODE_TYPES = new Set(['merchant_id', 'terminal_id', 'voucher_no', 'reference_no', 'batch_no', 'card_last4']);

/** Of several options said, the first of those the slot prefers (`options.prefer`), if any is among them. */
function preferred<T extends { value: unknown }>(slot: Slot, found: T[]): T | undefined {
  if (!slot.options.prefer?.length || new Set(found.map((x) => JSON.stringify(x.value))).size < 2) return undefined;
  for (const id of slot.options.prefer) {
    const hit = found.find((x) => x.value === id);
    if (hit) return hit;
  }
  return undefined;
}

function selfCorrected<T extends { start: number; end: number }>(text: string, found: T[]): T | undefined {
  if (found.length < 2) return undefined;
  const ordered = [...found].sort((a, b) => a.start - b.start);
  for (let i = ordered.length - 1; i > 0; i--) {
    if (SELF_CORRECTION.test(text.slice(ordered[i - 1]!.end, ordered[i]!.start))) return ordered[i];
  }
  return undefined;
}

/**
 * The value said after a self-correction that follows the last value found ("金额50 不对是45", "终端号12345678
 * 说错了 12345687"): what comes after the correction, read as this slot's answer; undefined when nothing
 * follows it, when it does not read as a value of the slot, or when it is the same value.
 */
function correctedAfter<T>(
  text: string,
  said: Found<T>,
  found: Found<T>[],
  parse: (rest: string) => Valid<T> | Invalid,
): Found<T> | undefined {
  if (found.some((x) => x.start > said.start)) return undefined;
  // Right after the value, nothing between but a pause: "尺码不对" later in the message corrects nothing said,
  // and "168 应该是16.8" says what the sale should have been, not that the merchant misspoke.
  // …a particle may end it first ("尾号6205吧 等下 小票上是6250").
  const m = /^[\s,，。.、!！…~～-]*(?:吧|啊|呀|哈|的)?[\s,，。.、!！…~～-]*/.exec(text.slice(said.end))!;
  const marker = SELF_CORRECTION.exec(text.slice(said.end + m[0].length));
  if (!marker || marker.index !== 0 || marker[0] === '应该是') return undefined;
  const start = said.end + m[0].length + marker[0].length;
  const rest = text.slice(start);
  if (!/[\p{L}\p{N}]/u.test(rest)) return undefined;
  const parsed = parse(rest);
  if (!parsed.ok || sameValue(said, parsed)) return undefined;
  return { value: parsed.value, display: parsed.display, start, end: text.length };
}

/**
 * Whether two values of a slot are the same value. Compared by value, not as shown: a phone number is
 * shown masked, so 13917208864 and 13971208864 look alike ("139****8864") and are not.
 */
function sameValue(a: { value: unknown } | undefined, b: { value: unknown }): boolean {
  return a !== undefined && JSON.stringify(a.value) === JSON.stringify(b.value);
}

/** Whether `value` is written in `text` as it is (width, case, spaces and punctuation aside). */
function writtenIn(value: string, text: string): boolean {
  const compact = (s: string) => normalize(s).text.toLowerCase().replace(/[\s\p{P}\p{S}]/gu, '');
  const v = compact(value);
  return v.length > 0 && compact(text).includes(v);
}

/** The clauses of a message, with where each starts. */
function clauses(text: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  // On a phone a space between Chinese words is punctuation too ("下周一开始 一个月后恢复").
  // A full stop ends a clause too, not the point of a number ("12.50") or an abbreviation ("no.1"); nor does
  // a comma between thousands ("¥4,500").
  for (const m of text.matchAll(/(?:[^，,。;；\n!！?？\s.]|(?<=\d),(?=\d{3}(?!\d))|\.(?![\s]|$)|\s(?![\u4e00-\u9fff])|(?<![\u4e00-\u9fff.])\s)+/g)) if (m[0].trim()) out.push({ text: m[0], start: m.index });
  return out;
}

/** A text slot's value in a message: what follows a label, else the clause with a cue; numbers left out. */
function textFrom(
  text: string,
  from: { labels: string[]; cues: string[] },
  accept: (value: string) => boolean = () => true,
): { value: string; start: number; end: number } | undefined {
  const lower = text.toLowerCase();
  // Identifiers (6 digits or more: voucher, reference, terminal and merchant numbers) have slots of their
  // own; amounts stay ("收银员把68块打成了680" says what went wrong).
  const clean = withoutNumbers;
  for (const label of [...from.labels].sort((a, b) => b.length - a.length)) {
    const at = lower.indexOf(label.toLowerCase());
    if (at < 0) continue;
    const start = at + label.length;
    const rest = /^[^，,。;；\n!！?？]*/.exec(text.slice(start))![0];
    const value = clean(rest);
    if ([...value].length >= 2 && accept(value)) return { value, start, end: start + rest.length };
  }
  // The first clause with a cue, and those right after it, typed with only a space between, that have one
  // too: one sentence on a phone ("刚才有个客人刷卡 付了两遍").
  const all = clauses(text);
  const cued = (c: { text: string }) => from.cues.some((cue) => cueAsSubject(c.text.toLowerCase(), cue.toLowerCase()));
  const spaced = (a: { text: string; start: number }, b: { start: number }) => !text.slice(a.start + a.text.length, b.start).trim();
  for (let i = 0; i < all.length; i++) {
    if (!cued(all[i]!)) continue;
    // "不是周转的问题，是我们公司要换对公账户": what it is not, when what it is follows.
    if (/^\s*(?:(?:actually|sorry|wait|oh|no|哦|噢|不对|等等)[\s,，]*)?(?:不是|并非|\bnot\b)/i.test(all[i]!.text) && all.slice(i + 1).some(cued)) continue;
    let j = i;
    while (j + 1 < all.length && spaced(all[j]!, all[j + 1]!) && cued(all[j + 1]!)) j++;
    const parts = all
      .slice(i, j + 1)
      .flatMap((c) => storyParts(c.text).filter((part, _, whole) => whole.length === 1 || cued({ text: part })))
      .map(clean)
      .filter((v) => v.length > 0);
    const value = parts.join(/[\u4e00-\u9fff]/.test(parts.join('')) ? '，' : ', ');
    if ([...value].length >= 2 && accept(value)) return { value, start: all[i]!.start, end: all[j]!.start + all[j]!.text.length };
  }
  return undefined;
}

/**
 * The summary confirmed in the last clause after words that change nothing ("老板说没问题 交吧 确认"): no number,
 * no correction, no question, no 不 anywhere in it.
 */
function confirmedLast(text: string): boolean {
  const parts = clauses(text);
  // (…and no value named to go by: "那就按撤销提交 确认" of a refund changes the request type.)
  if (parts.length < 2 || /\d|不|没(?!问题)|别|按|改/.test(text) || CORRECTION.test(text) || QUESTION.test(text)) return false;
  return CONFIRM_SAID.test(parts.at(-1)!.text.trim());
}

/** Where a decision follows what was reported ("…写的是X 那就Y", "…说要X，那就Y吧", "…大概二十来天 保险点 你就写25天"). */
const DECISION = /(?:^|[\s，,。;；])(?:那就|那么就|那我们就|那我就|(?:你|您)?就(?:写|填|按|算)(?:成)?|干脆(?:就)?(?:写|填|按|算)?)(?:是)?/g;

/**
 * The message with what comes before its last decision blanked (lengths kept), when the decision itself
 * carries a value (`carriesValue`); else the message as it is.
 */
function decidedPart(text: string, carriesValue: (part: string) => boolean): string {
  const last = [...text.matchAll(DECISION)].at(-1);
  if (!last || last.index === 0) return text;
  const after = text.slice(last.index);
  return carriesValue(after) ? ' '.repeat(last.index) + after : text;
}

/** A text without its identifiers (6 digits or more, with their labels), trimmed; amounts stay. */
function withoutNumbers(text: string): string {
  return text.replace(NUMBER_WITH_LABEL, ' ').replace(SPOKEN_DIGIT_RUN, ' ').replace(/\s+/g, ' ').replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
}

/**
 * Clauses a story has at least that are neither facts nor the request: "您好，我想申请撤销一笔交易，昨天下午刷的，
 * 金额五百元，帮我处理一下" has none; "…结果前天晚上暴雨 摄影棚进水了 布景全泡了 最少一个月拍不了…" has several.
 */
const STORY_MIN_CLAUSES = 2;
/** Letters a clause of a story has at least (Chinese), or words (English). */
const STORY_CLAUSE_MIN_CHARS = 5;
const STORY_CLAUSE_MIN_WORDS = 3;
/** Words of the request itself, not of what happened. */
const REQUEST_VOCABULARY = /申请|撤销|退货|退款|暂停|结算|帮我|帮忙|麻烦|处理|办理|商户|终端|凭证|参考号|电话|手机|\b(?:please|pls|help|request|refund|void|cancel|suspend|hold|settlement|merchant|terminal|voucher|phone)\b/i;
/** A story is kept up to this long when the slot sets no length. */
const STORY_MAX_CHARS = 300;

/** Whether a clause says one of a flow's act words (Chinese anywhere, English as whole words); built once per list. */
const ACT_MATCHERS = new WeakMap<string[], (clause: string) => boolean>();
function actsIn(acts: string[]): (clause: string) => boolean {
  let matcher = ACT_MATCHERS.get(acts);
  if (!matcher) {
    const latin = acts.filter((w) => /[a-z]/i.test(w)).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const words = latin.length ? new RegExp(`\\b(?:${latin.join('|')})\\b`, 'i') : undefined;
    const chinese = acts.filter((w) => !/[a-z]/i.test(w));
    matcher = (clause) => chinese.some((w) => clause.includes(w)) || (words?.test(clause) ?? false);
    ACT_MATCHERS.set(acts, matcher);
  }
  return matcher;
}

/** Whether a message tells what happened, not only the request and its facts (`spans`: where values were read). */
function tellsStory(text: string, spans: [number, number][], acts: string[], answers: (clause: string) => boolean): boolean {
  // A clause that asks for the request in the flow's own words ("刷卡的钱先别打到卡里") tells no story.
  const asks = actsIn(acts);
  // A line ends a clause, whatever blanks (a question left out) come before it; lengths kept for the spans.
  const lines = text.replace(GREETING, (m) => ' '.repeat(m.length)).replace(/[ \t]*\n[ \t]*/g, (m) => `。${' '.repeat(m.length - 1)}`);
  const story = clauses(lines).filter((c) => {
    const end = c.start + c.text.length;
    if (spans.some(([a, b]) => a < end && b > c.start)) return false;
    if (/\d/.test(c.text) || REQUEST_VOCABULARY.test(c.text) || asks(c.text) || answers(c.text)) return false;
    return /[\u4e00-\u9fff]/.test(c.text)
      ? [...c.text.replace(/[^\p{L}]/gu, '')].length >= STORY_CLAUSE_MIN_CHARS
      : c.text.split(/\s+/).filter((w) => /[a-z]{2,}/i.test(w)).length >= STORY_CLAUSE_MIN_WORDS;
  });
  return story.length >= STORY_MIN_CLAUSES;
}

/** A clause this long, typed by voice without a mark, is several sentences. */
const RUN_ON_CLAUSE_CHARS = 40;
/** Where such a clause turns to the next thing: the story goes on ("后来…") or the facts begin ("我商户号是…"). */
const STORY_TURN = /(?=然后|后来|结果|但是|可是|不过|所以)|(?=[他她我]?(?:的)?(?:商户|终端|凭证|参考号|卡号|电话|手机号|联系方式))/;
/** A greeting before the story ("喂你好我这边是洗车店的…"). */
const GREETING = /^(?:(?:喂|你好|您好|老板|在吗|hello|hi)[，,\s]*)+/i;

/**
 * A clause's sentences: itself, or — typed by voice without a mark ("喂你好我这边是洗车店的昨天下午有个车主…后来他
 * 老婆不同意…我商户号是…") — its sentences, each then kept only if it says what happened.
 */
function storyParts(clause: string): string[] {
  const text = clause.replace(GREETING, '');
  if ([...text].length <= RUN_ON_CLAUSE_CHARS) return [text];
  return text.split(STORY_TURN).filter((part) => part.trim());
}

/** An identifier with the label written before it ("商户号826410993306018"): both leave a text slot's value. */
const NUMBER_WITH_LABEL = new RegExp(`(?:(?:${Object.values(ID_LABELS).join('|')}|${PHONE_LABELS})${FILLER})?\\d(?:[\\s-]?\\d){5,}`, 'gi');

/** Option words that only answer the question being asked: not, said in passing, a choice for a later one. */
const VAGUE_OPTION = /^(?:不知道|不确定|不清楚|不太清楚|不晓得|不记得|记不清|说不准|没注意|搞不清|不了解|没有|还没有|没|是|否|不是|对|not sure|don'?t know|dont know|no idea|idk|dunno|not certain|not yet)$/i;

/** Words said twice for emphasis ("不弄了不弄了", "算了算了") said once. */
function saidOnce(text: string): string {
  return text.replace(/([^\d\s，,。.!！]{2,6}?)[，,。.!！\s]*\1/gu, '$1');
}

/** Not words of a reason: a negation or an aside ("actually no", "不是这个", "不知道"). */
const NOT_A_REASON = /^(?:actually|no\b|nope|not\b|wait|hmm|不是|不对|不知道|不清楚|没有|等等|等一下|待定|不确定|还不确定|not sure|tbd|(?:i )?don'?t know|dunno|no idea)/i;

/** Hypotheses and questions ("退货的话，多久能到账？") say nothing that happened: blanked, the rest kept. */
const SUPPOSED = /如果|假如|要是|万一|的话\s*$|\bif\b/i;

/** Where a message typed by voice, without punctuation, turns to the next thing ("…刷了一千二然后今天他说…"). */
// …and where what was said ends in 了 and "I" goes on ("…他儿子过来说不要了我在机器上撤消它要什么主管密码").
// …and where it turns to ask what to do ("…脸都绿了你看这个怎么弄").
const RUN_ON_TURN = /然后|后来|结果|但是|可是|不过|所以|我想问一下|想问一下|我想问|请问|(?<=[了啦呢吧])(?=我)|(?<=[了啦呢吧])(?=你看)|(?=你们?(?:帮我)?看(?:看)?(?:这个|这|一下|下)?(?:该|应该)?(?:怎么|咋))|(?<=[了啦呢吧])(?=(?:这个?|那)?(?:怎么办|咋办|怎么弄|咋弄|咋整))|\b(?:and then|but|so)\b/gi;

/** The message without its clauses about the photo sent with it ("小票在这", "see the slip"). */
function withoutPhotoClauses(text: string): string {
  const chinese = /[\u4e00-\u9fff]/.test(text);
  return text
    // "顾客不要了小票在这": written without a pause, the words about the photo still start a clause of their own.
    .split(chinese ? /[\s,，。.;；!！]+|(?<=[\u4e00-\u9fff])(?=小票|签购单|单子|照片|图片|截图|这张)/ : /[,，。;；!！]+|\.(?!\d)/)
    .map((clause) => clause.trim())
    .filter((clause) => clause && !ABOUT_PHOTO.test(clause))
    .join(chinese ? '，' : ', ');
}

/** A value and the one it replaces: "57 not 75", "57 instead of 75", "是57不是75", "不是75是57", "不是75 而是57", "75不对 是57". */
// A number grouped in thousands ("1,950 not 1,590") is one value, its commas no pauses.
const RIGHT_NOT_WRONG = /(\d{1,3}(?:,\d{3})+(?:\.\d+)?|[^\s,，。;；:：]+?)\s*[,，]?\s*(?:\bnot\b|\binstead of\b|\brather than\b|不是)\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|[^\s,，。;；!！?？]+)/i;
const NOT_WRONG_BUT_RIGHT = /不是\s*([^\s,，。;；是]+)\s*[,，]?\s*(?:而|其实|应该)?是\s*([^\s,，。;；!！?？]+)/;

/** "刚才写的4290不对 是4920", "1810错了 是1180": the value said wrong, then the right one. */
const WRONG_THEN_RIGHT = /(?:(?:刚才|之前|前面|上面)?(?:写|说|打|填|输|发)的)?\s*([^\s,，。;；是的]+?)\s*(?:不对|错了|是错的|有误)[\s,，。!！]*(?:应该|其实)?是\s*([^\s,，。;；!！?？]+)/;

function replacementPair(text: string): { right: string; wrong: string } | undefined {
  const notFirst = NOT_WRONG_BUT_RIGHT.exec(text);
  if (notFirst) return { wrong: notFirst[1]!, right: notFirst[2]! };
  const rightFirst = RIGHT_NOT_WRONG.exec(text);
  if (rightFirst) return { right: rightFirst[1]!.replace(/^是/, ''), wrong: rightFirst[2]! };
  const wrongFirst = WRONG_THEN_RIGHT.exec(text);
  return wrongFirst ? { wrong: wrongFirst[1]!, right: wrongFirst[2]! } : undefined;
}

/**
 * The slots a message names by their `mentions` — a word inside a longer word of another slot's at the same
 * place names only that other ("29号开始照常" names the resume day, not the start's 开始).
 */
function namedSlots(slots: Slot[], naming: string): Slot[] {
  // "明天我就不开门了" says when the shop closes, not when it opens: a word said in the negative names nothing.
  const hits = slots.flatMap((slot) =>
    (slot.mentions ?? []).flatMap((m) => [...indexesOf(naming, m.toLowerCase())].filter((at) => !/[不没别]$/.test(naming.slice(0, at))).map((at) => ({ slot, at, end: at + m.length }))),
  );
  const covered = (h: (typeof hits)[number]) => hits.some((o) => o.slot !== h.slot && o.at <= h.at && o.end >= h.end && o.end - o.at > h.end - h.at);
  return slots.filter((slot) => hits.some((h) => h.slot === slot && !covered(h)));
}

/** Whether the text names the slot by one of its `mentions` ("恢复", "until"), a start "from today" aside. */
function namedIn(slot: Slot, text: string): boolean {
  const t = withoutFromToday(text).toLowerCase();
  return slot.mentions?.some((m) => t.includes(m.toLowerCase())) ?? false;
}

/** A clause's parts split where a space follows Chinese ("1月20号关门 2月25号再开门"): sentences on a phone. */
function spaceParts(c: { text: string; start: number }): { text: string; start: number }[] {
  return [...c.text.matchAll(/\S(?:.*?\S)??(?=(?<=[\u4e00-\u9fff])\s|$)/gu)].map((m) => ({ text: m[0], start: c.start + m.index }));
}

/** An English clause split before each slot's first mention word after the clause's first one. */
function latinMentionParts(c: { text: string; start: number }, slots: Slot[]): { text: string; start: number }[] {
  const lower = withoutFromToday(c.text).toLowerCase();
  const cuts = slots
    .map((slot) => Math.min(...(slot.mentions ?? []).map((m) => new RegExp(String.raw`\b${m.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\b`).exec(lower)?.index ?? Infinity)))
    .filter((at) => Number.isFinite(at) && at >= 0)
    .sort((a, b) => a - b);
  if (cuts.length < 2) return [c];
  const bounds = [0, ...cuts.slice(1), c.text.length];
  return bounds.slice(0, -1).map((at, i) => ({ text: c.text.slice(at, bounds[i + 1]), start: c.start + at })).filter((p) => p.text.trim());
}

/** A space before Chinese words after a number ("刚刷错了一笔99 怎么撤销"): a new sentence on a phone. */
const CJK_SPACE = /\s+(?=[\u4e00-\u9fff])/g;

/**
 * Whether a clause (question marks end clauses, so none is left in it) asks. In English a question word
 * inside a statement ("charged twice when she checked out") asks nothing: only a clause that opens with it.
 */
function asksIn(clause: string): boolean {
  // "还在店里站着呢": 呢 after 在… tells what is going on, it asks nothing.
  if (/[\u4e00-\u9fff]/.test(clause)) return QUESTION.test(clause.replace(ONGOING_NE, ''));
  return /^[\s,.;!]*(?:how|what|why|when|which|can i|should i)\b/i.test(clause);
}

const ONGOING_NE = /(?<=(?:正在|还在|在)[\u4e00-\u9fff]{1,8}(?:着)?)呢/g;

function statedOnly(text: string): string {
  let out = text;
  const drop = (start: number, end: number) => (out = out.slice(0, start) + ' '.repeat(end - start) + out.slice(end));
  for (const c of clauses(text)) {
    if (!asksIn(c.text) && !SUPPOSED.test(c.text)) continue;
    const turns = [...c.text.matchAll(RUN_ON_TURN), ...c.text.matchAll(CJK_SPACE)].map((m) => m.index).filter((i) => i > 0);
    const cuts = [0, ...new Set(turns.sort((a, b) => a - b)), c.text.length];
    for (let k = 0; k + 1 < cuts.length; k++) {
      const part = c.text.slice(cuts[k], cuts[k + 1]);
      if (asksIn(part) || SUPPOSED.test(part)) drop(c.start + cuts[k]!, c.start + cuts[k + 1]!);
    }
  }
  return out.replace(/[\p{P}\s]/gu, '') ? out : '';
}

/**
 * Whether the clause names the cue other than as whom the request is for: "顾客要退货" and "the customer
 * returned it" say what happened, "帮顾客撤销一笔", "帮我申请退货", "我申请一个退货", "办个退货" and "I want to
 * refund a customer" only ask.
 */
function cueAsSubject(clause: string, cue: string): boolean {
  const at = [...indexesOf(clause, cue)];
  // An English cue typed in a hurry ("cusotmer", "retruned") counts as written, one typo a long word.
  if (at.length === 0 && /^[a-z' ]+$/.test(cue)) at.push(...misspeltSpans(clause, cue).map((s) => s.start));
  for (const i of at) {
    const before = clause.slice(Math.max(0, i - 16), i);
    // "给刷成380了": 给 before the mistake's verb is the passive, not "for (someone)".
    if (/[给給]$/.test(before) && /^[刷按输輸打多扣]/.test(cue)) return true;
    if (!/[帮幫给給替为為](?:这位|這位|那位|一位|这个|那个)?$|(?:申请|申請|办理|辦理|办|辦|做|弄|搞|提)(?:一个|一個|个|個|一笔|一筆|一下)?$|\b(?:refund|void|for|to)\s+(?:a|an|the|my|our|this|that)?\s*$/.test(before)) return true;
  }
  return false;
}

function* indexesOf(text: string, part: string): Generator<number> {
  for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) yield at;
}

/** The text with the spans blanked (the rest of a message once the values for other slots were taken). */
function blank(text: string, spans: [number, number][]): string {
  let out = text;
  for (const [start, end] of spans) out = out.slice(0, start) + ' '.repeat(end - start) + out.slice(end);
  return out.trim();
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function pickLabel(labels: string[], locale: Locale): string {
  const cjk = labels.find((l) => /[\u4e00-\u9fff]/.test(l));
  const latin = labels.find((l) => !/[\u4e00-\u9fff]/.test(l));
  return (locale === 'en' ? latin : cjk) ?? labels[0]!;
}

/** "from now", "from today" measure a time from today; they name no slot ("3 weeks from today" is no start). */
function withoutFromToday(text: string): string {
  // …nor is the money arriving ("暂停到账", "停到卡上") the day until which the hold lasts ("停到20号").
  return text.replace(/\bfrom\s+(?:now|today)\b/gi, (m) => ' '.repeat(m.length)).replace(/到(?=账|帐|卡|款)/g, ' ');
}

/** Where the message names this slot (its `mentions`, or its type's usual words): the index after the name. */
function mentionAt(slot: Slot, text: string, opts: { ownWordsOnly?: boolean } = {}): number | undefined {
  let at: number | undefined;
  const plain = withoutFromToday(text).toLowerCase();
  for (const word of slot.mentions ?? []) {
    const i = plain.indexOf(word.toLowerCase());
    if (i >= 0 && (at === undefined || i + word.length > at)) at = i + word.length;
  }
  if (at !== undefined || opts.ownWordsOnly) return at;
  const m = TYPE_WORDS[slot.type]?.exec(text);
  return m ? m.index + m[0].length : undefined;
}

/** The message opens by saying a value was wrong, naming no field or only this one ("不对，是一千二百五"). */
function correctsUnnamedOr(flow: Flow, text: string, slot: Slot): boolean {
  const lead = CORRECTION_LEAD.exec(text);
  return lead !== null && !namesField(flow, lead[0], slot);
}

/** Whether the words name one of the flow's fields ("电话错了"), other than `except`. */
function namesField(flow: Flow, words: string, except?: Slot): boolean {
  return flow.slots.some((s) => s !== except && mentionsSlot(s, words));
}

function mentionsSlot(slot: Slot, text: string): boolean {
  return mentionAt(slot, text) !== undefined;
}
