/**
 * Sales-slip (签购单) fields from OCR lines: which printed value belongs to which label, validated by the
 * formats of the sales slip fields (README, "Reading sales slips"). Pure functions, no I/O: the reader (slip-reader.ts)
 * feeds them what the OCR saw, tests feed them hand-written lines.
 *
 * ```ts
 * parseSlipFields([
 *   { text: '商户编号(MERCHANT NO.):', mean: 0.98, box: [[21, 123], [274, 124], [274, 147], [21, 146]] },
 *   { text: '898310048160123', mean: 1, box: [[386, 125], [556, 125], [556, 145], [386, 145]] },
 * ]).fields;
 * // → { merchant_id: '898310048160123' }
 * ```
 *
 * How a slip is read:
 * 1. Geometry. Fragments (one OCR box each) are de-skewed with the median angle of their boxes and grouped
 *    into printed rows, so a label and the value printed to its right end up in one row even on a photo
 *    taken at an angle (the OCR library's own grouping pairs a label with the next row's value there).
 * 2. Labels. Each row is scanned for the labels real slips print, Chinese and English, tolerant of the
 *    spaces OCR drops ("MERCHANTNO."). "商户编号(MERCHANT NO.):" is one label. A value is the text after its
 *    label up to the next label on the row; when that is empty, the slice of the row below that sits under
 *    the label (stacked layouts, and two labels side by side with their values underneath).
 * 3. Values. Each field's validator looks for its format in that text, after undoing the usual OCR
 *    confusions inside numbers (O→0, I/l→1, S→5, B→8, Z→2; full-width characters; spaces between digit
 *    groups). A value that does not fit its format is left empty — never guessed, never cut to length.
 *    Only the merchant ID and the reference number (15 and 12 digits, lengths nothing else on a slip has)
 *    are taken without their label, and only when the label was not read at all and exactly one such
 *    number is printed.
 *
 * Card data (README, "Card data and privacy"): the card number comes out only masked (first 6 + last 4);
 * a full card number (PAN) printed on the slip — a run of 13–19 digits by the rules of
 * src/privacy/card-mask.ts, also across boxes when printed in groups, or a dozen digits without stars
 * after 卡号 — is reported in `sensitive` so that the reader can black it out of the stored image; the
 * expiry date is never returned and is reported there too. The `lines` returned have both masked.
 */
import { luhnValid, MAX_PAN_LENGTH, MIN_PAN_LENGTH } from '../privacy/card-mask.js';

// ── Types ───────────────────────────────────────────────────────────────────────────────────────────

export type Point = [number, number];

/** One OCR result: a fragment of text, the recogniser's mean confidence (0–1), its box (4 corners, clockwise from top-left). */
export interface OcrLine {
  text: string;
  mean: number;
  /** Optional: without boxes, each line is taken as one printed row, in the given order. */
  box?: Point[];
}

/**
 * What a slip says. Keys are the flow slot types' names where there is one (merchant_id, terminal_id, …),
 * so a dialog can fill `fields[slotType]`. Absent: not printed, not read, or not valid.
 */
export interface SlipFields {
  merchant_name?: string;
  /** 15 digits. */
  merchant_id?: string;
  /** 8 letters or digits. */
  terminal_id?: string;
  /** 6 digits. */
  batch_no?: string;
  /** 6 digits (凭证号 / 流水号 / trace no.). */
  voucher_no?: string;
  /** 6 letters or digits, upper case. */
  auth_code?: string;
  /** 12 digits. */
  reference_no?: string;
  /** The transaction's date, YYYY-MM-DD. */
  date?: string;
  /** The transaction's time, HH:mm:ss. */
  time?: string;
  /** Decimal with two places, no currency, no thousands separators: '1280.00'. */
  amount?: string;
  /** First 6 + one `*` per hidden digit + last 4: '622202******1234'. */
  card_masked?: string;
  /** The card's last 4 digits (also when the first 6 could not be read for sure). */
  card_last4?: string;
  /** As printed, e.g. '消费/SALE'. */
  transaction_type?: string;
}

export type SlipField = keyof SlipFields;

/** Where a sensitive value was seen: the indexes of the input lines to black out of the image. */
export interface SensitiveRegion {
  kind: 'pan' | 'expiry';
  lines: number[];
}

export interface SlipParse {
  fields: SlipFields;
  /** Per field read: the OCR's confidence in it (0–1), lowered for corrected characters and unlabelled values. */
  confidence: Partial<Record<SlipField, number>>;
  /** The input lines with any full card number masked and the expiry date hidden, in the input order. */
  lines: OcrLine[];
  /** Whether a full (unmasked) card number is printed on the slip. */
  hadFullPan: boolean;
  /** The lines holding a full card number or an expiry date (for redacting the image). */
  sensitive: SensitiveRegion[];
}

// ── Text normalisation ──────────────────────────────────────────────────────────────────────────────

