/**
 * Sales-slip (签购单) images for tests: the values a conversation or an evaluation needs, printed in one of
 * several layouts and fonts (SVG rendered by sharp), then optionally degraded like a phone photo
 * (rotation, shadow, blur, noise, JPEG). Deterministic: the same values, options and seed give the same
 * bytes.
 *
 * ```ts
 * const png = await renderSlip({ merchantId: '898310048160123', terminalId: '12345678', voucherNo: '000456',
 *   referenceNo: '123456789012', date: '2024-05-12', amount: '990.00' });
 * const photo = await renderSlip(values, { layout: 'thermal', font: 'Noto Serif CJK SC', degrade: true, seed: 7 });
 * ```
 *
 * The result is PNG, or JPEG when the degradation includes JPEG compression (`degrade: true` does).
 * Chinese needs a CJK font on the machine (fonts-noto-cjk: `cjkFontsInstalled()`).
 */
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';

// ── Values ──────────────────────────────────────────────────────────────────────────────────────────

export interface SlipValues {
  merchantName?: string;
  /** 15 digits. */
  merchantId: string;
  /** 8 letters or digits. */
  terminalId: string;
  batchNo?: string;
  voucherNo: string;
  authCode?: string;
  referenceNo: string;
  /** YYYY-MM-DD */
  date: string;
  /** HH:mm:ss */
  time?: string;
  /** '990.00' */
  amount: string;
  /** Printed masked: '622202******1234'. */
  cardMasked?: string;
  /** Printed in full instead (a slip that shows the whole card number, for redaction tests). */
  cardFull?: string;
  /** Printed as the expiry date ('29/12'); slips print it, the reader must never return it. */
  expiry?: string;
  /** '消费/SALE' */
  type?: string;
}

export const SLIP_LAYOUTS = ['unionpay', 'stacked', 'thermal', 'columns'] as const;
export type SlipLayout = (typeof SLIP_LAYOUTS)[number];

/** Families of fonts-noto-cjk and fonts-dejavu (Latin in DejaVu, Chinese falls back to Noto). */
export const SLIP_FONTS = ['Noto Sans CJK SC', 'Noto Serif CJK SC', 'Noto Sans Mono CJK SC', 'DejaVu Sans Mono'] as const;
export type SlipFont = (typeof SLIP_FONTS)[number];

export interface Degradation {
  /** Degrees, clockwise. */
  rotate?: number;
  /** Gaussian blur sigma (≥ 0.3). */
  blur?: number;
  /** JPEG quality 1–100: the output is then JPEG. */
  jpegQuality?: number;
  /** Darkest point of a shadow falling across the slip, 0–1. */
  shadow?: number;
  /** Noise amplitude in grey levels (0–255). */
  noise?: number;
}

export interface RenderOptions {
  layout?: SlipLayout;
  font?: SlipFont | string;
  /** `true`: a random photo from the seed (rotation ±5–10°, blur, shadow, noise, JPEG 40–70). */
  degrade?: boolean | Degradation;
  seed?: number;
}

// ── Randomness ──────────────────────────────────────────────────────────────────────────────────────

/** mulberry32: a small deterministic generator, [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The random photo `degrade: true` makes from a seed. */
export function randomDegradation(seed: number): Degradation {
  const rnd = seededRandom(seed * 7919 + 17);
  const sign = rnd() < 0.5 ? -1 : 1;
  return {
    rotate: Math.round(sign * (5 + rnd() * 5) * 10) / 10,
    blur: Math.round((0.4 + rnd() * 0.6) * 100) / 100,
    shadow: Math.round((0.15 + rnd() * 0.25) * 100) / 100,
    noise: Math.round(6 + rnd() * 10),
    jpegQuality: Math.round(40 + rnd() * 30),
  };
}

