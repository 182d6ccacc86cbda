/**
 * The slip-reading evaluation: generated slips (test/helpers/slip-image.ts: layouts × fonts × photo
 * degradations × random values from a seed) read by the real reader, scored field by field.
 *
 * Score: fields right / fields printed. A field printed and read wrong or not read is a miss; a value read
 * that was not printed (a blank auth code read as something) is counted as spurious. Values must match
 * exactly, except the merchant name, compared without spaces (OCR drops them: 'SUNNYMART'). Every output is also
 * checked for a full card number: slips printed with the whole card number must come back with it masked
 * and a redacted image in which the OCR finds no full card number.
 *
 * Used by `npm run eval:slips` (eval-slips.mjs → run.ts) and by the floor in slip-reader.test.ts.
 */
import { containsCardNumber } from '../../src/privacy/card-mask.js';
import { cachedRender } from '../helpers/slip-photo-cache.js';
import type { SlipField, SlipFields, SlipReader, SlipReadResult } from '../../src/slips/index.js';
import {
  luhnCard,
  randomSlipValues,
  renderSlip,
  seededRandom,
  SLIP_FONTS,
  SLIP_LAYOUTS,
  type SlipFont,
  type SlipLayout,
  type SlipValues,
} from '../helpers/slip-image.js';

export interface EvalCase {
  id: number;
  values: SlipValues;
  layout: SlipLayout;
  font: SlipFont;
  /** Photographed (rotation, shadow, blur, noise, JPEG) or a clean scan. */
  photo: boolean;
  seed: number;
}

/** The fields scored, in report order. */
export const SCORED_FIELDS = [
  'merchant_name',
  'merchant_id',
  'terminal_id',
  'batch_no',
  'voucher_no',
  'auth_code',
  'reference_no',
  'date',
  'time',
  'amount',
  'card_masked',
] as const satisfies readonly SlipField[];

export type ScoredField = (typeof SCORED_FIELDS)[number];

/**
 * `count` slips, deterministic from `seed`: every layout with every font in turn, two in three
 * photographed, one in ten printing the full card number, one in eight without an auth code, one in
 * twelve without a batch number.
 */
export function evalCases(count: number, seed = 1): EvalCase[] {
  const cases: EvalCase[] = [];
  for (let i = 0; i < count; i++) {
    const s = seed * 100_003 + i;
    const values = randomSlipValues(s);
    const rnd = seededRandom(s + 1);
    if (i % 10 === 9) {
      values.cardFull = luhnCard(values.cardMasked!.slice(0, 6), values.cardMasked!.length, rnd);
      delete values.cardMasked;
    }
    if (i % 8 === 5) delete values.authCode;
    if (i % 12 === 7) delete values.batchNo;
    cases.push({
      id: i,
      values,
      layout: SLIP_LAYOUTS[i % SLIP_LAYOUTS.length]!,
      font: SLIP_FONTS[Math.floor(i / SLIP_LAYOUTS.length) % SLIP_FONTS.length]!,
      photo: i % 3 !== 0,
      seed: s,
    });
  }
  return cases;
}

/** What a correct reading of the slip gives. */
export function expectedFields(v: SlipValues): Partial<Record<ScoredField, string>> {
  const card = v.cardMasked ?? (v.cardFull ? v.cardFull.slice(0, 6) + '*'.repeat(v.cardFull.length - 10) + v.cardFull.slice(-4) : undefined);
  const out: Partial<Record<ScoredField, string>> = {
    merchant_name: v.merchantName,
    merchant_id: v.merchantId,
    terminal_id: v.terminalId,
    batch_no: v.batchNo,
    voucher_no: v.voucherNo,
    auth_code: v.authCode,
    reference_no: v.referenceNo,
    date: v.date,
    time: v.time,
    amount: v.amount,
    card_masked: card,
  };
  for (const k of Object.keys(out) as ScoredField[]) if (out[k] === undefined) delete out[k];
  return out;
}

export interface FieldScore {
  printed: number;
  right: number;
  /** Printed, read as something else. */
  wrong: number;
  /** Printed, not read. */
  missed: number;
  /** Not printed, read anyway. */
  spurious: number;
}

