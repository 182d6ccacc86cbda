/**
 * `date`: a calendar day in the merchant's time zone, value ISO `YYYY-MM-DD`, display `2026年11月20日`.
 *
 * ```ts
 * SLOT_TYPES.date.parse('上周五', { now: new Date('2026-11-25T04:00:00Z'), timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
 * // → { ok: true, value: '2026-11-20', display: '2026年11月20日' }
 * ```
 *
 * Forms: 今天/昨天/前天/大前天; 3天前/三天前; 上周五/上周5/上个星期五/上上周一/这周一/本周三/周三 (weeks
 * start on Monday; 周三 alone is the most recent one); 11月20日/11月20号/十一月二十日/11-20/11.20/11/20 (this
 * year, or last year if that would be in the future); 2026-11-20/2026/11/20/2026.11.20/2026年11月20日/
 * 20261120; 20号 (this month, or last month); 上个月20号; English today, yesterday, 3 days ago, last Friday
 * (the most recent Friday before today), Friday, this Monday, Nov 20, 20 Nov, November 20th, 2026.
 *
 * Refused: a day that does not exist (2月30日), a date later than today — also when said as 明天, 后天, 下周一,
 * 3天后, tomorrow, next Friday, in 3 days: those are understood so the refusal can name the day — and a date
 * older than `options.maxAgeDays`. With `options.allowFuture` (a planned start or resume date) later dates
 * are accepted and a date missing its year, month or week is the nearest such day.
 *
 * "Today" is the calendar day of `ctx.now` in `ctx.timeZone` (Intl), never the process time zone: at
 * 00:30 in Shanghai it is already the next day there while UTC is still on the previous one.
 */
import { editDistance } from '../../knowledge/english-speller.js';
import { idLabelBefore } from './labels.js';
import { invalid } from './messages.js';
import { dropOverlaps, normalize, originalSpan, trimAnswer } from './normalize.js';
import { parseSmallInt } from '../../core/numerals.js';
import type { Found, Invalid, SlotContext, SlotType, Valid } from './types.js';
import type { Locale } from '../../core/locale.js';

// ── Calendar arithmetic on day numbers (days since 1970-01-01) ─────────────────────────────────────

const DAY_MS = 86_400_000;

export interface Ymd {
  y: number;
  m: number;
  d: number;
}