/** Full-width → ASCII (NFKC), the usual look-alikes of ':' and '*', no zero-width characters. */
export function normalizeOcrText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u200b-\u200d\ufeff]/g, '')
    .replace(/[∶︰]/g, ':')
    .replace(/[＊∗✱⁎]/g, '*')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Characters OCR reads in place of digits, and the digit meant. */
const DIGIT_CONFUSIONS: Record<string, string> = {
  O: '0', o: '0', D: '0', Q: '0',
  I: '1', l: '1', '|': '1', i: '1', '!': '1',
  S: '5', s: '5', $: '5',
  B: '8',
  Z: '2', z: '2',
};
/** In letter-or-digit codes only the confusions no issuer prints on purpose. */
const CODE_CONFUSIONS: Record<string, string> = { O: '0', o: '0', Q: '0', I: '1', l: '1', '|': '1', '!': '1' };

/** A number-like token: letters, digits and confusables, with . , / : - between groups. */
const NUMBERISH = /[0-9A-Za-z|!$]+(?:[.,/:-][0-9A-Za-z|!$]+)*/g;

/**
 * Undoes OCR confusions in number-like tokens: a token made only of digits and confusable letters, with
 * at least one real digit, and either as many digits as look-alikes or the punctuation of a number
 * ('99O.OO', '2O24/O5/12', '13:4S:12') — or any such token with `expectDigits` (the value of a label
 * that announces a number: 'OOOl23'). Words ('SALE', 'BOSS', 'RMB') are left alone.
 * `fixes` counts the characters changed.
 */
export function fixDigitConfusions(text: string, options: { expectDigits?: boolean } = {}): { text: string; fixes: number } {
  let fixes = 0;
  const out = text.replace(NUMBERISH, (token) => {
    let digits = 0;
    let lookalikes = 0;
    for (const c of token) {
      if (c >= '0' && c <= '9') digits++;
      else if (DIGIT_CONFUSIONS[c] !== undefined) lookalikes++;
      else if (!/[.,/:-]/.test(c)) return token;
    }
    if (digits === 0 || lookalikes === 0) return token;
    if (digits < lookalikes && !/[.:/]/.test(token) && !options.expectDigits) return token;
    fixes += lookalikes;
    return token.replace(/[A-Za-z|!$]/g, (c) => DIGIT_CONFUSIONS[c] ?? c);
  });
  return { text: out, fixes };
}

// ── Labels ──────────────────────────────────────────────────────────────────────────────────────────

/** What a label announces: a field, a sensitive value, or something else printed (which ends a value). */
type LabelKind = SlipField | 'datetime' | 'expiry' | 'card' | 'other';

/**
 * ASCII words fenced so that "REF" does not match in "REFUND"; spaces are optional in the patterns (OCR
 * drops them) and every O may have been read as 0 ("V0UCHER").
 */
const W = (p: string): string => `(?<![A-Za-z])(?:${p.replace(/O(?![^[]*\])/g, '[O0]')})(?![A-Za-z])`;
const NO = 'N[O0]\\.?';

/** Longest and most specific alternatives first: the scan takes the first that matches at a position. */
const LABELS: Array<[LabelKind, string]> = [
  ['merchant_name', `商户名称|商户名|${W(`MERCHANT\\s*NAME|MER(?:CHANT)?\\.?\\s*NAME`)}`],
  ['merchant_id', `商户编号|商户号码|商户代码|商户号|${W(`MERCHANT\\s*(?:${NO}|ID|NUMBER)|MER(?:CH)?\\.?\\s*(?:${NO}|ID)|MID`)}`],
  ['terminal_id', `终端编号|终端号码|终端代码|终端号|${W(`TERMINAL\\s*(?:${NO}|ID|NUMBER)|TERM\\.?\\s*(?:${NO}|ID)|TID`)}`],
  ['batch_no', `批次号码|批次号|批次|${W(`BATCH\\s*(?:${NO}|NUMBER)?`)}`],
  ['voucher_no', `凭证号码|凭证号|流水号|票据号|凭证|${W(`VOUCHER\\s*(?:${NO}|NUMBER)?|TRACE\\s*(?:${NO}|NUMBER)?|INVOICE\\s*${NO}`)}`],
  ['auth_code', `授权码|授权号|${W(`(?<!PRE-?\\s?)AUTH(?:ORI[SZ]ATION)?\\.?\\s*(?:C[O0]DE|${NO}|NUMBER)?|APPR(?:OVAL)?\\.?\\s*C[O0]DE`)}`],
  ['reference_no', `检索参考号|系统参考号|参考号码|参考号|${W(`REF(?:ER(?:ENCE)?)?\\.?\\s*(?:${NO}|NUMBER)|RRN`)}`],
  ['expiry', `有效期至|有效期|${W(`EXP(?:IRY|IRATION)?\\.?\\s*DATE|EXP(?:IRY)?`)}`],
  ['datetime', `交易日期|交易时间|日期/时间|日期时间|日期|时间|${W(`DATE\\s*/\\s*TIME|DATE\\s*TIME|DATE|TIME`)}`],
  ['amount', `交易金额|金额|${W(`AMOUNT|AMT|TOTAL`)}`],
  ['card', `卡号|${W(`CARD\\s*(?:${NO}|NUMBER)`)}`],
  ['transaction_type', `交易类型|交易类别|${W(`TRANS(?:ACTION)?\\.?\\s*TYPE|TXN\\s*TYPE`)}`],
  // Printed on slips too; they only end the value before them.
  [
    'other',
    `操作员号|操作员|发卡行|收单行|卡类型|卡类别|卡组织|备注|参考信息|持卡人签名|商户存根|持卡人存根|银行存根|应用标识|应用标签|` +
      W(`OPERATOR(?:\\s*${NO}|\\s*ID)?|OPER\\.?\\s*${NO}|ISSUER(?:\\s*BANK)?|ACQ(?:UIRER)?(?:\\s*BANK)?|CARD\\s*TYPE|REFERENCE|SIGNATURE|CARDHOLDER|MERCHANT\\s*COPY|CUSTOMER\\s*COPY|AID|TC|ARQC`),
  ],
];