export interface SlipOutcome {
  case: EvalCase;
  fields: SlipFields;
  misses: Array<{ field: ScoredField; expected: string | undefined; got: string | undefined }>;
  ms: number;
  /** A full card number in anything the reader returned (fields, lines), or not redacted. */
  panLeak: string | undefined;
}

export interface EvalReport {
  slips: number;
  fields: Record<ScoredField, FieldScore>;
  overall: { printed: number; right: number; rate: number; spurious: number };
  byLayout: Record<string, { printed: number; right: number; rate: number }>;
  byPhoto: Record<'clean' | 'photo', { printed: number; right: number; rate: number }>;
  panSlips: number;
  panLeaks: number;
  timing: { loadMs: number | undefined; meanMs: number; p50Ms: number; p95Ms: number; maxMs: number; totalS: number };
  outcomes: SlipOutcome[];
}

/**
 * Anything the reader returned, as text, the redacted image and the boxes' pixel coordinates aside: the
 * masking rules join digit groups across brackets and commas, and a box's `[[123,352],[284,372],…]` can
 * read as a 16-digit number passing Luhn — a number the reader computed, not one it read.
 */
function outputText(result: SlipReadResult): string {
  const { redacted: _redacted, ...rest } = result;
  return JSON.stringify(rest, (key, value: unknown) => (key === 'box' ? undefined : value));
}

async function panLeakOf(reader: SlipReader, c: EvalCase, result: SlipReadResult): Promise<string | undefined> {
  const text = outputText(result);
  if (containsCardNumber(text)) return 'a full card number in the output';
  const full = c.values.cardFull;
  if (!full) return undefined;
  if (text.includes(full)) return 'the card number in the output';
  if (!result.hadFullPan) return 'the full card number was not noticed';
  if (!result.redacted) return 'no redacted image';
  const again = await reader.read(result.redacted);
  if (again.hadFullPan || containsCardNumber(outputText(again)) || again.lines.some((l) => l.text.replace(/\D/g, '').includes(full.slice(6, -4))))
    return 'the redacted image still shows the card number';
  return undefined;
}