function dayNumber(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

function fromDayNumber(n: number): Ymd {
  const date = new Date(n * DAY_MS);
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
}

/** Monday = 1 … Sunday = 7. */
function weekday(n: number): number {
  return ((new Date(n * DAY_MS).getUTCDay() + 6) % 7) + 1;
}

function exists(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  return fromDayNumber(dayNumber(y, m, d)).d === d;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Today's day number in `timeZone`. */
export function todayIn(now: Date, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(timeZone, f);
  }
  const part = (type: string): number => Number(f.formatToParts(now).find((p) => p.type === type)?.value);
  return dayNumber(part('year'), part('month'), part('day'));
}

export function isoOf(n: number): string {
  const { y, m, d } = fromDayNumber(n);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function displayOf(n: number): string {
  const { y, m, d } = fromDayNumber(n);
  return `${y}年${m}月${d}日`;
}

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function displayEnOf(n: number): string {
  const { y, m, d } = fromDayNumber(n);
  return `${d} ${MONTHS_EN[m - 1]} ${y}`;
}

/** A date value (ISO `YYYY-MM-DD`) as shown to a merchant: `2026年11月20日`, or `20 Nov 2026` in English. */
export function displayIso(iso: string, locale: Locale): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return undefined;
  const n = dayNumber(Number(m[1]), Number(m[2]), Number(m[3]));
  return locale === 'en' ? displayEnOf(n) : displayOf(n);
}

// ── Patterns ──────────────────────────────────────────────────────────────────────────────────────────

/** What a pattern understood: a day, or a day that does not exist (2月30日), shown as typed. */
/** `guessed`: a day no word names, only implied ("下午那笔": today) — it fills an empty slot, never changes one. */
type Reading = { day: number; guessed?: boolean } | { nonexistent: { zh: string; en: string } };

/** A day named right after "at once" ("越快越好，明天吧") or right before it ("明天吧 越快越好"). */
const DAY_BESIDE_AT_ONCE = /^[\s，,、。.!！~]*(?:那就|那|就|最好|争取)?(?:从)?(?:今天|明天|后天|\d{1,2}\s*[号日]|[一二三四五六七八九十]{1,3}[号日]|下?个?(?:周|星期|礼拜|里拜|礼摆|里摆|利拜|星其|新期)[一二三四五六日天1-7]|tomorrow|today)/i;
const DAY_BEFORE_AT_ONCE = /(?:今天|明天|后天|\d{1,2}\s*[号日]|[一二三四五六七八九十]{1,3}[号日]|(?:周|星期|礼拜|里拜|礼摆|里摆|利拜|星其|新期)[一二三四五六日天1-7]|tomorrow|today)(?:吧|就|开始|起)?[\s，,、。.!！~]*(?:反正|总之)?$/i;

interface Env {
  today: number;
  /** `options.allowFuture`: dates after today are accepted, and a day without year/month/week is the nearest one. */
  future: boolean;
  /**
   * `options.notPast` (a day planned ahead): of the readings of an incomplete date, the nearest not in the
   * past — "27号再开门" said on the 6th is this month's 27th, not last month's.
   */
  ahead: boolean;
  /** Parsing the whole answer (more lenient) rather than extracting from free text. */
  whole: boolean;
  text: string;
}

interface Pattern {
  re: RegExp;
  read(m: RegExpExecArray, env: Env): Reading | undefined;
}

const NUM = '(?:\\d{1,2}|[零〇一二两三四五六七八九十]{1,3})';
const MONTH_NAMES =
  'january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec';
const WEEKDAYS_EN = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const WEEKDAY_ABBR_EN = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function monthOfName(name: string): number {
  return MONTHS_EN.findIndex((abbr) => name.toLowerCase().startsWith(abbr.toLowerCase())) + 1;
}

function weekdayOfCn(c: string): number {
  return c === '日' || c === '天' ? 7 : /\d/.test(c) ? Number(c) : '一二三四五六'.indexOf(c) + 1;
}

function weekdayOfEn(name: string): number {
  const w = name.toLowerCase().slice(0, 3);
  return WEEKDAY_ABBR_EN.indexOf(w) + 1;
}

function ymd(y: number, m: number, d: number): Reading {
  if (!exists(y, m, d)) return { nonexistent: { zh: `${y}年${m}月${d}日`, en: `${d} ${MONTHS_EN[m - 1] ?? `month ${m}`} ${y}` } };
  return { day: dayNumber(y, m, d) };
}

/** Of several readings of an incomplete date, the one nearest to today (a later one on a tie; `ahead`: not a past one). */
function nearest(days: number[], today: number, ahead = false): number {
  const coming = ahead ? days.filter((d) => d >= today) : [];
  return (coming.length > 0 ? coming : days).reduce((best, d) => {
    const a = Math.abs(d - today);
    const b = Math.abs(best - today);
    return a < b || (a === b && d > best) ? d : best;
  });
}

/**
 * Month and day without a year: this year, or last year if this year's would be in the future. With
 * `allowFuture`, the nearest of last, this and next year's ("3月1日" said in November is next March).
 */
function monthDay(m: number | undefined, d: number | undefined, env: Env): Reading | undefined {
  if (m === undefined || d === undefined || m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const { y } = fromDayNumber(env.today);
  const years = (env.future ? [y - 1, y, y + 1] : [y, y - 1]).filter((year) => exists(year, m, d));
  if (years.length === 0) return { nonexistent: { zh: `${m}月${d}日`, en: `${d} ${MONTHS_EN[m - 1]}` } };
  const days = years.map((year) => dayNumber(year, m, d));
  return { day: env.future ? nearest(days, env.today, env.ahead) : (days.find((day) => day <= env.today) ?? days[0]!) };
}

/** The `d`th of the month `offset` months from this one, if that day exists. */
function dayInMonth(d: number, offset: number, env: Env): number | undefined {
  const t = fromDayNumber(env.today);
  const first = new Date(Date.UTC(t.y, t.m - 1 + offset, 1));
  const y = first.getUTCFullYear();
  const m = first.getUTCMonth() + 1;
  return exists(y, m, d) ? dayNumber(y, m, d) : undefined;
}

/**
 * Day of month: of the month `offset` away (上个月 -1, 这个月 0, 下个月 +1), or, said alone ('bare'), this
 * month, or last month if that would be in the future (with `allowFuture`: the nearest).
 */
function dayOfMonth(d: number | undefined, offset: number | 'bare', env: Env): Reading | undefined {
  if (d === undefined || d < 1 || d > 31) return undefined;
  let day: number | undefined;
  let tried = offset === 'bare' ? 0 : offset; // the month named when the day does not exist in it
  if (offset !== 'bare') day = dayInMonth(d, offset, env);
  else if (env.future) {
    const days = [-1, 0, 1].map((o) => dayInMonth(d, o, env)).filter((x): x is number => x !== undefined);
    day = days.length > 0 ? nearest(days, env.today, env.ahead) : undefined;
  } else {
    const thisMonth = dayInMonth(d, 0, env);
    if (thisMonth !== undefined && thisMonth <= env.today) day = thisMonth;
    else if (d > fromDayNumber(env.today).d) {
      tried = -1;
      day = dayInMonth(d, -1, env);
    }
  }
  if (day === undefined) {
    const t = fromDayNumber(env.today);
    const m = new Date(Date.UTC(t.y, t.m - 1 + tried, 1)).getUTCMonth() + 1;
    return { nonexistent: { zh: `${m}月${d}日`, en: `${d} ${MONTHS_EN[m - 1]}` } };
  }
  return { day };
}

/** A weekday said alone (周五, Friday): the most recent one (with `allowFuture`: the nearest). */
function bareWeekday(w: number, env: Env): number {
  const back = (weekday(env.today) - w + 7) % 7;
  if (env.future && (back > 3 || (env.ahead && back > 0))) return env.today + (7 - back);
  return env.today - back;
}

function fullYear(y: string): number | undefined {
  const n = /^\d+$/.test(y) ? Number(y) : parseSmallInt(y);
  if (n === undefined) return undefined;
  return y.length === 2 ? 2000 + n : n;
}

/** Monday of the week containing day n. */
function monday(n: number): number {
  return n - (weekday(n) - 1);
}

/**
 * Text that may follow a date in free text: end, punctuation, a time of day, or what happened then
 * ("12号歇业", "27号再开门", "15号要住院", "20号以后", "31号装好了就恢复", "8号搬走") — not a table or a counter number ("3号桌").
 */
const FOLLOWS_DATE = /^(?:$|\s*[（(]?\s*(?:周|星期|礼拜|里拜|星其)[一二三四五六日天1-7]|[\s,.;!?:)、。，；！？）]|[日号的在刷消交下上晚中早凌那当做办开起停恢至到歇休关再复重营回返以之前后要就才还会准打新装搬进来去走完左结过换给有]|[a-z])/i;
/** A verb of lasting just before a count of days ("用了三日", "住咗两日"). */
const LASTED_BEFORE = /[用住等过放坏停关歇休玩](?:了|咗|过)?$|(?:为期|共计|历时|期限为?)$/;
/** An amount just before: "¥11.20", "金额12.5" are not dates. */
const AMOUNT_BEFORE = /(?:[¥$]|rmb|cny|金额|刷了|刷卡|消费了?|收款|收了|付了|支付了?|一共|共计|总共|amount|paid)\s*(?:[:是为]\s*)?$/i;
/** Units after a number that make it not a date ("3.5小时", "11.20元", "the 1.2k sale"). */
const NOT_DATE_AFTER = /^\s*(?:[元块万角毛分%倍折个次笔张]|小时|分钟|yuan|rmb|hours?|mins?|minutes?|[kw](?![a-z]))/i;

function freeNumberContext(env: Env, start: number, end: number): boolean {
  const before = env.text.slice(Math.max(0, start - 12), start);
  const after = env.text.slice(end);
  if (AMOUNT_BEFORE.test(before) || NOT_DATE_AFTER.test(after) || idLabelBefore(env.text, start)) return false;
  return env.whole || FOLLOWS_DATE.test(after);
}

const RELATIVE_DAYS: Record<string, number> = {
  大前天: -3, 前天: -2, 昨天: -1, 昨日: -1, 今天: 0, 今日: 0, 明天: 1, 明日: 1, 后天: 2, 大后天: 3,
  // Northern speech: 昨儿个, 今儿, 明儿
  大前儿个: -3, 大前儿: -3, 前儿个: -2, 前儿: -2, 昨儿个: -1, 昨儿: -1, 今儿个: 0, 今儿: 0, 明儿个: 1, 明儿: 1, 后儿个: 2, 后儿: 2, 大后儿个: 3, 大后儿: 3,
  // Cantonese, as typed: 前日, 寻日/琴日 (yesterday), 听日 (tomorrow); traditional forms arrive simplified
  大前日: -3, 前日: -2, 寻日: -1, 琴日: -1, 噚日: -1, 听日: 1, 后日: 2, 大后日: 3,
  // The evening or morning of another day: 昨晚 (last night), 前晚, 明早 (today's are read below)
  昨晚: -1, 昨夜: -1, 前晚: -2, 明早: 1, 明晚: 1,
};
/** Days in the units of "两周后", "一个月后", "3 weeks from now". */
const UNIT_DAYS: Record<string, number> = { 周: 7, 星期: 7, 礼拜: 7, 个星期: 7, 个礼拜: 7, 个月: 30, 月: 30, 半个月: 15 };
const WEEK_OFFSET: Record<string, number> = { 上上: -2, 上: -1, 这: 0, 本: 0, 下: 1, 下下: 2 };
const YEAR_OFFSET: Record<string, number> = { 前年: -2, 去年: -1, 今年: 0, 明年: 1, 后年: 2 };
const MONTH_OFFSET: Record<string, number> = { 上上: -2, 上: -1, 这: 0, 本: 0, 下: 1, 下下: 2 };

/** Holidays a merchant names a day by ("平安夜那天走", "双十一那单"). */
const FIXED_HOLIDAYS: [RegExp, number, number][] = [
  [/^(?:元旦|new year'?s(?: day)?)$/i, 1, 1],
  [/^(?:情人节|valentine'?s day)$/i, 2, 14],
  [/^(?:五一|劳动节)$/, 5, 1],
  [/^国庆节?$/, 10, 1],
  [/^双十一$/, 11, 11],
  [/^双十二$/, 12, 12],
  [/^(?:平安夜|christmas eve)$/i, 12, 24],
  [/^(?:圣诞节?|christmas(?: day)?)$/i, 12, 25],
  [/^(?:跨年夜|new year'?s eve)$/i, 12, 31],
];
/**
 * 冬至 by year (a solar term: 21 or 22 December in China's calendar). The lunar festivals (春节, 元宵) are
 * left out: merchants name them for a stretch of days ("春节回老家"), not for one.
 */
const WINTER_SOLSTICE: Record<number, [number, number]> = { 2025: [12, 21], 2026: [12, 22], 2027: [12, 22], 2028: [12, 21], 2029: [12, 21], 2030: [12, 22] };
/** Holidays counted by weekday: Thanksgiving (the 4th Thursday of November) and the Friday after it. */
const COUNTED_HOLIDAYS: [RegExp, (y: number) => number][] = [
  [/^thanksgiving(?: day)?$/i, (y) => thanksgiving(y)],
  [/^black friday$/i, (y) => thanksgiving(y) + 1],
];
function thanksgiving(y: number): number {
  const first = dayNumber(y, 11, 1);
  return first + ((4 - weekday(first) + 7) % 7) + 21;
}
const HOLIDAY_NAMES = String.raw`black\s+friday|thanksgiving(?:\s+day)?|元旦|new\s+year'?s\s+eve|new\s+year'?s(?:\s+day)?|情人节|valentine'?s\s+day|五一|劳动节|国庆节?|双十一|双十二|平安夜|christmas(?:\s+(?:eve|day))?|圣诞节?|跨年夜|冬至`;

/** How long ago a holiday may be to name the day of a sale. */
const HOLIDAY_PAST_DAYS = 62;

/** The day a holiday falls on nearest today: the coming one (`future`), else the last one. */
function holidayNear(said: string, env: Env): number | undefined {
  const name = said.replace(/\s+/g, ' ');
  const fixed = FIXED_HOLIDAYS.find(([re]) => re.test(name));
  const counted = COUNTED_HOLIDAYS.find(([re]) => re.test(name));
  const dayIn = (y: number): number | undefined => {
    if (fixed) return dayNumber(y, fixed[1], fixed[2]);
    if (counted) return counted[1](y);
    const md = name === '冬至' ? WINTER_SOLSTICE[y] : undefined;
    return md ? dayNumber(y, md[0], md[1]) : undefined;
  };
  const { y } = fromDayNumber(env.today);
  const days = [y - 1, y, y + 1].map(dayIn).filter((d): d is number => d !== undefined);
  const wanted = env.future ? days.filter((d) => d >= env.today) : days.filter((d) => d <= env.today);
  return env.future ? wanted[0] : wanted.at(-1);
}

const PATTERNS: Pattern[] = [
  // 2026年11月20日, 二〇二六年十一月二十日, 26年11月20号
  {
    re: new RegExp(`(\\d{4}|\\d{2}|[零〇一二三四五六七八九]{4})\\s*年\\s*(${NUM})\\s*月\\s*(${NUM})\\s*[日号]?`, 'g'),
    read: (m) => {
      const y = fullYear(m[1]!);
      const mo = parseSmallInt(m[2]!);
      const d = parseSmallInt(m[3]!);
      return y === undefined || mo === undefined || d === undefined ? undefined : ymd(y, mo, d);
    },
  },
  // 2026-11-20, 2026/11/20, 2026.11.20
  {
    re: /(?<![\d.,/\-a-z¥$])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d]|[.,/-]\d)/gi,
    read: (m) => ymd(Number(m[1]), Number(m[3]), Number(m[4])),
  },
  // 20261120: anywhere when it is the whole answer; in free text only a recent year and a free number.
  {
    re: /(?<![\d\-a-z])(\d{4})(\d{2})(\d{2})(?!\d)/gi,
    read: (m, env) => {
      const y = Number(m[1]);
      const thisYear = fromDayNumber(env.today).y;
      if (!env.whole && (y < thisYear - 2 || y > thisYear || !freeNumberContext(env, m.index, m.index + m[0].length))) return undefined;
      if (y < 1900 || y > 2100) return undefined;
      return ymd(y, Number(m[2]), Number(m[3]));
    },
  },
  // 去年12月30号, 今年3月1日, 明年1月5日 (a suspension's resume date), 前年/后年
  {
    re: new RegExp(`(前年|去年|今年|明年|后年)\\s*(${NUM})\\s*月\\s*(${NUM})\\s*[日号]?`, 'g'),
    read: (m, env) => {
      const mo = parseSmallInt(m[2]!);
      const d = parseSmallInt(m[3]!);
      const y = fromDayNumber(env.today).y + YEAR_OFFSET[m[1]!]!;
      return mo === undefined || d === undefined ? undefined : ymd(y, mo, d);
    },
  },
  // 11月20日, 11月20号, 11月20, 十一月二十日
  {
    // Not the month of a year said with it (2026年2月20号, 明年2月20号: read above); "过完年2月20号" has none.
    re: new RegExp(`(?<!\\d)(?<!(?:\\d|[零〇一二三四五六七八九]|前|去|今|明|后)\\s*年\\s*)(${NUM})\\s*月\\s*(${NUM})(?:\\s*[日号])?(?![\\d])`, 'g'),
    read: (m, env) => monthDay(parseSmallInt(m[1]!), parseSmallInt(m[2]!), env),
  },
  // 21.12. (day first, a dot after the month, as German and much of Europe write it; "21.12" where the first
  // number cannot be a month) — in Chinese text only where it cannot be a month.
  {
    re: /(?<![\d.,/\-a-z¥$])(\d{1,2})\.(\d{1,2})(\.)?(?![\d]|[.,]\d)/gi,
    read: (m, env) => {
      const [day, month] = [Number(m[1]), Number(m[2])];
      const dayFirst = day > 12 || (m[3] !== undefined && !/[\u4e00-\u9fff]/.test(env.text));
      return dayFirst && freeNumberContext(env, m.index, m.index + m[0].length) ? monthDay(month, day, env) : undefined;
    },
  },
  // 11-20, 11.20, 11/20 (not an amount, a decimal of something else, or a labelled number)
  {
    re: /(?<![\d.,/\-a-z¥$])(\d{1,2})([-/.])(\d{1,2})(?![\d]|[.,/-]\d)/gi,
    read: (m, env) =>
      freeNumberContext(env, m.index, m.index + m[0].length) ? monthDay(Number(m[1]), Number(m[3]), env) : undefined,
  },
  // Nov 20, November 20th, Nov. 20, 2026
  {
    re: new RegExp(`(?<![a-z])(${MONTH_NAMES})(?![a-z])\\.?\\s*(\\d{1,2})(?:st|nd|rd|th)?(?![\\d])(?:,?\\s*(\\d{4})(?!\\d))?`, 'gi'),
    read: (m, env) =>
      m[3] !== undefined ? ymd(Number(m[3]), monthOfName(m[1]!), Number(m[2])) : monthDay(monthOfName(m[1]!), Number(m[2]), env),
  },
  // 20 Nov, 20th of November 2026
  {
    re: new RegExp(`(?<![\\d.])(\\d{1,2})(?:st|nd|rd|th)?\\s*(?:of\\s+)?(${MONTH_NAMES})(?![a-z])\\.?(?:,?\\s*(\\d{4})(?!\\d))?`, 'gi'),
    read: (m, env) =>
      m[3] !== undefined ? ymd(Number(m[3]), monthOfName(m[2]!), Number(m[1])) : monthDay(monthOfName(m[2]!), Number(m[1]), env),
  },
  // 上个礼拜的今天: a week ago to the day (its 今天 is no day of its own).
  {
    re: /上个?(?:礼拜|星期|周)的?(?:今天|今日|这天|这一天|同一天)/g,
    read: (_m, env) => ({ day: env.today - 7 }),
  },
  // 今天, 昨天, 前天, 大前天; 明天, 后天, 大后天 (future: refused unless `allowFuture`)
  {
    re: /大前天|前天|大前儿个|大前儿|前儿个|前儿|大前日|前日|昨天|昨日|寻日|琴日|噚日|昨儿个|昨儿|昨晚|昨夜|前晚|今天|今日|今儿个|今儿|大后天|后天|大后日|后日|大后儿个|大后儿|后儿个|后儿|明天|明日|听日|明儿个|明儿|明早|明晚/g,
    read: (m, env) => ({ day: env.today + RELATIVE_DAYS[m[0]]! }),
  },
  // today, yesterday, the day before yesterday, tomorrow, the day after tomorrow — and as phones type
  // them (yday, yest, tmrw, tmr, 2moro, 2day)
  {
    re: /(?<![a-z0-9])(?:(?:the\s+)?day\s+(?:before\s+(?:yesterday|yesterdy|yday|yest)|after\s+(?:tomorrow|tomorow|tmrw|tmr|tmw|2moro|2morrow))|yesterday|yesterdy|yday|yest|today|tday|2day|tomorrow|tomorow|tmrw|tmr|tmw|2moro|2morrow)(?![a-z])/gi,
    read: (m, env) => {
      const t = m[0].toLowerCase();
      const offset = t.includes('before')
        ? -2
        : t.includes('after')
          ? 2
          : /^(?:yesterday|yesterdy|yday|yest)$/.test(t)
            ? -1
            : /^(?:tomorrow|tomorow|tmrw|tmr|tmw|2moro|2morrow)$/.test(t)
              ? 1
              : 0;
      return { day: env.today + offset };
    },
  },
  // …and with one typo in the long words ("yestreday", "tomorow" aside, "yesturday", "tommorrow").
  {
    re: /(?<![a-z0-9])[yt][a-z]{5,9}(?![a-z])/gi,
    read: (m, env) => {
      const t = m[0].toLowerCase();
      if (t === 'yesterday' || t === 'tomorrow') return undefined; // as written: the pattern above
      if (editDistance(t, 'yesterday', 1) <= 1) return { day: env.today - 1 };
      if (editDistance(t, 'tomorrow', 1) <= 1) return { day: env.today + 1 };
      return undefined;
    },
  },
  // Earlier today: a sale 刚才/刚刚 swiped, 早上/下午 swiped (no other day named), 半小时前, 两个小时前, 今早,
  // 今天上午; just now, this morning, 10 min ago. 刚才 alone is not a date ("刚才说错了"): only with the sale
  // it tells of, and not "就刚才那笔 昨天刷的480": "the one just mentioned", whose day is named after it.
  {
    re: /(?:(?:刚才|刚刚|啱啱|头先|頭先)(?![^，。,.!！?？]{0,8}(?:昨|前天|上周|上个?星期|上礼拜|\d{1,2}\s*[号日]|(?:\d{1,3}|[一二两三四五六七八九十]{1,3})\s*天前)(?!前))|(?<![昨前天日周期拜号\d])(?:早上|上午|中午|下午))(?=[^，。,.!！?？]{0,12}(?:刷|碌|那笔|一笔|那單|消费|收款|付款|付了|结账|结的账|买单|埋单))|刚(?=[刷付收碌])|(?:\d{1,3}|[一二两三四五六七八九十半]{1,3})\s*(?:个)?(?:分钟|小时|鐘頭|钟头|个钟)(?:之|以)?前|今早|今晚|今天(?:早上|上午|中午|下午|晚上)|(?<![a-z])(?:just now|earlier today|this (?:morning|afternoon|evening)|\d{1,3}\s*(?:min|mins|minutes?|hrs?|hours?)\s+ago)(?![a-z])/gi,
    // "下午4点07那笔" said of one of two sales whose day was given before: which sale, not which day.
    read: (m, env) => ({ day: env.today, ...(/^(?:早上|上午|中午|下午)$/.test(m[0]) ? { guessed: true } : {}) }),
  },
  // 3天前, 三天前, 两日前, 3天之前; 3天后, 三天以后 (not "营业一天 后天开始": 后天 and 前天 are days of their own;
  // nor "这两天后台看…": these days, then the back office — 后台, 后面, 后边, 后头 are no "later")
  {
    re: new RegExp(`(?<![这那近头前])(\\d{1,3}|[零〇一二两三四五六七八九十百]{1,4})\\s*(?:天|日)\\s*(以前|之前|前(?![天年])|以后|之后|后(?![天年台面边头门]))`, 'g'),
    read: (m, env) => {
      const n = parseSmallInt(m[1]!);
      return n === undefined ? undefined : { day: env.today + (m[2]!.endsWith('前') ? -n : n) };
    },
  },
  // 两周后, 一个星期以后, 一个月后, 半个月后; 两周前 (weeks and months as days: a planned hold's end)
  {
    re: new RegExp(`(?:(\\d{1,2}|[一二两三四五六七八九十]{1,3})\\s*(个星期|个礼拜|周|星期|礼拜|个月)|(半个月))\\s*(以前|之前|前(?![天年])|以后|之后|后(?![天年]))`, 'g'),
    read: (m, env) => {
      const n = m[3] ? 1 : parseSmallInt(m[1]!);
      const unit = UNIT_DAYS[m[3] ?? m[2]!];
      if (n === undefined || unit === undefined) return undefined;
      // A sale months ago is remembered roughly ("两个月前"): the slip's day, when it comes, is the day.
      return { day: env.today + (m[4]!.endsWith('前') ? -n * unit : n * unit), ...(m[4]!.endsWith('前') && unit === 30 ? { guessed: true } : {}) };
    },
  },
  // in 3 weeks, 2 weeks from now (or from today), in a month
  {
    re: /(?<![a-z\d])(?:in\s+)(\d{1,2}|a|one|two|three|four|five|six)\s+(weeks?|months?)(?![a-z])|(?<![a-z\d])(\d{1,2}|a|one|two|three|four|five|six)\s+(weeks?|months?)\s+(?:later|from\s+(?:now|today))(?![a-z])/gi,
    read: (m, env) => {
      const words = ['a', 'one', 'two', 'three', 'four', 'five', 'six'];
      const w = (m[1] ?? m[3]!).toLowerCase();
      const n = /\d/.test(w) ? Number(w) : Math.max(1, words.indexOf(w));
      const unit = (m[2] ?? m[4]!).toLowerCase().startsWith('week') ? 7 : 30;
      return { day: env.today + n * unit };
    },
  },
  // 一个半月前 (a month and a half, as 45 days); 2 weeks ago, a month ago, one and a half months ago,
  // a month and a half ago — weeks and months as 7 and 30 days
  {
    re: new RegExp(`(\\d{1,2}|[一二两三四五六七八九十]{1,3})\\s*个半月(?:以前|之前|前)`, 'g'),
    read: (m, env) => {
      const n = parseSmallInt(m[1]!);
      return n === undefined ? undefined : { day: env.today - (n * 30 + 15), guessed: true };
    },
  },
  {
    re: /(?<![a-z\d])(\d{1,2}|a|an|one|two|three|four|five|six)(\s+and\s+(?:a\s+)?half)?\s+(weeks?|months?)(\s+and\s+a\s+half)?\s+ago(?![a-z])/gi,
    read: (m, env) => {
      const words = ['a', 'one', 'two', 'three', 'four', 'five', 'six'];
      const w = m[1]!.toLowerCase();
      const n = /\d/.test(w) ? Number(w) : w === 'an' ? 1 : Math.max(1, words.indexOf(w));
      const unit = /^week/i.test(m[3]!) ? 7 : 30;
      return { day: env.today - Math.round((n + (m[2] || m[4] ? 0.5 : 0)) * unit), guessed: true };
    },
  },
  // 3 days ago, three days ago; in 3 days, 3 days later
  {
    re: /(?<![a-z\d])(?:(in)\s+)?(\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten)\s+days?(?:\s+(ago|later|from\s+(?:now|today)))?(?![a-z])/gi,
    read: (m, env) => {
      if (m[1] === undefined && m[3] === undefined) return undefined; // "3 days" is a duration, not a date
      const words = ['a', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
      const w = m[2]!.toLowerCase();
      const n = /\d/.test(w) ? Number(w) : Math.max(1, words.indexOf(w));
      return { day: env.today + (m[3]?.toLowerCase() === 'ago' ? -n : n) };
    },
  },
  // 上周五, 上周5, 上个星期五, 上上周一, 这周一, 本周三, 这个礼拜天, 下周一; 周三 alone (the most recent one)
  {
    re: /(上上|上|这|本|下下|下)?\s*(?:个)?\s*(?:周|星期|礼拜|里拜|礼摆|里摆|利拜|星其|新期)\s*([一二三四五六日天1-7])(?!\d)(?!\s*个)/g,
    read: (m, env) => {
      const w = weekdayOfCn(m[2]!);
      const week = m[1] === undefined ? undefined : WEEK_OFFSET[m[1]]!;
      return { day: week === undefined ? bareWeekday(w, env) : monday(env.today) + 7 * week + w - 1 };
    },
  },
  // last Friday (the most recent before today), this Monday (this week's), next Monday (the first after
  // today), Friday / on Friday (the most recent)
  {
    re: new RegExp(
      `(?<![a-z])(?:(last|this|past|on|next|coming|this\\s+coming)\\s+)?(${WEEKDAYS_EN.join('|')})(?![a-z])|(?<![a-z])(last|this|next)\\s+(${WEEKDAY_ABBR_EN.join('|')}|tues|thur|thurs)\\.?(?![a-z])`,
      'gi',
    ),
    read: (m, env) => {
      const which = (m[1] ?? m[3] ?? '').toLowerCase();
      const w = weekdayOfEn(m[2] ?? m[4]!);
      const back = (weekday(env.today) - w + 7) % 7; // days back to the most recent such day (0 = today)
      if (which === 'this') return { day: monday(env.today) + w - 1 };
      if (which === 'last' || which === 'past') return { day: env.today - (back === 0 ? 7 : back) };
      if (which === 'next' || which.includes('coming')) return { day: env.today + (7 - back) };
      return { day: bareWeekday(w, env) };
    },
  },
  // A planned day said as "at once" ("马上", "即日起", "越快越好", "ASAP"): today. Only where later days are
  // asked for (`allowFuture`): of a sale, "现在要退" says nothing of its day.
  {
    // …unless a day is named right beside it ("越快越好，明天吧", "尽快 12号就停"): that day is the one meant.
    re: /马上|立刻|立即|即日起|即刻|越快越好|尽快|尽早|现在就|(?<![a-z])(?:asap|right away|right now|immediately|as soon as possible|effective today)(?![a-z])/gi,
    read: (m, env) => {
      if (!env.future) return undefined;
      const after = env.text.slice(m.index + m[0].length, m.index + m[0].length + 10);
      const before = env.text.slice(Math.max(0, m.index - 10), m.index);
      return DAY_BESIDE_AT_ONCE.test(after) || DAY_BEFORE_AT_ONCE.test(before) ? undefined : { day: env.today };
    },
  },
  // The weekend (周末, 这个周末, 下周末, "this weekend"): its Saturday, the coming one. Only with `allowFuture`.
  {
    re: /(下个?|这个?|本)?(?:周末|礼拜天?末)|(?<![a-z])(this|next)?\s*weekend(?![a-z])/gi,
    read: (m, env) => {
      if (!env.future) return undefined;
      const next = m[1]?.startsWith('下') || m[2]?.toLowerCase() === 'next';
      const saturday = monday(env.today) + 5 + (next ? 7 : 0);
      return { day: saturday >= env.today ? saturday : saturday + 7 };
    },
  },
  // Holidays, the coming one where later days are asked for (`allowFuture`), else the last one (a recent one):
  // 元旦, 平安夜, 冬至, 双十一… ("平安夜那天走", "冬至第二天开始停", "双十一那单"); a day after or before one
  // ("冬至第二天", "the day after Christmas"), and the first weekday after one ("元旦后第一个周一", "the first
  // Monday after New Year's").
  {
    re: new RegExp(
      String.raw`(?:the\s+)?(?:first\s+(?<enWeekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+after\s+|(?<enShift>day\s+(?:after|before))\s+)?(?<name>${HOLIDAY_NAMES})(?:\s*(?:的)?(?<shift>第二天|后一天|次日|前一天|头一天)|\s*(?:过)?(?:后|以后|之后)的?第一个\s*(?:周|星期|礼拜)(?<weekday>[一二三四五六日天1-7]))?`,
      'gi',
    ),
    read: (m, env) => {
      const g = m.groups!;
      // "Every Christmas we go home", "每年平安夜": a habit, no day.
      if (/(?:\bevery|\beach|每年|每逢|每到)\s*$/i.test(env.text.slice(Math.max(0, m.index - 8), m.index))) return undefined;
      const day = holidayNear(g.name!, env);
      // A sale on a holiday is a recent one ("双十一那单"); last year's ("he is in Barcelona for Christmas") is
      // no day of the sale.
      if (day === undefined || (!env.future && env.today - day > HOLIDAY_PAST_DAYS)) return undefined;
      const w = g.weekday ? weekdayOfCn(g.weekday) : g.enWeekday ? weekdayOfEn(g.enWeekday) : undefined;
      if (w !== undefined) return { day: day + (((w - weekday(day) + 6) % 7) + 1) };
      const shift = g.shift ?? g.enShift ?? '';
      return { day: day + (/后|次|第二|after/i.test(shift) ? 1 : /前|头|before/i.test(shift) ? -1 : 0) };
    },
  },
  // A planned day said as the coming week or month ("下周开始装修", "从下个月起", "from next week"): its
  // first day (Monday; the 1st). Only where later days are asked for (`allowFuture`).
  {
    re: /(?:下个?(?:周|星期|礼拜|里拜|礼摆|里摆|利拜|星其|新期)|下周)(?![一二三四五六日天1-7\d])|下个?月(?!\s*(?:\d|[一二三四五六七八九十两]+\s*[号日]))|(?<![a-z])(?:from|starting|start)\s+next\s+(week|month)(?![a-z])/gi,
    read: (m, env) => {
      if (!env.future) return undefined;
      const month = m[1] ? m[1].toLowerCase() === 'month' : m[0].includes('月');
      if (!month) return { day: monday(env.today) + 7 };
      const { y, m: mo } = fromDayNumber(env.today);
      return { day: mo === 12 ? dayNumber(y + 1, 1, 1) : dayNumber(y, mo + 1, 1) };
    },
  },
  // A part of a month named by its number ("停到1月底", "三月初恢复", "2月中旬"): the coming one. Only where later
  // days are asked for (`allowFuture`).
  {
    re: new RegExp(`(?<![\\d.\\-/])(${NUM})\\s*月\\s*(底|末|中旬|中|上旬|初|下旬)`, 'g'),
    read: (m, env) => {
      if (!env.future) return undefined;
      const month = parseSmallInt(m[1]!);
      if (month === undefined || month < 1 || month > 12) return undefined;
      const { y, m: mo } = fromDayNumber(env.today);
      const yy = month < mo ? y + 1 : y;
      const first = dayNumber(yy, month, 1);
      const last = (month === 12 ? dayNumber(yy + 1, 1, 1) : dayNumber(yy, month + 1, 1)) - 1;
      const part = m[2]!;
      const day = /底|末|下旬/.test(part) ? last : /中/.test(part) ? first + 14 : first;
      return day >= env.today ? { day } : undefined;
    },
  },
  // A planned day said as a part of a month ("停到月底", "下个月中旬恢复", "end of the month"): its last day,
  // the 15th, the 1st (月初 said alone is next month's: this month's is mostly gone). Only where later days
  // are asked for (`allowFuture`).
  {
    re: /(?<![\d一二三四五六七八九十两]\s*)(这个?月|本月|下个?月)?\s*(月底|月末|底|中旬|月中|初|月初)(?![\u4e00-\u9fff]*前)|(?<![a-z])(?:the\s+)?(end|middle|start|beginning)\s+of\s+(?:the\s+|this\s+)?(next\s+)?month(?![a-z])/gi,
    read: (m, env) => {
      if (!env.future) return undefined;
      const zhPart = m[2];
      if (zhPart && !m[1] && !/^(?:月底|月末|月中|月初)$/.test(zhPart)) return undefined;
      const next = m[1] ? m[1].startsWith('下') : !!m[4] || zhPart === '月初';
      const part = zhPart ? (/底|末/.test(zhPart) ? 'end' : /中/.test(zhPart) ? 'middle' : 'start') : m[3]!.toLowerCase() === 'end' ? 'end' : m[3]!.toLowerCase() === 'middle' ? 'middle' : 'start';
      const { y, m: mo } = fromDayNumber(env.today);
      const [yy, mm] = next ? (mo === 12 ? [y + 1, 1] : [y, mo + 1]) : [y, mo];
      const first = dayNumber(yy, mm, 1);
      const day = part === 'start' ? first : part === 'middle' ? first + 14 : (mm === 12 ? dayNumber(yy + 1, 1, 1) : dayNumber(yy, mm + 1, 1)) - 1;
      return day >= env.today ? { day } : undefined;
    },
  },
  // 上个月20号, 这个月3号, 本月3日, 下个月1号, 下下个月5号
  {
    re: new RegExp(`(上上|下下|上|这|本|下)\\s*个?\\s*月\\s*(${NUM})\\s*[号日]`, 'g'),
    read: (m, env) => dayOfMonth(parseSmallInt(m[2]!), MONTH_OFFSET[m[1]!]!, env),
  },
  // 20号, 3日 (not 3号店, 3号机): this month, or last month
  {
    re: new RegExp(`(?<![\\d月.\\-/a-z第])(${NUM})\\s*[号日](?!\\d)`, 'gi'),
    // "用咗两日就坏咗", "住了三日": how long, not which day (两 never names one).
    read: (m, env) =>
      !m[1]!.startsWith('两') &&
      !LASTED_BEFORE.test(env.text.slice(Math.max(0, m.index - 3), m.index)) &&
      freeNumberContext(env, m.index, m.index + m[0].length) && FOLLOWS_DATE.test(env.text.slice(m.index + m[0].length))
        ? dayOfMonth(parseSmallInt(m[1]!), 'bare', env)
        : undefined,
  },
  // the 15th, on the 3rd: as 15号 (this month, or last month; with allowFuture the nearest) — not "the 2nd
  // one", "the 3rd swipe": which of several.
  {
    re: /(?<![a-z\d])(?:the\s+)?([1-9]|[12]\d|3[01])(?:st|nd|rd|th)(?![a-z\d])(?!\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))(?!\s+(?:one|time|try|tap|attempt|go|round|sale|transaction|swipe|charge|payment|slip|receipt|card|terminal|machine|customer|table|order|item|copy|photo|bill|invoice|ticket|request|refund|void|floor|branch|shop|store)s?\b)/gi,
    read: (m, env) => dayOfMonth(Number(m[1]), 'bare', env),
  },
];

interface Candidate {
  start: number;
  end: number;
  reading: Reading;
}

/** The end of a range given as a day alone after its start ("下个月1号到15号", "12月10号至20号"). */
const RANGE_END_DAY = new RegExp(`^\\s*(?:到|至|一直到|~|～|-|—|–)\\s*(${NUM})\\s*[号日](?!\\d)`);

function candidates(text: string, env: Env): Candidate[] {
  const all: Candidate[] = [];
  for (const p of PATTERNS) {
    for (const m of text.matchAll(p.re)) {
      const reading = p.read(m as RegExpExecArray, env);
      if (reading !== undefined) all.push({ start: m.index, end: m.index + m[0].length, reading });
    }
  }
  // The range's end is a day of its start's month (of the next one when it comes before the start) — even
  // where a bare "20号店里…" would read as a shop's number.
  const kept = dropOverlaps(all);
  for (const c of [...kept]) {
    if (!('day' in c.reading)) continue;
    const m = RANGE_END_DAY.exec(text.slice(c.end));
    const d = m ? parseSmallInt(m[1]!) : undefined;
    if (!m || d === undefined || d < 1 || d > 31) continue;
    const start = fromDayNumber(c.reading.day);
    const [y, mo] = d > start.d ? [start.y, start.m] : start.m === 12 ? [start.y + 1, 1] : [start.y, start.m + 1];
    if (!exists(y, mo, d)) continue;
    const end: Candidate = { start: c.end + m[0].indexOf(m[1]!), end: c.end + m[0].length, reading: { day: dayNumber(y, mo, d) } };
    // It replaces the day read alone at the same place (this month's 5号 after "12月28号到").
    const at = kept.findIndex((k) => k.start < end.end && end.start < k.end);
    if (at >= 0) kept.splice(at, 1, end);
    else kept.push(end);
  }
  kept.sort((a, b) => a.start - b.start);
  // "12月14号礼拜一", "4号（周一）": a day and its weekday are one day. The weekday tells which month a day
  // said alone is in ("4号礼拜一开工" said in December: January's 4th, a Monday).
  for (let i = 0; i + 1 < kept.length; i++) {
    const c = kept[i]!;
    const next = kept[i + 1]!;
    // (…with the bracket that closes it: "4号（周五）".)
    const w = WEEKDAY_AFTER.exec(text.slice(c.end, next.end) + (/^[)）]/.test(text.slice(next.end)) ? text[next.end] : ''));
    if (!w || !('day' in c.reading)) continue;
    kept.splice(i + 1, 1);
    kept[i] = { ...c, end: c.end + w[0].length };
    const alone = DAY_ALONE.exec(text.slice(c.start, c.end));
    const d = alone ? parseSmallInt(alone[1]!) : undefined;
    if (d === undefined || weekday(c.reading.day) === weekdayOfCn(w[1]!)) continue;
    const days = (env.future ? [-1, 0, 1, 2] : [0, -1, -2])
      .map((o) => dayInMonth(d, o, env))
      .filter((x): x is number => x !== undefined && weekday(x) === weekdayOfCn(w[1]!) && (env.future || x <= env.today));
    if (days.length > 0) kept[i] = { ...kept[i]!, reading: { day: nearest(days, env.today, env.ahead) } };
  }
  // "1月10号放假 就从10号开始": a day alone that repeats the day of a date named before it is that date again,
  // not this month's.
  for (const [i, c] of kept.entries()) {
    const alone = DAY_ALONE.exec(text.slice(c.start, c.end));
    const d = alone ? parseSmallInt(alone[1]!) : undefined;
    if (d === undefined || !('day' in c.reading)) continue;
    const named = kept.slice(0, i).findLast((k) => 'day' in k.reading && !DAY_ALONE.test(text.slice(k.start, k.end)) && fromDayNumber(k.reading.day).d === d);
    if (named && 'day' in named.reading) kept[i] = { ...c, reading: { day: named.reading.day } };
  }
  // "估计要到元旦以后 先写1月4号吧", "停到元旦以后 一月三号吧": a day given as "after" a time, then the day
  // itself — the second is the answer, the first only how it was worked out.
  // …and "过完元旦回来 1月3号开门": a time got past, then the day itself close after it.
  const refined = kept.filter((c, i) => {
    const next = kept[i + 1];
    const after = AFTER_A_TIME.exec(text.slice(c.end));
    if (next && after && THEN_THE_DAY.test(text.slice(c.end + after[0].length, next.start))) return false;
    const between = next ? text.slice(c.end, next.start) : '';
    return !(next && PASSED_BEFORE.test(text.slice(0, c.start)) && [...between].length <= PASSED_THEN_DAY_CHARS && !/[到至~～-]|\b(?:to|until|till)\b/i.test(between));
  });
  // "下个月我闺女结婚 … 1月8号到22号": a month named beside the days themselves is when, not which day.
  const monthOnly = (c: Candidate) => MONTH_ONLY.test(text.slice(c.start, c.end).trim());
  return refined.some((c) => !monthOnly(c)) ? refined.filter((c) => !monthOnly(c)) : refined;
}
const WEEKDAY_AFTER = /^\s*[（(]?\s*(?:周|星期|礼拜|里拜|星其)\s*([一二三四五六日天1-7])\s*[)）]?$/;
const DAY_ALONE = new RegExp(`^(${NUM})\\s*[号日]$`);
const MONTH_ONLY = /^(?:下个?月|这个?月|本月|next month|this month)$/i;
const AFTER_A_TIME = /^\s*(?:以后|之后|往后|过后|过了|过完)/;
const PASSED_BEFORE = /(?:过完|过了)\s*$/;
const PASSED_THEN_DAY_CHARS = 6;
const THEN_THE_DAY = /^[\s，,]*(?:(?:那就|就|先|暂时|干脆)?(?:写|填|算|按)(?:成)?|那就|就)?\s*$/;

// ── Validation ────────────────────────────────────────────────────────────────────────────────────────

function check(day: number, env: Env, ctx: SlotContext): Invalid | undefined {
  const vars = { date: displayOf(day), dateEn: displayEnOf(day), today: displayOf(env.today), todayEn: displayEnOf(env.today) };
  if (day > env.today && !env.future) return invalid('date.future', vars);
  const maxAge = ctx.options?.maxAgeDays;
  if (maxAge !== undefined && day < env.today - maxAge) {
    const earliest = env.today - maxAge;
    return invalid('date.too_old', { ...vars, days: maxAge, earliest: displayOf(earliest), earliestEn: displayEnOf(earliest) });
  }
  return undefined;
}

/** 元月 is January ("到元月15号"): the same length, so every span still points into the message. */
const asMonthNumbers = (text: string): string => text.replace(/元月/g, '1月');

function extract(text: string, ctx: SlotContext): Found<string>[] {
  const n = normalize(asMonthNumbers(text));
  const env: Env = { today: todayIn(ctx.now, ctx.timeZone), future: ctx.options?.allowFuture === true, ahead: ctx.options?.notPast === true, whole: false, text: n.text };
  const found: Found<string>[] = [];
  for (const c of candidates(n.text, env)) {
    if (!('day' in c.reading) || check(c.reading.day, env, ctx) !== undefined) continue;
    const day = c.reading.day;
    found.push({ value: isoOf(day), display: displayOf(day), ...originalSpan(n, c.start, c.end), ...(c.reading.guessed ? { guessed: true } : {}) });
  }
  return found;
}

function parse(text: string, ctx: SlotContext): Valid<string> | Invalid {
  const answer = trimAnswer(normalize(asMonthNumbers(text)).text);
  const env: Env = { today: todayIn(ctx.now, ctx.timeZone), future: ctx.options?.allowFuture === true, ahead: ctx.options?.notPast === true, whole: true, text: answer };
  const found = candidates(answer, env);
  if (found.length === 0) return invalid('date.unrecognized');

  // The same day said twice ("昨天，11月24日") is one answer.
  const distinct = new Map<string, Reading>();
  for (const c of found) distinct.set('day' in c.reading ? isoOf(c.reading.day) : c.reading.nonexistent.zh, c.reading);
  const readings = [...distinct.values()];
  if (readings.length > 1) {
    const zh = readings.map((r) => ('day' in r ? displayOf(r.day) : r.nonexistent.zh));
    const en = readings.map((r) => ('day' in r ? displayEnOf(r.day) : r.nonexistent.en));
    return invalid('date.multiple', { dates: zh.join('、'), datesEn: en.join(', ') });
  }
  const reading = readings[0]!;
  if (!('day' in reading)) return invalid('date.invalid', { date: reading.nonexistent.zh, dateEn: reading.nonexistent.en });
  const problem = check(reading.day, env, ctx);
  if (problem) return problem;
  return { ok: true, value: isoOf(reading.day), display: displayOf(reading.day) };
}

export const dateType: SlotType<string> = { name: 'date', extract, parse };

/**
 * How long, said instead of an end date ("停两个礼拜", "装修十来天", "for 2 weeks"): the number of days, and
 * where it was said. Not a day counted from today ("两周后", "3 weeks from now": dates, read above), nor a
 * week or a month named ("上周", "3月"), a weekday ("下礼拜三 礼拜二还有单子": not "三礼拜") or a day named
 * ("老店最后一天", "每天").
 */
const DURATION_ZH = /(?<![上下这本第前头当那同每])(?<!最后|礼拜|星期|周)(?<n>\d{1,3}|[一二两三四五六七八九十]{1,3}|半)\s*(?<about>来)?\s*(?<u>个?\s*(?:星期|礼拜)(?![一二三四五六日天1-7])|周(?![一二三四五六日天1-7])|个半月|个月|天)(?<half>半(?!个?月))?(?<more>左右|多)?(?!\s*半?\s*(?:后|以后|之后|前|以前|之前))/g;
/**
 * Said as a guess ("大概一个月", "十来天", "差不多两周"): the merchant is asked for the day instead — unless that
 * is the answer to the question (`guess`): then the guess is the best day there is, and the summary shows it.
 */
/** A length that moves another day ("房东那边晚两天交房", "提前一周", "two days late") is no length of the hold. */
const SHIFT_BEFORE = /(?:晚|早|迟|推迟|延后|延迟|提前|拖)\s*$/;
const SHIFT_AFTER_EN = /^\s+(?:late|early|earlier|behind)\b/i;
const HEDGE_BEFORE = /(?:大概|差不多|大约|约|估计|可能|也许|说不定)[^，,。;；]{0,4}$/;
const DURATION_EN =
  /\bfor\s+(?<hedge>(?:about|around|roughly|approximately|maybe|probably|like)\s+)?(?<n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a few)\s+(?<u>days?|weeks?|months?)\b/gi;
/** Answering how long, "for" goes unsaid ("around three weeks after that", "2 weeks"). */
const DURATION_EN_ANSWER =
  /(?<![\w-])(?:(?:about|around|roughly|approximately|maybe|probably|like)\s+)?(?<n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a few)\s+(?<u>days?|weeks?|months?)(?!\s+(?:ago|before))\b/gi;
const EN_COUNT: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, 'a couple of': 2, 'a few': 3 };

export function durationIn(
  text: string,
  opts: { guess?: boolean; skip?: (span: { start: number; end: number }) => boolean } = {},
): LengthSaid | undefined {
  const found = durationsIn(text, opts);
  // Of several, the one the hold itself lasts ("新老板说执照得办二十来天 那就停二十五天吧"): said after its verb.
  return found.find((f) => HOLD_VERB_BEFORE.test(text.slice(Math.max(0, f.start - 4), f.start))) ?? found[0];
}

const DURATION_FORMAL = /(?:为期|共计|历时|期限为?)\s*(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*日(?!\s*(?:后|以后|之后|前|以前|之前))/g;

/** The verb of a hold right before its length ("停二十五天", "先歇一个月", "冻结两周"). */
const HOLD_VERB_BEFORE = /(?:停|歇|关|暂停|冻结|休息?)(?:满|个|上|它|了)?\s*$/;

/** Whether a length is said as the hold's own, right after its verb ("歇三十天", "停两周"). */
export const saidAsHold = (text: string, said: { start: number }): boolean => HOLD_VERB_BEFORE.test(text.slice(Math.max(0, said.start - 4), said.start));

/** A count written in digits or in Chinese numerals ("25", "二十五"); undefined when neither. */
const countOf = (s: string): number | undefined => (/^\d+$/.test(s) ? Number(s) : parseSmallInt(s));

/** Every length said, in order (durationIn is the first). */
export function durationsIn(
  text: string,
  opts: { guess?: boolean; skip?: (span: { start: number; end: number }) => boolean } = {},
): LengthSaid[] {
  const found: LengthSaid[] = [];
  const n = normalize(text);
  for (const m of n.text.matchAll(DURATION_ZH)) {
    const { n: count, u, about, more, half } = m.groups!;
    if (!opts.guess && (about || more || HEDGE_BEFORE.test(n.text.slice(0, m.index)))) continue;
    const unit = u!.replace(/\s/g, '');
    const whole = count === '半' ? 0.5 : countOf(count!);
    if (whole === undefined || whole <= 0) continue;
    // "两周半", "一个半月": and a half.
    const k = whole + (unit === '个半月' || (half && count !== '半') ? 0.5 : 0);
    const per = unit === '天' ? 1 : unit === '个月' || unit === '个半月' ? 30 : 7;
    if (count === '半' && per === 1) continue;
    const span = originalSpan(n, m.index, m.index + m[0].length);
    if (opts.skip?.(span) || SHIFT_BEFORE.test(n.text.slice(0, m.index))) continue;
    found.push({ days: Math.round(k * per), ...span });
  }
  // Written Chinese counts days in 日 after 为期 ("自本月十五日起闭店，为期二十日"); 天 is read above.
  for (const m of n.text.matchAll(DURATION_FORMAL)) {
    const k = countOf(m[1]!);
    if (k === undefined || k <= 0) continue;
    const span = originalSpan(n, m.index + m[0].indexOf(m[1]!), m.index + m[0].length);
    if (opts.skip?.(span)) continue;
    found.push({ days: k, ...span });
  }
  found.sort((a, b) => a.start - b.start);
  for (const m of n.text.matchAll(opts.guess ? DURATION_EN_ANSWER : DURATION_EN)) {
    const { n: count, u, hedge } = m.groups!;
    if (!opts.guess && hedge) continue;
    const k = /^\d+$/.test(count!) ? Number(count) : EN_COUNT[count!.toLowerCase()];
    if (k === undefined || k <= 0) continue;
    const per = /^day/i.test(u!) ? 1 : /^week/i.test(u!) ? 7 : 30;
    const span = originalSpan(n, m.index, m.index + m[0].length);
    if (opts.skip?.(span) || SHIFT_AFTER_EN.test(n.text.slice(m.index + m[0].length))) continue;
    found.push({ days: k * per, ...span });
  }
  return found;
}

/** A length found in a message: its days (a month as 30), and where. */
export interface LengthSaid {
  days: number;
  start: number;
  end: number;
}

/** The ISO day `days` after an ISO day. */
export function addDaysIso(iso: string, days: number): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? isoOf(dayNumber(Number(m[1]), Number(m[2]), Number(m[3])) + days) : undefined;
}