const LABEL_RE = new RegExp(LABELS.map(([, p]) => `(${p})`).join('|'), 'gi');

interface Label {
  kind: LabelKind;
  /** The matched words, upper case (tells 'DATE' from 'TIME'). */
  words: string;
  start: number;
  /** Where the value may start: after the label and its ':', '.', brackets. */
  end: number;
}

/** Between two labels of one field ("商户编号(MERCHANT NO.)"): only brackets, spaces and punctuation. */
const LABEL_GLUE = /^[\s()[\]:./-]*$/;
const LABEL_TAIL = /^[\s()[\]:.#-]*/;

function findLabels(text: string): Label[] {
  const found: Label[] = [];
  for (const m of text.matchAll(LABEL_RE)) {
    const group = m.slice(1).findIndex((g) => g !== undefined);
    const kind = LABELS[group]![0];
    const start = m.index;
    const end = start + m[0].length;
    const prev = found.at(-1);
    if (prev && prev.kind === kind && LABEL_GLUE.test(text.slice(prev.end, start))) {
      prev.words += ` ${m[0].toUpperCase()}`;
      prev.end = end;
    } else {
      found.push({ kind, words: m[0].toUpperCase(), start, end });
    }
  }
  for (const label of found) label.end += LABEL_TAIL.exec(text.slice(label.end))![0].length;
  return found;
}

// ── Geometry: fragments and rows ────────────────────────────────────────────────────────────────────

interface Fragment {
  index: number;
  text: string;
  mean: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

interface Piece {
  fragment: Fragment;
  /** Where the fragment's text sits in the row's text. */
  start: number;
  end: number;
}

interface Row {
  text: string;
  pieces: Piece[];
  y0: number;
  y1: number;
  labels: Label[];
}

/** The baseline angle of the slip: the median of the long boxes' angles (radians). */
function skewOf(lines: OcrLine[]): number {
  const angles: number[] = [];
  for (const line of lines) {
    const b = line.box;
    if (!b || b.length < 4) continue;
    const [p0, p1, p2] = b as [Point, Point, Point];
    const top: Point = [p1[0] - p0[0], p1[1] - p0[1]];
    const side: Point = [p2[0] - p1[0], p2[1] - p1[1]];
    const lenTop = Math.hypot(...top);
    const lenSide = Math.hypot(...side);
    if (lenTop < 2 * lenSide || lenTop === 0) continue;
    angles.push(Math.atan2(top[1], top[0]));
  }
  if (angles.length === 0) return 0;
  angles.sort((a, b) => a - b);
  const a = angles[Math.floor(angles.length / 2)]!;
  return Math.abs(a) < Math.PI / 4 ? a : 0;
}

/** Display width of text: CJK characters count twice. */
function textWidth(text: string): number {
  let w = 0;
  for (const c of text) w += c.charCodeAt(0) > 0x2e7f ? 2 : 1;
  return w;
}

function fragmentsOf(lines: OcrLine[]): Fragment[] {
  const theta = skewOf(lines);
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const out: Fragment[] = [];
  lines.forEach((line, index) => {
    const text = normalizeOcrText(line.text);
    if (text === '') return;
    const box = line.box;
    if (!box || box.length === 0) {
      // No geometry: one row per line, in order.
      out.push({ index, text, mean: line.mean, x0: 0, x1: Math.max(textWidth(text), 1) * 10, y0: index * 30, y1: index * 30 + 20 });
      return;
    }
    const xs: number[] = [];
    const ys: number[] = [];
    for (const [x, y] of box) {
      xs.push(x * cos + y * sin);
      ys.push(-x * sin + y * cos);
    }
    out.push({ index, text, mean: line.mean, x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) });
  });
  return out;
}

/** Fragments whose vertical extents overlap by half the smaller height are one printed row. */
function rowsOf(fragments: Fragment[]): Row[] {
  const sorted = [...fragments].sort((a, b) => a.y0 + a.y1 - (b.y0 + b.y1));
  const groups: Array<{ y0: number; y1: number; members: Fragment[] }> = [];
  for (const f of sorted) {
    const h = f.y1 - f.y0;
    const row = groups.find((g) => {
      const overlap = Math.min(g.y1, f.y1) - Math.max(g.y0, f.y0);
      return overlap >= 0.5 * Math.min(h, g.y1 - g.y0);
    });
    if (row) {
      row.members.push(f);
      row.y0 = Math.min(row.y0, f.y0);
      row.y1 = Math.max(row.y1, f.y1);
    } else {
      groups.push({ y0: f.y0, y1: f.y1, members: [f] });
    }
  }
  groups.sort((a, b) => a.y0 + a.y1 - (b.y0 + b.y1));
  return groups.map((g) => {
    g.members.sort((a, b) => a.x0 - b.x0);
    let text = '';
    const pieces: Piece[] = [];
    for (const f of g.members) {
      if (text !== '') text += '  ';
      pieces.push({ fragment: f, start: text.length, end: text.length + f.text.length });
      text += f.text;
    }
    return { text, pieces, y0: g.y0, y1: g.y1, labels: findLabels(text) };
  });
}

/** The x position of a character of the row (proportional within its fragment). */
function xAt(row: Row, offset: number): number {
  for (const p of row.pieces) {
    if (offset < p.start) return p.fragment.x0;
    if (offset <= p.end) {
      const before = textWidth(p.fragment.text.slice(0, offset - p.start));
      return p.fragment.x0 + ((p.fragment.x1 - p.fragment.x0) * before) / Math.max(textWidth(p.fragment.text), 1);
    }
  }
  return row.pieces.at(-1)?.fragment.x1 ?? 0;
}

/** The fragments a span of the row's text touches. */
function piecesIn(row: Row, start: number, end: number): Piece[] {
  return row.pieces.filter((p) => p.start < end && p.end > start);
}

// ── Values ──────────────────────────────────────────────────────────────────────────────────────────

/** A span of a row: where a label's value is looked for. */
interface Span {
  row: Row;
  start: number;
  end: number;
}

interface Found {
  value: string;
  fixes: number;
  /** Where in the span's text the value was (for the confidence and for masking). */
  at: number;
  length: number;
}

type Validator = (text: string) => Found | undefined;

/** Exactly `length` digits, possibly in groups separated by single spaces or dashes ("8983 1004 8160 123"). */
function digitsValidator(length: number): Validator {
  return (raw) => {
    const { text } = fixDigitConfusions(raw, { expectDigits: true });
    const groups = [...text.matchAll(/[0-9]+/g)];
    for (let i = 0; i < groups.length; i++) {
      const first = groups[i]!;
      if (/[0-9A-Za-z]/.test(text[first.index - 1] ?? '')) continue;
      let acc = '';
      for (let j = i; j < groups.length; j++) {
        const g = groups[j]!;
        if (j > i) {
          const between = text.slice(groups[j - 1]!.index + groups[j - 1]![0].length, g.index);
          // One space or dash inside a printed number; two spaces join the boxes of one row.
          if (!/^(?: {1,2}|-)$/.test(between)) break;
        }
        acc += g[0];
        if (acc.length >= length) {
          const endAt = g.index + g[0].length;
          if (acc.length === length && !/[0-9A-Za-z]/.test(text[endAt] ?? '')) {
            return { value: acc, fixes: fixesIn(raw, first.index, endAt), at: first.index, length: endAt - first.index };
          }
          break;
        }
      }
    }
    return undefined;
  };
}

/** How many characters of `raw[start, end)` the OCR-confusion fixes changed (the fix keeps lengths). */
function fixesIn(raw: string, start: number, end: number): number {
  const fixed = fixDigitConfusions(raw, { expectDigits: true }).text;
  let n = 0;
  for (let i = start; i < end; i++) if (raw[i] !== fixed[i]) n++;
  return n;
}

/**
 * Exactly `length` letters or digits with at least one digit (terminal IDs, auth codes), upper case. O and
 * I are read as 0 and 1: issuers leave those letters out of codes because people confuse them too.
 */
function codeValidator(length: number): Validator {
  return (raw) => {
    for (const m of raw.matchAll(/[0-9A-Za-z|!]+(?: [0-9A-Za-z|!]+)*/g)) {
      // Try each run of groups from each group: "A1B2C3 SALE" → A1B2C3.
      const groups = [...m[0].matchAll(/[0-9A-Za-z|!]+/g)];
      for (let i = 0; i < groups.length; i++) {
        let acc = '';
        for (let j = i; j < groups.length && acc.length < length; j++) acc += groups[j]![0];
        if (acc.length !== length) continue;
        let fixes = 0;
        const value = acc.replace(/[OoQIl|!]/g, (c) => {
          fixes++;
          return CODE_CONFUSIONS[c]!;
        });
        if (!/[0-9]/.test(acc) || !/^[0-9A-Za-z]+$/.test(value)) continue;
        const at = m.index + groups[i]!.index;
        return { value: value.toUpperCase(), fixes, at, length: acc.length };
      }
    }
    return undefined;
  };
}

function validDate(y: number, m: number, d: number): boolean {
  if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const pad = (n: number | string): string => String(n).padStart(2, '0');

/** A date with its year (2024/05/12, 2024-05-12, 2024.05.12, 2024年5月12日, 20240512), time optional after it. */
const DATE_RE =
  /(?<![0-9])(20[0-9]{2})(?:\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})日?|([0-9]{2})([0-9]{2}))(?:\s*([0-9]{2})\s*:?\s*([0-9]{2})\s*:?\s*([0-9]{2})(?![0-9]))?/;
