/**
 * Slip photos in the dialog. A photo sent in a flow whose file slot reads slips
 * (`options.readSlips` in the flow file: cancel-transaction's 签购单照片) is read offline (src/slips) into
 * the values the flow asks for; the engine then fills the slots still empty with them, under the slot
 * types' own checks, and repeats them back (src/flows/engine.ts, `fromSlip`).
 *
 * - Fields to slots: the slip's fields are named like the slot types (merchant_id, terminal_id, date,
 *   amount, voucher_no, reference_no, card_last4, …), so each fills the flow's one slot of that type. A
 *   type two slots share (two dates) is not filled: which one the slip means is not known. Two photos that
 *   disagree on a field fill neither value.
 * - Card numbers: a photo that shows a full card number (PAN) is replaced by its copy with the number
 *   blacked out, stored like an upload (`<sha256>.<ext>` in the files folder), and the original is deleted,
 *   so no full PAN stays on disk. If no safe copy can be stored, the photo is deleted and refused.
 * - Failures: a reader that fails or times out leaves the photo as it is, with nothing read.
 * - Other photos (a flow whose files are no slips, files kept outside a flow) are read only for the card
 *   number, so that none is kept with a full one either.
 *
 * ```ts
 * const photos = new SlipPhotos({ reader: new SlipReader(), filesDir });
 * const read = await photos.read(flow, files); // { files (as kept), values: { voucher_no: '252127', … }, … }
 * ```
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { storeFile } from '../channels/attachments.js';
import type { FileRef } from '../flows/engine.js';
import { SLIP_TIME } from '../flows/slip-choice.js';
import type { Flow } from '../flows/flow-schema.js';
import type { SlipField, SlipReadResult } from '../slips/index.js';

/** What the dialog needs of a slip reader (src/slips' `SlipReader`, or a stand-in in tests). */
export interface SlipReading {
  read(image: Uint8Array): Promise<SlipReadResult>;
}

export interface SlipPhotosOptions {
  reader: SlipReading;
  /** Where files are stored (`<sha256>.<ext>`). */
  filesDir: string;
  /** A photo that could not be read or made safe (the caller logs it; the dialog goes on). */
  onError?: (err: unknown, file: string) => void;
}

export interface SlipPhotosRead {
  /** The files as the flow keeps them: a photo with a full card number as its blacked-out copy; a refused one left out. */
  files: FileRef[];
  /** Slot name → the value as the slip prints it ('2026-11-30', '1088.00', '252127'). */
  values: Record<string, string>;
  /** The flow's slots a slip can fill (whether this one showed them or not). */
  slots: string[];
  /** Each photo's own values, when more than one was read (the flow picks one when they disagree). */
  each: Record<string, string>[];
  /** Photos read, and photos the reader failed on (kept, nothing read). */
  read: number;
  failed: number;
  /** Photos that showed a full card number: kept with it blacked out, or (none could be stored) deleted. */
  covered: number;
  refused: number;
}

/** Slot type → the slip field of that name (SlipFields' keys are slot type names). */
const FIELD_OF_TYPE: Partial<Record<string, SlipField>> = {
  merchant_id: 'merchant_id',
  terminal_id: 'terminal_id',
  batch_no: 'batch_no',
  voucher_no: 'voucher_no',
  auth_code: 'auth_code',
  reference_no: 'reference_no',
  date: 'date',
  amount: 'amount',
  card_last4: 'card_last4',
};

/** Images the reader takes as they are, and images first converted to PNG for it. */
const READABLE = /^image\/(png|jpeg)$/;
const CONVERTED = /^image\/(webp|gif)$/;

/** Whether the flow's photos are sales slips to read (`options.readSlips` on its file slot). */
export function readsSlips(flow: Flow): boolean {
  return flow.slots.some((s) => s.type === 'attachments' && s.options.readSlips === true);
}

/** Whether a file is a photo the reader can read. */
export function isSlipPhoto(file: FileRef): boolean {
  return READABLE.test(file.contentType) || CONVERTED.test(file.contentType);
}

/** The flow's slots a slip fills, each with its field: one per slot type the slip shows, if only one slot has it. */
export function slipSlots(flow: Flow): Map<string, SlipField> {
  const slots = new Map<string, SlipField>();
  for (const slot of flow.slots) {
    const field = FIELD_OF_TYPE[slot.type];
    if (field && flow.slots.filter((s) => s.type === slot.type).length === 1) slots.set(slot.name, field);
  }
  return slots;
}

export class SlipPhotos {
  constructor(private readonly options: SlipPhotosOptions) {}

  /**
   * Reads the photos among `files` (one after another, through the reader's queue) for `flow`; without a
   * flow (a photo kept outside one, or a flow whose photos are no slips) only to cover a full card number.
   */
  async read(flow: Flow | undefined, files: FileRef[]): Promise<SlipPhotosRead> {
    const slots = flow ? slipSlots(flow) : new Map<string, SlipField>();
    const out: SlipPhotosRead = { files: [], values: {}, slots: [...slots.keys()], each: [], read: 0, failed: 0, covered: 0, refused: 0 };
    /** Slot → value; null where two photos disagree. */
    const seen = new Map<string, string | null>();
    for (const file of files) {
      if (!isSlipPhoto(file)) {
        out.files.push(file);
        continue;
      }
      let result: SlipReadResult;
      try {
        const bytes = await readFile(join(this.options.filesDir, file.file));
        result = await this.options.reader.read(READABLE.test(file.contentType) ? bytes : await sharp(bytes).png().toBuffer());
      } catch (err) {
        this.options.onError?.(err, file.file);
        out.failed++;
        out.files.push(file);
        continue;
      }
      out.read++;
      if (result.hadFullPan) {
        const safe = await this.replaceWithRedacted(file, result.redacted);
        if (!safe) {
          out.refused++;
          continue;
        }
        out.covered++;
        out.files.push(safe);
      } else {
        out.files.push(file);
      }
      const own: Record<string, string> = {};
      for (const [slot, field] of slots) {
        const value = result.fields[field];
        if (!value) continue;
        own[slot] = value;
        const before = seen.get(slot);
        seen.set(slot, before === undefined || before === value ? value : null);
      }
      // Its time tells two slips of a double charge apart ("是9点13那张": src/flows/slip-choice.ts).
      if (slots.size && result.fields.time) own[SLIP_TIME] = result.fields.time;
      if (slots.size) out.each.push(own);
    }
    for (const [slot, value] of seen) if (value !== null) out.values[slot] = value;
    if (out.each.length < 2) out.each = [];
    return out;
  }

  /**
   * The photo's blacked-out copy, stored like an upload, in place of the original — which is deleted in
   * every case, so its full card number is not kept. Undefined when no copy could be stored.
   */
  private async replaceWithRedacted(file: FileRef, redacted: Buffer | undefined): Promise<FileRef | undefined> {
    const { filesDir } = this.options;
    let kept: FileRef | undefined;
    try {
      if (redacted) {
        const stored = await storeFile(filesDir, redacted, file.name);
        kept = { file: stored.file, contentType: stored.contentType, size: stored.size, name: file.name };
      }
    } catch (err) {
      this.options.onError?.(err, file.file);
    }
    if (kept?.file !== file.file) {
      try {
        await rm(join(filesDir, file.file), { force: true });
      } catch (err) {
        this.options.onError?.(err, file.file);
      }
    }
    return kept;
  }
}