const SHOPS = ['上海好再来便利店', '杭州西湖区鲜果坊', '北京朝阳区悦来餐厅', '深圳南山数码城', '广州天河美食广场', '成都锦江区茶语轩', 'SUNNY MART', '武汉光谷文具店'];
const TYPES = ['消费/SALE', '消费/SALE', '消费/SALE', '退货/REFUND', '预授权完成/AUTH COMPLETE'];
const BINS = ['622202', '621700', '625807', '436742', '622848', '621483'];

const digits = (rnd: () => number, n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');

/** A Luhn-valid card number of `length` digits starting with `bin`. */
export function luhnCard(bin: string, length: number, rnd: () => number): string {
  const body = bin + digits(rnd, length - bin.length - 1);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

/** Plausible slip values from a seed (every field printed). */
export function randomSlipValues(seed: number): SlipValues {
  const rnd = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const year = 2024 + Math.floor(rnd() * 3);
  const month = 1 + Math.floor(rnd() * 12);
  const day = 1 + Math.floor(rnd() * 28);
  const card = luhnCard(pick(BINS), rnd() < 0.8 ? 16 : 19, rnd);
  const cents = Math.floor(rnd() * 100);
  const yuan = Math.floor(Math.exp(rnd() * Math.log(50_000)));
  const letters = 'ABCDEFGHJKLMNPRTUVWXY';
  const authCode = rnd() < 0.6 ? digits(rnd, 6) : Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? letters[Math.floor(rnd() * letters.length)] : String(Math.floor(rnd() * 10)))).join('');
  return {
    merchantName: pick(SHOPS),
    merchantId: '898' + digits(rnd, 12),
    terminalId: digits(rnd, 8),
    batchNo: digits(rnd, 6),
    voucherNo: digits(rnd, 6),
    authCode,
    referenceNo: digits(rnd, 12),
    date: `${year}-${pad(month)}-${pad(day)}`,
    time: `${pad(Math.floor(rnd() * 24))}:${pad(Math.floor(rnd() * 60))}:${pad(Math.floor(rnd() * 60))}`,
    amount: `${yuan}.${pad(cents)}`,
    cardMasked: card.slice(0, 6) + '*'.repeat(card.length - 10) + card.slice(-4),
    expiry: `${pad(26 + Math.floor(rnd() * 6))}/${pad(1 + Math.floor(rnd() * 12))}`,
    type: pick(TYPES),
  };
}

// ── Layouts ─────────────────────────────────────────────────────────────────────────────────────────

/** One printed line: text at the left, at the right, or both; bigger or bold for the values that matter. */
interface PrintLine {
  left?: string;
  right?: string;
  center?: string;
  size?: number;
  bold?: boolean;
  indent?: number;
  /** Extra space before the line, in line heights. */
  gap?: number;
}

interface Sheet {
  width: number;
  fontSize: number;
  lines: PrintLine[];
}

const slash = (date: string): string => date.replace(/-/g, '/');
const card = (v: SlipValues): string | undefined => v.cardFull ?? v.cardMasked;
/** A card number as printed in groups of four. */
const grouped = (c: string): string => c.replace(/(.{4})(?=.)/g, '$1 ');
const dateTime = (v: SlipValues): string => `${slash(v.date)}${v.time ? ` ${v.time}` : ''}`;