const TIME_RE = /(?<![0-9])([0-9]{1,2})\s*:\s*([0-9]{2})\s*:\s*([0-9]{2})(?![0-9])/;

function validTime(h: string, m: string, s: string): string | undefined {
  if (+h > 23 || +m > 59 || +s > 59) return undefined;
  return `${pad(h)}:${pad(m)}:${pad(s)}`;
}

function dateFound(raw: string): { date?: Found; time?: Found } {
  const { text } = fixDigitConfusions(raw, { expectDigits: true });
  const m = DATE_RE.exec(text);
  const out: { date?: Found; time?: Found } = {};
  if (m) {
    const [, y, mo1, d1, mo2, d2, h, mi, s] = m;
    const mo = Number(mo1 ?? mo2);
    const d = Number(d1 ?? d2);
    if (validDate(Number(y), mo, d)) {
      out.date = { value: `${y}-${pad(mo)}-${pad(d)}`, fixes: fixesIn(raw, m.index, m.index + m[0].length), at: m.index, length: m[0].length };
      if (h !== undefined) {
        const t = validTime(h, mi!, s!);
        if (t) out.time = { value: t, fixes: 0, at: m.index, length: m[0].length };
      }
    }
  }
  if (!out.time) {
    const t = TIME_RE.exec(text);
    const value = t ? validTime(t[1]!, t[2]!, t[3]!) : undefined;
    if (t && value) out.time = { value, fixes: fixesIn(raw, t.index, t.index + t[0].length), at: t.index, length: t[0].length };
  }
  return out;
}