/** Values compared exactly, except a merchant name: OCR drops the space of 'SUNNY MART', and spacing means nothing there. */
function same(field: ScoredField, got: string | undefined, want: string): boolean {
  if (got === undefined) return false;
  if (field === 'merchant_name') return got.replace(/\s/g, '').toUpperCase() === want.replace(/\s/g, '').toUpperCase();
  return got === want;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Renders and reads every case, in order (the reader's queue does one at a time anyway). */
export async function runSlipEval(reader: SlipReader, cases: EvalCase[], onSlip?: (o: SlipOutcome, image: Buffer) => void): Promise<EvalReport> {
  const started = performance.now();
  const fields = Object.fromEntries(SCORED_FIELDS.map((f) => [f, { printed: 0, right: 0, wrong: 0, missed: 0, spurious: 0 }])) as Record<ScoredField, FieldScore>;
  const byLayout: EvalReport['byLayout'] = {};
  const byPhoto: EvalReport['byPhoto'] = { clean: { printed: 0, right: 0, rate: 0 }, photo: { printed: 0, right: 0, rate: 0 } };
  const outcomes: SlipOutcome[] = [];
  const times: number[] = [];
  let loadMs: number | undefined;

  for (const c of cases) {
    // Drawing the slip is the fixture, kept by content between runs; reading it is what is measured.
    const image = await cachedRender(renderSlip, c.values, { layout: c.layout, font: c.font, degrade: c.photo, seed: c.seed });
    const result = await reader.read(image);
    loadMs ??= result.timing.loadMs;
    times.push(result.timing.ocrMs - (result.timing.loadMs ?? 0));
    const expected = expectedFields(c.values);
    const misses: SlipOutcome['misses'] = [];
    const layout = (byLayout[c.layout] ??= { printed: 0, right: 0, rate: 0 });
    const kind = byPhoto[c.photo ? 'photo' : 'clean'];
    for (const f of SCORED_FIELDS) {
      const want = expected[f];
      const got = result.fields[f];
      const score = fields[f];
      if (want === undefined) {
        if (got !== undefined) {
          score.spurious++;
          misses.push({ field: f, expected: want, got });
        }
        continue;
      }
      score.printed++;
      layout.printed++;
      kind.printed++;
      if (same(f, got, want)) {
        score.right++;
        layout.right++;
        kind.right++;
      } else {
        if (got === undefined) score.missed++;
        else score.wrong++;
        misses.push({ field: f, expected: want, got });
      }
    }
    const outcome: SlipOutcome = { case: c, fields: result.fields, misses, ms: result.timing.ocrMs, panLeak: await panLeakOf(reader, c, result) };
    outcomes.push(outcome);
    onSlip?.(outcome, image);
  }

  const printed = Object.values(fields).reduce((s, f) => s + f.printed, 0);
  const right = Object.values(fields).reduce((s, f) => s + f.right, 0);
  const spurious = Object.values(fields).reduce((s, f) => s + f.spurious, 0);
  for (const r of [...Object.values(byLayout), ...Object.values(byPhoto)]) r.rate = r.printed ? r.right / r.printed : 0;
  const sorted = [...times].sort((a, b) => a - b);
  return {
    slips: cases.length,
    fields,
    overall: { printed, right, rate: printed ? right / printed : 0, spurious },
    byLayout,
    byPhoto,
    panSlips: cases.filter((c) => c.values.cardFull).length,
    panLeaks: outcomes.filter((o) => o.panLeak).length,
    timing: {
      loadMs,
      meanMs: Math.round(times.reduce((s, t) => s + t, 0) / Math.max(times.length, 1)),
      p50Ms: Math.round(percentile(sorted, 50)),
      p95Ms: Math.round(percentile(sorted, 95)),
      maxMs: Math.round(sorted.at(-1) ?? 0),
      totalS: Math.round((performance.now() - started) / 100) / 10,
    },
    outcomes,
  };
}

const pct = (r: number): string => `${(r * 100).toFixed(1)}%`;

/** The report as printed by `npm run eval:slips`. */
export function formatReport(report: EvalReport, verbose = false): string {
  const out: string[] = [];
  out.push(`Slips read: ${report.slips} (layouts ${SLIP_LAYOUTS.join(', ')}; fonts ${SLIP_FONTS.join(', ')}; 2 in 3 photographed)`);
  out.push('');
  out.push('field            printed  right   wrong  missed  spurious  accuracy');
  for (const f of SCORED_FIELDS) {
    const s = report.fields[f];
    out.push(
      `${f.padEnd(16)} ${String(s.printed).padStart(7)} ${String(s.right).padStart(6)} ${String(s.wrong).padStart(7)} ${String(s.missed).padStart(7)} ${String(s.spurious).padStart(9)}  ${pct(s.printed ? s.right / s.printed : 0).padStart(8)}`,
    );
  }
  const o = report.overall;
  out.push(`${'all fields'.padEnd(16)} ${String(o.printed).padStart(7)} ${String(o.right).padStart(6)} ${''.padStart(7)} ${''.padStart(7)} ${String(o.spurious).padStart(9)}  ${pct(o.rate).padStart(8)}`);
  out.push('');
  out.push(`by layout: ${Object.entries(report.byLayout).map(([k, r]) => `${k} ${pct(r.rate)}`).join(', ')}`);
  out.push(`clean ${pct(report.byPhoto.clean.rate)}, photographed ${pct(report.byPhoto.photo.rate)}`);
  out.push(`full card numbers: ${report.panSlips} slips printed one; leaks (in an output, or left in the redacted image): ${report.panLeaks}`);
  const t = report.timing;
  out.push(`time per read: mean ${t.meanMs} ms, p50 ${t.p50Ms} ms, p95 ${t.p95Ms} ms, max ${t.maxMs} ms; model load ${t.loadMs ?? '?'} ms; whole run ${t.totalS} s`);
  if (verbose) {
    out.push('');
    for (const oc of report.outcomes) {
      if (oc.misses.length === 0 && !oc.panLeak) continue;
      const c = oc.case;
      out.push(`#${c.id} ${c.layout} / ${c.font} / ${c.photo ? 'photo' : 'clean'} (seed ${c.seed})${oc.panLeak ? ` — PAN: ${oc.panLeak}` : ''}`);
      for (const m of oc.misses) out.push(`    ${m.field}: expected ${m.expected ?? '(blank)'}, got ${m.got ?? '(nothing)'}`);
    }
  }
  return out.join('\n');
}
