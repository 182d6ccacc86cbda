/**
 * The contract between slot types and the flow engine.
 *
 * A slot type knows one kind of value a flow asks for — a 参考号, a date, an amount — and answers two
 * questions about a merchant's message:
 *
 * - `extract`: which values of this type are written anywhere in a free-text message, with their spans,
 *   so that one message ("昨天下午在3号店刷了1280元，凭证号000123，想撤销") can fill several slots. It is
 *   cautious: only what is clearly of this type (a label next to it, a currency marker, an unambiguous
 *   length), and only valid values; nothing is reported for a value that fails validation.
 * - `parse`: the merchant's answer to this slot's own prompt, where the whole message is meant as the value.
 *   It is lenient about form (a bare number is an amount here) and, when it refuses, says exactly why, in
 *   both languages, with a stable reason code the engine and the tests can rely on.
 *
 * Slot types never accept or keep a full card number, and there is no type for CVV, PIN, expiry dates or
 * passwords (README, "Card data and privacy").
 */
import type { Locale } from '../../core/locale.js';

export type SlotLocale = Locale;

export interface SlotContext {
  /** The current instant; "today" is computed from it in `timeZone`, never from the process time zone. */
  now: Date;
  /** IANA time zone of the merchant, e.g. 'Asia/Shanghai'. */
  timeZone: string;
  locale: SlotLocale;
  options?: SlotOptions;
}

export interface SlotOptions {
  /** `enum`: the choices, each with an id (the value) and labels (zh and en synonyms; the first is shown). */
  values?: { id: string; labels: string[]; answers?: 'yes' | 'no' }[];
  /** `text`: most characters (default 500). */
  maxLength?: number;
  /** `text`: fewest characters (default 2). */
  minLength?: number;
  /** `date`: the oldest accepted date is today minus this many days. */
  maxAgeDays?: number;
  /**
   * `date`: accept dates after today (a planned start or resume date). Without it a later date is refused
   * (`date.future`), as a transaction date must be. With it, a date missing its year, month or week
   * (11月20日, 20号, 周五) is read as the nearest such day rather than the most recent.
   */
  allowFuture?: boolean;
  /**
   * `date`: a day planned from today on (the flow refuses an earlier one). A date missing its year, month
   * or week is then read as the nearest such day that is not past ("27号" said on the 6th: this month's).
   */
  notPast?: boolean;
  /** `amount`: the largest accepted amount, in yuan (元) as a merchant writes it (the value is in fen). */
  maxAmount?: number;
}

export type Invalid = {
  ok: false;
  /** Stable code, `<type>.<problem>`, e.g. 'reference_no.length'. */
  reason: string;
  /** What the merchant reads: names the problem and, where it helps, what was typed (never card digits). */
  message: { 'zh-CN': string; en: string };
};

export type Valid<T> = {
  ok: true;
  value: T;
  /** How the confirmation summary shows the value (zh-CN). */
  display: string;
};

export interface Found<T> {
  value: T;
  display: string;
  /** Span of the value in the original text (UTF-16 offsets, `end` exclusive). */
  start: number;
  end: number;
  /**
   * Read from its length alone, without a label (an 8-digit run taken for the terminal), or an option read
   * by its sound or a spelling slip ("装秀" for 装修): good enough to fill an empty slot, never to change a
   * value already given.
   */
  guessed?: boolean;
}

export interface SlotType<T = unknown> {
  name: string;
  /** Values of this type found anywhere in a free-text message (for filling several slots from one message). */
  extract(text: string, ctx: SlotContext): Found<T>[];
  /** The merchant's answer to this slot's own prompt: the whole message is meant as this value. */
  parse(text: string, ctx: SlotContext): Valid<T> | Invalid;
}

/** Registry by name (defined in `registry.ts`; re-exported here so the contract is one import). */
export { SLOT_TYPES } from './registry.js';