/** An amount printed with two decimals: 'RMB 990.00', '¥1,280.00', '990.00元'. */
function amountValidator(raw: string): Found | undefined {
  const { text } = fixDigitConfusions(raw, { expectDigits: true });
  const m = /(?<![0-9.])([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?: [0-9]{3})*)\s?\.\s?([0-9]{2})(?![0-9])/.exec(text);
  if (!m) return undefined;
  const whole = m[1]!.replace(/[, ]/g, '').replace(/^0+(?=[0-9])/, '');
  const value = `${whole}.${m[2]}`;
  if (Number(value) <= 0) return undefined;
  return { value, fixes: fixesIn(raw, m.index, m.index + m[0].length), at: m.index, length: m[0].length };
}

const MASK_CHARS = '*xX#•●·※米';
const MASKED_CARD_RE = new RegExp(`(?<![0-9])([0-9]{4,6})((?:\\s{0,2}[${MASK_CHARS}]){3,15})\\s{0,2}([0-9]{4})(?![0-9])`);

/**
 * A card number printed masked ('622202******1234', '6222 02** **** 1234'), normalised to '622202******1234'.
 * UnionPay slips show the first 6 and last 4. The OCR sometimes reads the digit next to the stars as one
 * more star ('62580*******3954'): then only the last 4 are certain, and only they are returned.
 */
function maskedCard(raw: string): { masked?: Found; last4?: Found } {
  const { text } = fixDigitConfusions(raw, { expectDigits: true });
  // Digits split by spaces before the mask ("6222 02** ****"): join them first, keeping offsets roughly.
  const compact = text.replace(/([0-9]) (?=[0-9])/g, '$1');
  const m = MASKED_CARD_RE.exec(compact);
  if (!m) return {};
  const hidden = m[2]!.replace(/\s/g, '').length;
  const total = m[1]!.length + hidden + 4;
  if (total < MIN_PAN_LENGTH || total > MAX_PAN_LENGTH) return {};
  const last4: Found = { value: m[3]!, fixes: 0, at: m.index, length: m[0].length };
  if (m[1]!.length !== 6) return { last4 };
  return { masked: { value: `${m[1]}${'*'.repeat(hidden)}${m[3]}`, fixes: 0, at: m.index, length: m[0].length }, last4 };
}