function unionpay(v: SlipValues): Sheet {
  const lines: PrintLine[] = [
    { center: '中国银联 UnionPay', size: 1.3, bold: true },
    { center: 'POS签购单 POS SALES SLIP' },
    { center: '商户存根 MERCHANT COPY', size: 0.85 },
    { left: '- - - - - - - - - - - - - - - - - - - - - - - - -', size: 0.8 },
  ];
  if (v.merchantName) lines.push({ left: '商户名称(MERCHANT NAME):' }, { left: v.merchantName, indent: 1 });
  lines.push({ left: '商户编号(MERCHANT NO.):', right: v.merchantId });
  lines.push({ left: '终端编号(TERMINAL NO.):', right: v.terminalId });
  lines.push({ left: '操作员号(OPERATOR NO.):', right: '01' });
  lines.push({ left: '发卡行(ISSUER):', right: '中国工商银行' });
  const c = card(v);
  if (c) lines.push({ left: '卡号(CARD NO.):' }, { left: grouped(c), indent: 1, size: 1.15, bold: true });
  if (v.expiry) lines.push({ left: '有效期(EXP DATE):', right: v.expiry });
  if (v.type) lines.push({ left: '交易类型(TRANS TYPE):' }, { left: v.type, indent: 1, size: 1.15, bold: true });
  lines.push({ left: v.batchNo ? `批次号(BATCH NO.):${v.batchNo}` : '批次号(BATCH NO.):', right: `凭证号(VOUCHER NO.):${v.voucherNo}` });
  lines.push({ left: `授权码(AUTH NO.):${v.authCode ?? ''}` });
  lines.push({ left: '参考号(REFER NO.):', right: v.referenceNo });
  lines.push({ left: '日期/时间(DATE/TIME):' }, { left: dateTime(v), indent: 1 });
  lines.push({ left: '金额(AMOUNT):' }, { left: `RMB ${v.amount}`, indent: 1, size: 1.3, bold: true });
  lines.push({ left: '备注(REFERENCE):', gap: 0.5 });
  lines.push({ left: '持卡人签名(CARDHOLDER SIGNATURE):', gap: 0.5 });
  lines.push({ left: '本人确认以上交易,同意将其记入本卡账户', size: 0.8, gap: 1.5 });
  lines.push({ left: 'I ACKNOWLEDGE SATISFACTORY RECEIPT OF', size: 0.8 });
  lines.push({ left: 'RELATIVE GOODS/SERVICES', size: 0.8 });
  return { width: 600, fontSize: 20, lines };
}

function stacked(v: SlipValues): Sheet {
  const lines: PrintLine[] = [{ center: '银联POS签购单', size: 1.3, bold: true }, { center: '持卡人存根 CUSTOMER COPY', size: 0.85 }];
  const pair = (label: string, value: string | undefined, big = false): void => {
    lines.push({ left: label, gap: 0.3 });
    lines.push({ left: value ?? '', indent: 1, size: big ? 1.2 : 1.05, bold: big });
  };
  if (v.merchantName) pair('商户名称 MERCHANT NAME', v.merchantName);
  pair('商户编号 MERCHANT NO.', v.merchantId);
  pair('终端编号 TERMINAL NO.', v.terminalId);
  const c = card(v);
  if (c) pair('卡号 CARD NO.', c, true);
  if (v.type) pair('交易类型 TRANS TYPE', v.type);
  if (v.batchNo) pair('批次号 BATCH NO.', v.batchNo);
  pair('凭证号 VOUCHER NO.', v.voucherNo);
  if (v.authCode) pair('授权码 AUTH NO.', v.authCode);
  pair('参考号 REF NO.', v.referenceNo);
  pair('日期时间 DATE/TIME', dateTime(v));
  pair('金额 AMOUNT', `RMB ${v.amount}`, true);
  lines.push({ left: '持卡人签名 CARDHOLDER SIGNATURE', gap: 1 });
  return { width: 520, fontSize: 20, lines };
}

