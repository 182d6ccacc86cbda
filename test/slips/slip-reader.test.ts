/**
 * The real OCR on generated slips (test/helpers/slip-image.ts), with one shared reader: a floor on the
 * slip evaluation, a slip printed with the full card number, the OCR cache, a photo stored sideways, the limits (queue,
 * time, closing, bad images) and the event loop staying free while a slip is read.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containsCardNumber } from '../../src/privacy/card-mask.js';
import { isSlipReadError, SlipReader, type OcrCache, type OcrOutput, type SlipReadResult } from '../../src/slips/index.js';
import { cjkFontsInstalled, luhnCard, randomSlipValues, renderSlip, seededRandom } from '../helpers/slip-image.js';
import { evalCases, formatReport, runSlipEval } from './slip-eval.js';

/** The floor `npm test` keeps on 8 generated slips (all layouts and fonts, clean and photographed). */
const FLOOR = 0.95;

const withoutImage = (r: SlipReadResult): string => JSON.stringify({ ...r, redacted: undefined });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!cjkFontsInstalled())('slip reader (real OCR)', () => {
  let reader: SlipReader;

  beforeAll(() => {
    // One waiting read at most, so that the queue test below sees a refusal.
    reader = new SlipReader({ maxQueue: 1 });
  });
  afterAll(async () => {
    await reader?.close();
  });

  it(`reads ≥ ${FLOOR * 100} % of the fields of 8 generated slips right, never a full card number`, { timeout: 120_000 }, async () => {
    // All four layouts and all four fonts, clean and photographed.
    const picked = new Set([0, 5, 10, 15, 17, 22, 27, 28]);
    const report = await runSlipEval(reader, evalCases(29, 2).filter((c) => picked.has(c.id)));
    expect(new Set(report.outcomes.map((o) => o.case.font)).size).toBe(4);
    const summary = formatReport(report, true);
    expect(report.overall.rate, summary).toBeGreaterThanOrEqual(FLOOR);
    expect(report.overall.spurious, summary).toBe(0);
    expect(report.panLeaks, summary).toBe(0);
    for (const o of report.outcomes) expect(containsCardNumber(JSON.stringify(o.fields))).toBe(false);
  });

  it('blacks out a full card number printed on the slip: the redacted photo shows none', { timeout: 60_000 }, async () => {
    const values = randomSlipValues(42);
    const pan = luhnCard('622202', 16, seededRandom(9));
    values.cardFull = pan;
    delete values.cardMasked;
    const photo = await renderSlip(values, { layout: 'unionpay', degrade: true, seed: 3 });

    const first = await reader.read(photo);
    expect(first.hadFullPan).toBe(true);
    expect(first.fields.card_masked).toBe(`${pan.slice(0, 6)}******${pan.slice(-4)}`);
    expect(first.fields.voucher_no).toBe(values.voucherNo);
    expect(containsCardNumber(withoutImage(first))).toBe(false);
    expect(withoutImage(first)).not.toContain(values.expiry);
    // The redacted copy is a JPEG like the photo, and the OCR finds no full card number on it.
    expect(first.redacted).toBeInstanceOf(Buffer);
    expect([...first.redacted!.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const again = await reader.read(first.redacted!);
    expect(again.hadFullPan).toBe(false);
    expect(again.lines.map((l) => l.text).join(' ')).not.toContain(pan.slice(6, 12));
    expect(again.fields.voucher_no).toBe(values.voucherNo);
  });

  it('keeps what the OCR saw in a cache: the same photo again skips the OCR; a full card number is never kept', { timeout: 60_000 }, async () => {
    const kept = new Map<string, OcrOutput>();
    const cache: OcrCache = { get: (key) => kept.get(key), set: (key, output) => void kept.set(key, output) };
    const cached = new SlipReader({ ocrCache: cache });
    try {
      const values = randomSlipValues(11);
      delete values.expiry; // a printed expiry date is sensitive too: never kept
      const photo = await renderSlip(values, { layout: 'thermal', degrade: true, seed: 5 });
      const first = await cached.read(photo);
      expect(first.timing.ocrMs).toBeGreaterThan(0);
      expect(kept.size).toBe(1);
      expect([...kept.keys()][0]).toMatch(/^[0-9a-f]{64}:1600$/);

      const again = await cached.read(photo);
      expect(again.timing.ocrMs).toBe(0); // no worker, no model load
      expect(again.timing.loadMs).toBeUndefined();
      expect(again.fields).toEqual(first.fields);
      expect(again.lines).toEqual(first.lines);
      expect(again.fields.voucher_no).toBe(values.voucherNo);

      // Another photo of the same slip is another key: read by the OCR.
      const other = await cached.read(await renderSlip(values, { layout: 'thermal', degrade: true, seed: 6 }));
      expect(other.timing.ocrMs).toBeGreaterThan(0);
      expect(kept.size).toBe(2);

      const withPan = randomSlipValues(43);
      withPan.cardFull = luhnCard('622202', 16, seededRandom(10));
      delete withPan.cardMasked;
      const panPhoto = await renderSlip(withPan, { layout: 'unionpay', seed: 4 });
      const read = await cached.read(panPhoto);
      expect(read.hadFullPan).toBe(true);
      expect(kept.size).toBe(2); // not kept: its lines carry the card number
      expect(containsCardNumber(JSON.stringify([...kept.values()]))).toBe(false);
      expect((await cached.read(panPhoto)).timing.ocrMs).toBeGreaterThan(0);
    } finally {
      await cached.close();
    }
  });

  it('reads one slip at a time off the event loop, refuses more than the queue holds', { timeout: 60_000 }, async () => {
    const png = await renderSlip(randomSlipValues(7), { layout: 'thermal' });
    let ticks = 0;
    let longest = 0;
    let last = performance.now();
    const elu = performance.eventLoopUtilization();
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      ticks++;
    }, 10);
    let reads: SlipReadResult[] = [];
    try {
      const a = reader.read(png);
      const b = reader.read(png);
      const refused = await rejection(reader.read(png));
      expect(isSlipReadError(refused, 'SLIP_QUEUE_FULL')).toBe(true);
      expect(reader.load).toEqual({ waiting: 1, running: 1 });
      reads = await Promise.all([a, b]);
      const [ra, rb] = reads as [SlipReadResult, SlipReadResult];
      // The second waited for the first.
      expect(rb.timing.queuedMs).toBeGreaterThanOrEqual(ra.timing.ocrMs * 0.8);
      expect(rb.fields).toEqual(ra.fields);
    } finally {
      clearInterval(timer);
    }
    // The OCR ran in the worker: timers kept firing all along (no gap anywhere near one read's length, as
    // there would be with the OCR on the event loop), and the loop was far from busy. Not a tighter bound
    // on its busy share: on a loaded machine (three test workers on two cores) a 10 ms timer's wake-ups
    // alone count ~0.4 of the time as busy while the thread waits to be scheduled; an OCR on the loop is ~1.
    const [ra, rb] = reads as [SlipReadResult, SlipReadResult];
    const busy = performance.eventLoopUtilization(elu).utilization;
    expect(busy).toBeLessThan(0.7);
    expect(ticks).toBeGreaterThan(20);
    expect(longest).toBeLessThan(Math.min(ra.timing.ocrMs, rb.timing.ocrMs) / 2);
  });

  it('reads a phone photo stored sideways with its EXIF orientation', { timeout: 60_000 }, async () => {
    const values = randomSlipValues(77);
    const upright = await renderSlip(values, { layout: 'stacked' });
    const sideways = await sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 85 }).toBuffer();
    const slip = await reader.read(sideways);
    const { width, height } = await sharp(upright).metadata();
    expect(slip.size).toEqual({ width, height });
    expect(slip.fields).toMatchObject({ voucher_no: values.voucherNo, reference_no: values.referenceNo, amount: values.amount });
  });

  it('refuses what is not a PNG or JPEG photo', async () => {
    const notImage = await rejection(reader.read(Buffer.from('not a picture at all')));
    expect(isSlipReadError(notImage, 'SLIP_IMAGE_INVALID')).toBe(true);
    const png = await renderSlip(randomSlipValues(8));
    const truncated = await rejection(reader.read(png.subarray(0, 200)));
    expect(isSlipReadError(truncated, 'SLIP_IMAGE_INVALID')).toBe(true);
  });

  it('stops a read past its time limit with a typed error, and reads again afterwards', { timeout: 60_000 }, async () => {
    const png = await renderSlip(randomSlipValues(9));
    // A worker with its models loaded (handed on by a closed reader), so that the limit falls inside a model
    // run: terminating the thread there would abort this whole process.
    const warm = new SlipReader();
    await warm.read(png);
    await warm.close();
    const hasty = new SlipReader({ timeoutMs: 50 });
    try {
      const err = await rejection(hasty.read(png));
      expect(isSlipReadError(err, 'SLIP_READ_TIMEOUT')).toBe(true);
      expect((err as Error).message).toMatch(/50 ms/);
      expect(hasty.load).toEqual({ waiting: 0, running: 0 });
      // The worker was retired; the next read starts a new one (and times out the same way).
      expect(isSlipReadError(await rejection(hasty.read(png)), 'SLIP_READ_TIMEOUT')).toBe(true);
    } finally {
      await hasty.close();
    }
  });

  it('hands its idle worker, models loaded, to the next reader made in the process', { timeout: 60_000 }, async () => {
    const png = await renderSlip(randomSlipValues(11));
    const first = new SlipReader();
    const before = await first.read(png);
    await first.close();
    const next = new SlipReader();
    try {
      const read = await next.read(png);
      // No model load in this read: the worker came loaded.
      expect(read.timing.loadMs).toBeUndefined();
      expect(read.fields).toEqual(before.fields);
    } finally {
      await next.close();
    }
  });

  it('refuses reads once closed, and fails the reads it had', async () => {
    const png = await renderSlip(randomSlipValues(10));
    const closing = new SlipReader();
    const running = rejection(closing.read(png));
    const waiting = rejection(closing.read(png));
    await closing.close();
    expect(isSlipReadError(await running, 'SLIP_READER_CLOSED')).toBe(true);
    expect(isSlipReadError(await waiting, 'SLIP_READER_CLOSED')).toBe(true);
    expect(isSlipReadError(await rejection(closing.read(png)), 'SLIP_READER_CLOSED')).toBe(true);
  });
});