/** A merchant name: letters or CJK characters, not a number, not a label. */
function nameValidator(raw: string): Found | undefined {
  const text = raw.replace(/^[\s:.,;()[\]-]+|[\s:.,;()[\]-]+$/g, '');
  if (text.length < 2 || text.length > 60) return undefined;
  if (!/[A-Za-z\u3400-\u9fff]/.test(text)) return undefined;
  if (/^[0-9*\s./:-]+$/.test(text)) return undefined;
  // A label read badly ("MERCHAN NAME") is not a name.
  if (/NAME|MERCHANT|商户/i.test(text)) return undefined;
  return { value: text, fixes: 0, at: raw.indexOf(text), length: text.length };
}

const TRANSACTION_TYPES =
  /消费撤销|消费|撤销|退货|预授权完成撤销|预授权完成|预授权撤销|预授权追加|预授权|(?<![A-Z])(?:SALE|VOID|REFUND|PRE-?AUTH(?:\s*(?:COMPLETE|COMPLETION|VOID|CANCEL))?|AUTH\s*COMPLETE)(?![A-Z])/i;

function typeValidator(raw: string): Found | undefined {
  const text = raw.replace(/^[\s:.()-]+|[\s:.()-]+$/g, '');
  if (!TRANSACTION_TYPES.test(text) || text.length > 40) return undefined;
  return { value: text.replace(/\s*\/\s*/g, '/'), fixes: 0, at: raw.indexOf(text), length: text.length };
}

/** An expiry date as printed (29/12, 2912, 12/29, 2029/12); ones printed masked (stars) are not sensitive. */
function expiryValidator(raw: string): Found | undefined {
  const { text } = fixDigitConfusions(raw, { expectDigits: true });
  const m = /(?<![0-9])(?:[0-9]{2}\s?\/\s?[0-9]{2}|20[0-9]{2}\s?\/\s?[0-9]{2}|[0-9]{4})(?![0-9])/.exec(text);
  return m ? { value: m[0], fixes: 0, at: m.index, length: m[0].length } : undefined;
}

const VALIDATORS: Partial<Record<LabelKind, Validator>> = {
  merchant_name: nameValidator,
  merchant_id: digitsValidator(15),
  terminal_id: codeValidator(8),
  batch_no: digitsValidator(6),
  voucher_no: digitsValidator(6),
  auth_code: codeValidator(6),
  reference_no: digitsValidator(12),
  amount: amountValidator,
  transaction_type: typeValidator,
  expiry: expiryValidator,
};

// ── Full card numbers ───────────────────────────────────────────────────────────────────────────────

/** Digit runs with single spaces or dashes inside ('6222 0212 3456 7890 123'), after OCR fixes. */
const DIGIT_RUN = /[0-9]+(?:[ -][0-9]+)*/g;
const PAN15_PREFIX = /^(34|37|1800|2131|2014|2149)/;

/**
 * Whether a run of digits is a full card number, by the rules of src/privacy/card-mask.ts (13–19 digits
 * passing Luhn; 16–19 digits always, since one misread digit still gives the card away; 15 digits only
 * with a 15-digit issuer's prefix, since merchant IDs are 15 digits).
 */
function isPan(digits: string): boolean {
  if (digits.length < MIN_PAN_LENGTH || digits.length > MAX_PAN_LENGTH) return false;
  if (digits.length >= 16) return true;
  if (digits.length === 15 && !PAN15_PREFIX.test(digits)) return false;
  return luhnValid(digits);
}

interface PanHit {
  row: Row;
  start: number;
  end: number;
  digits: string;
}

function findPans(rows: Row[]): PanHit[] {
  const hits: PanHit[] = [];
  for (const row of rows) {
    // Fragments are joined by two spaces: a number split across boxes is rejoined with one.
    const text = fixDigitConfusions(row.text.replace(/([0-9])  (?=[0-9])/g, '$1 ')).text;
    const offsets = mapOffsets(row.text);
    for (const m of text.matchAll(DIGIT_RUN)) {
      const digits = m[0].replace(/[ -]/g, '');
      const start = offsets[m.index]!;
      const end = offsets[m.index + m[0].length - 1]! + 1;
      const parts = piecesIn(row, start, end);
      if (parts.length > 1) {
        // Across boxes only a card printed in groups ("6222 0212 3456 7890", split by the detector) that
        // passes Luhn: two numbers printed side by side (an auth code and a reference no.) are not a card.
        const cardLike = parts.every((p) => {
          const part = row.text.slice(Math.max(start, p.start), Math.min(end, p.end)).trim();
          return part.replace(/\D/g, '').length <= 8 || /^[0-9]{1,4}(?: [0-9]{1,4})+$/.test(part);
        });
        if (!cardLike || !luhnValid(digits) || digits.length < MIN_PAN_LENGTH || digits.length > MAX_PAN_LENGTH) continue;
      } else if (!isPan(digits)) continue;
      hits.push({ row, start, end, digits });
    }
  }
  return hits;
}