function thermal(v: SlipValues): Sheet {
  const lines: PrintLine[] = [{ center: '银联 UnionPay', bold: true, size: 1.2 }, { center: 'MERCHANT COPY', size: 0.9 }];
  if (v.merchantName) lines.push({ left: 'MERCHANT NAME:' }, { left: v.merchantName });
  lines.push({ left: `MERCHANT NO: ${v.merchantId}` });
  lines.push({ left: `TERMINAL NO: ${v.terminalId}` });
  lines.push({ left: 'OPERATOR NO: 01' });
  const c = card(v);
  if (c) lines.push({ left: 'CARD NO:' }, { left: c, bold: true });
  if (v.expiry) lines.push({ left: `EXP DATE: ${v.expiry}` });
  if (v.type) lines.push({ left: `TRANS TYPE: ${v.type}` });
  if (v.batchNo) lines.push({ left: `BATCH NO: ${v.batchNo}` });
  lines.push({ left: `TRACE NO: ${v.voucherNo}` });
  if (v.authCode) lines.push({ left: `AUTH NO: ${v.authCode}` });
  lines.push({ left: `REF NO: ${v.referenceNo}` });
  lines.push({ left: `DATE/TIME: ${slash(v.date)}` }, { left: v.time ?? '', indent: 5 });
  lines.push({ left: 'AMOUNT:' }, { left: `RMB ${v.amount}`, bold: true, size: 1.2 });
  lines.push({ left: 'SIGNATURE:', gap: 1 });
  return { width: 384, fontSize: 18, lines };
}

function columns(v: SlipValues): Sheet {
  const lines: PrintLine[] = [{ center: '银联POS签购单 POS SLIP', size: 1.2, bold: true }];
  if (v.merchantName) lines.push({ left: `商户名称: ${v.merchantName}`, gap: 0.3 });
  lines.push({ left: '商户号 MERCHANT NO.', gap: 0.3 }, { left: v.merchantId, indent: 1 });
  lines.push({ left: '终端号 TERMINAL NO.', right: '操作员 OPERATOR', gap: 0.3 }, { left: v.terminalId, right: '01', indent: 1 });
  const c = card(v);
  if (c) lines.push({ left: '卡号 CARD NO.', gap: 0.3 }, { left: grouped(c), indent: 1, bold: true });
  lines.push({ left: '批次号 BATCH NO.', right: '凭证号 VOUCHER NO.', gap: 0.3 }, { left: v.batchNo ?? '', right: v.voucherNo, indent: 1 });
  lines.push({ left: '授权码 AUTH NO.', right: '参考号 REF NO.', gap: 0.3 }, { left: v.authCode ?? '', right: v.referenceNo, indent: 1 });
  lines.push({ left: '日期 DATE', right: '时间 TIME', gap: 0.3 }, { left: slash(v.date), right: v.time ?? '', indent: 1 });
  if (v.type) lines.push({ left: `交易类型: ${v.type}`, gap: 0.3 });
  lines.push({ left: '金额 AMOUNT', gap: 0.3 }, { left: `¥${v.amount}`, indent: 1, size: 1.3, bold: true });
  return { width: 560, fontSize: 20, lines };
}

const LAYOUTS: Record<SlipLayout, (v: SlipValues) => Sheet> = { unionpay, stacked, thermal, columns };

// ── Rendering ───────────────────────────────────────────────────────────────────────────────────────