/** Offsets of the row text after collapsing two spaces between digits to one, back to the original. */
function mapOffsets(text: string): number[] {
  const map: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ' ' && text[i + 1] === ' ' && /[0-9]/.test(text[i - 1] ?? '') && /[0-9]/.test(text[i + 2] ?? '')) continue;
    map.push(i);
  }
  return map;
}

/** First 6 + one `*` per hidden digit + last 4. */
function maskPan(digits: string): string {
  return digits.slice(0, 6) + '*'.repeat(digits.length - 10) + digits.slice(-4);
}

// ── Parsing ─────────────────────────────────────────────────────────────────────────────────────────

interface Candidate {
  field: SlipField;
  found: Found;
  span: Span;
  /** Taken without its label. */
  bare?: boolean;
}

/** The text after a label up to the next label on its row. */
function inlineSpan(row: Row, i: number): Span {
  const label = row.labels[i]!;
  return { row, start: label.end, end: row.labels[i + 1]?.start ?? row.text.length };
}

/**
 * The slice of the row below that sits under a label: from the label's left edge to the next label's
 * (a little to the left of each, values are often printed a character or two left of their label).
 */
function spanBelow(rows: Row[], r: number, i: number): Span | undefined {
  const row = rows[r]!;
  const below = rows[r + 1];
  if (!below) return undefined;
  const height = row.y1 - row.y0;
  if (below.y0 - row.y1 > 2.5 * Math.max(height, below.y1 - below.y0)) return undefined;
  const label = row.labels[i]!;
  const next = row.labels[i + 1];
  const slack = height;
  const left = i === 0 ? -Infinity : xAt(row, label.start) - slack;
  const right = next ? xAt(row, next.start) - slack : Infinity;
  let start = -1;
  let end = -1;
  for (let c = 0; c < below.text.length; c++) {
    if (below.text[c] === ' ') continue;
    const x = xAt(below, c);
    if (x >= left && x < right) {
      if (start < 0) start = c;
      end = c + 1;
    }
  }
  if (start < 0) return undefined;
  // A row of labels is not a row of values.
  const firstLabel = below.labels.find((l) => l.end > start && l.start < end);
  if (firstLabel) {
    if (firstLabel.start <= start + 1) return undefined;
    end = firstLabel.start;
  }
  return { row: below, start, end };
}

function confidenceOf(candidate: Candidate): number {
  const { span, found } = candidate;
  const pieces = piecesIn(span.row, span.start + found.at, span.start + found.at + found.length);
  const mean = pieces.length ? pieces.reduce((s, p) => s + p.fragment.mean, 0) / pieces.length : 0;
  const factor = (found.fixes > 0 ? 0.9 : 1) * (candidate.bare ? 0.7 : 1);
  return Math.round(Math.max(0, Math.min(1, mean * factor)) * 100) / 100;
}