/** Printed width in ems, generously: CJK characters 1 em, others 0.62 em (monospace Latin is 0.6). */
const emWidth = (text: string): number => [...text].reduce((w, c) => w + (c.charCodeAt(0) > 0x2e7f ? 1 : 0.62), 0);

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function sheetSvg(sheet: Sheet, font: string): { svg: string; width: number; height: number } {
  const margin = 20;
  const parts: string[] = [];
  let y = margin;
  for (const line of sheet.lines) {
    // Smaller type where a line would not fit (left and right text would run into each other).
    const indent = (line.indent ?? 0) * Math.round(sheet.fontSize * 0.8);
    const room = sheet.width - 2 * margin - indent;
    const ems = emWidth(line.left ?? '') + emWidth(line.right ?? '') + emWidth(line.center ?? '') + (line.left && line.right ? 2 : 0);
    const wanted = sheet.fontSize * (line.size ?? 1);
    const size = Math.round(Math.min(wanted, room / Math.max(ems, 1)));
    y += Math.round(sheet.fontSize * 0.6 * (line.gap ?? 0)) + Math.round(size * 1.45);
    const weight = line.bold ? ' font-weight="bold"' : '';
    const attrs = `font-size="${size}"${weight}`;
    const x = margin + indent;
    if (line.center) parts.push(`<text x="${sheet.width / 2}" y="${y}" text-anchor="middle" ${attrs}>${escapeXml(line.center)}</text>`);
    if (line.left) parts.push(`<text x="${x}" y="${y}" ${attrs}>${escapeXml(line.left)}</text>`);
    if (line.right) parts.push(`<text x="${sheet.width - margin}" y="${y}" text-anchor="end" ${attrs}>${escapeXml(line.right)}</text>`);
  }
  const height = y + margin * 2;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${sheet.width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="#fdfdf8"/>` +
    `<g font-family="${escapeXml(font)}" fill="#1e1e28">${parts.join('')}</g></svg>`;
  return { svg, width: sheet.width, height };
}

/** A slip image: PNG, or JPEG when the degradation compresses. */
export async function renderSlip(values: SlipValues, options: RenderOptions = {}): Promise<Buffer> {
  const layout = options.layout ?? 'unionpay';
  const font = options.font ?? 'Noto Sans CJK SC';
  const seed = options.seed ?? 1;
  const { svg, width, height } = sheetSvg(LAYOUTS[layout](values), font);
  const clean = await sharp(Buffer.from(svg)).png().toBuffer();
  const degrade = options.degrade === true ? randomDegradation(seed) : options.degrade || undefined;
  if (!degrade) return clean;
  return degradeImage(clean, width, height, degrade, seed);
}

/** The slip on a table, photographed: shadow, rotation, blur, noise, JPEG — in that order. */
async function degradeImage(png: Buffer, width: number, height: number, d: Degradation, seed: number): Promise<Buffer> {
  const rnd = seededRandom(seed * 31 + 5);
  const table = { r: 128 + Math.floor(rnd() * 40), g: 112 + Math.floor(rnd() * 30), b: 96 + Math.floor(rnd() * 20), alpha: 1 };
  let img = sharp(png);
  if (d.shadow) {
    const angle = Math.floor(rnd() * 360);
    const shade =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<defs><linearGradient id="s" gradientTransform="rotate(${angle} 0.5 0.5)">` +
      `<stop offset="0" stop-color="#000" stop-opacity="${d.shadow}"/><stop offset="0.6" stop-color="#000" stop-opacity="0"/></linearGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#s)"/></svg>`;
    img = sharp(await img.composite([{ input: Buffer.from(shade) }]).png().toBuffer());
  }
  const border = 30;
  img = sharp(await img.extend({ top: border, bottom: border, left: border, right: border, background: table }).png().toBuffer());
  if (d.rotate) img = sharp(await img.rotate(d.rotate, { background: table }).png().toBuffer());
  if (d.blur && d.blur >= 0.3) img = sharp(await img.blur(d.blur).png().toBuffer());
  if (d.noise) {
    const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const amp = d.noise;
    for (let i = 0; i < data.length; i++) {
      // Sum of two uniforms: a cheap, roughly bell-shaped noise.
      const n = (rnd() + rnd() - 1) * amp;
      data[i] = Math.max(0, Math.min(255, data[i]! + n));
    }
    img = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  }
  if (d.jpegQuality) return img.jpeg({ quality: d.jpegQuality }).toBuffer();
  return img.png().toBuffer();
}

// ── Machine ─────────────────────────────────────────────────────────────────────────────────────────

let cjk: boolean | undefined;

/** Whether a Chinese font is installed (fonts-noto-cjk); without one, Chinese renders as empty boxes. */
export function cjkFontsInstalled(): boolean {
  if (cjk === undefined) {
    try {
      cjk = /Noto (Sans|Serif)( Mono)? CJK/i.test(execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' }));
    } catch {
      cjk = false;
    }
  }
  return cjk;
}