/** Reads the fields of a slip from its OCR lines. */
export function parseSlipFields(lines: OcrLine[]): SlipParse {
  const rows = rowsOf(fragmentsOf(lines));
  const candidates: Candidate[] = [];
  const labelled = new Set<LabelKind>();
  const expirySpans: Span[] = [];
  /** Card-number values with too many digits showing that are not a clean run (a misread letter inside). */
  const unclearPans: Span[] = [];

  const consider = (kind: LabelKind, label: Label, span: Span): boolean => {
    const text = span.row.text.slice(span.start, span.end);
    if (kind === 'datetime') {
      const { date, time } = dateFound(text);
      const wantsDate = !/^TIME$|时间$/.test(label.words) || /日期|DATE/.test(label.words);
      if (date && wantsDate) candidates.push({ field: 'date', found: date, span });
      if (time) candidates.push({ field: 'time', found: time, span });
      return Boolean(date ?? time);
    }
    if (kind === 'expiry') {
      const found = expiryValidator(text);
      if (found) expirySpans.push({ row: span.row, start: span.start + found.at, end: span.start + found.at + found.length });
      return found !== undefined || /\*/.test(text);
    }
    if (kind === 'card') {
      const { masked, last4 } = maskedCard(text);
      if (masked) candidates.push({ field: 'card_masked', found: masked, span });
      if (last4) candidates.push({ field: 'card_last4', found: last4, span });
      // No stars and a dozen digits after 卡号: a full card number misread somewhere. Hidden all the same.
      if (!last4 && !new RegExp(`[${MASK_CHARS}]`).test(text) && (text.match(/[0-9]/g) ?? []).length >= 12) {
        unclearPans.push(span);
        return true;
      }
      return last4 !== undefined;
    }
    const validate = VALIDATORS[kind];
    if (!validate) return false;
    const found = validate(text);
    if (!found) return false;
    candidates.push({ field: kind as SlipField, found, span });
    return true;
  };

  rows.forEach((row, r) => {
    row.labels.forEach((label, i) => {
      if (label.kind === 'other') return;
      labelled.add(label.kind);
      const inline = inlineSpan(row, i);
      const inlineText = row.text.slice(inline.start, inline.end).trim();
      const before = candidates.length;
      if (consider(label.kind, label, inline)) {
        // A date whose time is printed on the next line.
        const timeFound = candidates.slice(before).some((c) => c.field === 'time');
        if (label.kind !== 'datetime' || timeFound) return;
      }
      // The value below its label: when nothing is printed after the label, or only part of it.
      if (inlineText === '' || label.kind === 'datetime' || label.kind === 'merchant_name') {
        const below = spanBelow(rows, r, i);
        if (below) consider(label.kind, label, below);
      }
    });
  });

  // A full card number printed on the slip: its masked form is the card, and it is flagged for redaction.
  const pans = findPans(rows);
  for (const pan of pans) {
    if (luhnValid(pan.digits)) {
      candidates.push({
        field: 'card_masked',
        found: { value: maskPan(pan.digits), fixes: 0, at: 0, length: pan.end - pan.start },
        span: { row: pan.row, start: pan.start, end: pan.end },
      });
    }
  }

  // Unlabelled merchant ID and reference number: only when the label was not read and one such number is printed.
  const bareFields: Array<[SlipField, LabelKind, number]> = [
    ['merchant_id', 'merchant_id', 15],
    ['reference_no', 'reference_no', 12],
  ];
  for (const [field, kind, length] of bareFields) {
    if (labelled.has(kind)) continue;
    const hits: Candidate[] = [];
    for (const row of rows) {
      const { text } = fixDigitConfusions(row.text);
      for (const m of text.matchAll(/(?<![0-9A-Za-z*])[0-9]+(?![0-9A-Za-z*])/g)) {
        if (m[0].length !== length || (field === 'merchant_id' && isPan(m[0]))) continue;
        if (pans.some((p) => p.row === row && p.start <= m.index && p.end >= m.index + length)) continue;
        hits.push({ field, found: { value: m[0], fixes: fixesIn(row.text, m.index, m.index + length), at: m.index, length }, span: { row, start: 0, end: row.text.length }, bare: true });
      }
    }
    if (new Set(hits.map((h) => h.found.value)).size === 1) candidates.push(hits[0]!);
  }

  // The first valid reading of each field wins.
  const fields: SlipFields = {};
  const confidence: Partial<Record<SlipField, number>> = {};
  for (const c of candidates) {
    if (fields[c.field] !== undefined) continue;
    fields[c.field] = c.found.value;
    confidence[c.field] = confidenceOf(c);
  }
  // The last 4 always agree with the masked card number returned.
  if (fields.card_masked) {
    fields.card_last4 = fields.card_masked.slice(-4);
    confidence.card_last4 = confidence.card_masked!;
  }

  // The sensitive regions, and the lines without them.
  const sensitive: SensitiveRegion[] = [];
  const masked = lines.map((line) => ({ ...line, text: normalizeOcrText(line.text) }));
  const hide = (span: Span, kind: 'pan' | 'expiry', keep: (digitIndex: number, digitCount: number) => boolean): void => {
    const pieces = piecesIn(span.row, span.start, span.end);
    sensitive.push({ kind, lines: pieces.map((p) => p.fragment.index) });
    const digitCount = (span.row.text.slice(span.start, span.end).match(/[0-9A-Za-z|!$]/g) ?? []).length;
    let seen = 0;
    for (const p of pieces) {
      const f = p.fragment;
      const from = Math.max(span.start, p.start) - p.start;
      const to = Math.min(span.end, p.end) - p.start;
      // Digits before this piece's part of the span, in the span.
      seen = (span.row.text.slice(span.start, Math.max(span.start, p.start)).match(/[0-9A-Za-z|!$]/g) ?? []).length;
      let out = '';
      for (let c = 0; c < f.text.length; c++) {
        const ch = f.text[c]!;
        if (c >= from && c < to && /[0-9A-Za-z|!$]/.test(ch)) {
          out += keep(seen, digitCount) ? ch : '*';
          seen++;
        } else out += ch;
      }
      f.text = out;
      masked[f.index]!.text = out;
    }
  };
  for (const pan of pans) hide({ row: pan.row, start: pan.start, end: pan.end }, 'pan', (i, n) => i < 6 || i >= n - 4);
  for (const span of unclearPans) {
    if (pans.some((p) => p.row === span.row && p.start < span.end && p.end > span.start)) continue;
    hide(span, 'pan', () => false);
  }
  for (const span of expirySpans) hide(span, 'expiry', () => false);

  return { fields, confidence, lines: masked, hadFullPan: sensitive.some((r) => r.kind === 'pan'), sensitive };
}
